"""Every ```bash and ```python block of README.md runs, in order, in one temporary folder, on small offline data.

The README reads as one session: later blocks use the files earlier ones wrote
(vectors.txt, shakespeare.lm, ...).  Shell lines that start with `embed` run
through the CLI's `main` in this process and must exit 0; Python blocks run in
one shared namespace.  The data the README names is made here, small:
corpus.txt (topic sentences holding every word the README queries),
tinyshakespeare.txt in an EMBED_DATA folder, and tiny MNIST IDX files.

Long commands run with reduced settings (SUBSTITUTIONS); the few lines that
need the network, install packages or run for minutes are listed in SKIPPED
with the reason and where else they are tested.  Any other line must run.
"""
import os
import re
import shlex
import subprocess
import sys

import numpy as np
import pytest

from embed import settings
from embed.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "README.md")

# (pattern, replacement, why): applied in order to every shell line and Python block
SUBSTITUTIONS = [
    (r"\bembed demo\b", "embed demo --corpus corpus.txt --dim 16", "the offline corpus takes a minute"),
    (r"--epochs \d+", "--epochs 1", "one pass is enough to show the command works"),
    (r"\bepochs=\d+", "epochs=1", "same, in Python"),
    (r"-iter \d+", "-iter 1", "same, C-tool spelling"),
    (r"--minutes \d+", "--minutes 0.01", "a 0.6 s budget instead of minutes"),
    (r"\bminutes=\d+", "minutes=0.01", "same, in Python"),
    (r"--hidden 256\b", "--hidden 16", "a small network"),
    (r"--hidden 512,128", "--hidden 32,16", "a small network"),
    (r"^embed mnist\b", "embed mnist --epochs 1", "one pass over the tiny IDX files"),
    (r"~/data/mnist", "mnist_dir", "the tiny IDX files made here"),
    (r"^python scripts/mnist_mlp\.py", "python scripts/mnist_mlp.py --epochs 1", "one pass"),
]
# part of a line -> why that line is not run here
SKIPPED = {
    "pip install": "installs packages (the test runs in the installed environment)",
    "python -m pytest": "the test suite itself",
    "embed corpora fetch text8": "needs the network (download: tests/data/test_download_http.py)",
    "embed corpora fetch tinyshakespeare": "needs the network; the test puts the file in EMBED_DATA",
    "python corpora/prepare.py text8": "needs the network (text8)",
    "export EMBED_DATA=": "the test sets EMBED_DATA itself",
    "scripts/bench_": "benchmarks: minutes each and peers (PyTorch) from the network",
    "--cluster tcp://": "needs a running Dask scheduler",
    "--cluster local:": "starts Dask worker processes (tests/word2vec/test_distributed.py)",
}
# part of a Python block -> why that block is not run here
PYTHON_SKIPPED = {
    'Client("tcp://scheduler:8786")': "needs a running Dask scheduler (tests/word2vec/test_distributed.py)",
}

WORDS = {
    "capital": "france paris italy rome germany berlin spain madrid japan tokyo".split(),
    "royal": "king queen prince princess man woman boy girl throne crown".split(),
    "things": "war music water computer cat dog car guitar city river".split(),
}
SHAKESPEARE = ("ROMEO:\nBut soft, what light through yonder window breaks?\n\nJULIET:\nO Romeo, Romeo, "
               "wherefore art thou Romeo?\n\nKING HENRY:\nOnce more unto the breach, dear friends.\n\n")


def blocks():
    """(language, code) of each fenced bash / python block, in order."""
    with open(README, encoding="utf-8") as f:
        text = f.read()
    return re.findall(r"```(bash|python)\n(.*?)```", text, flags=re.S)


def substitute(code):
    for pattern, replacement, _ in SUBSTITUTIONS:
        code = re.sub(pattern, replacement, code, flags=re.M)
    return code


def commands(script):
    """The commands of a shell block: comments dropped, `a && b` split."""
    for line in script.splitlines():
        for part in line.split("&&"):
            words = shlex.split(part, comments=True)
            if words:
                yield " ".join(shlex.quote(w) for w in words)


