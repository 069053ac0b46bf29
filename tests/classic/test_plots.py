"""Plots are written atomically as real, non-blank PNGs; the classic scripts run end to end."""
import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

from embed.classic import LogisticRegression, Perceptron
from embed.classic import plots
from embed.classic.datasets import make_separable
from embed.errors import EmbedError

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def assert_real_png(path, min_size=(300, 300)):
    """The file is a PNG of at least `min_size` pixels with visible content."""
    from matplotlib.image import imread
    path = Path(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    img = imread(path)[..., :3]  # (H, W, 3) floats in [0, 1]
    assert img.shape[0] >= min_size[1] and img.shape[1] >= min_size[0]
    assert img.std() > 0.05  # not a blank canvas
    assert np.mean(img.mean(axis=2) < 0.5) > 0.005  # some dark ink: text, lines, points
    leftovers = [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    assert not leftovers


def test_learning_curve_and_fitted_line(tmp_path):
    p1 = plots.learning_curve_plot({"a": np.geomspace(10, 1, 50), "b": np.geomspace(10, 0.5, 30)},
                                   tmp_path / "curve.png", floor=0.4)
    p2 = plots.fitted_line_plot(np.linspace(0, 1, 20), np.linspace(0, 1, 20) * 2 + 1, {"fit": (2.0, 1.0)},
                                tmp_path / "line.png")
    assert_real_png(p1)
    assert_real_png(p2)


def test_decision_regions_and_mistakes(tmp_path):
    X, y = make_separable(60, random_state=0)
    p = Perceptron().fit(X, y)
    clf = LogisticRegression(epochs=50).fit(X, y)
    fig, axes = plots.new_figure(1, 2, size=(10, 4))
    plots.draw_decision_regions(axes[0], p.predict, X, y, line=(p.coef_, p.intercept_), title="perceptron")
    plots.draw_mistakes(axes[1], {"run": p.errors_})
    assert_real_png(plots.save_figure(fig, tmp_path / "perceptron.png"))
    path = plots.decision_boundary_plot([dict(predict=clf.predict, X=X, y=y, class_names=["no", "yes"])],
                                        tmp_path / "boundary.png", suptitle="logistic")
    assert_real_png(path)


def test_reconstruction_grid(tmp_path):
    rng = np.random.default_rng(0)
    originals = rng.random((12, 64))
    path = plots.reconstruction_plot(originals, np.clip(originals + 0.1, 0, 1), tmp_path / "rec.png",
                                     image_shape=(8, 8), n=12, labels=list(range(12)))
    assert_real_png(path)
    with pytest.raises(EmbedError, match="matching"):
        plots.reconstruction_plot(originals, originals[:, :10], tmp_path / "bad.png", image_shape=(8, 8))


def test_save_errors_are_clear_and_leave_nothing(tmp_path):
    fig, ax = plots.new_figure()
    ax.plot([0, 1], [0, 1])
    with pytest.raises(EmbedError, match="PNG"):
        plots.save_figure(fig, tmp_path / "plot.jpg")
    with pytest.raises(EmbedError, match="does not exist"):
        plots.save_figure(fig, tmp_path / "missing" / "plot.png")
    assert list(tmp_path.iterdir()) == []


def run_script(name, *args):
    spec = importlib.util.spec_from_file_location(f"classic_script_{name}", SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main(list(args))


@pytest.mark.parametrize("name,args,outputs", [
    ("linear_regression", ["--diabetes"], ["learning_curve.png", "fitted_line.png"]),
    ("logistic_iris", [], ["iris_decision_boundary.png"]),
    ("perceptron", ["--max-epochs", "50"], ["perceptron.png"]),
    ("autoencoder", ["--digits", "--epochs", "3"], ["autoencoder_reconstructions.png", "autoencoder_loss.png"]),
])
def test_scripts_run_and_write_their_plots(tmp_path, capsys, name, args, outputs):
    out = tmp_path / "out"
    assert run_script(name, "--out", str(out), "--seed", "1", *args) == 0
    printed = capsys.readouterr().out
    for f in outputs:
        assert f"wrote {os.path.join(str(out), f)}" in printed
        assert_real_png(out / f)


def test_script_reports_a_bad_data_folder(tmp_path):
    with pytest.raises(EmbedError, match="not found"):
        run_script("autoencoder", "--out", str(tmp_path), "--data", str(tmp_path / "nowhere"))
