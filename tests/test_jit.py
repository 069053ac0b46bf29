"""embed.jit: importing embed writes no environment; cached kernels go to embed's cache folder."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))     # the checkout under test

SCRIPT = r"""
import os, sys
before = dict(os.environ)
import numba
import embed
assert dict(os.environ) == before, "import embed wrote the environment"
from embed.jit import njit

@njit(cache=True)
def twice(x):
    return 2 * x

assert twice(21) == 42
print(numba.config.CACHE_DIR)
"""


def _run(tmp_path, **env):
    child = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    child.update(env, PYTHONPATH=ROOT)
    script = tmp_path / "kernel_user.py"
    script.write_text(SCRIPT)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=child,
                         timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_cached_kernels_go_to_the_embed_cache(tmp_path):
    cache = tmp_path / "cache"
    assert _run(tmp_path, EMBED_CACHE=str(cache)) == str(cache / "numba")
    files = [f for _, _, fs in os.walk(cache / "numba") for f in fs]
    assert any(f.startswith("kernel_user.twice") for f in files)


def test_a_numba_cache_dir_the_user_set_wins(tmp_path):
    mine = tmp_path / "mine"
    assert _run(tmp_path, EMBED_CACHE=str(tmp_path / "cache"), NUMBA_CACHE_DIR=str(mine)) == str(mine)
    assert not (tmp_path / "cache" / "numba").exists()


HELPER = """from .jit import njit


@njit
def helper():
    return {value}
"""

KERNEL = """from ._probe_helper import helper
from .jit import njit


@njit(cache=True)
def kernel():
    return helper()
"""

OTHER = """from .jit import njit


@njit(cache=True)
def other():
    return 7
"""

CALL = """from embed._probe_kernel import kernel
from embed._probe_other import other
value = kernel()
assert other() == 7
print(value, kernel.stats.cache_hits[()], kernel.stats.cache_misses[()], other.stats.cache_hits[()])
"""


def test_a_cached_kernel_follows_an_edit_of_a_module_it_imports(tmp_path):
    # Numba's own stamp is the kernel's file alone: after an edit of a helper in another
    # module it would load the old machine code.  A copy of embed holds the two probe modules.
    import shutil
    tree = tmp_path / "tree"
    shutil.copytree(os.path.join(ROOT, "embed"), tree / "embed", ignore=shutil.ignore_patterns("__pycache__"))
    (tree / "embed" / "_probe_kernel.py").write_text(KERNEL)
    (tree / "embed" / "_probe_other.py").write_text(OTHER)          # does not import the helper
    child = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    child.update(PYTHONPATH=str(tree), EMBED_CACHE=str(tmp_path / "cache"))

    def call(value):
        (tree / "embed" / "_probe_helper.py").write_text(HELPER.format(value=value))
        out = subprocess.run([sys.executable, "-c", CALL], capture_output=True, text=True, env=child,
                             timeout=120, cwd=tmp_path)
        assert out.returncode == 0, out.stderr
        return [int(v) for v in out.stdout.split()]  # value, cache hits, misses; the other's hits

    assert call(1) == [1, 0, 1, 0]                           # compiled and saved
    assert call(1) == [1, 1, 0, 1]                           # loaded
    assert call(2) == [2, 0, 1, 1]                           # the helper changed: compiled again,
    assert call(2) == [2, 1, 0, 1]                           # a kernel not importing it still loaded
    data = [f for _, _, fs in os.walk(tmp_path / "cache" / "numba") for f in fs
            if f.startswith("_probe_kernel.kernel") and f.endswith(".nbc")]
    assert len(data) == 1, data                              # the stale entry was overwritten
