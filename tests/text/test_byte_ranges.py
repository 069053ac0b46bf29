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


# ------------------------------------------------------------------ URLs read through fsspec
def _two_files(folder):
    folder.mkdir()
    (folder / "a.txt").write_text(_text(120))
    (folder / "b.txt").write_text("".join(f"b{i} " * (i % 5 + 1) + "\n" for i in range(90)))
    return [str(folder / "a.txt"), str(folder / "b.txt")]


def _cuts(ranges):
    return [(r.start, r.end) for r in ranges]


def test_ranges_through_a_zip_url_equal_those_of_the_unzipped_files(tmp_path):
    import zipfile
    files = _two_files(tmp_path / "plain")
    archive = tmp_path / "corpus.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for f in files:
            z.write(f, f.rsplit("/", 1)[1])
        z.writestr(".hidden", "x\n")
    url_files = corpus_files(f"zip://*.txt::{archive}")
    assert url_files == [f"zip://a.txt::{archive}", f"zip://b.txt::{archive}"]
    assert corpus_files(f"zip://::{archive}") == url_files  # the archive's top folder, hidden files left out
    plain, zipped = split(files, 300), split(url_files, 300)
    assert len(plain) > 10 and _cuts(zipped) == _cuts(plain)
    assert [p for r in zipped for p in r.pieces()] == [p for r in plain for p in r.pieces()]


def test_a_file_url_glob_gives_the_ranges_of_the_plain_path(tmp_path):
    files = _two_files(tmp_path / "plain")
    with gzip.open(tmp_path / "plain" / "c.txt.gz", "wt") as f:
        f.write(_text(50))
    url_files = corpus_files((tmp_path / "plain").as_uri() + "/*.t*")
    assert url_files == [(tmp_path / "plain" / n).as_uri() for n in ("a.txt", "b.txt", "c.txt.gz")]
    plain, url = split(corpus_files(str(tmp_path / "plain" / "*.t*")), 200), split(url_files, 200)
    assert _cuts(url) == _cuts(plain) and url[-1] == ByteRange(url_files[2], 0, -1)  # compressed: one range
    assert [p for r in url for p in r.pieces()] == [p for r in plain for p in r.pieces()]


@pytest.mark.parametrize("url, message", [
    ("zip://*.txt::{tmp}/missing.zip", "corpus not found: zip://"),
    ("file://{tmp}/nothing*.txt", "corpus not found: file://"),
    ("nosuchprotocol://bucket/c.txt", "nosuchprotocol://bucket/c.txt: Protocol not known"),
])
def test_a_missing_url_or_unknown_protocol_is_a_one_line_error(tmp_path, url, message):
    with pytest.raises(EmbedError, match=message) as e:
        corpus_files(url.format(tmp=tmp_path))
    assert "\n" not in str(e.value)


def test_a_protocol_whose_package_is_missing_names_it():
    import importlib.util
    if importlib.util.find_spec("s3fs") is not None:
        pytest.skip("s3fs is installed here")
    with pytest.raises(EmbedError, match=r"^corpus s3://bucket/c/\*\.txt: .*pip install s3fs$"):
        corpus_files("s3://bucket/c/*.txt")
