"""``trueno.backend``: the public API for backend and autograd plugins.

Everything a plugin package (trueno-gpu, trueno-simd, trueno-autograd, trueno-nn,
trueno-hub, a third-party backend) needs from core is importable from here or from
``trueno`` itself; a plugin never imports core's private modules (``trueno._x``), and
``packages/trueno-core/tests/test_backend_api.py`` checks that. The objects are core's own
(re-exported, not copied), so ``trueno.backend.StridedArray is trueno.StridedArray``.
docs/backend-api.md is the guide for a backend author; this docstring is the reference.

A plugin registers itself through the ``trueno`` entry-point group and the hooks in
``trueno.hookspecs`` (``@trueno.hookimpl def trueno_register_backends(registry)``); the
``registry`` argument it receives is the only way to add backends, devices, ops, gradient
rules and the autograd engine (``registry.set_autograd(engine)``).

Device arrays
    ``StridedArray``: the array of every non-CPU device, ``(storage, offset, shape, strides,
    dtype)`` with strides and offset in elements. ``contiguous_strides(shape)``,
    ``is_contiguous(shape, strides)``, ``reshape_strides(shape, strides, new_shape)``: stride
    helpers. ``basic_index(data, key)``, ``diagonal(data, offset, axis1, axis2)``: views of a
    device array (NumPy array or ``StridedArray``) computed on its metadata.
    ``is_basic_key(key)``: whether an index key gives a view (ints, slices, None, Ellipsis).
    ``broadcast_shapes(*shapes)``: the broadcast shape or a ``ShapeError``.

Dtypes
    ``DType`` (the class of ``trueno.float32`` and the other dtype objects), ``as_dtype(x)``
    (a ``DType`` from a trueno/NumPy dtype, scalar type or name), ``dtype_of(numpy_dtype)``
    (the ``DType`` of a device array's NumPy dtype), ``all_dtypes()`` (every dtype),
    ``promote(a, b, face)`` (the promotion table).

Devices
    ``Device`` (a device: type and index), ``CPU`` (the CPU device), ``DeviceAPI`` (what a
    backend subclasses to add a device whose storage is not a NumPy buffer),
    ``device_api(device)`` (the registered ``DeviceAPI`` of a device).

Op table (read access)
    ``Op`` (a row: name, arity, dtype and shape rules, decomposition), ``get_op(name)`` (the
    row named ``name``), ``has_op(name)`` (whether there is one), ``op_names()`` (the names
    of every row). Kernels are looked up by op
    name; a kernel receives device arrays already cast to the dtype it was registered for,
    plus the op's parameters as keyword arguments, and returns a device array (or a tuple).

Kernels that cast on load
    ``registry.add_backend(..., cast_on_load={op name: {compute dtype name: (kernel,
    operand dtype names)}})`` declares, for a binary elementwise op, a kernel that computes
    in that dtype from operands of any of the named dtypes as they are: it converts each
    element as ``astype`` would (bit for bit), so ``int32 + float32`` needs no host cast.
    The dispatcher's promotion still chooses the compute dtype (each face its own); the
    declaration is read once per dtype pair, when the cached entry is built, and only for the
    backend whose kernel was chosen; that first call checks the kernel's result against
    cast-then-op (``BackendError`` if it differs). docs/design.md §9 has the contract.

Dispatch (for autograd rules and plugins that run ops on device arrays)
    ``kernel(op, device, dtype)`` (the resolved, cached kernel), ``run(op, inputs, datas,
    params, cls, device, dtype)`` (run a kernel, record autograd, wrap the result),
    ``wrap(cls, data, device, version, dtype)`` (a tensor over a device array),
    ``cast_data(t, dtype)`` (a tensor's device array in another dtype).

Plugins and autograd
    ``hookimpl`` (the pluggy marker for hook implementations), ``load_plugins()`` (register
    every plugin once; returns the registry), ``autograd_engine()`` (the engine installed with
    ``registry.set_autograd``, or None), ``gradient_rule(op_name)`` (the derivative rule a
    plugin registered for an op, or None), ``AutogradMeta`` (the per-tensor autograd state in
    ``tensor._ag``), ``MODES`` (the calling thread's modes: ``grad_enabled``, ``anomaly``,
    ``in_backward``; a ``threading.local``, so reads and writes affect only the calling
    thread; the autograd engine sets ``in_backward`` while it runs backward rules).
    The engine object core calls: ``record(op, inputs, params, output)`` (a recorded op),
    ``record_binary(op, a, b, output, params)`` (the binary fast paths' recording, without
    building an inputs tuple), ``retain_grad(t)`` (``t.retain_grad()``: the engine keeps a
    reference to ``t`` only then), ``backward``/``grad`` (the graph walk); ``MODES.anomaly``
    is read per node only after some thread turned anomaly mode on
    (``trueno_autograd._engine._Modes.anomaly_seen``).

Errors (DESIGN.md section 5)
    ``TruenoError`` (the base), ``DeviceError``, ``BackendError``, ``DTypeError``,
    ``ShapeError``, ``AxisError``, ``TruenoIndexError``, ``LinAlgError``.
"""

