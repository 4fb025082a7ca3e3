"""NumPy's ``poly1d`` on the NumPy face: NumPy's class computes (on the host); coefficient
and root arrays are trueno arrays, and evaluating at a trueno array gives a trueno array on
its device (NumPy scalars for scalars, as NumPy)."""

from __future__ import annotations

import numpy as np

from ._tensor import Tensor, numpy_result

__all__ = ["poly1d"]


def _host(v):
    if isinstance(v, poly1d):
        return v._p
    return v._host() if isinstance(v, Tensor) else v


def _arr(a):
    from ._creation import asarray
    a = np.asarray(a)
    return asarray(a.astype(np.int64) if a.dtype == np.intp else a)


class poly1d:  # noqa: N801  (NumPy's name)
    """A one-dimensional polynomial (NumPy's ``poly1d``): ``poly1d([1, 2, 3])`` is
    ``x**2 + 2x + 3``; ``poly1d(r, True)`` has roots ``r``.

    Arithmetic, calls, ``deriv``/``integ``, ``roots``, ``order``, ``variable``, indexing
    (the coefficient of a power), ``repr`` and ``str`` are NumPy's.
    """

    __hash__ = None

    def __init__(self, c_or_r, r: bool = False, variable=None) -> None:
        self._p = np.poly1d(_host(c_or_r), r, variable)

    @classmethod
    def _wrap(cls, p):
        if not isinstance(p, np.poly1d):
            return p
        out = cls.__new__(cls)
        out._p = p
        return out

    @property
    def coeffs(self):
        return _arr(self._p.coeffs)

    c = coef = coefficients = coeffs

    @property
    def roots(self):
        return _arr(self._p.roots)

    r = roots

    @property
    def order(self) -> int:
        return self._p.order

    o = order

    @property
    def variable(self) -> str:
        return self._p.variable

    def __call__(self, val):
        if isinstance(val, poly1d):
            return poly1d._wrap(self._p(val._p))
        if isinstance(val, Tensor):
            from ._numpy_utilities import polyval
            return polyval(self.coeffs, val)
        r = self._p(val)
        return _arr(r) if isinstance(r, np.ndarray) else numpy_result(r)

    def deriv(self, m: int = 1) -> poly1d:
        return poly1d._wrap(self._p.deriv(m))

    def integ(self, m: int = 1, k=0) -> poly1d:
        return poly1d._wrap(self._p.integ(m, _host(k)))

    def __len__(self) -> int:
        return len(self._p)

    def __getitem__(self, power):
        return self._p[power]

    def __setitem__(self, power, value) -> None:
        self._p[power] = _host(value)

    def __iter__(self):
        return iter(self._p)

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self._p.coeffs, dtype=dtype)

    def __repr__(self) -> str:
        return repr(self._p)

    def __str__(self) -> str:
        return str(self._p)

    def __eq__(self, other) -> bool:
        return self._p == _host(other)

    def __ne__(self, other) -> bool:
        return self._p != _host(other)

    def __neg__(self) -> poly1d:
        return poly1d._wrap(-self._p)

    def __pos__(self) -> poly1d:
        return self


def _binary(name):
    def op(self, other):
        return poly1d._wrap(getattr(self._p, name)(_host(other)))
    op.__name__ = name
    return op


for _name in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
              "__truediv__", "__rtruediv__", "__pow__", "__div__"):
    if hasattr(np.poly1d, _name):
        setattr(poly1d, _name, _binary(_name))
