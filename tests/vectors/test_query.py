"""The analogy expression parser: words with their signs, and one-line errors for bad expressions."""
import pytest

from embed.errors import EmbedError
from embed.vectors.query import parse_expression


def test_expression_parser():
    assert parse_expression("france - paris + rome") == (["france", "rome"], ["paris"])
    assert parse_expression("king - man + woman") == (["king", "woman"], ["man"])
    assert parse_expression("  paris ") == (["paris"], [])
    assert parse_expression("king -man +woman") == (["king", "woman"], ["man"])
    assert parse_expression("new-york - usa + france") == (["new-york", "france"], ["usa"])
    assert parse_expression("-man + woman") == (["woman"], ["man"])
    for bad, why in [("", "empty"), ("france -", "ends with an operator"),
                     ("france - - paris", "two operators"), ("france paris", "expected '\\+' or '-'"),
                     ("- man", "at least one word"), ("a + ++ b", "unexpected")]:
        with pytest.raises(EmbedError, match=why):
            parse_expression(bad)
