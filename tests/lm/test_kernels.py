"""embed.lm.kernels: the one-call chunk of a small one-layer RNN equals the layered path."""
import numpy as np
import pytest

from embed.errors import EmbedError
from embed.lm.data import SymbolVocab
from embed.lm.model import LanguageModel


def _pair(hidden=16, seed=2):
    vocab = SymbolVocab(list("abcdefghij"))
    fused = LanguageModel(vocab, "rnn", layers=1, hidden=hidden, seed=seed)
    layered = LanguageModel(vocab, "rnn", layers=1, hidden=hidden, seed=seed)
    layered.fused_chunk = False
    return fused, layered


@pytest.mark.parametrize("T,B", [(7, 1), (5, 3), (1, 2)])
def test_fused_chunk_matches_the_layers(T, B):
    fused, layered = _pair()
    rng = np.random.default_rng(T * 10 + B)
    x = rng.integers(0, 10, (T, B))
    y = rng.integers(0, 10, (T, B))
    state = [(rng.standard_normal((B, 16)).astype(np.float32) * 0.5,)]
    for training in (True, False):
        a = fused.loss(x, y, state, training=training)
        b = layered.loss(x, y, state, training=training)
        assert fused._fused_grads == training and not layered._fused_grads
        np.testing.assert_allclose(a, b, rtol=1e-5)
        np.testing.assert_allclose(fused.state_[0][0], layered.state_[0][0], rtol=1e-5, atol=1e-6)
    fused.loss(x, y, state)
    fused.backward()
    layered.loss(x, y, state)
    layered.backward()
    for g, r in zip(fused.grads(), layered.grads()):
        np.testing.assert_allclose(g, r, rtol=1e-4, atol=1e-6)


def test_fused_chunk_only_where_it_fits():
    fused, _ = _pair()
    assert fused._fused_fits((25, 1), True)
    assert not fused._fused_fits((25, 1000), True)          # big batches: the threaded layers
    vocab = SymbolVocab(list("ab"))
    assert not LanguageModel(vocab, "lstm", layers=1, hidden=8)._fused_fits((5, 1), True)
    assert not LanguageModel(vocab, "rnn", layers=2, hidden=8)._fused_fits((5, 1), True)
    drop = LanguageModel(vocab, "rnn", layers=1, hidden=8, dropout=0.5)
    assert not drop._fused_fits((5, 1), True) and drop._fused_fits((5, 1), False)


def test_fused_chunk_refuses_ids_and_targets_outside_the_vocabulary():
    fused, _ = _pair()
    ok = np.zeros((3, 1), np.int64)
    with pytest.raises(EmbedError, match="ids must lie in"):
        fused.loss(ok + 10, ok)
    with pytest.raises(EmbedError, match="targets must lie in"):
        fused.loss(ok, ok - 1)
