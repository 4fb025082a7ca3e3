"""float32 ``divide`` on the GPU is correctly rounded, bit for bit NumPy's: WGSL's f32 ``/``
is only required to 2.5 ulp and NVIDIA's driver is not correctly rounded (``around``'s
``x * 10 / 10`` came out 1 ulp off on the H100), so the kernel divides by integer long
division (``tn_div``), which every conforming driver computes the same way."""

from __future__ import annotations

import numpy as np
from conftest import KERNELS, down, up


def _pairs():
    rng = np.random.default_rng(11)
    a = rng.standard_normal(6000).astype(np.float32) * np.float32(1e3)
    b = rng.standard_normal(6000).astype(np.float32)
    # scales that land results near the subnormal range and near overflow
    a[:500] *= np.float32(1e-30)
    b[500:1000] *= np.float32(1e30)
    a[1000:1500] = np.float32(3e38)
    b[1000:1500] = rng.uniform(0.1, 2.0, 500).astype(np.float32)
    # subnormal operands, signed zeros, infinities, NaN
    sub = np.float32(1e-40)
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, sub, -sub, 1.0, 3.0, 7.0,
                        0.1, 1e-38, 3.4e38], np.float32)
    sa, sb = np.meshgrid(special, special)
    # quotients that are exact, and x * 10 / 10 round trips (the case the H100 got wrong)
    x = (rng.standard_normal(2000) * 3).astype(np.float32)
    ten = np.full(2000, 10, np.float32)
    return (np.concatenate([a, sa.ravel(), x * ten, np.arange(1, 200, dtype=np.float32)]),
            np.concatenate([b, sb.ravel(), ten, np.full(199, 3, np.float32)]))


def test_float32_divide_is_correctly_rounded():
    a, b = _pairs()
    got = down(KERNELS["divide"]["float32"](up(a), up(b)))
    with np.errstate(all="ignore"):
        want = a / b
    np.testing.assert_array_equal(got.view(np.uint32)[~np.isnan(want)],
                                  want.view(np.uint32)[~np.isnan(want)])
    assert np.isnan(got[np.isnan(want)]).all()
