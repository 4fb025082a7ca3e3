"""The dispatcher: validate once, pick the cached kernel, run it, wrap the result.

The hot path of ``a + b`` is: promotion-table hit, shape check (skipped when shapes are
equal), ``op.kcache`` hit, the kernel, one object allocation. No pluggy, no import, no
re-validation of cached facts. Autograd is a layer here: when grad mode is on and an input
requires grad, the engine registered by the autograd plugin records a node.
"""

from __future__ import annotations

import functools
import threading

import numpy as np

from . import _cast_on_load as C
from . import _dtypes as D
from . import _registry as R
from ._cast_order import cast_operands, cast_then_run, run_reporting
from ._device import CPU
from ._errors import DeviceError, DTypeError
from ._matmul_shapes import matmul_shapes  # noqa: F401  (X.matmul_shapes for the ops)
from ._views import broadcast_shapes

__all__ = ["STATE", "MODES", "kernel", "run", "unary", "binary", "cast_data", "wrap",
           "scalar_result"]


class _Modes(threading.local):
    """Grad mode and anomaly mode of the calling thread, as in PyTorch: a ``no_grad`` block or
    a ``backward()`` in one thread never changes what another thread records.

    The defaults are class attributes, so every new thread starts with grad mode on and
    anomaly mode off without running any code; a read is one thread-local attribute lookup.

    ``_Modes.anomaly_seen`` (a class attribute, the same in every thread) turns True the first
    time any thread turns anomaly mode on and stays so: while it is False the autograd engine
    skips the thread-local read of ``anomaly`` on each node it records or runs.
    """

    grad_enabled = True
    in_backward = False  # set by the autograd engine while it runs backward rules
    anomaly_seen = False
    _anomaly = False

    @property
    def anomaly(self) -> bool:
        return self._anomaly

    @anomaly.setter
    def anomaly(self, value: bool) -> None:
        if value:
            _Modes.anomaly_seen = True
        self._anomaly = value


MODES = _Modes()


class _State:
    """Process-wide dispatch state: the autograd engine (or None).

    ``grad_enabled`` and ``anomaly`` read and write the calling thread's ``MODES``; hot paths
    read ``MODES`` directly, and only after they found an input that requires grad.
    """

    __slots__ = ("autograd",)

    def __init__(self) -> None:
        self.autograd = None

    @property
    def grad_enabled(self) -> bool:
        return MODES.grad_enabled

    @grad_enabled.setter
    def grad_enabled(self, value: bool) -> None:
        MODES.grad_enabled = value

    @property
    def anomaly(self) -> bool:
        return MODES.anomaly

    @anomaly.setter
    def anomaly(self, value: bool) -> None:
        MODES.anomaly = value


STATE = _State()
_PYSCALARS = (bool, int, float, complex)
_ndarray = np.ndarray
_new = object.__new__
_GRADIENTS = R.registry.gradients  # op name -> the derivative rule a plugin registered


def wrap(cls, data, device=CPU, version=None, dtype=None):
    """A tensor of class ``cls`` over device array ``data``."""
    t = _new(cls)
    if device is CPU and data.__class__ is not np.ndarray:
        data = np.asarray(data)
    t._data = data
    t._dtype = dtype if dtype is not None else D.BY_NUMPY[data.dtype]
    t._device = device
    t._version = version if version is not None else [0]
    t._ag = None
    return t


def kernel(op, device, dtype):
    """The kernel for ``(op, device, dtype)``: a cache hit after the first call."""
    k = op.kcache.get(device._code | dtype._code)
    if k is None:
        k = R.resolve_kernel(op, device, dtype)
        if k is None:
            raise R.missing_kernel_error(op, device, dtype)
    return k


