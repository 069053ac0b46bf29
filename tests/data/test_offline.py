"""embed.data.offline: the default corpus without the network, and the sample built from gensim's wheel."""
import os

import pytest

from embed import data as ds
from embed.data import offline


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBED_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("EMBED_DATA", raising=False)


def test_default_corpus_order(tmp_path, monkeypatch):
    built = []
    monkeypatch.setattr(offline, "build_wiki_sample", lambda force=False: built.append(1) or "BUILT")
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
