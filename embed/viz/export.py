"""Vectors for the TensorBoard embedding projector (https://projector.tensorflow.org).

The projector reads two tab-separated files: ``vectors.tsv`` (one vector per
line) and ``metadata.tsv`` (one word per line).  The writer lives with the
other file formats (`embed.vectors.formats.write_projector`); this module adds
the choice of the top-N words and accepts any object with `index_to_key` and
`vectors` (ours, or gensim's KeyedVectors).
"""
import numpy as np

from ..errors import EmbedError
from ..vectors.formats import write_projector


def export_projector(kv, folder, top=None):
    """Write folder/vectors.tsv and folder/metadata.tsv for the `top` most frequent words (all if None).

    Returns the two paths.
    """
    n = len(kv.index_to_key)
    if top is not None:
        if int(top) < 1:
            raise EmbedError(f"top must be at least 1, got {top}", params=("top",))
        n = min(int(top), n)
    words = list(kv.index_to_key[:n])
    vectors = np.asarray(kv.vectors[:n], dtype=np.float32)  # (n, d)
    return write_projector(folder, words, vectors)
