"""Trained word vectors: queries, evaluation and file formats."""
