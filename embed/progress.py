"""One progress bar for every long job (training word2vec, an MLP, an LSTM).

It draws on stderr when stderr is a terminal and stays silent otherwise (logs,
CI, `--json` runs), so machine-readable output on stdout is never mixed with
bar updates.  Set ``EMBED_PROGRESS=1`` to force it on, ``0`` to force it off.
"""
import os
import sys

from tqdm.auto import tqdm


def enabled(default=None):
    flag = os.environ.get("EMBED_PROGRESS")
    if flag is not None:
        return flag not in ("0", "", "false", "no")
    if default is not None:
        return bool(default)
    return sys.stderr.isatty()


def bar(total=None, desc=None, unit="it", show=None, **kwargs):
    """A tqdm bar on stderr; `show=None` means 'only on a terminal'."""
    return tqdm(total=total, desc=desc, unit=unit, unit_scale=True, dynamic_ncols=True,
                file=sys.stderr, disable=not enabled(show), **kwargs)
