"""Label placement (embed.viz.labels): hundreds of labels on a dense scatter, none overlapping."""
import numpy as np

from embed.viz import plots


def test_labels_at_300_words_do_not_overlap(tmp_path):
    from matplotlib.text import Text

    from embed.viz.labels import place_labels

    rng = np.random.default_rng(6)
    xy = np.vstack([rng.normal(size=(200, 2)), rng.normal(size=(100, 2)) * 0.2])  # a dense core
    words = [f"word{i:03d}" for i in range(300)]
    fig, renderer = plots.pixel_figure((1800, 1350), 150)
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.9))
    ax.set_xlim(-4, 4)
    ax.set_ylim(-4, 4)
    ax.scatter(xy[:, 0], xy[:, 1], s=10)
    stats = place_labels(ax, renderer, xy, words, fontsize=7)
    assert stats.placed + len(stats.skipped) == 300
    assert stats.placed > 150
    fig.canvas.draw()
    # the text itself, without the leader line an Annotation also counts
    boxes = np.array([Text.get_window_extent(t, renderer).extents for t in ax.texts])  # (placed, 4)
    assert len(boxes) == stats.placed
    shrunk = boxes + np.array([1.5, 1.5, -1.5, -1.5])  # ignore sub-pixel touching
    hit = ((shrunk[:, None, 0] < shrunk[None, :, 2]) & (shrunk[:, None, 2] > shrunk[None, :, 0])
           & (shrunk[:, None, 1] < shrunk[None, :, 3]) & (shrunk[:, None, 3] > shrunk[None, :, 1]))
    np.fill_diagonal(hit, False)
    assert not hit.any(), f"{hit.sum() // 2} overlapping label pairs"
