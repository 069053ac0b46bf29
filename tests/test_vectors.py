"""KeyedVectors: queries on hand-made vectors, file formats against gensim, evaluation against gensim."""
import os

import numpy as np
import pytest
from gensim.models import KeyedVectors as GensimKV
from gensim.test.utils import datapath

from embed.errors import EmbedError
from embed.vectors import formats
from embed.vectors.keyedvectors import KeyedVectors
from embed.vectors.query import parse_expression


# --------------------------------------------------------------------------- hand-made vectors

def royal_vectors():
    """Axes: 0 male, 1 female, 2 royal, 3 fruit, 4 capital-of, 5..7 country identity.

    king - man + woman = queen exactly; paris - france + italy = rome exactly.
    """
    e = np.eye(8, dtype=np.float32)
    vecs = {
        "man": e[0], "woman": e[1], "king": e[0] + e[2], "queen": e[1] + e[2],
        "prince": e[0] + 0.8 * e[2] + 0.1 * e[3], "apple": e[3], "pear": e[3] + 0.1 * e[0],
        "banana": e[3] + 0.2 * e[1],
        "france": e[5], "italy": e[6], "spain": e[7],
        "paris": e[5] + e[4], "rome": e[6] + e[4], "madrid": e[7] + e[4],
    }
    return KeyedVectors(list(vecs), np.stack(list(vecs.values())))


def test_basics_and_str():
    kv = royal_vectors()
    assert str(kv) == "KeyedVectors<vector_size=8, 14 keys>"
    assert len(kv) == 14 and "king" in kv and "emperor" not in kv
    assert kv.vectors.dtype == np.float32 and kv.vectors.flags.c_contiguous
    np.testing.assert_array_equal(kv["queen"], kv.vectors[kv.key_to_index["queen"]])
    assert kv[["man", "woman"]].shape == (2, 8)
    normed = kv.get_normed_vectors()
    assert normed.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(normed, axis=1), 1.0, rtol=1e-6)
    assert kv.get_normed_vectors() is normed  # cached


def test_most_similar_3cosadd_known_answers():
    kv = royal_vectors()
    ans = kv.most_similar(positive=["king", "woman"], negative=["man"], topn=3)
    assert ans[0][0] == "queen"
    n = kv.get_normed_vectors()
    q = n[kv.key_to_index["king"]] - n[kv.key_to_index["man"]] + n[kv.key_to_index["woman"]]
    assert ans[0][1] == pytest.approx(n[kv.key_to_index["queen"]] @ q / np.linalg.norm(q), abs=1e-6)
    assert {w for w, _ in ans}.isdisjoint({"king", "woman", "man"})  # inputs never answered
    assert kv.most_similar(positive=["paris", "italy"], negative=["france"], topn=1)[0][0] == "rome"
    scores = [s for _, s in kv.most_similar("apple", topn=5)]
    assert scores == sorted(scores, reverse=True)
    assert kv.most_similar("apple", topn=2)[0][0] in {"pear", "banana"}
    # a single string is one positive word; a vector works too
    assert kv.most_similar("king", topn=1) == kv.most_similar(["king"], topn=1)
    assert kv.most_similar([kv["queen"]], topn=1)[0][0] == "queen"
    # restrict_vocab: only the first N words are candidates
    assert all(kv.key_to_index[w] < 4 for w, _ in kv.most_similar("prince", topn=3, restrict_vocab=4))


def test_most_similar_matches_gensim_scores():
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(300)]
    vecs = rng.standard_normal((300, 16)).astype(np.float32)
    ours, theirs = KeyedVectors(words, vecs), GensimKV(16)
    theirs.add_vectors(words, vecs)
    for pos, neg in [(["w1", "w2"], ["w3"]), (["w10"], []), (["w5", "w6", "w7"], ["w8", "w9"])]:
        a = ours.most_similar(pos, neg, topn=10)
        b = theirs.most_similar(pos, neg, topn=10)
        assert [w for w, _ in a] == [w for w, _ in b]
        np.testing.assert_allclose([s for _, s in a], [s for _, s in b], rtol=1e-5, atol=1e-6)
        a = ours.most_similar_cosmul(pos, neg, topn=10)
        b = theirs.most_similar_cosmul(pos, neg, topn=10)
        assert [w for w, _ in a] == [w for w, _ in b]
        np.testing.assert_allclose([s for _, s in a], [s for _, s in b], rtol=1e-5, atol=1e-6)
    assert ours.similarity("w1", "w2") == pytest.approx(theirs.similarity("w1", "w2"), abs=1e-6)
    group = ["w1", "w2", "w3", "w4", "w5"]
    assert ours.doesnt_match(group) == theirs.doesnt_match(group)


