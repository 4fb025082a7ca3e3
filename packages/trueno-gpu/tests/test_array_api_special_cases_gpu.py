"""The Array API special-case tables of trueno-core's ``test_array_api_special_cases.py`` (complex
``expm1``, ``floor_divide`` / ``//`` with infinities and signed zeros, the namespace info) with
the arrays on the GPU device."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import trueno

import trueno_gpu

_CORE = Path(__file__).resolve().parents[2] / "trueno-core" / "tests" / \
    "test_array_api_special_cases.py"
_spec = importlib.util.spec_from_file_location("_trueno_array_api_special_cases", _CORE)
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)

_HAVE = trueno_gpu.GpuDeviceAPI().dtypes(0) if trueno_gpu.is_available() else ()


@pytest.mark.parametrize("dtype", [d for d in cases.FLOATS if d in _HAVE])
def test_floor_divide_special_cases_on_gpu(dtype):
    cases.check_floor_divide("gpu", dtype)


@pytest.mark.parametrize("dtype", [d for d in ("complex64", "complex128") if d in _HAVE])
def test_complex_expm1_special_cases_on_gpu(dtype):
    cases.check_expm1("gpu", dtype)


def test_namespace_info_of_the_gpu():
    info = trueno.__array_namespace_info__()
    gpu = trueno.device("gpu")
    assert gpu in info.devices()
    cases.check_namespace_info(gpu)
    assert set(info.dtypes(device=gpu)) == set(_HAVE) & cases.SPEC_DTYPES


@pytest.mark.parametrize("op", ["exp", "expm1"])
@pytest.mark.parametrize("dtype", [d for d in ("complex128",) if d in _HAVE])
def test_complex128_exp_and_expm1_of_finite_values_match_numpy(op, dtype):
    """complex128's GPU kernels (software float64 exp/expm1/sin/cos; complex64's kernels have
    their own tests in test_complex_more.py)."""
    rng = np.random.default_rng(0)
    big = 700.0
    re = rng.normal(size=600) * rng.choice([1e-9, 1e-3, 1.0, 10.0, big / 3], 600)
    im = rng.normal(size=600) * rng.choice([1e-9, 1.0, 100.0], 600)
    z = np.concatenate([re + 1j * im, [big + 1j, -big - 2j, 1e-30 - 0.0j, -0.0 - 0.0j, 3 + 0j]])
    z = z.astype(dtype)
    got = getattr(trueno, op)(trueno.asarray(z, device="gpu")).to_device("cpu").numpy()
    with np.errstate(all="ignore"):
        want = getattr(np, op)(z)
    assert got.dtype == want.dtype
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(got, want, rtol=16 * eps, atol=0)
    np.testing.assert_array_equal(np.signbit(got.imag[-5:]), np.signbit(want.imag[-5:]))
