"""The check of a kernel's first result against its row's shape and dtype rule (DESIGN.md §3).

``_registry.resolve_kernel`` caches ``checking(...)`` instead of a kernel it has not seen run
for that ``(op, device, dtype)``; after its first successful call the wrapper puts the kernel
itself in the cache, so the hot path never pays for the check. Rows whose shape rule core can
compute (elementwise "broadcast", "reduce", "matmul") are checked; "custom" and "view" rows are
not wrapped at all.
"""

from __future__ import annotations

import numpy as np

from . import _dtypes as D
from ._device import CPU
from ._errors import BackendError

__all__ = ["CHECKED_SHAPES", "expected", "check_result"]

CHECKED_SHAPES = frozenset(("broadcast", "reduce", "matmul"))
_REAL_WHEN_COMPLEX = frozenset(("var", "std", "vector_norm"))


def _real(dt):
    return D.float32 if dt is D.complex64 else D.float64


def _expected_dtype(op, dtype, params):
    """The result dtype the row's rule gives for a kernel run in ``dtype`` (None: no rule)."""
    r = op.result
    if op.shape == "reduce" and params.get("dtype") is not None:
        return D.as_dtype(params["dtype"])
    if r in ("bool", "input_bool"):
        return D.bool_
    if r == "index":
        return D.int64
    if r == "real" or (r == "float" and op.name in _REAL_WHEN_COMPLEX):
        return _real(dtype) if dtype.kind == "c" else dtype
    if r in ("promote", "float", "numpy_promote"):
        return dtype
    return None  # "sum" without dtype=, or a rule this check does not know


def _reduced_shape(shape, axis, keepdims):
    nd = len(shape)
    if axis is None:
        axes = set(range(nd))
    elif isinstance(axis, (tuple, list)):
        axes = {a % nd if nd else 0 for a in axis}
    else:
        axes = {axis % nd if nd else 0}
    if keepdims:
        return tuple(1 if d in axes else n for d, n in enumerate(shape))
    return tuple(n for d, n in enumerate(shape) if d not in axes)


def _expected_shape(op, args, params):
    from ._dispatch import matmul_shapes
    from ._views import broadcast_shapes
    shapes = [tuple(a.shape) for a in args if hasattr(a, "shape")]
    if op.shape == "broadcast":
        return broadcast_shapes(*shapes) if shapes else ()
    if op.shape == "reduce":
        if not shapes or "axis" not in params:
            return None
        return _reduced_shape(shapes[0], params["axis"], params.get("keepdims", False))
    if op.shape == "matmul" and len(shapes) == 2:
        return matmul_shapes(shapes[0], shapes[1])
    return None


def expected(op, dtype, args, params):
    """``(shape, dtype)`` the row's rules give for these kernel arguments (None where none)."""
    return _expected_shape(op, args, params), _expected_dtype(op, dtype, params)


def _shape_dtype(out, device):
    if device is CPU and not isinstance(out, np.ndarray):
        out = np.asarray(out)
    shape = getattr(out, "shape", None)
    dt = getattr(out, "dtype", None)
    return (tuple(shape) if shape is not None else None), dt


def check_result(op, device, dtype, backend, args, params, out) -> None:
    """Raise a BackendError if ``out`` does not have the shape and dtype the row gives."""
    want_shape, want_dtype = expected(op, dtype, args, params)
    outs = out if isinstance(out, tuple) else (out,)
    for o in outs:
        shape, dt = _shape_dtype(o, device)
        bad_shape = want_shape is not None and shape != want_shape
        bad_dtype = (want_dtype is not None and not isinstance(out, tuple) and
                     (dt is None or np.dtype(dt) != want_dtype.numpy))
        if bad_shape or bad_dtype:
            want_dt = want_dtype.name if want_dtype is not None else "any"
            got_dt = np.dtype(dt).name if dt is not None else type(o).__name__
            raise BackendError(
                f"{op.name}: the kernel of backend {backend.name!r} (plugin "
                f"{backend.plugin or backend.name!r}) on device '{device}' for dtype "
                f"{dtype.name} returned shape {shape} and dtype {got_dt}; the row's rules "
                f"(shape '{op.shape}', dtype '{op.result}') give shape {want_shape} and dtype "
                f"{want_dt}\n  inputs: {[tuple(getattr(a, 'shape', ())) for a in args]}"
                f"{f', params {params}' if params else ''}\n"
                f"  hint: fix the plugin's kernel, or leave dtype {dtype.name} out of its "
                f"kernel table for {op.name}; trueno.use_backend('reference') runs the "
                f"reference kernel meanwhile")
