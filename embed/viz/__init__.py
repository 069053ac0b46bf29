"""Pictures of embeddings: 2-D projections, cluster plots, analogy arrows, heat maps."""
