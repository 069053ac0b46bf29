"""Training chunks of an encoded corpus, and the shards mapped while threads train them.

A chunk is a run of whole sentences of one shard holding about `batch_words`
tokens: the unit one thread hands to `chunk_kernel.train_chunk`.  It also carries
its global position (sentences and tokens before it in the whole corpus), from
which the driver computes the learning rate, so the schedule is the same
whether the corpus is one in-memory array or many shards on disk.

`OpenShards` maps a shard when a thread first needs it and keeps only the most
recent few mapped (one per thread, plus one), so training a corpus on disk
holds a few shards in memory, never the whole corpus.
"""
import collections
import threading
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Chunk:
    shard: int  # which shard
    s0: int  # first sentence, local to the shard
    s1: int  # one past the last sentence, local
    sent0: int  # sentences of the corpus before the chunk
    sent1: int  # sentences of the corpus up to the chunk's end
    tok0: int  # tokens of the corpus before the chunk
    tok1: int  # tokens of the corpus up to the chunk's end


def split_sentences(offsets, batch_words):
    """Sentence ranges [(s0, s1), ...] of about `batch_words` tokens each; offsets int64 (m+1,)."""
    ends = np.searchsorted(offsets, np.arange(batch_words, offsets[-1], batch_words), side="left")
    cuts = np.unique(np.concatenate([[0], ends, [offsets.size - 1]]))
    return [(int(a), int(b)) for a, b in zip(cuts[:-1], cuts[1:]) if b > a]


def plan(corpus, batch_words):
    """Every chunk of `corpus` (anything with `n_shards` and `shard(i)`), in corpus order."""
    chunks = []
    sent_base = tok_base = 0
    for i in range(corpus.n_shards):
        offsets = np.asarray(corpus.shard(i)[1], dtype=np.int64)  # (m+1,) local bounds
        for s0, s1 in split_sentences(offsets, batch_words):
            chunks.append(Chunk(i, s0, s1, sent_base + s0, sent_base + s1,
                                tok_base + int(offsets[s0]), tok_base + int(offsets[s1])))
        sent_base += offsets.size - 1
        tok_base += int(offsets[-1])
        del offsets
    return chunks


class OpenShards:
    """``get(i) -> (tokens int32, offsets int64)`` of shard `i`, C-contiguous; thread-safe.

    At most `keep` shards stay referenced here; an evicted memory map is
    unmapped once the last thread training on it lets go of it.
    """

    def __init__(self, corpus, keep):
        self.corpus = corpus
        self.keep = max(1, int(keep))
        self._open = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, i):
        with self._lock:
            pair = self._open.get(i)
            if pair is None:
                tokens, offsets = self.corpus.shard(i)
                pair = (np.ascontiguousarray(tokens, dtype=np.int32),
                        np.ascontiguousarray(offsets, dtype=np.int64))
                self._open[i] = pair
                while len(self._open) > self.keep:
                    self._open.popitem(last=False)
            else:
                self._open.move_to_end(i)
            return pair

    def close(self):
        with self._lock:
            self._open.clear()
