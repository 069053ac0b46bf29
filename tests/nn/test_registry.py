"""The one name -> object registry: case, aliases, unknown and unhashable names."""
import pytest

from embed.errors import EmbedError
from embed.nn.registry import lookup, resolve

TABLE = {"relu": 1, "tanh": 2}


def test_lookup_is_case_insensitive_and_follows_aliases():
    assert lookup(TABLE, "ReLU", "activation") == 1
    assert lookup(TABLE, "hyperbolic", "activation", {"hyperbolic": "tanh"}) == 2


def test_resolve_accepts_a_tuple_of_names_and_returns_the_key():
    assert resolve(("rnn", "lstm"), "LSTM", "cell") == "lstm"


@pytest.mark.parametrize("name", ["sigmoid", ["relu"], None])
def test_unknown_names_are_one_line_errors_listing_the_choices(name):
    with pytest.raises(EmbedError, match=r"^unknown activation .*; choose from: relu, tanh$"):
        lookup(TABLE, name, "activation")
