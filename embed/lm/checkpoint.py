"""One file holds a language model and everything needed to resume its training.

Format: a NumPy ``.npz`` archive (no pickles), written atomically.

* ``__meta__``  : uint8 UTF-8 JSON — format tag, config, vocabulary, counters,
                  and a tree in which every array is replaced by ``{"@array": key}``;
* ``<key>``     : the arrays (weights, optimizer moments, carried hidden state...).

`save(path, tree)` / `load(path) -> tree` round-trip any nesting of dicts,
lists, tuples, numpy arrays and JSON scalars (numpy scalars become Python ones).
"""
import json
import zipfile

import numpy as np

from ..errors import EmbedError
from ..fileio import atomic_write, check_readable, open_seekable
from ..filekinds import check_kind

FORMAT = "embed-lm/1"


def _flatten(obj, arrays):
    """JSON-able tree with arrays moved into `arrays` (key -> ndarray)."""
    if isinstance(obj, np.ndarray):
        key = f"a{len(arrays)}"
        arrays[key] = obj
        return {"@array": key}
    if isinstance(obj, dict):
        if any(not isinstance(k, str) for k in obj):
            return {"@dict": [[_flatten(k, arrays), _flatten(v, arrays)] for k, v in obj.items()]}
        return {k: _flatten(v, arrays) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return {"@tuple": [_flatten(v, arrays) for v in obj]}
    if isinstance(obj, list):
        return [_flatten(v, arrays) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"cannot store {type(obj).__name__} in a checkpoint")


def _unflatten(obj, arrays):
    if isinstance(obj, dict):
        if "@array" in obj:
            return arrays[obj["@array"]]
        if "@tuple" in obj:
            return tuple(_unflatten(v, arrays) for v in obj["@tuple"])
        if "@dict" in obj:
            return {_unflatten(k, arrays): _unflatten(v, arrays) for k, v in obj["@dict"]}
        return {k: _unflatten(v, arrays) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_unflatten(v, arrays) for v in obj]
    return obj


def save(path, tree):
    """Write `tree` (a dict) to `path` atomically: the old file stays intact until the new one is complete."""
    arrays = {}
    meta = {"format": FORMAT, "tree": _flatten(tree, arrays)}
    blob = np.frombuffer(json.dumps(meta, ensure_ascii=False, allow_nan=True).encode("utf-8"), dtype=np.uint8)
    with atomic_write(path, "wb") as f:
        np.savez(f, __meta__=blob, **arrays)


def load(path):
    """The tree saved by `save`; a one-line EmbedError if the file is missing, corrupt or not ours."""
    check_readable(check_kind(path, "lm"), "model file")
    try:
        with open_seekable(path, "model file") as f, np.load(f, allow_pickle=False) as z:
            if "__meta__" not in z.files:
                raise EmbedError(f"not an embed language model: {path}")
            meta = json.loads(z["__meta__"].tobytes().decode("utf-8"))
            if meta.get("format") != FORMAT:
                raise EmbedError(f"not an embed language model (format {meta.get('format')!r}): {path}")
            arrays = {k: z[k] for k in z.files if k != "__meta__"}
        if any(a.dtype.kind in "fc" and not np.isfinite(a).all() for a in arrays.values()):
            raise EmbedError(f"model file has NaN or infinite weights (a diverged run?): {path}")
        return _unflatten(meta["tree"], arrays)
    except EmbedError:
        raise
    except (zipfile.BadZipFile, ValueError, KeyError, OSError, EOFError, UnicodeDecodeError,
            TypeError, zipfile.LargeZipFile) as e:
        raise EmbedError(f"model file is corrupt or truncated: {path} ({type(e).__name__})") from None
