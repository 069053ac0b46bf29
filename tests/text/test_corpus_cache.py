"""The corpus cache: the user's cache folder only, keyed by content, validated on load; streams read once."""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from embed.text import corpus as corpus_mod
from embed.text import corpus_cache
from embed.text.corpus import encode_corpus
from embed.text.shards import off_path


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBED_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "corpora"


def _corpus_file(folder, name="corpus.txt", extra=""):
    folder.mkdir(exist_ok=True)
    rng = np.random.default_rng(2)
    words = [f"w{i}" for i in range(30)]
    lines = [" ".join(rng.choice(words, size=12)) for _ in range(200)]
    path = folder / name
    path.write_text("\n".join(lines) + "\n" + extra)
    return str(path)


def _entries(cache):
    return sorted(e for e in os.listdir(cache) if not e.startswith(".")) if cache.exists() else []


def _refuse_tokenizing(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the corpus was tokenized on a cache hit")
    monkeypatch.setattr(corpus_mod, "_file_pieces", refuse)


def test_the_cache_lives_in_the_users_folder_and_a_hit_skips_tokenizing(tmp_path, cache, monkeypatch):
    path = _corpus_file(tmp_path / "data")
    first = encode_corpus(path, min_count=2, cache=True)
    assert not first.from_cache and first.cache_path.startswith(str(cache))
    assert os.listdir(tmp_path / "data") == ["corpus.txt"]  # nothing next to the corpus
    _refuse_tokenizing(monkeypatch)
    second = encode_corpus(path, min_count=2, cache=True)
    assert second.from_cache and second.cache_path == first.cache_path
    np.testing.assert_array_equal(second.tokens, first.tokens)
    np.testing.assert_array_equal(second.offsets, first.offsets)
    assert second.vocab.words == first.vocab.words and second.raw_words == first.raw_words


def test_the_key_is_the_content_not_the_name_size_or_time(tmp_path, cache, monkeypatch):
    path = _corpus_file(tmp_path / "data")
    a = encode_corpus(path, min_count=1, cache=True)
    copy = tmp_path / "elsewhere" / "corpus.txt"
    copy.parent.mkdir()
    shutil.copy(path, copy)
    os.utime(copy, (1, 1))  # another place and another mtime: same bytes, same cache
    with open(path, "r+") as f:  # same size and mtime, different bytes: a miss
        f.write("zz")
    st = os.stat(copy)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    changed = encode_corpus(path, min_count=1, cache=True)
    assert not changed.from_cache and any(w.startswith("zz") for w in changed.vocab.words)
    _refuse_tokenizing(monkeypatch)
    b = encode_corpus(str(copy), min_count=1, cache=True)
    assert b.from_cache and b.cache_path == a.cache_path


def test_other_settings_are_another_entry(tmp_path, cache):
    path = _corpus_file(tmp_path / "data")
    a = encode_corpus(path, min_count=2, cache=True)
    b = encode_corpus(path, min_count=3, cache=True)
    assert not b.from_cache and b.cache_path != a.cache_path
    assert len(_entries(cache)) == 2


def test_a_crafted_cache_with_a_decreasing_offset_is_ignored_with_a_notice(tmp_path, cache, capsys):
    path = _corpus_file(tmp_path / "data")
    good = encode_corpus(path, min_count=2, cache=True)
    tokens, entry = good.tokens, good.cache_path
    off = np.fromfile(off_path(entry, 0), dtype="<i8")
    off[5] = off[3] - 1  # an interior sentence offset going backwards
    off.tofile(off_path(entry, 0))
    del good
    capsys.readouterr()
    again = encode_corpus(path, min_count=2, cache=True)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "damaged corpus cache" in err[0] and "never decrease" in err[0]
    assert not again.from_cache and again.cache_path == entry  # rebuilt in place
    np.testing.assert_array_equal(again.tokens, tokens)
    assert encode_corpus(path, min_count=2, cache=True).from_cache


def test_counts_that_do_not_match_the_ids_are_caught(tmp_path, cache, capsys):
    path = _corpus_file(tmp_path / "data")
    entry = encode_corpus(path, min_count=2, cache=True).cache_path
    manifest = os.path.join(entry, "manifest.json")
    m = json.load(open(manifest))
    m["counts"][0] += 1
    m["counts"][-1] -= 1  # same total, another histogram
    json.dump(m, open(manifest, "w"))
    c = encode_corpus(path, min_count=2, cache=True)
    assert not c.from_cache
    assert "damaged corpus cache" in capsys.readouterr().err


def test_a_cache_folder_others_can_write_is_not_trusted(tmp_path, cache, capsys, monkeypatch):
    path = _corpus_file(tmp_path / "data")
    encode_corpus(path, min_count=2, cache=True)
    os.chmod(cache, 0o777)
    _refuse = []
    monkeypatch.setattr(corpus_cache, "lookup", lambda *a: _refuse.append(a))
    c = encode_corpus(path, min_count=2, cache=True)
    assert not c.from_cache and c.cache_path is None and not _refuse
    assert "not caching" in capsys.readouterr().err


def test_a_fifo_is_read_once_and_never_cached(tmp_path, cache, capsys, fifo):
    text = open(_corpus_file(tmp_path / "data")).read()
    path = fifo(tmp_path / "pipe", data=text)
    c = encode_corpus(path, min_count=2, cache=True, max_vocab_size=5)  # pruning: no second read
    assert len(c.vocab) == 5 and c.raw_words == 2400
    assert "not caching" in capsys.readouterr().err
    assert _entries(cache) == []
    assert sorted(os.listdir(tmp_path)) == ["cache", "data", "pipe"]


def test_dev_stdin_is_read_once_and_nothing_is_written_next_to_it(tmp_path):
    text = open(_corpus_file(tmp_path / "data")).read()
    env = dict(os.environ, EMBED_CACHE=str(tmp_path / "cache"))
    code = ("from embed.text.corpus import encode_corpus; "
            "c = encode_corpus('/dev/stdin', min_count=2, cache=True); print(c.raw_words, len(c.vocab))")
    out = subprocess.run([sys.executable, "-c", code], input=text, capture_output=True, text=True,
                         env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["2400", "30"]
    assert out.stderr.count("\n") == 1 and "not caching /dev/stdin" in out.stderr
    cache = tmp_path / "cache" / "corpora"
    assert _entries(cache) == []


def test_a_killed_runs_staging_folder_is_removed_by_the_next_encoding(tmp_path, cache):
    path = _corpus_file(tmp_path / "data")
    encode_corpus(path, min_count=2)  # creates the corpora folder
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    left = cache / f".build-{corpus_cache._host()}-{dead}-abc123"
    left.mkdir()
    (left / "spool.tok").write_bytes(b"\0" * 64)
    alive = cache / f".build-{corpus_cache._host()}-{os.getppid()}-def456"  # a live process: kept
    alive.mkdir()
    encode_corpus(path, min_count=2)
    assert not left.exists() and alive.exists()
