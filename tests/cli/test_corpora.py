"""`embed corpora ...` through the real dispatcher: output and one-line errors (exit 2)."""
import io
import urllib.error
import zipfile

import pytest

from embed import data as ds
from embed.data import download
from embed.cli import main


pytestmark = pytest.mark.usefixtures("private_cache")  # tests/conftest.py


def test_list_shows_every_data_set_with_location_and_url(tmp_path, monkeypatch, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (data / "tinyshakespeare.txt").write_text("to be\n")
    monkeypatch.setenv("EMBED_DATA", str(data))
    assert main(["corpora", "list"]) == 0
    out = capsys.readouterr().out
    for name, d in ds.DATASETS.items():
        assert name in out
        if d.url:
            assert d.url in out
    assert str(data / "tinyshakespeare.txt") in out
    assert "text8" in out and "not present" in out


def test_path_prints_the_file_or_fails_with_exit_2(tmp_path, monkeypatch, capsys):
    assert main(["corpora", "path", "questions-words"]) == 0
    assert capsys.readouterr().out.strip().endswith("questions-words.txt")
    assert main(["corpora", "path", "text8"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "embed corpora fetch text8" in err
    assert main(["corpora", "path", "bogus"]) == 2
    err = capsys.readouterr().err
    assert "unknown data set 'bogus'" in err and "tinyshakespeare" in err


def test_fetch_offline_and_bad_name(monkeypatch, capsys):
    def offline(url, timeout=None):
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr(download, "urlopen", offline)
    assert main(["corpora", "fetch", "wordsim353"]) == 2
    assert "cannot download wordsim353" in capsys.readouterr().err
    assert main(["corpora", "fetch", "imagenet"]) == 2
    assert "choose from" in capsys.readouterr().err


def test_fetch_with_a_mirror_url(tmp_path, monkeypatch, capsys):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("text8", b" a b c")
    mirror = tmp_path / "text8.zip"
    mirror.write_bytes(buf.getvalue())
    # the real checksum protects against a wrong mirror
    assert main(["corpora", "fetch", "text8", "--url", mirror.as_uri()]) == 2
    assert "checksum mismatch" in capsys.readouterr().err


def test_stats_on_a_small_file(tmp_path, capsys):
    f = tmp_path / "c.txt"
    f.write_bytes(b"the cat sat\nthe dog \xff sat\n")
    assert main(["corpora", "stats", str(f), "--min-count", "2"]) == 0
    out = capsys.readouterr().out
    assert "tokens: 6 read, 4 in vocabulary" in out
    assert "vocabulary: 2 words" in out
    assert "1 byte not valid UTF-8 replaced" in out
    assert main(["corpora", "stats", str(tmp_path / "missing.txt")]) == 2
    assert "not found" in capsys.readouterr().err


def test_stats_runs_the_compiled_pass_and_prints_what_the_python_pass_prints(tmp_path, capsys, monkeypatch,
                                                                           compiled_passes):
    from embed.word2vec import native

    f = tmp_path / "c.txt"
    f.write_bytes(b"The cat sat\nthe dog \xff sat on the mat\n\ncaf\xc3\xa9 CAF\xc3\xa9 don't the end\n" * 20)
    printed = []
    for load in (native.load, lambda: None):            # the kernels, then none (the Python pass)
        monkeypatch.setattr(native, "load", load)
        assert main(["corpora", "stats", str(f), "--min-count", "2"]) == 0
        printed.append([ln for ln in capsys.readouterr().out.splitlines() if not ln.startswith("time:")])
    assert compiled_passes == [True]                   # the first run took the compiled pass
    assert printed[0] == printed[1]
    out = "\n".join(printed[0])
    assert "most frequent: the 80, sat 40, caf\u00e9 40, cat 20" in out and "don't 20" in out
    assert "20 bytes not valid UTF-8 replaced" in out
