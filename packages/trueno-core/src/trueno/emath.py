"""``trueno.emath``: NumPy's ``emath`` (``numpy.lib.scimath``), mathematical functions whose
result is complex where the real function's domain ends: ``emath.sqrt(-1)`` is ``1j``,
``emath.log(-1)`` is ``pi*1j``.

As in NumPy, an input whose values need it is cast to complex first (complex64 for float32 and
the 8/16-bit integers, complex128 otherwise), then trueno's own function runs on the array's
device.
"""

from __future__ import annotations

from ._tensor import Tensor

__all__ = ["sqrt", "log", "log2", "log10", "logn", "power", "arccos", "arcsin", "arctanh"]

_SINGLE = frozenset({"float32", "int8", "int16", "uint8", "uint16", "complex64"})


def _t(x):
    from ._creation import asarray
    return x if isinstance(x, Tensor) else asarray(x)


def _tocomplex(x):
    from . import _dtypes as D
    return x.astype(D.complex64 if x._dtype.name in _SINGLE else D.complex128)


def _fix(x, bad):
    """``x`` as an array, made complex when it is real and ``bad(x)`` holds somewhere."""
    from ._reduction import any as _any
    x = _t(x)
    if x._dtype.kind != "c" and bool(_any(bad(x))):
        return _tocomplex(x)
    return x


def _lt_zero(x):
    return x < 0


def _abs_gt_1(x):
    return abs(x) > 1


def sqrt(x):
    """Square root, complex for negative inputs."""
    import trueno
    return trueno.sqrt(_fix(x, _lt_zero))


def log(x):
    """Natural logarithm, complex for negative inputs."""
    import trueno
    return trueno.log(_fix(x, _lt_zero))


def log10(x):
    """Base-10 logarithm, complex for negative inputs."""
    import trueno
    return trueno.log10(_fix(x, _lt_zero))


def log2(x):
    """Base-2 logarithm, complex for negative inputs."""
    import trueno
    return trueno.log2(_fix(x, _lt_zero))


def logn(n, x):
    """Logarithm of ``x`` to base ``n``, complex where either is negative."""
    import trueno
    return trueno.divide(trueno.log(_fix(x, _lt_zero)), trueno.log(_fix(n, _lt_zero)))


def power(x, p):
    """``x ** p``, complex for negative ``x``; negative integer powers give floats."""
    import trueno
    x = _fix(x, _lt_zero)
    p = _t(p)
    if p._dtype.kind in "iu":
        from ._reduction import any as _any
        if bool(_any(p < 0)):
            p = p.astype(trueno.float64)
    return trueno.power(x, p)


def arccos(x):
    """Inverse cosine, complex where ``abs(x) > 1``."""
    import trueno
    return trueno.arccos(_fix(x, _abs_gt_1))


def arcsin(x):
    """Inverse sine, complex where ``abs(x) > 1``."""
    import trueno
    return trueno.arcsin(_fix(x, _abs_gt_1))


def arctanh(x):
    """Inverse hyperbolic tangent, complex where ``abs(x) > 1``."""
    import trueno
    return trueno.arctanh(_fix(x, _abs_gt_1))
