"""Pass 1 of the encoder on raw bytes, compiled: the default tokenizer's fast path.

`encoder.spool` tokenizes decoded text with a regular expression and looks each
token up in a Python dict: on a 5M-word corpus that is most of the time a
training run spends outside training.  For a plain (uncompressed) UTF-8 file
and the ``regexp`` tokenizer, `spool_file` does the same pass on the file's
bytes with `scan_kernels.scan_words` (ahead-of-time compiled with the word2vec
kernels, see `embed.word2vec.native`), and writes the same spool files:

- ASCII text is tokenized by the kernel itself
  (``[A-Za-z0-9]+(?:['-][A-Za-z0-9]+)*``, the ASCII twin of the regexp rule);
- the whitespace-delimited stretches holding a byte >= 0x80 are decoded
  (invalid bytes counted as the reader counts them) and tokenized in Python by
  the very tokenizer of the slow path, and their tokens go through the same
  kernel and hash table, so provisional ids stay in order of first appearance;
- a UTF-8 byte-order mark is skipped, as the reader's ``utf-8-sig`` does.

So the words, their ids and counts, the sentence cuts (`max_words`, line ends)
and `ReadStats` match the slow path exactly.  It declines (returns None, and
the caller takes the slow path) for what it does not reproduce: UTF-16/32
files, and lines with a run of `MAX_RUN` bytes without a space or tab, where
the reader cuts a word in two.
"""
import re

import numpy as np

from . import reader
from .tokenize import get_tokenizer

# Shared with scan_kernels.py (which the compiled module is built from).
SCAN_ASCII = 0  # mode: tokenize ASCII text with the regexp rule
SCAN_SPLIT = 1  # mode: the bytes are tokens separated by b" ", lines ended by b"\n"
MAX_RUN = 65535  # bytes without space/tab in one line after which the reader may cut hard
ST_IDS, ST_OUT, ST_LENS, ST_LINE, ST_RUN, ST_STOP, ST_LINES = range(7)  # state indices
STATE_SIZE = 8
STOP_ROOM, STOP_OUT, STOP_RUN = 1, 2, 3  # why scan_words stopped early

READ_BYTES = 1 << 20  # bytes read per step
OUT_IDS = 1 << 16  # ids gathered before they are written to the spool
OUT_LENS = 1 << 13  # sentence lengths gathered before they are written
_LONG_RUN = re.compile(rb"[^ \t\n]{%d}" % MAX_RUN)
_WHITESPACE = re.compile(rb"[ \t\n]")
MERGE_GAP = 256  # non-ASCII stretches closer than this go to Python together


class _Decline(Exception):
    """The file needs the slow path (see the module docstring)."""


class _Table:
    """The kernel's arrays: hash table, words, counts, output buffers (see scan_kernels.py)."""

    def __init__(self, kernels, lowercase, max_words, tok_file, len_file):
        self.k = kernels
        self.lower = int(bool(lowercase))
        self.max_words = int(max_words)
        self.tok_file, self.len_file = tok_file, len_file
        self.table = np.full(1 << 16, -1, dtype=np.int32)  # (T,) slot -> id
        self.hashes = np.zeros(1 << 15, dtype=np.uint64)  # (C,) id -> hash
        self.starts = np.zeros((1 << 15) + 1, dtype=np.int64)  # (C + 1,) id -> arena offset
        self.arena = np.zeros(1 << 20, dtype=np.uint8)  # (A,) word bytes
        self.counts = np.zeros(1 << 15, dtype=np.int64)  # (C,) id -> occurrences
        self.out_ids = np.zeros(OUT_IDS, dtype=np.int32)  # (O,)
        self.out_lens = np.zeros(OUT_LENS, dtype=np.int64)  # (L,)
        self.state = np.zeros(STATE_SIZE, dtype=np.int64)
        self.raw_words = 0

    def scan(self, buf, pos, end, mode):
        """Run the kernel over buf[pos:end] (uint8), growing and flushing until it is done."""
        while pos < end:
            pos = self.k.scan_words(buf, pos, end, mode, self.lower, self.max_words, self.table,
                                    self.hashes, self.starts, self.arena, self.counts, self.out_ids,
                                    self.out_lens, self.state)
            stop = self.state[ST_STOP]
            if stop == STOP_OUT:
                self.flush()
            elif stop == STOP_ROOM:
                self.grow()
            elif stop == STOP_RUN:
                raise _Decline

    def flush(self):
        n_out, n_lens = int(self.state[ST_OUT]), int(self.state[ST_LENS])
        self.tok_file.write(self.out_ids[:n_out].astype("<i4", copy=False).tobytes())
        self.len_file.write(self.out_lens[:n_lens].astype("<i8", copy=False).tobytes())
        self.raw_words += n_out
        self.state[ST_OUT] = self.state[ST_LENS] = 0

    def grow(self):
        """Double whatever is short of room for one more word (a word is < 2 * MAX_RUN bytes)."""
        n = int(self.state[ST_IDS])
        if n + 2 >= self.hashes.shape[0]:
            size = 2 * self.hashes.shape[0]
            self.hashes = _resized(self.hashes, size)
            self.counts = _resized(self.counts, size)
            self.starts = _resized(self.starts, size + 1)
        if self.starts[n] + 2 * MAX_RUN > self.arena.shape[0]:
            self.arena = _resized(self.arena, 2 * self.arena.shape[0] + 2 * MAX_RUN)
        if 2 * (n + 2) > self.table.shape[0]:
            self.table = np.empty(4 * self.table.shape[0], dtype=np.int32)
            self.k.rehash_words(self.table, self.hashes, n)

    def words_of(self):
        """A function: provisional ids (int array (k,)) -> their words (list of k str)."""
        n = int(self.state[ST_IDS])
        raw = self.arena[:self.starts[n]].tobytes()
        starts, ends = self.starts[:n].tolist(), self.starts[1:n + 1].tolist()
        return lambda ids: [raw[starts[i]:ends[i]].decode("utf-8") for i in np.asarray(ids).tolist()]


