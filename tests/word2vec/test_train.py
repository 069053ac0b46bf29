"""train_on_file: one call from a text file to a fitted Word2Vec and its encoded corpus."""
import numpy as np
import pytest

from embed.errors import EmbedError
from embed.word2vec.train import train_on_file


def test_a_seeded_single_worker_run_is_repeatable(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("the cat sat on the mat\nthe dog sat on the log\n" * 40, encoding="utf-8")
    runs = [train_on_file(str(path), vector_size=8, epochs=2, min_count=2, workers=1, seed=3) for _ in range(2)]
    (m1, c1), (m2, _) = runs
    assert c1.raw_words == 480 and m1.wv.vector_size == 8
    assert set(m1.wv.index_to_key) == {"the", "cat", "sat", "on", "mat", "dog", "log"}
    np.testing.assert_array_equal(m1.wv.vectors, m2.wv.vectors)


def test_a_missing_corpus_is_one_line(tmp_path):
    with pytest.raises(EmbedError, match="not found"):
        train_on_file(str(tmp_path / "none.txt"))
