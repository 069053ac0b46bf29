"""Transitional alias of `embed.data` (its catalog, resolver, download and offline corpus).

Import from `embed.data` instead; this module goes once nothing imports it.
"""
from .data import (DATASETS, EVAL_SETS, Dataset, build_wiki_sample, cache_dir,  # noqa: F401
                   data_dirs, dataset, default_corpus, eval_file, fetch, find, gensim_test_data,
                   resolve_file)
