"""Vectors for the TensorBoard embedding projector (https://projector.tensorflow.org).

The projector reads two tab-separated files: ``vectors.tsv`` (one vector per
line) and ``metadata.tsv`` (one word per line, no header when there is a
single column).  KeyedVectors writes them itself (`export_projector`); this
module adds the choice of the top-N words and a writer for any object with
`index_to_key` and `vectors` (e.g. gensim's KeyedVectors).
"""
import os

import numpy as np

from ..errors import EmbedError
from ..fileio import atomic_write


def export_projector(kv, folder, top=None):
    """Write folder/vectors.tsv and folder/metadata.tsv for the `top` most frequent words (all if None).

    Returns the two paths.
    """
    n = len(kv.index_to_key)
    if top is not None:
        if int(top) < 1:
            raise EmbedError(f"--top must be at least 1, got {top}")
        n = min(int(top), n)
    words = list(kv.index_to_key[:n])
    vectors = np.asarray(kv.vectors[:n], dtype=np.float32)  # (n, d)
    if hasattr(kv, "export_projector"):
        subset = kv if n == len(kv.index_to_key) else type(kv)(words, vectors)
        return subset.export_projector(folder)
    return write_tsv(folder, words, vectors)


def write_tsv(folder, words, vectors):
    """The two projector files for `words` and their `vectors` (n, d); creates `folder`."""
    folder = os.fspath(folder)
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise EmbedError(f"cannot export to {folder}: it is a file, not a folder")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as e:
        raise EmbedError(f"cannot create folder {folder}: {e.strerror}") from None
    if any("\t" in w or "\n" in w for w in words):
        raise EmbedError("a word contains a tab or newline; the projector's TSV cannot hold it")
    vec_path = os.path.join(folder, "vectors.tsv")
    meta_path = os.path.join(folder, "metadata.tsv")
    with atomic_write(vec_path) as f:
        for row in vectors.tolist():
            f.write("\t".join(f"{x:.6g}" for x in row) + "\n")
    with atomic_write(meta_path) as f:
        f.writelines(w + "\n" for w in words)
    return vec_path, meta_path
