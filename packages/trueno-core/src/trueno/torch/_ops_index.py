"""Indexing functions of the PyTorch face: scatter/scatter_add/scatter_reduce, index_add/
index_copy/index_fill/index_put, masked_select/masked_scatter/masked_fill, put, take_along_dim,
nonzero/argwhere/count_nonzero. Their ``name_`` methods are bound in ``_tensor_methods``."""

from __future__ import annotations

import numpy as np

import trueno as _tn

from .. import _creation as C
from .. import _dtypes as D
from .. import _elementwise as E
from .._indexing import setitem_advanced
from .._tensor import Tensor as _Base
from .._views import normalize_axis
from ._defaults import check_deterministic
from ._errors import TorchArgumentError, TorchDTypeError, TorchIndexError, TorchShapeError
from ._functions import _index_bounds, _t
from ._tensor import Tensor

__all__ = [
    "scatter", "scatter_add", "scatter_reduce", "index_add", "index_copy", "index_fill",
    "index_put", "index_put_", "masked_select", "masked_scatter", "masked_fill", "put",
    "take_along_dim", "nonzero", "argwhere", "count_nonzero",
]


def _dim(x, dim):
    return normalize_axis(dim, x.ndim if x.ndim else 1, "dim")


def _src(x, src, value):
    s = value if src is None else src
    if s is None:
        raise TypeError("scatter(): expected a src tensor or a value")
    return s


def _check_index(name, x, dim, index):
    idx = _t(index)
    if idx.dtype.kind not in "iu":
        raise TorchDTypeError(f"{name}(): Expected dtype int64 for index, got "
                              f"{idx.dtype.name}\n  hint: index.long()")
    return _index_bounds(name, x, dim, idx, TorchIndexError)


def scatter(input, dim, index, src=None, value=None, *, reduce=None):  # noqa: A002
    """A copy of ``input`` with ``src`` (or the scalar ``value``) written at ``index`` along
    ``dim``; ``reduce='add'``/``'multiply'`` combine with what is there."""
    x = _t(input)
    s = _src(x, src, value)
    idx, d = _check_index("scatter", x, dim, index)
    if reduce not in (None, "add", "multiply"):
        raise TorchArgumentError(f"scatter(): reduce argument must be either add or "
                                 f"multiply, got {reduce!r}")
    if isinstance(s, _Base) and s._dtype is not x._dtype:
        raise TorchDTypeError(f"scatter(): Expected self.dtype to be equal to src.dtype "
                              f"({x.dtype.name} vs {s.dtype.name})")
    return _tn.scatter(x, d, idx, s, reduce=reduce)


