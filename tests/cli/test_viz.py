"""`embed plot` and `embed export` end to end on a tiny word2vec text file."""
import numpy as np
import pytest
from matplotlib.image import imread

from embed.cli import main


@pytest.fixture
def vectors_file(tmp_path):
    """40 words in 4 themes, 8 dimensions, word2vec text format: 'n dim' then 'word v1 ... vdim'."""
    rng = np.random.default_rng(0)
    themes = {
        "animal": ["cat", "dog", "horse", "cow", "sheep", "goat", "mouse", "bird", "fish", "frog"],
        "city": ["paris", "rome", "berlin", "madrid", "london", "vienna", "oslo", "lisbon", "prague", "dublin"],
        "colour": ["red", "green", "blue", "yellow", "black", "white", "purple", "orange", "pink", "brown"],
        "number": ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"],
    }
    lines = []
    for centre, words in zip(rng.normal(size=(4, 8)) * 3, themes.values()):
        for w in words:
            v = centre + 0.4 * rng.normal(size=8)
            lines.append(w + " " + " ".join(f"{x:.5f}" for x in v))
    path = tmp_path / "tiny.vec"
    path.write_text(f"{len(lines)} 8\n" + "\n".join(lines) + "\n")
    return path


def test_plot_top_words(vectors_file, tmp_path, capsys):
    out = tmp_path / "top.png"
    assert main(["plot", str(vectors_file), "--top", "30", "--clusters", "4", "--size", "900x700",
                 "--dpi", "100", "-o", str(out)]) == 0
    assert imread(out).shape[:2] == (700, 900)
    assert "wrote" in capsys.readouterr().out


def test_plot_around_with_tsne_and_unknown_seed(vectors_file, tmp_path, capsys):
    out = tmp_path / "around.svg"
    assert main(["plot", str(vectors_file), "--around", "cat,paris,zebra", "--per-seed", "6",
                 "--method", "tsne", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "'zebra'" in err
    text = out.read_text()
    assert "near 'cat'" in text and "near 'paris'" in text and "t-SNE (perplexity 4)" in text


def test_plot_around_with_kmeans_colours(vectors_file, tmp_path):
    out = tmp_path / "around_k.svg"
    assert main(["plot", str(vectors_file), "--around", "cat,red", "--clusters", "2", "-o", str(out)]) == 0
    text = out.read_text()
    assert "k-means k=2" in text and "near 'cat'" not in text


def test_plot_pairs_and_heatmap(vectors_file, tmp_path, capsys):
    arrows = tmp_path / "arrows.png"
    assert main(["plot", str(vectors_file), "--pairs", "cat:dog,paris:rome,red:blue", "--method", "tsne",
                 "-o", str(arrows)]) == 0
    assert imread(arrows).shape[:2] == (1350, 1800)
    assert "--method is ignored" in capsys.readouterr().err
    heat = tmp_path / "sim.png"
    assert main(["plot", str(vectors_file), "--heatmap", "--top", "40", "--order", "cluster", "-o", str(heat)]) == 0
    assert imread(heat)[..., :3].var() > 0.002


def test_export_projector(vectors_file, tmp_path):
    folder = tmp_path / "proj"
    assert main(["export", str(vectors_file), "--projector", str(folder), "--top", "12"]) == 0
    words = (folder / "metadata.tsv").read_text().splitlines()
    rows = [line.split("\t") for line in (folder / "vectors.tsv").read_text().splitlines()]
    assert words[:3] == ["cat", "dog", "horse"] and len(words) == 12
    assert len(rows) == 12 and all(len(r) == 8 for r in rows)


@pytest.mark.parametrize("argv_tail, message", [
    (["--top", "10", "-o", "{tmp}/missing/plot.png"], "does not exist"),
    (["--top", "10", "-o", "{tmp}/plot.gif"], ".png, .svg or .pdf"),
    (["--words", "cat,zebra,unicorn", "-o", "{tmp}/plot.png"], "at least 2"),
    (["--pairs", "zebra:unicorn", "-o", "{tmp}/plot.png"], "no pair"),
    (["--top", "10", "--size", "big", "-o", "{tmp}/plot.png"], "--size"),
    (["--top", "10", "--size", "20x20", "-o", "{tmp}/plot.png"], "out of range"),
    (["--top", "10", "--method", "tsne", "--perplexity", "-3", "-o", "{tmp}/plot.png"], "perplexity"),
    (["--top", "10", "--seed", "-1", "-o", "{tmp}/plot.png"], "seed"),
    (["--top", "1", "-o", "{tmp}/plot.png"], "at least 2"),
    (["--around", "cat", "--per-seed", "0", "-o", "{tmp}/plot.png"], "at least 1"),
    (["--top", "10", "--clusters", "-2", "-o", "{tmp}/plot.png"], "clusters"),
])
def test_bad_input_exits_2_with_one_line(vectors_file, tmp_path, capsys, argv_tail, message):
    argv = ["plot", str(vectors_file)] + [a.replace("{tmp}", str(tmp_path)) for a in argv_tail]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in err if ": error:" in line]  # notes about skipped words may come first
    assert len(errors) == 1 and err[-1] == errors[0], err
    assert errors[0].startswith(("embed: error:", "embed plot: error:")) and message in errors[0]
    assert "Traceback" not in "\n".join(err)
    assert not (tmp_path / "plot.png").exists()


def test_missing_vectors_file_exits_2(tmp_path, capsys):
    assert main(["plot", str(tmp_path / "none.vec"), "--top", "5", "-o", str(tmp_path / "p.png")]) == 2
    assert "not found" in capsys.readouterr().err
