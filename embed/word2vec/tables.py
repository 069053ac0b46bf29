"""Constants and lookup tables shared by the word2vec kernels and their driver (numpy only).

Kept apart from the Numba kernels (`primitives.py`, `steps.py`, `chunk_kernel.py`,
`vocab_tables.py`) so the driver can build them without importing Numba: a process
that trains with the ahead-of-time compiled kernels (`native.py`) never loads
Numba at all.
"""

import numpy as np

SIG_MAX = 8.0          # logits beyond +-SIG_MAX saturate the sigmoid table
SIG_SIZE = 8192        # table entries over [-SIG_MAX, SIG_MAX]: step 0.002
SIG_SCALE = SIG_SIZE / (2.0 * SIG_MAX)

# 48-bit linear congruential generator (java.util.Random's, as in the C word2vec tool)
LCG_MUL = 25214903917
LCG_ADD = 11
LCG_MASK = (1 << 48) - 1
INV_2_32 = 1.0 / 4294967296.0

# stats columns filled by the chunk kernels (float64 (4,), accumulated)
STAT_LOSS, STAT_PAIRS, STAT_WORDS, STAT_KEPT = 0, 1, 2, 3


def make_tables():
    """Sigmoid and log-sigmoid sampled at the centres of SIG_SIZE bins: two float32 (SIG_SIZE,)."""
    x = -SIG_MAX + (np.arange(SIG_SIZE, dtype=np.float64) + 0.5) / SIG_SCALE
    sig = 1.0 / (1.0 + np.exp(-x))
    logsig = -np.logaddexp(0.0, -x)
    return sig.astype(np.float32), logsig.astype(np.float32)


def seed_state(seed, thread):
    """A fresh RNG state (int64 (1,)) for one thread, derived from `seed`."""
    x = (int(seed) * 0x9E3779B97F4A7C15 + (thread + 1) * 0xBF58476D1CE4E5B9) & ((1 << 64) - 1)
    x ^= x >> 31
    return np.array([x & LCG_MASK], dtype=np.int64)
