"""`embed analogy | similar | evaluate` on vectors trained through the CLI, and bad queries and files."""
import json

import pytest
from gensim.test.utils import datapath


def test_similar_finds_topic_neighbours(trained, run, topics):
    code, out, _ = run("similar", trained[0], "apple", "ship", "--topn", "3", "--json")
    assert code == 0
    result = json.loads(out)
    assert [w for w, _ in result["apple"]][0] in topics["fruit"]
    assert [w for w, _ in result["ship"]][0] in topics["sea"]
    code, out, _ = run("similar", trained[0], "king")
    assert code == 0 and "nearest to 'king'" in out and len(out.strip().splitlines()) == 11


def test_analogy_cli(trained, run):
    code, out, _ = run("analogy", trained[0], "france - paris + rome", "--topn", "4")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].startswith("france - paris + rome") and len(lines) == 5
    answers = [line.split()[1] for line in lines[1:]]
    assert not {"france", "paris", "rome"} & set(answers)
    # unquoted words work too, and --cosmul
    code, out, _ = run("analogy", trained[1], "king", "-", "queen", "+", "apple", "--cosmul", "--json")
    assert code == 0
    result = json.loads(out)
    assert result["method"] == "3CosMul" and len(result["answers"]) == 5


def test_evaluate_cli_json_shape(trained, tmp_path, run):
    questions = tmp_path / "q.txt"
    questions.write_text(": capitals\nfrance paris italy rome\ngermany berlin spain madrid\n"
                         "france paris atlantis nowhere\n: fruit\napple pear banana cherry\n")
    code, out, _ = run("evaluate", trained[0], "--analogies", questions,
                       "--pairs", datapath("wordsim353.tsv"), datapath("simlex999.txt"), "--json")
    assert code == 0
    result = json.loads(out)
    a = result["analogies"]
    assert set(a) >= {"accuracy", "cosmul_accuracy", "oov", "sections"}
    assert a["oov"] == pytest.approx(0.25)
    assert set(a["sections"]) == {"capitals", "fruit"}
    assert a["sections"]["capitals"]["total"] == 2
    assert set(a["sections"]["fruit"]) >= {"accuracy", "cosmul_accuracy", "correct", "total"}
    assert set(result["pairs"]) == {"wordsim353.tsv", "simlex999.txt"}
    for r in result["pairs"].values():
        assert set(r) >= {"spearman", "pearson", "oov"}
        assert 0 < r["oov"] <= 1
    # human-readable output, default evaluation sets (gensim's copies)
    code, out, _ = run("evaluate", trained[0])
    assert code == 0
    assert "analogies:" in out and "wordsim353.tsv: Spearman" in out and "simlex999.txt" in out


def test_bad_queries(trained, tmp_path, fails):
    v = trained[0]
    line = fails("analogy", v, "frnace - paris + rome", match="'frnace'")
    assert "did you mean 'france'" in line
    line = fails("similar", v, "kingg", "xyzzy", match="'kingg'")
    assert "'xyzzy'" in line
    fails("analogy", v, "france - - paris", match="two operators")
    fails("analogy", v, "france +", match="ends with an operator")
    fails("analogy", v, "king", "--topn", "0", match="argument --topn: must be at least 1, got 0")
    fails("similar", tmp_path / "none.bin", "king", match="not found")
    fails("evaluate", v, "--analogies", tmp_path / "none.txt", match="not found")


def test_truncated_and_corrupt_vector_files(trained, tmp_path, fails):
    data = open(trained[0], "rb").read()
    cut = tmp_path / "cut.bin"
    cut.write_bytes(data[: len(data) // 2])
    fails("similar", cut, "king", match="truncated after")
    text = open(trained[1], encoding="utf-8").read().splitlines()
    text[7] = " ".join(text[7].split()[:5])
    bad = tmp_path / "bad.txt"
    bad.write_text("\n".join(text) + "\n", encoding="utf-8")
    fails("analogy", bad, "king - man", match="line 8: expected 16 values, got 4")
    junk = tmp_path / "junk.vec"
    junk.write_bytes(b"\x00\x01\x02 garbage")
    fails("evaluate", junk, match="junk.vec")
