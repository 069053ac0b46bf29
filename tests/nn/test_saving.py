"""embed.nn.saving: a model file rebuilds the same predictions, in a fresh process too."""
import subprocess
import sys

import numpy as np

from embed.nn import Dense, Flatten, Sequential
from embed.nn.conv import Conv2D, MaxPool2D


def test_cnn_file_loads_in_a_fresh_process(tmp_path):
    """Layer classes register when their module is imported: loading must import conv itself."""
    m = Sequential([Conv2D(3, 3), MaxPool2D(2), Flatten(), Dense(2, "softmax")], seed=0).build((6, 6, 1))
    X = np.random.default_rng(0).random((4, 6, 6, 1)).astype(np.float32)
    path, out = tmp_path / "cnn.npz", tmp_path / "pred.npy"
    m.save(path)
    code = ("import sys, numpy as np; from embed.nn.sequential import Sequential; "
            "X = np.random.default_rng(0).random((4, 6, 6, 1)).astype(np.float32); "
            "np.save(sys.argv[2], Sequential.load(sys.argv[1]).predict(X))")
    subprocess.run([sys.executable, "-c", code, str(path), str(out)], check=True, timeout=120)
    np.testing.assert_array_equal(np.load(out), m.predict(X))


def test_file_layout_is_unchanged(tmp_path):
    """Files written before the Sequential / saving split must keep loading: same names, same config keys."""
    import json
    m = Sequential([Dense(3, "relu"), Dense(2, "softmax")], seed=0).compile(optimizer="adam")
    m.fit(np.ones((4, 5), np.float32), np.array([0, 1, 0, 1]), epochs=1)
    m.save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz") as z:
        names = set(z.files)
        config = json.loads(str(z["__config__"]))
    assert {"__config__", "layer0/W", "layer0/b", "layer1/W", "layer1/b", "__optimizer_t__"} <= names
    assert any(n.startswith("optimizer/") for n in names)
    assert config["format"] == "embed.nn.Sequential" and config["version"] == 1
    assert set(config) == {"format", "version", "name", "seed", "layers", "loss", "optimizer", "metrics",
                           "clip_norm"}
    assert set(config["layers"][0]) == {"class", "config", "input_shape", "built", "rng_state"}
    assert config["layers"][0]["input_shape"] == [1, 5]
