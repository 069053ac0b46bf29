"""Pictures of embeddings: 2-D projections, cluster plots, analogy arrows, heat maps.

    from embed.viz import select_words, cluster_plot, analogy_plot, similarity_heatmap, project

Names are imported lazily, so ``import embed.viz`` stays cheap.
"""
import importlib as _importlib

_EXPORTS = {
    "project": "embed.viz.projection",
    "PCA": "embed.viz.projection",
    "select_words": "embed.viz.selection",
    "suggest_pairs": "embed.viz.selection",
    "cluster_plot": "embed.viz.plots",
    "analogy_plot": "embed.viz.plots",
    "similarity_heatmap": "embed.viz.plots",
    "export_projector": "embed.viz.export",
}
__all__ = list(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(_importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'embed.viz' has no attribute {name!r}")
