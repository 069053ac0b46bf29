"""Transitional alias of `embed.data.mnist` and `embed.data.idx`.

Import from `embed.data` instead; this module goes once nothing imports it.
"""
from .data.idx import read_idx, write_idx  # noqa: F401
from .data.mnist import (CLASS_NAMES, DEBIAN_FASHION, SOURCES, MnistData,  # noqa: F401
                         candidate_dirs, download, load_mnist)
