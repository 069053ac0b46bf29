"""Reading and writing word vectors in the formats other tools use.

word2vec text      ``n d`` header, then one ``word v1 ... vd`` line per word
                   (gensim's and the C tool's ``-binary 0``; ``.txt`` / ``.vec``).
word2vec binary    ``n d\\n`` header, then per word ``word<space>`` followed by
                   d little-endian float32 (4*d bytes).  The C tool writes a
                   ``\\n`` after every vector, gensim does not; we read both and
                   write the C tool's style, which gensim reads too (``.bin``).
GloVe text         the text format without the header line.
projector TSV      TensorBoard's ``vectors.tsv`` (tab separated, no header)
                   plus ``metadata.tsv`` (one word per line).

Every save is atomic (`embed.fileio.atomic_write`).  Every problem with a file
is one `EmbedError` line saying what is wrong and where, e.g.
``vectors.txt line 12: expected 100 values, got 37``.  Non-finite values are
refused; a word that appears twice keeps its first vector (as in gensim), with
a one-line notice.

Words that are not valid UTF-8 (old C-tool files in Latin-1) are decoded with
``backslashreplace``: ``caf\\xe9`` stays a distinct, printable key.
"""
import codecs
import contextlib
import gzip
import lzma
import os
import re
import zlib

import numpy as np

from ..errors import EmbedError
from ..fileio import atomic_write, check_readable, open_input
from ..progress import notice

BINARY_SUFFIXES = (".bin",)
TEXT_SUFFIXES = (".txt", ".vec")
_DECODE_ERRORS = "backslashreplace"


def _suffix(path):
    """The format suffix, looking through a trailing .gz: 'v.bin.gz' -> '.bin'."""
    stem, suffix = os.path.splitext(os.fspath(path))
    if suffix.lower() == ".gz":
        suffix = os.path.splitext(stem)[1]
    return suffix.lower()


def _open_read(path):
    """Binary file object; .gz (.bz2, .xz) files are decompressed; a FIFO nobody writes to is an error."""
    return open_input(path, "vector file")


def format_from_suffix(path):
    """'binary' for .bin, 'text' for .txt/.vec (also .bin.gz ...), else a one-line EmbedError."""
    suffix = _suffix(path)
    if suffix in BINARY_SUFFIXES:
        return "binary"
    if suffix in TEXT_SUFFIXES:
        return "text"
    raise EmbedError(f"cannot tell the vector format from the name {os.fspath(path)!r}: "
                     "use .bin (word2vec binary) or .txt/.vec (word2vec text)")


# --------------------------------------------------------------------------- writing

@contextlib.contextmanager
def _atomic_write_maybe_gz(path):
    """atomic_write in binary mode, gzip-compressed when the name ends in .gz."""
    with atomic_write(path, "wb") as raw:
        if os.fspath(path).lower().endswith(".gz"):
            with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as f:
                yield f
        else:
            yield raw


_SEPARATORS = re.compile("[ \t\n\r]")


def _check_words(words):
    if all(words) and not _SEPARATORS.search("\0".join(words)):  # one regex scan, not a generator per word
        return
    for w in words:
        if not w or _SEPARATORS.search(w):
            raise EmbedError(f"cannot save word {w!r}: words must be non-empty and contain "
                             "no space, tab or newline")


