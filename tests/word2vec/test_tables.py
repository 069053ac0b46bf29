"""The word2vec constants and sigmoid tables (tables.py)."""
import numpy as np

from embed.word2vec import tables


def test_sigmoid_tables_are_accurate():
    sig, logsig = tables.make_tables()
    x = np.linspace(-tables.SIG_MAX + 1e-3, tables.SIG_MAX - 1e-3, 1001)
    i = ((x + tables.SIG_MAX) * (tables.SIG_SIZE / (2 * tables.SIG_MAX))).astype(int)
    assert np.abs(sig[i] - 1.0 / (1.0 + np.exp(-x))).max() < 6e-4
    assert np.abs(logsig[i] + np.logaddexp(0.0, -x)).max() < 2e-3
