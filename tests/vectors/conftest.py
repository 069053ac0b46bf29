"""Shared vectors fixtures: hand-made vectors with exact analogies, and a one-line error check."""
import numpy as np
import pytest

from embed.errors import EmbedError
from embed.vectors.keyedvectors import KeyedVectors


@pytest.fixture
def royal():
    """Axes: 0 male, 1 female, 2 royal, 3 fruit, 4 capital-of, 5..7 country identity.

    king - man + woman = queen exactly; paris - france + italy = rome exactly.
    """
    e = np.eye(8, dtype=np.float32)
    vecs = {
        "man": e[0], "woman": e[1], "king": e[0] + e[2], "queen": e[1] + e[2],
        "prince": e[0] + 0.8 * e[2] + 0.1 * e[3], "apple": e[3], "pear": e[3] + 0.1 * e[0],
        "banana": e[3] + 0.2 * e[1],
        "france": e[5], "italy": e[6], "spain": e[7],
        "paris": e[5] + e[4], "rome": e[6] + e[4], "madrid": e[7] + e[4],
    }
    return KeyedVectors(list(vecs), np.stack(list(vecs.values())))


@pytest.fixture
def one_line_error():
    """one_line_error(fn, *args, match=REGEX): fn(*args) raises EmbedError matching REGEX, on one line."""
    def check(fn, *args, match):
        with pytest.raises(EmbedError, match=match) as e:
            fn(*args)
        assert "\n" not in str(e.value)
        return str(e.value)
    return check
