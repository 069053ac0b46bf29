"""A `Sequential` model in one ``.npz`` file: config (JSON) + weights (+ optimizer state).

    __config__          : JSON — format tag, model seed and name, every layer's class, config,
                          input shape, built flag and random state, loss, optimizer, metrics;
    layer<i>/<param>    : the weights of layer i;
    optimizer/<key>, __optimizer_t__ : the optimizer's moments and step count (optional).

Written atomically; loading rebuilds the same predictions and an optimizer ready to resume.
"""
import json
import zipfile

import numpy as np

from ..errors import EmbedError
from ..fileio import atomic_write, check_readable, open_seekable
from ..filekinds import check_kind
from . import optimizers
from .base import layer_from_config

FORMAT = "embed.nn.Sequential"


def rng_state(rng):
    """JSON-able state of a layer's Generator (so a resumed run draws the same dropout masks)."""
    if rng is None:
        return None
    return rng.bit_generator.state


def rng_from_state(state):
    try:
        bitgen = getattr(np.random, state["bit_generator"])()
        bitgen.state = state
    except (AttributeError, KeyError, TypeError, ValueError):
        raise EmbedError("model file has an invalid random state") from None
    return np.random.Generator(bitgen)


def model_config(model):
    """The JSON-able description of `model` stored in ``__config__``."""
    return {
        "format": FORMAT, "version": 1, "name": model.name, "seed": model.seed,
        "layers": [{"class": type(layer).__name__, "config": layer.get_config(),
                    "input_shape": list(getattr(layer, "input_shape_", None) or []) or None,
                    "built": bool(layer.built),
                    "rng_state": rng_state(layer.rng)} for layer in model.layers],
        "loss": model.loss.name if model.loss is not None else None,
        "optimizer": ({"name": model.optimizer.name, **model.optimizer.get_config()}
                      if model.optimizer is not None else None),
        "metrics": model.metrics, "clip_norm": model.clip_norm,
    }


def save_model(model, path, include_optimizer=True):
    """Write config + weights (+ optimizer state) to one .npz file, atomically; returns `path`."""
    arrays = {"__config__": np.array(json.dumps(model_config(model)))}
    for i, layer in enumerate(model.layers):
        for k, p in layer.params.items():
            arrays[f"layer{i}/{k}"] = p
    if include_optimizer and model.optimizer is not None:
        for k, v in model.optimizer.state_dict().items():
            if isinstance(v, np.ndarray):
                arrays[f"optimizer/{k}"] = v
        arrays["__optimizer_t__"] = np.array(model.optimizer.t)
    with atomic_write(path, "wb") as f:
        np.savez(f, **arrays)
    return path


def load_model(cls, path):
    """The `cls` (Sequential) model saved at `path`; a one-line EmbedError for a bad file."""
    check_readable(check_kind(path, "sequential"), "model file")
    try:
        with open_seekable(path, "model file") as f, np.load(f, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        config = json.loads(str(arrays.pop("__config__")))
    except EmbedError:                              # e.g. a FIFO nobody writes to
        raise
    except (zipfile.BadZipFile, ValueError, KeyError, OSError, EOFError, json.JSONDecodeError) as e:
        raise EmbedError(f"{path} is not a valid embed model file (corrupt or truncated: "
                         f"{type(e).__name__})") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise EmbedError(f"{path} is not an embed Sequential model file")
    if any(a.dtype.kind in "fc" and not np.isfinite(a).all() for a in arrays.values()):
        raise EmbedError(f"{path} has NaN or infinite weights (a diverged run?)")
    try:
        return rebuild(cls, config, arrays)
    except EmbedError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as e:
        raise EmbedError(f"{path}: malformed model configuration ({type(e).__name__}: {e})") from None


def _rebuild_layer(spec, weights):
    from . import conv, recurrent  # noqa: F401  (register Conv2D / MaxPool2D, SimpleRNN / LSTM / GRU)
    layer = layer_from_config(spec["class"], spec["config"])
    if spec.get("built"):
        dtype = next(iter(weights.values())).dtype if weights else np.float32
        shape = spec.get("input_shape")
        if shape:
            layer.input_shape_ = tuple(shape)
            layer.build(tuple(shape), dtype)
            layer.set_weights(weights)
        else:
            layer.params = {k: np.ascontiguousarray(a) for k, a in weights.items()}
            layer.grads = {k: np.zeros_like(a) for k, a in layer.params.items()}
            layer.built = True
            layer.set_weights(layer.params)          # lets the layer refresh views of its params
    if spec.get("rng_state"):
        layer.rng = rng_from_state(spec["rng_state"])
    return layer


def rebuild(cls, config, arrays):
    """The model described by a saved `config` and its `arrays` (weights, optimizer state)."""
    model = cls(seed=config.get("seed"), name=config.get("name"))
    for i, spec in enumerate(config["layers"]):
        weights = {k.split("/", 1)[1]: a for k, a in arrays.items() if k.startswith(f"layer{i}/")}
        model.layers.append(_rebuild_layer(spec, weights))
    if config.get("loss") and config.get("optimizer"):
        opt_cfg = dict(config["optimizer"])
        model.compile(loss=config["loss"], optimizer=optimizers.get(opt_cfg.pop("name"), **opt_cfg),
                      metrics=config.get("metrics") or None, clip_norm=config.get("clip_norm"))
        state = {k.split("/", 1)[1]: a for k, a in arrays.items() if k.startswith("optimizer/")}
        if state:
            state.update({"name": model.optimizer.name, "t": int(arrays.get("__optimizer_t__", 0))})
            model.optimizer.load_state_dict(state)
    return model