def run(op, inputs, datas, params, cls, device, dtype):
    """Run ``op`` on device arrays ``datas`` (already cast) and wrap the result.

    ``inputs`` are the original tensors, recorded by autograd. A device without a kernel
    runs the op's decomposition when it has one. While an autocast region is open somewhere
    (``_AC`` is set), the rows of its policy lists go through its hook first.
    """
    if _AC is not None and op.name in _AC_OPS:
        r = _AC.autocast_run(op, inputs, datas, params, cls, device, dtype)
        if r is not None:
            return r
    k = op.kcache.get(device._code | dtype._code)
    if k is None:
        k = R.resolve_kernel(op, device, dtype)
        if k is None:
            if op.decomposition is not None:
                return _tensor_result(op.decomposition(*inputs, **params), cls, device)
            raise R.missing_kernel_error(op, device, dtype)
    ag = STATE.autograd
    if ag is not None and op.differentiable:
        for t in inputs:
            if getattr(t, "_ag", None) is not None:
                if not MODES.grad_enabled:  # thread-local: read only when an input needs it
                    break
                if op.name not in _GRADIENTS and op.decomposition is not None:
                    return op.decomposition(*inputs, **params)
                out = k(*datas, **params)
                if out.__class__ is tuple:
                    res = _wrap_out(cls, out, device)
                else:  # wrap(cls, out, device), inlined: once per recorded op
                    if device is CPU and out.__class__ is not _ndarray:
                        out = np.asarray(out)
                    res = _new(cls)
                    res._data = out
                    res._dtype = D.BY_NUMPY[out.dtype]
                    res._device = device
                    res._version = [0]
                    res._ag = None
                ag.record(op, inputs, params, res)
                return res
    return _wrap_out(cls, k(*datas, **params), device)


def _tensor_result(r, cls, device):
    """An op's result as a tensor of the caller's face: a decomposition made of the NumPy
    face's operators gives a NumPy scalar for a 0-d result (``scalar_result``), which an op
    must not, and arrays it creates itself (``asarray``) are the NumPy face's class."""
    if isinstance(r, np.generic):
        return wrap(cls, np.asarray(r), device)
    if isinstance(r, tuple):
        return tuple(_tensor_result(x, cls, device) for x in r)
    if r.__class__ is not cls and getattr(r, "_ag", 0) is None:  # (recorded: keeps its node)
        return wrap(cls, r._data, r._device, dtype=r._dtype)
    return r


def _wrap_out(cls, out, device):
    if isinstance(out, tuple):
        return tuple(wrap(cls, o, device) for o in out)
    return wrap(cls, out, device)


def cast_data(t, dtype):
    """The device array of tensor ``t`` converted to ``dtype`` (no copy when it already is)."""
    if t._dtype is dtype:
        return t._data
    if t._device is CPU:
        return t._data.astype(dtype.numpy)
    return kernel(_ASTYPE, t._device, t._dtype)(t._data, dtype.numpy)


def check_device(name, a, b):
    if a._device is not b._device:
        raise DeviceError(
            f"{name}: expected all tensors on the same device, got {a._device} and "
            f"{b._device}\n  hint: move one with .to('{a._device}') (transfers are explicit)")


def check_accepts(op, dtype):
    if dtype not in op.accepts:
        hint = {"integer or boolean": "int32", "integer": "int32", "boolean": "bool",
                "real floating": "float32", "floating": "float32"}.get(op._accept_names,
                                                                          "float64")
        raise DTypeError(f"{op.name}: dtype {dtype.name} is not supported; expected "
                         f"{op._accept_names} input\n  hint: x.astype(trueno.{hint})")


def compute_dtype(op, dt, cls):
    """Dtype the kernel runs in, and the dtype of the result, for promoted input dtype ``dt``."""
    r = op.result
    if r == "promote":
        return dt, dt
    if r == "bool":
        return dt, D.bool_
    if r == "numpy_promote":  # np.reciprocal(int) is integer; torch.reciprocal(int) float
        if cls._face == "numpy":
            return dt, dt
        r = "float"
    if r == "float":
        if dt.kind in "fcm":  # (timedelta64 / timedelta64: NumPy's loop, NaT gives NaN)
            c = dt
        elif cls._face == "numpy" and op.name != "divide":
            c = D.promote(dt, D.float16)  # NumPy: np.sin(int8) is float16, int16 -> float32
        else:
            c = cls._default_float
        return c, c
    if r == "input_bool":
        return D.bool_, D.bool_
    if r == "real":
        return dt, (D.float32 if dt is D.complex64 else D.float64) if dt.kind == "c" else dt
    return dt, dt


