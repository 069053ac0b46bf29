"""The one exception type users see.

Anything the user can fix (a missing file, a bad parameter, a word that is not
in the vocabulary) raises `EmbedError` with a one-line message in the user's
language.  The command line prints it as ``embed: error: <message>`` and exits
with status 2; Python callers can catch it (it is a `ValueError`).

A message that names parameters lists them in ``params``
(``EmbedError("min_count must be at least 1", params=("min_count",))``): the
library speaks in parameter names, and the command line rewrites exactly those
names into its flags (``--min-count``).
"""


class EmbedError(ValueError):
    """A problem with the user's input, reported as one clear line.

    params : names of the parameters the message mentions (each written as is
             in the message), so a front end can show its own spelling of them.
    """

    def __init__(self, message, *, params=()):
        super().__init__(message)
        self.params = (params,) if isinstance(params, str) else tuple(params)
