"""The check of a kernel's first result against its row's shape and dtype rule (DESIGN.md §3).

``_registry.resolve_kernel`` caches ``checking(...)`` instead of a kernel it has not seen run
for that ``(op, device, dtype)``; after its first successful call the wrapper puts the kernel
itself in the cache, so the hot path never pays for the check. Rows whose shape rule core can
compute are checked: "broadcast", "reduce" and "matmul" (shape and dtype) and the rules of
``SHAPE_RULES`` (shape; each output of a kernel that returns a tuple). "custom" rows (results
of data-dependent shape: ``unique_all``, ``bincount``, ...) and "view" rows are not wrapped.
"""

from __future__ import annotations

import numpy as np

from . import _dtypes as D
from ._device import CPU
from ._errors import BackendError

__all__ = ["CHECKED_SHAPES", "SHAPE_RULES", "expected", "check_result"]

_REAL_WHEN_COMPLEX = frozenset(("var", "std", "vector_norm"))


def _real(dt):
    return D.float32 if dt is D.complex64 else D.float64


def _expected_dtype(op, dtype, params):
    """The result dtype the row's rule gives for a kernel run in ``dtype`` (None: no rule)."""
    if op.shape in SHAPE_RULES:
        return None  # rows with a shape rule only: their dtype rules are the public functions'
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
    from ._matmul_shapes import matmul_shapes
    from ._views import broadcast_shapes
    rule = SHAPE_RULES.get(op.shape)
    if rule is not None:
        try:
            return rule(op, args, params)
        except (TypeError, ValueError, IndexError, ZeroDivisionError):
            return None  # arguments the rule does not cover: the kernel reports its own error
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


# --- shape rules of the rows that are neither elementwise, reductions nor matmul ------------
# Each takes the row, the kernel's positional arguments (device arrays; for some rows an int
# such as gather's axis) and its keyword parameters, and gives the result's shape (None: this
# call is not covered). A parameter the kernel was not passed takes the row's default.

def _shapes(args):
    return [tuple(a.shape) for a in args if hasattr(a, "shape")]


def _param(op, params, name):
    if name in params:
        return params[name]
    p = op.signature.parameters.get(name)
    if p is None or p.default is p.empty:
        raise ValueError(name)
    return p.default


def _axis(axis, nd):
    if not -nd <= axis < max(nd, 1):
        raise ValueError(axis)
    return axis % nd if nd else 0


def _same(op, args, params):
    """The first array input's shape (softmax, sort, clip, around, nan_to_num, ...)."""
    return _shapes(args)[0]


def _pointwise(op, args, params):
    """The array inputs broadcast together (where, addcmul, isclose, fmod, ...)."""
    from ._views import broadcast_shapes
    return broadcast_shapes(*_shapes(args))


def _last(op, args, params):
    """The last array input's shape (searchsorted's ``v``, gather's ``index``)."""
    return _shapes(args)[-1]


def _scan(op, args, params):
    """The input's shape along ``axis``; flattened for ``axis=None`` (cumsum, partition)."""
    shape = _shapes(args)[0]
    if not shape:
        return None  # 0-d: NumPy's scans give (1,), its sorts raise; not covered
    if _param(op, params, "axis") is None:
        n = 1
        for d in shape:
            n *= d
        return (n,)
    _axis(_param(op, params, "axis"), len(shape))
    return shape


def _reduce_axis(op, args, params):
    """Reduced over ``axis`` (int, tuple or None), kept as 1 with ``keepdims``."""
    shape = _shapes(args)[0]
    axis = _param(op, params, "axis")
    for a in (axis if isinstance(axis, (tuple, list)) else () if axis is None else (axis,)):
        _axis(a, len(shape))
    return _reduced_shape(shape, axis, params.get("keepdims", False))


def _quantile(op, args, params):
    """``q``'s shape, then the reduced shape (NumPy's quantile)."""
    return tuple(np.shape(_param(op, params, "q"))) + _reduce_axis(op, args, params)


def _topk(op, args, params):
    """``k`` along ``axis`` (values and indices)."""
    shape = list(_shapes(args)[0])
    shape[_axis(_param(op, params, "axis"), len(shape))] = int(_param(op, params, "k"))
    return tuple(shape)


