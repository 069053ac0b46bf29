"""Fuzzing every command: random bad option values and damaged input files.

Whatever Hypothesis draws, `embed` must exit 0 or 2 (an EmbedError or a usage
error, one line), never raise, never print a traceback, never modify an input
and never leave a temporary file.  Commands run in-process (`embed.cli.main`)
on small files; a few damaged files also go through a subprocess, where a
crash of native code would show as a signal.

The option table is read from the parser itself, so a new numeric option of
any command is fuzzed without touching this file.
"""
import argparse
import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from embed import settings as embed_settings
from embed.cli import build_parser, main
from embed.vectors import formats

WORDS = [f"w{i}" for i in range(24)]

# Values that every numeric option should refuse (or, for a few, accept quickly).
# No huge valid numbers: `--epochs 10**20` is a legitimate (endless) request.
BAD_VALUES = ["-1", "-7", "nan", "NaN", "inf", "-inf", "1e309", "-1e309", "abc", "", " ", "0x10", "1.5e",
              "1,5", "1e-400", "-0.0", "0", "1", "2", "0.5", "-0.5", "3x", "1x1", "0x0", "9999x9999",
              "1.0", "1e2", "٣"]
SLOW_IF_VALID = {"--minutes"}  # a valid value is a time budget: only invalid ones are drawn for it

# Each command with small, fast arguments; names in capitals are input files of the sandbox.
COMMANDS = {
    "train": ["train", "CORPUS", "-o", "out/v.txt", "--epochs", "1", "--min-count", "1", "--workers", "1",
              "--dim", "8"],
    "similar": ["similar", "VECTORS", "w1", "w2"],
    "analogy": ["analogy", "VECTORS_BIN", "w1 - w2 + w3"],
    "evaluate": ["evaluate", "VECTORS", "--pairs", "PAIRS", "--analogies", "QUESTIONS"],
    "demo": ["demo", "--corpus", "CORPUS", "--out", "out/demo", "--epochs", "1", "--dim", "8",
             "--workers", "1"],
    "corpora stats": ["corpora", "stats", "CORPUS"],
    "corpora list": ["corpora", "list"],
    "corpora path": ["corpora", "path", "tinyshakespeare"],
    "corpora fetch": ["corpora", "fetch", "tinyshakespeare", "--url", "file://CORPUS"],  # never the network
    "plot": ["plot", "VECTORS", "--top", "20", "-o", "out/p.png", "--size", "300x200", "--dpi", "50"],
    "export": ["export", "VECTORS_BIN", "--projector", "out/proj"],
    "mnist": ["mnist", "--data", "MNIST", "--no-download", "--epochs", "1", "--hidden", "8"],
    "lm train": ["lm", "train", "TEXT", "-o", "out/m.lm", "--epochs", "1", "--hidden", "8", "--layers", "1",
                 "--batch", "2", "--seq-length", "8", "--threads", "1", "--quiet"],
    "lm generate": ["lm", "generate", "MODEL", "--length", "20"],
}
# Which sandbox files each command reads (the ones worth damaging).
INPUTS = {"train": ["CORPUS"], "similar": ["VECTORS"], "analogy": ["VECTORS_BIN"],
          "evaluate": ["VECTORS", "PAIRS", "QUESTIONS"], "corpora stats": ["CORPUS"],
          "plot": ["VECTORS"], "export": ["VECTORS_BIN"],
          "mnist": ["MNIST/t10k-images-idx3-ubyte", "MNIST/train-labels-idx1-ubyte"],
          "lm train": ["TEXT"], "lm generate": ["MODEL"]}
FILES = {"CORPUS": "corpus.txt", "VECTORS": "v.txt", "VECTORS_BIN": "v.bin", "PAIRS": "pairs.tsv",
         "QUESTIONS": "questions.txt", "MNIST": "mnist", "TEXT": "text.txt", "MODEL": "m.lm"}


