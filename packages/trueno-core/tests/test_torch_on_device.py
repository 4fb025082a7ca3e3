"""Torch-face ops that used to compute on the host and copy back now run through trueno ops on
the input's device (issue 15): cummax/cummin, logcumsumexp, mode, scatter_reduce (sum, mean,
prod), lgamma, erfc, erfinv, digamma.
Each runs on the GPU (lavapipe in CI) with reads of device memory forbidden, and equals torch
on the CPU; the same code on the CPU is compared with torch too."""

from __future__ import annotations

import math

import numpy as np
import pytest

import trueno.torch as tt
from trueno._tensor import Tensor as _Base

torch = pytest.importorskip("torch")

A = [[3.0, -1.0, 7.5, 3.0, 2.0], [0.5, 9.0, -4.0, 9.0, 6.0], [1.0, math.nan, 5.0, 8.0, -2.5]]
R = [[1, 2, 2, 3, 3, 0, 3], [5, 5, 1, 1, 1, 5, 0], [7, 7, 7, 7, 7, 7, 7]]
IDX = [[0, 1, 0, 2, 0], [2, 2, 1, 0, 0]]
SRC = [[1.0, 2.0, 3.0, 4.0, 5.0], [6.0, 7.0, 8.0, 9.0, 10.0]]
LG = [[-2.5, 0.3, 4.5, 11.2, 0.0], [-1.0, 1e-3, 30.5, -7.3, 100.0], [math.inf, -math.inf,
                                                                     math.nan, 1e4, -0.6]]
ERFC = [[-3.0, -0.2, 0.0, 1.9, 2.1], [5.5, 10.0, 26.0, math.inf, -math.inf]]
ERFINV = [[-0.999, -0.5, 0.0, 0.3, 0.9999], [1.0, -1.0, 1.5, math.nan, 1e-8]]

CASES = {
    "cummax-1": lambda m, d: m.cummax(d(A), 1),
    "cummax-0": lambda m, d: d(A).cummax(0),
    "cummin-1": lambda m, d: m.cummin(d(A), 1),
    "cummin-int": lambda m, d: m.cummin(d(R, m.int64), 1),
    "cummax-ties": lambda m, d: m.cummax(d([2, 1, 2, 2, 0, 2], m.int32), 0),
    "cummax-long": lambda m, d: m.cummax(d([float((i * 37) % 11) for i in range(40)]), 0),
    "logcumsumexp": lambda m, d: m.logcumsumexp(d([[1.0, 800.0, -3.0, 2.5, 0.0, 799.0]] * 2)
                                                * d([[1.0], [0.01]]), 1),
    "logcumsumexp-dim0": lambda m, d: d(SRC).logcumsumexp(0),
    "lgamma": lambda m, d: m.lgamma(d(LG)),
    "lgamma-float64": lambda m, d: d(LG, m.float64).lgamma(),
    "erfc": lambda m, d: m.erfc(d(ERFC)),
    "erfc-float64": lambda m, d: d(ERFC, m.float64).erfc(),
    "erfinv": lambda m, d: m.erfinv(d(ERFINV)),
    "erfinv-float64": lambda m, d: d(ERFINV, m.float64).erfinv(),
    "digamma": lambda m, d: m.digamma(d([[0.3, 4.5, 11.2, 0.0], [-1.0, 30.5, 100.0, 2.0]])),
    "digamma-float64": lambda m, d: d(LG, m.float64).digamma(),
    "mode-int": lambda m, d: m.mode(d(R, m.int64), 1),
    "mode-dim0-keep": lambda m, d: d(R, m.int64).mode(0, keepdim=True),
    "mode-float": lambda m, d: m.mode(d([[1.5, 2.5, 2.5, 1.5, 0.5]]), -1),
    "scatter_reduce-sum": lambda m, d: m.scatter_reduce(d(A), 0, d(IDX, m.int64), d(SRC),
                                                        "sum"),
    "scatter_reduce-sum-noself": lambda m, d: d(A).scatter_reduce(
        1, d(IDX, m.int64), d(SRC), "sum", include_self=False),
    "scatter_reduce-mean": lambda m, d: m.scatter_reduce(d(A), 0, d(IDX, m.int64), d(SRC),
                                                         "mean"),
    "scatter_reduce-mean-noself": lambda m, d: d(A).scatter_reduce(
        0, d(IDX, m.int64), d(SRC), "mean", include_self=False),
    "scatter_reduce-prod": lambda m, d: m.scatter_reduce(d(A), 1, d(IDX, m.int64), d(SRC),
                                                         "prod"),
    "scatter_reduce-prod-noself": lambda m, d: d(A).scatter_reduce(
        0, d(IDX, m.int64), d(SRC), "prod", include_self=False),
    "scatter_reduce-mean-int": lambda m, d: d(R, m.int64).scatter_reduce(
        1, d(IDX, m.int64), d([[4, 9, 1, 2, 3], [5, 5, 7, 1, 1]], m.int64), "mean"),
}


