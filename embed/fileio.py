"""Small file helpers shared by every module that reads input or writes output.

Writes are atomic: data goes to a temporary file in the destination folder
and is renamed over the target only once it is complete, so an interrupted
run never leaves a half-written file behind.  A temporary file is named
``.NAME.<pid>-<host>-<random>.embed.tmp``; one that a killed run left behind
(its process is gone, or it is older than `STALE_HOURS`) is removed by the
next write to the same destination.

Before any long work, commands call `check_distinct` (an output must never be
one of the inputs, however it is spelled) and `check_writable` (the output's
folder exists and accepts files).

Inputs are opened with `open_input`: it decompresses .gz/.bz2/.xz files while
reading, and never blocks forever on a named pipe (mkfifo) that nobody writes
to.  A pipe or FIFO is read once, front to back; `open_seekable` holds such an
input in memory for readers that must seek (.npz archives).

A URL (``s3://bucket/c.txt``, ``zip://a.txt::/data/c.zip``: `is_url`) is read
through fsspec, imported only then (`url_fs`); `check_readable`, `open_input`
and `input_size` take either kind, local paths going the plain way.
"""
import contextlib
import functools
import importlib
import io
import os
import re
import secrets
import select
import socket
import stat
import time
import zlib

from . import settings
from .errors import EmbedError

TEMP_SUFFIX = ".embed.tmp"  # ends in .tmp, like every temporary file
STALE_HOURS = 24  # a temporary file this old is debris even if its pid is alive again (reused)
LEGACY_STALE_HOURS = 6  # '.NAME.XXXXXXXX.tmp' files of older versions: no pid to ask


def _host_tag():
    """Six hex digits naming this machine, so a shared folder's other writers are left alone."""
    return "%06x" % (zlib.crc32(socket.gethostname().encode("utf-8", "replace")) & 0xFFFFFF)


def temp_name(path):
    """A fresh temporary name next to `path`: '.NAME.<pid>-<host>-<random>.embed.tmp'."""
    folder, name = os.path.split(os.path.abspath(os.fspath(path)))
    return os.path.join(folder, f".{name}.{os.getpid()}-{_host_tag()}-{secrets.token_hex(4)}{TEMP_SUFFIX}")


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's live process (or a pid we cannot ask about): keep its file
    return True


def remove_stale_temps(path, now=None):
    """Delete temporary files of earlier, dead writes to `path`; returns the names removed.

    A file ``.NAME.<pid>-<host>-<random>.embed.tmp`` is stale when it was made on
    this machine by a process that no longer exists, or when it has not been
    written to for `STALE_HOURS`.  Older versions' ``.NAME.XXXXXXXX.tmp`` files
    are stale after `LEGACY_STALE_HOURS`.  Errors are ignored: this is tidying.
    """
    folder, name = os.path.split(os.path.abspath(os.fspath(path)))
    ours = re.compile(re.escape(f".{name}.") + r"(\d+)-([0-9a-f]{6})-[0-9a-f]{8}" + re.escape(TEMP_SUFFIX) + r"\Z")
    legacy = re.compile(re.escape(f".{name}.") + r"[a-z0-9_]{8}\.tmp\Z")
    now = time.time() if now is None else now
    host = _host_tag()
    removed = []
    try:
        entries = os.listdir(folder)
    except OSError:
        return removed
    prefix = f".{name}."
    for entry in entries:
        if not entry.startswith(prefix):
            continue
        m = ours.match(entry)
        full = os.path.join(folder, entry)
        try:
            st = os.lstat(full)
        except OSError:
            continue
        age_hours = (now - st.st_mtime) / 3600
        if m:
            pid, tag = int(m.group(1)), m.group(2)
            dead = tag == host and pid != os.getpid() and not _pid_alive(pid)
            stale = dead or age_hours > STALE_HOURS
        else:
            stale = bool(legacy.match(entry)) and age_hours > LEGACY_STALE_HOURS
        if stale:
            with contextlib.suppress(OSError):
                os.unlink(full)
                removed.append(entry)
    return removed


