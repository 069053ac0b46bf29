"""embed.datasets: locations, fetch with checksums (no network), the offline default corpus."""
import dataclasses
import hashlib
import io
import os
import urllib.error
import zipfile

import pytest

from embed import datasets as ds
from embed.errors import EmbedError


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBED_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("EMBED_DATA", raising=False)


def _sha(data):
    return hashlib.sha256(data).hexdigest()


def test_cache_dir_from_environment_or_home(tmp_path, monkeypatch):
    assert ds.cache_dir() == str(tmp_path / "cache")
    monkeypatch.delenv("EMBED_CACHE")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert ds.cache_dir() == str(tmp_path / "home" / ".cache" / "embed")


def test_find_prefers_embed_data_then_cache_then_gensim(tmp_path, monkeypatch):
    data1, data2 = tmp_path / "d1", tmp_path / "d2"
    data1.mkdir(), data2.mkdir()
    monkeypatch.setenv("EMBED_DATA", os.pathsep.join([str(data1), str(data2)]))
    gensim_copy = ds.find("wordsim353")
    assert gensim_copy is not None and gensim_copy.startswith(ds.gensim_test_data())
    (data2 / "wordsim353.tsv").write_text("w1\tw2\t1.0\n")
    assert ds.find("wordsim353") == str(data2 / "wordsim353.tsv")
    assert ds.find("wordsim353.tsv") == str(data2 / "wordsim353.tsv")  # file names work too
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "text8").write_text("a b c")
    assert ds.find("text8") == str(tmp_path / "cache" / "text8")
    (data1 / "text8").write_text("a b c")
    assert ds.find("text8") == str(data1 / "text8")
    assert ds.find("simlex999", where=("data", "cache")) is None


def test_find_explicit_paths_and_unknown_names(tmp_path, monkeypatch):
    f = tmp_path / "mine.txt"
    f.write_text("x")
    assert ds.find(str(f)) == str(f)
    assert ds.find(str(tmp_path / "nope.txt")) is None
    monkeypatch.chdir(tmp_path)
    assert ds.find("mine.txt") == str(f)  # relative to the current folder
    assert ds.find("no-such-data-set") is None
    assert ds.find("lee_background.cor").endswith("lee_background.cor")  # any gensim test file
    with pytest.raises(EmbedError, match="choose from: text8"):
        ds.dataset("text9")


def test_eval_file_and_a_missing_gensim(monkeypatch):
    assert ds.eval_file("questions-words").endswith("questions-words.txt")
    with pytest.raises(EmbedError, match="unknown evaluation set"):
        ds.eval_file("text8")
    monkeypatch.setattr(ds, "gensim_test_data", lambda: None)
    with pytest.raises(EmbedError, match="install gensim"):
        ds.eval_file("simlex999")
    with pytest.raises(EmbedError, match="install gensim"):
        ds.default_corpus()


def _fake_dataset(monkeypatch, name, **changes):
    monkeypatch.setitem(ds.DATASETS, name, dataclasses.replace(ds.DATASETS[name], **changes))


def test_fetch_from_a_file_url_checks_sha256(tmp_path, monkeypatch):
    payload = b"one two three\n" * 100
    src = tmp_path / "upstream.txt"
    src.write_bytes(payload)
    _fake_dataset(monkeypatch, "tinyshakespeare", url=src.as_uri(), sha256=_sha(payload),
                  size=len(payload))
    path = ds.fetch("tinyshakespeare")
    assert path == str(tmp_path / "cache" / "tinyshakespeare.txt")
    assert open(path, "rb").read() == payload
    assert ds.find("tinyshakespeare") == path
    src.write_bytes(b"changed")
    assert ds.fetch("tinyshakespeare") == path  # cached copy reused without downloading
    with pytest.raises(EmbedError, match="checksum mismatch"):
        ds.fetch("tinyshakespeare", force=True)
    assert open(path, "rb").read() == payload  # the good copy survives a bad download
    assert sorted(os.listdir(tmp_path / "cache")) == ["tinyshakespeare.txt"]  # no temp files


def test_fetch_checksum_mismatch_leaves_nothing(tmp_path, monkeypatch):
    src = tmp_path / "upstream.tsv"
    src.write_bytes(b"tampered")
    _fake_dataset(monkeypatch, "wordsim353", url=src.as_uri())
    with pytest.raises(EmbedError, match="checksum mismatch for wordsim353"):
        ds.fetch("wordsim353")
    assert os.listdir(tmp_path / "cache") == []


def test_fetch_unzips_a_member_through_a_fake_opener(tmp_path, monkeypatch):
    text = b" anarchism originated as a term of abuse" * 10
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("text8", text)
    archive = buf.getvalue()
    _fake_dataset(monkeypatch, "text8", sha256=_sha(archive), size=len(text))
    seen = []

    def opener(url, timeout=None):
        seen.append(url)
        return io.BytesIO(archive)

    monkeypatch.setattr(ds, "_urlopen", opener)
    path = ds.fetch("text8")
    assert seen == ["http://mattmahoney.net/dc/text8.zip"]
    assert open(path, "rb").read() == text
    assert sorted(os.listdir(tmp_path / "cache")) == ["text8"]
    assert ds.default_corpus()[0] == path  # text8 now wins


def test_fetch_offline_is_a_one_line_error(tmp_path, monkeypatch):
    def offline(url, timeout=None):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(ds, "_urlopen", offline)
    with pytest.raises(EmbedError, match="cannot download simlex999.*offline"):
        ds.fetch("simlex999")
    assert os.listdir(tmp_path / "cache") == []
    with pytest.raises(EmbedError, match="unknown data set"):
        ds.fetch("nope")


def test_known_checksums_match_gensims_copies():
    root = ds.gensim_test_data()
    for name in ds.EVAL_SETS:
        d = ds.DATASETS[name]
        with open(os.path.join(root, d.filename), "rb") as f:
            assert _sha(f.read()) == d.sha256, name


def test_default_corpus_order(tmp_path, monkeypatch):
    built = []
    monkeypatch.setattr(ds, "build_wiki_sample", lambda force=False: built.append(1) or "BUILT")
    assert ds.default_corpus() == ("BUILT", ds.DATASETS["wiki_sample"].description)
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("EMBED_DATA", str(data))
    (data / "wiki_sample.txt").write_text("x")
    assert ds.default_corpus()[0] == str(data / "wiki_sample.txt")
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "text8").write_text("x")
    path, description = ds.default_corpus()
    assert path == str(tmp_path / "cache" / "text8") and description.startswith("text8")
    assert built == [1]


def test_offline_sample_is_built_once_from_gensims_wheel(tmp_path):
    path, description = ds.default_corpus()
    assert path == str(tmp_path / "cache" / "wiki_sample.txt")
    assert "Wikipedia" in description
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    assert lines[-1] == "" and len(lines) - 1 == 356  # 106 articles + 250 excerpt lines
    assert lines[0].startswith("anarchism is political philosophy")
    assert all(line == line.lower() for line in lines)
    assert 780_000 < sum(len(line.split()) for line in lines) < 800_000
    mtime = os.path.getmtime(path)
    assert ds.default_corpus()[0] == path and os.path.getmtime(path) == mtime  # not rebuilt