def to_tensor(x, cls, like=None):
    """Turn a non-tensor operand (list, NumPy array) into a tensor of class ``cls``."""
    from ._creation import asarray
    device = like._device if like is not None else None
    return asarray(x, device=device, cls=cls)


def unary(op, x, **params):
    dt = x._dtype
    if dt not in op.accepts:
        check_accepts(op, dt)
    r = op.result
    if r == "promote" or (r == "float" and dt.kind in "fc"):
        ct = dt  # compute_dtype's answer for these, without its call
    else:
        ct, _ = compute_dtype(op, dt, x.__class__)
    data = x._data if ct is dt else cast_data(x, ct)
    return run(op, (x,), (data,), params, x.__class__, x._device, ct)


def binary_fn(op, reflected=False, operator=False):
    """The function (or operator method) for a binary op, with the hot paths inlined.

    Fast paths (everything validated when ``op.fast`` got the entry, by ``binary``'s first
    call of that case, whose kernel result was checked; with autograd recording, the entry's
    kernel runs and the engine records the node, as ``run`` does):

    - same class, dtype and device: ``op.fast[device | dtype] = (kernel, result dtype)``;
    - same class and device, another dtype (or the same one computed in another, as int /
      int): ``op.fast[(cls, device | dtype, other's code)]`` holds the kernel, the promoted
      dtype's casts (none for a kernel that casts on load) and the result dtype;
    - a Python scalar: ``op.fast[(cls, device | dtype, scalar type)]`` holds the kernel, the
      cast of the tensor, the scalar's conversion (weak-scalar promotion resolved once; an
      out-of-range int still takes ``binary``, which raises or widens as before), the result
      dtype and the last scalar object with its conversion and (for autograd, which saves
      the scalar as a 0-d tensor) its read-only 0-d array, reused when the same object comes
      again (NumPy scalars are immutable; identity, unlike ==, tells -0.0 from 0.0).

    Anything else goes through ``binary``.
    """
    fast_cache = op.fast
    ndarray = np.ndarray
    host_cast, isnan = ndarray.astype, np.isnan  # a CPU entry's caster (_caster); only
    f32, f64 = np.dtype(np.float32), np.dtype(np.float64)  # f32 -> f64 raises a named flag
    pyscalars = _PYSCALARS
    name = op.name
    differentiable = op.differentiable
    gradients = _GRADIENTS

    def fn(a, b):
        cls = a.__class__
        bc = b.__class__
        rec = False
        if a._ag is not None or (bc is cls and b._ag is not None):
            # autograd: grad mode off computes as without it; on, the cached paths run the
            # kernel and record, as ``run`` does, for ops with a registered rule (an op
            # without one runs its decomposition in ``binary``)
            if MODES.grad_enabled and differentiable:
                if name not in gradients:
                    return _slow(a, b)
                rec = True
        out = None
        if bc is cls:
            if a._device is b._device:
                dt = a._dtype
                dev = a._device
                xa, xb = a._data, b._data
                sa = xa.shape
                fast = fast_cache.get(dev._code | dt._code) if dt is b._dtype else None
                if fast is not None:
                    if sa != xb.shape and sa and xb.shape:  # a 0-d side always fits
                        broadcast_shapes(sa, xb.shape)
                    out = fast[0](xb, xa) if reflected else fast[0](xa, xb)
                    rdt = fast[1]
                elif (not sa) is (not xb.shape) or cls._weak_0d is None:
                    # another dtype, or one computed in another dtype (int / int); a face
                    # whose 0-d tensors are weak operands, as PyTorch's, takes ``binary``
                    # when exactly one side is 0-d
                    fast = fast_cache.get((cls, dev._code | dt._code, b._dtype._code))
                    if fast is not None:
                        if sa != xb.shape and sa and xb.shape:  # a 0-d side always fits
                            broadcast_shapes(sa, xb.shape)
                        k, cast_a, cast_b, npdt, rdt = fast
                        # NumPy's names for a float32 NaN's cast (_cast_order): only where
                        # NumPy may not cast before its loop (N-d, or 1-d > 1024, with the
                        # default getbufsize() 8192) and the operand holds a NaN
                        if (cast_a is host_cast or cast_b is host_cast) and npdt is f64 and (
                                (xa.dtype is f32 and (xa.size > 1024 or xa.ndim > 1 or
                                                      xb.ndim > 1) and isnan(xa).any()) or
                                (xb.dtype is f32 and (xb.size > 1024 or xb.ndim > 1 or
                                                      xa.ndim > 1) and isnan(xb).any())):
                            out = cast_then_run(op, k, npdt, xb, xa) if reflected else \
                                cast_then_run(op, k, npdt, xa, xb)
                        else:
                            if cast_a is not None:
                                xa = cast_a(xa, npdt)
                            if cast_b is not None:
                                xb = cast_b(xb, npdt)
                            out = k(xb, xa) if reflected else k(xa, xb)
        elif bc in pyscalars:
            dev = a._device
            fast = fast_cache.get((cls, dev._code | a._dtype._code, bc))
            if fast is not None and (not rec or dev is CPU):
                k, cast_a, npdt, conv, rdt, last = fast
                prev = last[0]  # (b, conv(b)) of the previous call: a loop's constant
                if prev[0] is b:
                    xb = prev[1]
                else:
                    try:
                        xb = conv(b)
                    except OverflowError:  # binary raises or widens, as NumPy 2 does
                        xb = None
                    else:
                        last[0] = (b, xb)
                if xb is not None:
                    xa = a._data
                    sa = xa.shape
                    if cast_a is not None:
                        xa = cast_a(xa, npdt)
                    out = k(xb, xa) if reflected else k(xa, xb)
                    if rec:  # autograd saves the scalar as a 0-d tensor, as binary does
                        prev = last[1]  # a read-only 0-d tensor, made once per scalar object
                        if prev[0] is b:
                            b = prev[1]
                        else:
                            arr = np.asarray(xb)
                            arr.flags.writeable = False
                            t = _new(cls)
                            t._data = arr
                            t._dtype = D.BY_NUMPY[arr.dtype]
                            t._device = CPU
                            t._version = [0]
                            t._ag = None
                            last[1] = (b, t)
                            b = t
        if out is None:
            return _slow(a, b)
        if out.__class__ is not ndarray and dev is CPU:
            out = np.asarray(out)
        if not rec and not sa and not out.shape and dev is CPU and cls._face == "numpy" \
                and not MODES.in_backward:
            return out[()]  # NumPy: a ufunc's 0-d result is a scalar
        t = _new(cls)
        t._data = out
        t._dtype = rdt
        t._device = dev
        t._version = [0]
        t._ag = None
        if rec:
            if reflected:
                STATE.autograd.record_binary(op, b, a, t)
            else:
                STATE.autograd.record_binary(op, a, b, t)
            if not out.shape:
                return scalar_result(t)
        return t

    def _slow(a, b):
        if operator and b.__class__ in (str, bytes) and name == "multiply" and not a.ndim:
            return NotImplemented  # "-" * a[i]: sequence repetition through __index__
        r = binary(op, a, b, reflected)
        if not r._data.shape:
            return scalar_result(r)
        return r
    return fn


