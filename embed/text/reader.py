"""Stream text from a file in bounded pieces, whatever its size or line length.

A corpus can be many gigabytes, and some (text8) are one single line.  The
reader therefore never reads a file whole, nor a line whole: it reads binary
blocks of `block_bytes`, decodes them incrementally as UTF-8, and hands out
*pieces* of text of at most about `block_bytes` characters.  A line longer than
that is cut at its last whitespace, so no word is ever cut in two (only a
"word" longer than a whole block, which is not text, gets a hard cut).

Bytes that are not valid UTF-8 become U+FFFD and are counted in
`ReadStats.replaced_bytes`, so the command line can say how many there were.
Files ending in .gz, .bz2 or .xz are decompressed on the fly.  A byte-order
mark picks the encoding (`encoding_from_bom`): UTF-8's is dropped, UTF-16 and
UTF-32 files are decoded as such; UTF-16 without one is refused, not read as
letters between NUL bytes.

Two views of the same stream:

- `iter_pieces(path)` yields ``(text, end_of_line)`` pairs; consecutive pieces
  with ``end_of_line=False`` belong to the same line.  The corpus encoder uses
  it and splits sentences at exactly `max_words` tokens.
- `iter_lines(path, max_words)` yields strings, one per line, except that a
  line with more than `max_words` whitespace-separated words is yielded as
  several strings of at most `max_words` words each (never truncated).
"""
import codecs
import threading
import zlib
from dataclasses import dataclass

from ..errors import EmbedError
from ..fileio import check_readable, open_input

# 64 KiB per read.  Larger blocks are no faster, and strings of ~1 MiB make
# glibc's malloc fragment (its dynamic mmap threshold): 100+ MB of RSS on text8.
BLOCK_BYTES = 1 << 16


@dataclass
class ReadStats:
    """What a reader saw; filled in while the stream is consumed."""

    bytes_read: int = 0  # bytes read so far (decompressed, for .gz/.bz2/.xz)
    lines: int = 0  # physical lines completed so far
    replaced_bytes: int = 0  # invalid UTF-8 bytes replaced by U+FFFD


# One codec error handler counts replaced bytes into the stats of the reader
# that is decoding right now (readers are generators, so more than one can be
# alive on the same thread: each sets itself before every decode call).
_active = threading.local()


def _replace_and_count(exc):
    _active.stats.replaced_bytes += exc.end - exc.start
    return "\ufffd", exc.end


codecs.register_error("embed.replace_count", _replace_and_count)


def _decode(decoder, data, stats, final=False):
    _active.stats = stats
    return decoder.decode(data, final)


def decode_counted(data, stats):
    """`data` (bytes holding whole UTF-8 lines) as text; invalid bytes become U+FFFD, counted in `stats`.

    Gives what the stream decoder of `iter_pieces` gives for the same lines: a
    newline byte never continues a UTF-8 sequence, so lines decode alike one by
    one or in a stream."""
    _active.stats = stats
    return data.decode("utf-8", errors="embed.replace_count")


# Longest marks first: UTF-32-LE's starts with UTF-16-LE's.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def encoding_from_bom(head):
    """The codec for bytes starting with `head` (at least 4 bytes when the file has them).

    'utf-8-sig', 'utf-16' or 'utf-32' (each removes its byte-order mark) when
    `head` starts with one, else 'utf-8'.
    """
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec
    return "utf-8"


def looks_like_utf16(head):
    """True when `head` (UTF-8 by default) is really UTF-16 without a mark: NULs every other byte."""
    sample = head[:4096]
    if len(sample) < 8:
        return False
    even, odd = sample[0::2], sample[1::2]
    return max(even.count(0) / len(even), odd.count(0) / len(odd)) > 0.6


def _lzma_error():
    try:
        from lzma import LZMAError
    except ImportError:  # Python built without lzma
        return OSError
    return LZMAError


def _cut_at_space(text, limit):
    """Index where to cut `text` (len > limit) so that no word is split."""
    cut = max(text.rfind(" ", 0, limit), text.rfind("\t", 0, limit))
    if cut <= 0:  # no whitespace in a whole block: not text; cut hard
        return limit
    return cut + 1


