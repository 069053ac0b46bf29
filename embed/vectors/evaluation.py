"""Intrinsic evaluation: word analogies and word-pair similarity.

Conventions follow gensim's ``evaluate_word_analogies`` / ``evaluate_word_pairs``
so that numbers are comparable:

* only the first `restrict_vocab` words are known; with `case_insensitive`
  every word is upper-cased and the most frequent spelling stands for it;
* a question (or pair) with any unknown word is skipped and counted as OOV;
  accuracy is over the questions that were evaluated;
* for ``a : b :: c : ?`` the answer is the best candidate other than a, b, c.

Analogies are batched: for the (few hundred) distinct words of a batch of
questions we compute all cosines ``C = U_words @ U_vocab.T`` with one matrix
product, then a Numba kernel scans, per question, ``C[b] - C[a] + C[c]``
(3CosAdd: the same ranking as cos(x, b - a + c)) and
``P[b] * P[c] / (P[a] + 1e-6)`` with ``P = (1 + C) / 2`` (3CosMul), both in
one pass and without temporaries.
"""

import numpy as np

from ..jit import njit, prange
from ..errors import EmbedError
from ..data.sources import eval_file, resolve_file
from ..fileio import check_readable, open_input

_COS_BUDGET = 32 * 1024 * 1024  # floats in one cosine block (128 MB float32)


@njit(cache=True, nogil=True, parallel=True)
def _answer_batch(cos, group, qa, qb, qc, ga, gb, gc, pred_add, pred_mul):
    """Best 3CosAdd and 3CosMul answer for each question of a batch.

    cos        : float32 (u, m), cosines of the batch's distinct words with the vocabulary
    group      : int64 (m,), canonical index of each candidate (case folding)
    qa, qb, qc : int64 (q,), rows of `cos` holding a, b, c of each question
    ga, gb, gc : int64 (q,), canonical indices of a, b, c (never an answer)
    pred_add, pred_mul : int64 (q,), outputs: canonical index of the best candidate
    """
    m = cos.shape[1]
    for k in prange(qa.shape[0]):
        ra = cos[qa[k]]
        rb = cos[qb[k]]
        rc = cos[qc[k]]
        best_add = -np.inf
        best_mul = -1.0  # every 3CosMul score is >= 0
        arg_add = -1
        arg_mul = -1
        for j in range(m):
            g = group[j]
            if g == ga[k] or g == gb[k] or g == gc[k]:
                continue
            a = ra[j]
            b = rb[j]
            c = rc[j]
            s_add = b - a + c  # 3CosAdd, same ranking as cos(x, b - a + c)
            if s_add > best_add:
                best_add = s_add
                arg_add = j
            # 3CosMul: num / den > best  <=>  num > best * den  (den > 0), no division per word
            num = (0.5 + 0.5 * b) * (0.5 + 0.5 * c)
            den = 0.5 + 0.5 * a + 1e-6
            if num > best_mul * den:
                best_mul = num / den
                arg_mul = j
        pred_add[k] = group[arg_add] if arg_add >= 0 else -1
        pred_mul[k] = group[arg_mul] if arg_mul >= 0 else -1


def _known_words(kv, restrict_vocab, case_insensitive):
    """(dict word -> canonical index, canonical index per candidate (m,))."""
    limit = len(kv) if restrict_vocab is None else min(int(restrict_vocab), len(kv))
    fold = str.upper if case_insensitive else (lambda w: w)
    known = {}
    group = np.empty(limit, dtype=np.int64)
    for i, w in enumerate(kv.index_to_key[:limit]):
        group[i] = known.setdefault(fold(w), i)  # the most frequent spelling wins
    return known, group, fold


def _open_lines(path, what):
    path = check_readable(resolve_file(path, what), what)  # a data set name works too
    with open_input(path, what, decompress=False) as f:
        data = f.read()
    return data.decode("utf-8-sig", "replace").splitlines()  # a UTF-8 byte-order mark is not text


