"""``trueno.fft``: discrete Fourier transforms with ``numpy.fft``'s names, arguments and dtypes.

The transforms are six op-table rows (``fft_fftn``, ``fft_ifftn``, ``fft_rfftn``,
``fft_irfftn``, ``fft_hfft``, ``fft_ihfft``) with reference kernels in ``_reference/_fft.py``;
``fft``/``fft2`` are ``fftn`` over one/two axes. Dtypes follow NumPy 2: float32 and complex64
stay single precision, float16 computes in single precision, bool and ints in double.
"""

from __future__ import annotations

import operator

from . import _dispatch as X
from . import _dtypes as D
from ._creation import _place, asarray, default_class
from ._errors import DTypeError
from ._manipulation import concat
from ._optable import OPS
from ._tensor import Tensor
from ._views import normalize_axis

__all__ = ["fft", "ifft", "rfft", "irfft", "fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn",
           "rfftn", "irfftn", "hfft", "ihfft", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]


# The rows are declared in _optable/fft.py, with the table.
_FFTN, _IFFTN, _RFFTN, _IRFFTN, _HFFT, _IHFFT = (
    OPS[f"fft_{n}"] for n in ("fftn", "ifftn", "rfftn", "irfftn", "hfft", "ihfft"))

_NORMS = ("backward", "ortho", "forward")


def _x(a):
    return a if isinstance(a, Tensor) else asarray(a)


def _norm(norm):
    if norm is None:
        return "backward"
    if norm not in _NORMS:
        raise ValueError(f'Invalid norm value {norm!r}; should be "backward", "ortho" or '
                         f'"forward".')
    return norm


def _compute_dtype(name, x, real_only):
    """NumPy 2's rule: float16 (and bfloat16) compute in float32, bool and ints in float64."""
    dt = x._dtype
    if dt.kind == "c":
        if real_only:
            other = {"rfft": "fft", "rfft2": "fft2", "rfftn": "fftn"}.get(name, "ifft")
            raise DTypeError(f"fft.{name}: input must be real, got {dt.name}\n  hint: use "
                             f"fft.{other} for complex input, or pass x.real")
        return dt
    if dt in (D.float16, D.bfloat16):
        return D.float32
    if dt.kind in "biu":
        return D.float64
    return dt


def _check_n(name, n):
    if n < 1:
        raise ValueError(f"fft.{name}: invalid number of FFT data points ({n}) specified")


def _run(row, name, x, params, real_only=False):
    dt = _compute_dtype(name, x, real_only)
    return X.run(row, (x,), (X.cast_data(x, dt),), params, x.__class__, x._device, dt)


def _one(row, name, a, n, axis, norm, real_only=False, out_len=None):
    x = _x(a)
    if x.ndim == 0:
        raise ValueError(f"fft.{name}: input must be at least 1-D, got a 0-d array")
    ax = normalize_axis(axis, x.ndim)
    if n is not None:
        n = operator.index(n)
    _check_n(name, n if n is not None else (out_len(x.shape[ax]) if out_len
                                            else x.shape[ax]))
    return _run(row, name, x, {"s": None if n is None else (n,), "axes": (ax,),
                               "norm": _norm(norm)}, real_only)


def _many(row, name, a, s, axes, norm, real_only=False, last_out=None):
    x = _x(a)
    if s is not None:
        s = tuple(operator.index(n) for n in s)
    if axes is None:
        axes = tuple(range(x.ndim - (len(s) if s is not None else x.ndim), x.ndim))
    else:
        axes = tuple(normalize_axis(a, x.ndim) for a in axes)
    if s is not None and len(s) != len(axes):
        raise ValueError(f"fft.{name}: shape and axes have different lengths ({len(s)} and "
                         f"{len(axes)})")
    if not axes:
        return x.astype(_compute_dtype(name, x, real_only))
    if s is not None:
        s = tuple(x.shape[ax] if n == -1 else n for n, ax in zip(s, axes))
        for n in s:
            _check_n(name, n)
    else:
        for i, ax in enumerate(axes):
            m = x.shape[ax]
            _check_n(name, last_out(m) if last_out and i == len(axes) - 1 else m)
    return _run(row, name, x, {"s": s, "axes": axes, "norm": _norm(norm)}, real_only)


def _out(name, res, out):
    """``res``, or ``res`` written into ``out`` (NumPy's ``same_kind`` rule: a complex64
    ``out`` takes a complex128 result, a float ``out`` refuses a complex one) and ``out``
    returned, as NumPy 2's ``numpy.fft`` functions do."""
    if out is None:
        return res
    from ._reduction import finish
    return finish(name, res, out, "same_kind")


def _irfft_len(m):
    return 2 * (m - 1)


def fft(a, n=None, axis=-1, norm=None, out=None):
    """One-dimensional discrete Fourier transform.

    Examples
    --------
    >>> import trueno as tn
    >>> tn.fft.fft([1.0, 1.0, 1.0, 1.0]).tolist()
    [(4+0j), 0j, 0j, 0j]
    """
    return _out("fft", _one(_FFTN, "fft", a, n, axis, norm), out)


def ifft(a, n=None, axis=-1, norm=None, out=None):
    return _out("ifft", _one(_IFFTN, "ifft", a, n, axis, norm), out)


