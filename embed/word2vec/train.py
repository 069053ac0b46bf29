"""Train word2vec on a text file in one call: read and encode the corpus, then fit.

`embed train` and the demo call `train_on_file`; Python users can too::

    model, corpus = train_on_file("text8", vector_size=200, epochs=5)
    model.wv.most_similar("france")
"""
import os

from ..fileio import check_readable
from ..text.corpus import encode_corpus
from . import native
from .model import Word2Vec


def train_on_file(corpus_path, *, sg=True, vector_size=100, window=5, negative=5, hs=False, min_count=5,
                  max_vocab_size=None, sample=1e-3, epochs=5, alpha=None, workers=None, seed=1,
                  tokenizer="regexp", lowercase=True, cache=False, cluster=None):
    """Encode `corpus_path` and train a `Word2Vec` on it; returns (model, encoded corpus).

    The parameters are those of `Word2Vec` and `encode_corpus`; workers=None
    uses every core.  cluster : a Dask scheduler address or "local:N" to train
    there (`distributed.py`; the corpus may then be a folder or a glob).
    """
    model = Word2Vec(vector_size=vector_size, window=window, negative=negative, hs=hs, sg=sg,
                     min_count=min_count, max_vocab_size=max_vocab_size, sample=sample, alpha=alpha,
                     epochs=epochs, workers=workers or os.cpu_count() or 1, seed=seed,
                     tokenizer=tokenizer, lowercase=lowercase)
    if cluster is not None:
        from .distributed import fit_at_address
        return fit_at_address(model, corpus_path, cluster)
    check_readable(corpus_path, "corpus file")
    corpus = encode_corpus(corpus_path, tokenizer=tokenizer, lowercase=lowercase, min_count=min_count,
                           max_vocab_size=max_vocab_size, cache=cache, kernels=native.load())
    model.fit(corpus)
    return model, corpus
