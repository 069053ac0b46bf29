"""IDX reader on files the test writes (plain, gzip, corrupt) and MNIST sources (`embed mnist`: tests/cli/test_mnist.py)."""
import gzip

import numpy as np
import pytest

from embed.errors import EmbedError
from embed.data import load_mnist, read_idx, write_idx


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.int32, np.float32, np.float64])
def test_idx_round_trip(tmp_path, suffix, dtype):
    a = (np.arange(2 * 3 * 4) - 5).reshape(2, 3, 4)
    a = (a % 256).astype(dtype) if dtype == np.uint8 else a.astype(dtype)
    path = tmp_path / f"x-idx3-ubyte{suffix}"
    write_idx(path, a)
    b = read_idx(path)
    assert b.dtype == np.dtype(dtype) and b.shape == a.shape
    np.testing.assert_array_equal(a, b)


def test_idx_header_is_big_endian_bytes(tmp_path):
    path = tmp_path / "labels-idx1-ubyte"
    path.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 1, 9]))   # hand-written: 3 labels
    np.testing.assert_array_equal(read_idx(path), [7, 1, 9])


def test_idx_header_with_overflowing_sizes_is_a_clear_error(tmp_path):
    huge = bytes([0, 0, 8, 3]) + (2**31).to_bytes(4, "big") * 2 + (4).to_bytes(4, "big") + b"\x00" * 16
    for name, opener in (("huge", open), ("huge.gz", gzip.open)):
        with opener(tmp_path / name, "wb") as f:
            f.write(huge)
        with pytest.raises(EmbedError, match="impossible size"):
            read_idx(tmp_path / name)


def test_idx_corrupt_files(tmp_path):
    bad_magic = tmp_path / "bad-magic"
    bad_magic.write_bytes(bytes([1, 2, 8, 1, 0, 0, 0, 1, 5]))
    with pytest.raises(EmbedError, match="bad magic number"):
        read_idx(bad_magic)
    short = tmp_path / "short"
    short.write_bytes(bytes([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3]))    # 2x2 needs 4 bytes
    with pytest.raises(EmbedError, match="truncated"):
        read_idx(short)
    long = tmp_path / "long"
    long.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 1, 5, 6]))
    with pytest.raises(EmbedError, match="extra bytes"):
        read_idx(long)
    header = tmp_path / "header"
    header.write_bytes(bytes([0, 0, 8, 3, 0, 0]))
    with pytest.raises(EmbedError, match="truncated"):
        read_idx(header)
    good = tmp_path / "good.gz"
    write_idx(good, np.zeros((50, 28, 28), np.uint8))
    cut = tmp_path / "cut.gz"
    cut.write_bytes(good.read_bytes()[:-30])
    with pytest.raises(EmbedError, match="corrupt or truncated|truncated"):
        read_idx(cut)
    junk = tmp_path / "junk.gz"
    junk.write_bytes(b"\x1f\x8b" + b"garbage" * 10)
    with pytest.raises(EmbedError):
        read_idx(junk)
    with pytest.raises(EmbedError, match="not found"):
        read_idx(tmp_path / "missing")


def synthetic_digits(n, seed):
    """10 separable classes: class c lights a 6x6 block at a class-specific place."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 10
    X = (rng.random((n, 28, 28)) * 60).astype(np.uint8)
    for i, c in enumerate(y):
        r, col = 2 + 8 * (c // 4), 2 + 6 * (c % 4)
        X[i, r:r + 6, col:col + 6] = 250
    return X, y.astype(np.uint8)


def write_set(folder, n_train=400, n_test=200, train=True, gz=True):
    folder.mkdir(parents=True, exist_ok=True)
    ext = ".gz" if gz else ""
    if train:
        X, y = synthetic_digits(n_train, 0)
        write_idx(folder / f"train-images-idx3-ubyte{ext}", X)
        write_idx(folder / f"train-labels-idx1-ubyte{ext}", y)
    X, y = synthetic_digits(n_test, 1)
    write_idx(folder / f"t10k-images-idx3-ubyte{ext}", X)
    write_idx(folder / f"t10k-labels-idx1-ubyte{ext}", y)
    return folder


def test_load_from_folder_plain_and_gz(tmp_path):
    for gz in (True, False):
        d = load_mnist(str(write_set(tmp_path / f"d{gz}", gz=gz)))
        assert d.X_train.shape == (400, 28, 28) and d.X_test.shape == (200, 28, 28)
        assert d.note == ""
        X, y, Xt, yt = d.flat()
        assert X.dtype == np.float32 and X.shape == (400, 784) and 0 <= X.min() and X.max() <= 1


def test_test_only_folder_is_split_and_says_so(tmp_path):
    d = load_mnist(str(write_set(tmp_path / "mnist", n_test=500, train=False)))
    assert len(d.y_train) == 400 and len(d.y_test) == 100
    assert "only the t10k" in d.note
    assert np.bincount(d.y_test, minlength=10).tolist() == [10] * 10     # stratified


def test_env_var_source(tmp_path, monkeypatch):
    write_set(tmp_path / "data" / "mnist")
    monkeypatch.setenv("EMBED_DATA", str(tmp_path / "data"))
    d = load_mnist()
    assert d.source == str(tmp_path / "data" / "mnist")


def test_full_set_preferred_over_earlier_test_only_folder(tmp_path, monkeypatch):
    write_set(tmp_path / "a", train=False)                  # $EMBED_DATA itself: test files only
    write_set(tmp_path / "a" / "fashion-mnist")             # a full set further down the list
    monkeypatch.setenv("EMBED_DATA", str(tmp_path / "a"))
    d = load_mnist()
    assert d.source == str(tmp_path / "a" / "fashion-mnist") and d.note == "" and d.dataset == "fashion"


def test_bad_sources(tmp_path):
    with pytest.raises(EmbedError, match="not found"):
        load_mnist(str(tmp_path / "nope"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(EmbedError, match="no MNIST IDX files"):
        load_mnist(str(tmp_path / "empty"))
    folder = write_set(tmp_path / "mismatch")
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.zeros(3, np.uint8))
    with pytest.raises(EmbedError, match="200 images but .* 3 labels"):
        load_mnist(str(folder))
