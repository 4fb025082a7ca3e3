"""Shape functions of the PyTorch face: flip/roll/rot90, tril/triu, diagonals, narrow/select,
stacking and splitting, tiling, broadcasting, meshgrid and friends.

PyTorch's names and argument conventions (``dim``, ``dims``, ``diagonal=``) over trueno's
engine functions, so they run on every device.
"""

from __future__ import annotations

import itertools

import trueno as _tn

from .. import _creation as C
from .. import _dtypes as D
from .. import _manipulation as M
from .._tensor import Tensor as _Base
from .._views import normalize_axis
from ._errors import TorchShapeError
from ._functions import _t, _torch_shape_errors
from ._tensor import Size, Tensor

__all__ = [
    "flip", "fliplr", "flipud", "roll", "rot90", "tril", "triu", "diag", "diag_embed",
    "diagflat", "diagonal", "narrow", "narrow_copy", "select", "movedim", "moveaxis",
    "swapaxes", "swapdims", "t", "adjoint", "ravel", "tile", "repeat_interleave", "hstack",
    "vstack", "dstack", "column_stack", "row_stack", "hsplit", "vsplit", "dsplit",
    "tensor_split", "split_with_sizes", "unsafe_split", "unsafe_chunk",
    "unsafe_split_with_sizes", "atleast_1d", "atleast_2d", "atleast_3d", "broadcast_tensors",
    "broadcast_shapes", "meshgrid", "cartesian_prod", "combinations", "block_diag",
    "unflatten", "clone", "detach", "take", "tril_indices", "triu_indices", "trace", "kron",
    "cross", "vander", "diff", "fill", "unfold", "unbind", "newaxis",
]

newaxis = None


def _dimlist(dims):
    if len(dims) == 1 and isinstance(dims[0], (tuple, list, Size)):
        return tuple(dims[0])
    return tuple(dims)


def _nd(x, *dims):
    n = x.ndim if x.ndim else 1
    return tuple(normalize_axis(d, n, "dim") for d in dims)


def flip(input, dims):  # noqa: A002
    """Reverse the order of elements along ``dims`` (a copy, as in PyTorch)."""
    x = _t(input)
    dims = _nd(x, *((dims,) if isinstance(dims, int) else dims))
    if len(set(dims)) != len(dims):
        raise TorchShapeError(f"flip: dims {list(dims)} has a repeated dim")
    return _tn.flip(x, dims).clone() if dims and x.ndim else x.clone()


def fliplr(input):  # noqa: A002
    x = _t(input)
    if x.ndim < 2:
        raise TorchShapeError("fliplr: input must be >= 2-d")
    return flip(x, (1,))


def flipud(input):  # noqa: A002
    x = _t(input)
    if x.ndim < 1:
        raise TorchShapeError("flipud: input must be >= 1-d")
    return flip(x, (0,))


def roll(input, shifts, dims=None):  # noqa: A002
    """Roll elements along ``dims`` by ``shifts`` (flattened when ``dims`` is None)."""
    x = _t(input)
    if dims is None:
        return _tn.roll(x.flatten(), shifts, 0).reshape(x.shape)
    return _tn.roll(x, shifts, dims)


def rot90(input, k=1, dims=(0, 1)):  # noqa: A002
    x = _t(input)
    if len(dims) != 2 or x.ndim < 2:
        raise TorchShapeError(f"rot90: expected total rotation dims == 2 and total dims >= 2, "
                              f"but got rotation dims = {len(dims)} and total dims = {x.ndim}")
    return _tn.rot90(x, k, tuple(dims)).clone()


def tril(input, diagonal=0):  # noqa: A002
    """The lower triangle of the last two dims, from ``diagonal`` down."""
    return C.tril(_t(input), k=diagonal)


def triu(input, diagonal=0):  # noqa: A002
    return C.triu(_t(input), k=diagonal)


