"""The IDX format: round trips, header bytes, corrupt and truncated files (one-line errors)."""
import gzip

import numpy as np
import pytest

from embed.data.idx import read_idx, write_idx
from embed.errors import EmbedError


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
    with pytest.raises(EmbedError, match="corrupt or truncated"):
        read_idx(cut)
    junk = tmp_path / "junk.gz"
    junk.write_bytes(b"\x1f\x8b" + b"garbage" * 10)
    with pytest.raises(EmbedError, match="junk.gz: corrupt or truncated file"):
        read_idx(junk)
    with pytest.raises(EmbedError, match="not found"):
        read_idx(tmp_path / "missing")


def _big_gz(tmp_path, monkeypatch, seed=0):
    """A gzip IDX file that `load_idx` caches (the size threshold lowered for a small file)."""
    from embed.data import idx
    monkeypatch.setattr(idx, "CACHE_MIN_BYTES", 0)
    a = np.random.default_rng(seed).integers(0, 256, (50, 7, 6)).astype(np.uint8)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    write_idx(path, a)
    return path, a


def test_load_idx_caches_the_decoded_array_and_maps_it_next_time(tmp_path, monkeypatch):
    from embed.data.idx import load_idx
    path, a = _big_gz(tmp_path, monkeypatch)
    cache = tmp_path / "cache"
    first = load_idx(path, str(cache))
    entries = list(cache.iterdir())
    assert len(entries) == 1 and entries[0].suffix == ".npy"
    second = load_idx(path, str(cache))
    np.testing.assert_array_equal(first, a)
    np.testing.assert_array_equal(second, a)
    assert not second.flags.writeable                      # memory-mapped from the cache
    assert type(second) is np.ndarray


def test_load_idx_rebuilds_a_damaged_entry_and_follows_a_changed_file(tmp_path, monkeypatch):
    import os
    from embed.data.idx import cache_name, load_idx
    path, a = _big_gz(tmp_path, monkeypatch)
    cache = tmp_path / "cache"
    load_idx(path, str(cache))
    entry = cache / cache_name(path)
    entry.write_bytes(entry.read_bytes()[:60])             # truncated
    np.testing.assert_array_equal(load_idx(path, str(cache)), a)
    np.save(entry, np.zeros((50, 7, 5), np.uint8))         # well-formed, wrong shape
    np.testing.assert_array_equal(load_idx(path, str(cache)), a)
    b = a[::-1].copy()                                     # the file is replaced
    write_idx(path, b)
    os.utime(path, ns=(os.stat(path).st_atime_ns, os.stat(path).st_mtime_ns + 10**9))
    np.testing.assert_array_equal(load_idx(path, str(cache)), b)


def test_load_idx_without_a_usable_cache_only_decodes(tmp_path, monkeypatch):
    from embed.data import idx
    path, a = _big_gz(tmp_path, monkeypatch)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    np.testing.assert_array_equal(idx.load_idx(path, str(blocker / "cache")), a)
    monkeypatch.setattr(idx, "CACHE_MIN_BYTES", 1 << 20)   # a small file is never cached
    cache = tmp_path / "cache"
    np.testing.assert_array_equal(idx.load_idx(path, str(cache)), a)
    assert not cache.exists()
