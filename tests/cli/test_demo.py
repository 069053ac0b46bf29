"""`embed demo` on a small corpus: answers, neighbours, honesty note and plots."""


def test_demo_on_small_corpus(corpus, tmp_path, run, fails):
    out = tmp_path / "demo"
    code, stdout, err = run("demo", "--corpus", corpus, "--epochs", "2", "--out", out, "--dim", "16",
                            "--workers", "1")
    assert code == 0, err
    assert f"corpus: {corpus} (given with --corpus)" in stdout
    assert "nearest neighbours:" in stdout
    assert "france - paris + rome = " in stdout
    assert stdout.count(" = ") >= 2  # at least one more analogy answered
    assert "embed corpora fetch text8" in stdout  # small-corpus honesty note
    assert (out / "vectors.bin").exists()
    for name in ("clusters.png", "analogies.png"):
        assert (out / name).stat().st_size > 1000
        assert str(out / name) in stdout
    fails("demo", "--corpus", tmp_path / "none.txt", "--out", out, match="not found")
    fails("demo", "--epochs", "0", match="argument --epochs: must be at least 1, got 0")
