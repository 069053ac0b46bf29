"""The ahead-of-time compiled word2vec kernels (native.py) against the Numba JIT ones."""
import os
import shutil
import subprocess
import sys
import sysconfig
import threading

import numpy as np
import pytest

from embed.errors import EmbedError
from embed.text.corpus import encode_corpus
from embed.word2vec import native, tables
from embed.word2vec.model import Word2Vec


def _has_c_compiler():
    cc = (sysconfig.get_config_var("CC") or "cc").split()
    return bool(cc) and shutil.which(cc[0]) is not None


# Without a C compiler the module cannot be built and embed runs the JIT kernels
# (the fallback tests below still run); everywhere else these must pass.
needs_compiler = pytest.mark.skipif(not _has_c_compiler(), reason="no C compiler to build the module")


@pytest.fixture(scope="module")
def kernels():
    """Both backends; the compiled one is built once per machine into the user cache."""
    return native.load("native"), native.load("jit")


@pytest.fixture(scope="module")
def corpus():
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(60)]
    p = 1.0 / np.arange(1, 61)
    sentences = [list(rng.choice(words, int(rng.integers(3, 30)), p=p / p.sum())) for _ in range(300)]
    return encode_corpus(sentences, min_count=1)


@pytest.fixture
def fresh(monkeypatch):
    """native.load() with an empty backend memo (restored afterwards)."""
    monkeypatch.setattr(native, "_loaded", {})
    return monkeypatch


@needs_compiler
def test_backends_are_what_they_say(kernels):
    nat, jit = kernels
    assert (nat.name, jit.name) == ("native", "jit")
    assert not hasattr(nat.train_chunk, "py_func")      # a compiled extension function
    assert hasattr(jit.train_chunk, "py_func")          # a Numba dispatcher


@needs_compiler
@pytest.mark.parametrize("sg,hs,negative", [(1, 0, 5), (0, 0, 5), (1, 1, 0), (0, 1, 3)])
def test_native_and_jit_train_bit_identical_vectors(corpus, sg, hs, negative, fresh):
    runs = {}
    for mode in ("native", "jit"):
        fresh.setenv("EMBED_KERNELS", mode)
        m = Word2Vec(vector_size=16, window=3, negative=negative, hs=hs, sg=sg, min_count=1,
                     sample=1e-2, epochs=2, seed=7, workers=1, progress=False).fit(corpus)
        runs[mode] = m
    a, b = runs["native"], runs["jit"]
    assert np.array_equal(a.syn0_, b.syn0_) and np.array_equal(a.syn1neg_, b.syn1neg_)
    assert np.array_equal(a.syn1_, b.syn1_)
    assert a.epoch_loss_ == b.epoch_loss_
    assert np.abs(a.syn1neg_).sum() + np.abs(a.syn1_).sum() > 0   # the outputs (zero at start) trained


@needs_compiler
def test_tables_are_identical(kernels):
    nat, jit = kernels
    p = np.random.default_rng(1).random(500)
    p /= p.sum()
    for x, y in zip(nat.alias_table(p), jit.alias_table(p)):
        assert x.dtype == y.dtype and np.array_equal(x, y)
    counts = np.sort(np.random.default_rng(2).integers(1, 1000, 300))[::-1].astype(np.int64)
    for x, y in zip(nat.huffman_tree(np.ascontiguousarray(counts)), jit.huffman_tree(counts)):
        assert x.dtype == y.dtype and np.array_equal(x, y)


