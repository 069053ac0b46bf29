"""Downloading a named data set into the cache dir: resumable, SHA-256 checked, atomic.

Bytes arrive in ``<cache>/<file>.part``.  An interrupted download keeps that
file, and the next `fetch` asks the server for the rest (an HTTP ``Range``
request); a server that ignores the request sends the whole file again and the
part file starts over.  Only a complete file whose SHA-256 matches the catalog
is renamed (or, for a zip, extracted) into place, so the cache never holds a
half-written or corrupted data set.  A progress bar shows size and speed.
`urlopen` is this module's opener (tests serve files from a loopback server or
replace it; they never touch the network); `urllib.request` is imported on the
first download, not with this module (it costs every command's start).
"""
import contextlib
import hashlib
import os
import shutil
import urllib.error
import zipfile

from .. import progress
from ..errors import EmbedError
from ..fileio import atomic_write, remove_stale_temps
from .catalog import dataset
from .offline import build_offline_corpus, build_wiki_sample
from .sources import cache_dir


PART_SUFFIX = ".part"  # the download in progress, kept across interruptions
BLOCK = 1 << 16  # bytes per read


def urlopen(request, timeout):
    """urllib's opener (tests replace this function)."""
    import urllib.request
    return urllib.request.urlopen(request, timeout=timeout)


class DownloadError(EmbedError):
    """The data could not be fetched (no network, server error, connection dropped).

    Whatever arrived is kept in the part file for the next attempt; callers
    with an offline alternative (the demo) catch this and fall back."""


def part_path(name):
    """Where the bytes of data set `name` accumulate while it downloads."""
    d = dataset(name)
    base = os.path.basename(d.url) if d.url else d.filename
    return os.path.join(cache_dir(), base + PART_SUFFIX)


def fetch(name, force=False, url=None, timeout=30, show_progress=None):
    """Download data set `name` into the cache dir; return the path of the finished file.

    An existing copy in the cache is returned as is unless `force`.  `url`
    overrides the data set's URL (a mirror, a loopback server in tests, or
    ``file://`` for a local copy).  `timeout` is in seconds per network
    operation.  `show_progress`: None draws the bar only on a terminal.
    Raises DownloadError when the bytes cannot be had (resume by calling
    again) and EmbedError on a checksum mismatch (the download is removed).
    """
    d = dataset(name)
    if d.url is None:
        if d.name == "wiki_sample":
            return build_wiki_sample(force=force)
        if d.name == "offline":
            return build_offline_corpus(force=force)
        raise EmbedError(f"{d.name} cannot be downloaded")
    folder = cache_dir()
    target = os.path.join(folder, d.filename)
    if os.path.isfile(target) and not force:
        return target
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as e:
        raise EmbedError(f"cannot create cache dir {folder}: {e.strerror}") from None
    url = url or d.url
    remove_stale_temps(target)  # debris of older versions' downloads
    part = part_path(d.name)
    try:
        with _locked(part, d.name) as f:
            digest = _download(url, f, d, timeout, show_progress)
    except DownloadError:
        with contextlib.suppress(OSError):
            if os.path.getsize(part) == 0:  # nothing arrived: nothing to resume
                os.unlink(part)
        raise
    if d.sha256 and digest != d.sha256:
        with contextlib.suppress(OSError):
            os.unlink(part)
        raise EmbedError(f"checksum mismatch for {d.name} from {url}: expected sha256 "
                         f"{d.sha256[:16]}..., got {digest[:16]}... (download removed)")
    if d.member:
        _extract(part, d.member, target, d)
        os.unlink(part)
    else:
        _check_size(part, d)
        os.replace(part, target)
    return target


@contextlib.contextmanager
def _locked(part, name):
    """The part file opened for appending, locked against a second embed fetching the same set."""
    try:
        f = open(part, "a+b")
    except OSError as e:
        raise EmbedError(f"cannot save {name}: {e.strerror or e}") from None
    with f:
        try:
            import fcntl
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # not POSIX: no lock
            pass
        except OSError:
            raise EmbedError(f"another process is downloading {name} into {part}; "
                             f"wait for it to finish") from None
        yield f


def _hash_existing(f):
    """sha256 object over the bytes already in `f`, and their count."""
    h = hashlib.sha256()
    f.seek(0)
    for block in iter(lambda: f.read(1 << 20), b""):
        h.update(block)
    return h, f.tell()


def _open(url, have, timeout, name):
    """The response for `url`, asking for the bytes from `have` on; DownloadError if unreachable."""
    import urllib.request
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        return urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as e:
        if e.code == 416 and have:  # nothing past what we have: the part file is complete
            return None
        raise DownloadError(f"cannot download {name} from {url}: HTTP {e.code} {e.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", None) or getattr(e, "strerror", None) or e
        raise DownloadError(f"cannot download {name} from {url}: {reason} (offline? put the file "
                            f"in a folder named by EMBED_DATA instead)") from None


def _download(url, f, d, timeout, show):
    """Append the missing bytes of `url` to the part file `f`; return the sha256 hex digest of it all."""
    h, have = _hash_existing(f)
    response = _open(url, have, timeout, d.name)
    if response is None:
        return h.hexdigest()
    with response:
        status = getattr(response, "status", None)
        content_range = (getattr(response, "headers", None) or {}).get("Content-Range", "")
        if have and not (status == 206 and content_range.startswith(f"bytes {have}-")):
            f.seek(0)  # the server sent the whole file: start over
            f.truncate()
            h, have = hashlib.sha256(), 0
        length = (getattr(response, "headers", None) or {}).get("Content-Length")
        total = have + int(length) if length and length.isdigit() else None
        f.seek(0, os.SEEK_END)
        with progress.bar(total=total, initial=have, desc=d.name, unit="B", show=show) as bar:
            try:
                while True:
                    block = response.read(BLOCK)
                    if not block:
                        break
                    try:
                        f.write(block)
                    except OSError as e:  # our side (a full disk): no network hint
                        raise EmbedError(f"cannot save {d.name}: {e.strerror or e}") from None
                    h.update(block)
                    have += len(block)
                    bar.update(len(block))
            except EmbedError:
                raise
            except (OSError, ValueError) as e:
                f.flush()
                raise DownloadError(f"download of {d.name} interrupted after {have:,} bytes ({e}); "
                                    f"run it again to resume") from None
    f.flush()
    if total is not None and have < total:
        raise DownloadError(f"download of {d.name} interrupted after {have:,} of {total:,} bytes; "
                            f"run it again to resume")
    return h.hexdigest()


def _extract(archive, member, target, d):
    try:
        with zipfile.ZipFile(archive) as z, z.open(member) as src, \
                atomic_write(target, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
            dst.flush()
            if d.size is not None and dst.tell() != d.size:
                raise EmbedError(f"{d.name}: {member} in the archive has {dst.tell()} bytes, "
                                 f"expected {d.size}")
    except (zipfile.BadZipFile, KeyError) as e:
        with contextlib.suppress(OSError):
            os.unlink(archive)
        raise EmbedError(f"{d.name}: downloaded archive is damaged ({e}); removed, run again") from None


def _check_size(path, d):
    if d.size is not None and os.path.getsize(path) != d.size:
        size = os.path.getsize(path)
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise EmbedError(f"{d.name}: downloaded {size} bytes, expected {d.size} (removed)")
