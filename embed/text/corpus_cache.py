"""Where encoded corpora are kept: the user's own cache folder, keyed by content.

A cache entry is a shard folder (`shards.py`) at ::

    <settings.cache_dir>/corpora/<name>.<digest>/

where ``digest`` hashes the corpus's *bytes* (SHA-256) together with the
encoding settings, so a renamed, touched or copied file still hits and a
changed one never does.  Nothing is ever written next to the corpus (which may
sit in a shared or read-only folder, or be a device such as /dev/stdin).

Trust: the `corpora` folder must belong to this user and be writable by no one
else, and an entry is validated completely when it is opened (see
`ShardedCorpus.open`).  Anything that fails is ignored with a one-line notice
and rebuilt; a cache is never a reason to crash.

Entries are built in a staging folder beside their final place and renamed
into it when complete.  Temporary encodings (no cache asked, or a source that
cannot be cached) go to the same `corpora` folder, removed when the corpus
object is closed or collected; a folder left by a killed process is removed
by the next encoding on the same machine.
"""
import hashlib
import json
import os
import re
import shutil
import socket
import stat
import tempfile

from .. import settings as embed_settings
from ..progress import notice
from .shards import DamagedShards, ShardedCorpus

HASH_BLOCK = 1 << 20  # bytes read per step while hashing a corpus


def root():
    """``<cache_dir>/corpora``: where cached and temporary encodings live."""
    return os.path.join(embed_settings.get().cache_dir, "corpora")


def private_folder(path):
    """Create `path` (mode 0o700) if needed; True if it is a folder only this user can change."""
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        st = os.lstat(path)
    except OSError:
        return False
    return (stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid()
            and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def is_regular_file(path):
    """True for a plain file (not a FIFO, a terminal, /dev/stdin or another device)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def content_digest(path):
    """SHA-256 of the file's bytes, hex."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            block = f.read(HASH_BLOCK)
            if not block:
                return h.hexdigest()
            h.update(block)


def entry_path(path, settings, digest=None):
    """The cache folder for corpus `path` encoded with `settings` (a dict of JSON values)."""
    digest = digest or content_digest(path)
    key = hashlib.sha256((digest + json.dumps(settings, sort_keys=True)).encode()).hexdigest()[:32]
    name = re.sub(r"[^A-Za-z0-9._-]", "_", os.path.basename(os.fspath(path)))[:60] or "corpus"
    return os.path.join(root(), f"{name}.{key}")


def lookup(entry, source):
    """The validated corpus cached at `entry`, or None (a damaged entry is removed, with a notice)."""
    if not os.path.isdir(entry):
        return None
    try:
        corpus = ShardedCorpus.open(entry, source=source)
    except DamagedShards as e:
        notice(f"ignoring a damaged corpus cache ({e}); rebuilding it")
        shutil.rmtree(entry, ignore_errors=True)
        return None
    corpus.cache_path, corpus.from_cache = entry, True
    return corpus


def _host():
    return re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:20] or "host"


def remove_dead_builds(base):
    """Delete staging folders of processes of this host that died (kill -9) and left them behind."""
    pattern = re.compile(re.escape(f".build-{_host()}-") + r"(\d+)-")
    for entry in os.listdir(base):
        m = pattern.match(entry)
        if not m or int(m.group(1)) == os.getpid():
            continue
        try:
            os.kill(int(m.group(1)), 0)
            continue  # still running
        except ProcessLookupError:
            shutil.rmtree(os.path.join(base, entry), ignore_errors=True)
        except OSError:
            continue  # someone else's live process


def staging_folder():
    """A fresh private folder under `root()` (or the system temp folder if that is unusable)."""
    base = root()
    if private_folder(base):
        remove_dead_builds(base)
    else:
        base = None
    return tempfile.mkdtemp(prefix=f".build-{_host()}-{os.getpid()}-", dir=base)