def write_word2vec(path, words, vectors, binary=False, kernels=None):
    """Write word2vec text or binary (C-tool style: newline after each vector).

    kernels : optional, a namespace with `format_rows` (`embed.word2vec.native.load()`):
        text numbers formatted by that compiled kernel: the same bytes, 4-6x as fast."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)  # (n, d)
    n, d = vectors.shape
    _check_words(words)
    with _atomic_write_maybe_gz(path) as f:
        f.write(f"{n} {d}\n".encode("utf-8"))
        if binary:
            _write_binary_rows(f, words, vectors)
        else:
            _write_text_rows(f, words, vectors, getattr(kernels, "format_rows", None))


def write_glove(path, words, vectors):
    """GloVe text: word2vec text without the header line."""
    vectors = np.asarray(vectors, dtype=np.float32)
    _check_words(words)
    with _atomic_write_maybe_gz(path) as f:
        _write_text_rows(f, words, vectors)


def _write_binary_rows(f, words, vectors):
    for w, v in zip(words, vectors.astype("<f4", copy=False)):
        f.write(w.encode("utf-8") + b" " + v.tobytes() + b"\n")


NUMBER_BYTES = 16     # the longest "%.9g" of a float32, "-1.23456789e-45", and its separator


def _write_text_rows(f, words, vectors, format_rows=None, chunk=4096):
    # repr-precision floats ('%.9g' round-trips float32 exactly); one format string per
    # row rather than one per number: 1.5 -> 1.1 s for 48k rows of 100 (each row made
    # Python floats on its own: a whole chunk of them at once raised `embed train`'s peak
    # memory from 155 to 180 MB).  With the compiled `format_rows` (vectors/text_kernels.py)
    # the same bytes, Python formatting only the rows it flags.
    fmt = " ".join(["%.9g"] * vectors.shape[1])
    if format_rows is not None:                   # vectors: C-contiguous float32 (write_word2vec)
        out = np.empty(min(chunk, len(words)) * vectors.shape[1] * NUMBER_BYTES, np.uint8)
        ends, python = np.empty(chunk, np.int64), np.empty(chunk, np.uint8)
    for start in range(0, len(words), chunk):
        rows = vectors[start:start + chunk]
        names = words[start:start + chunk]
        if format_rows is None:
            lines = [w + " " + fmt % tuple(row.tolist()) for w, row in zip(names, rows)]
            f.write(("\n".join(lines) + "\n").encode("utf-8"))
            continue
        n = len(rows)
        format_rows(rows, rows.view(np.uint32), out, ends[:n], python[:n])
        text = out[:ends[n - 1]].tobytes()
        begin, lines = 0, []
        for w, row, end, by_python in zip(names, rows, ends[:n].tolist(), python[:n].tolist()):
            numbers = (fmt % tuple(row.tolist())).encode() if by_python else text[begin:end]
            lines.append(w.encode("utf-8") + b" " + numbers)
            begin = end
        f.write(b"\n".join(lines) + b"\n")


def write_projector(folder, words, vectors):
    """TensorBoard projector files: folder/vectors.tsv and folder/metadata.tsv."""
    folder = os.fspath(folder)
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise EmbedError(f"cannot export to {folder}: it is a file, not a folder")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as e:
        raise EmbedError(f"cannot create folder {folder}: {e.strerror}") from None
    _check_words(words)
    vectors = np.asarray(vectors, dtype=np.float32)
    vec_path = os.path.join(folder, "vectors.tsv")
    meta_path = os.path.join(folder, "metadata.tsv")
    with atomic_write(vec_path, "w") as f:
        for start in range(0, len(words), 4096):
            f.write("".join("\t".join("%.6g" % x for x in row) + "\n"
                            for row in vectors[start:start + 4096].tolist()))
    with atomic_write(meta_path, "w") as f:  # one column: TensorBoard wants no header
        f.write("".join(w + "\n" for w in words))
    return vec_path, meta_path


# --------------------------------------------------------------------------- reading

def _strip_bom(data, path):
    """Drop a UTF-8 byte-order mark; refuse UTF-16/32 text (vector files are UTF-8)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # also UTF-32's marks
        raise EmbedError(f"{path}: UTF-16 or UTF-32 text; vector files must be UTF-8 "
                         "(convert it, e.g. with iconv -t UTF-8)")
    return data