def scatter_add(input, dim, index, src):  # noqa: A002
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim`` (repeats sum)."""
    x = _t(input)
    idx, d = _check_index("scatter_add", x, dim, index)
    check_deterministic("scatter_add", x)
    return _tn.scatter_add(x, d, idx, _t(src).astype(x.dtype, copy=False))


_IDENTITY = {"sum": 0, "mean": 0, "prod": 1}


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):  # noqa: A002
    """``scatter`` combining with ``reduce`` in ``"sum"``, ``"prod"``, ``"mean"``,
    ``"amax"``, ``"amin"``; ``include_self=False`` leaves ``input`` out of the reduction
    where something is scattered. (Computed on the host and placed back on the device.)"""
    x = _t(input)
    idx, d = _check_index("scatter_reduce", x, dim, index)
    check_deterministic("scatter_reduce", x)
    reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)  # torch's aliases
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise TorchArgumentError(f"reduce argument must be either sum, prod, mean, amax or "
                                 f"amin, got {reduce}")
    if (reduce in ("sum", "mean") or (reduce == "prod" and (
            x._device.type == "cpu" or x.itemsize < 8))) and x.ndim:
        # NOTE: a GPU has no 64-bit atomic products (WGSL): those stay on the host
        return _scatter_sum_mean(x, d, idx, _t(src), reduce, include_self)
    from .._gather_scatter import _along_axis_key
    h, ih, sh = x._host().copy(), idx._host(), _t(src)._host().astype(x.dtype.numpy)
    if h.ndim == 0:
        h, ih, sh = h.reshape(1), ih.reshape(-1), sh.reshape(-1)
    key = _along_axis_key(ih.shape, ih, d)
    vals = sh[tuple(slice(0, n) for n in ih.shape)]
    kind = h.dtype.kind
    if not include_self:
        touched = np.zeros(h.shape, bool)
        touched[key] = True
        ident = _IDENTITY.get(reduce)
        if ident is None:
            lo = -np.inf if kind in "fc" else (np.iinfo(h.dtype).min if kind != "b" else 0)
            hi = np.inf if kind in "fc" else (np.iinfo(h.dtype).max if kind != "b" else 1)
            ident = lo if reduce == "amax" else hi
        h[touched] = ident
    ufunc = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.fmax,
             "amin": np.fmin}[reduce]
    if reduce in ("amax", "amin") and kind in "fc":
        ufunc = np.maximum if reduce == "amax" else np.minimum  # NaN propagates, as torch
    ufunc.at(h, key, vals)
    if reduce == "mean":
        cnt = np.full(h.shape, 1 if include_self else 0, np.int64)
        np.add.at(cnt, key, 1)
        safe = np.maximum(cnt, 1)
        mean = h / safe if kind in "fc" else h // safe
        h = np.where(cnt > 0, mean, x._host()).astype(h.dtype)
    return C.asarray(h.reshape(x.shape), device=x._device, cls=Tensor)


def _scatter_sum_mean(x, d, idx, src, reduce, include_self):
    """``scatter_reduce`` with ``"sum"``/``"mean"``/``"prod"`` through ``scatter_add`` and
    ``scatter(reduce="multiply")`` on the tensor's device (amax/amin run on the host)."""
    vals = src[tuple(slice(0, n) for n in idx.shape)].astype(x._dtype, copy=False)
    ones = C.ones(tuple(idx.shape), dtype=D.int64, device=x._device, cls=Tensor)
    cnt = None
    if not include_self or reduce == "mean":  # how many values land on each element
        cnt = _tn.scatter_add(C.zeros(tuple(x.shape), dtype=D.int64, device=x._device,
                                      cls=Tensor), d, idx, ones)
    if reduce == "prod":
        base = x if include_self else E.where(E.greater(cnt, 0), _tn.ones_like(x), x)
        return _tn.scatter(base, d, idx, vals, reduce="multiply")
    base = x if include_self else E.where(E.greater(cnt, 0), _tn.zeros_like(x), x)
    total = _tn.scatter_add(base, d, idx, vals)
    if reduce == "sum":
        return total
    n = cnt + 1 if include_self else cnt
    safe = E.maximum(n, 1)
    mean = E.divide(total, safe.astype(x._dtype)) if x._dtype.kind in "fc" else \
        E.floor_divide(total, safe.astype(x._dtype))
    return E.where(E.greater(n, 0), mean.astype(x._dtype, copy=False), x)


def _dim_key(x, d, idx):
    return (slice(None),) * d + (idx,)


def _index_arg(name, x, dim, index):
    idx = _t(index)
    if idx.dtype.kind not in "iu":
        raise TorchIndexError(f"{name}(): Expected dtype int32/int64 for index, got "
                              f"{idx.dtype.name}\n  hint: index.long()")
    if idx.ndim > 1:
        raise TorchIndexError(f"{name}(): Index is supposed to be a vector, got "
                              f"{idx.ndim}-D")
    return _index_bounds(name, x, dim, idx.reshape(-1), TorchIndexError)


def index_add(input, dim, index, source, *, alpha=1):  # noqa: A002
    """A copy of ``input`` with ``alpha * source`` added at the rows ``index`` of ``dim``."""
    x = _t(input)
    idx, d = _index_arg("index_add", x, dim, index)
    check_deterministic("index_add", x)
    src = _t(source)
    if alpha != 1:
        src = E.multiply(src, alpha)
    out = x.clone()
    if x.ndim == 0:
        out = out.reshape(1)
        src = src.reshape(-1)
    setitem_advanced(out, _dim_key(out, d, idx), src.astype(x.dtype, copy=False),
                     accumulate=True)
    return out.reshape(x.shape)


def index_copy(input, dim, index, source):  # noqa: A002
    x = _t(input)
    idx, d = _index_arg("index_copy", x, dim, index)
    src = _t(source)
    if src._dtype is not x._dtype:
        raise TorchDTypeError(f"index_copy_(): self and source expected to have the same "
                              f"dtype, but got (self) {x.dtype.name} and (source) "
                              f"{src.dtype.name}")
    out = x.clone()
    out[_dim_key(out, d, idx)] = src
    return out


def index_fill(input, dim, index, value):  # noqa: A002
    x = _t(input)
    idx, d = _index_arg("index_fill", x, dim, index)
    out = x.clone()
    out[_dim_key(out, d, idx)] = value.item() if isinstance(value, _Base) else value
    return out


