"""embed.lm.data: parallel streams, the validation split, the character vocabulary."""
import numpy as np
import pytest

from embed.errors import EmbedError
from embed.lm.data import Streams, build_vocab, encode_stream, split_train_val

UNICODE = "Καλημέρα κόσμε 🙂 — naïve café, 東京 🚀!\n"


def test_streams_cut_the_text_into_parallel_columns():
    ids = np.arange(23, dtype=np.int32)
    s = Streams(ids, batch=3, seq_length=4)
    assert s.length == 7 and s.chunks_per_epoch == 2
    x, y = s.chunk(0)
    assert x.shape == (4, 3)
    assert list(x[:, 1]) == [7, 8, 9, 10] and list(y[:, 1]) == [8, 9, 10, 11]
    x, y = s.chunk(4)                                  # the short last chunk
    assert x.shape == (3, 3) and list(y[:, 2]) == [19, 20, 21]


def test_validation_is_the_end_of_the_stream():
    ids = np.arange(100, dtype=np.int32)
    tr, va = split_train_val(ids, 0.05)
    assert list(va) == [95, 96, 97, 98, 99] and len(tr) == 95


def test_char_vocab_is_code_points_and_round_trips():
    vocab, _ = build_vocab(UNICODE, "char")
    assert "🙂" in vocab.index and "東" in vocab.index and "έ" in vocab.index
    assert all(len(s) == 1 for s in vocab.symbols)
    assert vocab.decode(encode_stream(UNICODE, vocab)) == UNICODE
    with pytest.raises(EmbedError, match="'Z'.*U\\+005A"):
        vocab.encode("Zebra 🙂", what="prime text")


def test_read_text_from_a_fifo_once_and_from_one_with_no_writer(tmp_path, fifo, monkeypatch):
    from embed.lm.data import read_text

    assert read_text(fifo(tmp_path / "text.txt", data=UNICODE)) == UNICODE
    monkeypatch.setenv("EMBED_FIFO_WAIT", "0.2")
    silent = fifo(tmp_path / "silent.txt")
    with pytest.raises(EmbedError, match=f"^text file {silent} is a FIFO with no writer"):
        read_text(silent)