def scalar_result(t):
    """What the NumPy face's ufuncs (functions and operators, not ``binary``/``unary``, which
    trueno's own code and in-place operators call) return for a result ``t``: a NumPy scalar
    where ``t`` is 0-d on the CPU and not recorded by autograd, as NumPy's ufuncs do without
    ``out=``; ``t`` itself otherwise (the PyTorch face, other devices, n-d results).

    While autograd runs backward rules (``MODES.in_backward``, on 0-d gradients of a scalar
    loss) 0-d results stay arrays: the rules compute with arrays.
    """
    if t.__class__._face == "numpy" and not t._data.shape and t._ag is None and \
            t._device is CPU and not MODES.in_backward:
        return t._data[()]
    return t


def binary(op, a, b, reflected=False):
    """Elementwise binary op; ``a`` is a tensor, ``b`` a tensor, scalar or array-like."""
    cls = a.__class__
    scalar = None
    if isinstance(b, Tensor):
        if a._device is not b._device:
            check_device(op.name, a, b)
        da, db = a._dtype, b._dtype
        if da is not db and cls._weak_0d is not None and \
                (not a._data.shape) is not (not b._data.shape):
            wa, wb = cls._weak_0d(a, b)
            if wa is not a or wb is not b:
                return binary(op, wa, wb, reflected)
        dt = da if da is db else D.PROMOTION.get((da, db, cls._face)) or \
            D.promote(da, db, cls._face)
    elif b.__class__ in _PYSCALARS:
        dt = D.weak_scalar_dtype(b, a._dtype, cls._default_float)
        da = a._dtype
        scalar = b.__class__
    else:
        return binary(op, a, to_tensor(b, cls, a), reflected)
    if dt not in op.accepts:
        check_accepts(op, dt)
    if dt is D.bool_ and op.name in _BOOL_AS_LOGICAL:  # bool + bool is logical or
        return binary(_BOOL_AS_LOGICAL[op.name], a, b, reflected)
    ct, _ = compute_dtype(op, dt, cls)
    # a raw host pair (datetime64/timedelta64 with ints, floats or the other time kind): its
    # kernel is NumPy's ufunc on the operands as they are, in operand order
    raw = getattr(ct, "raw", False)
    cast_flags = 0
    if isinstance(b, Tensor) and a._device is CPU and not raw and \
            (a._dtype is not ct or b._dtype is not ct):  # NumPy's names for the casts' errors
        x1, x2, cast_flags = cast_operands(*((b._data, a._data) if reflected else
                                             (a._data, b._data)), ct.numpy)
        xa, xb = (x2, x1) if reflected else (x1, x2)
    else:
        xa = a._data if a._dtype is ct or raw else cast_data(a, ct)
        if isinstance(b, Tensor):
            xb = b._data if b._dtype is ct or raw else cast_data(b, ct)
    if isinstance(b, Tensor):
        if xa.shape != xb.shape:
            broadcast_shapes(xa.shape, xb.shape)
        inputs = (b, a) if reflected else (a, b)
    else:
        try:
            xb = ct.type(b)
        except OverflowError:
            if op.result == "bool" and ct.kind in "iu":
                # NumPy 2 compares with any Python int (uint8_array < -3 is all False)
                wide = D.int64 if -2**63 <= b < 2**63 and ct is not D.uint64 else D.float64
                return binary(op, a.astype(wide, copy=False), b, reflected)
            from ._errors import ScalarOverflowError
            raise ScalarOverflowError(f"{op.name}: Python integer {b} out of bounds for "
                                      f"{ct.name}") from None
        if STATE.autograd is not None and a._ag is not None:
            b = wrap(cls, np.asarray(xb), CPU) if a._device is CPU else \
                wrap(cls, R.device_api(a._device).full((), b, ct.numpy, a._device.index),
                     a._device)
        inputs = (b, a) if reflected else (a, b)
    datas = (xb, xa) if reflected else (xa, xb)
    out = run(op, inputs, datas, {}, cls, a._device, ct) if not cast_flags else \
        run_reporting(op, cast_flags, functools.partial(run, op, inputs, datas, {}, cls,
                                                        a._device, ct))  # (NumPy's iterator)
    key = a._device._code | ct._code
    k = op.kcache.get(key)
    if k is not None and getattr(k, "kernel", None) is None:  # checked (kernel_check) and raw
        dcode = a._device._code
        if scalar:
            fkey = (cls, dcode | da._code, scalar)
            if fkey not in op.fast:
                store_fast_entry(op, key, k, fkey, (k, _caster(a, ct), ct.numpy,
                                                    _scalar_conv(a._device, ct),
                                                    out._dtype, [(None, None), (None, None)]))
        elif b.__class__ is cls:
            if ct is da and b._dtype is da:
                if key not in op.fast:
                    store_fast_entry(op, key, k, key, (k, out._dtype))
            elif a._device is b._device and not raw:  # (a raw pair's casters would cast)
                fkey = (cls, dcode | da._code, b._dtype._code)
                if fkey not in op.fast:
                    store_fast_entry(op, key, k, fkey, _mixed_entry(op, a, b, ct, k, out,
                                                                    reflected))
    return out


