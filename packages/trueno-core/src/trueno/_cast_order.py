"""Host casts of a binary op's two operands, with NumPy's floating-point error names.

NumPy casts an input of a binary ufunc before its loop when the input is 0-d, or 1-d of at
most ``numpy.getbufsize()`` elements (``check_for_trivial_loop``); a signalling NaN that the
cast quiets then reports "invalid value encountered in cast". From the first input (in operand
order) that it does not cast so, its iterator casts in buffers and the cast's flags join the
loop's: "... in add", nothing for ``maximum`` or comparisons. ``astype`` always says "cast",
so the dispatcher's CPU casts of two tensors go through :func:`cast_operands`, and the flags
of the casts NumPy would leave to its iterator are reported with the kernel's own
(:func:`run_reporting`), under the op's NumPy name, by NumPy's own handler.
"""

from __future__ import annotations

import ctypes

import numpy as np

__all__ = ["cast_operands", "run_reporting", "cast_then_run"]

_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_INVALID = 8  # NPY_FPE_INVALID
_REPORTS: dict[str, bool] = {}  # NumPy ufunc name -> its loop reports its iterator's casts
_GIVE = []


def _cast_first(x: np.ndarray) -> bool:
    """Whether NumPy casts input ``x`` before the loop (a 0-d or short 1-d input)."""
    return x.ndim == 0 or (x.ndim == 1 and x.shape[0] <= np.getbufsize())


def _cast_in_loop(x: np.ndarray, dtype: np.dtype) -> tuple[np.ndarray, int]:
    """``x.astype(dtype)`` with the NPY_FPE_* flags it raised returned, not reported. Only a
    float32 signalling NaN cast to float64 raises one NumPy reports (an invalid); NumPy's
    float16 casts keep signalling NaNs, which raise in the op itself."""
    if x.dtype != _F32 or dtype != _F64 or not np.isnan(x).any():
        return x.astype(dtype), 0
    bits = x.view(np.uint32)
    snan = bool((((bits & 0x7FC00000) == 0x7F800000) & ((bits & 0x003FFFFF) != 0)).any())
    with np.errstate(invalid="ignore"):
        return x.astype(dtype), _INVALID if snan else 0


def cast_operands(x1: np.ndarray, x2: np.ndarray, dtype: np.dtype):
    """``x1`` and ``x2`` (in the ufunc's operand order) converted to ``dtype``, and the
    NPY_FPE_* flags of the casts NumPy's iterator would make (reported with the op's own,
    by :func:`run_reporting`); the casts NumPy makes before its loop report "cast" here.

    Examples
    --------
    >>> a, b, flags = cast_operands(np.ones(2, np.int32), np.ones((2, 2)), np.dtype("f8"))
    >>> a.dtype, b.shape, flags
    (dtype('float64'), (2, 2), 0)
    """
    out = []
    flags = 0
    in_loop = False
    for x in (x1, x2):
        cast = x.dtype != dtype
        if not cast and x.flags.aligned:
            out.append(x)
            continue
        # an unaligned input is copied as a cast is: it too ends NumPy's casts before the loop
        in_loop = in_loop or not _cast_first(x)
        if not cast:
            out.append(x)
        elif in_loop:
            y, f = _cast_in_loop(x, dtype)
            out.append(y)
            flags |= f
        else:
            out.append(x.astype(dtype))
    return out[0], out[1], flags


def _give(name: str, flags: int) -> None:
    """Hand NPY_FPE_* ``flags`` to NumPy's errstate handling as ufunc ``name`` would
    (``PyUFunc_GiveFloatingpointErrors``, slot 46 of NumPy 2's ufunc C-API table, as
    trueno-simd does), so messages, warnings, errors and callbacks are NumPy's."""
    if not _GIVE:
        from numpy._core import _multiarray_umath as um

        get = ctypes.pythonapi.PyCapsule_GetPointer
        get.restype = ctypes.c_void_p
        get.argtypes = [ctypes.py_object, ctypes.c_char_p]
        table = ctypes.cast(get(um._UFUNC_API, None), ctypes.POINTER(ctypes.c_void_p))
        _GIVE.append(ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_char_p, ctypes.c_int)(table[46]))
    _GIVE[0](name.encode(), flags)


def _reports(name: str) -> bool:
    """Whether NumPy's ufunc ``name`` reports a flag its iterator's cast raised (asked of
    NumPy once: maximum, minimum and comparisons do not)."""
    r = _REPORTS.get(name)
    if r is None:
        seen = []
        x = np.full((1, 1), np.array(0x7FA00000, np.uint32).view(np.float32))
        try:
            with np.errstate(all="call", call=lambda kind, flag: seen.append(flag)):
                getattr(np, name)(x, np.ones((1, 1)))
        except (AttributeError, TypeError, ValueError):
            pass
        r = _REPORTS[name] = bool(seen)
    return r


def run_reporting(op, flags: int, fn):
    """``fn()`` (the kernel call) with the flags of the casts NumPy's iterator would make
    reported together with the kernel's own, as the op's single check (NumPy's order)."""
    seen = []
    with np.errstate(all="call", call=lambda kind, flag: seen.append(flag)):
        out = fn()
    name = op.numpy_name or op.name
    name = getattr(getattr(np, name, None), "__name__", name)  # the ufunc's: atan2 -> arctan2
    if not _reports(name):
        flags = 0
    for f in seen:
        flags |= f
    if flags:
        _give(name, flags)
    return out


def cast_then_run(op, kernel, dtype: np.dtype, x1: np.ndarray, x2: np.ndarray):
    """``kernel`` on ``x1`` and ``x2`` (operand order) after :func:`cast_operands`: the
    kernel of a cached mixed-dtype entry on the CPU whose backend needs operands of one
    dtype."""
    y1, y2, flags = cast_operands(x1, x2, dtype)
    if flags:
        return run_reporting(op, flags, lambda: kernel(y1, y2))
    return kernel(y1, y2)