def _take(op, args, params):
    x, idx = _shapes(args)[:2]
    axis = _param(op, params, "axis")
    if axis is None:
        return idx
    ax = _axis(axis, len(x))
    return x[:ax] + idx + x[ax + 1:]


def _take_along_axis(op, args, params):
    from ._views import broadcast_shapes
    x, idx = _shapes(args)[:2]
    axis = _param(op, params, "axis")
    if axis is None:
        return idx
    ax = _axis(axis, len(x))
    b = broadcast_shapes(x[:ax] + (1,) + x[ax + 1:], idx[:ax] + (1,) + idx[ax + 1:])
    return b[:ax] + (idx[ax],) + b[ax + 1:]


def _convolve(op, args, params):
    """NumPy's 1-D convolve/correlate: 'full' n + m - 1, 'same' max(n, m), 'valid' the
    difference plus one."""
    (n,), (m,) = _shapes(args)[:2]
    mode = _param(op, params, "mode")
    if not n or not m:
        return None  # NumPy raises
    return {"full": (n + m - 1,), "same": (max(n, m),), "valid": (abs(n - m) + 1,)}[mode]


def _pad(op, args, params):
    shape = _shapes(args)[0]
    width = np.broadcast_to(np.asarray(_param(op, params, "pad_width"), dtype=np.int64),
                            (len(shape), 2))
    return tuple(int(n + b + a) for n, (b, a) in zip(shape, width))


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _conv2d(op, args, params):
    """(N, C, H, W) with weight (O, C / groups, kh, kw) gives (N, O, H_out, W_out)."""
    x, w = _shapes(args)[:2]
    if len(x) != 4 or len(w) != 4:
        return None
    out = [x[0], w[0]]
    for i in range(2):
        s, p, d = (_pair(_param(op, params, k))[i] for k in ("stride", "padding", "dilation"))
        out.append((x[2 + i] + 2 * p - d * (w[2 + i] - 1) - 1) // s + 1)
    return tuple(out)


def _concat(op, args, params):
    shapes = _shapes(args)
    axis = _param(op, params, "axis")
    if axis is None:
        return (sum(int(np.prod(s)) for s in shapes),)
    ax = _axis(axis, len(shapes[0]))
    return shapes[0][:ax] + (sum(s[ax] for s in shapes),) + shapes[0][ax + 1:]


def _batch(op, args, params):
    """A stack of matrices to one value each (det, slogdet, matrix_rank)."""
    return _matrices(args)[:-2]


def _eigvals(op, args, params):
    """A stack of n x n matrices to n values each."""
    return _matrices(args)[:-1]


def _svdvals(op, args, params):
    x = _matrices(args)
    return x[:-2] + (min(x[-2:]),)


def _pinv(op, args, params):
    x = _matrices(args)
    return x[:-2] + (x[-1], x[-2])


def _solve(op, args, params):
    """``a`` (..., n, n), ``b`` (n,) or (..., n, k), stacks broadcast (NumPy 2's rule)."""
    from ._views import broadcast_shapes
    a, b = _shapes(args)[:2]
    if len(a) < 2:
        return None
    if len(b) == 1:
        return a[:-2] + b
    return broadcast_shapes(a[:-2], b[:-2]) + b[-2:]


def _matrices(args):
    x = _shapes(args)[0]
    if len(x) < 2:
        raise ValueError(x)  # not a stack of matrices: the kernel raises
    return x


# A row's ``shape`` names its rule (``Op.shape``); these are checked like "broadcast".
SHAPE_RULES = {
    "same": _same, "pointwise": _pointwise, "last": _last, "scan": _scan,
    "reduce_axis": _reduce_axis, "quantile": _quantile, "topk": _topk, "take": _take,
    "take_along_axis": _take_along_axis, "convolve": _convolve, "pad": _pad,
    "conv2d": _conv2d, "concat": _concat, "batch": _batch, "eigvals": _eigvals,
    "svdvals": _svdvals, "pinv": _pinv, "solve": _solve,
}
CHECKED_SHAPES = frozenset(("broadcast", "reduce", "matmul", *SHAPE_RULES))


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
