"""Tokenizers: the default regexp rule, the nltk ones, and clear errors."""
import pytest

from embed.errors import EmbedError
from embed.text import tokenize
from embed.text.tokenize import TOKENIZERS, WORD_PATTERN, get_tokenizer

TEXT = "Don't re-use it! 'Tis O'Neill's state-of-the-art x_y -- 3.14 café @Bob :D #fun"


def test_regexp_keeps_inner_apostrophes_and_hyphens_and_lowercases():
    assert get_tokenizer()(TEXT) == [
        "don't", "re-use", "it", "tis", "o'neill's", "state-of-the-art", "x", "y", "3", "14",
        "café", "bob", "d", "fun"]
    assert get_tokenizer("regexp", lowercase=False)("O'Neill Re-Use")[:2] == ["O'Neill", "Re-Use"]


def test_regexp_fast_path_equals_nltk_regexp_tokenizer():
    from nltk.tokenize import RegexpTokenizer
    nltk_tok = RegexpTokenizer(WORD_PATTERN)
    ours = get_tokenizer("regexp", lowercase=False)
    texts = (TEXT, "", "  --  ", "Ünïcödé wörds, ’curly’ quotes’s\nnew\tline",
             "plain ASCII: it's a x-ray_scan of 42 O'Brien's -- done-", "’tis ascii-ish’s")
    for text in texts:
        assert ours(text) == nltk_tok.tokenize(text), text
        lower = [t.lower() for t in nltk_tok.tokenize(text.lower())]
        assert get_tokenizer("regexp")(text) == lower


@pytest.mark.parametrize("name, expected", [
    ("wordpunct", ["don", "'", "t", "re", "-", "use", "it", "!", ":", "d"]),
    ("treebank", ["do", "n't", "re-use", "it", "!", ":", "d"]),
    ("tweet", ["don't", "re-use", "it", "!", ":D"]),  # emoticons keep their case
])
def test_nltk_tokenizers_without_downloaded_data(name, expected):
    assert get_tokenizer(name)("Don't re-use it! :D") == expected


def test_case_is_kept_when_asked():
    for name in ("wordpunct", "treebank", "tweet"):
        assert "Paris" in get_tokenizer(name, lowercase=False)("Paris is big")
        assert "paris" in get_tokenizer(name)("Paris is big")


def test_unknown_tokenizer_lists_the_choices():
    with pytest.raises(EmbedError) as e:
        get_tokenizer("spacy")
    assert "spacy" in str(e.value) and all(n in str(e.value) for n in TOKENIZERS)


def test_word_tokenize_without_punkt_says_how_to_get_it(monkeypatch):
    import nltk

    def missing(resource, *a, **k):
        raise LookupError(resource)

    monkeypatch.setattr(nltk.data, "find", missing)
    with pytest.raises(EmbedError, match="punkt"):
        get_tokenizer("word_tokenize")


def test_word_tokenize_when_punkt_is_there(monkeypatch):
    import nltk
    monkeypatch.setattr(nltk.data, "find", lambda resource, *a, **k: resource)
    monkeypatch.setattr(nltk, "word_tokenize", lambda text: text.split("|"))
    assert get_tokenizer("word_tokenize")("A|B") == ["a", "b"]


def test_a_callable_is_accepted_as_custom_tokenizer():
    assert tokenize.get_tokenizer(str.split)("A b") == ["a", "b"]
    assert tokenize.get_tokenizer(str.split, lowercase=False)("A b") == ["A", "b"]
