"""The compiled vocabulary pass (scan.py) against the Python one (encoder.spool): same words, ids, cuts, stats."""
import io

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from embed.text import encoder, reader, scan
from embed.text.corpus import encode_corpus
from embed.text.tokenize import get_tokenizer
from embed.word2vec import native


@pytest.fixture(scope="module")
def kernels():
    return native.load()


def python_pass(path, lowercase, max_words):
    tokenize = get_tokenizer("regexp", lowercase)
    stats, tf, lf, ids = reader.ReadStats(), io.BytesIO(), io.BytesIO(), encoder.NewIds()
    pieces = ((tokenize(text), eol) for text, eol in reader.iter_pieces(path, stats))
    counts, n, _ = encoder.spool(pieces, ids, max_words, tf, lf)
    return list(ids), counts.tolist(), n, stats, tf.getvalue(), lf.getvalue()


def compiled_pass(path, lowercase, max_words, kernels):
    stats, tf, lf = reader.ReadStats(), io.BytesIO(), io.BytesIO()
    done = scan.spool_file(path, kernels, lowercase, max_words, tf, lf, stats)
    if done is None:
        return None
    words_of, counts, n = done
    return words_of(np.arange(counts.size)), counts.tolist(), n, stats, tf.getvalue(), lf.getvalue()


def assert_same(path, kernels, lowercase=True, max_words=10000):
    fast = compiled_pass(path, lowercase, max_words, kernels)
    assert fast is not None
    slow = python_pass(path, lowercase, max_words)
    names = ("words", "counts", "raw tokens", "stats", "ids", "sentence lengths")
    for name, a, b in zip(names, fast, slow):
        assert a == b, name
    return fast


EDGES = ("'Tis the state-of-the-art -- don't a- -b O'Neill's x--y a''b 12-3 rock'n'roll\r\n"
         "snake_case __init__ a_b 3.14 e-mail's  \t tabs\there\n"
         "\n\r\n   \n"
         "caf\u00e9 na\u00efve Stra\u00dfe \u2019tis o\u2019neill don\u2019t CAF\u00c9 state-of-the-art\n"
         "plain ascii again, THE The the\n"
         "mixed ascii \u00e9 line then caf\u00e9\n")


@pytest.mark.parametrize("lowercase", [True, False])
@pytest.mark.parametrize("max_words", [1, 3, 10000])
def test_crafted_text_gives_the_python_pass(tmp_path, kernels, lowercase, max_words):
    p = tmp_path / "c.txt"
    long_line = " ".join(f"w{i % 7}" for i in range(25))
    p.write_bytes((EDGES + long_line + "\n" + EDGES + "no newline at the end").encode()
                  + b"\nbad \xff\xfe utf-8 \xc3 here\n")
    words, counts, n, stats, _, lens = assert_same(p, kernels, lowercase, max_words)
    assert stats.replaced_bytes == 3 and stats.lines == 19
    assert "don't" in words and "o\u2019neill" in words and "snake" in words
    assert ("CAF\u00c9" in words) == ("THE" in words) == (not lowercase)
    assert "_" not in "".join(words) and "tis" in words
    assert np.frombuffer(lens, "<i8").max() <= max_words


def test_byte_order_mark_and_crlf(tmp_path, kernels):
    p = tmp_path / "bom.txt"
    p.write_bytes(b"\xef\xbb\xbfHello world\r\nhello\r\n")
    words, counts, n, stats, _, _ = assert_same(p, kernels)
    assert words == ["hello", "world"] and counts == [2, 1] and stats.bytes_read == 23


def test_empty_file(tmp_path, kernels):
    p = tmp_path / "empty.txt"
    p.write_bytes(b"")
    assert assert_same(p, kernels)[:3] == ([], [], 0)


def test_many_words_grow_the_table_and_the_arena(tmp_path, kernels):
    # 40,000 distinct 30-byte words (over the first table, id and 1 MiB arena sizes),
    # 80,000 tokens on 20,000 lines (over one batch of ids and of lengths)
    words = [f"{i:06d}{'x' * 24}" for i in range(40000)]
    lines = [" ".join(words[2 * i:2 * i + 2] * 2) for i in range(20000)]
    p = tmp_path / "many.txt"
    p.write_text("\n".join(lines) + "\n")
    got, counts, n = assert_same(p, kernels)[:3]
    assert got == words and counts == [2] * 40000 and n == 80000


def test_declines_what_the_reader_cuts_hard_or_decodes_otherwise(tmp_path, kernels):
    run = tmp_path / "run.txt"
    run.write_bytes(b"a b\n" + b"x" * 70000 + b"\n")  # no space in 64 KiB: the reader cuts a word
    assert compiled_pass(run, True, 10000, kernels) is None
    utf16 = tmp_path / "u16.txt"
    utf16.write_bytes("hello world\n".encode("utf-16"))
    assert compiled_pass(utf16, True, 10000, kernels) is None
    long_ok = tmp_path / "long.txt"
    long_ok.write_bytes(b"ab " * 200000 + b"\n" + "\u00e9t\u00e9 ".encode() * 100000 + b"\n")
    assert_same(long_ok, kernels, max_words=7)  # long lines with spaces: handed out in pieces


def test_encode_corpus_is_the_same_with_and_without_kernels(tmp_path, kernels):
    p = tmp_path / "c.txt"
    p.write_bytes((EDGES * 30).encode() + b"\xff\n" + b"x" * 70000)
    for path_text in (p, tmp_path / "plain.txt"):
        if path_text.name == "plain.txt":
            path_text.write_text(EDGES * 30)
        a = encode_corpus(path_text, min_count=2, max_words=5, progress=False)
        b = encode_corpus(path_text, min_count=2, max_words=5, progress=False, kernels=kernels)
        assert a.vocab.words == b.vocab.words and a.vocab.counts.tolist() == b.vocab.counts.tolist()
        assert (a.raw_words, a.replaced_bytes, a.n_shards) == (b.raw_words, b.replaced_bytes, b.n_shards)
        for i in range(a.n_shards):
            for x, y in zip(a.shard(i), b.shard(i)):
                assert np.array_equal(x, y)
        a.close()
        b.close()


ALPHABET = list(b"aZ09'-_ \t\r\n.,") + [0xc3, 0xa9, 0xe2, 0x80, 0x99, 0xff]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.lists(st.sampled_from(ALPHABET), max_size=300).map(bytes),
       lowercase=st.booleans(), max_words=st.integers(1, 4))
def test_random_bytes_give_the_python_pass(tmp_path, kernels, data, lowercase, max_words):
    p = tmp_path / "r.txt"
    p.write_bytes(data)
    assert_same(p, kernels, lowercase, max_words)
