"""The text pipeline: streaming reader, tokenizers, vocabulary, encoded corpora."""
