"""MNIST-style digit / clothing images: IDX reader and data sources.

IDX format (big-endian): 2 zero bytes, a type code, the number of
dimensions d, then d uint32 sizes, then the data in C order::

    0x00 0x00 | 0x08 (ubyte) | d | n₁ … n_d | data (n₁·…·n_d items)

Type codes: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32,
0x0E float64.  Files may be gzip-compressed (``*-ubyte.gz``).

`load_mnist` looks for the four files (``train-images-idx3-ubyte``,
``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``,
``t10k-labels-idx1-ubyte``, each optionally ``.gz``) in, in order:

1. the folder given (``embed mnist --data DIR``);
2. ``$EMBED_DATA`` (or ``$EMBED_DATA/mnist``, ``$EMBED_DATA/fashion-mnist``);
3. Debian's ``dataset-fashion-mnist`` package, ``/usr/share/datasets/fashion-mnist``;
4. the download cache (``~/.cache/embed/<dataset>``), downloading the files
   there by URL (MD5-checked, atomic) when ``download=True`` and online.

Without an explicit folder, the first folder holding the full set (train and
test) wins; a folder that holds only the 10k test files (``t10k-*``, like
``$EMBED_DATA/mnist`` here) is used only when no full set exists, and is split
into a train and a test part (stratified 80/20, seeded); the `note` says so.
"""
import gzip
import hashlib
import math
import os
import urllib.request
import zlib
from dataclasses import dataclass, field

import numpy as np

from .errors import EmbedError
from .fileio import atomic_write, check_readable

DEBIAN_FASHION = "/usr/share/datasets/fashion-mnist"

