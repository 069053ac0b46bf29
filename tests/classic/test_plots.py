"""Classic-model plots: the returned Figures hold what was drawn, files are real PNGs; the scripts run end to end."""
import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

from embed.classic import LogisticRegression, Perceptron
from embed.classic import plots
from embed.classic.datasets import make_separable
from embed.errors import EmbedError

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


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


def test_fitted_line_draws_the_data_and_each_line(tmp_path):
    x = np.linspace(0, 1, 20)
    fig = plots.fitted_line_plot(x, x * 2 + 1, {"fit": (2.0, 1.0), "other": (1.0, 0.0)}, tmp_path / "line.png")
    ax = fig.axes[0]
    assert len(ax.collections[0].get_offsets()) == 20  # one point per sample
    (fit, other) = ax.get_lines()
    np.testing.assert_allclose(fit.get_ydata(), 1 + 2 * fit.get_xdata())
    np.testing.assert_allclose(other.get_ydata(), other.get_xdata())
    assert [t.get_text() for t in ax.get_legend().get_texts()][1:] == [
        "fit: y = 1.000 + 2.000 x", "other: y = 0.000 + 1.000 x"]
    assert_real_png(tmp_path / "line.png")
    assert plots.fitted_line_plot(x, x, {"id": (1.0, 0.0)}).axes  # no path: nothing written, Figure back
    assert sorted(p.name for p in tmp_path.iterdir()) == ["line.png"]


def test_decision_regions_and_mistakes(tmp_path):
    X, y = make_separable(60, random_state=0)
    p = Perceptron().fit(X, y)
    clf = LogisticRegression(epochs=50).fit(X, y)
    fig = plots.new_figure((10, 4))
    axes = fig.subplots(1, 2)
    plots.draw_decision_regions(axes[0], p.predict, X, y, line=(p.coef_, p.intercept_), title="perceptron")
    plots.draw_mistakes(axes[1], {"run": p.errors_})
    assert_real_png(plots.save_figure(fig, tmp_path / "perceptron.png"))
    assert axes[1].get_lines()[0].get_ydata().tolist() == list(p.errors_)  # one step per epoch
    fig = plots.decision_boundary_plot([dict(predict=clf.predict, X=X, y=y, class_names=["no", "yes"])],
                                       tmp_path / "boundary.png", suptitle="logistic")
    ax = fig.axes[0]
    assert sum(len(c.get_offsets()) for c in ax.collections[-2:]) == len(X)  # both classes scattered
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["no", "yes"]
    assert_real_png(tmp_path / "boundary.png")


def test_reconstruction_grid(tmp_path):
    rng = np.random.default_rng(0)
    originals = rng.random((12, 64))
    fig = plots.reconstruction_plot(originals, np.clip(originals + 0.1, 0, 1), tmp_path / "rec.png",
                                    image_shape=(8, 8), n=12, labels=list(range(12)))
    assert_real_png(tmp_path / "rec.png")
    shown = [ax.images[0].get_array() for ax in fig.axes if ax.images]
    assert len(shown) == 24 and shown[0].shape == (8, 8)  # 12 originals + 12 reconstructions
    np.testing.assert_allclose(shown[0], originals[0].reshape(8, 8))
    with pytest.raises(EmbedError, match="matching"):
        plots.reconstruction_plot(originals, originals[:, :10], tmp_path / "bad.png", image_shape=(8, 8))


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
