"""`embed mnist --model cnn` on tiny generated IDX files."""
import json

import numpy as np

from embed.cli import main
from embed.data import load_mnist
from embed.nn.models import as_images, cnn_model


def blocks(n, seed):
    """28x28 uint8 images whose class (0-3) is the quadrant holding a bright 8x8 block, plus noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, n)
    X = (rng.random((n, 28, 28)) * 60).astype(np.uint8)
    for i, c in enumerate(y):
        r, col = 2 + 14 * (c // 2) + rng.integers(0, 3), 2 + 14 * (c % 2) + rng.integers(0, 3)
        X[i, r:r + 8, col:col + 8] = 250
    return X, y.astype(np.uint8)


def test_cnn_option_trains_the_convolutional_network(tmp_path, capsys, mnist_set):
    folder = mnist_set(tmp_path / "blocks", n_train=240, n_test=100, images=blocks)
    rc = main(["mnist", "--data", str(folder), "--model", "cnn", "--epochs", "2", "--batch-size", "32",
               "--seed", "0", "--json", "--save", str(tmp_path / "cnn.npz")])
    assert rc == 0
    result = json.loads(capsys.readouterr().out.strip())
    assert result["epochs"] == 2 and result["test_accuracy"] >= 0.9
    from embed.nn.sequential import Sequential
    model = Sequential.load(str(tmp_path / "cnn.npz"))
    assert [type(layer).__name__ for layer in model.layers] == [
        "Conv2D", "MaxPool2D", "Conv2D", "MaxPool2D", "Flatten", "Dense", "Dense"]
    data = load_mnist(str(folder))
    assert model.evaluate(as_images(data.flat()[2]), data.y_test.astype(np.int64))["accuracy"] >= 0.9


def test_cnn_model_shape_and_parameters():
    model = cnn_model(seed=0).build((28, 28, 1))
    assert model.count_params() == 225_034          # 320 + 18,496 + 204,928 + 1,290
    assert model.predict(np.zeros((3, 28, 28, 1), np.float32)).shape == (3, 10)
    assert as_images(np.zeros((2, 784))).shape == (2, 28, 28, 1)


def test_unknown_model_is_a_usage_error(tmp_path, capsys):
    assert main(["mnist", "--data", str(tmp_path), "--model", "resnet"]) == 2
    assert "resnet" in capsys.readouterr().err


def test_cnn_defaults_differ_from_the_mlp_and_options_override_them(tmp_path, capsys, monkeypatch, mnist_set):
    """Without --epochs / --batch-size / --thread-mode the CNN trains with its own defaults
    (those of the Fashion-MNIST benchmark, on our thread team); the MLP keeps 10 x 128 on BLAS threads."""
    from embed.cli.mnist import MODEL_DEFAULTS
    from embed.nn.sequential import Sequential
    seen = []
    fit = Sequential.fit

    def recording_fit(self, X, y, **kw):
        seen.append({k: kw[k] for k in ("epochs", "batch_size", "thread_mode")})
        return fit(self, X[:8], y[:8], **dict(kw, epochs=1))      # keep the test short
    monkeypatch.setattr(Sequential, "fit", recording_fit)
    folder = mnist_set(tmp_path / "blocks", n_train=40, n_test=20, images=blocks)
    cnn = MODEL_DEFAULTS["cnn"]
    assert cnn["thread_mode"] == "pool" and cnn["epochs"] > 3 and MODEL_DEFAULTS["mlp"] == {
        "epochs": 10, "batch_size": 128, "thread_mode": "blas"}
    for argv, expected in (
            (["--model", "cnn"], cnn),
            (["--model", "cnn", "--epochs", "2", "--batch-size", "16", "--thread-mode", "blas"],
             {"epochs": 2, "batch_size": 16, "thread_mode": "blas"}),
            ([], MODEL_DEFAULTS["mlp"])):
        assert main(["mnist", "--data", str(folder), "--json", *argv]) == 0
        assert seen[-1] == expected
        assert json.loads(capsys.readouterr().out.strip())["epochs"] == expected["epochs"]
