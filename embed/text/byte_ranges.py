"""Cut text files into byte ranges that start and end at line breaks, for parallel readers.

A corpus (a file, a folder of files, or a glob) becomes a list of
``ByteRange(path, start, end)``; reading every range in order gives every line
of every file exactly once, in order, so counts and encodings computed range
by range and merged in range order equal those of one sequential pass.

A cut is moved forward to just after the next ``\\n``.  A file with no line
break for `MAX_SCAN` bytes past a cut (text8 is one line) is cut after the
next space instead: the only difference to a sequential pass is that a
sentence ends there.  Compressed files and UTF-16/32 files (with a byte-order
mark) cannot be cut and are one range each.

The corpus may also be a URL that fsspec understands (``s3://bucket/corpus/*.txt``,
``zip://*.txt::/data/corpus.zip``): its files are listed through fsspec and
each `ByteRange` keeps the file's full URL, which a worker on another
machine can open (`fileio.open_input`).
"""
import glob
import os
from dataclasses import dataclass

from ..errors import EmbedError
from ..fileio import check_readable, input_size, is_compressed, is_url, one_line, open_input, url_fs
from .reader import encoding_from_bom, iter_pieces

MAX_SCAN = 1 << 20  # bytes searched for a line break after a nominal cut
_SCAN_BLOCK = 1 << 16


@dataclass(frozen=True)
class ByteRange:
    path: str
    start: int  # first byte
    end: int  # one past the last byte (-1: to the end, for files read whole)

    @property
    def span(self):
        return None if self.end < 0 else (self.start, self.end)

    def pieces(self, stats=None):
        """``(text, end_of_line)`` pieces of this range (`reader.iter_pieces`)."""
        return iter_pieces(self.path, stats, span=self.span)


def corpus_files(source):
    """The files of `source`: a file, a folder (its files, sorted, not recursive) or a glob pattern.

    `source` may be a URL for fsspec (`fileio.is_url`); then so are the files.
    """
    source = os.fspath(source)
    if is_url(source):
        return _url_files(source)
    if os.path.isdir(source):
        files = sorted(os.path.join(source, f) for f in os.listdir(source)
                       if not f.startswith(".") and os.path.isfile(os.path.join(source, f)))
    elif os.path.exists(source):
        files = [source]
    else:
        files = sorted(f for f in glob.glob(source) if os.path.isfile(f))
        if not files:
            raise EmbedError(f"corpus not found: {source} (no file, folder or matching files)")
    if not files:
        raise EmbedError(f"corpus folder {source} holds no files")
    return [check_readable(f, "corpus file") for f in files]


def _url_files(source):
    """`corpus_files` for a URL: full URLs of its files, listed through fsspec."""
    _, chain, rest = source.partition("::")  # zip://*.txt::s3://b/c.zip: the listing is inside the zip
    fs, inner = url_fs(source, "corpus")

    def url(name):
        return fs.unstrip_protocol(name) + chain + rest

    def visible(info):
        return info["type"] == "file" and not info["name"].rstrip("/").rsplit("/", 1)[-1].startswith(".")

    try:
        if fs.isdir(inner):
            files = sorted(url(i["name"]) for i in fs.ls(inner, detail=True) if visible(i))
            if not files:
                raise EmbedError(f"corpus folder {source} holds no files")
            return files
        if fs.isfile(inner):
            return [source]
        matches = fs.glob(inner, detail=True) if glob.has_magic(inner) else {}
    except OSError as e:
        raise EmbedError(f"cannot list corpus {source}: {one_line(e)}") from None
    files = sorted(url(name) for name, info in matches.items() if info["type"] == "file")
    if not files:
        raise EmbedError(f"corpus not found: {source} (no file, folder or matching files)")
    return files


def _next_cut(f, pos, size):
    """First byte after the line break (or, failing that, the space) at or after `pos`."""
    f.seek(pos)
    scanned = 0
    first_space = -1
    while scanned < MAX_SCAN and pos + scanned < size:
        block = f.read(_SCAN_BLOCK)
        if not block:
            break
        nl = block.find(b"\n")
        if nl >= 0:
            return pos + scanned + nl + 1
        if first_space < 0:
            sp = block.find(b" ")
            if sp >= 0:
                first_space = pos + scanned + sp + 1
        scanned += len(block)
    if first_space >= 0:
        return first_space
    return min(pos + scanned, size)


def split(files, range_bytes):
    """`ByteRange`s of about `range_bytes` bytes covering `files`, in order."""
    if range_bytes < 1:
        raise EmbedError(f"range_bytes must be at least 1, got {range_bytes}")
    ranges = []
    for path in files:
        size = input_size(path)
        with open_input(path, "corpus file", decompress=False) as f:
            head = f.read(4)
            if is_compressed(path) or encoding_from_bom(head) != "utf-8":
                ranges.append(ByteRange(path, 0, -1))
                continue
            start = 0
            while start < size:
                end = size if size - start <= range_bytes else _next_cut(f, start + range_bytes, size)
                ranges.append(ByteRange(path, start, end))
                start = end
    return ranges
