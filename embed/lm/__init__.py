"""Recurrent language models: char-RNN / word-level training and generation.

    from embed.lm import LMTrainer, ModelConfig, TrainConfig, generate, load_model

    text = open("input.txt", encoding="utf-8").read()
    trainer = LMTrainer.new(text, ModelConfig(cell="lstm", layers=2, hidden=128),
                            TrainConfig(minutes=5)).fit("shakespeare.lm")
    print(generate(load_model("shakespeare.lm"), prime="ROMEO:", length=300, seed=1))

Names are imported lazily, so importing the package stays quick.
"""
import importlib as _importlib

# public name -> module that defines it
_EXPORTS = {
    "LanguageModel": "embed.lm.model",
    "CharLM": "embed.lm.model",          # backward-compatible alias of LanguageModel
    "WordLM": "embed.lm.model",          # backward-compatible alias of LanguageModel
    "load_model": "embed.lm.model",
    "LMTrainer": "embed.lm.train",
    "ModelConfig": "embed.lm.train",
    "TrainConfig": "embed.lm.train",
    "generate": "embed.lm.sample",
    "SymbolVocab": "embed.lm.data",
}
__all__ = list(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(_importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'embed.lm' has no attribute {name!r}")
