"""``torch.poisson`` and ``torch.binomial`` with PyTorch's CPU streams.

PyTorch's CPU kernels (ATen/native/Distributions.{h,cpp}) visit the output in order and draw
``uniform_real_distribution<double>`` values from the generator one at a time, as many as each
element's rejection loop needs: Poisson by multiplying uniforms below rate 10 and by Hormann's
transformed rejection (PTRS) from 10 on; binomial by geometric inversion when ``count * p <
10`` and by Hormann's BTRS otherwise (``count - sample(1 - p)`` for ``p > 0.5``). This module
runs the same loops on the same draws, with libm's ``log``/``log1p``/``lgamma`` through ctypes
(CPython's ``math.lgamma`` is its own), so the numbers are PyTorch's bit for bit. It runs one
element at a time in Python (about 2 us per draw).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math

import numpy as np

from .. import _dtypes as D
from ._errors import TorchDTypeError, TorchShapeError
from ._functions import _t

__all__ = ["poisson", "binomial"]

_LIB: list = []


def _libm():
    if not _LIB:
        lib = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
        for name in ("log", "log1p", "lgamma", "sqrt", "floor", "ceil", "exp"):
            getattr(lib, name).restype = ctypes.c_double
            getattr(lib, name).argtypes = [ctypes.c_double]
        lib.log1pf.restype = ctypes.c_float
        lib.log1pf.argtypes = [ctypes.c_float]
        lib.sqrtf.restype = ctypes.c_float
        lib.sqrtf.argtypes = [ctypes.c_float]
        _LIB.append(lib)
    return _LIB[0]


class _Uniform:
    """``uniform_real_distribution<double>(0, 1)`` of the engine, one draw at a time."""

    def __init__(self, eng) -> None:
        self.eng = eng

    def __call__(self) -> float:
        return float(self.eng.uniform64(1)[0])


def _poisson_one(lam: float, u: _Uniform, m) -> float:
    if lam >= 10:
        slam, loglam = m.sqrt(lam), m.log(lam)
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        invalpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2)
        while True:
            uu = u() - 0.5
            v = u()
            us = 0.5 - abs(uu)
            k = math.floor((2 * a / us + b) * uu + lam + 0.43)
            if us >= 0.07 and v <= vr:
                return float(k)
            if k < 0 or (us < 0.013 and v > us):
                continue
            if (m.log(v) + m.log(invalpha) - m.log(a / (us * us) + b)) <= \
                    (-lam + k * loglam - m.lgamma(float(k) + 1)):
                return float(k)
    if lam == 0:
        return 0.0
    enlam = m.exp(-lam)
    x, prod = 0, 1.0
    while True:
        prod *= u()
        if prod > enlam:
            x += 1
        else:
            return float(x)


def poisson(input, generator=None):  # noqa: A002
    """Samples of Poisson distributions with the rates in ``input`` (PyTorch's CPU stream).

    Examples
    --------
    >>> import trueno.torch as torch
    >>> _ = torch.manual_seed(0)
    >>> torch.poisson(torch.tensor([0.0, 0.0])).tolist()
    [0.0, 0.0]
    """
    from ._random import _gen, _out
    x = _t(input)
    if x._dtype.kind != "f":
        raise TorchDTypeError(f"poisson: expected a floating point rate tensor, got "
                              f"{x.dtype}\n  hint: rates.float()")
    lam = np.ascontiguousarray(x._host(), np.float64).reshape(-1)
    if lam.size and not (lam >= 0).all():
        raise TorchShapeError("poisson: invalid Poisson rate, expected rate to be "
                              "non-negative\n  hint: rates.clamp(min=0)")
    m = _libm()
    g = _gen(generator)
    with g._lock:
        u = _Uniform(g._eng)
        vals = [_poisson_one(float(v), u, m) for v in lam]
    return _out(np.asarray(vals, np.float64).reshape(tuple(x.shape)), x._dtype, x._device)


_TAIL = (0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509,
         0.0166446911898211, 0.0138761288230707, 0.0118967099458917, 0.0104112652619720,
         0.00925546218271273, 0.00833056343336287)


def _stirling_tail(k: float) -> float:
    if k <= 9:
        return _TAIL[int(k)]
    kp1sq = (k + 1) * (k + 1)
    return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)


class _Arith:
    """The tensor dtype's arithmetic (``scalar_t`` in PyTorch's templates): float32 rounds each
    operation, float64 is Python's."""

    def __init__(self, f32: bool, m) -> None:
        self.f32 = f32
        self.m = m

    def r(self, v):
        return float(np.float32(v)) if self.f32 else v

    def log1p(self, v):
        return float(self.m.log1pf(v)) if self.f32 else self.m.log1p(v)

    def sqrt(self, v):
        return float(self.m.sqrtf(v)) if self.f32 else self.m.sqrt(v)


