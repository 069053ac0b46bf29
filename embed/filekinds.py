"""What kind of embed file a path holds, recognised by its structure, so a wrong file gets a useful error.

embed writes five kinds of files; each is recognised without loading it:

================  ====================================================================
kind              how it is recognised
================  ====================================================================
``vectors``       word2vec text or binary: first line ``<count> <dim>`` (optionally .gz)
``lm``            .npz (zip) holding ``__meta__.npy`` (embed/lm/checkpoint.py)
``sequential``    .npz holding ``__config__.npy`` (embed/nn/saving.py)
``checkpoint``    .npz holding ``state.npy`` and ``syn0.npy`` (Word2Vec.save)
``corpus_cache``  a folder (or its ``manifest.json``) with ``"format": "embed.shards"``
================  ====================================================================

`sniff` names the kind (or None: not recognisably one of ours, e.g. GloVe
text or a damaged file); `check_kind` raises a one-line EmbedError when a
loader is handed another of embed's kinds: "model.lm is a language model, not
a vectors file; try `embed lm generate model.lm`".
"""
import gzip
import json
import os
import re
import zipfile

from .errors import EmbedError

# kind -> (what it is called, what to do with one; {path} is filled in)
KINDS = {
    "vectors": ("a vectors file", "try `embed similar {path} WORD` or `embed analogy {path} \"a - b + c\"`"),
    "lm": ("a language model", "try `embed lm generate {path}`"),
    "sequential": ("a Sequential (MLP/CNN) model", "load it with `Sequential.load(\"{path}\")` in Python"),
    "checkpoint": ("a word2vec training checkpoint",
                   "resume it with `Word2Vec.load(\"{path}\")`; its vectors are in `model.wv`"),
    "corpus_cache": ("an encoded-corpus cache", "train on the text file it was made from"),
}
_HEADER = re.compile(rb"\s*\d+\s+\d+\s*\r?\n")  # word2vec's '<count> <dim>' first line
_ZIP_MAGIC = b"PK\x03\x04"
_GZIP_MAGIC = b"\x1f\x8b"


def sniff(path):
    """The kind of embed file at `path` (a key of KINDS), or None when it is none of them (or unreadable)."""
    path = os.fspath(path)
    try:
        if os.path.isdir(path):
            return "corpus_cache" if _is_manifest(os.path.join(path, "manifest.json")) else None
        if os.path.basename(path) == "manifest.json":
            return "corpus_cache" if _is_manifest(path) else None
        if not os.path.isfile(path):  # a pipe or FIFO: its first bytes, once read, are gone for the loader
            return None
        with open(path, "rb") as f:
            head = f.read(4096)
        if head.startswith(_ZIP_MAGIC):
            return _npz_kind(path)
        if head.startswith(_GZIP_MAGIC):
            with gzip.open(path, "rb") as f:
                head = f.read(4096)
        return "vectors" if _HEADER.match(head.split(b"\n", 1)[0] + b"\n") else None
    except (OSError, EOFError, ValueError, zipfile.BadZipFile):
        return None


def _npz_kind(path):
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
    if "__meta__.npy" in names:
        return "lm"
    if "__config__.npy" in names:
        return "sequential"
    if {"state.npy", "syn0.npy"} <= names:
        return "checkpoint"
    return None


def _is_manifest(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f).get("format") == "embed.shards"
    except (OSError, ValueError, AttributeError):
        return False


def describe(kind):
    """'a language model' for 'lm', and so on."""
    return KINDS[kind][0]


def check_kind(path, expected):
    """Raise a one-line EmbedError if `path` is one of embed's files of another kind than `expected`.

    Files that are not recognisably ours pass: the loader that follows judges them.
    """
    kind = sniff(path)
    if kind is None or kind == expected:
        return path
    name, hint = KINDS[kind]
    shown = os.fspath(path)
    raise EmbedError(f"{shown} is {name}, not {describe(expected)}; {hint.format(path=shown)}")
