"""Creation functions: asarray, zeros, ones, full, arange, linspace, eye, meshgrid, ...

Each builds the values on the host with NumPy (or the device api's ``full``) and wraps them in
the face's tensor class; NumPy arrays are wrapped without copying where the dtype allows.
"""

from __future__ import annotations

import operator

import numpy as np

from . import _dispatch as X
from . import _dtypes as D
from . import _host_dtypes as _H
from ._device import CPU, device as as_device
from ._errors import DTypeError, ShapeError
from ._tensor import Tensor

__all__ = ["asarray", "array", "zeros", "ones", "full", "empty", "zeros_like", "ones_like",
           "full_like", "empty_like", "arange", "linspace", "logspace", "eye", "identity",
           "meshgrid", "tril", "triu", "from_dlpack", "frombuffer", "default_class"]

_DEFAULT_CLASS: list = []


def default_class():
    """The NumPy-face array class (``trueno.ndarray``)."""
    return _DEFAULT_CLASS[0]


def _shape(shape) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)) or (isinstance(shape, Tensor) and shape.ndim == 0):
        shape = (operator.index(shape),)
    try:
        out = tuple(operator.index(n) for n in shape)
    except TypeError:
        raise TypeError(f"shape must be an int or a sequence of ints, not {shape!r}") from None
    if any(n < 0 for n in out):
        raise ShapeError(f"negative dimensions are not allowed: {out}")
    return out


def _host_kind(npd) -> bool:
    """Whether NumPy dtype ``npd`` is one of the CPU-only kinds (strings, object, datetime,
    structured); ml_dtypes' bfloat16 is kind 'V' too but a numeric trueno dtype."""
    return npd.kind in "OUSMmV" and npd not in _NUMERIC_NUMPY


_NUMERIC_NUMPY = frozenset(d.numpy for d in D.ALL)


def _place(cls, host: np.ndarray, device, dtype=None):
    dev = as_device(device)
    if dev is CPU:
        if dtype is None and _host_kind(host.dtype):
            dtype = D.as_dtype(host.dtype)
        return X.wrap(cls, host, CPU, dtype=dtype)
    if _host_kind(host.dtype):
        _H.check_device(D.as_dtype(host.dtype), dev)
    from ._registry import device_api
    return X.wrap(cls, device_api(dev).from_numpy(np.asarray(host, order="C"), dev.index), dev,
                  dtype=dtype)


def _from_nested(obj, cls, dtype=None):
    """Host array for nested lists that may hold tensors and Python scalars."""
    def host(o):
        if isinstance(o, Tensor):
            return o._host()
        if isinstance(o, list):
            return [host(i) for i in o]
        if isinstance(o, tuple):  # a tuple stays one: a record of a structured dtype
            return tuple(host(i) for i in o)
        return o
    return np.asarray(host(obj), dtype=dtype)


def _default_dtype_of(obj, arr: np.ndarray, cls) -> D.DType | None:
    """Python floats become the face's default float; NumPy inputs keep their dtype."""
    if isinstance(obj, (np.ndarray, np.generic)):
        return None
    if arr.dtype == np.float64 and cls._default_float is not D.float64:
        return cls._default_float
    if arr.dtype == np.complex128 and cls._default_float is D.float32:
        return D.complex64
    return None


