"""embed.plotting: pyplot-free figures, atomic saving by suffix, and the one learning-curve plot."""
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.image import imread

from embed import plotting
from embed.errors import EmbedError


def test_new_figure_is_a_figure_on_its_own_agg_canvas_without_pyplot():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    fig = plotting.new_figure((4, 3), dpi=50)
    assert isinstance(fig.canvas, FigureCanvasAgg)
    assert plt.get_fignums() == before  # pyplot never saw it
    assert fig.get_size_inches().tolist() == [4.0, 3.0]


def test_save_figure_writes_a_png_of_the_requested_size_atomically(tmp_path):
    fig = plotting.new_figure((4, 3), dpi=50)
    fig.subplots().plot([0, 1], [1, 0])
    out = plotting.save_figure(fig, tmp_path / "p.png")
    assert out == str(tmp_path / "p.png")
    assert (tmp_path / "p.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert imread(tmp_path / "p.png").shape[:2] == (150, 200)  # (H, W) = size * dpi
    plotting.save_figure(fig, tmp_path / "p2.png", dpi=100)
    assert imread(tmp_path / "p2.png").shape[:2] == (300, 400)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.png", "p2.png"]  # no temporary files


def test_the_suffix_picks_the_format_and_the_same_figure_gives_the_same_bytes(tmp_path):
    fig = plotting.new_figure((3, 2))
    fig.subplots().plot([0, 1, 2], [2, 0, 1], label="words")
    plotting.save_figure(fig, tmp_path / "a.svg")
    plotting.save_figure(fig, tmp_path / "a.pdf")
    assert (tmp_path / "a.svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "a.pdf").read_bytes()[:5] == b"%PDF-"
    plotting.save_figure(fig, tmp_path / "b.svg")
    plotting.save_figure(fig, tmp_path / "b.pdf")
    for ext in ("svg", "pdf"):
        assert (tmp_path / f"a.{ext}").read_bytes() == (tmp_path / f"b.{ext}").read_bytes()


@pytest.mark.parametrize("name, message", [("p.jpg", "use a .png, .svg or .pdf name"),
                                           ("missing/p.png", "does not exist"),
                                           (".", "it is a folder")])
def test_bad_output_paths_are_one_line_errors_that_write_nothing(tmp_path, name, message):
    fig = plotting.new_figure()
    with pytest.raises(EmbedError, match=message):
        plotting.save_figure(fig, tmp_path / name)
    assert list(tmp_path.iterdir()) == []


HISTORY = {"loss": [1.0, 0.6, 0.4], "accuracy": [0.5, 0.7, 0.9],
           "val_loss": [1.1, 0.8, 0.7], "val_accuracy": [0.4, 0.6, 0.7]}


def test_a_history_gives_training_and_validation_error_per_epoch(tmp_path):
    fig = plotting.learning_curve_plot(HISTORY, tmp_path / "lc.png")
    ax = fig.axes[0]
    train, val = ax.get_lines()
    assert train.get_xdata().tolist() == [1, 2, 3]
    np.testing.assert_allclose(train.get_ydata(), [0.5, 0.3, 0.1])
    np.testing.assert_allclose(val.get_ydata(), [0.6, 0.4, 0.3])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["training", "validation"]
    assert ax.get_xlabel() == "epoch" and ax.get_yscale() == "linear"
    assert imread(tmp_path / "lc.png").shape[0] > 100


def test_a_history_without_the_metric_plots_the_loss_and_without_validation_one_line():
    fig = plotting.learning_curve_plot({"loss": [3.0, 2.0]})
    (line,) = fig.axes[0].get_lines()
    assert line.get_ydata().tolist() == [3.0, 2.0] and fig.axes[0].get_ylabel() == "loss"
    with pytest.raises(EmbedError, match="no epochs"):
        plotting.learning_curve_plot({"loss": []})


def test_named_cost_curves_with_a_floor_on_a_log_scale():
    fig = plotting.learning_curve_plot({"lr = 0.1": np.geomspace(10, 1, 50), "lr = 0.01": np.geomspace(10, 5, 30)},
                                       floor=0.4, title="GD")
    ax = fig.axes[0]
    lines = ax.get_lines()
    assert [len(l.get_xdata()) for l in lines[:2]] == [50, 30]
    assert list(lines[2].get_ydata()) == [0.4, 0.4]  # the dashed optimum
    assert ax.get_yscale() == "log" and ax.get_title() == "GD" and ax.get_xlabel() == "iteration"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["lr = 0.1", "lr = 0.01", "closed form (0.4)"]


def test_several_panels_side_by_side(tmp_path):
    fig = plotting.learning_curves_plot([{"curves": {"a": [3, 2, 1]}, "title": "one"},
                                         {"curves": {"b": [1, 2]}, "title": "two", "logy": False}],
                                        tmp_path / "two.png", suptitle="both")
    assert [ax.get_title() for ax in fig.axes] == ["one", "two"]
    assert imread(tmp_path / "two.png").shape[1] > imread(tmp_path / "two.png").shape[0]  # wide
    with pytest.raises(EmbedError, match="no panels"):
        plotting.learning_curves_plot([])
