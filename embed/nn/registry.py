"""One way to resolve a string option ("relu", "adam", "cosine") to its class."""
from ..errors import EmbedError


def resolve(table, name, what, aliases=None):
    """The key of `table` (a dict, or a tuple of names) that `name` means.

    Case-insensitive, after `aliases` ({"lasso": "l1"}); a one-line EmbedError
    listing the choices otherwise.
    """
    key = name.lower() if isinstance(name, str) else name
    try:
        key = (aliases or {}).get(key, key)
        known = key in table
    except TypeError:  # an unhashable name (a list, a dict) is no key
        known = False
    if not known:
        raise EmbedError(f"unknown {what} {name!r}; choose from: {', '.join(map(str, table))}")
    return key


def lookup(table, name, what, aliases=None):
    """table[name] (case-insensitive, after `aliases`); a one-line EmbedError listing the choices otherwise."""
    return table[resolve(table, name, what, aliases)]