def _not_text(data):
    """True if `data` is not UTF-8: raw float32 bytes almost never are, text vector files are."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def sniff(path):
    """Guess the format of a vector file: 'binary', 'text' or 'glove'.

    A first line of two integers is a word2vec header; then the first vector
    line tells text (``word`` + d numbers) from binary (raw float32 bytes,
    which are not text).  No header means GloVe.
    """
    try:
        with _open_read(path) as f:
            head = f.read(1 << 16)
    except (OSError, EOFError, zlib.error, lzma.LZMAError) as e:  # BadGzipFile is an OSError; these are not
        raise EmbedError(f"{path}: cannot read: {e}") from None
    return sniff_bytes(head, path)


def sniff_bytes(head, path="vectors"):
    """`sniff` on the first bytes of a file (already read: a pipe cannot be read twice)."""
    head = _strip_bom(head[:1 << 16], path)
    if not head.strip():
        raise EmbedError(f"{path}: empty vector file")
    first, _, rest = head.partition(b"\n")
    fields = first.split()
    is_bin = _suffix(path) in BINARY_SUFFIXES
    if not (len(fields) == 2 and all(x.isdigit() for x in fields)):
        return "binary" if is_bin else "glove"  # a .bin file's parser reports the bad header
    d = int(fields[1])
    line = rest.split(b"\n", 1)[0]
    try:
        parts = line.decode("utf-8", _DECODE_ERRORS).split()   # any word encoding; numbers are ASCII
        if len(parts) == d + 1:
            np.array(parts[1:], dtype=np.float32)
            return "text"
    except (UnicodeDecodeError, ValueError):
        pass
    if b"\x00" in rest or _not_text(rest[:-4]):
        return "binary"
    return "binary" if is_bin else "text"  # the text parser says what is wrong with it


def read_vectors(path, fmt=None):
    """Read a vector file; returns (words list, float32 (n, d) array, n_undecodable).

    fmt: None (sniff), 'text', 'binary' or 'glove'.
    """
    path = check_readable(path, "vector file")
    try:  # read once: /dev/stdin or a FIFO cannot be sniffed and then read again
        with _open_read(path) as f:
            data = f.read()
    except (OSError, EOFError, zlib.error, lzma.LZMAError) as e:
        raise EmbedError(f"{path}: cannot read: {e}") from None
    if fmt is None:
        fmt = sniff_bytes(data, path)
    data = _strip_bom(data, path)
    if fmt == "binary":
        words, vectors, bad = _parse_binary(data, path)
        where = "vector"
    elif fmt in ("text", "glove"):
        words, vectors, bad = _parse_text(data, path, header=fmt == "text")
        where = "line"
    else:
        raise EmbedError(f"unknown vector format {fmt!r}: use 'text', 'binary' or 'glove'")
    first_row = {"vector": 1, "line": 2 if fmt == "text" else 1}[where]
    words, vectors = drop_duplicates(words, vectors, path, where, first_row)
    return words, vectors, bad


def drop_duplicates(words, vectors, path="vectors", where="line", first_row=1):
    """Keep the first vector of a word that appears more than once, as gensim does.

    Returns (words, vectors) without the repeats and says, in one notice line,
    how many were dropped and where the first repeat is (`where` 'line' or
    'vector', numbered from `first_row`).
    """
    if len(set(words)) == len(words):
        return words, vectors
    seen, keep = set(), np.ones(len(words), dtype=bool)  # (n,)
    for i, w in enumerate(words):
        if w in seen:
            keep[i] = False
        seen.add(w)
    dropped = np.flatnonzero(~keep)
    i = int(dropped[0])
    notice(f"{path}: {len(dropped)} repeated word(s), the first {words[i]!r} at {where} {first_row + i}: "
           "kept the first vector of each")
    return [w for w, k in zip(words, keep) if k], vectors[keep]


def _parse_header(line, path):
    fields = line.split()
    try:
        n, d = (int(x) for x in fields)
    except ValueError:
        shown = line[:60].decode("utf-8", _DECODE_ERRORS)
        raise EmbedError(f"{path} line 1: expected a header 'n_words dim', got {shown!r}") from None
    if n < 0 or d <= 0:
        raise EmbedError(f"{path} line 1: bad header {n} {d} (need n_words >= 0 and dim > 0)")
    return n, d


def _decode(raw):
    try:
        return raw.decode("utf-8"), 0
    except UnicodeDecodeError:
        return raw.decode("utf-8", _DECODE_ERRORS), 1


def _parse_binary(data, path):
    end = data.find(b"\n")
    if end < 0:
        raise EmbedError(f"{path}: binary file truncated inside the header line")
    n, d = _parse_header(data[:end], path)
    nbytes = 4 * d
    # every record is at least a 1-byte word, a space and d floats: a corrupt header promising
    # more than the file can hold must not allocate for it (the loop reports the truncation)
    vectors = np.empty((min(n, (len(data) - end) // (nbytes + 2)), d), dtype=np.float32)  # (n, d)
    words, bad = [], 0
    pos, size = end + 1, len(data)
    for i in range(n):
        while pos < size and data[pos] in b"\n\r":  # the C tool's newline after a vector
            pos += 1
        space = data.find(b" ", pos, pos + 4096)
        if space < 0 and size - pos > 4096:
            raise EmbedError(f"{path}: corrupt binary file at vector {i + 1} of {n} "
                             f"(byte {pos}): no word found")
        if space < 0 or space + 1 + nbytes > size:
            raise EmbedError(f"{path}: binary file truncated after {i} of {n} vectors")
        word, b = _decode(data[pos:space])
        if not word or b"\n" in data[pos:space]:
            raise EmbedError(f"{path}: corrupt binary file at vector {i + 1} of {n} "
                             f"(byte {pos}): bad word {word[:40]!r}")
        bad += b
        words.append(word)
        vectors[i] = np.frombuffer(data, dtype="<f4", count=d, offset=space + 1)
        pos = space + 1 + nbytes
    if not np.isfinite(vectors).all():
        i = int(np.flatnonzero(~np.isfinite(vectors).all(axis=1))[0])
        raise EmbedError(f"{path}: corrupt binary file: vector {i + 1} ({words[i]!r}) "
                         "has non-finite values")
    return words, vectors, bad


def _parse_text(data, path, header=True):
    text, bad_bytes = _decode(data)
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    first_line = 1
    n = d = None
    if header:
        if not lines:
            raise EmbedError(f"{path}: empty vector file")
        n, d = _parse_header(lines[0].encode("utf-8"), path)
        lines = lines[1:]
        first_line = 2
    words, rests = [], []
    for line in lines:
        word, _, rest = line.strip(" \r\t").partition(" ")
        words.append(word)
        rests.append(rest)
    if not header:
        if not words:
            raise EmbedError(f"{path}: empty vector file")
        d = len(rests[0].split())
        if d == 0:
            raise EmbedError(f"{path} line 1: expected a word followed by its values")
        n = len(words)
    if len(words) < n:
        raise EmbedError(f"{path}: text file truncated after {len(words)} of {n} vectors")
    if len(words) > n:
        extra = first_line + n
        raise EmbedError(f"{path} line {extra}: more vectors than the {n} the header announces")
    try:
        values = np.fromstring("\n".join(rests), dtype=np.float32, sep=" ") if rests else \
            np.empty(0, np.float32)
    except ValueError:
        values = None
    if values is None or values.size != n * d:
        _find_bad_line(rests, d, path, first_line)  # always raises
    vectors = values.reshape(n, d)
    if not np.isfinite(vectors).all():
        i = int(np.flatnonzero(~np.isfinite(vectors).all(axis=1))[0])
        raise EmbedError(f"{path} line {first_line + i}: non-finite value in the vector of {words[i]!r}")
    bad_words = sum(1 for w in words if "\\x" in w) if bad_bytes else 0
    return words, vectors, bad_words


def _find_bad_line(rests, d, path, first_line):
    for i, rest in enumerate(rests):
        parts = rest.split()
        if len(parts) != d:
            raise EmbedError(f"{path} line {first_line + i}: expected {d} values, got {len(parts)}")
        try:
            np.array(parts, dtype=np.float32)
        except ValueError:
            bad = next(p for p in parts if not _is_float(p))
            raise EmbedError(f"{path} line {first_line + i}: bad value {bad[:30]!r}") from None
    raise EmbedError(f"{path}: could not parse the vector values")


def _is_float(s):
    try:
        float(s)
        return True
    except ValueError:
        return False