_IDX_TYPES = {0x08: np.dtype("u1"), 0x09: np.dtype("i1"), 0x0B: np.dtype(">i2"),
              0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_STEMS = {"train_images": "train-images-idx3-ubyte", "train_labels": "train-labels-idx1-ubyte",
          "test_images": "t10k-images-idx3-ubyte", "test_labels": "t10k-labels-idx1-ubyte"}

# where to download from, and the MD5 of each published .gz file
SOURCES = {
    "fashion": {
        "urls": ["https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
                 "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
        "md5": {"train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
                "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
                "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310"},
    },
    "mnist": {
        "urls": ["https://ossci-datasets.s3.amazonaws.com/mnist/",
                 "https://storage.googleapis.com/cvdf-datasets/mnist/"],
        "md5": {"train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
                "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
                "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c"},
    },
}

CLASS_NAMES = {
    "fashion": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
    "mnist": [str(d) for d in range(10)],
}


# -- IDX ---------------------------------------------------------------------------
def _open(path):
    with open(path, "rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gz else open(path, "rb")


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


# -- data set -------------------------------------------------------------------------
@dataclass
class MnistData:
    """Images uint8 (n, 28, 28), labels uint8 (n,), plus where they came from."""
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    source: str                 # folder the files were read from
    dataset: str = "fashion"    # "fashion" or "mnist" (for class names)
    note: str = ""              # e.g. that a test-only folder was split
    class_names: list = field(default_factory=list)

    def flat(self, dtype=np.float32):
        """(X_train, y_train, X_test, y_test) with pixels scaled to [0, 1], rows of 784."""
        def f(X):
            return (X.reshape(X.shape[0], -1).astype(dtype) / dtype(255.0)).astype(dtype, copy=False)
        return f(self.X_train), self.y_train.astype(np.int64), f(self.X_test), self.y_test.astype(np.int64)


def _find_file(folder, stem):
    for name in (stem + ".gz", stem, stem.replace("-idx", ".idx") + ".gz", stem.replace("-idx", ".idx")):
        p = os.path.join(folder, name)
        if os.path.isfile(p):
            return p
    return None


def _files_in(folder):
    """{key: path} for the IDX files present in `folder` (possibly only some)."""
    if not folder or not os.path.isdir(folder):
        return {}
    return {k: p for k, s in _STEMS.items() if (p := _find_file(folder, s))}


def _complete(files):
    return "test_images" in files and "test_labels" in files


def _guess_dataset(folder):
    return "fashion" if "fashion" in os.path.abspath(folder).lower() else "mnist"


def cache_dir():
    return os.path.abspath(os.environ.get("EMBED_CACHE")
                           or os.path.join(os.path.expanduser("~"), ".cache", "embed"))


def candidate_dirs(data=None):
    """Folders searched, in order (explicit folder first)."""
    dirs = []
    if data:
        dirs.append(data)
        return dirs
    for root in [p for p in os.environ.get("EMBED_DATA", "").split(os.pathsep) if p]:
        dirs += [root, os.path.join(root, "mnist"), os.path.join(root, "fashion-mnist")]
    dirs.append(DEBIAN_FASHION)
    dirs += [os.path.join(cache_dir(), "fashion-mnist"), os.path.join(cache_dir(), "mnist")]
    return dirs


def download(dataset="fashion", folder=None, timeout=60):
    """Download the four .gz files of `dataset` into `folder` (MD5-checked); returns the folder."""
    if dataset not in SOURCES:
        raise EmbedError(f"unknown data set {dataset!r}; choose from: {', '.join(SOURCES)}")
    folder = folder or os.path.join(cache_dir(), "fashion-mnist" if dataset == "fashion" else "mnist")
    os.makedirs(folder, exist_ok=True)
    src = SOURCES[dataset]
    for name, md5 in src["md5"].items():
        target = os.path.join(folder, name)
        if os.path.isfile(target) and _md5(target) == md5:
            continue
        errors = []
        for base in src["urls"]:
            try:
                with urllib.request.urlopen(base + name, timeout=timeout) as r:
                    payload = r.read()
            except OSError as e:
                errors.append(f"{base}: {getattr(e, 'reason', e)}")
                continue
            if hashlib.md5(payload).hexdigest() != md5:
                errors.append(f"{base}{name}: checksum mismatch")
                continue
            with atomic_write(target, "wb") as f:
                f.write(payload)
            break
        else:
            raise EmbedError(f"could not download {name} ({'; '.join(errors)}); pass --data DIR "
                             "with the IDX files or install Debian's dataset-fashion-mnist")
    return folder


def _md5(path):
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _read_pair(images_path, labels_path):
    X, y = read_idx(images_path), read_idx(labels_path)
    if X.ndim != 3:
        raise EmbedError(f"{images_path}: expected images of shape (n, rows, cols), got {X.shape}")
    if y.ndim != 1:
        raise EmbedError(f"{labels_path}: expected labels of shape (n,), got {y.shape}")
    if X.shape[0] != y.shape[0]:
        raise EmbedError(f"{images_path} has {X.shape[0]} images but {labels_path} has {y.shape[0]} labels")
    return X, y


def load_mnist(data=None, dataset=None, download_ok=False, test_fraction=0.2, seed=0):
    """Find and read the images; see the module docstring for the search order.

    data        : a folder with the IDX files (searched alone when given).
    dataset     : "fashion" or "mnist" to download when nothing is found (default fashion).
    download_ok : allow downloading into the cache when no folder has the files.
    """
    if data is not None and not os.path.isdir(data):
        raise EmbedError(f"data folder not found: {data}")
    # a folder with the full train + test set wins over an earlier test-only one
    found = [(folder, files) for folder in candidate_dirs(data) if _complete(files := _files_in(folder))]
    full = [(f, fl) for f, fl in found if "train_images" in fl and "train_labels" in fl]
    if full or found:
        folder, files = (full or found)[0]
    else:
        if data is not None:
            raise EmbedError(f"no MNIST IDX files in {data} (expected {_STEMS['test_images']}[.gz] "
                             f"and {_STEMS['test_labels']}[.gz], plus the train-* files)")
        if not download_ok:
            raise EmbedError("no MNIST / Fashion-MNIST files found: pass --data DIR, set $EMBED_DATA, "
                             "install Debian's dataset-fashion-mnist, or allow --download")
        folder = download(dataset or "fashion")
        files = _files_in(folder)
    kind = dataset or _guess_dataset(folder)
    X_test, y_test = _read_pair(files["test_images"], files["test_labels"])
    note = ""
    if "train_images" in files and "train_labels" in files:
        X_train, y_train = _read_pair(files["train_images"], files["train_labels"])
        if X_train.shape[1:] != X_test.shape[1:]:
            raise EmbedError(f"train images are {X_train.shape[1:]} but test images {X_test.shape[1:]}")
    else:
        from .nn.preprocessing import train_test_split
        X_train, X_test, y_train, y_test = train_test_split(X_test, y_test, test_size=test_fraction,
                                                            seed=seed, stratify=y_test)
        note = (f"{folder} holds only the t10k test files: split them into {len(y_train)} training "
                f"and {len(y_test)} test images (stratified, seed {seed})")
    if y_train.size and int(max(y_train.max(), y_test.max())) >= 10:
        raise EmbedError(f"labels in {folder} go up to {max(y_train.max(), y_test.max())}: expected 0-9")
    return MnistData(X_train, y_train, X_test, y_test, source=os.path.abspath(folder), dataset=kind,
                     note=note, class_names=CLASS_NAMES.get(kind, [str(i) for i in range(10)]))