def asarray(obj, dtype=None, *, device=None, copy=None, cls=None):
    """Convert ``obj`` (nested lists, scalars, NumPy arrays, buffers, DLPack) to an array.

    NumPy arrays of a supported dtype are wrapped without a copy unless ``copy=True``.

    Examples
    --------
    >>> import trueno as tn
    >>> tn.asarray([[1, 2], [3, 4]]).shape
    (2, 2)
    """
    cls = cls or _DEFAULT_CLASS[0]
    dt = None if dtype is None else D.as_dtype(dtype)
    if isinstance(obj, Tensor):
        out = obj
        if dt is not None and dt is not obj._dtype:
            out = out.astype(dt)
            copy = False if copy is None else copy
        if device is not None:
            out = out.to_device(device)
        if copy:
            out = out.copy()
        if out.__class__ is not cls:
            out = X.wrap(cls, out._data, out._device, out._version, out._dtype)
        return out
    if copy is False and not isinstance(obj, np.ndarray) and not hasattr(obj, "__dlpack__") \
            and not hasattr(obj, "__array_interface__"):
        raise ValueError("asarray(copy=False): a copy is needed for this input")
    if isinstance(obj, np.ndarray):
        arr = obj
    elif isinstance(obj, (list, tuple)):
        # with a dtype, NumPy converts each Python number exactly (2**63 + 1 as uint64) and
        # checks its range (300 as int8 raises OverflowError)
        arr = _from_nested(obj, cls, None if dt is None else dt.numpy)
    elif obj.__class__ in (bool, int, float, complex) and dt is not None:
        arr = np.asarray(obj, dtype=dt.numpy)
    elif hasattr(obj, "__dlpack__") and not isinstance(obj, (bytes, bytearray, memoryview)):
        try:
            arr = np.from_dlpack(obj)
        except (TypeError, BufferError, RuntimeError):
            arr = np.asarray(obj)
    else:
        arr = np.asarray(obj)
    if _host_kind(arr.dtype):
        if cls._face != "numpy":
            raise DTypeError(f"could not make a tensor of {arr.dtype} values (from "
                             f"{type(obj).__name__}): tensors hold numbers and bools only")
        if dt is None:  # strings, object, datetime, structured: NumPy storage on the CPU
            return _place(cls, arr.copy() if copy else arr, device, D.as_dtype(arr.dtype))
    if dt is None:
        dt = _default_dtype_of(obj, arr, cls)
    if dt is not None and arr.dtype != dt.numpy:
        arr = arr.astype(dt.numpy)
    elif copy:
        arr = arr.copy()
    return _place(cls, arr, device)


def array(obj, dtype=None, *, copy=True, device=None, ndmin=0, cls=None):
    """Like ``numpy.array``: copies by default."""
    out = asarray(obj, dtype, device=device, copy=copy, cls=cls)
    if ndmin and out.ndim < ndmin:
        out = out._reshape((1,) * (ndmin - out.ndim) + out.shape)
    return out


def _dtype_or_default(dtype, cls):
    return cls._default_float if dtype is None else D.as_dtype(dtype)


def full(shape, fill_value, dtype=None, *, device=None, cls=None):
    cls = cls or _DEFAULT_CLASS[0]
    shape = _shape(shape)
    if dtype is None:
        if isinstance(fill_value, Tensor):
            dt = fill_value._dtype
            fill_value = fill_value.item()
        elif fill_value.__class__ in (bool, int, float, complex):
            dt = D.scalar_dtype(fill_value, cls._default_float)
        else:  # NumPy's dtype of the value: a string, a datetime64, an object
            dt = D.as_dtype(np.asarray(fill_value).dtype)
    else:
        dt = D.as_dtype(dtype)
    dev = as_device(device)
    if dt._code >= _H.HOST_CODE:
        _H.check_device(dt, dev)
        return _place(cls, np.full(shape, fill_value, dtype=dt.numpy), CPU)
    if dev is CPU:
        return X.wrap(cls, np.full(shape, fill_value, dtype=dt.numpy), CPU, dtype=dt)
    from ._registry import device_api
    return X.wrap(cls, device_api(dev).full(shape, fill_value, dt.numpy, dev.index), dev,
                  dtype=dt)


def _host_fill(fn, shape, dtype, device, cls):
    """NumPy's ``zeros``/``ones`` of a host dtype ('' for strings, None for object), or None
    for a numeric dtype."""
    dt = None if dtype is None else D.as_dtype(dtype)
    if dt is None or dt._code < _H.HOST_CODE:
        return None
    _H.check_device(dt, as_device(device))
    return _place(cls or _DEFAULT_CLASS[0], fn(_shape(shape), dtype=dt.numpy), CPU)


def zeros(shape, dtype=None, *, device=None, cls=None):
    if dtype is not None and (out := _host_fill(np.zeros, shape, dtype, device, cls)) is not None:
        return out
    cls = cls or _DEFAULT_CLASS[0]
    return full(shape, 0, _dtype_or_default(dtype, cls), device=device, cls=cls)


