"""The cooperative-matrix float16 matmul is kept ready but never selected today: its
capability check is false on this adapter (wgpu cannot request the feature), a pinned "coop"
path falls back to the adapter's best other path, and the WGSL is naga's
``wgpu_cooperative_matrix`` dialect (f16 16 x 16 fragments, f32 accumulator)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import wgpu
from conftest import down, up

from trueno_gpu import _matmul, _matmul_half, get_runtime
from trueno_gpu._matmul_coop import COOP_FEATURE, coop_available, coop_fits, coop_source

RT = get_runtime(0)


@pytest.fixture
def restore():
    yield
    _matmul_half.HALF.update(path=None, cfg=None, min_subgroup=None)
    _matmul._PLANS.clear()


def test_capability_is_false_here():
    assert COOP_FEATURE not in RT.features
    assert not coop_available(RT)


def test_capability_logic():
    def rt(features, f16=True):
        return SimpleNamespace(features=frozenset(features), has_f16=f16)

    assert coop_available(rt({COOP_FEATURE, "shader-f16"}))
    assert not coop_available(rt({COOP_FEATURE}, f16=False))
    assert not coop_available(rt({"shader-f16", "subgroup"}))


def test_pinned_coop_falls_back(restore):
    """Pinning "coop" where it is unavailable selects what the adapter would run anyway,
    and the product is computed by that path."""
    _matmul_half.HALF.update(path=None)
    best = _matmul_half.half_path(RT)
    _matmul_half.HALF.update(path="coop")
    assert _matmul_half.half_path(RT) == best != "coop"


@pytest.mark.skipif(not RT.has_f16, reason="the adapter lacks shader-f16")
def test_pinned_coop_computes_by_the_fallback(restore):
    _matmul_half.HALF.update(path="coop")
    rng = np.random.default_rng(3)
    a = rng.uniform(-1, 1, (32, 48)).astype(np.float16)
    b = rng.uniform(-1, 1, (48, 16)).astype(np.float16)
    got = down(_matmul.matmul(up(a), up(b))).astype(np.float64)
    want = (a.astype(np.float32) @ b.astype(np.float32)).astype(np.float16).astype(np.float64)
    assert np.all(np.abs(got - want) <= 2 * float(np.finfo(np.float16).eps) * np.abs(want)
                  + 1e-6)


def test_fits_whole_fragments_only():
    assert coop_fits(64, 32, 16, 16, 32, 0, 16)
    assert not coop_fits(64, 32, 20, 20, 32, 0, 0)  # k not a multiple of 16
    assert not coop_fits(64, 32, 16, -16, 32, 0, 0)  # reversed rows
    assert not coop_fits(0, 32, 16, 16, 32, 0, 0)


def test_source_is_nagas_cooperative_matrix_wgsl():
    src = coop_source()
    assert src.startswith("enable f16;\nenable wgpu_cooperative_matrix;")
    for piece in ("coopLoadT<coop_mat16x16<f16, A>>", "coopLoadT<coop_mat16x16<f16, B>>",
                  "var acc = coop_mat16x16<f32, C>();", "coopMultiplyAdd(a, b, acc)",
                  "coopStoreT(acc, &Cs["):
        assert piece in src, piece


def test_this_wgpu_cannot_compile_it_yet():
    """The canary: when this fails, wgpu accepts the extension and the kernel can be tried
    (request the feature in _adapters and measure it)."""
    if not RT.has_f16:
        pytest.skip("the adapter lacks shader-f16")
    with pytest.raises(wgpu.GPUError, match="wgpu_cooperative_matrix"):
        RT.device.create_shader_module(code=coop_source())
