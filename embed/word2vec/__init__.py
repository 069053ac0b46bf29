"""word2vec: skip-gram and CBOW with negative sampling (or hierarchical softmax)."""