def test_3cosmul_known_answer_and_method_switch():
    kv = royal_vectors()
    assert kv.most_similar_cosmul(["king", "woman"], ["man"], topn=1)[0][0] == "queen"
    assert kv.most_similar(["king", "woman"], ["man"], topn=2, method="mul") == \
        kv.most_similar_cosmul(["king", "woman"], ["man"], topn=2)
    # 3CosMul score of x = prod (1+cos(x,p))/2 / (prod (1+cos(x,n))/2 + 1e-6)
    n = kv.get_normed_vectors()
    cos = n @ n[[kv.key_to_index[w] for w in ("king", "woman", "man")]].T  # (14, 3)
    expected = (1 + cos[:, 0]) / 2 * (1 + cos[:, 1]) / 2 / ((1 + cos[:, 2]) / 2 + 1e-6)
    np.testing.assert_allclose(kv.most_similar(["king", "woman"], ["man"], topn=None, method="mul"),
                               expected, rtol=1e-5)
    with pytest.raises(EmbedError, match="3CosMul"):
        kv.most_similar("king", method="median")


def test_similarity_and_doesnt_match():
    kv = royal_vectors()
    assert kv.similarity("king", "queen") == pytest.approx(0.5, abs=1e-6)
    assert kv.similarity("man", "apple") == pytest.approx(0.0, abs=1e-6)
    assert kv.doesnt_match(["apple", "pear", "banana", "king"]) == "king"
    assert kv.doesnt_match(["paris", "rome", "madrid", "pear"]) == "pear"


def test_expression_parser():
    assert parse_expression("france - paris + rome") == (["france", "rome"], ["paris"])
    assert parse_expression("king - man + woman") == (["king", "woman"], ["man"])
    assert parse_expression("  paris ") == (["paris"], [])
    assert parse_expression("king -man +woman") == (["king", "woman"], ["man"])
    assert parse_expression("new-york - usa + france") == (["new-york", "france"], ["usa"])
    assert parse_expression("-man + woman") == (["woman"], ["man"])
    for bad, why in [("", "empty"), ("france -", "ends with an operator"),
                     ("france - - paris", "two operators"), ("france paris", "expected '\\+' or '-'"),
                     ("- man", "at least one word"), ("a + ++ b", "unexpected")]:
        with pytest.raises(EmbedError, match=why):
            parse_expression(bad)


def test_query_expression_answers():
    kv = royal_vectors()
    assert kv.query("king - man + woman", topn=1)[0][0] == "queen"
    assert kv.query("paris - france + italy", topn=1, method="mul")[0][0] == "rome"
    assert [w for w, _ in kv.query("apple", topn=2)] == [w for w, _ in kv.most_similar("apple", topn=2)]


def test_unknown_words_are_named_with_suggestions():
    kv = royal_vectors()
    with pytest.raises(EmbedError) as e:
        kv.query("kingg - man + womann + zzzzzz")
    msg = str(e.value)
    assert "\n" not in msg
    assert "'kingg' (did you mean 'king'?)" in msg
    assert "'womann' (did you mean 'woman'?)" in msg
    assert "'zzzzzz'" in msg and "did you mean 'zzzzzz" not in msg
    with pytest.raises(EmbedError, match="did you mean 'paris'"):
        kv.similarity("Paris", "rome")  # case variant suggested
    with pytest.raises(EmbedError, match="'nope'"):
        kv["nope"]


# --------------------------------------------------------------------------- formats

def small_kv(n=50, d=7, seed=0):
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(n - 3)] + ["café", "naïve", "日本"]
    return KeyedVectors(words, rng.standard_normal((n, d)).astype(np.float32))


@pytest.mark.parametrize("name,binary", [("v.txt", False), ("v.vec", False), ("v.bin", True),
                                         ("v.bin.gz", True), ("v.txt.gz", False)])
def test_word2vec_format_roundtrip_with_gensim(tmp_path, name, binary):
    kv = small_kv()
    path = tmp_path / name
    kv.save_word2vec_format(path)  # format from the suffix
    assert formats.sniff(path) == ("binary" if binary else "text")
    g = GensimKV.load_word2vec_format(str(path), binary=binary)
    assert g.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(g.vectors, kv.vectors)  # float32 survives text exactly (%.9g)
    # and back: gensim writes (binary: no newline after vectors), we read (sniffing)
    gpath = tmp_path / ("g_" + name)
    g.save_word2vec_format(str(gpath), binary=binary)
    back = KeyedVectors.load(gpath)
    assert back.index_to_key == kv.index_to_key
    np.testing.assert_allclose(back.vectors, kv.vectors, rtol=1e-6)


