"""``trueno.testing``: NumPy's testing helpers (``assert_allclose``, ``assert_array_equal``,
``assert_equal``, ...) that accept trueno arrays, so ``np.testing.assert_allclose(a, b)`` keeps
working after ``import trueno as np``.

Trueno arrays (anywhere in the arguments, also inside lists, tuples and dicts) are compared as
the NumPy arrays of their values, read from their device; everything else is NumPy's own
``numpy.testing``, imported on first use.
"""

from __future__ import annotations

from typing import Any

_NAMES = (
    "assert_equal", "assert_almost_equal", "assert_approx_equal", "assert_array_equal",
    "assert_array_less", "assert_string_equal", "assert_array_almost_equal", "assert_raises",
    "assert_", "assert_array_almost_equal_nulp", "assert_raises_regex", "assert_array_max_ulp",
    "assert_warns", "assert_no_warnings", "assert_allclose", "assert_array_compare",
    "print_assert_equal", "build_err_msg", "suppress_warnings", "clear_and_catch_warnings",
    "assert_no_gc_cycles", "SkipTest", "KnownFailureException", "IgnoreException", "TestCase",
    "verbose", "tempdir", "temppath",
)
__all__ = list(_NAMES)  # made on first use by __getattr__

# the helpers whose arguments are values to compare (converted); the rest are NumPy's as is
_COMPARE = frozenset({
    "assert_equal", "assert_almost_equal", "assert_approx_equal", "assert_array_equal",
    "assert_array_less", "assert_array_almost_equal", "assert_array_almost_equal_nulp",
    "assert_array_max_ulp", "assert_allclose", "assert_array_compare", "print_assert_equal",
})


def _np(x: Any) -> Any:
    """``x`` with trueno arrays replaced by NumPy arrays of their values."""
    from ._tensor import Tensor
    if isinstance(x, Tensor):
        return x._host()
    if isinstance(x, (list, tuple)) and any(isinstance(i, (Tensor, list, tuple, dict))
                                            for i in x):
        return type(x)(_np(i) for i in x)
    if isinstance(x, dict):
        return {k: _np(v) for k, v in x.items()}
    return x


def _wrap(name: str, fn):
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*(_np(a) for a in args), **{k: _np(v) for k, v in kwargs.items()})
    wrapper.__module__ = __name__
    return wrapper


def __getattr__(name: str):
    import numpy.testing as nt
    try:
        obj = getattr(nt, name)
    except AttributeError:
        raise AttributeError(f"module 'trueno.testing' has no attribute {name!r}") from None
    if name in _COMPARE:
        obj = _wrap(name, obj)
    globals()[name] = obj
    return obj


def __dir__() -> list[str]:
    return sorted(set(__all__) | set(globals()))
