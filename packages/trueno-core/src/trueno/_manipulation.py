"""Shape manipulation: reshape, permute_dims, squeeze, expand_dims, moveaxis, broadcasting,
concat and stack. Everything but concat is a zero-copy view."""

from __future__ import annotations

from . import _dispatch as X
from . import _dtypes as D
from ._creation import asarray, empty
from ._errors import ShapeError
from ._optable import OPS
from ._tensor import Tensor
from ._views import broadcast_shapes, normalize_axes, normalize_axis

__all__ = ["reshape", "permute_dims", "transpose", "squeeze", "expand_dims", "moveaxis",
           "swapaxes", "broadcast_to", "broadcast_arrays", "broadcast_shapes", "concat",
           "concatenate", "stack", "ravel", "flatten", "diagonal", "astype", "matrix_transpose",
           "copy_order", "check_order"]


def _x(x):
    return x if isinstance(x, Tensor) else asarray(x)


_ORDERS = ("C", "F", "A", "K")


def check_order(name, order, allowed=_ORDERS):
    """``order`` upper-cased (None reads as 'C' where NumPy allows it), or a ValueError."""
    o = "C" if order is None and "K" in allowed else order
    o = o.upper() if isinstance(o, str) and len(o) == 1 else o
    if o not in allowed:
        if o in _ORDERS:
            raise ValueError(f"{name}: order {order!r} is not permitted here; expected one of "
                             f"{', '.join(repr(a) for a in allowed)}")
        raise ValueError(f"{name}: order must be one of 'C', 'F', 'A', or 'K' (got {order!r})")
    return o


def _is_f_contiguous(x) -> bool:
    """Whether ``x`` is laid out in Fortran order (column-major, no gaps)."""
    want = 1
    for n, st in zip(x.shape, x.stride_elements()):
        if n != 1 and st != want:
            return False
        want *= n
    return True


def resolve_order(x, order):
    """'A' as 'F' when ``x`` is F-contiguous and not C-contiguous, else 'C' (NumPy's rule)."""
    if order == "A":
        return "F" if _is_f_contiguous(x) and not x.is_contiguous() else "C"
    return order


def memory_axes(x):
    """The axes of ``x`` ordered as its memory is, largest stride first (NumPy's order 'K';
    NumPy sorts by the size of the strides and does not reverse negative ones)."""
    st = x.stride_elements()
    return tuple(sorted(range(x.ndim), key=lambda i: -abs(st[i])))


def _k_view(x):
    """A view of ``x`` whose C order is its memory order (order 'K')."""
    return x.permute_dims(memory_axes(x))


def reshape(x, /, shape, *, copy=None, order="C"):
    """A view with a new shape when the strides allow, else a copy (``copy=False`` forbids).

    ``order='F'`` reads and places the elements with the first index changing fastest; 'A'
    is 'F' for an F-contiguous array, as NumPy's reshape.
    """
    x = _x(x)
    o = resolve_order(x, check_order("reshape", order, ("C", "F", "A")))
    if isinstance(shape, int):
        shape = (shape,)
    shape = tuple(shape)
    if o == "F":
        rev = tuple(range(x.ndim))[::-1]
        out = x.permute_dims(rev)._reshape(shape[::-1], copy_ok=copy is not False)
        out = out.permute_dims(tuple(range(out.ndim))[::-1])
    else:
        out = x._reshape(shape, copy_ok=copy is not False)
    if copy:
        out = copy_order(out, o)
    return out


def copy_order(x, order="C"):
    """A copy of ``x`` laid out in ``order`` ('C', 'F', 'A' or 'K', as NumPy's ``copy``)."""
    x = _x(x)
    o = resolve_order(x, check_order("copy", order))
    if o == "C" or x.ndim < 2:
        return x.copy()
    if o == "F":
        rev = tuple(range(x.ndim))[::-1]
        return x.permute_dims(rev).copy().permute_dims(rev)
    axes = memory_axes(x)
    inv = tuple(sorted(range(x.ndim), key=lambda i: axes[i]))
    return x.permute_dims(axes).copy().permute_dims(inv)


def permute_dims(x, /, axes):
    return _x(x).permute_dims(tuple(axes))


def transpose(x, /, axes=None):
    """NumPy's transpose: reverse the axes, or permute them by ``axes``."""
    x = _x(x)
    return x.permute_dims(tuple(range(x.ndim))[::-1] if axes is None else tuple(axes))


def swapaxes(x, axis1, axis2):
    return _x(x).swapaxes(axis1, axis2)


def squeeze(x, /, axis=None):
    return _x(x)._squeeze(axis)


def expand_dims(x, /, axis=0):
    return _x(x)._expand_dims(axis)


