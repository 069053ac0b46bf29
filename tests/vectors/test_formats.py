"""Vector files: formats against gensim and the C tool, damaged files, repeated words, byte-order marks."""
import codecs
import os
import re

import numpy as np
import pytest
from gensim.models import KeyedVectors as GensimKV
from gensim.test.utils import datapath

from embed.errors import EmbedError
from embed.vectors import formats
from embed.vectors.keyedvectors import KeyedVectors


def _text_file(path, rows, header=True, prefix=b""):
    d = len(rows[0][1])
    lines = ([f"{len(rows)} {d}"] if header else []) + [w + " " + " ".join(map(str, v)) for w, v in rows]
    path.write_bytes(prefix + ("\n".join(lines) + "\n").encode("utf-8"))
    return str(path)


ROWS = [("cat", [1.0, 0.0]), ("dog", [0.9, 0.1]), ("cat", [0.0, 1.0]), ("car", [0.0, 1.0]),
        ("dog", [5.0, 5.0])]


@pytest.mark.parametrize("fmt", ["text", "glove", "binary"])
def test_repeated_words_keep_their_first_vector_with_one_notice(tmp_path, capsys, fmt):
    words, vecs = [w for w, _ in ROWS], np.array([v for _, v in ROWS], np.float32)
    if fmt == "binary":
        path = str(tmp_path / "v.bin")
        formats.write_word2vec(path, words, vecs, binary=True)
        where = "vector 3"
    else:
        path = _text_file(tmp_path / "v.txt", ROWS, header=fmt == "text")
        where = f"line {3 + (fmt == 'text')}"
    kv = KeyedVectors.load(path, format=fmt)
    assert kv.index_to_key == ["cat", "dog", "car"]
    np.testing.assert_array_equal(kv["cat"], [1.0, 0.0])
    np.testing.assert_allclose(kv["dog"], [0.9, 0.1], rtol=1e-6)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "2 repeated word(s)" in err[0] and f"'cat' at {where}" in err[0]


@pytest.mark.parametrize("codec", ["utf-16", "utf-32"])
def test_utf16_and_utf32_vector_files_are_refused(tmp_path, codec):
    path = tmp_path / "v.txt"
    path.write_bytes("2 2\ncat 1 0\ndog 0 1\n".encode(codec))  # Python writes a BOM
    with pytest.raises(EmbedError, match="must be UTF-8"):
        KeyedVectors.load(str(path))


def test_utf8_byte_order_mark_is_ignored(tmp_path):
    path = _text_file(tmp_path / "v.txt", ROWS[:2], prefix=codecs.BOM_UTF8)
    kv = KeyedVectors.load(path)
    assert kv.index_to_key == ["cat", "dog"]


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf"])
def test_non_finite_values_name_the_line(tmp_path, bad):
    path = _text_file(tmp_path / "v.txt", [("cat", [1.0, 0.0]), ("dog", [bad, "1"])])
    with pytest.raises(EmbedError, match="line 3: non-finite value in the vector of 'dog'"):
        KeyedVectors.load(path)


def small_kv(n=50, d=7, seed=0):
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(n - 3)] + ["café", "naïve", "日本"]
    return KeyedVectors(words, rng.standard_normal((n, d)).astype(np.float32))


@pytest.mark.parametrize("name,binary", [("v.txt", False), ("v.vec", False), ("v.bin", True),
                                         ("v.bin.gz", True), ("v.txt.gz", False)])
def test_word2vec_format_roundtrip_with_gensim(tmp_path, name, binary):
    kv = small_kv()
    path = tmp_path / name
    kv.save_word2vec_format(path)  # format from the suffix
    assert formats.sniff(path) == ("binary" if binary else "text")
    g = GensimKV.load_word2vec_format(str(path), binary=binary)
    assert g.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(g.vectors, kv.vectors)  # float32 survives text exactly (%.9g)
    # and back: gensim writes (binary: no newline after vectors), we read (sniffing)
    gpath = tmp_path / ("g_" + name)
    g.save_word2vec_format(str(gpath), binary=binary)
    back = KeyedVectors.load(gpath)
    assert back.index_to_key == kv.index_to_key
    np.testing.assert_allclose(back.vectors, kv.vectors, rtol=1e-6)


