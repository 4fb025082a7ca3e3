"""Decompositions at the edge dtypes (bool, small integers, float16, bfloat16), run directly
in primitives-only mode on a device whose primitive kernels have the gaps real devices have:
no math on bools (``trunc``, ``signbit``, ``real``, ``imag``) and no float16/bfloat16
``nextafter`` (GPU shading languages have none). Each result must be NumPy's: dtype and
values, exactly (the GPU suite's backend-equivalence cases in ``TRUENO_PRIMITIVES_ONLY=1``
mode found these)."""

from __future__ import annotations

import warnings

import ml_dtypes
import numpy as np
import pytest

import trueno as tn
from trueno import _registry as R
from trueno._registry import primitives_only

from decomposition_checks import spy_kernels

# (primitive row, dtype) pairs the narrow device has no kernel for
GAPS = {*((op, "bool") for op in ("trunc", "signbit", "real", "imag")),
        ("nextafter", "float16"), ("nextafter", "bfloat16")}


@pytest.fixture
def narrow(monkeypatch):
    """The rows that resolve to a kernel (a set), on a device without the ``GAPS``
    kernels: asking for one of them finds none."""
    used = spy_kernels(monkeypatch)
    real = R.resolve_kernel

    def resolve(op, device, dtype):
        if (op.name, dtype.name) in GAPS:
            return None
        return real(op, device, dtype)
    monkeypatch.setattr(R, "resolve_kernel", resolve)
    return used


def _run(fn, arr, **kw):
    with np.errstate(all="ignore"), warnings.catch_warnings(), primitives_only():
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(tn.asarray(arr), **kw).numpy()


def _same(got: np.ndarray, want: np.ndarray, what: str) -> None:
    """Same dtype and shape, same values (nan where NumPy has nan; signed zeros kept)."""
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype}, NumPy {want.dtype}"
    assert got.shape == want.shape, f"{what}: shape {got.shape}, NumPy {want.shape}"
    if want.dtype.kind == "b" or want.dtype.kind in "iu":
        np.testing.assert_array_equal(got, want, err_msg=what)
        return
    g, w = got.astype(np.complex128), want.astype(np.complex128)
    for part in (np.real, np.imag):
        gp, wp = part(g), part(w)
        nan = np.isnan(wp)
        np.testing.assert_array_equal(np.isnan(gp), nan, err_msg=what + " (nan positions)")
        np.testing.assert_array_equal(gp[~nan], wp[~nan], err_msg=what)
        np.testing.assert_array_equal(np.signbit(gp[~nan]), np.signbit(wp[~nan]),
                                      err_msg=what + " (signs)")


def _inputs(dt) -> np.ndarray:
    dt = np.dtype(dt)
    if dt.kind == "b":
        return np.array([True, False, True])
    if dt.kind == "u":
        return np.array([0, 1, 3, 100, np.iinfo(dt).max], dtype=dt)
    if dt.kind == "i":
        info = np.iinfo(dt)
        return np.array([info.min, -100, -3, -1, 0, 1, 100, info.max], dtype=dt)
    special = [-0.0, 0.0, np.nan, -np.nan, np.inf, -np.inf, -2.5, -1.0, 0.5, 3.0, 1e-3]
    return np.array(special, dtype=dt)


SMALL = ["bool", "int8", "uint8", "int16", "uint16", "int32", "int64", "float16",
         ml_dtypes.bfloat16, "float32", "float64"]


@pytest.mark.parametrize("name", ["fix", "isposinf", "isneginf", "isreal", "iscomplex",
                                  "spacing"])
@pytest.mark.parametrize("dtype", SMALL, ids=str)
def test_edge_dtype_decompositions_match_numpy(name, dtype, narrow):
    arr = _inputs(dtype)
    with np.errstate(all="ignore"):
        want = getattr(np, name)(arr)
    _same(_run(getattr(tn, name), arr), np.asarray(want), f"{name}({np.dtype(dtype)})")


@pytest.mark.parametrize("dtype", [*SMALL, "complex64", "complex128"], ids=str)
@pytest.mark.parametrize("deg", [False, True])
def test_angle_decomposition_matches_numpy(dtype, deg, narrow):
    """Real inputs (0, -0.0, nan, infinities; ints and bools in NumPy's float16/float32/
    float64) need no atan2, whose (+-0, +-0) is undefined on GPUs; ``deg`` multiplies by
    180/pi rounded to the result dtype, as NumPy (int8's -1 gives float16 179.9, not 180)."""
    arr = _inputs(dtype) if np.dtype(dtype).kind != "c" else \
        np.array([0j, complex(-0.0, 0.0), 1j, -1 - 1j, complex(np.nan, 0), 3 - 4j], dtype)
    _same(_run(tn.angle, arr, deg=deg), np.angle(arr, deg=deg), f"angle({arr.dtype}, {deg})")
    if arr.dtype.kind != "c":
        assert "atan2" not in narrow


@pytest.mark.parametrize("dtype", [np.float16, ml_dtypes.bfloat16], ids=str)
def test_spacing_of_every_low_precision_value(dtype, narrow):
    """All 65536 bit patterns (subnormals, the largest finite, infinities, nan): float16
    toward +inf and bfloat16 away from zero, as NumPy's loops."""
    arr = np.arange(65536, dtype=np.uint16).view(dtype)
    with np.errstate(all="ignore"):
        want = np.spacing(arr)
    _same(_run(tn.spacing, arr), want, f"spacing({np.dtype(dtype)})")
    assert "nextafter" not in narrow