from __future__ import annotations

from . import _dispatch, _registry, _views
from ._autograd_surface import AutogradMeta
from ._device import CPU, Device, DeviceAPI
from ._dtypes import ALL as _ALL_DTYPES
from ._dtypes import BY_NUMPY as _BY_NUMPY
from ._dtypes import DType, as_dtype, promote
from ._errors import (
    AxisError, BackendError, DeviceError, DTypeError, LinAlgError, ShapeError, TruenoError,
    TruenoIndexError,
)
from ._optable import OPS as _OPS
from ._optable import Op
from ._registry import load_plugins
from ._strided import StridedArray, contiguous_strides, is_contiguous, reshape_strides
from ._views import basic_index, broadcast_shapes, diagonal
from .hookspecs import hookimpl

__all__ = [
    # device arrays
    "StridedArray", "contiguous_strides", "is_contiguous", "reshape_strides", "basic_index",
    "diagonal", "is_basic_key", "broadcast_shapes",
    # dtypes
    "DType", "as_dtype", "dtype_of", "all_dtypes", "promote",
    # devices
    "Device", "CPU", "DeviceAPI", "device_api",
    # op table
    "Op", "get_op", "has_op", "op_names",
    # dispatch
    "kernel", "run", "wrap", "cast_data",
    # plugins and autograd
    "hookimpl", "load_plugins", "autograd_engine", "gradient_rule", "AutogradMeta", "MODES",
    # errors
    "TruenoError", "DeviceError", "BackendError", "DTypeError", "ShapeError", "AxisError",
    "TruenoIndexError", "LinAlgError",
]

kernel = _dispatch.kernel
run = _dispatch.run
wrap = _dispatch.wrap
cast_data = _dispatch.cast_data
MODES = _dispatch.MODES


def is_basic_key(key) -> bool:
    """Whether index ``key`` is basic (ints, slices, None, Ellipsis): ``x[key]`` is a view."""
    return _views.is_basic_key(key)


def device_api(device: Device) -> DeviceAPI:
    """The ``DeviceAPI`` registered for ``device``'s type (loads plugins on first use).

    Raises ``DeviceError`` naming the installed device types when there is none.
    """
    return _registry.device_api(device)


def dtype_of(numpy_dtype) -> DType:
    """The trueno ``DType`` whose storage dtype is ``numpy_dtype`` (a device array's dtype).

    Raises ``DTypeError`` for a NumPy dtype trueno has no dtype for.
    """
    try:
        d = _BY_NUMPY[numpy_dtype]
    except (KeyError, TypeError):
        d = as_dtype(numpy_dtype)
    if d._code >= 64:  # strings, object, datetime, structured (CPU only): no device array
        raise DTypeError(f"dtype_of: {d} is a CPU-only dtype (NumPy storage); a device array "
                         f"holds numbers and bools only")
    return d


def all_dtypes() -> tuple[DType, ...]:
    """Every trueno dtype, in core's order (bool, integers, floats, complex)."""
    return tuple(_ALL_DTYPES)


def get_op(name: str) -> Op:
    """The op-table row named ``name`` (e.g. ``get_op("add")``).

    Raises ``BackendError`` for a name that is no op (ops that a submodule adds, such as
    ``trueno.linalg``'s, exist once that module was imported).
    """
    row = _OPS.get(name)
    if row is None:
        raise BackendError(f"get_op({name!r}): no op of that name in the op table\n"
                           f"  hint: op_names() lists them; linalg/fft ops appear once "
                           f"trueno.linalg / trueno.fft is imported")
    return row


def has_op(name: str) -> bool:
    """Whether the op table has a row named ``name``."""
    return name in _OPS


def op_names() -> tuple[str, ...]:
    """The names of every row now in the op table."""
    return tuple(_OPS)


def autograd_engine():
    """The autograd engine a plugin installed with ``registry.set_autograd``, or None.

    Does not load plugins: an engine that is not yet registered reads as None.
    """
    return _dispatch.STATE.autograd


def gradient_rule(op_name: str):
    """The derivative rule registered with ``registry.add_gradient(op_name, rule)``, or None."""
    return _registry.registry.gradients.get(op_name)
