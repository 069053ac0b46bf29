"""The embed.viz package: its public names resolve lazily to the modules that define them."""
import pytest

from embed import viz
from embed.viz import plots
from embed.viz.projection import project
from embed.viz.selection import select_words


def test_package_exports_the_public_names():
    assert viz.cluster_plot is plots.cluster_plot and viz.project is project
    assert viz.select_words is select_words
    with pytest.raises(AttributeError):
        viz.no_such_name  # noqa: B018