def _mixed_entry(op, a, b, ct, k, out, reflected):
    """The fast entry of tensors ``a`` and ``b`` of different dtypes computed in ``ct`` by
    kernel ``k``: the backend's cast-on-load kernel, called on the operands as they are, if
    it declared one for both dtypes (``_cast_on_load``; its first result, checked here
    against ``out``, must be the cast-then-op result), else ``k`` after host casts."""
    if R._bypass[0] == 0 and (_AC is None or op.name not in _AC_OPS):  # (else never stored)
        found = C.kernel_for(R.candidates(a._device, R.forced_backend()), op, ct, a._dtype,
                             b._dtype, k)
        if found is not None:
            args = (b._data, a._data) if reflected else (a._data, b._data)
            C.check_first_result(op, ct, found[0], found[1], args, out._data, a._device)
            return (found[0], None, None, ct.numpy, out._dtype)
    return (k, _caster(a, ct), _caster(b, ct), ct.numpy, out._dtype)


def _scalar_conv(device, ct):
    """How the scalar fast path converts a Python scalar for ``ct``'s kernel (raising
    OverflowError as ``binary``'s ``ct.type(b)`` does, with the same value): into a 0-d
    array on the CPU, which trueno-simd's small-array loop takes directly (a NumPy scalar
    goes through its broadcasting iterator, ~0.4 us more per call), and into the NumPy
    scalar elsewhere (device kernels take NumPy scalars)."""
    if device is CPU and ct.kind in "biufc":
        return functools.partial(np.asarray, dtype=ct.numpy)
    return ct.type


