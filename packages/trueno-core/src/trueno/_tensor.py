"""Tensor: a strided view ``(storage, offset, shape, strides, dtype, device)`` over one engine.

This base class holds what both faces share (operators, views, interop). The NumPy face
(``trueno.ndarray``) and the PyTorch face (``trueno.torch.Tensor``) subclass it and add the
methods whose meaning differs between the two (DESIGN.md §8, docs/compat.md).
"""

from __future__ import annotations

import math
import operator

import numpy as np

from . import _dispatch as X
from . import _dtypes as D
from . import _views as V
from ._device import CPU, device as as_device
from ._errors import DTypeError, InternalOverlapError, ShapeError
from ._optable import OPS
from ._autograd_surface import AutogradSurface
from ._python_protocols import PythonProtocols, _rebuild  # noqa: F401  (old pickles' path)
from ._strided import StridedArray

__all__ = ["Tensor", "InternalOverlapError", "numpy_result", "write_host"]

_O = OPS
_new = object.__new__
_PY_SCALARS = frozenset({bool, int, float})
_binary = X.binary
_unary = X.unary


def _unary_op(name):
    op = OPS[name]
    return lambda x: _unary(op, x)


# The unary operators' functions (tensor results): ``X.unary`` of their rows until
# ``_elementwise`` puts its rows' cached fast paths here (``_make_unary``).
TENSOR_UNARY = _UN = {n: _unary_op(n) for n in ("negative", "positive", "abs", "bitwise_invert")}


def _bin(name, reflected=False):
    method = X.binary_fn(OPS[name], reflected, operator=True)
    method.__name__ = f"__{'r' if reflected else ''}{name}__"
    return method


def _eq(name):
    """``==``/``!=``: an object that is no array (None, a string) compares unequal everywhere,
    as in NumPy (``t == None`` is all False)."""
    row = OPS[name]

    def method(self, other):
        try:
            return _binary(row, self, other)
        except DTypeError:
            if isinstance(other, (Tensor, bool, int, float, complex, np.ndarray, np.generic,
                                  list, tuple)):
                raise
            from ._creation import full
            return full(self.shape, name == "not_equal", dtype=D.bool_, device=self._device,
                        cls=self.__class__)
    method.__name__ = f"__{'eq' if name == 'equal' else 'ne'}__"
    return method


def _inplace(name):
    row = OPS[name]

    def method(self, other):
        out = _binary(row, self, other)
        if not D.can_cast(out._dtype, self._dtype, "same_kind"):
            raise DTypeError(f"{name} (in place): cannot cast the result from {out.dtype.name} to "
                             f"{self.dtype.name} with casting rule 'same_kind'\n  hint: write "
                             f"x = x {'+' if name == 'add' else 'op'} y to get a new array")
        self._assign(out)
        return self
    return method



def write_host(t, key, value) -> bool:
    """Write ``value`` into CPU tensor ``t``'s NumPy memory at ``key`` (NumPy's casts and
    checks) and bump its version; False when NumPy refuses, so that the caller's general path
    raises trueno's error for the same input."""
    try:
        t._data[key] = value
    except Exception:  # noqa: BLE001  (the caller raises trueno's error)
        return False
    t._version[0] += 1
    return True


