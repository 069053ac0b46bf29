"""`format_rows`: float32 rows as text, byte for byte what Python's ``"%.9g" % value`` writes.

Nine significant digits bring every float32 back exactly, and Python's
formatting of them is a third of a second per million numbers: a 48k x 100
vector file spent more time in it than its word2vec run took to build the
vocabulary.  This kernel writes the same bytes 4-6x as fast (0.05-0.07 s against
0.23-0.37 s for a million numbers, measured on an AMD EPYC, Zen 4); it is
compiled ahead of time with the word2vec kernels (`embed.word2vec.native`),
and `formats.write_word2vec` uses it when it is handed those kernels.

The digits.  A float32 ``v = M 2^E`` (M < 2^24) is exact as a float64.  With
``e = floor(log10 |v|)`` the nine digits are ``m = round(|v| 10^(8-e))``, rounded
half to even as Python does.  For ``0 <= 8-e <= 12`` (|v| >= 1e-4) the product
is exact in float64 (M 5^12 < 2^53), so m is exactly Python's.  Elsewhere the
product is rounded once or twice (relative error ~1e-16, at most ~3e-7 of a unit
of m): m is still right unless |v| 10^(8-e) lies within 1e-6 of a half, and
then the row is flagged for Python to format.  Non-finite values (read from the
bits: the kernels are compiled with fastmath, which may assume there are none)
are flagged too.  Then ``%g``'s layout: fixed notation for -4 <= e < 9 with
trailing zeros dropped, else ``d.dddde+XX``.
"""
import numpy as np
from numba import njit

_POW10 = np.array([10.0 ** k for k in range(23)])   # exact in float64 up to 1e22


# Not inline="always": Numba's IR inlining of it, in the ahead-of-time build, made the next
# kernel compiled in that process (scan_words) fail to type; LLVM inlines it anyway.
@njit(nogil=True, fastmath=True)
def _scaled(a, k):
    """a 10^k: exact for 0 <= k <= 22 when the product fits 53 bits; rounded otherwise."""
    while k > 22:
        a *= _POW10[22]
        k -= 22
    while k < -22:
        a /= _POW10[22]
        k += 22
    return a * _POW10[k] if k >= 0 else a / _POW10[-k]


@njit(cache=True, nogil=True, fastmath=True)
def format_rows(vectors, bits, out, ends, python):
    """Row i of `vectors` (n, d) as its d numbers in "%.9g", separated by b" ", into `out`.

    bits   : uint32 (n, d), the same memory as vectors (vectors.view(np.uint32))
    out    : uint8 (>= n * d * formats.NUMBER_BYTES,) out: the rows' bytes, one after the other
    ends   : int64 (n,) out: where row i ends in out (it starts where row i - 1 ends)
    python : uint8 (n,) out: 1 where the row must be formatted by Python instead (see module doc)
    """
    n, d = vectors.shape
    digits = np.empty(9, np.uint8)
    p = 0
    for i in range(n):
        python[i] = 0
        for j in range(d):
            if j > 0:
                out[p] = 32                                  # b" "
                p += 1
            u = bits[i, j]
            if (u >> 23) & 0xFF == 0xFF:                     # inf or nan
                python[i] = 1
                continue
            if u >> 31:
                out[p] = 45                                  # b"-"
                p += 1
            if u & 0x7FFFFFFF == 0:
                out[p] = 48                                  # b"0"
                p += 1
                continue
            a = abs(np.float64(vectors[i, j]))
            biased = (u >> 23) & 0xFF                        # e from the binary exponent, +-1
            e = int(np.floor(np.log10(a))) if biased == 0 else ((biased - 127) * 78913) >> 18
            x = _scaled(a, 8 - e)
            if x >= 1e9:                                     # log10 rounded across a power of ten
                e += 1
                x = _scaled(a, 8 - e)
            elif x < 1e8:
                e -= 1
                x = _scaled(a, 8 - e)
            if not 0 <= 8 - e <= 12 and abs(x - np.floor(x) - 0.5) < 1e-6:
                python[i] = 1                                # too near a half to round with certainty
                continue
            m = np.int64(np.rint(x))                         # half to even
            if m == 1000000000:
                m = 100000000
                e += 1
            for t in range(8, -1, -1):
                digits[t] = m % 10
                m //= 10
            last = 8                                         # the last digit kept: no trailing zeros
            while last > 0 and digits[last] == 0:
                last -= 1
            if -4 <= e < 9:                                  # fixed notation
                if e < 0:
                    out[p] = 48
                    out[p + 1] = 46                          # "0."
                    p += 2
                    for t in range(-e - 1):
                        out[p] = 48
                        p += 1
                    for t in range(last + 1):
                        out[p] = 48 + digits[t]
                        p += 1
                else:
                    for t in range(e + 1):
                        out[p] = 48 + digits[t]
                        p += 1
                    if last > e:
                        out[p] = 46
                        p += 1
                        for t in range(e + 1, last + 1):
                            out[p] = 48 + digits[t]
                            p += 1
            else:                                            # d.ddde+XX
                out[p] = 48 + digits[0]
                p += 1
                if last > 0:
                    out[p] = 46
                    p += 1
                    for t in range(1, last + 1):
                        out[p] = 48 + digits[t]
                        p += 1
                out[p] = 101                                 # b"e"
                out[p + 1] = 45 if e < 0 else 43             # b"-" / b"+"
                p += 2
                x_e = -e if e < 0 else e
                if x_e >= 100:
                    out[p] = 48 + x_e // 100
                    p += 1
                out[p] = 48 + (x_e // 10) % 10
                out[p + 1] = 48 + x_e % 10
                p += 2
        ends[i] = p