def _caster(t, ct):
    """How the fast path casts tensor ``t``'s data to ``ct``: None when it is ``ct`` already,
    else a function ``(data, numpy dtype) -> data`` (NumPy's astype on the CPU, the device's
    astype kernel elsewhere), as ``cast_data`` does."""
    if t._dtype is ct:
        return None
    if t._device is CPU:
        return _ndarray.astype
    return kernel(_ASTYPE, t._device, t._dtype)


def store_fast_entry(op, key, k, fkey, entry) -> None:
    """Put ``entry`` (built around kernel ``k``) in ``op.fast[fkey]`` if ``k`` is still the
    cached kernel for ``key`` and no thread forces another backend (``store_fast``'s rule;
    ``use_backend`` clears ``op.fast`` with ``op.kcache``), nor while an autocast region holds
    ``op`` off its fast paths (``set_autocast``)."""
    with R._cache_lock:
        if R._bypass[0] == 0 and op.kcache.get(key) is k and \
                (_AC is None or op.name not in _AC_OPS):
            op.fast[fkey] = entry


_AC = None  # the autocast module while some thread holds an enabled autocast region
_AC_OPS: frozenset = frozenset()  # the row names its hook handles


def set_autocast(module, hooked: frozenset) -> None:
    """Called by ``_autocast`` when the first autocast region of the process opens (``module``
    is ``_autocast``) and when the last one closes (None). While set, ``run`` hands the rows
    named in ``hooked`` to ``module.autocast_run``, and their fast paths (``op.fast``, which
    skip ``run``) are emptied and stay empty, under the cache lock as every store."""
    global _AC, _AC_OPS
    from ._optable import OPS
    with R._cache_lock:
        _AC_OPS = hooked
        _AC = module
        if module is not None:
            for name in hooked:
                row = OPS.get(name)
                if row is not None:
                    row.fast.clear()


_ASTYPE = None
_BOOL_AS_LOGICAL: dict = {}  # add -> logical_or, multiply -> logical_and (set by _bind)
Tensor = None  # set by _tensor at import (avoids an import cycle)


def _bind(tensor_cls, optable) -> None:
    global Tensor, _ASTYPE
    Tensor = tensor_cls
    _ASTYPE = optable["astype"]
    _BOOL_AS_LOGICAL.update(add=optable["logical_or"], multiply=optable["logical_and"])
