"""MNIST-style digit / clothing images: where the four IDX files are found, and loading them.

`load_mnist` looks for the four files (``train-images-idx3-ubyte``,
``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``,
``t10k-labels-idx1-ubyte``, each optionally ``.gz``; read by `embed.data.idx`) in,
in order:

1. the folder given (`data`);
2. each ``EMBED_DATA`` folder (or its ``mnist``, ``fashion-mnist`` subfolder);
3. Debian's ``dataset-fashion-mnist`` package, ``/usr/share/datasets/fashion-mnist``;
4. the download cache (``<cache dir>/<dataset>``), downloading the files
   there by URL (MD5-checked, atomic) when ``download_ok=True`` and online.

The decoded arrays of the large gzip files are cached as ``.npy`` in
``<cache dir>/idx`` and memory-mapped by later runs (`embed.data.idx.load_idx`),
so a run does not spend half a second in zlib before it starts.

Without an explicit folder, the first folder holding the full set (train and
test) wins; a folder that holds only the 10k test files (``t10k-*``) is used
only when no full set exists, and is split into a train and a test part
(stratified 80/20, seeded); the `note` says so.
"""
import hashlib
import os
from dataclasses import dataclass, field

import numpy as np

from ..errors import EmbedError
from ..fileio import atomic_write
from ..nn.preprocessing import train_test_split
from .idx import load_idx, read_idx, write_idx  # noqa: F401  (re-exported: the MNIST files' format)
from .sources import cache_dir, data_dirs

DEBIAN_FASHION = "/usr/share/datasets/fashion-mnist"

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


@dataclass
class MnistData:
    """Images uint8 (n, 28, 28), labels uint8 (n,), plus where they came from.

    The arrays may be read-only (memory-mapped from the decoded-data cache)."""
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    source: str                 # folder the files were read from
    dataset: str = "fashion"    # "fashion" or "mnist" (for class names)
    note: str = ""              # e.g. that a test-only folder was split
    class_names: list = field(default_factory=list)

    def flat(self, dtype=np.float32, limit=None):
        """(X_train, y_train, X_test, y_test) with pixels scaled to [0, 1], rows of 784.

        limit : only the first `limit` training images are converted (the test set stays whole).
        """
        def f(X):  # one pass: uint8 -> dtype (exact), divided by 255 in dtype
            return np.divide(X.reshape(X.shape[0], -1), dtype(255.0), dtype=dtype)
        X_train, y_train = self.X_train[:limit], self.y_train[:limit]
        return f(X_train), y_train.astype(np.int64), f(self.X_test), self.y_test.astype(np.int64)


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


def candidate_dirs(data=None):
    """Folders searched, in order (explicit folder first)."""
    dirs = []
    if data:
        dirs.append(data)
        return dirs
    for root in data_dirs():
        dirs += [root, os.path.join(root, "mnist"), os.path.join(root, "fashion-mnist")]
    dirs.append(DEBIAN_FASHION)
    dirs += [os.path.join(cache_dir(), "fashion-mnist"), os.path.join(cache_dir(), "mnist")]
    return dirs


def download(dataset="fashion", folder=None, timeout=60):
    """Download the four .gz files of `dataset` into `folder` (MD5-checked); returns the folder."""
    import urllib.request                         # here, not at import: it costs every start
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
            raise EmbedError(f"could not download {name} ({'; '.join(errors)}); set EMBED_DATA to a "
                             "folder holding the IDX files, pass that folder as data, or install "
                             "Debian's dataset-fashion-mnist", params=("data",))
    return folder


def _md5(path):
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _read_pair(images_path, labels_path):
    decoded = os.path.join(cache_dir(), "idx")
    X, y = load_idx(images_path, decoded), load_idx(labels_path, decoded)
    if X.ndim != 3:
        raise EmbedError(f"{images_path}: expected images of shape (n, rows, cols), got {X.shape}")
    if y.ndim != 1:
        raise EmbedError(f"{labels_path}: expected labels of shape (n,), got {y.shape}")
    if X.shape[0] != y.shape[0]:
        raise EmbedError(f"{images_path} has {X.shape[0]} images but {labels_path} has {y.shape[0]} labels")
    if X.size == 0:
        raise EmbedError(f"{images_path} holds no images (its header says {X.shape})")
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
            raise EmbedError("no MNIST / Fashion-MNIST files found: set EMBED_DATA to a folder holding "
                             "the IDX files (or pass that folder as data), install Debian's "
                             "dataset-fashion-mnist, or allow downloading (download_ok=True)", params=("data",))
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
        X_train, X_test, y_train, y_test = train_test_split(X_test, y_test, test_size=test_fraction,
                                                            seed=seed, stratify=y_test)
        note = (f"{folder} holds only the t10k test files: split them into {len(y_train)} training "
                f"and {len(y_test)} test images (stratified, seed {seed})")
    if y_train.size and int(max(y_train.max(), y_test.max())) >= 10:
        raise EmbedError(f"labels in {folder} go up to {max(y_train.max(), y_test.max())}: expected 0-9")
    return MnistData(X_train, y_train, X_test, y_test, source=os.path.abspath(folder), dataset=kind,
                     note=note, class_names=CLASS_NAMES.get(kind, [str(i) for i in range(10)]))
