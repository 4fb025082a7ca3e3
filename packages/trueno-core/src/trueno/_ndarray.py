"""``trueno.ndarray``: the NumPy face's array class (NumPy's method names and semantics)."""

from __future__ import annotations

import os as _os

import numpy as np

from . import _dispatch as X
from . import _dtypes as D
from . import _host_dtypes as _H
from . import _reduction as _Rd
from . import _numpy_reductions as Rd
from ._device import CPU
from ._errors import DeviceError, ShapeError, TruenoError
from ._flatiter import flatiter
from ._tensor import TENSOR_UNARY as _UN, Tensor, numpy_result, write_host

# Element access in C where the C accelerator was built at install (it needs a C compiler;
# TRUENO_PURE_PYTHON=1 turns it off): the same paths as _getitem/_setitem's first lines
try:
    if _os.environ.get("TRUENO_PURE_PYTHON") == "1":
        raise ImportError("TRUENO_PURE_PYTHON=1")
    from . import _cindex
except ImportError:
    _cindex = None

__all__ = ["ndarray", "flatiter"]

# exact classes of the integer scalars the fast path of __getitem__ hands to NumPy (bool and
# numpy.bool_, which are masks, are not among them)
_INTS = frozenset({int, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
                   np.uint64, np.intp})
_ND = np.ndarray
_INT, _TUPLE, _SLICE = int, tuple, slice
_SCALARS = frozenset({float, int, bool, complex})
_GENERIC = np.generic
_NEW = object.__new__
_TYPE = type


