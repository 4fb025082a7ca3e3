"""Floating-point flags NumPy's ``add.reduce`` raises for a float sum, from its inputs.

``trueno_simd._core.sum``/``mean`` add in double with compensation, so their hardware flags
differ from NumPy's float32/float64 pairwise sums (a compensation term may compute inf - inf).
Only when a result is not finite do they call :func:`sum_flags`, which derives the flags from
the data: overflow when finite inputs gave inf, invalid when +inf and -inf were added.
"""

import numpy as np

DIVIDE, OVERFLOW, UNDERFLOW, INVALID = 1, 2, 4, 8  # NumPy's NPY_FPE_* bits


def sum_flags(x: np.ndarray, axis, result: np.ndarray) -> int:
    """NPY_FPE_* bits for ``sum(x, axis)`` giving `result` (0 when every result is finite).

    Examples
    --------
    >>> sum_flags(np.array([np.inf, -np.inf]), None, np.array(np.nan))
    8
    """
    r = np.asarray(result)
    if np.isfinite(r).all():
        return 0
    if isinstance(axis, list):
        axis = tuple(axis)
    nan = np.isnan(x).any(axis=axis)
    pinf = np.isposinf(x).any(axis=axis)
    ninf = np.isneginf(x).any(axis=axis)
    r = r.reshape(np.shape(nan))
    finite_in = ~(nan | pinf | ninf)
    flags = OVERFLOW if (~np.isfinite(r) & finite_in).any() else 0
    if (pinf & ninf & ~nan).any() or (np.isnan(r) & finite_in).any():
        flags |= INVALID
    return flags