def _on(mod, device=None):
    def make(v, dt=None):
        t = mod.tensor(v, dtype=dt)
        return t.to_device(device) if device else t
    return make


def _same(got, want):
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert str(g.dtype) == str(w.dtype) and tuple(g.shape) == tuple(w.shape)
        np.testing.assert_allclose(g.cpu().numpy(), w.numpy(), rtol=1e-6, equal_nan=True)


@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch_on_the_cpu(name):
    _same(CASES[name](tt, _on(tt)), CASES[name](torch, _on(torch)))


def _gpu():
    trueno_gpu = pytest.importorskip("trueno_gpu", reason="the GPU extra is not installed")
    if not trueno_gpu.device_count():  # pragma: no cover - a machine without any adapter
        pytest.skip("no GPU adapter")


@pytest.mark.parametrize("name", list(CASES))
def test_runs_on_the_gpu_without_reading_it_back(name, monkeypatch):
    """No input and no floating-point tensor is read back while the op runs. (The core's
    bounds check of ``scatter_add``/``take_along_axis`` indices reads the integer index tensor,
    as on every device.)"""
    _gpu()
    inputs = _on(tt, "gpu")
    data = []

    def make(v, dt=None):
        t = inputs(v, dt)
        if v is not IDX:
            data.append(t)
        return t
    real_host = _Base._host

    def host(self):
        if self._device.type != "cpu" and (self._dtype.kind in "fc" or
                                           any(self is t for t in data)):
            raise AssertionError(f"{name} read a {self._device} {self.dtype} tensor back")
        return real_host(self)
    CASES[name](tt, make)  # first call: kernels compile and are checked
    data.clear()
    monkeypatch.setattr(_Base, "_host", host)
    got = CASES[name](tt, make)
    monkeypatch.undo()
    for g in got if isinstance(got, tuple) else (got,):
        assert g.is_cuda
    _same(got, CASES[name](torch, _on(torch)))


def test_int64_products_on_the_gpu_still_work():
    """WGSL has no 64-bit atomics: an int64 ``scatter_reduce(..., "prod")`` on the GPU keeps
    the host path and gives torch's values on the device."""
    _gpu()
    for reduce in ("prod", "sum", "mean"):
        def fn(m, d, reduce=reduce):
            return d(R, m.int64).scatter_reduce(
                1, d(IDX, m.int64), d([[4, 9, 1, 2, 3], [5, 5, 7, 1, 1]], m.int64), reduce)
        got = fn(tt, _on(tt, "gpu"))
        assert got.is_cuda
        _same(got, fn(torch, _on(torch)))



MATS = [[[2.0, -1.0, 0.5, 3.0], [4.0, 1.0, -2.0, 0.0], [-1.0, 3.0, 1.0, 2.0],
         [0.5, 0.25, 4.0, -1.0]],
        [[1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0], [1.0, 0.0, 1.0, 0.0],
         [0.0, 1.0, 0.0, 1.0]]]  # the second is singular: info names its first zero pivot


def _has_gpu() -> bool:
    try:
        import trueno_gpu
    except ImportError:  # pragma: no cover - the GPU extra is not installed
        return False
    return bool(trueno_gpu.device_count())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", ["square", "wide", "tall"])
def test_lu_runs_on_the_device_and_matches_torch(dtype, shape, monkeypatch):
    """On the CPU and (where there is one) the GPU, with no float read back from the GPU."""
    cut = {"square": (slice(None), slice(None)), "wide": (slice(0, 3), slice(None)),
           "tall": (slice(None), slice(0, 3))}[shape]
    a = np.asarray(MATS, dtype)[(slice(None),) + cut]
    want = torch.linalg.lu_factor_ex(torch.tensor(a))
    real_host = _Base._host

    def host(self):
        if self._device.type != "cpu" and self._dtype.kind in "fc":
            raise AssertionError("lu read a float tensor back from the device")
        return real_host(self)
    for dev in ["cpu", "gpu"] if _has_gpu() else ["cpu"]:
        x = tt.tensor(a).to_device(dev)
        tt.lu(x, get_infos=True)  # kernels compile and are checked
        monkeypatch.setattr(_Base, "_host", host)
        got = tt.lu(x, get_infos=True)
        monkeypatch.undo()
        assert all(g.device == x.device for g in got)
        np.testing.assert_allclose(got[0].cpu().numpy(), want[0].numpy(), rtol=1e-5,
                                   atol=1e-6)
        for g, w in zip(got[1:], want[1:]):
            assert str(g.dtype) == str(w.dtype)
            np.testing.assert_array_equal(g.cpu().numpy(), w.numpy())
    if want[2].any():  # a singular matrix in the batch: without infos, lu raises as torch
        with pytest.raises(RuntimeError, match="singular"):
            tt.lu(tt.tensor(a))
        with pytest.raises(RuntimeError):
            torch.linalg.lu_factor(torch.tensor(a))
