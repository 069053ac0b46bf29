"""Numba kernels of the compiled vocabulary pass (`scan.py` drives them).

`scan_words` reads raw bytes holding whole lines and does what `tokenize`'s
``regexp`` rule, a `encoder.NewIds` dict and `encoder.spool` do together:

- mode SCAN_ASCII: tokens are ``[A-Za-z0-9]+(?:['-][A-Za-z0-9]+)*`` (leftmost,
  greedy: the ASCII twin of ``tokenize.WORD_PATTERN``), A-Z lower-cased when
  `lower`; the bytes must be ASCII.
- mode SCAN_SPLIT: the bytes are tokens already (UTF-8), separated by b" ",
  lines ended by b"\\n"; nothing is lower-cased.  Lines that are not ASCII are
  tokenized in Python and handed over this way, so ids stay in order of first
  appearance.

Each token gets a provisional id (the next id for a new word) through an
open-addressing hash table (linear probing, FNV-1a 64-bit hashes) whose words
live in a byte arena; ids are appended to `out_ids` and counted.  Every b"\\n"
ends a line; a line of k tokens becomes sentences of `max_words` tokens and a
last one of the rest (as `spool` cuts them), appended to `out_lens`.

The kernel stops early, at a token boundary with nothing half-done, when an
array is full (the driver grows or flushes it and calls again) or, in
SCAN_ASCII mode, when a line has a run of `MAX_RUN` bytes without a space or
tab: there the reader would cut a word in two (`reader._cut_at_space`), which
the driver reproduces by taking the Python path instead.

Arrays (the driver owns and grows them):
    table  : int32 (T,)        slot -> id, -1 empty; T a power of two, at most half full
    hashes : uint64 (C,)       id -> hash of its word
    starts : int64 (C + 1,)    id -> start of its word in arena (starts[n_ids] = bytes used)
    arena  : uint8 (A,)        the words' bytes, in order of first appearance
    counts : int64 (C,)        id -> occurrences
    out_ids : int32 (O,)       ids emitted since the last flush
    out_lens : int64 (L,)      sentence lengths emitted since the last flush
    state  : int64 (STATE_SIZE,)  see the ST_* indices (constants shared with scan.py)
"""
import numpy as np
from numba import njit

from .scan import (MAX_RUN, SCAN_ASCII, ST_IDS, ST_LENS, ST_LINE, ST_LINES, ST_OUT, ST_RUN, ST_STOP,
                   STOP_OUT, STOP_ROOM, STOP_RUN)

_FNV_OFFSET = np.uint64(0xcbf29ce484222325)
_FNV_PRIME = np.uint64(0x100000001b3)


def _byte_tables():
    """(word_lower, word_keep, lower, keep): uint8 (256,) each.

    word_* : a byte of [A-Za-z0-9] -> itself (A-Z lower-cased in word_lower), any other -> 0.
    lower / keep : every byte -> itself (A-Z lower-cased in lower): what goes into the arena."""
    keep = np.arange(256, dtype=np.uint8)
    lower = keep.copy()
    lower[65:91] += 32
    is_word = np.zeros(256, dtype=np.bool_)
    is_word[48:58] = is_word[65:91] = is_word[97:123] = True
    return np.where(is_word, lower, 0).astype(np.uint8), np.where(is_word, keep, 0).astype(np.uint8), lower, keep


_WORD_LOWER, _WORD_KEEP, _LOWER, _KEEP = _byte_tables()


