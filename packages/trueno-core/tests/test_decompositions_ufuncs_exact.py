"""Decompositions of NumPy elementwise functions that must equal NumPy's results bit for bit,
run alone in primitives-only mode (as on a device with no kernel for them: the GPU since
issue 13)."""

from __future__ import annotations

import numpy as np
import pytest
import trueno as tn
from trueno._registry import primitives_only


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int32", "uint8", "bool"])
@pytest.mark.parametrize("name", ["degrees", "radians", "rad2deg", "deg2rad"])
def test_angle_conversions_use_numpys_constants(name, dtype):
    """float32 (and float16, which computes in float32) multiplies by 180.0f / NPY_PIf and
    NPY_PIf / 180.0f as NumPy's loops, not by the float32 rounding of 180 / pi."""
    rng = np.random.default_rng(1)
    x = rng.uniform(-1000, 1000, 3000).astype(dtype) if dtype != "bool" else \
        rng.integers(0, 2, 30).astype(bool)
    want = getattr(np, name)(x)
    with primitives_only():
        got = np.asarray(getattr(tn, name)(tn.asarray(x)))
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