def ones(shape, dtype=None, *, device=None, cls=None):
    if dtype is not None and (out := _host_fill(np.ones, shape, dtype, device, cls)) is not None:
        return out
    cls = cls or _DEFAULT_CLASS[0]
    return full(shape, 1, _dtype_or_default(dtype, cls), device=device, cls=cls)


def empty(shape, dtype=None, *, device=None, cls=None):
    cls = cls or _DEFAULT_CLASS[0]
    dt = _dtype_or_default(dtype, cls)
    dev = as_device(device)
    if dt._code >= _H.HOST_CODE:
        _H.check_device(dt, dev)
        return _place(cls, np.empty(_shape(shape), dtype=dt.numpy), CPU)
    if dev is CPU:
        return X.wrap(cls, np.empty(_shape(shape), dtype=dt.numpy), CPU, dtype=dt)
    from ._registry import device_api
    return X.wrap(cls, device_api(dev).empty(_shape(shape), dt.numpy, dev.index), dev, dtype=dt)


def _like(fn, x, dtype, device, *args):
    x = x if isinstance(x, Tensor) else asarray(x)
    return fn(x.shape, *args, dtype=x._dtype if dtype is None else dtype,
              device=x._device if device is None else device, cls=x.__class__)


def zeros_like(x, /, *, dtype=None, device=None):
    return _like(zeros, x, dtype, device)


def ones_like(x, /, *, dtype=None, device=None):
    return _like(ones, x, dtype, device)


def empty_like(x, /, *, dtype=None, device=None):
    return _like(empty, x, dtype, device)


def full_like(x, /, fill_value, *, dtype=None, device=None):
    x = x if isinstance(x, Tensor) else asarray(x)
    return full(x.shape, fill_value, x._dtype if dtype is None else dtype,
                device=x._device if device is None else device, cls=x.__class__)


def arange(start, /, stop=None, step=1, *, dtype=None, device=None, cls=None):
    """Evenly spaced values in ``[start, stop)`` (NumPy's dtype rules for the arguments)."""
    cls = cls or _DEFAULT_CLASS[0]
    if step == 0:
        raise ValueError("arange: step must not be zero")
    hd = None if dtype is None else D.as_dtype(dtype)
    if (hd is not None and hd._code >= _H.HOST_CODE) or \
            isinstance(start, (str, np.datetime64, np.timedelta64)):
        # datetime64/timedelta64 ranges: NumPy's (dates as strings or datetime64 values)
        vals = (start,) if stop is None else (start, stop, step)
        return _place(cls, np.arange(*vals, dtype=None if hd is None else hd.numpy), device)
    if stop is None:
        start, stop = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, stop, step)]
    if dtype is None:
        if any(isinstance(v, (float, np.floating)) for v in vals):  # np.float32(3.0) too
            dt = cls._default_float
        else:
            dt = D.int64
    else:
        dt = D.as_dtype(dtype)
    # NumPy steps in the target dtype (arange(0, 1, 0.1, dtype=float32)[-1] is 0.90000004)
    host = np.arange(*vals, dtype=dt.numpy if dt is not D.bfloat16 else np.float32).astype(
        dt.numpy, copy=False)
    return _place(cls, host, device, dt)


def _space_host(start):
    """A linspace/logspace bound as NumPy takes it (a trueno array is read to the host)."""
    return start.numpy() if isinstance(start, Tensor) else start


