"""Word-pair evaluation: a score that is not a number names its line."""
import numpy as np
import pytest

from embed.errors import EmbedError
from embed.vectors.evaluation import evaluate_word_pairs
from embed.vectors.keyedvectors import KeyedVectors


@pytest.mark.parametrize("bad", ["nan", "inf", "NaN"])
def test_a_non_finite_score_names_its_line(tmp_path, bad):
    kv = KeyedVectors(["a", "b", "c"], np.eye(3, dtype=np.float32))
    path = tmp_path / "pairs.txt"
    path.write_text(f"# comment\nword1\tword2\tscore\na\tb\t1.0\nb\tc\t{bad}\na\tc\t3\n")
    with pytest.raises(EmbedError, match=f"line 4: the score '{bad}' is not a finite number"):
        evaluate_word_pairs(kv, str(path))


def test_a_byte_order_mark_does_not_hide_the_first_line(tmp_path):
    kv = KeyedVectors(["a", "b", "c"], np.array([[1, 0], [1, 1], [0, 1]], np.float32))
    path = tmp_path / "pairs.txt"
    path.write_bytes("\ufeffa\tb\t2\nb\tc\t1\na\tc\t0\n".encode("utf-8"))
    assert evaluate_word_pairs(kv, str(path))["pairs"] == 3
