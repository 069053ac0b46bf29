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