def _space_dtype(dtype, cls, host):
    """The result dtype: ``dtype``, else the face's default float (complex bounds: complex)."""
    if dtype is None and host.dtype.kind == "c":
        return D.as_dtype(host.dtype)
    return _dtype_or_default(dtype, cls)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *,
             device=None, cls=None):
    """``num`` evenly spaced samples over ``[start, stop]`` (NumPy's ``linspace``).

    ``retstep=True`` also returns the spacing, as NumPy; on the NumPy face integer dtypes
    round toward -inf, as NumPy does.
    """
    cls = cls or _DEFAULT_CLASS[0]
    if int(num) < 0:
        raise ValueError(f"linspace: number of samples, {num}, must be non-negative")
    host, step = np.linspace(_space_host(start), _space_host(stop), int(num),
                             endpoint=endpoint, retstep=True, axis=axis)
    dt = _space_dtype(dtype, cls, host)
    if dt.numpy.kind in "iu" and getattr(cls, "_face", "numpy") == "numpy":
        host = np.floor(host)
    out = _place(cls, host.astype(dt.numpy), device, dt)
    return (out, step) if retstep else out


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0, *,
             device=None, cls=None):
    """Numbers spaced evenly on a log scale (NumPy's ``logspace``)."""
    cls = cls or _DEFAULT_CLASS[0]
    host = np.logspace(_space_host(start), _space_host(stop), int(num), endpoint=endpoint,
                       base=_space_host(base), axis=axis)
    dt = _space_dtype(dtype, cls, host)
    return _place(cls, host.astype(dt.numpy), device, dt)


def eye(n_rows, n_cols=None, /, *, k=0, dtype=None, device=None, cls=None):
    cls = cls or _DEFAULT_CLASS[0]
    dt = _dtype_or_default(dtype, cls)
    return _place(cls, np.eye(n_rows, n_cols, k=k, dtype=dt.numpy), device, dt)


def identity(n, dtype=None, *, device=None, cls=None):
    return eye(n, dtype=dtype, device=device, cls=cls)


def meshgrid(*arrays, indexing="xy", sparse=False, copy=True):
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', not {indexing!r}")
    if len(arrays) == 1 and isinstance(arrays[0], (list, tuple)):
        arrays = tuple(arrays[0])
    arrays = [a if isinstance(a, Tensor) else asarray(a) for a in arrays]
    if not arrays:
        return ()
    cls = arrays[0].__class__
    if not copy:  # views of the inputs, broadcast unless sparse (as NumPy's copy=False)
        n = len(arrays)
        outs = []
        for i, a in enumerate(arrays):
            sh = [1] * n
            sh[i] = a.numel()
            if indexing == "xy" and n > 1:  # the first two axes swapped (Cartesian)
                sh[0], sh[1] = sh[1], sh[0]
            outs.append(a._reshape(tuple(sh)))
        if not sparse:
            full = tuple(max(o.shape[i] for o in outs) for i in range(n))
            outs = [o.expand_to(full) for o in outs]
        return tuple(outs)
    outs = np.meshgrid(*[a._host() for a in arrays], indexing=indexing, sparse=sparse,
                       copy=True)
    return tuple(_place(cls, o, arrays[0]._device, a._dtype) for o, a in zip(outs, arrays))


def _tri(x, k, upper):
    x = x if isinstance(x, Tensor) else asarray(x)
    if x.ndim == 1 and x._face == "numpy":  # NumPy: a 1-D row is broadcast to (n, n) first
        n = m = x.shape[0]
    elif x.ndim < 2:
        name = "triu" if upper else "tril"
        if x._face == "numpy":  # NumPy's error for 0-d input is a TypeError
            raise TypeError(f"{name}: input must be at least 1-D, got a 0-d array")
        raise ShapeError(f"{name}: input must be at least 2-D, got shape {x.shape}")
    else:
        n, m = x.shape[-2:]
    mask = np.tri(n, m, k=k - 1 if upper else k, dtype=bool)
    if upper:
        mask = ~mask
    from ._elementwise import where
    m_t = _place(x.__class__, mask, x._device, D.bool_)
    return where(m_t, x, zeros((), dtype=x._dtype, device=x._device, cls=x.__class__))


def tril(x, /, k=0):
    return _tri(x, k, False)


def triu(x, /, k=0):
    return _tri(x, k, True)


def from_dlpack(x, /, *, device=None, copy=None):
    """Wrap a DLPack-exporting object (a PyTorch tensor, a NumPy array) without copying."""
    arr = np.from_dlpack(x) if copy is None else np.from_dlpack(x, copy=copy)
    return asarray(arr, device=device)


def frombuffer(buffer, dtype=float, count=-1, offset=0, *, cls=None):
    dt = D.as_dtype(dtype)
    return _place(cls or _DEFAULT_CLASS[0],
                  np.frombuffer(buffer, dtype=dt.numpy, count=count, offset=offset), None, dt)

