"""`embed mnist` end to end on small synthetic IDX files: JSON and human output, plots, saving, bad options."""
import gzip
import json

import pytest

from embed.cli import main


def test_cli_trains_and_prints_json(tmp_path, capsys, mnist_set):
    folder = mnist_set(tmp_path / "digits")
    plots = tmp_path / "plots"
    rc = main(["mnist", "--data", str(folder), "--hidden", "32", "--epochs", "3", "--batch-size", "32",
               "--lr", "0.01", "--seed", "1", "--json", "--plots", str(plots), "--save", str(tmp_path / "m.npz")])
    assert rc == 0
    out = capsys.readouterr().out.strip()
    result = json.loads(out)                                  # stdout is exactly one JSON object
    assert set(result) == {"test_accuracy", "train_seconds", "epochs"}
    assert result["epochs"] == 3 and result["test_accuracy"] >= 0.9
    from matplotlib.image import imread
    for name in ("learning_curve.png", "confusion_matrix.png"):  # real pictures with something drawn
        assert (plots / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        img = imread(plots / name)[..., :3]  # (H, W, 3)
        assert min(img.shape[:2]) > 200 and img.std() > 0.05
    from embed.data import load_mnist
    from embed.nn.metrics import accuracy
    from embed.nn.sequential import Sequential
    _, _, X_test, y_test = load_mnist(str(folder)).flat()
    saved = Sequential.load(tmp_path / "m.npz")                # the trained model, reloaded: same accuracy
    assert accuracy(y_test, saved.predict(X_test).argmax(axis=1)) == pytest.approx(result["test_accuracy"],
                                                                                  abs=1e-6)


def test_cli_human_output_and_errors(tmp_path, capsys, mnist_set):
    folder = mnist_set(tmp_path / "digits", n_train=100, n_test=50)
    assert main(["mnist", "--data", str(folder), "--hidden", "16", "--epochs", "2", "--val-split", "0.2"]) == 0
    out = capsys.readouterr().out
    assert "epoch   1/2" in out and "val_accuracy" in out and "test accuracy" in out
    assert main(["mnist", "--data", str(tmp_path / "missing")]) == 2
    assert "data folder not found" in capsys.readouterr().err
    assert main(["mnist", "--data", str(folder), "--hidden", "a,b"]) == 2
    assert main(["mnist", "--data", str(folder), "--optimizer", "nadam", "--epochs", "1"]) == 2
    assert "unknown optimizer" in capsys.readouterr().err
    # checked before the data: a bad name is reported even where no data set is at hand
    assert main(["mnist", "--data", str(tmp_path / "missing"), "--optimizer", "nadam"]) == 2
    assert "unknown optimizer" in capsys.readouterr().err
    corrupt = tmp_path / "corrupt"
    mnist_set(corrupt, n_train=20, n_test=20)
    (corrupt / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(b"\x00\x00\x08\x03" + b"\x00" * 5))
    assert main(["mnist", "--data", str(corrupt)]) == 2
    assert "truncated" in capsys.readouterr().err


@pytest.mark.parametrize("option, value, message", [
    ("--dropout", "-1", "argument --dropout: must be in [0, 1), got -1.0"),
    ("--dropout", "nan", "argument --dropout: must be a finite number, got nan"),
    ("--dropout", "1", "argument --dropout: must be in [0, 1), got 1.0"),
    ("--l2", "-1", "argument --l2: must be 0 or more, got -1.0"),
    ("--l2", "nan", "argument --l2: must be a finite number, got nan"),
    ("--l2", "inf", "argument --l2: must be a finite number, got inf"),
    ("--lr", "0", "argument --lr: must be greater than 0, got 0.0"),
    ("--seed", "-1", "argument --seed: must be 0 or more, got -1"),
    ("--epochs", "0", "argument --epochs: must be at least 1, got 0"),
    ("--batch-size", "-5", "argument --batch-size: must be 0 or more, got -5"),
    ("--val-split", "1.5", "argument --val-split: must be in [0, 1), got 1.5"),
    ("--limit", "1", "argument --limit: must be at least 2, got 1"),
    ("--threads", "0", "argument --threads: must be at least 1, got 0"),
    ("--hidden", "0,16", "argument --hidden: must be positive integers separated by commas, got '0,16'"),
])
def test_bad_numbers_are_one_line_usage_errors(tmp_path, capsys, option, value, message):
    """Checked before any data is read: the folder does not even exist."""
    assert main(["mnist", "--data", str(tmp_path / "missing"), option, value]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert captured.out == "" and len(lines) == 1
    assert lines[0] == f"embed mnist: error: {message} (see `embed mnist --help`)"