@needs_compiler
def test_native_kernel_releases_the_gil(kernels, corpus):
    """While one thread is inside train_chunk, another Python thread keeps running."""
    nat = kernels[0]
    V, D = len(corpus.vocab), 64
    rng = np.random.default_rng(0)
    syn0 = rng.random((V, D), dtype=np.float32) - 0.5
    syn1neg = np.zeros((V, D), np.float32)
    prob, alias = nat.alias_table(np.full(V, 1.0 / V))
    sig, logsig = tables.make_tables()
    reps = 200  # one call over the corpus 200 times: a few tenths of a second
    tokens = np.tile(corpus.tokens, reps)
    lengths = np.tile(np.diff(corpus.offsets), reps)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    stats = np.zeros(4)
    inside = threading.Event()
    counts = []

    def count():
        inside.wait()
        n = 0
        while inside.is_set():
            n += 1
        counts.append(n)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1.0)  # no forced switch during the call: the counter runs only if it lets go
    try:
        t = threading.Thread(target=count)
        t.start()
        inside.set()
        nat.train_chunk(syn0, syn1neg, np.zeros((1, D), np.float32), tokens, offsets, 0, lengths.size,
                        np.ones(V, np.float32), prob, alias, np.zeros((1, 1), np.int32),
                        np.zeros((1, 1), np.int8), np.zeros(V, np.int32), 1, 5, 5, 0, 0.025, 0.025, 0,
                        sig, logsig, tables.seed_state(1, 0), stats, 0, 0)
        inside.clear()
        t.join()
    finally:
        sys.setswitchinterval(interval)
    assert stats[tables.STAT_WORDS] == tokens.size
    # a call holding the GIL lets the counter run no iteration (checked: 0 with a GIL-holding build)
    assert counts[0] > 10000


@needs_compiler
def test_training_process_never_imports_numba(kernels, tmp_path):
    """The point of the compiled module: no Numba (nor LLVM) in a process that trains."""
    corpus_file = tmp_path / "c.txt"
    corpus_file.write_text("the cat sat on the mat and the dog sat on the log\n" * 50)
    code = ("import sys; from embed import Word2Vec; "
            f"m = Word2Vec(vector_size=8, min_count=1, epochs=1, progress=False).fit({str(corpus_file)!r}); "
            "m.wv.most_similar('cat'); "
            "print(m.wv.vectors.shape[1], 'numba' in sys.modules, 'llvmlite' in sys.modules)")
    env = dict(os.environ, EMBED_KERNELS="native")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["8", "False", "False"]


def test_cache_key_follows_the_kernel_sources(monkeypatch, tmp_path):
    monkeypatch.setenv("EMBED_NATIVE_DIR", str(tmp_path))
    path = native.module_path()
    assert os.path.dirname(path) == str(tmp_path) and os.path.basename(path).startswith("w2v_")
    monkeypatch.setattr(native, "_cpu_identity", lambda: "another cpu")
    assert native.module_path() != path


def _embed_imports(path):
    """(files of the embed modules `path` imports relatively, whether it is a Numba kernel module)."""
    import ast

    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    files, numba_module = set(), False
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            numba_module |= node.module in ("numba", "jit") and node.level <= 2
            if node.level:
                base = os.path.join(os.path.dirname(path), *[".."] * (node.level - 1))
                parts = node.module.split(".") if node.module else []
                names = [parts] if parts else [[a.name] for a in node.names]
                for name in names:
                    candidate = os.path.normpath(os.path.join(base, *name) + ".py")
                    if os.path.exists(candidate):
                        files.add(candidate)
    return files, numba_module


def test_cache_key_hashes_every_source_of_the_compiled_code():
    """A kernel module, or a word2vec/text module a kernel module imports, left out of SOURCES would
    let a compiled module built from its old text be loaded after it changed."""
    import inspect

    here = os.path.dirname(os.path.abspath(native.__file__))
    hashed = {os.path.normpath(os.path.join(here, name)) for name in native.SOURCES}
    jit = native.load("jit")
    todo = {inspect.getsourcefile(getattr(jit, name).py_func) for name in native.KERNELS}
    reached = set()
    while todo:
        path = os.path.normpath(todo.pop())
        if path in reached:
            continue
        reached.add(path)
        files, numba_module = _embed_imports(path)
        if numba_module:                             # follow kernel modules' imports only
            todo |= {f for f in files if os.path.basename(os.path.dirname(f)) in ("word2vec", "text")}
    assert len(reached) >= 7                          # the kernels' modules and what they read
    assert reached <= hashed, f"not in native.SOURCES: {sorted(reached - hashed)}"