def diag(input, diagonal=0):  # noqa: A002
    """A 1-D input's diagonal matrix, or a 2-D input's ``diagonal``-th diagonal."""
    x = _t(input)
    if x.ndim not in (1, 2):
        raise TorchShapeError(f"diag(): Supports 1D or 2D tensors. Got {x.ndim}D")
    out = _tn.diag(x, diagonal)
    return out.clone() if x.ndim == 2 else out


def diagonal(input, offset=0, dim1=0, dim2=1):  # noqa: A002
    return _t(input).diagonal(offset, dim1=dim1, dim2=dim2)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):  # noqa: A002
    """Batched diagonal matrices: the last dim of ``input`` placed on the ``offset``-th
    diagonal of the plane ``(dim1, dim2)`` of a new tensor."""
    x = _t(input)
    nd = x.ndim + 1
    d1, d2 = (normalize_axis(d, nd, "dim") for d in (dim1, dim2))
    if d1 == d2:
        raise TorchShapeError(f"diag_embed: diagonal dimensions cannot be identical {dim1}, "
                              f"{dim2}")
    if d1 > d2:
        d1, d2, offset = d2, d1, -offset
    n = (x.shape[-1] if x.ndim else 1) + abs(offset)
    out = C.zeros(tuple(x.shape[:-1]) + (n, n), x.dtype, device=x._device, cls=Tensor)
    out.diagonal(offset, -2, -1)[...] = x
    return out.moveaxis((nd - 2, nd - 1), (d1, d2)) if (d1, d2) != (nd - 2, nd - 1) else out


def diagflat(input, offset=0):  # noqa: A002
    return _tn.diagflat(_t(input).flatten(), offset)


def narrow(input, dim, start, length):  # noqa: A002
    """A view of ``length`` elements of ``dim`` from ``start`` (negative counts from the end)."""
    x = _t(input)
    (d,) = _nd(x, dim)
    n = x.shape[d]
    start = int(start)
    if not -n <= start <= n:
        raise TorchShapeError(f"narrow(): start ({start}) is out of bounds for dimension {d} "
                              f"of size {n}")
    start %= n if n else 1
    if length < 0 or start + length > n:
        raise TorchShapeError(f"narrow(): start ({start}) + length ({length}) exceeds "
                              f"dimension size ({n}).")
    return x[(slice(None),) * d + (slice(start, start + length),)]


def narrow_copy(input, dim, start, length):  # noqa: A002
    return narrow(input, dim, start, length).clone()


def select(input, dim, index):  # noqa: A002
    """The slice ``index`` of ``dim`` (a view with one dim fewer)."""
    x = _t(input)
    (d,) = _nd(x, dim)
    n = x.shape[d]
    if not -n <= index < n:
        from ._errors import TorchIndexError
        raise TorchIndexError(f"select(): index {index} out of range for tensor of size "
                              f"{list(x.shape)} at dimension {d}")
    return x[(slice(None),) * d + (index,)]


def movedim(input, source, destination):  # noqa: A002
    return _t(input).moveaxis(source, destination)


moveaxis = movedim


def swapaxes(input, axis0, axis1):  # noqa: A002
    return _t(input).swapaxes(axis0, axis1)


def swapdims(input, dim0, dim1):  # noqa: A002
    return _t(input).swapaxes(dim0, dim1)


def t(input):  # noqa: A002
    return _t(input).t()


def adjoint(input):  # noqa: A002
    """The conjugate transpose of the last two dims (a view for real tensors)."""
    x = _t(input)
    if x.ndim == 0:  # deprecated in PyTorch, which returns the conjugate
        return x.conj() if x.dtype.kind == "c" else x
    if x.ndim < 2:
        raise TorchShapeError("adjoint: tensor must be at least 2-D\n  hint: x.conj()")
    y = x.swapaxes(-2, -1)
    return y.conj() if x.dtype.kind == "c" else y


def ravel(input):  # noqa: A002
    return _t(input).reshape(-1)


