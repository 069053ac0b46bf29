"""Shared CLI fixtures: a topic corpus, vectors trained on it through `embed train`, and runners."""
import numpy as np
import pytest

from embed.cli import main

TOPICS = {
    "royal": "king queen prince princess throne crown palace royal reign monarch".split(),
    "fruit": "apple pear banana cherry grape lemon mango peach plum melon".split(),
    "sea": "ocean wave ship sail harbour boat fish tide shore anchor".split(),
    "city": "france paris italy rome germany berlin spain madrid japan tokyo".split(),
}


@pytest.fixture(scope="session")
def topics():
    """Four topics of ten words; the corpus draws each sentence from one topic."""
    return TOPICS


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Sentences of 8 words drawn from one topic: neighbours come from the same topic."""
    rng = np.random.default_rng(0)
    lines = []
    for _ in range(1500):
        words = TOPICS[list(TOPICS)[rng.integers(len(TOPICS))]]
        lines.append(" ".join(rng.choice(words, size=8)))
    path = tmp_path_factory.mktemp("corpus") / "topics.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def trained(corpus, tmp_path_factory):
    """A binary and a text model trained through the CLI (C-tool option names for one)."""
    folder = tmp_path_factory.mktemp("vectors")
    bin_path, txt_path = folder / "v.bin", folder / "v.txt"
    assert main(["train", corpus, "-o", str(bin_path), "--dim", "24", "--epochs", "4", "--workers", "1",
                 "--min-count", "2", "--seed", "3"]) == 0
    assert main(["train", corpus, "-output", str(txt_path), "-size", "16", "-iter", "2", "-threads", "1",
                 "-min-count", "2", "-cbow", "1", "-window", "3", "-negative", "3", "-sample", "0"]) == 0
    return bin_path, txt_path


@pytest.fixture
def run(capsys):
    """run(*argv) -> (exit code, stdout, stderr) of `embed argv`."""
    def run(*argv):
        code = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err
    return run


@pytest.fixture
def fails(run):
    """fails(*argv, match=TEXT): `embed argv` exits 2 with one line on stderr containing TEXT; returns it."""
    def fails(*argv, match):
        code, out, err = run(*argv)
        assert code == 2, (code, out, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert "Traceback" not in err
        assert match in lines[0], lines[0]
        return lines[0]
    return fails