def index_put(input, indices, values, accumulate=False):  # noqa: A002
    """A copy of ``input`` with ``values`` written at the advanced index ``indices``."""
    return index_put_(_t(input).clone(), indices, values, accumulate)


def index_put_(input, indices, values, accumulate=False):  # noqa: A002
    x = _t(input)
    key = tuple(_t(i) for i in indices)
    vals = _t(values)
    if accumulate:
        check_deterministic("index_put_(accumulate=True)", x)
    if vals._dtype is not x._dtype:
        raise TorchDTypeError(f"Index put requires the source and destination dtypes match, "
                              f"got {x.dtype.name} for the destination and {vals.dtype.name} "
                              f"for the source.")
    setitem_advanced(x, key, vals, accumulate=accumulate)
    return x


def masked_select(input, mask):  # noqa: A002
    """The elements of ``input`` where ``mask`` (broadcast together) is True, as 1-D."""
    x, m = _t(input), _t(mask)
    if m._dtype is not D.bool_:
        raise TorchDTypeError(f"masked_select: expected BoolTensor for mask, got "
                              f"{m.dtype.name}")
    from ._ops_shape import broadcast_tensors
    x, m = broadcast_tensors(x, m)
    return x[m]


def masked_scatter(input, mask, source):  # noqa: A002
    """A copy of ``input`` with ``source``'s leading elements written where ``mask``."""
    x, m, s = _t(input), _t(mask), _t(source)
    if m._dtype is not D.bool_:
        raise TorchDTypeError(f"masked_scatter_ only supports boolean masks, but got mask "
                              f"with dtype {m.dtype.name}")
    m = m.expand_to(tuple(x.shape))
    n = int(m.sum().item())
    if n > s.numel():
        raise TorchShapeError(f"masked_scatter: expected source to have at least {n} "
                              f"elements, got {s.numel()}")
    out = x.clone()
    out[m] = s.reshape(-1)[:n].astype(x.dtype, copy=False)
    return out


def masked_fill(input, mask, value):  # noqa: A002
    return _t(input).masked_fill(mask, value)


def put(input, index, source, accumulate=False):  # noqa: A002
    """A copy of ``input`` with ``source`` written at the flat indices ``index``."""
    x = _t(input)
    if accumulate:
        check_deterministic("put_(accumulate=True)", x)
    idx = _t(index).reshape(-1)
    n = x.numel()
    if idx.numel():
        lo, hi = int(idx.min().item()), int(idx.max().item())
        if lo < -n or hi >= n:
            raise TorchIndexError(f"put_(): Expected a valid index; index {hi if hi >= n else lo}"
                                  f" is out of range for a tensor of {n} elements")
    out = x.clone().reshape(-1)
    setitem_advanced(out, (idx,), _t(source).reshape(-1).astype(x.dtype, copy=False),
                     accumulate=accumulate)
    return out.reshape(x.shape)


def take_along_dim(input, indices, dim=None):  # noqa: A002
    """Values of ``input`` at ``indices`` along ``dim`` (flattened when ``dim`` is None)."""
    x, idx = _t(input), _t(indices)
    if dim is None:
        return _tn.take_along_axis(x.reshape(-1), idx.reshape(-1), axis=0)
    d = _dim(x, dim)
    if x.ndim != idx.ndim:
        raise TorchShapeError(f"torch.take_along_dim(): input and indices should have the same "
                              f"number of dimensions, but got {x.ndim} dimensions for input, "
                              f"and {idx.ndim} dimensions for indices")
    one = [1 if i == d else n for i, n in enumerate(x.shape)]
    shape = list(_tn.broadcast_shapes(tuple(one), tuple(1 if i == d else n
                                                        for i, n in enumerate(idx.shape))))
    xs, ids = list(shape), list(shape)
    xs[d], ids[d] = x.shape[d], idx.shape[d]
    return _tn.take_along_axis(x.expand_to(tuple(xs)), idx.expand_to(tuple(ids)), axis=d)


def nonzero(input, *, as_tuple=False):  # noqa: A002
    return _t(input).nonzero(as_tuple=as_tuple)


def argwhere(input):  # noqa: A002
    return _t(input).nonzero()


def count_nonzero(input, dim=None):  # noqa: A002
    x = _t(input)
    return E.not_equal(x, 0).sum(dim, dtype=D.int64)