class Tensor(PythonProtocols, AutogradSurface):
    """Base of both faces. Create tensors with ``trueno.asarray`` or ``trueno.torch.tensor``."""

    # _base: (base tensor, view op name, its params) on a tensor made by _view, unset on every
    # other tensor (read it with getattr(t, "_base", None), off the hot paths only)
    __slots__ = ("_data", "_dtype", "_device", "_version", "_ag", "_base", "__weakref__")
    _face = "numpy"
    _default_float = D.float64
    _weak_0d = None  # a face's rule for a 0-d tensor operand (PyTorch's: weak, as a scalar)
    __array_priority__ = 100.0

    # -- basic facts ---------------------------------------------------------------------------
    @property
    def dtype(self) -> D.DType:
        return self._dtype

    @property
    def device(self):
        return self._device

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return len(self._data.shape)

    @property
    def itemsize(self) -> int:
        return self._dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self.numel() * self._dtype.itemsize

    def numel(self) -> int:
        return math.prod(self._data.shape)

    @property
    def offset(self) -> int:
        """Offset of the first element in the storage, in elements."""
        return V.strided_meta(self._data)[0]

    def stride_elements(self) -> tuple[int, ...]:
        return V.strided_meta(self._data)[2]

    @property
    def storage(self):
        """The buffer this view reads: the base NumPy array on CPU, the backend's storage else."""
        d = self._data
        if isinstance(d, StridedArray):
            return d.storage
        while isinstance(d.base, np.ndarray):
            d = d.base
        return d

    def is_contiguous(self) -> bool:
        if self._device is CPU:
            return self._data.flags.c_contiguous
        return self._data.is_contiguous()

    @property
    def T(self):
        if self.ndim > 2 and self._face == "torch":
            raise ShapeError("T: expects a tensor with <= 2 dimensions; use mT or "
                             "permute for batches of matrices")
        return self.permute_dims(tuple(range(self.ndim))[::-1])

    @property
    def mT(self):
        if self.ndim < 2:
            raise ShapeError(f"mT: needs at least 2 dimensions, got {self.ndim}")
        axes = list(range(self.ndim))
        axes[-1], axes[-2] = axes[-2], axes[-1]
        return self.permute_dims(tuple(axes))

    @property
    def mH(self):
        return self.mT.conj()

    # -- views ---------------------------------------------------------------------------------
    def _view(self, op_name, data, params):
        """Wrap a view of this tensor's storage and let autograd record it.

        The view remembers its base and how it was made, so that an in-place change of either
        one can rewrite the other's autograd history (PyTorch's view + version semantics).
        """
        out = X.wrap(self.__class__, data, self._device, self._version, self._dtype)
        out._base = (self, op_name, params)
        if self._ag is not None:
            ag = X.STATE.autograd
            if ag is not None:
                ag.record_view(OPS[op_name], self, params, out)
        return out

    def permute_dims(self, axes):
        nd = self.ndim
        axes = tuple(V.normalize_axis(a, nd) for a in axes)
        if sorted(axes) != list(range(nd)):
            raise V.AxisError(f"axes {axes} are not a permutation of the {nd} dimensions")
        return self._view("permute_dims", V.permute(self._data, axes), {"axes": axes})

    def swapaxes(self, axis1, axis2):
        nd = self.ndim
        a1, a2 = V.normalize_axis(axis1, nd, "axis1"), V.normalize_axis(axis2, nd, "axis2")
        axes = list(range(nd))
        axes[a1], axes[a2] = axes[a2], axes[a1]
        return self.permute_dims(tuple(axes))

    def moveaxis(self, source, destination):
        from ._manipulation import moveaxis
        return moveaxis(self, source, destination)

    def _reshape(self, shape, copy_ok=True, name="reshape"):
        if self._face == "numpy":  # NumPy 2 takes any negative size as the unknown one
            shape = tuple(-1 if n < 0 else n for n in map(operator.index, shape))
        shape = V.infer_shape(shape, self.numel())
        if shape == self.shape:
            return self._view("reshape", self._data, {"shape": shape})
        data = V.reshape_view(self._data, shape)
        if data is None:
            if not copy_ok:
                raise ShapeError(
                    f"{name}: a view of shape {shape} is not compatible with this tensor's "
                    f"strides {self.stride_elements()} (shape {self.shape})\n"
                    "  hint: use .reshape(...) (copies when needed) or .contiguous() first")
            return self.contiguous()._reshape(shape)
        return self._view("reshape", data, {"shape": shape})

    def expand_to(self, shape):
        """Broadcast to ``shape`` as a zero-stride view (``broadcast_to``)."""
        shape = tuple(int(n) for n in shape)
        out = V.broadcast_shapes(self.shape, shape)
        if out != shape:
            raise ShapeError(f"broadcast_to: cannot broadcast shape {self.shape} to {shape}\n"
                             f"  rule: aligned from the right, each size must equal the target "
                             f"size or be 1")
        return self._view("expand", V.expand(self._data, shape), {"shape": shape})

    def diagonal(self, offset=0, axis1=0, axis2=1, *, dim1=None, dim2=None):
        axis1 = axis1 if dim1 is None else dim1
        axis2 = axis2 if dim2 is None else dim2
        if self.ndim < 2:
            raise ShapeError(f"diagonal: needs at least 2 dimensions, got {self.ndim}")
        p = {"offset": int(offset), "axis1": V.normalize_axis(axis1, self.ndim),
             "axis2": V.normalize_axis(axis2, self.ndim)}
        if p["axis1"] == p["axis2"]:
            raise ValueError("diagonal: axis1 and axis2 cannot be the same")
        return self._view("diagonal", V.diagonal(self._data, **p), p)

    def _squeeze(self, axis=None):
        shape = self.shape
        if axis is None:
            axes = tuple(i for i, n in enumerate(shape) if n == 1)
        else:
            axes = V.normalize_axes(axis, self.ndim)
            for a in axes:
                if shape[a] != 1:
                    raise ShapeError(f"squeeze: cannot select an axis to squeeze out which has "
                                     f"size not equal to one (axis {a} has size {shape[a]})")
        return self._reshape(tuple(n for i, n in enumerate(shape) if i not in axes))

    def _expand_dims(self, axis):
        axes = axis if isinstance(axis, (tuple, list)) else (axis,)
        nd = self.ndim + len(axes)
        axes = V.normalize_axes(axes, nd)
        it = iter(self.shape)
        shape = tuple(1 if i in axes else next(it) for i in range(nd))
        return self._reshape(shape)

    def contiguous(self):
        if self.is_contiguous():
            return self
        return X.unary(OPS["contiguous"], self)

    def copy(self):
        return X.unary(OPS["contiguous"], self)

    clone = copy

    # -- dtype and device ----------------------------------------------------------------------
    def astype(self, dtype, copy=True):
        dt = D.as_dtype(dtype)
        if dt is self._dtype:
            return self.copy() if copy else self
        data = X.cast_data(self, dt)
        out = X.wrap(self.__class__, data, self._device, dtype=dt)
        st = X.STATE
        if self._ag is not None and st.autograd is not None and X.MODES.grad_enabled and \
                dt.kind in "fc" and self._dtype.kind in "fc":
            st.autograd.record(OPS["astype"], (self,), {"dtype": dt}, out)
        return out

    def to_device(self, device, /, *, stream=None):
        dev = as_device(device)
        if dev is self._device:
            return self
        from ._registry import device_api
        if self._device is CPU:
            api = device_api(dev)
            data = api.from_numpy(np.asarray(self._data, order="C"), dev.index)
        elif dev is CPU:
            data = device_api(self._device).to_numpy(self._data)
        else:
            host = device_api(self._device).to_numpy(self._data)
            data = device_api(dev).from_numpy(host, dev.index)
        out = X.wrap(self.__class__, data, dev, dtype=self._dtype)
        st = X.STATE
        if self._ag is not None and st.autograd is not None and X.MODES.grad_enabled:
            st.autograd.record(_TO_DEVICE, (self,), {"device": self._device}, out)
        return out

    def cpu(self):
        return self.to_device(CPU)

    def _host(self) -> np.ndarray:
        """A NumPy array of the values (a download for non-CPU devices)."""
        if self._device is CPU:
            return self._data
        from ._registry import device_api
        return device_api(self._device).to_numpy(self._data)

    # -- indexing ------------------------------------------------------------------------------
    def __getitem__(self, key):
        """Basic indexing is a view (``t[i]`` of a 1-d tensor a 0-d view), advanced indexing a
        copy.

        Note: ``t[i]`` with a Python int, on a CPU tensor that autograd does not record, is
        the same view made without the general path's calls (``is_basic_key``,
        ``basic_index``, ``_view``, ``wrap``); an index out of range falls through to the
        general path, which raises trueno's IndexError."""
        if key.__class__ is int and self._ag is None and self._device is CPU:
            try:
                r = self._data[key, ...]  # a view, 0-d for a 1-d tensor
            except Exception:  # noqa: BLE001, S110  (trueno's error below)
                pass
            else:
                out = _new(self.__class__)
                out._data = r
                out._dtype = self._dtype
                out._device = CPU
                out._version = self._version
                out._ag = None
                out._base = (self, "getitem", {"key": key})
                return out
        if V.is_basic_key(key):
            return self._view("getitem", V.basic_index(self._data, key), {"key": key})
        from ._indexing import getitem_advanced
        return getitem_advanced(self, key)

    def __setitem__(self, key, value):
        """Writes through views; a Python scalar into ``t[i]`` (or ``t[i, j]``) of a CPU tensor
        that autograd does not record is written straight into the NumPy memory (NumPy's
        casts and checks), any error there is raised by the general path instead."""
        if value.__class__ in _PY_SCALARS and self._ag is None and self._device is CPU and \
                (key.__class__ is int or (key.__class__ is tuple and
                                          all(k.__class__ is int for k in key))) and \
                write_host(self, key, value):
            return
        if V.is_basic_key(key):
            dst = V.basic_index(self._data, key)
            self._write(dst, value, key)
            return
        from ._indexing import setitem_advanced
        setitem_advanced(self, key, value)

    def _write(self, dst, value, key):
        """Copy ``value`` into the view ``dst`` of this tensor (cast, broadcast) and bump the
        version counter."""
        if value.__class__ in (bool, int, float, complex):
            # NumPy's checks: 300 into int8 overflows, nan into an int raises, complex too
            value = np.array(value, dtype=self._dtype.numpy)
        if not isinstance(value, Tensor):
            from ._creation import asarray
            value = asarray(value, dtype=self._dtype if not isinstance(value, np.ndarray)
                            else None, device=self._device, cls=self.__class__)
        if value._device is not self._device:
            X.check_device("setitem", self, value)
        V.broadcast_shapes(dst.shape, value.shape)
        if V.broadcast_shapes(dst.shape, value.shape) != tuple(dst.shape):
            raise ShapeError(f"could not broadcast input array from shape {value.shape} into "
                             f"shape {tuple(dst.shape)}")
        ag = X.STATE.autograd
        track = ag is not None and (self._ag is not None or value._ag is not None) and \
            X.MODES.grad_enabled
        if track:
            ag.check_inplace(self)  # a leaf that requires grad (or a view of one) raises here
        if dst.__class__ is np.ndarray and not dst.flags.writeable and self._writable("setitem"):
            dst = V.basic_index(self._data, key)
        src = X.cast_data(value, self._dtype)
        X.kernel(OPS["copy_"], self._device, self._dtype)(dst, src)
        self._version[0] += 1
        if track:
            ag.setitem(self, key, value)

    def _assign(self, out):
        """In-place update: write ``out`` into this tensor's view (``+=`` and friends)."""
        ag = X.STATE.autograd
        track = ag is not None and (self._ag is not None or out._ag is not None) and \
            X.MODES.grad_enabled
        if track:
            ag.check_inplace(self, out)
        data = self._data
        if data.__class__ is np.ndarray and not data.flags.writeable:
            self._writable("in-place operation")
        src = X.cast_data(out, self._dtype)
        X.kernel(OPS["copy_"], self._device, self._dtype)(self._data, src)
        self._version[0] += 1
        if track:
            ag.inplace(self, out)

    def _writable(self, what) -> bool:
        """Called before writing into a read-only NumPy view. Raise where several elements
        share one memory location (an expanded view), as PyTorch does; on the PyTorch face make
        a read-only view of writable memory (``diagonal``) writable. True if it did."""
        d = self._data
        if any(st == 0 and n > 1 for st, n in zip(d.strides, d.shape)):
            raise InternalOverlapError(
                f"{what}: unsupported operation: more than one element of the written-to "
                f"tensor refers to a single memory location (shape {d.shape}, strides "
                f"{self.stride_elements()}). Please clone() the tensor before performing the "
                f"operation.\n  hint: x = x.clone() (or x.contiguous()) before writing")
        if self._face != "torch":
            return False  # Note: NumPy's diagonal views are read-only; so are ours there
        try:
            d.flags.writeable = True
        except ValueError:
            return False  # read-only memory: the write raises NumPy's error
        return True

    # -- operators -----------------------------------------------------------------------------
    __add__ = _bin("add")
    __radd__ = _bin("add", True)
    __sub__ = _bin("subtract")
    __rsub__ = _bin("subtract", True)
    __mul__ = _bin("multiply")
    __rmul__ = _bin("multiply", True)
    __truediv__ = _bin("divide")
    __rtruediv__ = _bin("divide", True)
    __floordiv__ = _bin("floor_divide")
    __rfloordiv__ = _bin("floor_divide", True)
    __mod__ = _bin("remainder")
    __rmod__ = _bin("remainder", True)
    __pow__ = _bin("pow")
    __rpow__ = _bin("pow", True)
    __and__ = _bin("bitwise_and")
    __rand__ = _bin("bitwise_and", True)
    __or__ = _bin("bitwise_or")
    __ror__ = _bin("bitwise_or", True)
    __xor__ = _bin("bitwise_xor")
    __rxor__ = _bin("bitwise_xor", True)
    __lshift__ = _bin("bitwise_left_shift")
    __rlshift__ = _bin("bitwise_left_shift", True)
    __rshift__ = _bin("bitwise_right_shift")
    __rrshift__ = _bin("bitwise_right_shift", True)
    __eq__ = _eq("equal")
    __ne__ = _eq("not_equal")
    __lt__ = _bin("less")
    __le__ = _bin("less_equal")
    __gt__ = _bin("greater")
    __ge__ = _bin("greater_equal")
    __iadd__ = _inplace("add")
    __isub__ = _inplace("subtract")
    __imul__ = _inplace("multiply")
    __itruediv__ = _inplace("divide")
    __ifloordiv__ = _inplace("floor_divide")
    __imod__ = _inplace("remainder")
    __ipow__ = _inplace("pow")
    __iand__ = _inplace("bitwise_and")
    __ior__ = _inplace("bitwise_or")
    __ixor__ = _inplace("bitwise_xor")
    __ilshift__ = _inplace("bitwise_left_shift")
    __irshift__ = _inplace("bitwise_right_shift")

    def __neg__(self):
        if self._dtype is D.bool_:
            raise DTypeError("negative: the - operator on a bool array is not supported\n"
                             "  hint: use ~x or logical_not(x)")
        return _UN["negative"](self)

    def __pos__(self):
        return _UN["positive"](self)

    def __abs__(self):
        return _UN["abs"](self)

    def __invert__(self):
        return _UN["bitwise_invert"](self)

    def __matmul__(self, other):
        return _L.matmul(self, other)

    def __rmatmul__(self, other):
        return _L.matmul(X.to_tensor(other, self.__class__, self), self)

    def __imatmul__(self, other):
        self._assign(_L.matmul(self, other))
        return self

    def conj(self):
        if self._dtype.kind != "c":
            return self
        return _unary(_O["conj"], self)

    @property
    def real(self):
        return _unary(_O["real"], self)

    @property
    def imag(self):
        return _unary(_O["imag"], self)


_TO_DEVICE = OPS["to_device"]


def numpy_result(t):
    """What the NumPy face returns for the result ``t`` of a reduction: a NumPy scalar (a copy,
    ``numpy.float64`` ...) where ``t`` is 0-d, as NumPy does; ``t`` itself otherwise.

    A 0-d result stays an array on the PyTorch face, on non-CPU devices (as CuPy keeps it, so
    that a reduction does not wait for the device) and where autograd records it (so that
    ``(x * x).sum().backward()`` works).
    """
    if t.__class__ is not Tensor and isinstance(t, Tensor) and t._face == "numpy" and \
            not t._data.shape and t._ag is None and t._device is CPU:
        return t._data[()]
    return t


X._bind(Tensor, OPS)

# matmul's module imports this one (for Tensor); imported once here, after Tensor exists, and
# read as _L.matmul at call time, so that either module may be imported first.
from . import _linalg_ops as _L  # noqa: E402
