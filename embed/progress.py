"""What long jobs tell the user on stderr: one progress bar, and one-line notes.

The bar serves every long job (training word2vec, an MLP, an LSTM).

It draws on stderr when stderr is a terminal and stays silent otherwise (logs,
CI, `--json` runs), so machine-readable output on stdout is never mixed with
bar updates.  Set ``EMBED_PROGRESS=1`` to force it on, ``0`` to force it off
(read through `embed.settings`).
"""
import sys

from . import settings


def enabled(default=None):
    """Draw bars?  EMBED_PROGRESS if set, else `default` if given, else: stderr is a terminal."""
    forced = settings.get().progress
    if forced is not None:
        return forced
    if default is not None:
        return bool(default)
    return sys.stderr.isatty()


# tqdm writes the unit after the speed only; a byte count needs it after the sizes too (31.3MB/31.3MB)
BYTES_FORMAT = "{l_bar}{bar}| {n_fmt}B/{total_fmt}B [{elapsed}<{remaining}, {rate_fmt}{postfix}]"


def bar(total=None, desc=None, unit="it", show=None, **kwargs):
    """A tqdm bar on stderr; `show=None` means 'only on a terminal'.

    Counts are scaled with SI prefixes (12.3k, 4.5M); with ``unit="B"`` sizes and
    speed read in bytes: ``text8: 40%|####      | 12.5MB/31.3MB [00:03<00:04, 4.2MB/s]``.
    """
    if unit == "B" and total is not None:
        kwargs.setdefault("bar_format", BYTES_FORMAT)
    if "IPython" in sys.modules:        # a notebook: tqdm.auto draws a widget there
        from tqdm.auto import tqdm
    else:                               # imported on first use; tqdm.auto would also import asyncio
        from tqdm.std import tqdm
    return tqdm(total=total, desc=desc, unit=unit, unit_scale=True, dynamic_ncols=True,
                file=sys.stderr, disable=not enabled(show), **kwargs)


def notice(message):
    """One line on stderr about something embed adjusted for the user (a skipped word, a fallback,
    a rebuilt cache, a repeated vector): ``embed: note: <message>``."""
    print(f"embed: note: {message}", file=sys.stderr)