def tile(input, dims):  # noqa: A002
    """Repeat the tensor ``dims`` times per dim (leading 1s pad the shorter of the two)."""
    x = _t(input)
    dims = tuple(dims)
    if len(dims) < x.ndim:
        dims = (1,) * (x.ndim - len(dims)) + dims
    return x.repeat(dims)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):  # noqa: A002
    """Repeat each element ``repeats`` times along ``dim`` (flattened when None); the
    one-argument form ``repeat_interleave(counts)`` repeats each index ``counts[i]`` times."""
    x = _t(input)
    if repeats is None:
        return _tn.repeat(C.arange(x.shape[0], dtype=D.int64, device=x._device, cls=Tensor),
                          x)
    if dim is None:
        x, dim = x.flatten(), 0
    r = repeats if not isinstance(repeats, _Base) or repeats.ndim else int(repeats.item())
    return _tn.repeat(x, r, axis=_nd(x, dim)[0])


def _stackfn(fn, name):
    @_torch_shape_errors
    def f(tensors):
        return fn([_t(x) for x in tensors])
    f.__name__ = name
    f.__doc__ = f"PyTorch's ``torch.{name}(tensors)``."
    return f


hstack = _stackfn(_tn.hstack, "hstack")
vstack = row_stack = _stackfn(_tn.vstack, "vstack")
dstack = _stackfn(_tn.dstack, "dstack")
column_stack = _stackfn(_tn.column_stack, "column_stack")


def tensor_split(input, indices_or_sections, dim=0):  # noqa: A002
    """Split into ``n`` near-equal parts (the first ones one longer) or at the indices."""
    x = _t(input)
    (d,) = _nd(x, dim)
    ios = indices_or_sections
    if isinstance(ios, _Base):
        ios = ios.tolist()
    if isinstance(ios, int):
        if ios <= 0:
            raise TorchShapeError(f"tensor_split: number of sections must be larger than 0, "
                                  f"got {ios}")
        n = x.shape[d]
        q, r = divmod(n, ios)
        bounds = list(itertools.accumulate([q + 1] * r + [q] * (ios - r)))[:-1]
    else:
        bounds = list(ios)
    out, start = [], 0
    for b in bounds + [x.shape[d]]:
        out.append(x[(slice(None),) * d + (slice(start, b),)])  # empty when b < start
        start = b
    return tuple(out)


def _hvdsplit(name, dim, min_nd):
    def f(input, indices_or_sections):  # noqa: A002
        x = _t(input)
        if x.ndim < min_nd:
            raise TorchShapeError(f"torch.{name} requires a tensor with at least {min_nd} "
                                  f"dimension, but got a tensor with {x.ndim} dimensions!")
        d = 0 if name == "hsplit" and x.ndim == 1 else dim
        if isinstance(indices_or_sections, int) and x.shape[d] % indices_or_sections:
            raise TorchShapeError(f"torch.{name} attempted to split along dimension {d}, but "
                                  f"the size of the dimension {x.shape[d]} is not divisible "
                                  f"by the split_size {indices_or_sections}!")
        return tensor_split(x, indices_or_sections, d)
    f.__name__ = name
    return f


hsplit = _hvdsplit("hsplit", 1, 1)
vsplit = _hvdsplit("vsplit", 0, 2)
dsplit = _hvdsplit("dsplit", 2, 3)


def split_with_sizes(input, split_sizes, dim=0):  # noqa: A002
    return _t(input).split(list(split_sizes), dim)


def unsafe_split(input, split_size, dim=0):  # noqa: A002
    return _t(input).split(split_size, dim)


def unsafe_chunk(input, chunks, dim=0):  # noqa: A002
    return _t(input).chunk(chunks, dim)


unsafe_split_with_sizes = split_with_sizes


def _atleast(fn):
    def f(*tensors):
        ts = _dimlist(tensors)
        out = tuple(fn(_t(x)) for x in ts)
        return out[0] if len(tensors) == 1 and not isinstance(tensors[0], (tuple, list)) \
            else out
    f.__name__ = fn.__name__
    return f


atleast_1d = _atleast(lambda x: x.reshape(1) if x.ndim == 0 else x)
atleast_2d = _atleast(lambda x: x.reshape((1,) * (2 - x.ndim) + tuple(x.shape))
                      if x.ndim < 2 else x)