def test_reads_c_tool_binary_with_and_without_newlines(tmp_path):
    kv = small_kv(n=20, d=5)
    for newline in (b"\n", b""):
        path = tmp_path / f"c{len(newline)}.bin"
        with open(path, "wb") as f:  # written by hand, as word2vec.c does
            f.write(b"20 5\n")
            for w, v in zip(kv.index_to_key, kv.vectors):
                f.write(w.encode() + b" " + v.astype("<f4").tobytes() + newline)
        back = KeyedVectors.load(path)
        assert back.index_to_key == kv.index_to_key
        np.testing.assert_array_equal(back.vectors, kv.vectors)


def test_reads_c_tool_text_with_trailing_spaces_and_crlf(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(b"2 3\r\nfoo 1 2 3 \r\nbar -1.5 0 2e-3 \r\n\r\n")
    kv = KeyedVectors.load(path)
    assert kv.index_to_key == ["foo", "bar"]
    np.testing.assert_array_equal(kv.vectors, np.array([[1, 2, 3], [-1.5, 0, 2e-3]], np.float32))


def test_non_utf8_words_are_kept_distinct(tmp_path):
    path = tmp_path / "latin1.bin"
    v = np.arange(6, dtype="<f4").reshape(2, 3)
    with open(path, "wb") as f:
        f.write(b"2 3\n" + "café".encode("latin-1") + b" " + v[0].tobytes() + b"\n"
                + b"cafe " + v[1].tobytes() + b"\n")
    kv = KeyedVectors.load(path)
    assert kv.index_to_key == ["caf\\xe9", "cafe"]
    assert kv.undecodable_words_ == 1
    np.testing.assert_array_equal(kv.vectors, v)


def test_glove_roundtrip_and_gensim_glove_file(tmp_path):
    kv = small_kv()
    path = tmp_path / "glove.txt"
    kv.save_glove(path)
    assert formats.sniff(path) == "glove"
    back = KeyedVectors.load(path)
    assert back.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(back.vectors, kv.vectors)
    g = GensimKV.load_word2vec_format(str(path), binary=False, no_header=True)
    np.testing.assert_array_equal(g.vectors, kv.vectors)
    shipped = KeyedVectors.load(datapath("test_glove.txt"))  # a real GloVe file, non-ASCII words
    ref = GensimKV.load_word2vec_format(datapath("test_glove.txt"), binary=False, no_header=True)
    assert shipped.index_to_key == ref.index_to_key
    np.testing.assert_allclose(shipped.vectors, ref.vectors)


def test_projector_export(tmp_path):
    kv = small_kv(n=10, d=4)
    vec_path, meta_path = kv.export_projector(tmp_path / "proj")
    rows = [line.split("\t") for line in open(vec_path, encoding="utf-8").read().splitlines()]
    assert len(rows) == 10 and all(len(r) == 4 for r in rows)
    np.testing.assert_allclose(np.array(rows, dtype=np.float32), kv.vectors, rtol=1e-5)
    assert open(meta_path, encoding="utf-8").read().splitlines() == kv.index_to_key


def test_save_is_atomic_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "v.txt"
    path.write_text("old content")
    kv = small_kv()

    def boom(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr(formats, "_write_text_rows", boom)
    with pytest.raises(KeyboardInterrupt):
        kv.save_word2vec_format(path)
    assert path.read_text() == "old content"
    assert os.listdir(tmp_path) == ["v.txt"]  # no temp file left behind


def _text(lines):
    return ("\n".join(lines) + "\n").encode("utf-8")


def _replace(lines, i, line):
    return lines[:i] + [line] + lines[i + 1:]


# (file name, its bytes made from the text lines and binary bytes of 10 good vectors of dimension 4
# (None: the file does not exist), the error)
DAMAGED = [
    ("short.txt", lambda lines, data: _text(lines[:5]), "truncated after 4 of 10 vectors"),
    ("cut.txt", lambda lines, data: _text(_replace(lines, 3, " ".join(lines[3].split()[:3]))),
     "line 4: expected 4 values, got 2"),
    ("junk.txt", lambda lines, data: _text(_replace(lines, 5, lines[5].rsplit(" ", 1)[0] + " 1.2.3")),
     "line 6: bad value '1.2.3'"),
    # a header that is not two numbers: sniffed as GloVe (no header), so line 1 is a word with one value
    ("header.txt", lambda lines, data: _text(["ten four"] + lines[1:]), "line 1: bad value 'four'"),
    ("trunc.bin", lambda lines, data: data[: len(data) * 4 // 10],
     "binary file truncated after 4 of 10 vectors"),
    ("hdr.bin", lambda lines, data: b"10 x\n" + data[5:], "line 1: expected a header 'n_words dim', got '10 x'"),
    ("empty.bin", lambda lines, data: b"", "empty vector file"),
    ("missing.bin", lambda lines, data: None, "vector file not found"),
    ("v.bin.gz", lambda lines, data: data, "cannot read: Not a gzipped file"),
]


@pytest.mark.parametrize("name,damage,error", DAMAGED, ids=[case[0] for case in DAMAGED])
def test_damaged_file_is_a_one_line_error_naming_it(tmp_path, one_line_error, name, damage, error):
    kv = small_kv(n=10, d=4)
    txt, bin_ = tmp_path / "good.txt", tmp_path / "good.bin"
    kv.save_word2vec_format(txt)
    kv.save_word2vec_format(bin_)
    content = damage(txt.read_text(encoding="utf-8").splitlines(), bin_.read_bytes())
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    message = one_line_error(KeyedVectors.load, path, match=re.escape(error))
    assert str(path) in message


def test_binary_without_nul_bytes_is_sniffed_under_a_text_suffix(tmp_path):
    # float32 1.1 / -1.1 have no zero byte, so only the UTF-8 check can tell these bytes from text
    vectors = np.where(np.arange(12).reshape(3, 4) % 2, 1.1, -1.1).astype(np.float32)
    kv = KeyedVectors(["alpha", "beta", "gamma"], vectors)
    path = tmp_path / "v.bin"
    kv.save_word2vec_format(path)
    assert b"\x00" not in path.read_bytes()
    renamed = tmp_path / "v.vec"
    path.rename(renamed)
    assert formats.sniff(str(renamed)) == "binary"
    back = KeyedVectors.load(renamed)
    assert back.index_to_key == ["alpha", "beta", "gamma"]
    np.testing.assert_array_equal(back.vectors, vectors)


def test_latin1_word_on_the_first_line_is_still_text(tmp_path):
    path = tmp_path / "old.txt"
    path.write_bytes(b"2 3\ncaf\xe9 1 2 3\nbar 4 5 6\n")
    assert formats.sniff(str(path)) == "text"
    kv = KeyedVectors.load(path)
    assert kv.index_to_key == ["caf\\xe9", "bar"]
    np.testing.assert_array_equal(kv["bar"], [4, 5, 6])


def test_binary_header_promising_more_than_the_file_holds(tmp_path, one_line_error):
    path = tmp_path / "big.bin"
    path.write_bytes(b"99999999999 999999\nab")   # must not try to allocate 355 PiB
    one_line_error(KeyedVectors.load, path, match="truncated after 0 of 99999999999 vectors")


def test_format_from_suffix():
    assert formats.format_from_suffix("a/b.BIN") == "binary"
    assert formats.format_from_suffix("x.vec") == "text"
    with pytest.raises(EmbedError, match=r"\.bin"):
        formats.format_from_suffix("vectors.model")


def test_vectors_from_a_fifo_are_read_once(tmp_path, fifo):
    data = _text_file(tmp_path / "v.txt", [("cat", [1.0, 0.0]), ("dog", [0.5, 0.5])])
    with open(data, "rb") as f:
        path = fifo(tmp_path / "pipe", data=f.read())
    kv = KeyedVectors.load(path)                    # the format is sniffed from the bytes read, not reopened
    assert kv.index_to_key == ["cat", "dog"] and kv["dog"].tolist() == [0.5, 0.5]