def evaluate_analogies(kv, path, restrict_vocab=300000, case_insensitive=True):
    """Accuracy on a questions-words file (``: section`` lines, then ``a b c d``).

    Returns ``{"accuracy", "cosmul_accuracy", "oov", "correct", "cosmul_correct",
    "total", "questions", "sections": {name: {"accuracy", "cosmul_accuracy",
    "correct", "cosmul_correct", "total"}}}``: ``total`` questions were evaluated
    out of ``questions`` well-formed ones, ``oov`` is the share skipped because a
    word is unknown.  Accuracy is NaN when nothing could be evaluated.
    """
    known, group, fold = _known_words(kv, restrict_vocab, case_insensitive)
    section_names, sec_of, quads = [], [], []  # quads: canonical (a, b, c, expected)
    n_questions = n_oov = 0
    for line_no, line in enumerate(_open_lines(path, "analogy file"), 1):
        if line.startswith(": "):
            section_names.append(line[2:].strip() or f"section {len(section_names) + 1}")
            continue
        words = line.split()
        if len(words) != 4:
            continue  # blank or malformed line: skipped, as gensim does
        if not section_names:
            raise EmbedError(f"{path} line {line_no}: question before any ': section' header "
                             "(is this a questions-words file?)")
        n_questions += 1
        idx = [known.get(fold(w)) for w in words]
        if None in idx:
            n_oov += 1
            continue
        quads.append(idx)
        sec_of.append(len(section_names) - 1)
    if n_questions == 0:
        raise EmbedError(f"{path}: no analogy questions found (expected lines 'a b c d' "
                         "after ': section' headers)")
    quads = np.array(quads, dtype=np.int64).reshape(-1, 4)  # (q, 4)
    sec_of = np.array(sec_of, dtype=np.int64)
    pred_add = np.full(len(quads), -1, dtype=np.int64)
    pred_mul = np.full(len(quads), -1, dtype=np.int64)
    if len(quads):
        _solve(kv, group, quads, pred_add, pred_mul)
    ok_add = pred_add == quads[:, 3]
    ok_mul = pred_mul == quads[:, 3]

    def ratio(a, b):
        return a / b if b else float("nan")

    sections = {}
    for s, name in enumerate(section_names):
        sel = sec_of == s
        total, c_add, c_mul = int(sel.sum()), int(ok_add[sel].sum()), int(ok_mul[sel].sum())
        entry = sections.setdefault(name, {"correct": 0, "cosmul_correct": 0, "total": 0})
        entry["correct"] += c_add
        entry["cosmul_correct"] += c_mul
        entry["total"] += total
    for entry in sections.values():
        entry["accuracy"] = ratio(entry["correct"], entry["total"])
        entry["cosmul_accuracy"] = ratio(entry["cosmul_correct"], entry["total"])
    total = len(quads)
    return {"accuracy": ratio(int(ok_add.sum()), total),
            "cosmul_accuracy": ratio(int(ok_mul.sum()), total),
            "oov": n_oov / n_questions,
            "correct": int(ok_add.sum()), "cosmul_correct": int(ok_mul.sum()),
            "total": total, "questions": n_questions,
            "sections": sections}


