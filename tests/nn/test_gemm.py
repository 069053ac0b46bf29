"""embed.nn.gemm: the register-tiled float32 product against a float64 reference."""
import numpy as np
import pytest

from embed.nn.gemm import TILES, gemm_f32


@pytest.mark.parametrize("K,N", [(7, 64), (33, 80), (40, 136), (600, 144)])
def test_every_row_count_and_tile_gives_the_product(K, N):
    rng = np.random.default_rng(K)
    W = rng.standard_normal((K, N)).astype(np.float32)
    n16 = N // 16 * 16
    for B in list(range(1, 14)) + [25, 29]:         # every remainder of the 6- and 5-row tiles
        a = rng.standard_normal((B, K)).astype(np.float32)
        want = a.astype(np.float64) @ W.astype(np.float64)
        outs = []
        for tile in range(len(TILES)):
            out = np.full((B, N), np.nan, np.float32)
            gemm_f32(a, W, out, False, tile)
            np.testing.assert_allclose(out, want, rtol=1e-4, atol=1e-3 * np.sqrt(K), err_msg=f"B={B} tile={tile}")
            outs.append(out)
        # each element is one FMA chain over k in every tile: the tiles agree to the bit
        np.testing.assert_array_equal(outs[0][:, :n16], outs[1][:, :n16], err_msg=f"B={B}")


def test_accumulate_adds_to_out_and_strided_rows_of_a_work():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((40, 27)).astype(np.float32)[::2]       # (20, 27), rows 2 apart
    W = rng.standard_normal((27, 128)).astype(np.float32)
    for tile in range(len(TILES)):
        out = np.ones((20, 128), np.float32)
        gemm_f32(a, W, out, True, tile)
        np.testing.assert_allclose(out, 1 + a.astype(np.float64) @ W, rtol=1e-4, atol=1e-4)


def test_transposing_pack_gives_the_panels_of_the_transpose():
    from embed.nn.gemm import pack_panels, pack_panels_t
    rng = np.random.default_rng(6)
    for N, K in ((16, 7), (64, 40), (512, 128)):     # K not a multiple of 16 too
        V = rng.standard_normal((N, K)).astype(np.float32)
        want = np.empty((N // 16, K, 16), np.float32)
        pack_panels(np.ascontiguousarray(V.T), want)
        got = np.full_like(want, np.nan)
        pack_panels_t(V, got)
        np.testing.assert_array_equal(got, want)


def test_panels_give_the_6x16_tiles_bits_for_every_row_count():
    from embed.nn.gemm import gemm_panels, pack_panels
    rng = np.random.default_rng(5)
    for K, N in ((7, 16), (128, 96)):
        W = rng.standard_normal((K, N)).astype(np.float32)
        Wp = np.empty((N // 16, K, 16), np.float32)
        pack_panels(W, Wp)
        np.testing.assert_array_equal(Wp[-1], W[:, N - 16:])
        for B in list(range(1, 20)) + [25, 31]:       # every tail: 6-row tiles folded into 4s and 5s
            a = rng.standard_normal((B + 3, K)).astype(np.float32)[3:]
            want = np.empty((B, N), np.float32)
            gemm_f32(a, W, want, False, 1)
            out = np.full((B, N), np.nan, np.float32)
            gemm_panels(a, Wp, out, False)
            np.testing.assert_array_equal(out, want, err_msg=f"B={B} K={K}")
            gemm_panels(a, Wp, out, True)
            np.testing.assert_allclose(out, 2 * want, rtol=1e-6, atol=1e-6)


GENERIC = r"""
import platform
import numpy as np
from embed.nn.gemm import _gemm_f32_block, gemm_f32, gemm_panels, pack_panels

rng = np.random.default_rng(0)
for B, K, N in ((25, 256, 512), (7, 33, 80), (13, 600, 16), (1, 5, 40)):
    a = rng.standard_normal((B, K)).astype(np.float32)
    W = rng.standard_normal((K, N)).astype(np.float32)
    want = a.astype(np.float64) @ W.astype(np.float64)
    for tile in (0, 1):
        out = np.full((B, N), np.nan, np.float32)
        gemm_f32(a, W, out, False, tile)
        np.testing.assert_allclose(out, want, rtol=1e-4, atol=1e-3 * np.sqrt(K))
    if N % 16 == 0:
        Wp = np.empty((N // 16, K, 16), np.float32)
        pack_panels(W, Wp)
        out = np.full((B, N), np.nan, np.float32)
        gemm_panels(a, Wp, out, False)
        np.testing.assert_allclose(out, want, rtol=1e-4, atol=1e-3 * np.sqrt(K))
if platform.machine() in ("x86_64", "AMD64"):      # really built for the baseline: SSE registers only
    asm = "".join(_gemm_f32_block.inspect_asm().values())
    assert "xmm" in asm and "ymm" not in asm and "zmm" not in asm
    # and no call to libm's fmaf per lane (a strict fma on a CPU without FMA3: ~100x slower)
    assert "fmaf" not in asm
print("ok")
"""


def test_the_tiles_are_right_on_a_cpu_without_avx(tmp_path):
    # The tiles are 16-wide LLVM vectors: one AVX-512 register, two AVX2 ones, four of
    # SSE's or ARM's 128-bit registers.  Built for the baseline CPU of this architecture
    # (NUMBA_CPU_NAME=generic, in a fresh cache folder) they must give the same products,
    # with plain multiplies and adds where that CPU has no fused multiply-add.
    import os
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, NUMBA_CPU_NAME="generic", NUMBA_CPU_FEATURES="", PYTHONPATH=root,
               NUMBA_CACHE_DIR=str(tmp_path / "numba"), EMBED_CACHE=str(tmp_path / "cache"))
    out = subprocess.run([sys.executable, "-c", GENERIC], capture_output=True, text=True, env=env,
                         timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip() == "ok"
