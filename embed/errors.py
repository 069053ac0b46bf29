"""The one exception type users see.

Anything the user can fix (a missing file, a bad parameter, a word that is not
in the vocabulary) raises `EmbedError` with a one-line message in the user's
language.  The command line prints it as ``embed: error: <message>`` and exits
with status 2; Python callers can catch it (it is a `ValueError`).
"""


class EmbedError(ValueError):
    """A problem with the user's input, reported as one clear line."""
