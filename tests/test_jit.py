"""embed.jit: importing embed writes no environment; cached kernels go to embed's cache folder."""
import os
import subprocess
import sys

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
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    child = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    child.update(env, PYTHONPATH=root)
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