def _shape_args(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


_SORT_KINDS = (None, "quicksort", "quick", "mergesort", "merge", "heapsort", "heap", "stable")


def _check_kind(name, kind, allowed, order):
    """NumPy's checks of a sort's ``kind`` and ``order`` (no field names here: order=None)."""
    if kind not in allowed:
        raise ValueError(f"{name}: kind must be one of "
                         f"{', '.join(repr(k) for k in allowed if k)} (got {kind!r})")
    if order is not None:
        raise ValueError(f"{name}: cannot specify order when the array has no fields "
                         f"(order={order!r})\n  hint: leave order=None; sort by a column with "
                         f"a[a[:, k].argsort()]")


def _element_key_as_slices(key, ndim):
    """An index of one element (``i`` of a 1-d array, ``(i, j)`` of a 2-d one) as one-element
    slices, for writes that autograd records: its backward rules index the gradient with the
    recorded key, which must give arrays (an element index gives a NumPy scalar on this face)."""
    ks = key if key.__class__ is tuple else (key,)
    if len(ks) != ndim or not all(k.__class__ in _INTS for k in ks):
        return key
    return tuple(slice(int(k), int(k) + 1 if int(k) != -1 else None) for k in ks)


def _plain_key(key) -> bool:
    """Whether ``key`` holds no trueno array (NumPy can apply it to the data as it is)."""
    ks = key if key.__class__ is tuple else (key,)
    return not any(isinstance(k, Tensor) for k in ks)


class ShapeLayoutError(TruenoError, AttributeError):
    """``a.shape = ...`` on an array whose layout needs a copy (NumPy: AttributeError)."""


class ndarray(*((_cindex.IndexBase,) if _cindex is not None else ()), Tensor):
    """An n-dimensional array with NumPy's semantics (float64 default, ``a.size`` an int,
    ``a.sort()`` in place, ``a.std()`` with ddof=0, strides in bytes).

    Note: ``a[key]`` and ``a[key] = v`` run ``_getitem``/``_setitem``; where trueno's C
    accelerator is built, its ``IndexBase`` does an element's read or write in C first.
    """

    __slots__ = ()
    _face = "numpy"
    _default_float = D.float64

    # Note: differs from the PyTorch face: size is a property, strides are in bytes.
    @property
    def size(self) -> int:
        return self.numel()

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @shape.setter
    def shape(self, value) -> None:
        """NumPy's in-place reshape ``a.shape = (2, 3)``: a view of the same memory, never a
        copy (``ShapeLayoutError``, an ``AttributeError``, where the strides do not allow it)."""
        if self._device is not CPU or self._ag is not None:
            raise DeviceError(f"setting shape: only a CPU array that autograd does not record "
                              f"can be reshaped in place (this one is on {self._device})\n"
                              f"  hint: use a = a.reshape(...)")
        new = self._data.view()
        try:
            new.shape = value
        except AttributeError:
            raise ShapeLayoutError(f"setting shape: cannot view an array of shape {self.shape} "
                                   f"and strides {self.strides} as shape {value} without a copy"
                                   f"\n  hint: use a = a.reshape(...) to make a copy") from None
        except (ValueError, TypeError) as e:
            raise ShapeError(f"setting shape: cannot reshape an array of shape {self.shape} "
                             f"into {value!r} ({e})\n  hint: the sizes must agree") from None
        self._data = new

    def byteswap(self, inplace: bool = False):
        """NumPy's ``byteswap``: the bytes of each element reversed (``inplace=True`` writes
        them into this array and returns it)."""
        h = self._host().byteswap()
        if inplace:
            self[...] = h
            return self
        from ._creation import asarray
        return asarray(h, device=self._device, cls=self.__class__)

    @property
    def strides(self) -> tuple[int, ...]:
        return tuple(s * self.itemsize for s in self.stride_elements())

    @property
    def base(self):
        """The array whose memory this view uses (None for an array that owns its memory), as
        NumPy: a view of a view gives the first array of the chain that is not a view."""
        b = getattr(self, "_base", None)
        if b is None:
            return None
        base = b[0]
        while getattr(base, "_base", None) is not None:
            base = base._base[0]
        return base

    def setflags(self, write=None, align=None, uic=None) -> None:
        """NumPy's ``setflags``: ``write`` sets ``flags.writeable``, ``align`` ``flags.aligned``
        and ``uic`` (only False) ``flags.writebackifcopy``."""
        f = self.flags
        if write is not None:
            f.writeable = write
        if align is not None:
            f.aligned = align
        if uic is not None:
            f.writebackifcopy = uic

    def __contains__(self, value) -> bool:
        """``value in a``: whether any element equals ``value`` (NumPy's ``(a == value).any()``;
        a sequence ``value`` is broadcast against ``a``)."""
        from ._reduction import any as _any
        return bool(_any(Tensor.__eq__(self, value)))

    @property
    def flags(self):
        """NumPy's memory-layout flags (``a.flags.writeable = False`` makes ``a`` read-only)."""
        from ._flags import flagsobj
        return flagsobj(self)

    @property
    def flat(self) -> flatiter:
        """A 1-d view of the elements in C order that reads and writes the array
        (``a.T.flat[0] = 5`` changes ``a``), as NumPy's ``flatiter``."""
        return flatiter(self)

    @flat.setter
    def flat(self, value) -> None:
        """``a.flat = seq``: every element, in C order, from ``seq`` repeated cyclically."""
        flatiter(self)[:] = value

    # -- element access: NumPy scalars (copies), as NumPy ------------------------------------
    def _getitem(self, key):
        """``self[key]``. Basic indexing is a view and advanced indexing a copy, as in NumPy; an
        index that selects one element (``a[i]`` of a 1-d array, ``a[i, j]``, ``z[()]`` of a
        0-d array) gives a NumPy scalar, a copy of the element, read from the device where the
        array lives.

        Note: a 0-d result stays an array where the index holds an Ellipsis (``a[..., 0]``), as
        in NumPy, and where autograd records the indexing (``x[0]`` of an ``x`` that requires
        grad), so that gradients flow through it.
        """
        # fast paths (CPU, not recorded by autograd): NumPy gives a scalar for an index that
        # selects one element (a[i], a[i, j]) and an array for any other, a row view for a[i]
        # (wrapped) and otherwise discarded here; errors are trueno's, below. Every bytecode
        # counts here: a[i] is ~1.7x NumPy's time, most of it the Python-level call itself.
        kc = key.__class__
        if kc is _INT:
            if self._ag is None and self._device is CPU:
                try:
                    r = self._data[key]
                except Exception:  # noqa: BLE001, S110  (trueno's error below)
                    pass
                else:
                    if r.__class__ is not _ND:
                        return r
                    return self._row(r, key)
        elif kc is _TUPLE:
            if self._ag is None and self._device is CPU and \
                    (not key or key[0].__class__ is _INT or key[0].__class__ in _INTS):
                try:  # (an index array first would gather twice: not here)
                    r = self._data[key]
                except Exception:  # noqa: BLE001, S110
                    pass
                else:
                    if r.__class__ is not _ND:
                        return r
        elif kc in _INTS and self._ag is None and self._device is CPU:
            try:
                r = self._data[key]
            except Exception:  # noqa: BLE001, S110
                pass
            else:
                if r.__class__ is not _ND:
                    return r
                return self._row(r, key)
        try:
            out = Tensor.__getitem__(self, key)
        except IndexError:  # (no cost on the paths that do not raise)
            if kc is str or kc is list and key and key[0].__class__ is str:
                return _H.field(self, key)  # a structured array's field(s): a view
            raise
        if out._data.shape or out._ag is not None or key is Ellipsis or \
                (key.__class__ is tuple and any(k is Ellipsis for k in key)):
            return out
        return out._host()[()]

    def _row(self, r, key):
        """``self._view("getitem", r, {"key": key})`` for the row view ``r = a[i]`` of a CPU
        array that autograd does not record, without the calls (a view of this tensor)."""
        if r.ndim >= self._data.ndim:  # an object array's element that is a NumPy array
            return r
        out = _NEW(self.__class__)
        out._data = r
        out._dtype = self._dtype
        out._device = CPU
        out._version = self._version
        out._ag = None
        out._base = (self, "getitem", {"key": key})
        return out

    def _setitem(self, key, value) -> None:
        """``self[key] = value``: NumPy's assignment (cast with NumPy's rules; a view's writes
        reach its base).

        Note: an element or slice of a CPU array that autograd does not record, set from a
        Python or NumPy scalar, is written straight into the NumPy memory (NumPy's own checks
        and casts, e.g. OverflowError for 300 into int8); any error there is raised by
        trueno's general path instead, which does the same checks.
        """
        if self._ag is None and self._device is CPU and \
                (value.__class__ in _SCALARS or isinstance(value, _GENERIC)):
            kc = key.__class__
            if kc is _TUPLE:  # ints and slices only: basic indexing, a write into the memory
                for k in key:
                    if k.__class__ is not _INT and k.__class__ is not _SLICE:
                        break
                else:
                    kc = _INT
            if kc is _INT and write_host(self, key, value):
                return
        elif X.STATE.autograd is not None and (self._ag is not None or
                                               getattr(value, "_ag", None) is not None):
            key = _element_key_as_slices(key, self._data.ndim)
        if key.__class__ is str:
            _H.field(self, key)[...] = value  # a structured array's field
            return
        # an object array's element holds any Python object (o[0] = [1, 2]), as NumPy's
        if self._data.dtype.kind == "O" and self._device is CPU and \
                not isinstance(value, Tensor) and _plain_key(key) and \
                write_host(self, key, value):
            return
        Tensor.__setitem__(self, key, value)

    if _cindex is None:  # pure Python: the class's own element access
        __getitem__, __setitem__ = _getitem, _setitem

        def __delitem__(self, key):
            raise ValueError("cannot delete array elements")  # NumPy's error

    # -- operators whose 0-d results NumPy gives as scalars (the binary arithmetic operators
    # already do, through X.binary_fn) --------------------------------------------------------
    def __neg__(self):  # (the rows' fast paths, TENSOR_UNARY; Tensor's for bool's error)
        r = _UN["negative"](self) if self._dtype is not _BOOL else _T_NEG(self)
        return r if r._data.shape else _SCALAR(r)

    def __pos__(self):
        r = _UN["positive"](self)
        return r if r._data.shape else _SCALAR(r)

    def __abs__(self):
        r = _UN["abs"](self)
        return r if r._data.shape else _SCALAR(r)

    def __invert__(self):
        r = _UN["bitwise_invert"](self)
        return r if r._data.shape else _SCALAR(r)

    def __eq__(self, other):
        r = _T_EQ(self, other)
        return r if r.__class__ is not ndarray or r._data.shape else _SCALAR(r)

    def __ne__(self, other):
        r = _T_NE(self, other)
        return r if r.__class__ is not ndarray or r._data.shape else _SCALAR(r)

    __hash__ = None  # an array is unhashable, as in NumPy (defining __eq__ would reset it)

    def __matmul__(self, other):
        r = _T_MATMUL(self, other)
        return r if r.__class__ is not ndarray or r._data.shape else _SCALAR(r)

    def __rmatmul__(self, other):
        r = _T_RMATMUL(self, other)
        return r if r.__class__ is not ndarray or r._data.shape else _SCALAR(r)

    def __iter__(self):
        """Rows as views; the elements of a 1-d array as NumPy scalars (copies), as NumPy.

        Note: a 1-d array on another device is read from it once, when iteration starts."""
        if len(self._data.shape) == 1 and self._ag is None:
            return iter(self._host())
        return Tensor.__iter__(self)

    def astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
        """A copy cast to ``dtype`` (NumPy's ``astype``; ``copy=False`` gives this array when
        it already has the dtype). A flexible dtype (``str``, ``'U'``, ``'S'``, ``'M8'``) takes
        its size or unit from the values, as NumPy; ``casting`` is checked as NumPy checks it
        (a ``DTypeError``, a TypeError) and ``order`` lays the copy out as NumPy's.

        Note: ``subok`` has no effect (trueno has no array subclasses of its own)."""
        dt = D.as_dtype(dtype)
        if casting != "unsafe" or order != "K" or dt._code >= _H.HOST_CODE:
            out = _H.astype(self, dt, order, casting)
            if out is not None:
                return out
        return Tensor.astype(self, dt, copy)

    def to_device(self, device, /, *, stream=None):
        if self._dtype._code >= _H.HOST_CODE:
            _H.check_device(self._dtype, device)
        return Tensor.to_device(self, device, stream=stream)

    def reshape(self, *shape, order="C", copy=None):
        from ._manipulation import reshape
        return reshape(self, _shape_args(shape), order=order, copy=copy)

    def transpose(self, *axes):
        axes = _shape_args(axes)
        return self.permute_dims(axes if axes else tuple(range(self.ndim))[::-1])

    def flatten(self, order="C"):
        from ._manipulation import flatten
        return flatten(self, order)

    def ravel(self, order="C"):
        from ._manipulation import ravel
        return ravel(self, order)

    def copy(self, order="C"):
        """A copy laid out in ``order`` ('C', 'F', 'A' or 'K', as NumPy)."""
        if order == "C":
            return Tensor.copy(self)
        from ._manipulation import copy_order
        return copy_order(self, order)

    def squeeze(self, axis=None):
        return self._squeeze(axis)

    def view(self, dtype=None, type=None):  # noqa: A002  (NumPy's name)
        """``a.view()`` is a new view; ``a.view(dtype)`` reinterprets the bytes (CPU only);
        ``a.view(trueno.recarray)`` (or ``type=``) is a record-array view of the fields."""
        if isinstance(dtype, _TYPE) and (dtype is np.recarray or issubclass(dtype, Tensor)):
            dtype, type = None, dtype
        if type is not None:
            from ._records import as_class
            return as_class(self.view(dtype), type)
        if dtype is None:
            return self._view("reshape", self._data, {"shape": self.shape})
        from ._creation import asarray
        return asarray(self._host().view(D.as_dtype(dtype).numpy))

    def fill(self, value) -> None:
        self[...] = value

    def sum(self, axis=None, dtype=None, out=None, keepdims=False, **kw):  # kw: where=, initial=
        return Rd.sum(self, axis, dtype, out, keepdims, **kw)

    def prod(self, axis=None, dtype=None, out=None, keepdims=False, **kw):  # kw: where=, initial=
        return Rd.prod(self, axis, dtype, out, keepdims, **kw)

    def mean(self, axis=None, dtype=None, out=None, keepdims=False, **kw):  # kw: where=, initial=
        return Rd.mean(self, axis, dtype, out, keepdims, **kw)

    def var(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kw):  # where=, mean=
        return Rd.var(self, axis, dtype, out, ddof, keepdims, **kw)

    def std(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kw):  # where=, mean=
        return Rd.std(self, axis, dtype, out, ddof, keepdims, **kw)

    def max(self, axis=None, out=None, keepdims=False, **kw):  # kw: where=, initial=
        return Rd.max(self, axis, out, keepdims, **kw)

    def min(self, axis=None, out=None, keepdims=False, **kw):  # kw: where=, initial=
        return Rd.min(self, axis, out, keepdims, **kw)

    def argmax(self, axis=None, out=None, *, keepdims=False):
        return Rd.argmax(self, axis, out, keepdims=keepdims)

    def argmin(self, axis=None, out=None, *, keepdims=False):
        return Rd.argmin(self, axis, out, keepdims=keepdims)

    def any(self, axis=None, out=None, keepdims=False, **kw):  # kw: where=, initial=
        return Rd.any(self, axis, out, keepdims, **kw)

    def all(self, axis=None, out=None, keepdims=False, **kw):  # kw: where=, initial=
        return Rd.all(self, axis, out, keepdims, **kw)

    def cumsum(self, axis=None, dtype=None, out=None):
        return _Rd.cumsum(self, axis, dtype, out)

    def cumprod(self, axis=None, dtype=None, out=None):
        return _Rd.cumprod(self, axis, dtype, out)

    def clip(self, min=None, max=None, out=None):  # noqa: A002
        from ._numpy_wrappers import clip
        return clip(self, min, max, out)

    def round(self, decimals=0, out=None):
        from ._statistics import round as _round
        return _round(self, decimals, out)

    def sort(self, axis=-1, kind=None, order=None) -> None:
        """Sort in place, as NumPy's ``ndarray.sort`` does (returns None). Every ``kind`` gives
        the stable sort's result (trueno's sorts are stable)."""
        from ._sorting import sort
        _check_kind("sort", kind, _SORT_KINDS, None)
        self[...] = sort(self, axis=axis, order=order)

    def argsort(self, axis=-1, kind=None, order=None):
        """Indices that sort the array; stable whatever ``kind`` (ties keep their order)."""
        from ._sorting import argsort
        _check_kind("argsort", kind, _SORT_KINDS, None)
        return argsort(self, axis=axis, order=order)

    def nonzero(self):
        from ._indexing import nonzero
        return nonzero(self)

    def repeat(self, repeats, axis=None):
        """NumPy's repeat: each element repeated ``repeats`` times (not PyTorch's tile)."""
        from ._creation import asarray
        x = self
        if axis is None:
            x = self._reshape((-1,))
            axis = 0
        from ._views import normalize_axis
        ax = normalize_axis(axis, x.ndim)
        idx = np.repeat(np.arange(x.shape[ax]), np.asarray(repeats))
        key = (slice(None),) * ax + (asarray(idx, device=x.device),)
        return x[key]

    def dot(self, b):
        """NumPy's ``dot`` (a NumPy scalar for a 0-d CPU result, as NumPy's method)."""
        from ._linalg_ops import dot
        return numpy_result(dot(self, b))

    # -- NumPy-surface methods (functions in _gather_scatter, _setops, _statistics) --------------
    def take(self, indices, axis=None, out=None, mode="raise"):
        from ._gather_scatter import take
        return _Rd.finish("take", take(self, indices, axis=axis, mode=mode), out, scalar=True)

    def put(self, indices, values, mode="raise") -> None:
        from ._gather_scatter import put
        put(self, indices, values, mode)

    def compress(self, condition, axis=None, out=None):
        from ._gather_scatter import compress
        return _Rd.finish("compress", compress(condition, self, axis), out)

    def choose(self, choices, out=None, mode="raise"):
        from ._gather_scatter import choose
        return _Rd.finish("choose", choose(self, choices, mode=mode), out)

    def searchsorted(self, v, side="left", sorter=None):
        """Insertion indices of ``v`` (a NumPy int64 for a scalar ``v``, as NumPy)."""
        from ._setops import searchsorted
        return numpy_result(searchsorted(self, v, side=side, sorter=sorter))

    def conjugate(self):
        """The complex conjugate, as NumPy's method: a real array itself, and a NumPy scalar
        for a 0-d complex CPU array.

        Note: ``conj()`` keeps returning a 0-d array there (trueno's own code calls it as an
        array method)."""
        r = Tensor.conj(self)
        if r is self:
            return r
        return r if r._data.shape else _SCALAR(r)

    def partition(self, kth, axis=-1, kind="introselect", order=None) -> None:
        """Partition in place, as NumPy's ``ndarray.partition`` does (returns None)."""
        from ._setops import partition
        _check_kind("partition", kind, ("introselect",), order)
        self[...] = partition(self, kth, axis)

    def argpartition(self, kth, axis=-1, kind="introselect", order=None):
        from ._setops import argpartition
        _check_kind("argpartition", kind, ("introselect",), order)
        return argpartition(self, kth, axis)

    def ptp(self, axis=None, out=None, keepdims=False):
        from ._statistics import ptp
        return ptp(self, axis, out, keepdims)

    def trace(self, offset=0, axis1=0, axis2=1, dtype=None, out=None):
        return Rd.sum(self.diagonal(offset, axis1, axis2), -1, dtype, out)

    def tobytes(self, order="C") -> bytes:
        return self._host().tobytes(order=order)

    @property
    def real(self):
        return Tensor.real.fget(self)

    @real.setter
    def real(self, value) -> None:
        """``a.real = v``: NumPy's write of the real part (the whole array for a real one)."""
        self._set_part("real", value)

    @property
    def imag(self):
        return Tensor.imag.fget(self)

    @imag.setter
    def imag(self, value) -> None:
        """``a.imag = v``: NumPy's write of the imaginary part (TypeError for a real array)."""
        self._set_part("imag", value)

    def _set_part(self, part, value) -> None:
        if self._device is not CPU or self._ag is not None:
            raise DeviceError(f"setting {part}: only a CPU array that autograd does not record "
                              f"can be written this way (this one is on {self._device})\n"
                              f"  hint: a = a.real + 1j * a.imag with the new part")
        v = value._host() if isinstance(value, Tensor) else value
        h = self._data
        if part == "imag" and h.dtype.kind != "c":
            raise TypeError("setting imag: array does not have imaginary part to set\n"
                            "  hint: make a complex array first (a.astype(complex))")
        setattr(h, part, v)  # NumPy's own casts and checks (read-only arrays raise)
        self._version[0] += 1

    def resize(self, *new_shape, refcheck: bool = True) -> None:
        """NumPy's in-place ``resize``: the array gets ``new_shape``, keeping its elements in C
        order and filling new ones with zeros (a new buffer: views of the old one no longer
        see it, which NumPy's ``refcheck`` would refuse)."""
        if self._device is not CPU or self._ag is not None:
            raise DeviceError("resize: only a CPU array that autograd does not record can be "
                              "resized in place\n  hint: use trueno.resize(a, shape) for a copy")
        shape = _shape_args(new_shape) if new_shape else ()
        if len(shape) == 1 and shape[0] is None:
            return
        new = np.zeros(tuple(int(n) for n in shape), dtype=self._data.dtype)
        flat = self._data.reshape(-1)
        n = min(flat.size, new.size)
        new.reshape(-1)[:n] = flat[:n]
        self._data = new
        self._version[0] += 1

    def tofile(self, fid, sep="", format="%s") -> None:  # noqa: A002
        from ._io import tofile
        tofile(self, fid, sep, format)


_T_NEG, _BOOL = Tensor.__neg__, D.bool_
_T_EQ, _T_NE, _T_MATMUL, _T_RMATMUL = (Tensor.__eq__, Tensor.__ne__, Tensor.__matmul__,
                                      Tensor.__rmatmul__)
_SCALAR = X.scalar_result


if _cindex is not None:
    _cindex.configure(tuple(Tensor.__dict__[n] for n in ("_data", "_ag", "_device", "_version",
                                                        "_dtype", "_base")),
                      CPU, np.ndarray, np.generic, tuple(t for t in _INTS if t is not int),
                      D.DType)
