"""The register-resident layer_norm rows (``_fast_layer_norm``) against NumPy: row lengths
on either side of each vec4-per-thread step (4 .. 8192, and past it or not a multiple of 4:
the generic kernel), one and many rows, with and without weight and bias, float32 and
float16, offset rows, with the adapter's subgroups on and off (the kernel's sums use none:
their order depends on the shape only); and the fast and generic kernels agree."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DTYPES, KERNELS, down, up, view_of

from trueno_gpu import _fast_layer_norm, get_runtime

RNG = np.random.default_rng(16)
FLOATS = [d for d in ("float32", "float16") if d in DTYPES]


def _want(x, w, b, eps=1e-5):
    x64 = x.astype(np.float64)
    mu = x64.mean(-1, keepdims=True)
    var = ((x64 - mu) ** 2).mean(-1, keepdims=True)
    y = (x64 - mu) / np.sqrt(var + eps)
    if w is not None:
        y = y * w.astype(np.float64)
    if b is not None:
        y = y + b.astype(np.float64)
    return y


def _used(rt) -> bool:
    return any(isinstance(k, tuple) and k and k[0] == "layer_norm_v4" for k in rt._kernels)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("subgroup", [True, False])
def test_layer_norm_rows(dtype, subgroup, monkeypatch):
    rt = get_runtime(0)
    if not subgroup:
        monkeypatch.setattr(rt, "has_subgroup", False)
    tol = 2e-5 if dtype == "float32" else 4e-3
    for rows, L in [(1, 4), (3, 8), (5, 1020), (64, 1024), (2, 1028), (3, 2048), (2, 4100),
                    (2, 8192), (2, 8196), (3, 6), (1, 1)]:
        x = (RNG.standard_normal((rows, L)) * 3 + 1.5).astype(dtype)
        w = RNG.uniform(0.5, 1.5, L).astype(dtype)
        b = RNG.standard_normal(L).astype(dtype)
        for ww, bb in ((None, None), (w, b), (w, None), (None, b)):
            got = KERNELS["layer_norm"][dtype](up(x), 1, None if ww is None else up(ww),
                                               None if bb is None else up(bb), 1e-5)
            g = np.asarray(down(got)).astype(np.float64)
            np.testing.assert_allclose(g, _want(x, ww, bb), rtol=tol, atol=tol)
    assert _used(rt)


def test_layer_norm_views_and_switch():
    """Rows at an offset (fast), rows with a stride (generic), a 3-d input over its last two
    axes, and the fast and generic kernels within float32 rounding of each other."""
    base = RNG.standard_normal((10, 516)).astype(np.float32)
    d = up(base)
    w = RNG.uniform(0.5, 1.5, 516).astype(np.float32)
    for v in (base[2:], base[1:], base[::2], base[:, 4:]):
        dv = view_of(d, base, v)
        wv = w[:v.shape[1]]
        got = down(KERNELS["layer_norm"]["float32"](dv, 1, up(wv), None, 1e-5))
        np.testing.assert_allclose(np.asarray(got), _want(v, wv, None), rtol=2e-5, atol=2e-5)
    x3 = RNG.standard_normal((4, 8, 64)).astype(np.float32)
    got = down(KERNELS["layer_norm"]["float32"](up(x3), 2, None, None, 1e-5))
    flat = x3.reshape(4, 512)
    np.testing.assert_allclose(np.asarray(got).reshape(4, 512), _want(flat, None, None),
                               rtol=2e-5, atol=2e-5)
    x = RNG.standard_normal((7, 1024)).astype(np.float32) + 3
    fast = np.asarray(down(KERNELS["layer_norm"]["float32"](up(x), 1, None, None, 1e-5)))
    _fast_layer_norm.ENABLED["on"] = False
    try:
        slow = np.asarray(down(KERNELS["layer_norm"]["float32"](up(x), 1, None, None, 1e-5)))
    finally:
        _fast_layer_norm.ENABLED["on"] = True
    np.testing.assert_allclose(fast, slow, rtol=1e-5, atol=1e-5)
