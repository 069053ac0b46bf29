"""Recurrent language models: char-RNN / word-level training and generation."""
