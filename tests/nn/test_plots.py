"""Neural-core plots: the confusion matrix heat map holds the row-normalised counts."""
import numpy as np
import pytest

from embed.errors import EmbedError
from embed.nn import plots


def test_confusion_matrix_is_row_normalised_with_one_label_per_cell(tmp_path):
    cm = np.array([[8, 2, 0], [1, 3, 0], [0, 0, 5]])
    fig = plots.confusion_matrix_plot(cm, tmp_path / "cm.png", class_names=["a", "b", "c"])
    ax = fig.axes[0]
    shown = ax.images[0].get_array()
    np.testing.assert_allclose(shown, cm / cm.sum(axis=1, keepdims=True))
    assert [t.get_text() for t in ax.texts][:3] == ["0.80", "0.20", "0.00"]
    assert len(ax.texts) == 9
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert (tmp_path / "cm.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    counts = plots.confusion_matrix_plot(cm, normalize=False).axes[0]
    assert [t.get_text() for t in counts.texts][:3] == ["8", "2", "0"]
    with pytest.raises(EmbedError, match="square"):
        plots.confusion_matrix_plot(np.zeros((2, 3)))


def test_the_learning_curve_is_the_shared_one():
    from embed import plotting
    assert plots.learning_curve_plot is plotting.learning_curve_plot


def test_activation_plot_draws_each_function_and_its_derivative(tmp_path):
    fig = plots.activation_plot(("sigmoid", "relu"), tmp_path / "act.png", x_range=(-2, 2), points=5)
    assert [ax.get_title() for ax in fig.axes] == ["sigmoid", "relu"]
    x = np.linspace(-2, 2, 5)
    sig, dsig = fig.axes[0].get_lines()[-2:]
    np.testing.assert_allclose(sig.get_ydata(), 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(dsig.get_ydata(), sig.get_ydata() * (1 - sig.get_ydata()))
    relu, drelu = fig.axes[1].get_lines()[-2:]
    np.testing.assert_allclose(relu.get_ydata(), np.maximum(x, 0))
    np.testing.assert_allclose(drelu.get_ydata(), [0, 0, 0, 1, 1])
    assert (tmp_path / "act.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(EmbedError, match="softmax is not elementwise"):
        plots.activation_plot("softmax")


def test_activation_plot_default_is_the_four_of_lecture_4():
    fig = plots.activation_plot(x_range=(-3, 3), points=61)
    assert [ax.get_title() for ax in fig.axes] == ["linear", "sigmoid", "tanh", "relu"]
    x = np.linspace(-3, 3, 61)
    linear, dlinear = fig.axes[0].get_lines()[-2:]
    np.testing.assert_allclose(linear.get_ydata(), x)
    np.testing.assert_allclose(dlinear.get_ydata(), np.ones_like(x))
    tanh, dtanh = fig.axes[2].get_lines()[-2:]
    np.testing.assert_allclose(tanh.get_ydata(), np.tanh(x), atol=1e-12)
    np.testing.assert_allclose(dtanh.get_ydata(), 1 - np.tanh(x) ** 2, atol=1e-12)
    assert len(plots.activation_plot("tanh").axes) == 1
    with pytest.raises(EmbedError, match="swish"):
        plots.activation_plot(["swish"])