def test_unbuildable_module_falls_back_to_jit_or_fails_clearly(fresh, tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    fresh.setenv("EMBED_NATIVE_DIR", str(blocked / "native"))
    assert native.load().name == "jit"                      # auto: keeps working
    with pytest.raises(EmbedError, match="cannot use the compiled word2vec kernels: cannot create"):
        native.load("native")


def test_a_failed_build_is_not_retried_in_auto_mode(fresh, tmp_path):
    fresh.setenv("EMBED_NATIVE_DIR", str(tmp_path))
    with open(native.module_path() + ".failed", "w") as f:
        f.write("no compiler\n")
    assert native.load("auto").name == "jit"
    assert not os.path.exists(native.module_path())         # no build was attempted


def test_bad_backend_name_is_one_line(fresh):
    with pytest.raises(EmbedError, match="EMBED_KERNELS must be auto, native or jit"):
        fresh.setenv("EMBED_KERNELS", "fortran")         # settings are re-read here
        native.load()
    with pytest.raises(EmbedError, match="kernels mode must be one of auto, native, jit, got 'fortran'"):
        native.load("fortran")


def test_a_failing_compiler_leaves_a_reason_and_the_jit(fresh, tmp_path):
    fresh.setenv("EMBED_NATIVE_DIR", str(tmp_path))
    fresh.setattr(native, "_build_in_child", lambda path: "gcc: command not found")
    with pytest.raises(EmbedError, match="gcc: command not found"):
        native.load("native")
    assert native.load("auto").name == "jit"
    with open(native.module_path() + ".failed") as f:
        assert f.read() == "gcc: command not found\n"


@needs_compiler
def test_a_stale_failure_note_does_not_hide_a_built_module(kernels, fresh, tmp_path):
    built = native.module_path()                              # the user cache, built by `kernels`
    fresh.setenv("EMBED_NATIVE_DIR", str(tmp_path))
    shutil.copy(built, native.module_path())
    with open(native.module_path() + ".failed", "w") as f:
        f.write("an old failure\n")
    assert native.load("auto").name == "native"


@needs_compiler
def test_compiled_kernels_refuse_arrays_of_another_type(kernels, corpus):
    """The compiled code trusts its signature; the wrapper must stop what would be misread."""
    nat = kernels[0]
    V, D = len(corpus.vocab), 8
    prob, alias = nat.alias_table(np.full(V, 1.0 / V))
    sig, logsig = tables.make_tables()

    def args(**change):
        a = dict(syn0=np.zeros((V, D), np.float32), syn1neg=np.zeros((V, D), np.float32),
                 tokens=corpus.tokens, stats=np.zeros(4))
        a.update(change)
        return (a["syn0"], a["syn1neg"], np.zeros((1, D), np.float32), a["tokens"], corpus.offsets, 0,
                corpus.offsets.size - 1, np.ones(V, np.float32), prob, alias, np.zeros((1, 1), np.int32),
                np.zeros((1, 1), np.int8), np.zeros(V, np.int32), 1, 5, 5, 0, 0.025, 0.025, 0,
                sig, logsig, tables.seed_state(1, 0), a["stats"], 0, 0)

    readonly = np.zeros((V, D), np.float32)
    readonly.setflags(write=False)
    for bad in (dict(syn0=np.zeros((V, D))),                                   # float64
                dict(syn1neg=np.zeros((V, 2 * D), np.float32)[:, ::2]),        # not contiguous
                dict(tokens=corpus.tokens.astype(np.int64)),
                dict(syn0=readonly),                                          # written by the kernel
                dict(stats=[0.0] * 4)):
        with pytest.raises(TypeError, match="train_chunk: argument"):
            nat.train_chunk(*args(**bad))
    with pytest.raises(TypeError, match="alias_table: argument 0 must be a C-contiguous float64"):
        nat.alias_table(np.ones(4, np.float32))
    tokens = corpus.tokens.copy()
    tokens.setflags(write=False)                                              # only read: fine
    stats = np.zeros(4)
    nat.train_chunk(*args(tokens=tokens, stats=stats))
    assert stats[tables.STAT_WORDS] == corpus.tokens.size
