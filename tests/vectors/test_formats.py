"""Vector files: repeated words, byte-order marks, non-finite values."""
import codecs

import numpy as np
import pytest

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
