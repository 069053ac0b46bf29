"""embed.lm.sample: reproducible sampling, Unicode, top-k / argmax / temperature."""
import numpy as np
import pytest

from embed.errors import EmbedError
from embed.lm.model import load_model
from embed.lm.sample import generate, sample_index

UNICODE = "Καλημέρα κόσμε 🙂 — naïve café, 東京 🚀!\n"


def test_sampling_is_reproducible_and_unicode_round_trips(tmp_path, small_trainer):
    tr = small_trainer(UNICODE * 6, epochs=3)
    path = str(tmp_path / "uni.lm")
    tr.fit(path)
    m = load_model(path)
    assert m.vocab == tr.vocab and "🚀" in m.vocab.index
    a = generate(m, "Καλη🙂", 40, temperature=1.0, seed=7)
    assert a.startswith("Καλη🙂") and len(a) == len("Καλη🙂") + 40
    assert generate(m, "Καλη🙂", 40, temperature=1.0, seed=7) == a
    assert generate(tr.model, "Καλη🙂", 40, temperature=1.0, seed=7) == a   # saved == in memory
    others = {generate(m, "Καλη🙂", 40, temperature=1.0, seed=s) for s in range(5)}
    assert len(others) > 1
    assert set(a) <= set(m.vocab.symbols)
    with pytest.raises(EmbedError, match="'Ω'"):
        generate(m, "ΩΩ", 5)


def test_top_k_argmax_and_temperature():
    logits = np.log(np.array([0.05, 0.4, 0.1, 0.3, 0.15]))
    rng = np.random.default_rng(0)
    assert sample_index(logits, rng, argmax=True) == 1
    assert {sample_index(logits, rng, top_k=1) for _ in range(50)} == {1}
    draws = [sample_index(logits, rng, top_k=2) for _ in range(400)]
    assert set(draws) == {1, 3}
    cold = [sample_index(logits, rng, temperature=0.05) for _ in range(200)]
    assert cold.count(1) > 190
    hot = np.bincount([sample_index(logits, rng, temperature=50.0) for _ in range(4000)], minlength=5)
    assert hot.min() > 600                              # nearly uniform
    base = np.bincount([sample_index(logits, rng) for _ in range(4000)], minlength=5) / 4000
    assert np.allclose(base, np.exp(logits), atol=0.03)
