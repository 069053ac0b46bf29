"""The IDX array format of the MNIST files: read and write.

IDX (big-endian): 2 zero bytes, a type code, the number of dimensions d,
then d uint32 sizes, then the data in C order::

    0x00 0x00 | 0x08 (ubyte) | d | n1 ... n_d | data (n1*...*n_d items)

Type codes: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32,
0x0E float64.  Files may be gzip-compressed (``*-ubyte.gz``).

`load_idx` is `read_idx` with a cache: decoding a large gzip file costs a
zlib pass over every byte (about half a second for the 26 MB training images
of Fashion-MNIST), so its decoded array is kept as a ``.npy`` file in a cache
folder and memory-mapped on the next call (a few milliseconds; only the rows a
caller touches are read from disk).
"""
import contextlib
import gzip
import hashlib
import io
import math
import os
import zlib

import numpy as np

from ..errors import EmbedError
from ..fileio import atomic_write, check_readable

CACHE_MIN_BYTES = 1 << 20   # gzip files smaller than this decode in milliseconds: never cached

_IDX_TYPES = {0x08: np.dtype("u1"), 0x09: np.dtype("i1"), 0x0B: np.dtype(">i2"),
              0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def _open(path):
    """The file's bytes as a binary stream: a gzip file is decoded in one zlib call on the
    whole buffer (no chunked reads), falling back to gzip's reader for multi-member files."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != b"\x1f\x8b":
        return io.BytesIO(raw)
    d = zlib.decompressobj(wbits=31)                 # 31: gzip header and trailer
    data = d.decompress(raw)
    if not d.eof or d.unused_data:                   # truncated, or more gzip members follow
        return gzip.open(path, "rb")
    return io.BytesIO(data)


def read_idx(path):
    """Read one IDX file (plain or gzip) into a numpy array in native byte order.

    Raises EmbedError for a missing file, a bad magic number, impossible
    dimensions, or a file shorter or longer than its header says.
    """
    check_readable(path, "IDX file")
    try:
        with _open(path) as f:
            head = f.read(4)
            if len(head) < 4 or head[0] != 0 or head[1] != 0 or head[2] not in _IDX_TYPES:
                raise EmbedError(f"{path} is not an IDX file (bad magic number {head.hex() or 'empty'})")
            dtype, ndim = _IDX_TYPES[head[2]], head[3]
            if not 1 <= ndim <= 4:
                raise EmbedError(f"{path}: IDX header says {ndim} dimensions (expected 1 to 4)")
            raw = f.read(4 * ndim)
            if len(raw) < 4 * ndim:
                raise EmbedError(f"{path} is truncated (incomplete IDX header)")
            shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4"))
            count = math.prod(shape)                   # exact Python ints: no overflow
            nbytes = count * dtype.itemsize
            if not 0 <= nbytes <= 1 << 34:
                raise EmbedError(f"{path}: IDX header claims an impossible size {shape}")
            data = f.read(nbytes)
            if len(data) < nbytes:
                raise EmbedError(f"{path} is truncated: header says {shape} ({nbytes} bytes of data), "
                                 f"found {len(data)}")
            if f.read(1):
                raise EmbedError(f"{path} has extra bytes after the {shape} array its header describes")
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as e:   # zlib.error: a damaged deflate stream
        if isinstance(e, EmbedError):
            raise
        raise EmbedError(f"cannot read {path}: corrupt or truncated file ({e})") from None
    arr = np.frombuffer(data, dtype=dtype).reshape(shape)
    return arr.astype(dtype.newbyteorder("="), copy=True)


def _gzip_header(path):
    """(dtype, shape) from the IDX header at the start of gzip file `path`, or None if unreadable."""
    try:
        with open(path, "rb") as f:
            head = zlib.decompressobj(wbits=31).decompress(f.read(1 << 12), 20)
    except (OSError, zlib.error):
        return None
    if len(head) < 4 or head[:2] != b"\0\0" or head[2] not in _IDX_TYPES or not 1 <= head[3] <= 4:
        return None
    if len(head) < 4 + 4 * head[3]:
        return None
    shape = tuple(int(d) for d in np.frombuffer(head[4:4 + 4 * head[3]], dtype=">u4"))
    return _IDX_TYPES[head[2]].newbyteorder("="), shape


def cache_name(path):
    """The cache file name of IDX file `path`: a digest of its real path, size and modification
    time, so a changed or replaced file gets a new entry (the way make decides what is stale)."""
    st = os.stat(path)
    key = f"{os.path.realpath(path)}\0{st.st_size}\0{st.st_mtime_ns}".encode("utf-8", "surrogateescape")
    return hashlib.sha256(key).hexdigest()[:32] + ".npy"


def _load_cached(entry, expected):
    """The memory-mapped array in `entry` if it is a readable .npy of the `expected` (dtype, shape)."""
    try:
        arr = np.load(entry, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, EOFError):     # missing, damaged or truncated: decode again
        return None
    if expected is None or (arr.dtype, arr.shape) != expected:
        return None
    return np.asarray(arr)                      # a plain (read-only) ndarray over the mapping


def load_idx(path, cache_dir=None):
    """`read_idx`, with the decoded array of a large gzip file cached in `cache_dir`.

    The first call decodes the file and writes ``<cache_dir>/<digest>.npy``
    (atomically; `cache_name` says what the digest covers); later calls
    memory-map that file and return a read-only array after checking its dtype
    and shape against the IDX header.  A damaged entry is decoded and written
    again; a cache folder that cannot be written only costs the decoding.
    Plain files, small gzip files and ``cache_dir=None`` are read by `read_idx`.
    """
    check_readable(path, "IDX file")
    if cache_dir is None or os.path.getsize(path) < CACHE_MIN_BYTES:
        return read_idx(path)
    with open(path, "rb") as f:
        if f.read(2) != b"\x1f\x8b":
            return read_idx(path)
    entry = os.path.join(cache_dir, cache_name(path))
    cached = _load_cached(entry, _gzip_header(path))
    if cached is not None:
        return cached
    arr = read_idx(path)
    with contextlib.suppress(OSError, EmbedError):   # a read-only or full cache folder: keep going
        os.makedirs(cache_dir, exist_ok=True)
        with atomic_write(entry, "wb") as f:
            np.save(f, arr, allow_pickle=False)
    return arr


def write_idx(path, array):
    """Write `array` as an IDX file (gzip when `path` ends in .gz), atomically."""
    array = np.asarray(array)
    codes = {v.newbyteorder("=").str[1:]: k for k, v in _IDX_TYPES.items()}
    code = codes.get(array.dtype.newbyteorder("=").str[1:])
    if code is None:
        raise EmbedError(f"IDX cannot store dtype {array.dtype}")
    head = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    body = array.astype(_IDX_TYPES[code], copy=False).tobytes()
    with atomic_write(path, "wb") as f:
        if str(path).endswith(".gz"):
            with gzip.GzipFile(fileobj=f, mode="wb", mtime=0) as gz:
                gz.write(head + body)
        else:
            f.write(head + body)
    return path
