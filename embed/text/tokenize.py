"""Tokenizers: one registry of names, each a callable ``str -> list[str]``.

All come from nltk and need no downloaded data, except ``word_tokenize``
(it needs nltk's punkt sentence model and says how to get it):

=============  ======================================================  ==============================
name           what it keeps                                           "Don't re-use it! :D"
=============  ======================================================  ==============================
regexp         words; inner apostrophes and hyphens stay (default)     don't re-use it d
wordpunct      runs of word characters and runs of punctuation         don ' t re - use it ! : d
treebank       Penn Treebank conventions (clitics, punctuation)        do n't re-use it ! : d
tweet          nltk's TweetTokenizer (emoticons, @handles, #tags)      don't re-use it ! :D
word_tokenize  nltk.word_tokenize (punkt sentences, then treebank)     do n't re-use it ! : d
=============  ======================================================  ==============================

All lower-case the text first when ``lowercase=True`` (tweet keeps emoticons).

``regexp`` is nltk's `RegexpTokenizer` with `WORD_PATTERN`; the callable uses
the compiled pattern's ``findall`` directly (and an ASCII-only twin on ASCII
text), which gives the same tokens with less overhead: tokenizing is the slow
part of reading a corpus.
"""
import re

from ..errors import EmbedError

# A word is a run of letters/digits (no underscore); an apostrophe (' or ’)
# or a hyphen joins two such runs: "don't", "o'neill", "state-of-the-art".
# Leading/trailing apostrophes and hyphens ("'tis", "--") are dropped.
WORD_PATTERN = r"[^\W_]+(?:['’\-][^\W_]+)*"
_WORD_RE = re.compile(WORD_PATTERN)
# The same rule for pure-ASCII text, where [^\W_] is just [A-Za-z0-9]: the
# regex engine runs it about 20% faster.
_ASCII_WORD_RE = re.compile(r"[A-Za-z0-9]+(?:['\-][A-Za-z0-9]+)*")

TOKENIZERS = ("regexp", "wordpunct", "treebank", "tweet", "word_tokenize")


def _regexp(lowercase):
    findall, ascii_findall = _WORD_RE.findall, _ASCII_WORD_RE.findall

    def regexp(text):
        if lowercase:
            text = text.lower()
        return ascii_findall(text) if text.isascii() else findall(text)

    return regexp


def _wordpunct(lowercase):
    from nltk.tokenize import WordPunctTokenizer
    return _lowered(WordPunctTokenizer().tokenize, lowercase)


def _treebank(lowercase):
    from nltk.tokenize import TreebankWordTokenizer
    return _lowered(TreebankWordTokenizer().tokenize, lowercase)


def _tweet(lowercase):
    from nltk.tokenize import TweetTokenizer
    # preserve_case=False lower-cases everything except emoticons (":D" stays).
    return TweetTokenizer(preserve_case=not lowercase).tokenize


def _word_tokenize(lowercase):
    import nltk
    for resource in ("tokenizers/punkt_tab/english/", "tokenizers/punkt"):
        try:
            nltk.data.find(resource)
            break
        except LookupError:
            continue
    else:
        raise EmbedError("tokenizer 'word_tokenize' needs nltk's punkt data: run "
                         "`python -m nltk.downloader punkt_tab`, or set tokenizer to 'regexp'", params=("tokenizer",))
    return _lowered(nltk.word_tokenize, lowercase)


def _lowered(tokenize, lowercase):
    if lowercase:
        return lambda text: tokenize(text.lower())
    return tokenize


_REGISTRY = {
    "regexp": _regexp,
    "wordpunct": _wordpunct,
    "treebank": _treebank,
    "tweet": _tweet,
    "word_tokenize": _word_tokenize,
}


def get_tokenizer(name="regexp", lowercase=True):
    """Return a callable ``str -> list[str]`` for the tokenizer called `name`.

    A callable `name` is returned as is (wrapped to lower-case if asked), so
    the Python API also accepts a custom tokenizer.
    """
    if callable(name):
        return _lowered(name, lowercase)
    try:
        make = _REGISTRY[name]
    except (KeyError, TypeError):
        raise EmbedError(f"unknown tokenizer {name!r}; choose from: {', '.join(TOKENIZERS)}") from None
    return make(bool(lowercase))
