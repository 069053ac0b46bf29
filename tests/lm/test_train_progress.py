"""LMTrainer with a time budget: the bar counts the budget (percentage, time left) and a first line comes at step 1."""
from embed.lm import LMTrainer, ModelConfig, TrainConfig

TEXT = "to be or not to be, that is the question.\n" * 200


def test_a_time_budget_shows_progress_and_a_first_line(capsys, monkeypatch):
    monkeypatch.setenv("EMBED_PROGRESS", "1")  # the suite turns bars off
    lines = []
    trainer = LMTrainer.new(TEXT, ModelConfig(cell="rnn", layers=1, hidden=8),
                            TrainConfig(minutes=0.01, batch=4, seq_length=10, threads=1))
    trainer.fit(log=lines.append)
    err = capsys.readouterr().err
    assert "100%" in err and "/1 s, 00:00 left" in err  # a 0.6 s budget, shown rounded
    assert lines[0].startswith("step 1: train ") and "validation at each epoch end" in lines[0]
    assert trainer.step_ >= 1


def test_an_epoch_budget_counts_symbols(capsys, monkeypatch):
    monkeypatch.setenv("EMBED_PROGRESS", "1")
    trainer = LMTrainer.new(TEXT, ModelConfig(cell="rnn", layers=1, hidden=8),
                            TrainConfig(epochs=1, batch=4, seq_length=10, threads=1))
    trainer.fit()
    err = capsys.readouterr().err
    assert " left" not in err and "char/s" in err