def iter_pieces(path, stats=None, block_bytes=None, span=None):
    """Yield ``(text, end_of_line)`` pieces of a text file (UTF-8, or UTF-16/32 with a BOM).

    Each piece holds at most about `block_bytes` characters; a line longer than
    that comes as several pieces cut at whitespace, the last one with
    ``end_of_line=True``.  Line terminators are removed.  Memory use is
    bounded by a few blocks whatever the size of the file or of its lines.
    span : None, or ``(start, end)`` byte offsets: read only those bytes of an
        uncompressed file (UTF-8 when start > 0), e.g. one shard of a distributed run.
    `path` may be a URL for fsspec (``s3://b/c.txt``; `fileio.open_input` opens it).
    """
    path = check_readable(path, "corpus file")
    stats = stats if stats is not None else ReadStats()
    block_bytes = block_bytes or BLOCK_BYTES
    decoder = None  # chosen from the first bytes (byte-order mark)
    pending = ""  # start of a line whose end has not been read yet
    try:
        f = open_input(path, "corpus file")         # decompresses; a FIFO with no writer: EmbedError
    except OSError as e:
        raise EmbedError(f"cannot read corpus file {path}: {e.strerror or e}") from None
    left = None  # bytes of the span still to read
    if span is not None:
        f.seek(span[0])
        left = span[1] - span[0]
        if span[0] > 0:
            decoder = codecs.getincrementaldecoder("utf-8")(errors="embed.replace_count")

    def read(n):
        nonlocal left
        if left is None:
            return f.read(n)
        data = f.read(min(n, left))
        left -= len(data)
        return data

    with f:
        while True:
            try:
                block = read(block_bytes)
                if decoder is None:
                    while 0 < len(block) < 4:  # enough bytes to tell UTF-32-LE from UTF-16-LE
                        more = read(block_bytes)
                        if not more:
                            break
                        block += more
            except (OSError, EOFError, ValueError, zlib.error, _lzma_error()) as e:  # corrupt gzip/bz2/xz
                why = getattr(e, "strerror", None) or str(e) or type(e).__name__
                raise EmbedError(f"cannot read corpus file {path}: {why}") from None
            if decoder is None:
                codec = encoding_from_bom(block[:4])
                if codec == "utf-8" and looks_like_utf16(block):
                    raise EmbedError(f"corpus file {path} looks like UTF-16 without a byte-order mark: "
                                     "convert it to UTF-8 (e.g. iconv -f UTF-16LE -t UTF-8)")
                decoder = codecs.getincrementaldecoder(codec)(errors="embed.replace_count")
            stats.bytes_read += len(block)
            text = _decode(decoder, block, stats, final=not block)
            if text:
                lines = (pending + text).split("\n")
                pending = lines.pop()  # unfinished last line
                for line in lines:
                    stats.lines += 1
                    yield line.rstrip("\r"), True
                while len(pending) > block_bytes:  # a very long line: hand out its start
                    cut = _cut_at_space(pending, block_bytes)
                    yield pending[:cut], False
                    pending = pending[cut:]
            if not block:
                break
    if pending:
        stats.lines += 1
        yield pending.rstrip("\r"), True


def iter_lines(path, max_words=10000, stats=None, block_bytes=None):
    """Yield the lines of a text file as strings, streaming.

    A line with more than `max_words` whitespace-separated words is yielded as
    several strings of at most `max_words` words each; nothing is dropped.
    Invalid UTF-8 is replaced and counted in `stats.replaced_bytes` (pass a
    `ReadStats` to read the count).  `max_words=None` yields whole lines,
    however long (then memory grows with the longest line).
    """
    if max_words is not None and max_words < 1:
        raise EmbedError(f"max_words must be at least 1, got {max_words}")
    carry = []  # words (or, without a limit, pieces) of the current line not yet handed out
    for text, eol in iter_pieces(path, stats, block_bytes):
        if max_words is None:  # whole lines, however long (memory grows with the line)
            carry.append(text)
            if eol:
                yield "".join(carry)
                carry = []
            continue
        # A string of n characters holds at most (n + 1) // 2 words: short
        # lines (almost all of them) need no counting.
        if not carry and eol and len(text) < 2 * max_words:
            yield text
            continue
        carry.extend(text.split())
        while len(carry) > max_words:
            yield " ".join(carry[:max_words])
            del carry[:max_words]
        if eol:
            if carry:
                yield " ".join(carry)
            carry = []

