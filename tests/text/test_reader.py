"""The streaming reader: bounded pieces, long lines split without loss, bad bytes counted."""
import gzip

import pytest

from embed.errors import EmbedError
from embed.text import reader


def _write(path, data):
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return str(path)


def test_a_single_huge_line_streams_in_bounded_pieces_without_losing_words(tmp_path):
    words = [f"w{i}" for i in range(20000)]  # one ~130 kB line, read 256 bytes at a time
    path = _write(tmp_path / "one.txt", " ".join(words) + "\nshort line\n")
    pieces = list(reader.iter_pieces(path, block_bytes=256))
    assert len(pieces) > 100
    assert all(len(text) <= 2 * 256 for text, _ in pieces)
    ends = [i for i, (_, eol) in enumerate(pieces) if eol]
    assert ends == [len(pieces) - 2, len(pieces) - 1]  # two lines
    first_line = [w for text, _ in pieces[:-1] for w in text.split()]
    assert first_line == words  # cut at whitespace only: no word split or lost
    assert pieces[-1] == ("short line", True)


def test_iter_lines_splits_long_lines_into_max_words_chunks(tmp_path):
    words = [f"t{i}" for i in range(25)]
    path = _write(tmp_path / "c.txt", "a b c\n" + " ".join(words) + "\n\nlast")
    lines = list(reader.iter_lines(path, max_words=10, block_bytes=16))
    assert lines[0] == "a b c"
    chunks = lines[1:4]
    assert [len(c.split()) for c in chunks] == [10, 10, 5]
    assert " ".join(chunks).split() == words
    assert lines[4:] == ["", "last"]  # empty line kept, last line without newline read


def test_iter_lines_without_limit_keeps_lines_whole(tmp_path):
    path = _write(tmp_path / "c.txt", "x " * 50 + "\r\nsecond\r\n")
    assert [len(s.split()) for s in reader.iter_lines(path, max_words=None, block_bytes=8)] == [50, 1]


def test_multibyte_characters_across_block_boundaries_are_not_replaced(tmp_path):
    text = "café naïve 東京 ü " * 50
    path = _write(tmp_path / "u.txt", text + "\n")
    stats = reader.ReadStats()
    out = "".join(t for t, _ in reader.iter_pieces(path, stats, block_bytes=7))
    assert out == text
    assert stats.replaced_bytes == 0
    assert stats.bytes_read == len((text + "\n").encode())


def test_invalid_utf8_is_replaced_and_counted(tmp_path):
    path = _write(tmp_path / "bad.txt", b"ok \xff\xfe word \xc3( end\nfine\n\x80")
    stats = reader.ReadStats()
    lines = list(reader.iter_lines(path, stats=stats, block_bytes=4))
    assert stats.replaced_bytes == 4  # \xff, \xfe, \xc3 (no continuation byte), \x80
    assert lines == ["ok \ufffd\ufffd word \ufffd( end", "fine", "\ufffd"]
    assert stats.lines == 3


def test_two_readers_alive_at_once_count_their_own_bad_bytes(tmp_path):
    a = _write(tmp_path / "a.txt", b"\xff\xff\nx\n")
    b = _write(tmp_path / "b.txt", b"fine\n\xfe\n")
    sa, sb = reader.ReadStats(), reader.ReadStats()
    ia, ib = reader.iter_pieces(a, sa, block_bytes=2), reader.iter_pieces(b, sb, block_bytes=2)
    for _ in zip(ia, ib):  # interleave the two generators
        pass
    list(ia), list(ib)
    assert (sa.replaced_bytes, sb.replaced_bytes) == (2, 1)


def test_missing_file_and_folder_are_one_line_errors(tmp_path):
    with pytest.raises(EmbedError, match="not found"):
        list(reader.iter_lines(tmp_path / "nope.txt"))
    with pytest.raises(EmbedError, match="folder"):
        list(reader.iter_lines(tmp_path))
    with pytest.raises(EmbedError, match="max_words"):
        list(reader.iter_lines(_write(tmp_path / "x.txt", "a"), max_words=0))


@pytest.mark.parametrize("suffix, module", [(".gz", "gzip"), (".bz2", "bz2"), (".xz", "lzma")])
def test_compressed_files_are_streamed(tmp_path, suffix, module):
    import importlib
    text = "".join(f"line {i} with words\n" for i in range(3000))
    path = tmp_path / ("c.txt" + suffix)
    with importlib.import_module(module).open(path, "wb") as f:
        f.write(text.encode())
    assert list(reader.iter_lines(str(path), block_bytes=1000)) == text.splitlines()
    (tmp_path / ("bad.txt" + suffix)).write_bytes(b"not compressed at all" * 10)
    with pytest.raises(EmbedError, match="cannot read corpus file"):
        list(reader.iter_lines(str(tmp_path / ("bad.txt" + suffix))))


@pytest.mark.parametrize("codec,bom", [("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"),
                                       ("utf-16-be", b"\xfe\xff"), ("utf-32-le", b"\xff\xfe\x00\x00"),
                                       ("utf-32-be", b"\x00\x00\xfe\xff")])
@pytest.mark.parametrize("block", [5, None])
def test_a_byte_order_mark_picks_the_encoding_and_is_dropped(tmp_path, codec, bom, block):
    text = "the café sat\nnaïve 東京 word\n"
    path = _write(tmp_path / "bom.txt", bom + text.encode(codec))
    stats = reader.ReadStats()
    lines = list(reader.iter_lines(path, stats=stats, block_bytes=block))
    assert lines == ["the café sat", "naïve 東京 word"]
    assert stats.replaced_bytes == 0


def test_utf16_without_a_mark_is_refused(tmp_path):
    path = _write(tmp_path / "u16.txt", ("the cat sat on the mat\n" * 20).encode("utf-16-le"))
    with pytest.raises(EmbedError, match="UTF-16 without a byte-order mark"):
        list(reader.iter_pieces(path))


def test_a_file_shorter_than_a_mark_reads(tmp_path):
    assert list(reader.iter_lines(_write(tmp_path / "a.txt", b"a"))) == ["a"]
    assert list(reader.iter_lines(_write(tmp_path / "e.txt", b"\xef\xbb\xbf"))) == []


def test_a_fifo_corpus_with_no_writer_is_one_line_after_the_wait(tmp_path, fifo, monkeypatch):
    monkeypatch.setenv("EMBED_FIFO_WAIT", "0.2")
    path = fifo(tmp_path / "corpus")
    with pytest.raises(EmbedError, match=f"^corpus file {path} is a FIFO with no writer: nothing arrived in 0.2 s"):
        list(reader.iter_pieces(path))


def test_a_fifo_corpus_with_a_writer_streams_its_lines(tmp_path, fifo):
    path = fifo(tmp_path / "corpus.gz", data=gzip.compress("a b\nc d\n".encode() * 3))
    assert [text for text, _ in reader.iter_pieces(path)] == ["a b", "c d"] * 3
