"""The text pipeline: streaming reader, tokenizers, vocabulary, encoded corpora.

    from embed.text import encode_corpus, Vocab, get_tokenizer, iter_lines

Names are imported lazily, so importing the package stays quick.
"""
import importlib as _importlib

# public name -> module that defines it
_EXPORTS = {
    "iter_lines": "embed.text.reader",
    "iter_pieces": "embed.text.reader",
    "ReadStats": "embed.text.reader",
    "get_tokenizer": "embed.text.tokenize",
    "TOKENIZERS": "embed.text.tokenize",
    "Vocab": "embed.text.vocab",
    "encode_corpus": "embed.text.corpus",
    "EncodedCorpus": "embed.text.corpus",
    "ShardedCorpus": "embed.text.shards",
}
__all__ = list(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(_importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'embed.text' has no attribute {name!r}")