atleast_3d = _atleast(lambda x: x.reshape({0: (1, 1, 1), 1: (1, x.numel(), 1)}.get(
    x.ndim, tuple(x.shape) + (1,))) if x.ndim < 3 else x)


def broadcast_shapes(*shapes) -> Size:
    shapes = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    try:
        return Size(_tn.broadcast_shapes(*shapes))
    except ValueError as exc:
        raise TorchShapeError(f"broadcast_shapes: shapes {shapes} cannot be broadcast "
                              f"together ({exc})") from None


def broadcast_tensors(*tensors):
    ts = [_t(x) for x in _dimlist(tensors)]
    shape = broadcast_shapes(*(x.shape for x in ts))
    return tuple(x.expand_to(tuple(shape)) for x in ts)


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids; PyTorch's default indexing is ``"ij"`` (NumPy's is ``"xy"``)."""
    ts = [_t(x) for x in _dimlist(tensors)]
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be one of 'xy' or 'ij', but received: "
                         f"{indexing}")
    if len({x.dtype for x in ts}) > 1:
        from ._errors import TorchDTypeError
        raise TorchDTypeError(f"meshgrid expects all tensors to have the same dtype, got "
                              f"{[x.dtype.name for x in ts]}\n  hint: convert them with .to()")
    return tuple(_tn.meshgrid(*ts, indexing=indexing))


def cartesian_prod(*tensors):
    ts = [_t(x) for x in _dimlist(tensors)]
    if len(ts) == 1:
        return ts[0]
    grids = meshgrid(*ts, indexing="ij")
    return M.stack([g.reshape(-1) for g in grids], axis=1)


def combinations(input, r=2, with_replacement=False):  # noqa: A002
    """The length-``r`` combinations of a 1-D tensor's elements, one per row."""
    x = _t(input)
    if x.ndim != 1:
        raise TorchShapeError(f"combinations: Expect a 1D vector, but got shape "
                              f"{list(x.shape)}")
    n = x.shape[0]
    pick = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    idx = list(pick(range(n), r))
    if not idx:
        return C.empty((0,) if r else (0,), x.dtype, device=x._device, cls=Tensor)
    ind = C.asarray(idx, D.int64, device=x._device, cls=Tensor)
    return x[ind.reshape(-1)].reshape(len(idx), r)


def block_diag(*tensors):
    """A block-diagonal matrix of the inputs (0-d and 1-d inputs are rows)."""
    ts = [_t(x) for x in tensors]
    ts = [x.reshape(1, -1) if x.ndim < 2 else x for x in ts]
    if not ts:
        return C.empty((1, 0), D.float32, cls=Tensor)
    dt = ts[0].dtype
    for x in ts[1:]:
        dt = D.promote(dt, x.dtype, "torch")
    rows, cols = sum(x.shape[0] for x in ts), sum(x.shape[1] for x in ts)
    out = C.zeros((rows, cols), dt, device=ts[0]._device, cls=Tensor)
    r = c = 0
    for x in ts:
        out[r:r + x.shape[0], c:c + x.shape[1]] = x.astype(dt, copy=False)
        r, c = r + x.shape[0], c + x.shape[1]
    return out


def unflatten(input, dim, sizes):  # noqa: A002
    return _t(input).unflatten(dim, sizes)


def unbind(input, dim=0):  # noqa: A002
    x = _t(input)
    (d,) = _nd(x, dim)
    return tuple(x[(slice(None),) * d + (i,)] for i in range(x.shape[d]))


def clone(input, *, memory_format=None):  # noqa: A002
    return _t(input).clone()


def detach(input):  # noqa: A002
    return _t(input).detach()


def take(input, index):  # noqa: A002
    """Elements of the flattened ``input`` at ``index`` (the result has ``index``'s shape)."""
    x = _t(input).reshape(-1)
    idx = _t(index)
    n = x.shape[0]
    if idx.numel():
        lo, hi = int(idx.min().item()), int(idx.max().item())
        if lo < -n or hi >= n:
            from ._errors import TorchIndexError
            raise TorchIndexError(f"take: out of range: tried to access index "
                                  f"{hi if hi >= n else lo} on a tensor of {n} elements.")
    return x[idx.reshape(-1)].reshape(idx.shape)