def moveaxis(x, source, destination, /):
    x = _x(x)
    src = normalize_axes(source, x.ndim) if not isinstance(source, int) else \
        (normalize_axis(source, x.ndim),)
    src = tuple(normalize_axis(s, x.ndim) for s in
                (source if isinstance(source, (tuple, list)) else (source,)))
    dst = tuple(normalize_axis(d, x.ndim) for d in
                (destination if isinstance(destination, (tuple, list)) else (destination,)))
    if len(src) != len(dst):
        raise ValueError("moveaxis: source and destination must have the same number of "
                         "elements")
    order = [i for i in range(x.ndim) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return x.permute_dims(tuple(order))


def broadcast_to(x, /, shape):
    return _x(x).expand_to(tuple(shape) if not isinstance(shape, int) else (shape,))


def broadcast_arrays(*arrays):
    ts = [_x(a) for a in arrays]
    shape = broadcast_shapes(*(t.shape for t in ts))
    return tuple(t.expand_to(shape) for t in ts)  # NumPy 2: a tuple


def ravel(x, /, order="C"):
    """Flattened view when the layout allows, else a copy (as numpy.ravel).

    ``order``: 'C' row-major, 'F' column-major, 'A' 'F' for an F-contiguous array, 'K' the
    order of the elements in memory.
    """
    x = _x(x)
    o = resolve_order(x, check_order("ravel", order))
    if o == "F":
        return x.permute_dims(tuple(range(x.ndim))[::-1])._reshape((-1,))
    if o == "K":
        return _k_view(x)._reshape((-1,))
    return x._reshape((-1,))


def flatten(x, /, order="C"):
    """A flattened copy, in ``order`` as ``ravel``."""
    x = _x(x)
    o = resolve_order(x, check_order("flatten", order))
    if o == "F":
        x = x.permute_dims(tuple(range(x.ndim))[::-1])
    elif o == "K":
        x = _k_view(x)
    return x.copy()._reshape((-1,))


def diagonal(x, /, offset=0, axis1=0, axis2=1):
    return _x(x).diagonal(offset, axis1, axis2)


def astype(x, dtype, /, *, copy=True, device=None):
    out = _x(x).astype(dtype, copy=copy)
    return out if device is None else out.to_device(device)


def matrix_transpose(x, /):
    return _x(x).mT


def _concat_decomposition(*xs, axis):
    """concat for devices without a kernel: one empty result and a strided copy per input."""
    shape = list(xs[0].shape)
    shape[axis] = sum(x.shape[axis] for x in xs)
    dt = D.result_type(*xs, face=xs[0]._face)  # NOTE: concat(dtype=) is not in the params
    out = empty(tuple(shape), dtype=dt, device=xs[0].device, cls=xs[0].__class__)
    start = 0
    for x in xs:
        n = x.shape[axis]
        out[(slice(None),) * axis + (slice(start, start + n),)] = x
        start += n
    return out


_CONCAT = OPS["concat"]  # its row names _concat_decomposition


def concat(arrays, /, *, axis=0, dim=None, dtype=None):
    """Join arrays along an existing axis (``axis=None`` flattens them first)."""
    if dim is not None:
        axis = dim
    ts = [_x(a) for a in arrays]
    if not ts:
        raise ValueError("need at least one array to concatenate")
    if axis is None:
        ts = [t._reshape((-1,)) for t in ts]
        axis = 0
    nd = ts[0].ndim
    if nd == 0:
        raise ShapeError("zero-dimensional arrays cannot be concatenated")
    ax = normalize_axis(axis, nd)
    for i, t in enumerate(ts[1:], 1):
        if t.ndim != nd:
            raise ShapeError(f"concatenate: all the input arrays must have the same number of "
                             f"dimensions, but the array at index 0 has {nd} dimension(s) and "
                             f"the array at index {i} has {t.ndim}")
        for d in range(nd):
            if d != ax and t.shape[d] != ts[0].shape[d]:
                raise ShapeError(
                    f"concatenate: all the input array dimensions except for the "
                    f"concatenation axis must match exactly, but along dimension {d}, the "
                    f"array at index 0 has size {ts[0].shape[d]} and the array at index {i} "
                    f"has size {t.shape[d]}")
        if t._device is not ts[0]._device:
            X.check_device("concat", ts[0], t)
    cls = ts[0].__class__
    dt = D.as_dtype(dtype) if dtype is not None else D.result_type(*ts, face=cls._face)
    datas = tuple(X.cast_data(t, dt) for t in ts)
    return X.run(_CONCAT, tuple(ts), datas, {"axis": ax}, cls, ts[0]._device, dt)


concatenate = concat


def stack(arrays, /, *, axis=0, dim=None):
    if dim is not None:
        axis = dim
    ts = [_x(a) for a in arrays]
    if not ts:
        raise ValueError("need at least one array to stack")
    shape = ts[0].shape
    for i, t in enumerate(ts[1:], 1):
        if t.shape != shape:
            raise ShapeError(f"stack: all input arrays must have the same shape; array 0 has "
                             f"shape {shape} and array {i} has shape {t.shape}")
    ax = normalize_axis(axis, len(shape) + 1)
    return concat([t._expand_dims(ax) for t in ts], axis=ax)