def create_temp(path):
    """Create and open (O_EXCL) a temporary file next to `path`; returns (fd, name).

    The file is created with mode 0o666 so the process umask applies exactly as
    for a plain open(): the finished output gets the usual permissions, and no
    process-wide umask is read or changed.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = temp_name(path)
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise EmbedError(f"cannot write {os.fspath(path)}: no free temporary name")


def write_target(path, what=""):
    """The file an atomic write to `path` replaces: `path`, or the file its symlink points to.

    Renaming over a symlink would replace the link (think of /dev/stdout), so a
    link is followed and its target written, and the link stays.  The target
    must be a regular file (or not exist yet): never a folder, a device, a pipe
    or a process's stream under /proc.
    """
    path = os.fspath(path)
    target, hops = path, []
    while os.path.islink(target) and len(hops) < 40:  # each hop of the chain, /proc's magic links too
        hops.append(target)
        target = os.path.join(os.path.dirname(os.path.abspath(target)), os.readlink(target))
    target = os.path.realpath(target) if hops else path
    if os.path.isdir(target):
        raise EmbedError(f"cannot write {what}{path}: it is a folder")
    special = os.path.exists(target) and not os.path.isfile(target)
    if special or any(os.path.realpath(os.path.dirname(os.path.abspath(h))).startswith("/proc")
                      for h in hops):
        raise EmbedError(f"cannot write {what}{path}: it is not a regular file (a device or a pipe); "
                         "give a file name")
    return target


def _folder_of(path):
    return os.path.dirname(os.path.abspath(os.fspath(path)))


@contextlib.contextmanager
def atomic_write(path, mode="w", encoding="utf-8", newline=None):
    """Open a temporary file next to `path`; rename it over `path` on success.

    On any exception (including KeyboardInterrupt) the temporary file is
    removed and `path` is left untouched.
    """
    shown = os.fspath(path)
    path = write_target(shown)
    folder = _folder_of(path)
    if not os.path.isdir(folder):
        raise EmbedError(f"cannot write {shown}: folder {folder} does not exist")
    remove_stale_temps(path)
    try:
        fd, tmp = create_temp(path)
    except OSError as e:
        raise EmbedError(f"cannot write {shown}: {e.strerror}") from None
    try:
        kwargs = {} if "b" in mode else {"encoding": encoding, "newline": newline}
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*(://|::)")  # a protocol: s3://, zip://, simplecache::


def is_url(path):
    """True when `path` is a URL for fsspec (``s3://b/c.txt``, chained ``zip://a.txt::/d/c.zip``), not a local path.

    A local file or folder of that name wins (``notes::v2.txt`` in the working directory).
    """
    return isinstance(path, str) and _URL.match(path) is not None and not os.path.exists(path)


def _missing_package(url):
    """The package (e.g. s3fs) that a protocol of `url` needs and that is not installed, or None."""
    import importlib.util

    from fsspec.registry import known_implementations
    for part in url.split("::"):
        protocol = part.split("://", 1)[0] if "://" in part else part
        module = known_implementations.get(protocol, {}).get("class", "").split(".")[0]
        if module and importlib.util.find_spec(module) is None:
            return protocol, module
    return None


def url_fs(url, what="file"):
    """``(filesystem, path in it)`` for the fsspec `url`; a one-line EmbedError when it cannot be opened."""
    try:
        from fsspec.core import url_to_fs
    except ImportError:
        raise EmbedError(f"{what} {url} is a URL, and reading URLs needs fsspec: pip install fsspec") from None
    try:
        return url_to_fs(url)
    except ImportError as e:
        missing = _missing_package(url)
        if missing is None:
            raise EmbedError(f"cannot open {what} {url}: {e}") from None
        raise EmbedError(f"{what} {url}: the {missing[0]}:// protocol needs a package: "
                         f"pip install {missing[1]}") from None
    except FileNotFoundError:
        raise EmbedError(f"{what} not found: {url}") from None
    except (ValueError, OSError) as e:  # ValueError: "Protocol not known: foo"
        raise EmbedError(f"cannot open {what} {url}: {one_line(e)}") from None


def one_line(e):
    """The first line of what the exception `e` says (its strerror for an OSError)."""
    return (getattr(e, "strerror", None) or str(e) or type(e).__name__).splitlines()[0]


def _suffix(path):
    """The file name extension of `path`, lower case (of the innermost file for a chained URL)."""
    return os.path.splitext(path.split("::", 1)[0] if is_url(path) else path)[1].lower()


def input_size(path):
    """Size in bytes of the input file `path` (a local path or a URL)."""
    path = os.fspath(path)
    if not is_url(path):
        return os.path.getsize(path)
    fs, inner = url_fs(path)
    return fs.size(inner)


def check_readable(path, what="file"):
    """Raise a one-line EmbedError unless `path` is an existing readable file (local path or URL)."""
    path = os.fspath(path)
    if is_url(path):
        fs, inner = url_fs(path, what)
        try:
            kind = fs.info(inner)["type"]
        except FileNotFoundError:
            raise EmbedError(f"{what} not found: {path}") from None
        except OSError as e:
            raise EmbedError(f"cannot read {what} {path}: {one_line(e)}") from None
        if kind == "directory":
            raise EmbedError(f"{what} is a folder, not a file: {path}")
        return path
    if not os.path.exists(path):
        raise EmbedError(f"{what} not found: {path}")
    if os.path.isdir(path):
        raise EmbedError(f"{what} is a folder, not a file: {path}")
    if not os.access(path, os.R_OK):
        raise EmbedError(f"{what} is not readable: {path}")
    return path


_COMPRESSED = {".gz": "gzip", ".bz2": "bz2", ".xz": "lzma"}  # suffix -> module with open()


def is_compressed(path):
    """True for .gz, .bz2 and .xz files, which are decompressed while reading."""
    return _suffix(os.fspath(path)) in _COMPRESSED


@functools.lru_cache(maxsize=1)
def _pipe_device():
    """st_dev of anonymous pipes (Linux: the pipefs mount), told apart from FIFOs on a file system."""
    r, w = os.pipe()
    try:
        return os.fstat(r).st_dev
    finally:
        os.close(r)
        os.close(w)


def is_named_fifo(path):
    """True for a FIFO made with mkfifo.  False for regular files, devices, and anonymous pipes
    such as /dev/stdin in ``cmd | embed ...``, whose writer (cmd) exists before embed starts."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return False
    return stat.S_ISFIFO(st.st_mode) and st.st_dev != _pipe_device()


def _open_fifo(path, what, wait):
    """A plain open() of a FIFO waits, without limit, for a writer to open the other end.  Open
    without blocking instead, and wait at most `wait` seconds for the first bytes (or for a writer
    that came and left: end of file)."""
    wait = settings.get().fifo_wait if wait is None else float(wait)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN)          # a writer that closed shows up as POLLHUP
        if not poller.poll(max(1, int(wait * 1000))):
            raise EmbedError(f"{what} {path} is a FIFO with no writer: nothing arrived in {wait:g} s "
                             "(start the program that writes to it, or give a regular file)")
        os.set_blocking(fd, True)                   # from now on: read like any pipe, to its end
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def open_input(path, what="file", wait=None, decompress=True):
    """Open the input `path` for reading bytes (a file object; close it, e.g. with ``with``).

    what : how errors name the input ("corpus file")
    wait : seconds a named FIFO may stay silent before a one-line EmbedError
        (default: the ``fifo_wait`` setting, ``EMBED_FIFO_WAIT``)
    decompress : .gz, .bz2 and .xz files are decompressed while reading
    A URL (`is_url`) is opened through fsspec (seekable unless decompressed).
    OSError from opening a regular file is left to the caller, which knows what to say.
    """
    path = os.fspath(path)
    if is_url(path):
        fs, inner = url_fs(path, what)
        try:
            raw = fs.open(inner, "rb")
        except FileNotFoundError:
            raise EmbedError(f"{what} not found: {path}") from None
        raw._embed_fs = fs  # an archive's filesystem (zip://) closes the archive when collected
    else:
        raw = _open_fifo(path, what, wait) if is_named_fifo(path) else None
    module = _COMPRESSED.get(_suffix(path)) if decompress else None
    if module is None:
        return raw if raw is not None else open(path, "rb")
    if raw is None:
        return importlib.import_module(module).open(path, "rb")
    try:
        stream = importlib.import_module(module).open(raw, "rb")
    except BaseException:
        raw.close()
        raise
    close_stream = stream.close

    def close_both():                               # a decompressor does not close a file object it was given
        try:
            close_stream()
        finally:
            raw.close()
    stream.close = close_both
    return stream


