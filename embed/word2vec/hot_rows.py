"""Per-thread copies of the most frequent words' rows: the driver's half.

With several threads, the `HOT_WORDS` most frequent words train on each
thread's own copies of their rows in syn0 and syn1neg, merged into the shared
rows after every chunk; `chunk_kernel`'s module doc says why and how the
kernel does it.  Here: where the copies live.  They are rows of the same
matrices, below the V shared ones, so the kernel's steps index one array:

    rows 0 .. V-1                      the shared weights (the model's syn0_ / syn1neg_ are views of them)
    rows base .. base + hot - 1        thread w's copies,   base = V + 2 * hot * w
    rows base + hot .. base + 2hot - 1 their snapshot at the chunk's start

One thread gets hot = 0: no copies, no extra rows, the plain Hogwild kernel.
With hierarchical softmax, syn1 (V - 1 inner nodes) gets the same room, at the
same rows, for the copies of the nodes nearest the root.
"""
import numpy as np

HOT_WORDS = 1024        # 2-thread skip-gram fit: median 14.3 s with none, 10.4 s with these (README)


def hot_words(vocab_size, workers):
    """How many of the most frequent words each thread trains on its own copies."""
    return min(HOT_WORDS, vocab_size) if workers > 1 else 0


def base_row(vocab_size, worker, hot):
    """The first of thread `worker`'s private rows."""
    return vocab_size + 2 * hot * worker


def weights_with_room(model, workers):
    """(syn0, syn1neg, syn1, hot): the model's matrices with room below their shared rows for
    the copies of `workers` threads (syn1, the inner nodes, only when hierarchical softmax is on).
    The first call makes each a (V + 2 hot workers, D) array and turns the model's attribute
    into the view of its shared rows (V, or V - 1 for syn1), so training writes the model's
    weights in place; later calls find the room already there."""
    V = model.syn0_.shape[0]
    hot = hot_words(V, workers)
    rows = base_row(V, workers, hot)
    names = ("syn0_", "syn1neg_", "syn1_") if model.hs else ("syn0_", "syn1neg_")
    full = []
    for name in names:
        M = getattr(model, name)                                    # (V or V - 1, D)
        room = getattr(model, "_room_" + name, None)
        if room is None or M.base is not room or room.shape[0] < rows:
            room = np.empty((rows, M.shape[1]), np.float32)         # (V + 2 hot workers, D)
            room[:M.shape[0]] = M
            setattr(model, name, room[:M.shape[0]])
            setattr(model, "_room_" + name, room)
        full.append(room)
    if not model.hs:
        full.append(model.syn1_)
    return full[0], full[1], full[2], hot
