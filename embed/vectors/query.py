"""Query helpers: the analogy expression parser and "did you mean" suggestions.

An expression is words joined by ``+`` and ``-``::

    "france - paris + rome"   ->  positive ['france', 'rome'], negative ['paris']
    "king - man + woman"      ->  positive ['king', 'woman'],  negative ['man']
    "paris"                   ->  positive ['paris']  (its nearest neighbours)

Operators are separate tokens or glued to the front of a word (``-paris``);
a hyphen inside a word (``new-york``) is part of the word.
"""
import difflib

from ..errors import EmbedError


def parse_expression(expr):
    """Split 'a - b + c' into (positive, negative) word lists."""
    if not isinstance(expr, str) or not expr.strip():
        raise EmbedError("empty query: give a word or an expression like 'france - paris + rome'")
    tokens = []  # ('op', '+'|'-') or ('word', w)
    for raw in expr.split():
        while raw[:1] in ("+", "-") and len(raw) > 1 and raw[1:2] not in ("+", "-"):
            tokens.append(("op", raw[0]))
            raw = raw[1:]
        if raw in ("+", "-"):
            tokens.append(("op", raw))
        elif raw.strip("+-") == "":
            raise EmbedError(f"malformed query {expr!r}: unexpected {raw!r}")
        else:
            tokens.append(("word", raw))
    positive, negative = [], []
    sign = "+"
    expect_word = True
    leading = False
    for kind, value in tokens:
        if kind == "op":
            if not expect_word:
                sign = value
                expect_word = True
            elif not positive and not negative and not leading:
                sign, leading = value, True  # a leading sign: "-man + woman"
            else:
                raise EmbedError(f"malformed query {expr!r}: two operators in a row")
        else:
            if not expect_word:
                raise EmbedError(f"malformed query {expr!r}: expected '+' or '-' before {value!r}")
            (positive if sign == "+" else negative).append(value)
            expect_word = False
    if expect_word:
        raise EmbedError(f"malformed query {expr!r}: it ends with an operator")
    if not positive:
        raise EmbedError(f"malformed query {expr!r}: it needs at least one word with '+'")
    return positive, negative


def suggest(word, key_to_index, index_to_key, max_candidates=100_000):
    """A close vocabulary word for an unknown `word`, or None.

    Case variants first (dictionary hits), then difflib over the most
    frequent words of similar length that share the first or the last
    letter, so the look-up stays around 0.1 s even on a big vocabulary.
    """
    if not isinstance(word, str) or not word:
        return None
    for variant in (word.lower(), word.capitalize(), word.upper()):
        if variant != word and variant in key_to_index:
            return variant
    n, first, last = len(word), word[0].lower(), word[-1].lower()
    candidates = [w for w in index_to_key[:max_candidates]
                  if abs(len(w) - n) <= 2 and w and (w[0].lower() == first or w[-1].lower() == last)]
    match = difflib.get_close_matches(word, candidates[:20_000], n=1, cutoff=0.75)
    return match[0] if match else None


def unknown_words_error(unknown, key_to_index, index_to_key):
    """One EmbedError naming every unknown word, with suggestions."""
    parts = []
    for w in dict.fromkeys(unknown):
        s = suggest(w, key_to_index, index_to_key)
        parts.append(f"{w!r} (did you mean {s!r}?)" if s else f"{w!r}")
    return EmbedError(f"unknown word(s) not in the vocabulary of {len(index_to_key)} words: "
                      + ", ".join(parts))
