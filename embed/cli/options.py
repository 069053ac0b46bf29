"""Option values and names: every numeric option is checked here, the same way.

Each helper is an argparse ``type=``: it turns the text into a number or raises
`argparse.ArgumentTypeError`, which the parser reports as one line with exit
status 2 (``embed mnist: error: argument --dropout: must be in [0, 1), got nan``).
NaN and infinities are refused by every float helper.

`flag_names` and `with_flags` turn the parameter names a library error mentions
(``EmbedError.params``) into the command's own flags (``min_count`` ->
``--min-count``): an option's ``dest`` is the library parameter it feeds.
"""
import argparse
import math
import re


def _number(text, kind):
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid {kind.__name__} value: {text!r}") from None


def _check(ok, need, value):
    if not ok:
        raise argparse.ArgumentTypeError(f"must be {need}, got {value}")
    return value


def positive_int(text):
    """An integer >= 1 (sizes, counts, epochs, threads)."""
    value = _number(text, int)
    return _check(value >= 1, "at least 1", value)


def non_negative_int(text):
    """An integer >= 0 (seeds, '0 = off' counts)."""
    value = _number(text, int)
    return _check(value >= 0, "0 or more", value)


def int_at_least(low):
    """A type for integers >= `low`."""
    def parse(text):
        value = _number(text, int)
        return _check(value >= low, f"at least {low}", value)
    parse.__name__ = f"int_at_least_{low}"
    return parse


def finite_float(text):
    """Any finite float."""
    value = _number(text, float)
    return _check(math.isfinite(value), "a finite number", value)


def positive_float(text):
    """A finite float > 0 (learning rates, temperatures, budgets)."""
    value = finite_float(text)
    return _check(value > 0, "greater than 0", value)


def non_negative_float(text):
    """A finite float >= 0 (penalties, thresholds, '0 = off' values)."""
    value = finite_float(text)
    return _check(value >= 0, "0 or more", value)


def probability(text):
    """A float in [0, 1) (dropout rates, held-out fractions)."""
    value = finite_float(text)
    return _check(0 <= value < 1, "in [0, 1)", value)


def float_below(high):
    """A type for finite floats in (0, high)."""
    def parse(text):
        value = finite_float(text)
        return _check(0 < value < high, f"greater than 0 and below {high:g}", value)
    parse.__name__ = f"float_below_{high:g}"
    return parse


def int_list(text):
    """Comma-separated integers >= 1, e.g. '256,128' -> [256, 128]."""
    try:
        values = [int(s) for s in str(text).split(",") if s.strip()]
    except ValueError:
        values = []
    if not values or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError(f"must be positive integers separated by commas, got {text!r}")
    return values


def picture_size(text):
    """'WxH' in pixels -> (W, H), both >= 1."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must look like 1800x1350, got {text!r}") from None
    _check(w >= 1 and h >= 1, "at least 1x1", text)
    return w, h


# --------------------------------------------------------------------------- parameter names -> flags

def flag_names(parser):
    """{dest: flag} of `parser`'s options, the long spelling preferred ('min_count' -> '--min-count')."""
    names = {}
    for action in parser._actions:  # argparse keeps no public list of a parser's options
        if action.option_strings and action.help != argparse.SUPPRESS:
            longs = [s for s in action.option_strings if s.startswith("--")]
            names.setdefault(action.dest, (longs or action.option_strings)[0])
    return names


def with_flags(message, params, flags):
    """`message` with each parameter name in `params` written as its flag in `flags`."""
    for name in params:
        if name in flags:
            message = re.sub(rf"(?<![\w-]){re.escape(name)}(?!\w)", flags[name], message)
    return message
