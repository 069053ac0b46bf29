"""Sampling text from a trained language model, one symbol at a time.

    state = zeros;  for s in prime: logits, state = model.step(s, state)
    repeat length times:
        p = softmax(logits / temperature)     # temperature < 1 sharpens, > 1 flattens
        keep only the top_k largest p, renormalise (optional)
        s ~ p   (or s = argmax p)             # a seeded Generator: same seed, same text
        logits, state = model.step(s, state)

Each step runs the recurrent layers' `step` (one (1, H) @ (H, G) product per
layer, no chunk bookkeeping) and the decoder on a single row.
"""
import numpy as np

from ..errors import EmbedError


def sample_index(logits, rng, temperature=1.0, top_k=None, argmax=False):
    """One index drawn from softmax(logits / temperature), restricted to the top_k largest.

    logits : float array (V,)
    """
    z = np.asarray(logits, dtype=np.float64).reshape(-1)
    if argmax or temperature == 0:
        return int(np.argmax(z))
    z = z / temperature
    if top_k is not None and 0 < top_k < z.size:
        cut = np.partition(z, z.size - top_k)[z.size - top_k]   # k-th largest
        z = np.where(z >= cut, z, -np.inf)
    z -= z.max()
    p = np.exp(z)
    p /= p.sum()
    # inverse-CDF draw: one uniform number per symbol, so a seed fixes the whole text
    u = rng.random()
    i = int(np.searchsorted(np.cumsum(p), u * 1.0, side="right"))
    i = min(i, z.size - 1)
    while p[i] == 0.0:  # float round-off at the very end of the CDF
        i -= 1
    return i


def generate_pieces(model, prime="", length=500, temperature=1.0, top_k=None, argmax=False, seed=None):
    """Yield the text of `generate` piece by piece, as it is sampled: the prime, then one symbol at a time.

    Memory stays constant whatever `length` is, so a caller can print an
    endless sample as it comes (and stop it at any time).
    """
    if length < 0:
        raise EmbedError(f"length must be >= 0, got {length}")
    if not argmax and not temperature > 0:
        raise EmbedError(f"temperature must be > 0, got {temperature}")
    if top_k is not None and top_k < 1:
        raise EmbedError(f"top-k must be >= 1, got {top_k}")
    vocab = model.vocab
    ids = vocab.encode(prime, what="prime text") if prime else np.zeros(0, np.int32)
    rng = np.random.default_rng(seed)
    state = model.initial_state(1)
    x = np.zeros(1, np.int32)
    if len(ids) == 0:
        # no prime: start from a random symbol (the newline when there is one: a fresh line)
        start = vocab.index.get("\n")
        ids = np.array([start if start is not None else rng.integers(len(vocab))], np.int32)
    elif vocab.level == "char":
        yield vocab.decode(ids)
    else:
        yield prime  # word level: the user's prime as typed
    logits = None
    for i in ids:
        x[0] = i
        logits, state = model.step(x, state)
    previous = None  # word level: the last symbol written, for the spacing rule of vocab.decode
    for _ in range(length):
        nxt = sample_index(logits[0], rng, temperature, top_k, argmax)
        symbol = vocab.decode([nxt])
        if vocab.level != "char":
            if previous is None:
                glue = prime and not prime.endswith(("\n", " ")) and symbol != "\n"
            else:
                glue = previous != "\n" and symbol != "\n"
            symbol = (" " if glue else "") + symbol
            previous = vocab.symbols[nxt]
        yield symbol
        x[0] = nxt
        logits, state = model.step(x, state)


def generate(model, prime="", length=500, temperature=1.0, top_k=None, argmax=False, seed=None):
    """Text of `length` new symbols continuing `prime` (the returned text starts with `prime`).

    Parameters
    ----------
    model : LanguageModel
    prime : str, any Unicode; every symbol must be in the model's vocabulary
    length : number of symbols to generate after the prime
    temperature : > 0; lower is more conservative
    top_k : sample only among the k most likely symbols (None = all)
    argmax : always take the most likely symbol (deterministic)
    seed : int for reproducible samples (None = fresh randomness)

    `generate_pieces` yields the same text as it is sampled.
    """
    return "".join(generate_pieces(model, prime, length, temperature, top_k, argmax, seed))
