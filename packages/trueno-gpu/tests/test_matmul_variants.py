"""The register-blocked matmul (``_matmul_reg``) in every selectable variant, against float64
NumPy: partial tiles along m, n and k (an odd number of k tiles, K below one k step), whole
tiles (the interior kernel without bounds checks), a broadcast batch, and A / B stored
transposed; each case checks that the variant's kernel is the one that ran."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DTYPES, KERNELS, assert_close, down, up

from trueno_gpu import _matmul
from trueno_gpu._dtypes import dtype_info
from trueno_gpu._errors import GpuValueError
from trueno_gpu._matmul_reg import VARIANTS, interior_ok, is_reg
from trueno_gpu._runtime import get_runtime

RNG = np.random.default_rng(18)
MM = KERNELS["matmul"]["float32"]


def _t(sa):
    """The view swapping the last two axes of a StridedArray (a transposed operand)."""
    sh, st = list(sa.shape), list(sa.strides)
    sh[-2:], st[-2:] = sh[:-3:-1], st[:-3:-1]
    return sa.view(sa.offset, tuple(sh), tuple(st))


def _operand(shape, trans):
    """A float32 host array and its device view, stored transposed when ``trans``."""
    a = RNG.uniform(-1, 1, shape).astype(np.float32)
    if not trans:
        return a, up(a)
    return a, _t(up(np.ascontiguousarray(np.swapaxes(a, -1, -2))))


def _check(cfg, sa, sb, ta=False, tb=False, nb=0):
    """One product with the pinned variant: values vs float64 and the kernel that ran (``nb``
    batch axes after collapsing)."""
    a, da = _operand(sa, ta)
    b, db = _operand(sb, tb)
    got = down(MM(da, db))
    assert_close(got, a.astype(np.float64) @ b, "float32", rtol=1e-4, atol=1e-4)
    m, k, n = sa[-2], sa[-1], sb[-1]
    interior = interior_ok(cfg, m, n, k)
    key = ("matmul_reg", "float32", nb, cfg, ta, tb, interior)
    assert key in get_runtime(0)._kernels, key
    return interior


@pytest.fixture
def pinned(monkeypatch):
    def pin(name):
        monkeypatch.setitem(_matmul._FAST, "cfg", VARIANTS[name])
        return VARIANTS[name]
    return pin


@pytest.mark.parametrize("name", list(VARIANTS))
def test_variant_edges_and_layouts(pinned, name):
    """Partial tiles everywhere (m, n beyond one tile, 3 k tiles, and K = 4 below one k step),
    row-major and transposed operands: the bounds-checked kernel."""
    cfg = pinned(name)
    _, bm, bn, bk = cfg[:4]
    m, k, n = bm + 12, 2 * bk + 4, bn + 20
    assert not _check(cfg, (m, k), (k, n))
    assert not _check(cfg, (4, 4), (4, 8))
    assert not _check(cfg, (m, k), (k, n), ta=True, tb=True)
    assert not _check(cfg, (m - 8, k + 8), (k + 8, n), ta=True, tb=True)
    # rows in reverse order (negative row strides) through the same kernel
    a = RNG.uniform(-1, 1, (m, k)).astype(np.float32)
    b = RNG.uniform(-1, 1, (k, n)).astype(np.float32)
    da, db = up(a), up(b)
    ra = da.view((m - 1) * k, (m, k), (-k, 1))
    rb = db.view((k - 1) * n, (k, n), (-n, 1))
    got = down(MM(ra, rb))
    assert_close(got, a[::-1].astype(np.float64) @ b[::-1], "float32", rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_variant_whole_tiles(pinned, name):
    """Shapes that fill whole tiles (an odd and an even number of k tiles) take the interior
    kernel unless the variant keeps its checks; a broadcast batch and transposed operands."""
    cfg = pinned(name)
    _, bm, bn, bk = cfg[:4]
    whole = cfg[6]
    assert _check(cfg, (2, 1, bm, 3 * bk), (3, 3 * bk, 2 * bn), nb=2) == whole
    assert _check(cfg, (2 * bm, 2 * bk), (2 * bk, bn), ta=True, tb=True) == whole


def test_variant_float16_storage(pinned):
    """float16 operands load through the same kernel (converted to f32 tiles, f32 sums)."""
    if "float16" not in DTYPES or "float16" not in KERNELS["matmul"]:
        pytest.skip("the adapter lacks shader-f16")  # a capability, not a failure
    cfg = pinned("r64x128k16w8")
    a = RNG.uniform(-1, 1, (76, 36)).astype(np.float16)
    b = RNG.uniform(-1, 1, (36, 132)).astype(np.float16)
    got = down(KERNELS["matmul"]["float16"](up(a), up(b)))
    want = (a.astype(np.float32) @ b.astype(np.float32)).astype(np.float16)
    assert_close(got, want, "float16", rtol=2e-3, atol=2e-3)
    assert ("matmul_reg", "float16", 0, cfg, False, False, False) in get_runtime(0)._kernels


def test_pinned_names():
    """``TRUENO_GPU_MATMUL`` names a tiled configuration or a variant; anything else is a clear
    error listing the names."""
    assert _matmul._pinned("") is None
    assert _matmul._pinned("r64x128k8t128w4") == VARIANTS["r64x128k8t128w4"]
    assert _matmul._pinned("wide") == (64, 128, 16)
    with pytest.raises(GpuValueError, match="r64x128k8t128w4"):
        _matmul._pinned("r999")


@pytest.mark.parametrize("shapes, name, name16", [
    (((1024, 64, 8), (1024, 8, 128)), "r64x128k8t128", "r64x128k8t128"),
    (((512, 64, 8), (512, 8, 128)), "r64x128k8t128", "r128x128k16w8"),  # 512 of 64 x 128
    (((128, 64, 16), (128, 16, 128)), "r64x128k16w8", None),
    (((64, 64, 16), (64, 16, 128)), "r64x64k16", None),
    (((128, 784), (784, 256)), "r32x32k32t64w8", None),  # a training step's x @ W
])
def test_default_on_hardware_adapters(monkeypatch, shapes, name, name16):
    """On a hardware GPU float32 takes the register-blocked kernel by output size, float16
    only for big outputs (lavapipe stands in for one here: its adapter type is patched)."""
    rt = get_runtime(0)
    monkeypatch.setitem(rt.info, "adapter_type", "DiscreteGPU")
    monkeypatch.setattr(_matmul, "_PLANS", {})
    sa, sb = shapes
    nb = 1 if len(sa) > 2 else 0
    m, n, nbatch = sa[-2], sb[-1], sa[0] if nb else 1
    assert _matmul.fast_choice(rt, dtype_info(np.float32), m, n, nbatch) == VARIANTS[name]
    cfg16 = _matmul.fast_choice(rt, dtype_info(np.float16), m, n, nbatch)
    assert cfg16 == VARIANTS[name16] if name16 else not is_reg(cfg16)
    _check(VARIANTS[name], sa, sb, nb=nb)
    if "float16" in DTYPES and "float16" in KERNELS["matmul"]:
        a = RNG.uniform(-1, 1, sa).astype(np.float16)
        b = RNG.uniform(-1, 1, sb).astype(np.float16)
        got = down(KERNELS["matmul"]["float16"](up(a), up(b)))
        want = (a.astype(np.float32) @ b.astype(np.float32)).astype(np.float16)
        assert_close(got, want, "float16", rtol=4e-3, atol=4e-3)