def open_seekable(path, what="file", wait=None):
    """Like `open_input` without decompression, for readers that seek (zip archives): a pipe or
    FIFO is read into memory first."""
    path = os.fspath(path)
    if stat.S_ISREG(os.stat(path).st_mode):
        return open(path, "rb")
    with open_input(path, what, wait, decompress=False) as f:
        return io.BytesIO(f.read())


def check_writable(path, what="output"):
    """Raise a one-line EmbedError unless a file can be written at `path`.

    The folder must exist and accept a new file (tested by creating and
    removing a temporary one, so read-only mounts and ACLs count too) and
    `path` must be a regular file or new (see `write_target`).  Call it
    before any long work.
    """
    path = os.fspath(path)
    target = write_target(path, f"{what} ")
    folder = _folder_of(target)
    if not os.path.exists(folder):
        raise EmbedError(f"cannot write {what} {path}: folder {folder} does not exist")
    if not os.path.isdir(folder):
        raise EmbedError(f"cannot write {what} {path}: {folder} is not a folder")
    try:
        fd, tmp = create_temp(target)
    except OSError as e:
        raise EmbedError(f"cannot write {what} {path}: {e.strerror or e} in {folder}") from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(tmp)
    return path


def _identity(path):
    """(st_dev, st_ino) of an existing file (following symlinks), else its resolved path."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return ("path", os.path.realpath(path))
    if st.st_ino:
        return ("inode", st.st_dev, st.st_ino)
    return ("path", os.path.realpath(path))  # file systems without inode numbers


def same_file(a, b):
    """True if paths `a` and `b` name the same file: via ./, absolute paths, symlinks or hard links."""
    ia, ib = _identity(os.fspath(a)), _identity(os.fspath(b))
    if ia == ib:
        return True
    return os.path.realpath(os.fspath(a)) == os.path.realpath(os.fspath(b))


def check_distinct(outputs, inputs):
    """Raise a one-line EmbedError if any output path names one of the input files.

    outputs, inputs : a path or an iterable of paths (None entries are ignored).
    Paths are compared by the file they reach (device and inode when the file
    exists, the resolved path otherwise), so ``x``, ``./x``, ``$PWD/x``, a
    symlink to x and a hard link to x are all the same file.
    """
    outputs = [os.fspath(p) for p in _as_list(outputs)]
    inputs = [os.fspath(p) for p in _as_list(inputs)]
    for out in outputs:
        for inp in inputs:
            if same_file(out, inp):
                same = "" if out == inp else f" (= {inp})"
                raise EmbedError(f"output {out} is the input file{same}: writing it would destroy "
                                 "the input; choose another output name")


def _as_list(paths):
    if paths is None:
        return []
    if isinstance(paths, (str, bytes, os.PathLike)):
        return [paths]
    return [p for p in paths if p is not None]