def _parsers(parser, prefix=()):
    """(command words, sub-parser) for every leaf command of the `embed` parser."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield " ".join(prefix), parser
        return
    for name, sub in subs[0].choices.items():
        yield from _parsers(sub, prefix + (name,))


def numeric_options():
    """{command: [flag, ...]} of every option that converts its value (int, float, sizes, lists)."""
    table = {}
    for command, p in _parsers(build_parser()):
        flags = []
        for a in p._actions:
            if a.option_strings and a.type not in (None, str) and a.nargs in (None, "?"):
                flags.append(max(a.option_strings, key=len))  # the long spelling
        table[command] = flags
    return table


OPTIONS = numeric_options()


def test_every_command_is_fuzzed():
    assert set(OPTIONS) <= set(COMMANDS), f"add the new command(s) to COMMANDS: {set(OPTIONS) - set(COMMANDS)}"
    assert sum(len(v) for v in OPTIONS.values()) > 40  # the table really is read from the parser


# ------------------------------------------------------------------ the sandbox

def _make_inputs(folder, mnist_set):
    rng = np.random.default_rng(0)
    os.makedirs(folder)
    sentences = ["w{} w{} w{} w{} w{} w{}".format(*rng.integers(0, len(WORDS), 6)) for _ in range(200)]
    with open(os.path.join(folder, "corpus.txt"), "w") as f:
        f.write("\n".join(sentences) + "\n")
    vecs = rng.normal(size=(len(WORDS), 8)).astype(np.float32)
    formats.write_word2vec(os.path.join(folder, "v.txt"), WORDS, vecs)
    formats.write_word2vec(os.path.join(folder, "v.bin"), WORDS, vecs, binary=True)
    with open(os.path.join(folder, "pairs.tsv"), "w") as f:
        f.write("".join(f"w{i}\tw{i + 1}\t{i % 7}.5\n" for i in range(10)))
    with open(os.path.join(folder, "questions.txt"), "w") as f:
        f.write(": test\n" + "".join(f"w{i} w{i + 1} w{i + 2} w{i + 3}\n" for i in range(10)))
    with open(os.path.join(folder, "text.txt"), "w") as f:
        f.write("the cat sat on the mat.\n" * 10)
    mnist_set(os.path.join(folder, "mnist"), n_train=30, n_test=10, gz=False)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["lm", "train", os.path.join(folder, "text.txt"), "-o", os.path.join(folder, "m.lm"),
                     "--epochs", "1", "--hidden", "8", "--layers", "1", "--batch", "2", "--seq-length", "8",
                     "--quiet"]) == 0


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, mnist_set):
    """A folder of small valid inputs, copied afresh for every example; caches go to a private folder."""
    root = tmp_path_factory.mktemp("fuzz")
    folder = str(root / "inputs")
    old = {k: os.environ.get(k) for k in ("EMBED_CACHE", "EMBED_DATA", "EMBED_NATIVE_DIR")}
    os.environ["EMBED_NATIVE_DIR"] = embed_settings.get().native_dir  # keep the compiled kernels
    os.environ["EMBED_CACHE"] = str(root / "cache")
    os.environ.pop("EMBED_DATA", None)
    embed_settings.reload()
    try:
        _make_inputs(folder, mnist_set)
        yield folder
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        embed_settings.reload()


def _snapshot(folder):
    out = {}
    for root, _, files in os.walk(folder):
        for f in files:
            p = os.path.join(root, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, folder)] = fh.read()
    return out


def _temp_files(*folders):
    return [os.path.join(r, f) for folder in folders for r, _, fs in os.walk(folder) for f in fs
            if f.endswith((".tmp", ".download"))]


def _argv(command, sandbox, extra=()):
    argv = []
    for a in COMMANDS[command] + list(extra):
        if a in FILES:
            a = os.path.join(sandbox, FILES[a])
        elif a.startswith("file://") and a[7:] in FILES:
            a = "file://" + os.path.join(sandbox, FILES[a[7:]])
        elif a.startswith("out/"):
            a = os.path.join(sandbox, a)
        argv.append(a)
    return argv


def run_checked(argv, sandbox, inputs_before):
    """Run `embed argv` in-process; assert the exit status, stderr and untouched inputs."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)  # anything but an EmbedError or a usage error propagates: the test fails
    message = err.getvalue()
    assert code in (0, 2), (argv, code, message)
    assert "Traceback" not in message, (argv, message)
    if code == 2:
        errors = [line for line in message.splitlines() if "error:" in line]
        assert len(errors) == 1, (argv, message)
    after = _snapshot(sandbox)
    for name, data in inputs_before.items():
        assert after.get(name) == data, (argv, f"input {name} was modified or removed")
    cache = os.environ["EMBED_CACHE"]
    assert _temp_files(sandbox, cache) == [], argv
    return code


