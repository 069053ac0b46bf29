"""embed: word embeddings and sequence models from scratch on numpy and Numba.

Public API (imported lazily, so ``import embed`` stays cheap)::

    from embed import Word2Vec, KeyedVectors, Vocab          # word2vec and queries
    from embed import Sequential, Dense, Embedding, Dropout  # the neural core
    from embed import SimpleRNN, LSTM, GRU                   # recurrent layers
    from embed import LanguageModel                          # language models (CharLM: old name)
"""
import importlib as _importlib

from .errors import EmbedError

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "Word2Vec": "embed.word2vec.model",
    "KeyedVectors": "embed.vectors.keyedvectors",
    "Vocab": "embed.text.vocab",
    "Sequential": "embed.nn.sequential",
    "Dense": "embed.nn.layers",
    "Embedding": "embed.nn.layers",
    "Dropout": "embed.nn.layers",
    "SimpleRNN": "embed.nn.recurrent",
    "LSTM": "embed.nn.recurrent",
    "GRU": "embed.nn.recurrent",
    "LanguageModel": "embed.lm.model",
    "CharLM": "embed.lm.model",
}
__all__ = ["EmbedError", *_EXPORTS]


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(_importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'embed' has no attribute {name!r}")
