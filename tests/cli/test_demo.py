"""`embed demo` on a small corpus: answers, neighbours, honesty note and plots."""


def test_demo_on_small_corpus(corpus, tmp_path, run, fails):
    out = tmp_path / "demo"
    code, stdout, err = run("demo", "--corpus", corpus, "--epochs", "2", "--out", out, "--dim", "16")
    assert code == 0, err
    assert "12k words" in stdout and "2 epochs, 1 thread ..." in stdout   # a small corpus: one thread
    assert f"corpus: {corpus} (given with --corpus)" in stdout
    assert "nearest neighbours:" in stdout
    assert "france - paris + rome = " in stdout
    assert stdout.count(" = ") >= 2  # at least one more analogy answered
    assert "embed corpora fetch text8" in stdout  # small-corpus honesty note
    from embed.vectors.keyedvectors import KeyedVectors
    kv = KeyedVectors.load(out / "vectors.bin")
    assert kv.vector_size == 16 and "france" in kv and "paris" in kv
    for name in ("clusters.png", "analogies.png"):
        assert (out / name).stat().st_size > 1000
        assert str(out / name) in stdout
    fails("demo", "--corpus", tmp_path / "none.txt", "--out", out, match="not found")
    fails("demo", "--epochs", "0", match="argument --epochs: must be at least 1, got 0")


def test_demo_without_the_network_says_so_in_one_line(corpus, tmp_path, run, monkeypatch):
    from embed.data import download, offline

    monkeypatch.setenv("EMBED_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("EMBED_DATA", raising=False)
    monkeypatch.setattr(offline, "build_offline_corpus", lambda force=False: corpus)  # small and quick

    def unreachable(request, timeout=None):
        import urllib.error
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(download, "urlopen", unreachable)
    code, stdout, err = run("demo", "--epochs", "1", "--out", tmp_path / "demo", "--dim", "16", "--workers", "1")
    assert code == 0, err
    first, second = stdout.splitlines()[:2]
    assert first.startswith("text8 not downloaded (cannot download text8 from http://mattmahoney.net/")
    assert first.endswith("training on the offline corpus instead") and "Name or service not known" in first
    assert second.startswith("corpus: offline: ")
    code, stdout, err = run("demo", "--offline", "--epochs", "1", "--out", tmp_path / "demo", "--dim", "16",
                            "--workers", "1")
    assert code == 0 and stdout.startswith("text8 not here and downloads are off")
