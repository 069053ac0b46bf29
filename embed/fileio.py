"""Small file helpers shared by every module that writes output.

Writes are atomic: data goes to a temporary file in the destination folder
and is renamed over the target only once it is complete, so an interrupted
run never leaves a half-written file behind.
"""
import contextlib
import os
import tempfile

from .errors import EmbedError

# mkstemp creates owner-only files; finished outputs get the usual permissions.
_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_write(path, mode="w", encoding="utf-8", newline=None):
    """Open a temporary file next to `path`; rename it over `path` on success.

    On any exception (including KeyboardInterrupt) the temporary file is
    removed and `path` is left untouched.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise EmbedError(f"cannot write {path}: folder {folder} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    except OSError as e:
        raise EmbedError(f"cannot write {path}: {e.strerror}") from None
    try:
        kwargs = {} if "b" in mode else {"encoding": encoding, "newline": newline}
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def check_readable(path, what="file"):
    """Raise a one-line EmbedError unless `path` is an existing readable file."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise EmbedError(f"{what} not found: {path}")
    if os.path.isdir(path):
        raise EmbedError(f"{what} is a folder, not a file: {path}")
    if not os.access(path, os.R_OK):
        raise EmbedError(f"{what} is not readable: {path}")
    return path
