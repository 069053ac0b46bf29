"""Downloading a named data set into the cache dir: SHA-256 checked, atomic.

The file is written under a temporary name in the cache dir and renamed into
place only once complete and verified, so an interrupted or corrupted
download leaves nothing behind.  `urlopen` is this module's opener (tests
replace it; they never touch the network).
"""
import contextlib
import hashlib
import os
import shutil
import urllib.error
import urllib.request
import zipfile

from ..errors import EmbedError
from ..fileio import atomic_write, create_temp, remove_stale_temps
from .catalog import dataset
from .offline import build_wiki_sample
from .sources import cache_dir

urlopen = urllib.request.urlopen


def fetch(name, force=False, url=None, timeout=60):
    """Download data set `name` into the cache dir (SHA-256 checked, atomic); return its path.

    An existing copy in the cache is returned as is unless `force`.  `url`
    overrides the data set's URL (a mirror, or ``file://`` for a local copy).
    """
    d = dataset(name)
    if d.url is None:
        if d.name == "wiki_sample":
            return build_wiki_sample(force=force)
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
    remove_stale_temps(target)  # a killed download's partial file
    fd, tmp = create_temp(target)
    try:
        with os.fdopen(fd, "wb") as out:
            digest = _download(url, out, d.name, d.filename, timeout)
        if d.sha256 and digest != d.sha256:
            raise EmbedError(f"checksum mismatch for {d.name} from {url}: expected sha256 "
                             f"{d.sha256[:16]}..., got {digest[:16]}... (download discarded)")
        if d.member:
            _extract(tmp, d.member, target, d)
        else:
            _check_size(tmp, d)
            os.replace(tmp, target)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    return target


def _download(url, out, name, filename, timeout):
    """Copy `url` into the open binary file `out`; return the sha256 hex digest."""
    h = hashlib.sha256()
    try:
        with urlopen(url, timeout=timeout) as response:
            while True:
                block = response.read(1 << 20)
                if not block:
                    break
                h.update(block)
                try:
                    out.write(block)
                except OSError as e:  # our side (a full disk): no network hint
                    raise EmbedError(f"cannot save {name}: {e.strerror or e}") from None
    except EmbedError:
        raise
    except urllib.error.HTTPError as e:
        raise EmbedError(f"cannot download {name} from {url}: HTTP {e.code} {e.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", None) or getattr(e, "strerror", None) or e
        raise EmbedError(f"cannot download {name} from {url}: {reason} (offline? put {filename} "
                         f"in a folder named by EMBED_DATA instead)") from None
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
        raise EmbedError(f"{d.name}: downloaded archive is damaged ({e})") from None


def _check_size(path, d):
    if d.size is not None and os.path.getsize(path) != d.size:
        raise EmbedError(f"{d.name}: downloaded {os.path.getsize(path)} bytes, expected {d.size}")
