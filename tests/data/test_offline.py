"""embed.data.offline: the default corpus without the network, and the sample built from gensim's wheel."""
import os

import pytest

from embed import data as ds
from embed.data import catalog, offline


pytestmark = pytest.mark.usefixtures("private_cache")  # tests/conftest.py


def test_default_corpus_order(tmp_path, monkeypatch):
    built = []
    monkeypatch.setattr(offline, "build_offline_corpus", lambda force=False: built.append(1) or "BUILT")
    assert ds.default_corpus() == ("BUILT", ds.DATASETS["offline"].description)
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("EMBED_DATA", str(data))
    (data / "offline_corpus_v2.txt").write_text("x")
    assert ds.default_corpus()[0] == str(data / "offline_corpus_v2.txt")
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "text8").write_text("x")
    path, description = ds.default_corpus()
    assert path == str(tmp_path / "cache" / "text8") and description.startswith("text8")
    assert built == [1]


def test_offline_corpus_is_built_once_from_unstemmed_text(tmp_path):
    path, description = ds.default_corpus()
    assert path == str(tmp_path / "cache" / f"offline_corpus_v{catalog.OFFLINE_VERSION}.txt")
    assert "Wikipedia" in description and "unstemmed" in description
    with open(path, encoding="utf-8") as f:
        text = f.read()
    words = set(text.split())
    assert {"symphony", "casualties", "battle", "music", "france"} <= words
    assert not {"symphoni", "casualti", "battl"} & words  # no stems from head500.noblanks.cor
    assert "__label__pos" not in text and text == text.lower()
    assert 500_000 < len(text.split()) < 560_000
    mtime = os.path.getmtime(path)
    assert ds.default_corpus()[0] == path and os.path.getmtime(path) == mtime  # not rebuilt


def test_wiki_sample_recipe_is_unchanged(tmp_path):
    path = ds.build_wiki_sample()
    assert path == str(tmp_path / "cache" / "wiki_sample.txt")
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    assert lines[-1] == "" and len(lines) - 1 == 356  # 106 articles + 250 excerpt lines
    assert lines[0].startswith("anarchism is political philosophy")
    assert all(line == line.lower() for line in lines)
    assert 780_000 < sum(len(line.split()) for line in lines) < 800_000