def test_reads_c_tool_binary_with_and_without_newlines(tmp_path):
    kv = small_kv(n=20, d=5)
    for newline in (b"\n", b""):
        path = tmp_path / f"c{len(newline)}.bin"
        with open(path, "wb") as f:  # written by hand, as word2vec.c does
            f.write(b"20 5\n")
            for w, v in zip(kv.index_to_key, kv.vectors):
                f.write(w.encode() + b" " + v.astype("<f4").tobytes() + newline)
        back = KeyedVectors.load(path)
        assert back.index_to_key == kv.index_to_key
        np.testing.assert_array_equal(back.vectors, kv.vectors)


def test_reads_c_tool_text_with_trailing_spaces_and_crlf(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(b"2 3\r\nfoo 1 2 3 \r\nbar -1.5 0 2e-3 \r\n\r\n")
    kv = KeyedVectors.load(path)
    assert kv.index_to_key == ["foo", "bar"]
    np.testing.assert_array_equal(kv.vectors, np.array([[1, 2, 3], [-1.5, 0, 2e-3]], np.float32))


def test_non_utf8_words_are_kept_distinct(tmp_path):
    path = tmp_path / "latin1.bin"
    v = np.arange(6, dtype="<f4").reshape(2, 3)
    with open(path, "wb") as f:
        f.write(b"2 3\n" + "café".encode("latin-1") + b" " + v[0].tobytes() + b"\n"
                + b"cafe " + v[1].tobytes() + b"\n")
    kv = KeyedVectors.load(path)
    assert kv.index_to_key == ["caf\\xe9", "cafe"]
    assert kv.undecodable_words_ == 1
    np.testing.assert_array_equal(kv.vectors, v)


def test_glove_roundtrip_and_gensim_glove_file(tmp_path):
    kv = small_kv()
    path = tmp_path / "glove.txt"
    kv.save_glove(path)
    assert formats.sniff(path) == "glove"
    back = KeyedVectors.load(path)
    assert back.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(back.vectors, kv.vectors)
    g = GensimKV.load_word2vec_format(str(path), binary=False, no_header=True)
    np.testing.assert_array_equal(g.vectors, kv.vectors)
    shipped = KeyedVectors.load(datapath("test_glove.txt"))  # a real GloVe file, non-ASCII words
    ref = GensimKV.load_word2vec_format(datapath("test_glove.txt"), binary=False, no_header=True)
    assert shipped.index_to_key == ref.index_to_key
    np.testing.assert_allclose(shipped.vectors, ref.vectors)


def test_projector_export(tmp_path):
    kv = small_kv(n=10, d=4)
    vec_path, meta_path = kv.export_projector(tmp_path / "proj")
    rows = [line.split("\t") for line in open(vec_path, encoding="utf-8").read().splitlines()]
    assert len(rows) == 10 and all(len(r) == 4 for r in rows)
    np.testing.assert_allclose(np.array(rows, dtype=np.float32), kv.vectors, rtol=1e-5)
    assert open(meta_path, encoding="utf-8").read().splitlines() == kv.index_to_key


def test_save_is_atomic_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "v.txt"
    path.write_text("old content")
    kv = small_kv()

    def boom(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr(formats, "_write_text_rows", boom)
    with pytest.raises(KeyboardInterrupt):
        kv.save_word2vec_format(path)
    assert path.read_text() == "old content"
    assert os.listdir(tmp_path) == ["v.txt"]  # no temp file left behind


def _one_line_error(fn, *args, match):
    with pytest.raises(EmbedError, match=match) as e:
        fn(*args)
    assert "\n" not in str(e.value)


def test_truncated_and_corrupt_files(tmp_path):
    kv = small_kv(n=10, d=4)
    txt, bin_ = tmp_path / "v.txt", tmp_path / "v.bin"
    kv.save_word2vec_format(txt)
    kv.save_word2vec_format(bin_)
    lines = txt.read_text(encoding="utf-8").splitlines()

    short = tmp_path / "short.txt"
    short.write_text("\n".join(lines[:5]) + "\n", encoding="utf-8")
    _one_line_error(KeyedVectors.load, short, match="truncated after 4 of 10 vectors")
    cut = tmp_path / "cut.txt"
    bad = lines[:]
    bad[3] = " ".join(bad[3].split()[:3])
    cut.write_text("\n".join(bad) + "\n", encoding="utf-8")
    _one_line_error(KeyedVectors.load, cut, match="line 4: expected 4 values, got 2")
    junk = tmp_path / "junk.txt"
    bad = lines[:]
    bad[5] = bad[5].rsplit(" ", 1)[0] + " 1.2.3"
    junk.write_text("\n".join(bad) + "\n", encoding="utf-8")
    _one_line_error(KeyedVectors.load, junk, match="line 6: bad value '1.2.3'")
    header = tmp_path / "header.txt"
    header.write_text("ten four\n" + "\n".join(lines[1:]), encoding="utf-8")
    _one_line_error(KeyedVectors.load, header, match="line 6|line 1")  # GloVe sniffed; still one line

    data = bin_.read_bytes()
    tb = tmp_path / "trunc.bin"
    tb.write_bytes(data[: len(data) * 4 // 10])
    _one_line_error(KeyedVectors.load, tb, match=r"binary file truncated after \d of 10 vectors")
    hb = tmp_path / "hdr.bin"
    hb.write_bytes(b"10 x\n" + data[5:])
    _one_line_error(KeyedVectors.load, hb, match="header")
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    _one_line_error(KeyedVectors.load, empty, match="empty vector file")
    _one_line_error(KeyedVectors.load, tmp_path / "missing.bin", match="not found")
    notgz = tmp_path / "v.bin.gz"
    notgz.write_bytes(data)
    _one_line_error(KeyedVectors.load, notgz, match="cannot read")


def test_binary_without_nul_bytes_is_sniffed_under_a_text_suffix(tmp_path):
    # float32 1.1 / -1.1 have no zero byte, so only the UTF-8 check can tell these bytes from text
    vectors = np.where(np.arange(12).reshape(3, 4) % 2, 1.1, -1.1).astype(np.float32)
    kv = KeyedVectors(["alpha", "beta", "gamma"], vectors)
    path = tmp_path / "v.bin"
    kv.save_word2vec_format(path)
    assert b"\x00" not in path.read_bytes()
    renamed = tmp_path / "v.vec"
    path.rename(renamed)
    assert formats.sniff(str(renamed)) == "binary"
    back = KeyedVectors.load(renamed)
    assert back.index_to_key == ["alpha", "beta", "gamma"]
    np.testing.assert_array_equal(back.vectors, vectors)


def test_latin1_word_on_the_first_line_is_still_text(tmp_path):
    path = tmp_path / "old.txt"
    path.write_bytes(b"2 3\ncaf\xe9 1 2 3\nbar 4 5 6\n")
    assert formats.sniff(str(path)) == "text"
    kv = KeyedVectors.load(path)
    assert kv.index_to_key == ["caf\\xe9", "bar"]
    np.testing.assert_array_equal(kv["bar"], [4, 5, 6])


def test_binary_header_promising_more_than_the_file_holds(tmp_path):
    path = tmp_path / "big.bin"
    path.write_bytes(b"99999999999 999999\nab")   # must not try to allocate 355 PiB
    _one_line_error(KeyedVectors.load, path, match="truncated after 0 of 99999999999 vectors")


def test_format_from_suffix():
    assert formats.format_from_suffix("a/b.BIN") == "binary"
    assert formats.format_from_suffix("x.vec") == "text"
    with pytest.raises(EmbedError, match=r"\.bin"):
        formats.format_from_suffix("vectors.model")


# --------------------------------------------------------------------------- evaluation vs gensim

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


def test_evaluation_bad_files(tmp_path):
    kv = royal_vectors()
    bad = tmp_path / "q.txt"
    bad.write_text("king man queen woman\n")
    _one_line_error(kv.evaluate_analogies, bad, match="before any ': section' header")
    empty = tmp_path / "e.txt"
    empty.write_text("")
    _one_line_error(kv.evaluate_analogies, empty, match="no analogy questions")
    _one_line_error(kv.evaluate_word_pairs, empty, match="no word pairs")
    _one_line_error(kv.evaluate_analogies, tmp_path / "none.txt", match="not found")
    ok = tmp_path / "ok.txt"
    ok.write_text(": royals\nman king woman queen\nMAN KING WOMAN QUEEN\nfrance paris italy rome\n"
                  "man king woman empress\n")
    r = kv.evaluate_analogies(ok)
    assert r["sections"]["royals"]["correct"] == 3 and r["total"] == 3 and r["oov"] == 0.25
