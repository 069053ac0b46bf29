"""Shared language-model fixtures: a small trainer factory."""
import pytest


def _small_trainer(text, seed=0, **kw):
    """An LMTrainer on `text`: a one-layer LSTM of 24 units, 4 streams of 12 steps, 2 epochs, no
    checkpoints; keyword arguments override ModelConfig or TrainConfig fields by name."""
    from embed.lm.train import LMTrainer, ModelConfig, TrainConfig

    mkw = {k: kw.pop(k) for k in list(kw) if k in ModelConfig.__dataclass_fields__}
    mc = ModelConfig(**{"cell": "lstm", "layers": 1, "hidden": 24, **mkw})
    tc = TrainConfig(**{"batch": 4, "seq_length": 12, "epochs": 2, "lr": 1e-2, "checkpoint_every": 0,
                        "seed": seed, **kw})
    return LMTrainer.new(text, mc, tc)


@pytest.fixture(scope="session")
def small_trainer():
    """small_trainer(text, seed=0, **config_fields) -> LMTrainer."""
    return _small_trainer