def _tri_indices(name, fn):
    def f(row, col, offset=0, *, dtype=None, device=None):
        r, c = fn(row, offset, col)
        out = M.stack([C.asarray(r, D.int64, cls=Tensor), C.asarray(c, D.int64, cls=Tensor)])
        out = out.astype(dtype or D.int64, copy=False)
        return out if device is None else out.to_device(device)
    f.__name__ = name
    f.__doc__ = f"PyTorch's ``torch.{name}``: a ``2 x N`` tensor of (row, column) indices."
    return f


tril_indices = _tri_indices("tril_indices", _tn.tril_indices)
triu_indices = _tri_indices("triu_indices", _tn.triu_indices)


def trace(input):  # noqa: A002
    x = _t(input)
    if x.ndim != 2:
        raise TorchShapeError(f"trace: expected a matrix, but got tensor with dim {x.ndim}")
    return x.diagonal().sum()


def kron(input, other):  # noqa: A002
    return _tn.kron(_t(input), _t(other))


def cross(input, other, dim=None):  # noqa: A002
    """The 3-vector cross product along ``dim`` (default: the first dim of size 3)."""
    a, b = _t(input), _t(other)
    if dim is None:
        shape = broadcast_shapes(a.shape, b.shape)
        dim = next((i for i, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise TorchShapeError(f"cross: no dimension of size 3 in input (shape "
                                  f"{list(shape)})")
    return _tn.cross(a, b, axis=dim)


def vander(x, N=None, increasing=False):  # noqa: N803
    v = _t(x)
    if v.ndim != 1:
        raise TorchShapeError("vander: x must be a one-dimensional tensor.")
    if v._dtype is D.bool_:
        v = v.astype(D.int64)
    return _tn.vander(v, N, increasing=increasing).astype(v.dtype, copy=False)


def diff(input, n=1, dim=-1, prepend=None, append=None):  # noqa: A002
    x = _t(input)
    kw = {}
    if prepend is not None:
        kw["prepend"] = _t(prepend)
    if append is not None:
        kw["append"] = _t(append)
    if x._dtype is D.bool_:  # PyTorch: logical_xor of neighbours
        parts = [kw.get("prepend"), x, kw.get("append")]
        y = M.concat([p for p in parts if p is not None], axis=dim)
        for _ in range(n):
            k = y.shape[dim]
            y = _tn.logical_xor(y.narrow(dim, 1, k - 1), y.narrow(dim, 0, k - 1))
        return y
    return _tn.diff(x, n, axis=dim, **kw)


def fill(input, value):  # noqa: A002
    """A new tensor like ``input`` filled with ``value`` (``x.fill_`` writes in place)."""
    x = _t(input)
    return C.full_like(x, value.item() if isinstance(value, _Base) else value)


def unfold(input, dimension, size, step):  # noqa: A002
    """Windows of ``size`` elements every ``step`` along ``dimension``, as a new last dim
    (a copy here, a view in PyTorch: writes to it do not reach ``input``)."""
    x = _t(input)
    if x.ndim == 0:
        return x.reshape(1)
    (d,) = _nd(x, dimension)
    n = x.shape[d]
    if size > n or size < 0 or step <= 0:
        raise TorchShapeError(f"unfold: maximum size for tensor at dimension {d} is {n} but "
                              f"size is {size} (step {step} must be > 0)")
    count = (n - size) // step + 1
    starts = C.arange(0, count * step, step, dtype=D.int64, device=x._device, cls=Tensor)
    idx = starts.reshape(-1, 1) + C.arange(size, dtype=D.int64, device=x._device, cls=Tensor)
    y = x[(slice(None),) * d + (idx,)]  # (..., count, size, ...)
    return y.moveaxis(d + 1, -1)