def _resized(a, size):
    out = np.zeros(size, dtype=a.dtype)
    out[:a.shape[0]] = a
    return out


def spool_file(path, kernels, lowercase, max_words, tok_file, len_file, stats, tick=None):
    """Pass 1 of `encoder.spool` for the ``regexp`` tokenizer on a plain file, compiled.

    kernels : a namespace with scan_words and rehash_words (`embed.word2vec.native.load()`)
    tok_file, len_file : binary files open for writing (int32 ids, int64 sentence lengths)
    stats : a `reader.ReadStats` to fill;  tick : called after each block read (progress)
    Returns ``(words_of, counts int64 (n_words,), n_raw_tokens)``, where
    ``words_of(ids)`` gives the words of provisional ids (ids count from 0 in
    order of first appearance, as `encoder.NewIds` gives them; decoding only the
    words kept saves time), or None when the file needs the slow path; then
    whatever was written to the files is to be discarded.
    """
    tokenize = get_tokenizer("regexp", lowercase)
    t = _Table(kernels, lowercase, max_words, tok_file, len_file)
    try:
        with open(path, "rb") as f:
            head = f.read(READ_BYTES)
            codec = reader.encoding_from_bom(head[:4])
            if codec not in ("utf-8", "utf-8-sig") or (codec == "utf-8" and reader.looks_like_utf16(head)):
                return None
            block, carry = head, b""
            if codec == "utf-8-sig":
                stats.bytes_read += 3
                block = head[3:]
            while True:
                if not block:  # end of file: a last line without its newline is still a line
                    if carry:
                        _feed(t, carry + b"\n", tokenize, stats)
                    break
                stats.bytes_read += len(block)
                data = carry + block
                cut = data.rfind(b"\n") + 1
                if cut == 0 and len(data) > READ_BYTES:  # a long line: hand out its start, cut at a space
                    cut = max(data.rfind(b" "), data.rfind(b"\t")) + 1
                    if cut == 0:
                        raise _Decline
                if cut:
                    _feed(t, data[:cut], tokenize, stats)
                carry = data[cut:]
                if tick is not None:
                    tick()
                block = f.read(READ_BYTES)
    except _Decline:
        return None
    t.flush()
    stats.lines = int(t.state[ST_LINES])
    n = int(t.state[ST_IDS])
    return t.words_of(), t.counts[:n].copy(), t.raw_words


def _feed(t, part, tokenize, stats):
    """Scan `part` (bytes ending at a newline, or at a space or tab inside a long line)."""
    buf = np.frombuffer(part, dtype=np.uint8)  # (n,)
    if part.isascii():
        t.scan(buf, 0, buf.shape[0], SCAN_ASCII)
        return
    # Bytes >= 0x80 go to Python with the rest of their whitespace-delimited
    # stretch (no token crosses a space, tab or newline; nor does UTF-8
    # decoding or str.lower's context), stretches closer than MERGE_GAP bytes as one.
    high = np.flatnonzero(buf >= 0x80)  # (h,) positions of non-ASCII bytes
    pos, k = 0, 0
    while k < high.shape[0]:
        p = int(high[k])
        start = max(part.rfind(b" ", pos, p), part.rfind(b"\t", pos, p), part.rfind(b"\n", pos, p), pos - 1) + 1
        end = _stretch_end(part, p)
        k = int(np.searchsorted(high, end))
        while k < high.shape[0] and high[k] < end + MERGE_GAP:
            end = _stretch_end(part, int(high[k]))
            k = int(np.searchsorted(high, end))
        if start > pos:
            t.scan(buf, pos, start, SCAN_ASCII)
        stretch = part[start:end]
        if len(stretch) >= MAX_RUN and _LONG_RUN.search(stretch):
            raise _Decline
        text = reader.decode_counted(stretch, stats)
        split = "\n".join(" ".join(tokenize(line)) for line in text.split("\n")).encode("utf-8")
        sb = np.frombuffer(split, dtype=np.uint8)
        t.scan(sb, 0, sb.shape[0], SCAN_SPLIT)
        # bytes since the stretch's last space, tab or newline (the reader's hard-cut rule)
        t.state[ST_RUN] = len(stretch) - 1 - max(stretch.rfind(b" "), stretch.rfind(b"\t"), stretch.rfind(b"\n"))
        pos = end
    if pos < buf.shape[0]:
        t.scan(buf, pos, buf.shape[0], SCAN_ASCII)


def _stretch_end(part, p):
    """Index of the first space, tab or newline at or after byte p (or the end of `part`)."""
    m = _WHITESPACE.search(part, p)
    return len(part) if m is None else m.start()
