"""Word-pair evaluation: a score that is not a number names its line."""
import numpy as np
import pytest

from embed.errors import EmbedError
from embed.vectors.evaluation import evaluate_word_pairs
from embed.vectors.keyedvectors import KeyedVectors


@pytest.mark.parametrize("bad", ["nan", "inf", "NaN"])
def test_a_non_finite_score_names_its_line(tmp_path, bad):
    kv = KeyedVectors(["a", "b", "c"], np.eye(3, dtype=np.float32))
    path = tmp_path / "pairs.txt"
    path.write_text(f"# comment\nword1\tword2\tscore\na\tb\t1.0\nb\tc\t{bad}\na\tc\t3\n")
    with pytest.raises(EmbedError, match=f"line 4: the score '{bad}' is not a finite number"):
        evaluate_word_pairs(kv, str(path))


def test_a_byte_order_mark_does_not_hide_the_first_line(tmp_path):
    kv = KeyedVectors(["a", "b", "c"], np.array([[1, 0], [1, 1], [0, 1]], np.float32))
    path = tmp_path / "pairs.txt"
    path.write_bytes("\ufeffa\tb\t2\nb\tc\t1\na\tc\t0\n".encode("utf-8"))
    assert evaluate_word_pairs(kv, str(path))["pairs"] == 3


def test_evaluation_sets_can_be_named_instead_of_given_as_paths(tmp_path, monkeypatch):
    from embed.vectors.evaluation import evaluate_analogies, evaluate_files

    monkeypatch.setenv("EMBED_DATA", str(tmp_path))
    (tmp_path / "questions-words.txt").write_text(": capitals\nparis france rome italy\n")
    (tmp_path / "wordsim353.tsv").write_text("paris\tfrance\t8.0\nrome\titaly\t7.0\nparis\titaly\t2.0\n")
    words = ["paris", "france", "rome", "italy"]
    kv = KeyedVectors(words, np.array([[1, 0, 0], [1, 0, 1], [0, 1, 0], [0, 1, 1]], np.float32))
    assert evaluate_analogies(kv, "questions-words")["correct"] == 1  # italy = rome + france - paris
    result = evaluate_files(kv, analogies="questions-words", pairs=["wordsim353"])
    assert result["analogies"]["correct"] == 1 and list(result["pairs"]) == ["wordsim353.tsv"]
    with pytest.raises(EmbedError, match=r"^evaluation file not found: simlex999 \(set EMBED_DATA .*"
                                         r"embed corpora fetch simlex999"):
        from embed.data import sources
        monkeypatch.setattr(sources, "gensim_test_data", lambda: None)
        evaluate_files(kv, pairs=["simlex999"])
