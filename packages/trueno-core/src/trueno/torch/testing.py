"""``torch.testing.assert_close``: PyTorch's closeness check with its default tolerances per
dtype, for trueno tensors (and anything ``torch.tensor`` takes)."""

from __future__ import annotations

import numpy as np

from .. import _dtypes as D
from .._tensor import Tensor as _Base

__all__ = ["assert_close", "assert_allclose"]

# PyTorch's defaults (torch/testing/_comparison.py): (rtol, atol) by dtype
_TOLERANCES = {D.float16: (1e-3, 1e-5), D.bfloat16: (1.6e-2, 1e-5), D.float32: (1.3e-6, 1e-5),
               D.float64: (1e-7, 1e-7), D.complex64: (1.3e-6, 1e-5),
               D.complex128: (1e-7, 1e-7)}


def _as_tensor(x):
    from ._functions import tensor
    return x if isinstance(x, _Base) else tensor(x)


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None,
                 equal_nan=False, check_device=True, check_dtype=True, check_layout=True,
                 check_stride=False, msg=None) -> None:
    """Raise AssertionError unless ``|actual - expected| <= atol + rtol * |expected|``
    elementwise, with equal shapes (and dtypes and devices unless told not to check)."""
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but "
                         f"got no {'rtol' if rtol is None else 'atol'}.")
    if isinstance(actual, (list, tuple)) and isinstance(expected, (list, tuple)) and \
            not all(isinstance(v, (int, float, complex, bool)) for v in (*actual, *expected)):
        if len(actual) != len(expected):
            raise AssertionError(msg or f"The length of the sequences mismatch: "
                                        f"{len(actual)} != {len(expected)}")
        for a, e in zip(actual, expected):
            assert_close(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan,
                         check_device=check_device, check_dtype=check_dtype, msg=msg)
        return
    a, e = _as_tensor(actual), _as_tensor(expected)
    if tuple(a.shape) != tuple(e.shape):
        raise AssertionError(msg or f"The values for attribute 'shape' do not match: "
                                    f"{tuple(a.shape)} != {tuple(e.shape)}.")
    if check_dtype and a._dtype is not e._dtype:
        raise AssertionError(msg or f"The values for attribute 'dtype' do not match: "
                                    f"torch.{a.dtype.name} != torch.{e.dtype.name}.")
    if check_device and a._device is not e._device:
        raise AssertionError(msg or f"The values for attribute 'device' do not match: "
                                    f"{a.device} != {e.device}.")
    if rtol is None:
        r1, a1 = _TOLERANCES.get(a.dtype, (0.0, 0.0))
        r2, a2 = _TOLERANCES.get(e.dtype, (0.0, 0.0))
        rtol, atol = max(r1, r2), max(a1, a2)
    ha, he = a._host(), e._host()
    if ha.dtype.kind in "iub" and he.dtype.kind in "iub" and rtol == 0 and atol == 0:
        bad = ha != he
    else:
        fa, fe = ha.astype(np.complex128 if "c" in ha.dtype.kind + he.dtype.kind
                           else np.float64), he.astype(np.complex128 if "c" in ha.dtype.kind +
                                                        he.dtype.kind else np.float64)
        with np.errstate(invalid="ignore"):
            bad = ~np.isclose(fa, fe, rtol=rtol, atol=atol, equal_nan=equal_nan)
    n = int(np.count_nonzero(bad))
    if n:
        idx = tuple(int(i) for i in np.argwhere(bad)[0]) if bad.ndim else ()
        raise AssertionError(msg or f"Tensor-likes are not close!\n\nMismatched elements: "
                                    f"{n} / {bad.size} ({100 * n / max(bad.size, 1):.1f}%)\n"
                                    f"First mismatch at index {idx}: {ha[idx]!r} vs "
                                    f"{he[idx]!r} (up to {atol} allowed, rtol {rtol})")


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg="") -> None:
    """The deprecated form: no dtype check, NaN equal to NaN."""
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan,
                 check_dtype=False, msg=msg or None)