@njit(cache=True, nogil=True, fastmath=True, _nrt=False)
def scan_words(buf, pos, end, mode, lower, max_words, table, hashes, starts, arena, counts,
               out_ids, out_lens, state):
    """Tokenize buf[pos:end] (whole lines) into ids; returns where it stopped (end when done).

    buf : uint8 (n,);  mode : SCAN_ASCII or SCAN_SPLIT;  lower : 1 to lower-case A-Z (SCAN_ASCII).
    See the module docstring for the arrays; state[ST_STOP] says why it stopped early.
    A word's hash and arena bytes are those of its final (lower-cased) form, whichever
    mode brought it.
    """
    lowering = lower != 0 and mode == SCAN_ASCII
    word = _WORD_LOWER if lowering else _WORD_KEEP  # (256,) byte -> word byte or 0
    low = _LOWER if lowering else _KEEP  # (256,) byte -> the byte the arena keeps
    mask = table.shape[0] - 1
    n_ids = state[ST_IDS]
    n_out = state[ST_OUT]
    n_lens = state[ST_LENS]
    line = state[ST_LINE]
    run = state[ST_RUN]
    lines = state[ST_LINES]
    stop = 0
    i = pos
    while i < end:
        b = buf[i]
        h = _FNV_OFFSET
        if word[b] == 0 if mode == SCAN_ASCII else (b == 32 or b == 10):  # a separator
            if b == 10:  # end of line
                if line > 0:
                    if n_lens >= out_lens.shape[0]:
                        stop = STOP_OUT
                        break
                    out_lens[n_lens] = line
                    n_lens += 1
                    line = 0
                lines += 1
                run = 0
            elif mode == SCAN_ASCII:
                if b == 32 or b == 9:
                    run = 0
                else:
                    run += 1
                    if run >= MAX_RUN:
                        stop = STOP_RUN
                        break
            i += 1
            continue
        j = i
        if mode == SCAN_ASCII:
            # a token starts here: [A-Za-z0-9]+ then (['-][A-Za-z0-9]+)*, hashed as it is read
            while True:
                while j < end:
                    c = word[buf[j]]
                    if c == 0:
                        break
                    h = (h ^ np.uint64(c)) * _FNV_PRIME
                    j += 1
                if j + 1 < end and (buf[j] == 39 or buf[j] == 45) and word[buf[j + 1]] != 0:
                    h = (h ^ np.uint64(buf[j])) * _FNV_PRIME
                    j += 1
                    continue
                break
            if run + (j - i) >= MAX_RUN:
                stop = STOP_RUN
                break
        else:
            while j < end and buf[j] != 32 and buf[j] != 10:
                h = (h ^ np.uint64(buf[j])) * _FNV_PRIME
                j += 1
        # the token is buf[i:j], low[] of its bytes the word
        if n_out >= out_ids.shape[0] or (line == max_words and n_lens >= out_lens.shape[0]):
            stop = STOP_OUT
            break
        length = j - i
        slot = np.int64(h & np.uint64(mask))
        found = -1
        while True:
            w = table[slot]
            if w < 0:
                break
            if hashes[w] == h and starts[w + 1] - starts[w] == length:
                s = starts[w]
                k = 0
                while k < length and arena[s + k] == low[buf[i + k]]:
                    k += 1
                if k == length:
                    found = w
                    break
            slot = (slot + 1) & mask
        if found < 0:  # a new word
            s = starts[n_ids]
            if (n_ids + 1 >= hashes.shape[0] or s + length > arena.shape[0]
                    or 2 * (n_ids + 1) > table.shape[0]):
                stop = STOP_ROOM
                break
            for k in range(length):
                arena[s + k] = low[buf[i + k]]
            starts[n_ids + 1] = s + length
            hashes[n_ids] = h
            counts[n_ids] = 0
            table[slot] = n_ids
            found = n_ids
            n_ids += 1
        if line == max_words:  # spool's cut of a long line
            out_lens[n_lens] = max_words
            n_lens += 1
            line = 0
        out_ids[n_out] = found
        n_out += 1
        counts[found] += 1
        line += 1
        if mode == SCAN_ASCII:
            run += length
        i = j
    state[ST_IDS] = n_ids
    state[ST_OUT] = n_out
    state[ST_LENS] = n_lens
    state[ST_LINE] = line
    state[ST_RUN] = run
    state[ST_LINES] = lines
    state[ST_STOP] = stop
    return i


@njit(cache=True, nogil=True, fastmath=True, _nrt=False)
def rehash_words(table, hashes, n_ids):
    """Fill `table` (int32 (T,), T a power of two) with ids 0..n_ids-1 by their `hashes` (uint64)."""
    mask = table.shape[0] - 1
    table[:] = -1
    for w in range(n_ids):
        slot = np.int64(hashes[w] & np.uint64(mask))
        while table[slot] >= 0:
            slot = (slot + 1) & mask
        table[slot] = w