def _inversion(count, prob, u: _Uniform, s: _Arith) -> float:
    logprob = s.log1p(-prob)
    geom_sum, num = 0.0, 0.0
    while True:
        geom = math.ceil(s.m.log(u()) / logprob)
        geom_sum += geom
        if geom_sum > count:
            return num
        num = s.r(num + 1)


def _btrs(count, prob, u: _Uniform, s: _Arith) -> float:
    r_ = s.r
    m = s.m
    stddev = s.sqrt(r_(r_(count * prob) * r_(1 - prob)))
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * prob
    c = r_(count * prob) + 0.5
    v_r = 0.92 - 4.2 / b
    r = r_(prob / r_(1 - prob))
    alpha = (2.83 + 5.1 / b) * stddev
    mm = math.floor(r_(r_(count + 1) * prob))
    while True:
        uu = u() - 0.5
        v = u()
        us = 0.5 - abs(uu)
        k = r_(math.floor((2 * a / us + b) * uu + c))
        if k < 0 or k > count:
            continue
        if us >= 0.07 and v <= v_r:
            return k
        v = m.log(v * alpha / (a / (us * us) + b))
        upper = ((mm + 0.5) * m.log((mm + 1) / (r * (count - mm + 1)))
                 + r_(count + 1) * m.log((count - mm + 1) / r_(r_(count - k) + 1))
                 + (k + 0.5) * m.log(r * r_(r_(count - k) + 1) / r_(k + 1))
                 + _stirling_tail(mm) + _stirling_tail(count - mm)
                 - _stirling_tail(k) - _stirling_tail(r_(count - k)))
        if v <= upper:
            return k


def _binomial_one(count, prob, u: _Uniform, s: _Arith) -> float:
    if count <= 0.0 or prob <= 0.0:
        return 0.0
    if prob >= 1.0:
        return count
    if prob <= 0.5:
        if s.r(count * prob) >= 10.0:
            return _btrs(count, prob, u, s)
        return _inversion(count, prob, u, s)
    if prob > 0.5:
        q = s.r(1.0 - prob)
        if s.r(count * q) >= 10.0:
            return s.r(count - _btrs(count, q, u, s))
        return s.r(count - _inversion(count, q, u, s))
    return math.nan


def binomial(count, prob, generator=None):
    """Samples of binomial distributions with ``count`` trials of probability ``prob``
    (PyTorch's CPU stream)."""
    from ._random import _gen, _out
    n, p = _t(count), _t(prob)
    if n._dtype.kind != "f" or p._dtype is not n._dtype:
        raise TorchDTypeError(f"binomial: expected floating point count and prob of one "
                              f"dtype, got {n.dtype} and {p.dtype}\n  hint: count.float(), "
                              f"prob.float()")
    f32 = n._dtype is not D.float64
    host_n = n._host().astype(np.float64)
    host_p = np.broadcast_to(p._host().astype(np.float64), host_n.shape)
    s = _Arith(f32, _libm())
    g = _gen(generator)
    with g._lock:
        u = _Uniform(g._eng)
        vals = [_binomial_one(float(c), float(q), u, s)
                for c, q in zip(host_n.reshape(-1).tolist(), host_p.reshape(-1).tolist())]
    return _out(np.asarray(vals, np.float64).reshape(tuple(n.shape)), n._dtype, n._device)