@pytest.fixture
def session(tmp_path, monkeypatch, mnist_set):
    """A folder with the README's data files; EMBED_DATA and the cache point into it."""
    rng = np.random.default_rng(0)
    topics = list(WORDS.values())
    lines = [" ".join(rng.choice(topics[rng.integers(3)], size=8)) for _ in range(1500)]
    lines += ["the city of paris is the capital of france"] * 20
    (tmp_path / "corpus.txt").write_text("\n".join(lines) + "\n")
    data = tmp_path / "data"
    data.mkdir()
    (data / "tinyshakespeare.txt").write_text(SHAKESPEARE * 60)
    for folder in (tmp_path / "mnist_dir", data):
        mnist_set(folder, n_train=300, n_test=100, gz=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EMBED_NATIVE_DIR", settings.get().native_dir)  # compiled kernels: not again
    monkeypatch.setenv("EMBED_DATA", str(data))
    monkeypatch.setenv("EMBED_CACHE", str(tmp_path / "cache"))
    return tmp_path


def run_shell(command):
    skipped = next((part for part in SKIPPED if part in command), None)
    if skipped:
        return "skipped"
    words = shlex.split(command)
    if words[0] == "embed":
        assert main(words[1:]) == 0, command
    elif words[0] == "python" and words[1].startswith("scripts/"):
        env = dict(os.environ, MPLBACKEND="Agg")
        done = subprocess.run([sys.executable, os.path.join(ROOT, words[1]), *words[2:],
                               "--data", "mnist_dir"], capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, f"{command}: {done.stderr[-2000:]}"
    else:
        pytest.fail(f"README shell line not run by this test (add it to SKIPPED with a reason): {command}")
    return "ran"


def test_the_readme_runs_as_written(session):
    found = blocks()
    assert len(found) >= 15  # the README has not lost its examples (or this parser its way)
    namespace = {}
    ran = []
    for language, code in found:
        code = substitute(code)
        if language == "python" and any(part in code for part in PYTHON_SKIPPED):
            ran.append("skipped")
        elif language == "python":
            exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - the README's own code
            ran.append("python")
        else:
            ran += [run_shell(c) for c in commands(code)]
    assert ran.count("ran") >= 30 and ran.count("python") >= 8
    assert (session / "out" / "clusters.png").exists() and (session / "shakespeare.lm").exists()
    assert not list((session / "cache").glob("*.part"))  # nothing was downloaded


def test_skipped_lines_are_the_listed_ones():
    """Each SKIPPED entry still names a README line (a stale entry hides nothing)."""
    lines = [c for language, code in blocks() if language == "bash" for c in commands(code)]
    for part in SKIPPED:
        assert any(part in line for line in lines), part
    python = [code for language, code in blocks() if language == "python"]
    for part in PYTHON_SKIPPED:
        assert any(part in code for code in python), part


def layout_groups():
    """{folder under embed/ ('' for the shared base): module names the README's Layout block gives it},
    and the top-level folders it names."""
    with open(README, encoding="utf-8") as f:
        text = f.read()
    block = re.search(r"^## Layout\n+```\n(.*?)```", text, flags=re.S | re.M).group(1)
    groups, top, current = {}, [], None
    for line in block.splitlines():
        if not line.startswith(" "):                                    # corpora/, scripts/, ...
            top.append(line.split()[0])
            current = None
            continue
        folder = re.match(r"  (\w+)/\s", line)
        if folder:
            current = folder.group(1)
        elif re.match(r"  \w+\.py,", line):                             # the shared base's modules
            current = ""
        if current is not None:
            groups.setdefault(current, set()).update(re.findall(r"\b(\w+)\.py\b", line))
    return groups, top


def test_the_layout_section_names_every_module_and_only_those():
    groups, top = layout_groups()
    package = os.path.join(ROOT, "embed")
    folders = {d for d in os.listdir(package) if os.path.isfile(os.path.join(package, d, "__init__.py"))}
    assert set(groups) == folders | {""}, "a package is missing from README's Layout, or is gone"
    for folder, named in groups.items():
        path = os.path.join(package, folder)
        modules = {f[:-3] for f in os.listdir(path) if f.endswith(".py") and f != "__main__.py"} - {"__init__"}
        named = named - {"__init__"}
        assert named == modules, (f"README Layout, embed/{folder}: missing {sorted(modules - named)}, "
                                  f"not in the tree {sorted(named - modules)}")
    for name in top[1:]:                                                 # after embed/ itself
        assert os.path.isdir(os.path.join(ROOT, name)), name
