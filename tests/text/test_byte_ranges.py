"""Byte ranges: cut at line breaks (or spaces), covering every file exactly once, in order."""
import gzip

import pytest

from embed.errors import EmbedError
from embed.text import byte_ranges
from embed.text.byte_ranges import ByteRange, corpus_files, split
from embed.text.reader import iter_pieces


def _text(n_lines=300):
    return "".join(f"line {i} " + "word " * (i % 17) + "end\n" for i in range(n_lines))


@pytest.mark.parametrize("range_bytes", [1, 37, 500, 10**6])
def test_ranges_cut_at_line_breaks_and_read_back_every_line_once(tmp_path, range_bytes):
    path = tmp_path / "c.txt"
    path.write_text(_text())
    ranges = split([str(path)], range_bytes)
    assert ranges[0].start == 0 and ranges[-1].end == path.stat().st_size
    assert all(a.end == b.start for a, b in zip(ranges, ranges[1:]))
    data = path.read_bytes()
    assert all(r.start == 0 or data[r.start - 1:r.start] == b"\n" for r in ranges)
    lines = [text for r in ranges for text, _ in r.pieces()]
    assert lines == [text for text, _ in iter_pieces(str(path))]
    if range_bytes == 10**6:
        assert len(ranges) == 1


def test_a_file_without_line_breaks_is_cut_after_spaces(tmp_path, monkeypatch):
    monkeypatch.setattr(byte_ranges, "MAX_SCAN", 64)
    path = tmp_path / "one_line.txt"
    words = [f"w{i}" for i in range(2000)]
    path.write_text(" ".join(words))
    ranges = split([str(path)], 1000)
    assert len(ranges) > 5
    got = [w for r in ranges for text, _ in r.pieces() for w in text.split()]
    assert got == words  # no word cut in two


def test_compressed_files_are_one_range_and_folders_and_globs_list_files(tmp_path):
    (tmp_path / "b.txt").write_text("b b\n")
    (tmp_path / "a.txt").write_text("a a\n")
    with gzip.open(tmp_path / "c.txt.gz", "wt") as f:
        f.write(_text())
    (tmp_path / ".hidden").write_text("x\n")
    files = corpus_files(str(tmp_path))
    assert [f.rsplit("/", 1)[1] for f in files] == ["a.txt", "b.txt", "c.txt.gz"]
    assert corpus_files(str(tmp_path / "*.txt")) == files[:2]
    ranges = split(files, 10)
    assert ranges[-1] == ByteRange(files[2], 0, -1)
    assert [t for r in ranges[-1:] for t, _ in r.pieces()][:2] == ["line 0 end", "line 1 word end"]
    with pytest.raises(EmbedError, match="not found"):
        corpus_files(str(tmp_path / "nothing*.txt"))