def rfft(a, n=None, axis=-1, norm=None, out=None):
    """FFT of a real input: the ``n // 2 + 1`` non-negative frequency terms."""
    return _out("rfft", _one(_RFFTN, "rfft", a, n, axis, norm, real_only=True), out)


def _half(a, out):
    # NOTE: NumPy's 1-D irfft/hfft of a float16 input return float16 (irfftn does not).
    if isinstance(a, Tensor) and a._dtype is D.float16 or \
            not isinstance(a, Tensor) and getattr(a, "dtype", None) == D.float16.numpy:
        return out.astype(D.float16)
    return out


def irfft(a, n=None, axis=-1, norm=None, out=None):
    """Inverse of ``rfft``: a real result of length ``n`` (default ``2 * (m - 1)``)."""
    res = _half(a, _one(_IRFFTN, "irfft", a, n, axis, norm, out_len=_irfft_len))
    return _out("irfft", res, out)


def hfft(a, n=None, axis=-1, norm=None, out=None):
    """FFT of a signal with Hermitian symmetry (a real spectrum)."""
    x = _x(a)
    ax = normalize_axis(axis, x.ndim) if x.ndim else 0
    if n is None and x.ndim:
        _check_n("hfft", _irfft_len(x.shape[ax]))
    elif n is not None:
        _check_n("hfft", operator.index(n))
    res = _half(x, _run(_HFFT, "hfft", x, {"n": n, "axis": ax, "norm": _norm(norm)}))
    return _out("hfft", res, out)


def ihfft(a, n=None, axis=-1, norm=None, out=None):
    x = _x(a)
    ax = normalize_axis(axis, x.ndim) if x.ndim else 0
    _check_n("ihfft", operator.index(n) if n is not None else x.shape[ax])
    res = _run(_IHFFT, "ihfft", x, {"n": n, "axis": ax, "norm": _norm(norm)}, True)
    return _out("ihfft", res, out)


def fftn(a, s=None, axes=None, norm=None, out=None):
    """N-dimensional FFT over ``axes`` (default: all, or the last ``len(s)``)."""
    return _out("fftn", _many(_FFTN, "fftn", a, s, axes, norm), out)


def ifftn(a, s=None, axes=None, norm=None, out=None):
    return _out("ifftn", _many(_IFFTN, "ifftn", a, s, axes, norm), out)


def rfftn(a, s=None, axes=None, norm=None, out=None):
    return _out("rfftn", _many(_RFFTN, "rfftn", a, s, axes, norm, real_only=True), out)


def irfftn(a, s=None, axes=None, norm=None, out=None):
    res = _many(_IRFFTN, "irfftn", a, s, axes, norm, last_out=_irfft_len)
    return _out("irfftn", res, out)


def fft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    return _out("fft2", _many(_FFTN, "fft2", a, s, axes, norm), out)


def ifft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    return _out("ifft2", _many(_IFFTN, "ifft2", a, s, axes, norm), out)


def rfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    return _out("rfft2", _many(_RFFTN, "rfft2", a, s, axes, norm, real_only=True), out)


def irfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    res = _many(_IRFFTN, "irfft2", a, s, axes, norm, last_out=_irfft_len)
    return _out("irfft2", res, out)


# --- helpers ---------------------------------------------------------------------------------
def fftfreq(n, d=1.0, *, device=None, dtype=None):
    """Sample frequencies ``[0, 1, ..., n/2-1, -n/2, ..., -1] / (d * n)``."""
    import numpy as np
    n = operator.index(n)
    host = np.fft.fftfreq(n, d)
    dt = D.float64 if dtype is None else D.as_dtype(dtype)
    return _place(default_class(), host.astype(dt.numpy), device, dt)


def rfftfreq(n, d=1.0, *, device=None, dtype=None):
    """Sample frequencies of ``rfft``: ``[0, 1, ..., n//2] / (d * n)``."""
    import numpy as np
    n = operator.index(n)
    host = np.fft.rfftfreq(n, d)
    dt = D.float64 if dtype is None else D.as_dtype(dtype)
    return _place(default_class(), host.astype(dt.numpy), device, dt)


def _roll(x, shifts, axes):
    """Roll ``x`` along ``axes`` with slicing and concat (runs on any device)."""
    for sh, ax in zip(shifts, axes):
        n = x.shape[ax]
        k = (-sh) % n if n else 0
        if k == 0:
            continue
        lead = (slice(None),) * ax
        x = concat([x[lead + (slice(k, None),)], x[lead + (slice(0, k),)]], axis=ax)
    return x


def _shift(x, axes, inverse):
    x = _x(x)
    if axes is None:
        axes = tuple(range(x.ndim))
    elif isinstance(axes, int):
        axes = (axes,)
    axes = tuple(normalize_axis(a, x.ndim) for a in axes)
    shifts = [(-(x.shape[a] // 2) if inverse else x.shape[a] // 2) for a in axes]
    out = _roll(x, shifts, axes)
    return out.copy() if out is x else out


def fftshift(x, axes=None):
    """Shift the zero-frequency term to the centre of the spectrum."""
    return _shift(x, axes, False)


def ifftshift(x, axes=None):
    """Inverse of ``fftshift``."""
    return _shift(x, axes, True)
