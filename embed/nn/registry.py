"""One way to resolve a string option ("relu", "adam", "cosine") to its class."""
from ..errors import EmbedError


def lookup(table, name, what, aliases=None):
    """table[name] (case-insensitive, after `aliases`); a one-line EmbedError listing the choices otherwise."""
    key = name.lower() if isinstance(name, str) else name
    key = (aliases or {}).get(key, key)
    if key not in table:
        raise EmbedError(f"unknown {what} {name!r}; choose from: {', '.join(map(str, table))}")
    return table[key]
