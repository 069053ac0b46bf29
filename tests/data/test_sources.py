"""embed.data.sources: the one resolver (EMBED_DATA, cache, gensim test data) and its errors."""
import hashlib
import os

import pytest

from embed import data as ds
from embed.data import offline, sources
from embed.errors import EmbedError


pytestmark = pytest.mark.usefixtures("private_cache")  # tests/conftest.py


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
    monkeypatch.setattr(sources, "gensim_test_data", lambda: None)
    monkeypatch.setattr(offline, "gensim_test_data", lambda: None)
    with pytest.raises(EmbedError, match="install gensim"):
        ds.eval_file("simlex999")
    with pytest.raises(EmbedError, match="install gensim"):
        ds.default_corpus()


def test_known_checksums_match_gensims_copies():
    root = ds.gensim_test_data()
    for name in ds.EVAL_SETS:
        d = ds.DATASETS[name]
        with open(os.path.join(root, d.filename), "rb") as f:
            assert _sha(f.read()) == d.sha256, name


def test_resolve_file_accepts_data_set_names_file_names_and_paths(tmp_path, monkeypatch):
    for name in ("questions-words", "wordsim353", "simlex999"):
        assert ds.resolve_file(name) == ds.eval_file(name)
    assert ds.resolve_file("questions-words.txt") == ds.eval_file("questions-words")
    f = tmp_path / "mine.txt"
    f.write_text("x")
    assert ds.resolve_file(str(f)) == str(f)
    with pytest.raises(EmbedError, match="^corpus is a folder, not a file"):
        ds.resolve_file(str(tmp_path), "corpus")
    with pytest.raises(EmbedError, match=r"^text file not found: nope.txt$"):
        ds.resolve_file("nope.txt", "text file")


def test_a_missing_data_set_says_how_to_get_it(monkeypatch):
    with pytest.raises(EmbedError) as e:
        ds.resolve_file("tinyshakespeare", "text file")
    assert str(e.value) == ("text file not found: tinyshakespeare (set EMBED_DATA to a folder holding "
                            "tinyshakespeare.txt, or run `embed corpora fetch tinyshakespeare`)")
    # `$EMBED_DATA/tinyshakespeare.txt` with EMBED_DATA unset in the shell
    with pytest.raises(EmbedError, match=r"^text file not found: /tinyshakespeare.txt \(set EMBED_DATA"):
        ds.resolve_file("/tinyshakespeare.txt", "text file")


def test_an_empty_embed_data_is_named_in_the_error(monkeypatch):
    monkeypatch.setenv("EMBED_DATA", "")
    assert ds.data_dirs() == []
    with pytest.raises(EmbedError, match=r"\(EMBED_DATA is set but empty: set it to a folder holding "
                                         r"text8, or run `embed corpora fetch text8`\)$"):
        ds.resolve_file("text8", "corpus")
    monkeypatch.setattr(sources, "gensim_test_data", lambda: None)
    with pytest.raises(EmbedError, match=r"^evaluation set not found: simlex999 \(EMBED_DATA is set "
                                         r"but empty: .*install gensim"):
        ds.eval_file("simlex999")


def test_the_cache_dir_comes_from_settings_not_the_environment(tmp_path, monkeypatch):
    from embed import settings
    import dataclasses

    monkeypatch.setattr(settings, "_current", dataclasses.replace(
        settings.get(), cache_dir=str(tmp_path / "elsewhere"), data_dirs=(str(tmp_path / "d"),)))
    assert ds.cache_dir() == str(tmp_path / "elsewhere")
    assert ds.data_dirs() == [str(tmp_path / "d")]
