"""Data sources: where corpora, evaluation sets and MNIST images come from, and how to get them.

    from embed.data import resolve_file, fetch, load_mnist
    resolve_file("questions-words")    # a path, wherever the set is, or an error saying how to get it
    fetch("tinyshakespeare")           # download into the cache dir (SHA-256 checked)

Modules: `catalog` (the named data sets), `sources` (the one resolver:
EMBED_DATA folders, the cache dir, gensim's test data), `download` (fetch),
`offline` (the default corpus without the network), `idx` (the IDX array
format), `mnist` (MNIST / Fashion-MNIST sources and loader).
"""
from .catalog import DATASETS, EVAL_SETS, Dataset, dataset
from .download import DownloadError, fetch
from .idx import read_idx, write_idx
from .mnist import MnistData, load_mnist
from .offline import build_offline_corpus, build_wiki_sample, default_corpus
from .sources import cache_dir, data_dirs, eval_file, find, gensim_test_data, how_to_get, resolve_file

__all__ = ["DATASETS", "EVAL_SETS", "Dataset", "dataset", "DownloadError", "fetch", "read_idx", "write_idx",
           "MnistData", "load_mnist", "build_offline_corpus", "build_wiki_sample", "default_corpus", "cache_dir",
           "data_dirs", "eval_file", "find", "gensim_test_data", "how_to_get", "resolve_file"]
