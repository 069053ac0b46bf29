"""Inline building blocks of the word2vec kernels: random numbers, table sigmoids, prefetching.

Every function here is inlined into the kernel that calls it (`steps.py`,
`chunk_kernel.py`), so it costs no call.  Sigmoid and log-sigmoid come from the
tables of `tables.make_tables`; the random numbers from a per-thread 48-bit
linear congruential generator (the one of java.util.Random / the C word2vec
tool), whose state the calling kernel keeps in a local int64 and hands back to
its thread's state array (int64 (1,)) at the end.
"""

from llvmlite import ir

from ..jit import cgutils, intrinsic, njit, types
from .tables import INV_2_32, LCG_ADD, LCG_MASK, LCG_MUL, SIG_MAX, SIG_SCALE


@intrinsic
def prefetch_row(typingctx, arr, row):
    """Ask the CPU to start loading arr[row, :] (2-D C-contiguous) into cache, for writing:
    no effect on results.

    Noise words are random rows of a matrix far larger than L2; fetching the rows of
    the next centre's noise words while the current one is computed hides that latency.
    The hint says "about to write" (PREFETCHW on x86): the step updates every row it
    reads, and with several threads a row fetched as shared must be taken back from the
    other cores' caches once more at that write.  Measured on a 2-core AMD EPYC (Zen 4):
    skip-gram with two threads trained 1.5-1.8x faster than with read hints, one thread alike."""
    sig = types.void(arr, row)

    def codegen(context, builder, signature, args):
        aryty, rowty = signature.args
        ary = context.make_array(aryty)(context, builder, args[0])
        r = context.cast(builder, args[1], rowty, types.intp)
        zero = context.get_constant(types.intp, 0)
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [r, zero], wraparound=False)
        i8p = ir.IntType(8).as_pointer()
        p = builder.bitcast(ptr, i8p)
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch")
        nbytes = builder.mul(builder.extract_value(ary.shape, 1),
                             context.get_constant(types.intp, aryty.dtype.bitwidth // 8))
        for j in range(16):  # one hint per 64-byte line, rows up to 1 KiB
            off = context.get_constant(types.intp, 64 * j)
            with builder.if_then(builder.icmp_signed("<", off, nbytes)):
                # (address, write, high locality, data cache)
                builder.call(fn, [builder.gep(p, [off]), ir.Constant(i32, 1), ir.Constant(i32, 3),
                                  ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen


@njit(inline="always")
def lcg_next(state):
    """One LCG step: returns (new state, 32 random bits as int64)."""
    state = (state * LCG_MUL + LCG_ADD) & LCG_MASK
    return state, state >> 16


@njit(inline="always", fastmath=True)
def sigmoid(x, sig_table):
    """sigmoid(x) from the table; exactly 1 above SIG_MAX and 0 below -SIG_MAX."""
    if x >= SIG_MAX:
        return 1.0
    if x <= -SIG_MAX:
        return 0.0
    return sig_table[int((x + SIG_MAX) * SIG_SCALE)]


@njit(inline="always", fastmath=True)
def log_sigmoid(x, logsig_table):
    """log sigmoid(x); exact asymptotes outside the table (0 above, x below)."""
    if x >= SIG_MAX:
        return 0.0
    if x <= -SIG_MAX:
        return x
    return logsig_table[int((x + SIG_MAX) * SIG_SCALE)]


@njit(inline="always")
def noise_bucket(state, V):
    """A draw from Walker's alias table of V buckets: returns (new state, bucket i, uniform u).

    The 32 random bits r give both the bucket ``floor(r V / 2^32)`` and, from the
    remainder, the uniform number u that picks the bucket's own word (u < prob[i])
    or its alias.  The caller reads the two tables itself: handing the arrays to a
    helper would make Numba take a reference on them for every draw."""
    state, r = lcg_next(state)
    rv = r * V
    return state, rv >> 32, (rv & 0xFFFFFFFF) * INV_2_32


@njit(inline="always")
def row_of(w, hot, base):
    """The row word w trains on: this thread's private copy for the `hot` most frequent words
    (rows base..base+hot-1, see chunk_kernel's module doc), else the shared row w."""
    return base + w if w < hot else w


@njit(inline="always")
def node_row(p, first, base):
    """The row Huffman inner node p trains on: this thread's private copy for the nodes nearest
    the root (p >= first: the last ones the tree built, the busiest), else the shared row p."""
    return base + p - first if p >= first else p


@njit(inline="always")
def private_rows_in(M, first, n, base):
    """A chunk's start: rows first..first+n-1 copied to this thread's rows base..base+n-1 and to
    their snapshot base+n..base+2n-1 (see chunk_kernel's module doc)."""
    for i in range(n):
        for d in range(M.shape[1]):
            v = M[first + i, d]
            M[base + i, d] = v
            M[base + n + i, d] = v


@njit(inline="always")
def private_rows_out(M, first, n, base):
    """A chunk's end: what this thread changed in its copies is added to the shared rows,
    M[first + i] += M[base + i] - M[base + n + i] for i < n."""
    for i in range(n):
        for d in range(M.shape[1]):
            M[first + i, d] += M[base + i, d] - M[base + n + i, d]
