"""The host side of the fused optimizer updates (``_optim._run``): the metadata an update
records is packed by one cached struct, word for word what ``scalar_bits`` gives (f32 and
f64 scalars, specials included, a float32 overflow to inf as NumPy rounds it), and a cached
update builds no WGSL."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DTYPES, KERNELS, down, up
from trueno._testing_optim import np_sgd

from trueno_gpu import _optim
from trueno_gpu._codegen import scalar_bits
from trueno_gpu._dtypes import dtype_info
from trueno_gpu._runtime import meta_struct

FLOATS = [d for d in ("float32", "float64") if d in DTYPES]
SCALARS = [-0.01, 0.0, -0.0, 0.9, 1e-8, 1e-50, 3.4e38, float("inf"), float("-inf"), 7]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_packed_metadata_is_scalar_bits(dtype):
    dt = dtype_info(dtype)
    st = _optim._pack(3, len(SCALARS), dt.compute == "f64")
    got = st.pack(1000, 0, 64, 128, *SCALARS)
    words = [1000, 0, 64, 128]
    for v in SCALARS:
        words += scalar_bits(v, dt)
    assert got == meta_struct(len(words)).pack(*words)


def test_nan_scalar_packs_as_a_nan():
    got = np.frombuffer(_optim._pack(1, 1, False).pack(5, 0, float("nan")), np.uint32)
    assert np.isnan(got[2:].view(np.float32)).all()


@pytest.mark.parametrize("dtype", FLOATS)
def test_sgd_with_a_scalar_past_float32(dtype):
    """lr = 1e39 is inf in float32 (NumPy's rounding; struct refuses it): the update is the
    NumPy formula's, in either dtype."""
    rng = np.random.default_rng(2)
    p0 = rng.uniform(-1, 1, 64).astype(dtype)
    g0 = rng.uniform(-1, 1, 64).astype(dtype)
    g0[3] = 0.0
    p = up(p0)
    KERNELS["sgd_update"][dtype](p, up(g0), None, lr=1e39)
    want = p0.copy()
    with np.errstate(invalid="ignore", over="ignore"):
        np_sgd(want, g0, None, lr=1e39)
    np.testing.assert_array_equal(down(p), want)


@pytest.mark.parametrize("dtype", FLOATS)
def test_cached_update_builds_no_wgsl(dtype, monkeypatch):
    """After the first call of an option set, an update only packs and records: its WGSL
    body is not generated again (it was rebuilt as strings on every call)."""
    k = KERNELS["adam_update"][dtype]
    arrays = [up(np.full(100, 0.5, dtype)) for _ in range(4)]
    opts = dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.1)
    k(*arrays, None, step=1.0, **opts)
    built = []
    load = type(dtype_info(dtype)).load

    def counted(self, *a, **kw):
        built.append(a)
        return load(self, *a, **kw)

    monkeypatch.setattr(type(dtype_info(dtype)), "load", counted)
    k(*arrays, None, step=2.0, **opts)
    assert built == []