@contextlib.contextmanager
def sandbox_of(pristine):
    with tempfile.TemporaryDirectory() as tmp:
        sandbox = os.path.join(tmp, "s")
        shutil.copytree(pristine, sandbox)
        os.makedirs(os.path.join(sandbox, "out"))
        yield sandbox


FUZZ = settings(max_examples=45, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


# ------------------------------------------------------------------ bad option values

@st.composite
def bad_options(draw):
    command = draw(st.sampled_from(sorted(c for c in OPTIONS if OPTIONS[c])))
    flags = draw(st.lists(st.sampled_from(OPTIONS[command]), min_size=1, max_size=2, unique=True))
    extra = []
    for flag in flags:
        values = [v for v in BAD_VALUES if flag not in SLOW_IF_VALID or v in ("-1", "nan", "inf", "abc", "")]
        extra += [flag, draw(st.sampled_from(values))]
    return command, extra


@FUZZ
@given(case=bad_options())
def test_bad_option_values_exit_0_or_2(pristine, case):
    command, extra = case
    with sandbox_of(pristine) as sandbox:
        before = _snapshot(sandbox)
        run_checked(_argv(command, sandbox, extra), sandbox, before)


# ------------------------------------------------------------------ damaged files

@st.composite
def damage(draw, data):
    """A damaged copy of `data`: truncated, overwritten, spliced, re-encoded or replaced."""
    kind = draw(st.sampled_from(["truncate", "overwrite", "insert", "bom", "replace", "repeat-line"]))
    n = len(data)
    at = draw(st.integers(0, max(n - 1, 0)))
    if kind == "truncate":
        return data[:at]
    if kind == "overwrite":
        chunk = draw(st.binary(min_size=1, max_size=16))
        return data[:at] + chunk + data[at + len(chunk):]
    if kind == "insert":
        chunk = draw(st.sampled_from([b"\x00", b"\xff\xfe", b"\n", b" ", b"nan", b"-inf", b"\n\n\n", b"\xc3"]))
        return data[:at] + chunk + data[at:]
    if kind == "bom":
        return draw(st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00"])) + data
    if kind == "repeat-line":
        lines = data.split(b"\n")
        i = min(at, len(lines) - 1)
        return b"\n".join(lines[:i + 1] + lines[i:])
    return draw(st.binary(max_size=64))


@st.composite
def damaged_inputs(draw, pristine):
    command = draw(st.sampled_from(sorted(INPUTS)))
    target = draw(st.sampled_from(INPUTS[command]))
    name = FILES.get(target.split("/")[0], target.split("/")[0])
    rel = os.path.join(name, *target.split("/")[1:])
    with open(os.path.join(pristine, rel), "rb") as f:
        data = f.read()
    return command, rel, draw(damage(data))


@FUZZ
@given(st.data())
def test_damaged_files_exit_0_or_2(pristine, data):
    command, rel, broken = data.draw(damaged_inputs(pristine))
    with sandbox_of(pristine) as sandbox:
        with open(os.path.join(sandbox, rel), "wb") as f:
            f.write(broken)
        before = _snapshot(sandbox)
        run_checked(_argv(command, sandbox), sandbox, before)


# ------------------------------------------------------------------ a few runs in a child process

@settings(max_examples=3, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.data())
def test_damaged_vectors_never_kill_the_process(pristine, data):
    """Native code (Numba kernels, scikit-learn's t-SNE) fails by signal: only a child process shows it."""
    with open(os.path.join(pristine, "v.bin"), "rb") as f:
        broken = data.draw(damage(f.read()))
    with sandbox_of(pristine) as sandbox:
        vec = os.path.join(sandbox, "v.bin")
        with open(vec, "wb") as f:
            f.write(broken)
        r = subprocess.run([sys.executable, "-m", "embed", "plot", vec, "--top", "20", "--method", "tsne",
                            "-o", os.path.join(sandbox, "out", "p.png")],
                           capture_output=True, text=True, timeout=300)
        assert r.returncode in (0, 2), (r.returncode, r.stderr)  # a signal is a negative code
        assert "Traceback" not in r.stderr
        assert _temp_files(sandbox) == []
