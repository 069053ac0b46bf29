"""embed.lm.model: LanguageModel gradients, names, repr and its file."""
import numpy as np
import pytest

from embed.lm.data import SymbolVocab
from embed.lm.model import LanguageModel


@pytest.mark.parametrize("cell,embedding,layers", [("lstm", 0, 2), ("gru", 5, 2), ("rnn", 0, 1)])
def test_model_gradients_match_central_differences(cell, embedding, layers):
    vocab = SymbolVocab(list("abcde"))
    m = LanguageModel(vocab, cell, layers=layers, hidden=4, embedding=embedding, seed=3)
    for layer in m.trainables:
        layer.astype(np.float64)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 5, (3, 2)).astype(np.int32)
    y = rng.integers(0, 5, (3, 2)).astype(np.int32)
    state = [tuple(rng.standard_normal(s.shape) * 0.5 for s in st) for st in m.initial_state(2)]
    m.loss(x, y, state)
    m.backward()
    grads = [g.copy() for g in m.grads()]
    for p, g in zip(m.params(), grads):
        for idx in rng.choice(p.size, size=min(6, p.size), replace=False):
            i = np.unravel_index(idx, p.shape)
            old = p[i]
            p[i] = old + 1e-6
            up = m.loss(x, y, state)
            p[i] = old - 1e-6
            down = m.loss(x, y, state)
            p[i] = old
            assert abs((up - down) / 2e-6 - g[i]) < 1e-6 + 1e-4 * abs(g[i])


def test_one_class_for_characters_and_words_with_the_old_names_kept(tmp_path):
    from embed.lm import CharLM, WordLM
    from embed.lm.model import load_model
    from embed.lm.train import LMTrainer, ModelConfig, TrainConfig
    assert CharLM is LanguageModel and WordLM is LanguageModel
    m = LanguageModel(SymbolVocab(list("abc")), "gru", layers=1, hidden=4, embedding=3, seed=0)
    assert repr(m) == f"LanguageModel<gru, 1x4, embedding=3, 3 chars, {m.count_params():,} params>"
    words = LMTrainer.new("the cat sat\nthe dog sat\n" * 4, ModelConfig(level="word", layers=1, hidden=4),
                          TrainConfig(epochs=1, batch=2, seq_length=3))
    path = str(tmp_path / "w.lm")
    words.fit(path)
    back = load_model(path)
    assert type(back) is LanguageModel and back.vocab.level == "word"
    for a, b in zip(back.params(), words.model.params()):
        np.testing.assert_array_equal(a, b)


def test_checkpoint_layout_is_unchanged(tmp_path):
    """Model files written by earlier versions keep loading: the same format tag and tree keys."""
    from embed.lm import checkpoint
    from embed.lm.train import LMTrainer, ModelConfig, TrainConfig
    path = str(tmp_path / "c.lm")
    LMTrainer.new("abcabc\n" * 8, ModelConfig(layers=1, hidden=4), TrainConfig(epochs=1, batch=2, seq_length=4)).fit(path)
    with np.load(path) as z:
        assert "__meta__" in z.files
    assert set(checkpoint.load(path)) == {
        "kind", "model_config", "train_config", "model", "vocab", "param_names", "weights", "optimizer", "rng",
        "step", "epoch", "state", "history", "train_seconds", "step_seconds", "symbols_seen", "val_loss", "digest"}
    assert checkpoint.FORMAT == "embed-lm/1"