def _solve(kv, group, quads, pred_add, pred_mul):
    """Fill pred_add / pred_mul for all questions, a block of distinct words at a time."""
    m = group.shape[0]
    cand = kv.get_normed_vectors()[:m]  # (m, d)
    max_words = int(max(16, min(1024, _COS_BUDGET // max(m, 1))))
    start, n = 0, len(quads)
    while start < n:
        rows = {}
        stop = start
        while stop < n:
            new = {int(w) for w in quads[stop, :3]} - rows.keys()
            if len(rows) + len(new) > max_words:
                break
            for w in new:
                rows[w] = len(rows)
            stop += 1
        block = quads[start:stop]
        words = np.fromiter(rows.keys(), dtype=np.int64, count=len(rows))
        cos = np.ascontiguousarray(cand[words] @ cand.T)  # (u, m)
        lookup = np.vectorize(rows.__getitem__, otypes=[np.int64])
        local = lookup(block[:, :3])  # (q, 3)
        _answer_batch(cos, group, local[:, 0].copy(), local[:, 1].copy(), local[:, 2].copy(),
                      block[:, 0].copy(), block[:, 1].copy(), block[:, 2].copy(),
                      pred_add[start:stop], pred_mul[start:stop])
        start = stop


def evaluate_word_pairs(kv, path, restrict_vocab=300000, case_insensitive=True, delimiter="\t"):
    """Rank and linear correlation with human scores (WordSim353, SimLex-999 layout).

    Lines are ``word1<TAB>word2<TAB>score``; lines starting with '#' and lines
    that do not parse (a header) are skipped.  Returns ``{"spearman",
    "pearson", "oov", "pairs"}``: ``pairs`` evaluated, ``oov`` the share of
    pairs skipped for an unknown word.  Correlations are NaN below 2 pairs.
    """
    from scipy import stats

    known, _, fold = _known_words(kv, restrict_vocab, case_insensitive)
    normed = kv.get_normed_vectors()
    gold, model = [], []
    n_oov = n_pairs = 0
    for line_no, line in enumerate(_open_lines(path, "word-pair file"), 1):
        if not line or line.startswith("#"):
            continue
        fields = line.split(delimiter)
        if len(fields) != 3:
            continue
        try:
            score = float(fields[2])
        except ValueError:
            continue  # a header line
        if not np.isfinite(score):
            raise EmbedError(f"{path} line {line_no}: the score {fields[2].strip()!r} is not a finite number")
        n_pairs += 1
        i, j = known.get(fold(fields[0].strip())), known.get(fold(fields[1].strip()))
        if i is None or j is None:
            n_oov += 1
            continue
        gold.append(score)
        model.append(float(normed[i] @ normed[j]))
    if n_pairs == 0:
        raise EmbedError(f"{path}: no word pairs found (expected lines 'word1<TAB>word2<TAB>score')")
    if len(gold) >= 2 and np.ptp(gold) > 0 and np.ptp(model) > 0:
        spearman = float(stats.spearmanr(gold, model)[0])
        pearson = float(stats.pearsonr(gold, model)[0])
    else:
        spearman = pearson = float("nan")
    return {"spearman": spearman, "pearson": pearson, "oov": n_oov / n_pairs, "pairs": len(gold)}


def evaluate_files(kv, analogies=None, pairs=None, restrict_vocab=300000, case_insensitive=True):
    """Evaluate `kv` on an analogy file and word-pair files (the `embed evaluate` result).

    With neither given, uses the data sets questions-words, wordsim353 and
    simlex999 (see `embed.data`).  Returns
    ``{"analogies": evaluate_analogies(...) or None, "pairs": {file name: evaluate_word_pairs(...)}}``,
    with NaN where nothing could be evaluated.
    """
    import os

    if analogies is None and not pairs:
        analogies = eval_file("questions-words")
        pairs = [eval_file("wordsim353"), eval_file("simlex999")]
    # a data set name ("questions-words") or a path; each checked before any work
    analogies = check_readable(resolve_file(analogies, "evaluation file"), "evaluation file") if analogies else None
    pairs = [check_readable(resolve_file(f, "evaluation file"), "evaluation file") for f in pairs or []]
    result = {"analogies": None, "pairs": {}}
    if analogies:
        result["analogies"] = evaluate_analogies(kv, analogies, restrict_vocab=restrict_vocab,
                                                 case_insensitive=case_insensitive)
    for f in pairs or []:
        name = os.path.basename(f)
        while name in result["pairs"]:  # two files of the same name: name', name'', ...
            name += "'"
        result["pairs"][name] = evaluate_word_pairs(kv, f, restrict_vocab=restrict_vocab,
                                                    case_insensitive=case_insensitive)
    return result
