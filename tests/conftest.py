import atexit
import contextlib
import errno
import os
import shutil
import tempfile
import threading
from pathlib import Path

import numpy as np
import pytest

# Headless plots.  Compiled kernels live in the user's cache folder as usual
# (the native module is keyed by its sources and the CPU, each cached Numba
# kernel by its module and the embed modules that imports, see embed.jit;
# sharing them keeps the suite fast).  Everything else embed
# caches -- the product and path plans, which the suite would otherwise measure
# under its own load and leave in ~/.cache/embed/plans.json for the user's
# runs, built corpora -- goes to a folder of this session's own, removed at exit.
os.environ.setdefault("MPLBACKEND", "Agg")
_user_cache = os.path.join(os.path.expanduser("~"), ".cache", "embed")
os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(_user_cache, "numba"))
os.environ.setdefault("EMBED_NATIVE_DIR", os.path.join(_user_cache, "native"))
if "EMBED_CACHE" not in os.environ:
    os.environ["EMBED_CACHE"] = tempfile.mkdtemp(prefix="embed-test-cache-")
    atexit.register(shutil.rmtree, os.environ["EMBED_CACHE"], True)
os.environ.setdefault("EMBED_PROGRESS", "0")


@pytest.fixture(autouse=True)
def _settings_follow_monkeypatched_env(monkeypatch):
    """embed reads EMBED_* once (embed.settings); a test that changes them with
    monkeypatch.setenv / delenv gets settings re-read after every change."""
    from embed import settings

    setenv, delenv = monkeypatch.setenv, monkeypatch.delenv

    def setenv_and_reload(*args, **kwargs):
        setenv(*args, **kwargs)
        settings.reload()

    def delenv_and_reload(*args, **kwargs):
        delenv(*args, **kwargs)
        settings.reload()

    monkeypatch.setenv, monkeypatch.delenv = setenv_and_reload, delenv_and_reload
    settings.reload()
    yield
    monkeypatch.undo()
    settings.reload()


def synthetic_digits(n, seed):
    """10 separable classes: class c lights a 6x6 block at a class-specific place.
    Returns X uint8 (n, 28, 28) and y uint8 (n,) with y = 0, 1, ..., 9, 0, 1, ..."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 10
    X = (rng.random((n, 28, 28)) * 60).astype(np.uint8)
    for i, c in enumerate(y):
        r, col = 2 + 8 * (c // 4), 2 + 6 * (c % 4)
        X[i, r:r + 6, col:col + 6] = 250
    return X, y.astype(np.uint8)


def write_mnist(folder, n_train=400, n_test=200, train=True, gz=True, images=synthetic_digits):
    """Write an MNIST-style folder of IDX files (train-* unless train=False, and t10k-*), gzipped or not.
    images(n, seed) -> (X uint8 (n, 28, 28), y uint8 (n,)); the training set uses seed 0, the test set 1."""
    from embed.data import write_idx     # embed is imported after the environment above is set

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    ext = ".gz" if gz else ""
    parts = ([("train", n_train, 0)] if train else []) + [("t10k", n_test, 1)]
    for stem, n, seed in parts:
        X, y = images(n, seed)
        write_idx(folder / f"{stem}-images-idx3-ubyte{ext}", X)
        write_idx(folder / f"{stem}-labels-idx1-ubyte{ext}", y)
    return folder


@pytest.fixture(scope="session")
def mnist_set():
    """The IDX writer: mnist_set(folder, n_train=400, n_test=200, train=True, gz=True, images=...) -> folder."""
    return write_mnist


def _feed_fifo(path, payload, stop):
    """Open the FIFO for writing once a reader has it open (ENXIO before), write, close."""
    while not stop.is_set():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as e:
            if e.errno != errno.ENXIO:
                raise
            stop.wait(0.01)
            continue
        os.set_blocking(fd, True)
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
        return


def _rescue_fifo(path, stop, after):
    """If a reader is still blocked in open() after `after` s, open and close the writing end: the
    reader then sees an empty input and the test fails instead of hanging the suite."""
    if not stop.wait(after):
        with contextlib.suppress(OSError):
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))


@pytest.fixture
def fifo():
    """fifo(path, data=None) -> str: a named pipe (mkfifo) at `path`.  With `data` (bytes or str) a
    thread writes it as soon as a reader opens the pipe, then closes it.  Without, nobody writes
    (a reader that blocks forever is released after 15 s, so a regression fails rather than hangs)."""
    stop, threads = threading.Event(), []

    def make(path, data=None):
        path = str(path)
        os.mkfifo(path)
        if data is None:
            target, args = _rescue_fifo, (path, stop, 15.0)
        else:
            target, args = _feed_fifo, (path, data.encode("utf-8") if isinstance(data, str) else data, stop)
        threads.append(threading.Thread(target=target, args=args, daemon=True))
        threads[-1].start()
        return path

    yield make
    stop.set()
    for t in threads:
        t.join(timeout=5)


@pytest.fixture
def compiled_passes(monkeypatch):
    """One entry per corpus encoding from now on: True when it took the compiled first pass
    (`text.scan.spool_file` did the work), False when it fell back to the Python pass."""
    from embed.text import scan
    passes, spool_file = [], scan.spool_file

    def counted(*args, **kwargs):
        done = spool_file(*args, **kwargs)
        passes.append(done is not None)
        return done

    monkeypatch.setattr(scan, "spool_file", counted)
    return passes


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    """EMBED_CACHE in tmp_path/cache and no EMBED_DATA: data-source tests see only the files they make.
    The compiled word2vec kernels stay where they are (building them again takes seconds)."""
    from embed import settings

    monkeypatch.setenv("EMBED_NATIVE_DIR", settings.get().native_dir)
    monkeypatch.setenv("EMBED_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("EMBED_DATA", raising=False)
    return tmp_path / "cache"


@pytest.fixture
def readonly_dir(tmp_path):
    """A folder (str) the current user cannot create files in (root ignores chmod: then /sys)."""
    from embed import fileio
    from embed.errors import EmbedError

    def refuses(folder):
        try:
            fileio.check_writable(os.path.join(str(folder), "probe"))
        except EmbedError:
            return True
        return False

    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        if refuses(ro):
            yield str(ro)
        elif os.path.isdir("/sys") and refuses("/sys"):
            yield "/sys"
        else:
            pytest.skip("no read-only folder available to this user")
    finally:
        ro.chmod(0o755)
