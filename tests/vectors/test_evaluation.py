"""Evaluation: analogy accuracy and word-pair correlations equal gensim's; bad files and scores name their line."""
import numpy as np
import pytest
from gensim.models import KeyedVectors as GensimKV
from gensim.test.utils import datapath

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


def _question_pairs(path):
    """(section, a, b) pairs: the relation of each question's first half."""
    section, out = None, []
    for line in open(path, encoding="utf-8"):
        if line.startswith(": "):
            section = line[2:].strip()
        elif len(line.split()) == 4:
            a, b, c, d = line.split()
            out += [(section, a, b), (section, c, d)]
    return out


def planted_vectors(seed=0, d=40, distractors=1500):
    """Vectors where many analogies hold approximately: b = a + offset(section) + noise.

    Words are assigned in file order, so a word in several relations keeps its
    first vector: some questions come out right, many wrong, which is what a
    fair comparison with gensim needs.  Lower-case duplicates of capitalised
    words test case folding (gensim keeps the most frequent spelling).
    """
    rng = np.random.default_rng(seed)
    offsets, vec = {}, {}
    for section, a, b in _question_pairs(datapath("questions-words.txt")):
        off = offsets.setdefault(section, rng.standard_normal(d))
        if a not in vec:
            vec[a] = rng.standard_normal(d)
        if b not in vec:
            vec[b] = vec[a] + off + 0.9 * rng.standard_normal(d)
    words = list(vec)
    rng.shuffle(words)
    words = words[: int(len(words) * 0.93)]  # some OOV questions
    words += [w.lower() for w in words[:150] if w.lower() not in vec]
    words += [f"x{i}" for i in range(distractors)]
    vectors = np.stack([vec.get(w, None) if w in vec else rng.standard_normal(d) for w in words])
    return words, vectors.astype(np.float32)


@pytest.fixture(scope="module")
def planted():
    words, vectors = planted_vectors()
    g = GensimKV(vectors.shape[1])
    g.add_vectors(words, vectors)
    return KeyedVectors(words, vectors), g


@pytest.fixture(scope="module")
def small_questions(tmp_path_factory):
    """Every 8th question of each section of the shipped file (keeps gensim's loop quick)."""
    path = tmp_path_factory.mktemp("q") / "questions.txt"
    out, k = [], 0
    for line in open(datapath("questions-words.txt"), encoding="utf-8"):
        if line.startswith(":"):
            out.append(line)
        else:
            k += 1
            if k % 8 == 0:
                out.append(line)
    path.write_text("".join(out), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("restrict", [300000, 900])
def test_analogy_accuracy_equals_gensim(planted, small_questions, restrict):
    ours, theirs = planted
    r = ours.evaluate_analogies(small_questions, restrict_vocab=restrict)
    score, sections = theirs.evaluate_word_analogies(small_questions, restrict_vocab=restrict)
    assert 0.05 < r["accuracy"] < 0.95  # a meaningful comparison, not all-right or all-wrong
    assert r["accuracy"] == pytest.approx(score, abs=1e-12)
    assert r["oov"] > 0
    for s in sections[:-1]:  # the last one is gensim's 'Total accuracy'
        mine = r["sections"][s["section"]]
        assert mine["correct"] == len(s["correct"])
        assert mine["total"] == len(s["correct"]) + len(s["incorrect"])
    total = sections[-1]
    assert r["total"] == len(total["correct"]) + len(total["incorrect"])
    # OOV share: the questions gensim skipped
    assert r["oov"] == pytest.approx((r["questions"] - r["total"]) / r["questions"])


def test_analogy_cosmul_matches_per_question_queries(planted, small_questions):
    ours, _ = planted
    r = ours.evaluate_analogies(small_questions, case_insensitive=False)
    correct = total = 0
    for line in open(small_questions, encoding="utf-8"):
        q = line.split()
        if line.startswith(":") or not all(w in ours for w in q):
            continue
        total += 1
        best = ours.most_similar_cosmul([q[1], q[2]], [q[0]], topn=1)[0][0]
        correct += best == q[3]
    assert r["total"] == total
    assert r["cosmul_correct"] == correct
    assert r["cosmul_accuracy"] == pytest.approx(correct / total)
    assert 0.05 < r["cosmul_accuracy"] < 0.95


def test_full_analogy_file_shape(planted):
    ours, _ = planted
    r = ours.evaluate_analogies(datapath("questions-words.txt"))
    assert r["questions"] == 19544 and len(r["sections"]) == 14
    assert sum(s["total"] for s in r["sections"].values()) == r["total"]
    assert set(r["sections"]["family"]) >= {"accuracy", "cosmul_accuracy", "correct", "total"}


@pytest.mark.parametrize("name", ["wordsim353.tsv", "simlex999.txt"])
def test_word_pairs_equal_gensim(planted, name):
    ours, theirs = planted
    # most pair words known (85%), plus the planted vocabulary
    rng = np.random.default_rng(1)
    pair_words = []
    for line in open(datapath(name), encoding="utf-8"):
        if not line.startswith("#"):
            pair_words += line.split("\t")[:2]
    pair_words = list(dict.fromkeys(pair_words))
    words = list(dict.fromkeys(ours.index_to_key[:300] + pair_words[: int(0.85 * len(pair_words))]))
    vectors = rng.standard_normal((len(words), 30)).astype(np.float32)
    kv, g = KeyedVectors(words, vectors), GensimKV(30)
    g.add_vectors(words, vectors)
    r = kv.evaluate_word_pairs(datapath(name))
    pearson, spearman, oov = g.evaluate_word_pairs(datapath(name))
    assert r["spearman"] == pytest.approx(spearman.statistic, abs=1e-9)
    assert r["pearson"] == pytest.approx(pearson.statistic, abs=1e-6)
    assert r["oov"] == pytest.approx(oov / 100)
    assert 0 < r["oov"] < 1 and r["pairs"] > 50


def test_evaluation_bad_files(tmp_path, royal, one_line_error):
    kv = royal
    bad = tmp_path / "q.txt"
    bad.write_text("king man queen woman\n")
    one_line_error(kv.evaluate_analogies, bad, match="before any ': section' header")
    empty = tmp_path / "e.txt"
    empty.write_text("")
    one_line_error(kv.evaluate_analogies, empty, match="no analogy questions")
    one_line_error(kv.evaluate_word_pairs, empty, match="no word pairs")
    one_line_error(kv.evaluate_analogies, tmp_path / "none.txt", match="not found")
    ok = tmp_path / "ok.txt"
    ok.write_text(": royals\nman king woman queen\nMAN KING WOMAN QUEEN\nfrance paris italy rome\n"
                  "man king woman empress\n")
    r = kv.evaluate_analogies(ok)
    assert r["sections"]["royals"]["correct"] == 3 and r["total"] == 3 and r["oov"] == 0.25
