"""NaN is true, as in NumPy: every GPU op that tests a float for "non-zero" (bool casts, where,
any/all, logical ops, count_nonzero, nonzero, !=) and NaN-propagating clamps (corrcoef).

naga compiles WGSL's float ``!=`` to an ordered compare (``NaN != 0`` is false), which made
``astype(bool)``, ``where``, ``any``, ``unique`` (NaNs dropped) and ``!=`` wrong for NaN.
"""

from __future__ import annotations

import numpy as np
import pytest
import trueno

import trueno_gpu

_HAVE = trueno_gpu.GpuDeviceAPI().dtypes(0) if trueno_gpu.is_available() else ()

_REAL = [0.0, np.nan, -0.0, 1.0, -np.inf]
_COMPLEX = [0, complex(np.nan, 0), complex(0, np.nan), complex(0, -0.0), 1j]

OPS = {
    "astype_bool": lambda m, x: x.astype(bool),
    "any": lambda m, x: m.any(x[1:3]),
    "all": lambda m, x: m.all(x[1:2]),
    "logical_not": lambda m, x: m.logical_not(x),
    "logical_and": lambda m, x: m.logical_and(x, x),
    "logical_or": lambda m, x: m.logical_or(x, m.zeros_like(x)),
    "logical_xor": lambda m, x: m.logical_xor(x, m.zeros_like(x)),
    "count_nonzero": lambda m, x: m.count_nonzero(x),
    "nonzero": lambda m, x: m.nonzero(x)[0],
    "where": lambda m, x: m.where(x, 1, 2),
    "not_equal_zero": lambda m, x: x != 0,
    "not_equal_self": lambda m, x: x != x,
    "isin_invert": lambda m, x: m.isin(x, x, invert=True),
    "unique": lambda m, x: m.unique(x),
}


def _dtypes(*names):
    names = names or ("float16", "float32", "float64", "complex64", "complex128")
    return [d for d in names if d in _HAVE]


@pytest.mark.parametrize("dtype", _dtypes())
@pytest.mark.parametrize("op", list(OPS))
def test_nan_is_true(op, dtype):
    vals = _COMPLEX if dtype.startswith("complex") else _REAL
    want = np.asarray(OPS[op](np, np.array(vals, dtype=dtype)))
    got = OPS[op](trueno, trueno.asarray(vals, dtype=dtype, device="gpu"))
    got = np.asarray(trueno.asarray(got).to_device("cpu").numpy())
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", _dtypes("float32", "float64"))
def test_vector_norm_ord0_counts_nan(dtype):
    x = np.array([0.0, np.nan, 2.0], dtype=dtype)
    got = trueno.linalg.vector_norm(trueno.asarray(x, device="gpu"), ord=0)
    assert float(got) == np.linalg.norm(x, ord=0) == 2.0


@pytest.mark.parametrize("dtype", _dtypes("float32", "float64"))
def test_corrcoef_of_a_constant_row_is_nan(dtype):
    rows = np.array([[1.0, 1.0, 1.0], [1.0, 2.0, 3.0], [3.0, 2.0, 1.0]], dtype=dtype)
    with np.errstate(all="ignore"):
        want = np.corrcoef(rows)
    got = trueno.corrcoef(trueno.asarray(rows, device="gpu")).to_device("cpu").numpy()
    np.testing.assert_allclose(got, want, rtol=1e-6, equal_nan=True)


@pytest.mark.parametrize("dtype", _dtypes("int8", "int32", "int64"))
def test_integer_power_with_a_negative_exponent_raises(dtype):
    a = trueno.asarray([1, 2, 3], dtype=dtype, device="gpu")
    with pytest.raises(ValueError, match="negative integer powers"):
        a ** -1
    with pytest.raises(ValueError, match="negative integer powers"):
        a ** trueno.asarray([1, -1, 2], dtype=dtype, device="gpu")
    e = np.array([0, 1, 2], dtype=dtype)
    np.testing.assert_array_equal((a ** trueno.asarray(e, device="gpu")).numpy(),
                                  np.array([1, 2, 3], dtype=dtype) ** e)
