"""The compiled text writer (vectors/text_kernels.py) writes exactly what Python's "%.9g" does."""
import numpy as np

from embed.vectors import formats
from embed.vectors.text_kernels import format_rows
from embed.word2vec import native


def _python_rows(vectors):
    fmt = " ".join(["%.9g"] * vectors.shape[1])
    return [(fmt % tuple(row.tolist())).encode() for row in vectors]


def _kernel_rows(vectors):
    n, d = vectors.shape
    out = np.empty(n * d * formats.NUMBER_BYTES, np.uint8)
    ends, python = np.empty(n, np.int64), np.empty(n, np.uint8)
    format_rows(vectors, vectors.view(np.uint32), out, ends, python)
    text, begin, rows = out[:ends[-1]].tobytes(), 0, []
    for end, flagged in zip(ends.tolist(), python.tolist()):
        rows.append(None if flagged else text[begin:end])
        begin = end
    return rows


def _hard_floats():
    """Every binary exponent (random bit patterns), the float32s around each power of ten,
    ties at the ninth digit, zeros of both signs, the extremes, and ordinary vector values."""
    rng = np.random.default_rng(0)
    bits = rng.integers(0, 2 ** 32, 20000, dtype=np.uint64).astype(np.uint32)
    bits = bits[(bits >> 23) & 0xFF != 0xFF]                          # finite ones
    tens = np.array([10.0 ** k for k in range(-45, 39)], np.float32)
    around = np.concatenate([np.nextafter(tens, np.float32(0)), tens, np.nextafter(tens, np.float32(np.inf))])
    special = np.array([0.0, -0.0, 1.0, 0.5, 2.5, 1e-4, 1e-5, 123456789.0, 999999999.0, 1e9,
                        1048576.125, 1048576.375, 3.4028235e38, 1.4e-45, 16777216.0, 0.1], np.float32)
    values = np.concatenate([bits.view(np.float32), around, -around, special, -special,
                             rng.normal(0, 0.3, 3000).astype(np.float32)])
    return values[: len(values) // 50 * 50].reshape(-1, 50)


def test_kernel_writes_pythons_bytes():
    vectors = np.ascontiguousarray(_hard_floats())
    got, want = _kernel_rows(vectors), _python_rows(vectors)
    flagged = sum(row is None for row in got)
    assert flagged <= 2                                        # near-ties only, if any
    assert [g for g, w in zip(got, want) if g is not None and g != w] == []


def test_rows_with_inf_or_nan_are_left_to_python():
    vectors = np.array([[1.0, np.inf], [np.nan, 2.0], [-np.inf, 0.25], [0.5, 1.5]], np.float32)
    got = _kernel_rows(vectors)
    assert got[:3] == [None, None, None] and got[3] == b"0.5 1.5"


def test_writer_with_the_kernels_writes_the_same_file(tmp_path):
    rng = np.random.default_rng(3)
    vectors = rng.normal(0, 0.5, (5000, 30)).astype(np.float32)
    vectors[7, 3], vectors[4999, 0] = np.nan, -np.inf                  # rows Python formats
    words = [f"w{i}" for i in range(5000)]
    words[1] = "naïve"                                                  # UTF-8 words
    plain, fast = tmp_path / "plain.txt", tmp_path / "fast.txt"
    formats.write_word2vec(plain, words, vectors)
    formats.write_word2vec(fast, words, vectors, kernels=native.load("jit"))
    assert fast.read_bytes() == plain.read_bytes()
    vectors[7, 3] = vectors[4999, 0] = 0.0                              # (the reader refuses nan)
    formats.write_word2vec(fast, words, vectors, kernels=native.load("jit"))
    back_words, back = formats.read_vectors(str(fast))[:2]
    assert back_words == words
    np.testing.assert_array_equal(back, vectors)                      # every float32 exactly back
