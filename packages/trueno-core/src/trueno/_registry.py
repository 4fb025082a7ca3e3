"""The registry plugins fill once through pluggy, and the cached kernel lookup built on it.

pluggy runs only in ``load_plugins`` (once per process). The per-call path is
``op.kcache[device._code | dtype._code]``: one dict hit on a small int. The cache is cleared
when a backend is added, and kept empty while any thread is inside ``use_backend`` with a
choice other than the process default (``TRUENO_BACKEND``): the forced choice is the calling
thread's, so those threads resolve their kernels on every call instead.

Registration is all or nothing per plugin: everything a plugin adds is recorded, and undone
if any of its hooks raises, so a plugin that is reported "skipped" leaves nothing behind. A
hook with no spec (a misspelled name) skips its plugin the same way (``check_pending``).
"""

from __future__ import annotations

import contextlib
import os
import threading
import warnings
from dataclasses import dataclass, field
from importlib.metadata import entry_points

import pluggy

from . import hookspecs
from ._cast_on_load import check_declaration
from ._device import CPU, Device, DeviceAPI
from ._errors import BackendError, DeviceError, DTypeError
from ._host_dtypes import HOST_CODE, check_device, kernel_for
from ._kernel_check import CHECKED_SHAPES, check_result
from ._optable import OPS, Op

__all__ = ["Backend", "Registry", "registry", "backends", "use_backend",
           "register_plugin", "unregister_plugin", "primitives_only",
           "primitives_only_active"]


@dataclass
class Backend:
    """A registered backend: where it runs, how it ranks, and its kernels."""

    name: str
    devices: tuple[str, ...]
    priority: int
    kernels: dict
    set_num_threads: object = None
    plugin: str = ""
    tolerances: dict = field(default_factory=dict)
    cast_on_load: dict = field(default_factory=dict)  # see _cast_on_load

    def kernel(self, op_name: str, dtype_name: str):
        k = self.kernels.get(op_name)
        if isinstance(k, dict):
            return k.get(dtype_name)
        return k

    def dtypes_for(self, op_name: str) -> list[str] | None:
        k = self.kernels.get(op_name)
        if k is None:
            return []
        if isinstance(k, dict):
            return sorted(k)
        return None  # every dtype


class Registry:
    """What plugins fill: backends, devices, ops, gradient rules, formats, models."""

    def __init__(self) -> None:
        self.backends: dict[str, Backend] = {}
        self.devices: dict[str, DeviceAPI] = {}
        self.gradients: dict[str, object] = {}
        self.autograd = None
        self.formats: dict[str, dict] = {}
        self.models: dict[str, object] = {}
        self.plugins: list[str] = []
        self.failed: dict[str, str] = {}
        self.loaded = False
        self._current_plugin = ""
        self._journal: list | None = None  # undo steps of the plugin whose hook is running
        self._journals: dict[str, list] = {}  # undo steps of each plugin that registered

    # -- called by plugins --------------------------------------------------------------------
    def add_backend(self, name: str, devices, priority: int, kernels: dict, *,
                    set_num_threads=None, tolerances: dict | None = None,
                    cast_on_load: dict | None = None) -> None:
        """Add a backend. ``kernels`` maps op name -> kernel or {dtype name: kernel}.

        Kernels may name ops that a module adds to the table when it is first imported
        (``trueno.linalg``, ``trueno.fft``); ``unknown_kernels()`` lists names that never
        became ops, for tests. ``cast_on_load`` maps a binary elementwise op's name to
        ``{compute dtype name: (kernel, operand dtype names)}``: kernels that read operands
        of those dtypes uncast and convert them as ``astype`` would (``trueno._cast_on_load``,
        docs/design.md §9); a malformed one raises ``BackendError``.
        """
        mixed = check_declaration(name, cast_on_load)
        b = Backend(name, tuple(devices), int(priority), dict(kernels), set_num_threads,
                    self._current_plugin, tolerances or {}, mixed)
        self._put(self.backends, name, b)
        clear_kernel_cache()

    def unknown_kernels(self) -> dict[str, list[str]]:
        """Kernel names, per backend, that match no op in the table."""
        return {b.name: sorted(set(b.kernels) - set(OPS)) for b in self.backends.values()
                if set(b.kernels) - set(OPS)}

    def add_device(self, api: DeviceAPI) -> None:
        """Add a device type whose arrays are ``StridedArray`` views over the api's storage."""
        if not api.type or api.type == "cpu":
            raise BackendError("a device api needs a type other than 'cpu'")
        self._put(self.devices, api.type, api)

    def add_op(self, row: Op) -> None:
        self._put(OPS, row.name, row)

    def add_gradient(self, op_name: str, rule) -> None:
        self._put(self.gradients, op_name, rule)

    def set_autograd(self, engine) -> None:
        from . import _dispatch
        before = (self.autograd, _dispatch.STATE.autograd)
        if self._journal is not None:
            def undo():
                if self.autograd is engine:
                    self.autograd, _dispatch.STATE.autograd = before
            self._journal.append(undo)
        self.autograd = engine
        _dispatch.STATE.autograd = engine

    def add_format(self, name: str, **funcs) -> None:
        self._put(self.formats, name, funcs)

    def add_model(self, name: str, constructor) -> None:
        self._put(self.models, name, constructor)

    # -- all-or-nothing registration --------------------------------------------------------
    def _put(self, table: dict, key, value) -> None:
        """``table[key] = value``, recorded in the running plugin's journal for a rollback."""
        if self._journal is not None:
            prev = table.get(key, _MISSING)

            def undo():
                if table.get(key, _MISSING) is value:  # a later plugin may have replaced it
                    if prev is _MISSING:
                        del table[key]
                    else:
                        table[key] = prev
            self._journal.append(undo)
        table[key] = value


_MISSING = object()
registry = Registry()
_lock = threading.RLock()


def _blocked() -> set[str]:
    raw = os.environ.get("TRUENO_BLOCK_PLUGINS", "")
    return {p.strip() for p in raw.split(",") if p.strip()}


_HOOKS = ("trueno_register_ops", "trueno_register_backends", "trueno_register_gradients",
          "trueno_register_formats")


def _skip(pm, name: str, why: str, exc: BaseException) -> None:
    """Report plugin ``name`` as skipped (a warning that names it and why) and unregister it."""
    registry.failed[name] = f"{type(exc).__name__}: {exc}"
    if name in registry.plugins:
        registry.plugins.remove(name)
    if pm.get_plugin(name) is not None:
        pm.unregister(name=name)
    warnings.warn(f"trueno plugin {name!r} {why} and was skipped: {type(exc).__name__}: {exc}",
                  RuntimeWarning, stacklevel=3)


def _add_plugin(pm, module, name: str, where: str = "") -> bool:
    """Register ``module`` with pluggy; a hookimpl with no hookspec skips it (a warning)."""
    try:
        pm.register(module, name=name)
        pm.check_pending()  # a misspelled hook, e.g. trueno_register_backend
    except Exception as exc:
        if name == "reference":
            raise
        hint = ""
        if isinstance(exc, pluggy.PluginValidationError) and "unknown hook" in str(exc):
            hint = f" (trueno's hooks are: {', '.join(_HOOKS + ('trueno_register_models',))})"
        _skip(pm, name, f"{where}has a hook trueno cannot call{hint}", exc)
        return False
    registry.plugins.append(name)
    return True


def _run_hooks(pm, hook_names, plugins=None, scope: str = "") -> None:
    """Call each hook of each plugin in order, each plugin in its own transaction: a plugin
    whose hook raises is rolled back (everything it added is removed) and skipped.

    ``scope="models"`` (the hub's lazy ``trueno_register_models``) rolls back only the
    models of a plugin whose hook raises; its backends, already in use, stay.
    """
    failed: dict[str, BaseException] = {}
    for hook_name in hook_names:
        for impl in getattr(pm.hook, hook_name).get_hookimpls():
            name = impl.plugin_name
            if name in failed or (plugins is not None and name not in plugins):
                continue
            journal = registry._journals.setdefault(name + scope, [])
            registry._journal, registry._current_plugin = journal, name
            try:
                impl.function(registry=registry)
            except Exception as exc:
                if name == "reference":
                    raise
                failed[name] = exc
                _rollback(name + scope)
            finally:
                registry._journal, registry._current_plugin = None, ""
    for name, exc in failed.items():
        if scope:
            registry.failed[name + scope] = f"{type(exc).__name__}: {exc}"
            what = scope.strip(":")
            warnings.warn(f"trueno plugin {name!r} failed to register its {what} and they were "
                          f"skipped: {type(exc).__name__}: {exc}", RuntimeWarning, stacklevel=3)
        else:
            _skip(pm, name, "failed to register (nothing it registered was kept)", exc)


def _rollback(name: str) -> None:
    for undo in reversed(registry._journals.pop(name, [])):
        undo()
    clear_kernel_cache()


def load_plugins() -> Registry:
    """Find and register every plugin once (reference backend first, then entry points)."""
    if registry.loaded:
        return registry
    with _lock:
        if registry.loaded:
            return registry
        pm = pluggy.PluginManager(hookspecs.PROJECT)
        pm.add_hookspecs(hookspecs)
        from ._reference import plugin as reference
        _add_plugin(pm, reference, "reference")
        if os.environ.get("TRUENO_DISABLE_PLUGIN_AUTOLOAD", "") not in ("", "0"):
            eps = []
        else:
            eps = entry_points(group=hookspecs.PROJECT)
        blocked = _blocked()
        for ep in eps:
            if ep.name in blocked or ep.name in registry.plugins:
                continue
            try:
                module = ep.load()
            except Exception as exc:  # a broken plugin must never break `import trueno`
                _skip(pm, ep.name, f"({ep.value}) failed to load", exc)
                continue
            _add_plugin(pm, module, ep.name, f"({ep.value}) ")
        _run_hooks(pm, _HOOKS)
        registry._pm = pm
        registry.loaded = True
        from ._threads import apply_thread_count
        apply_thread_count()
        return registry


def register_plugin(module, name: str) -> bool:
    """Register one more plugin module after loading, as an entry point would be.

    Its hooks run in one transaction: if one raises, or the module has a hook with no spec,
    it warns, leaves nothing behind and returns False. For tests and tools; a package that
    is installed is found through its ``trueno`` entry point.
    """
    reg = load_plugins()
    with _lock:
        if name in reg.plugins:
            raise BackendError(f"register_plugin: a plugin named {name!r} is already "
                               f"registered\n  hint: unregister_plugin({name!r}) first")
        if not _add_plugin(reg._pm, module, name):
            return False
        _run_hooks(reg._pm, _HOOKS, {name})
        if name in reg.failed and name not in reg.plugins:
            return False
        reg.failed.pop(name, None)
        if reg.models:  # the hub was already loaded: add this plugin's models now
            _run_hooks(reg._pm, ("trueno_register_models",), {name}, ":models")
        from ._threads import apply_thread_count
        apply_thread_count()
        return name in reg.plugins


def unregister_plugin(name: str) -> None:
    """Remove everything plugin ``name`` registered (the rollback of ``register_plugin``)."""
    reg = load_plugins()
    if name == "reference":
        raise BackendError("unregister_plugin: the reference backend cannot be removed")
    with _lock:
        _rollback(name + ":models")
        _rollback(name)
        if name in reg.plugins:
            reg.plugins.remove(name)
        if reg._pm.get_plugin(name) is not None:
            reg._pm.unregister(name=name)
        reg.failed.pop(name, None)


def load_models() -> dict:
    """Call ``trueno_register_models`` once (the hub is loaded only when used)."""
    reg = load_plugins()
    if not reg.models:
        with _lock:
            if not reg.models:
                _run_hooks(reg._pm, ("trueno_register_models",), scope=":models")
    return reg.models


def backends() -> list[dict]:
    """The backends that were found, highest priority first.

    Examples
    --------
    >>> import trueno as tn
    >>> any(b["name"] == "reference" for b in tn.backends())
    True
    """
    reg = load_plugins()
    out = [{"name": b.name, "devices": b.devices, "priority": b.priority, "plugin": b.plugin,
            "ops": len(b.kernels)} for b in reg.backends.values()]
    return sorted(out, key=lambda b: -b["priority"])


# -- the forced backend (environment variable or context manager) ---------------------------

_DEFAULT_FORCED: str | None = os.environ.get("TRUENO_BACKEND") or None
_local = threading.local()  # .forced: this thread's use_backend stack
_cache_lock = threading.Lock()  # guards every store into op.kcache / op.fast
_bypass = [0]  # use_backend blocks (all threads) whose choice differs from the default
_verified: dict = {}  # (op name, cache key, id(kernel)) -> kernel whose first result passed


def _clear_caches() -> None:
    for row in OPS.values():
        row.kcache.clear()
        row.kmiss.clear()
        row.fast.clear()


def clear_kernel_cache() -> None:
    """Forget every cached kernel (after a backend was added or removed)."""
    with _cache_lock:
        _clear_caches()


def _may_store(forced) -> bool:
    """Whether the shared cache may take a kernel resolved under ``forced`` (hold the lock)."""
    return _bypass[0] == 0 and forced == _DEFAULT_FORCED


def store_fast(op: Op, key: int, k, result_dtype) -> None:
    """Put ``(k, result_dtype)`` in ``op.fast`` (the binary hot path) if ``k`` is still the
    cached kernel: a racing ``use_backend`` that cleared the cache never sees it come back."""
    with _cache_lock:
        if _bypass[0] == 0 and op.kcache.get(key) is k:
            op.fast[key] = (k, result_dtype)


@contextlib.contextmanager
def use_backend(name: str | None):
    """Force backend ``name`` (e.g. ``"reference"``) inside a ``with`` block, in this thread.

    The choice is the calling thread's (as PyTorch's modes are): other threads keep theirs.
    On the CPU a forced fast backend still falls back to the reference kernels for ops it
    lacks; forcing ``"reference"`` uses the reference kernels only; ``None`` lifts any
    forcing (``TRUENO_BACKEND`` included) and lets priorities decide.

    Examples
    --------
    >>> import trueno as tn
    >>> with tn.use_backend("reference"):
    ...     (tn.ones(3) * 2).tolist()
    [2.0, 2.0, 2.0]
    """
    reg = load_plugins()
    if name is not None and name not in reg.backends:
        raise BackendError(f"unknown backend {name!r}; found: {', '.join(reg.backends)}")
    stack = _local.__dict__.setdefault("forced", [])
    differs = name != _DEFAULT_FORCED
    if differs:
        # While any thread forces another choice the shared cache stays empty, so that no
        # thread's hot path finds a kernel chosen for another thread.
        with _cache_lock:
            _bypass[0] += 1
            _clear_caches()
    stack.append(name)
    try:
        yield
    finally:
        stack.pop()
        if differs:
            with _cache_lock:
                _bypass[0] -= 1


# -- primitives-only mode (docs/design.md §2.1) ---------------------------------------------

_DEFAULT_PRIMS = os.environ.get("TRUENO_PRIMITIVES_ONLY", "") not in ("", "0")


def primitives_only_active() -> bool:
    """Whether the calling thread runs in primitives-only mode (``primitives_only`` or
    ``TRUENO_PRIMITIVES_ONLY=1``)."""
    return _DEFAULT_PRIMS or getattr(_local, "prims", 0) > 0


@contextlib.contextmanager
def primitives_only():
    """Run every op that has a decomposition through it, in this thread: only the rows of the
    primitive set (``trueno._optable.PRIMITIVES``) resolve to kernels, so the results are
    those a device that implements just the primitives gets. ``TRUENO_PRIMITIVES_ONLY=1``
    turns it on for the whole process. For tests and for checking a new device.

    Examples
    --------
    >>> import trueno as tn
    >>> from trueno._registry import primitives_only
    >>> with primitives_only():
    ...     round(float(tn.logaddexp(tn.asarray(0.0), tn.asarray(0.0))), 6)
    0.693147
    """
    load_plugins()
    bypass = not _DEFAULT_PRIMS
    if bypass:  # kernels of composites cached before must not be found (as use_backend)
        with _cache_lock:
            _bypass[0] += 1
            _clear_caches()
    _local.prims = getattr(_local, "prims", 0) + 1
    try:
        yield
    finally:
        _local.prims -= 1
        if bypass:
            with _cache_lock:
                _bypass[0] -= 1


def forced_backend() -> str | None:
    """The backend forced in the calling thread (``use_backend`` or ``TRUENO_BACKEND``)."""
    stack = getattr(_local, "forced", None)
    return stack[-1] if stack else _DEFAULT_FORCED


def resolve_kernel(op: Op, device: Device, dtype):
    """Find the kernel for ``(op, device, dtype)`` and cache it; None if there is none.

    A kernel not yet seen to give a result of the right shape and dtype for this key is
    returned (and cached) inside a wrapper that checks its first result and then caches the
    kernel itself.
    """
    key = device._code | dtype._code
    if key in op.kmiss:  # known to have no kernel: no lookup on every call of a composite
        return None
    load_plugins()
    if dtype._code >= HOST_CODE:  # strings, object, datetime, structured: NumPy on the CPU
        k = kernel_for(op, dtype) if device is CPU else None
        with _cache_lock:
            if _may_store(forced_backend()):
                if k is None:
                    op.kmiss.add(key)
                else:
                    op.kcache[key] = k
        return k
    if not op.primitive and (_DEFAULT_PRIMS or getattr(_local, "prims", 0)) and \
            op.decomposition is not None:
        return None  # primitives-only mode: the dispatcher runs the decomposition
    forced = forced_backend()
    for b in candidates(device, forced):
        k = b.kernel(op.name, dtype.name)
        if k is not None:
            if op.shape in CHECKED_SHAPES and (op.name, key, id(k)) not in _verified:
                k = _checking(op, device, dtype, b, k, key)
            with _cache_lock:
                if _may_store(forced):
                    op.kcache[key] = k
            return k
    with _cache_lock:
        if _may_store(forced):
            op.kmiss.add(key)
    return None


def candidates(device: Device, forced: str | None = None) -> list[Backend]:
    """The backends ``resolve_kernel`` tries for ``device``, in order, under backend choice
    ``forced`` (the calling thread's ``forced_backend()``)."""
    reg = load_plugins()
    if forced is not None and forced not in reg.backends:
        raise BackendError(f"TRUENO_BACKEND={forced!r} names no backend; found: "
                           f"{', '.join(reg.backends)}")
    cands = [b for b in reg.backends.values() if device.type in b.devices]
    # Forcing a backend applies to the devices it serves: TRUENO_BACKEND=reference makes
    # the CPU use reference kernels and leaves a GPU tensor on the GPU's kernels.
    if forced is not None and device.type in reg.backends[forced].devices:
        cands = [b for b in cands if b.name == forced or
                 (b.name == "reference" and forced != "reference")]
    cands.sort(key=lambda b: -b.priority)
    return cands


def _checking(op: Op, device: Device, dtype, backend: Backend, k, key: int):
    """``k`` wrapped to check its first successful result, then replace itself by ``k``."""
    def checked(*args, **params):
        out = k(*args, **params)
        check_result(op, device, dtype, backend, args, params, out)
        _verified[(op.name, key, id(k))] = k
        with _cache_lock:
            if op.kcache.get(key) is checked:
                op.kcache[key] = k
        return out
    checked.kernel = k
    return checked


def _nearest_dtype(dtype, names: set[str]) -> str:
    """The dtype to suggest instead of ``dtype``: the widest of its kind that is narrower
    (float64 -> float32), else the narrowest of its kind that is wider, else any."""
    from . import _dtypes as D

    have = [D.as_dtype(n) for n in sorted(names) if n != "every dtype"]
    same = [d for d in have if d.kind == dtype.kind]
    down = [d for d in same if d.itemsize < dtype.itemsize]
    if down:
        return max(down, key=lambda d: (d.itemsize, d.name != "bfloat16")).name
    up = [d for d in same if d.itemsize > dtype.itemsize]
    if up:
        return min(up, key=lambda d: d.itemsize).name
    return have[0].name if have else sorted(names)[0]


def missing_kernel_error(op: Op, device: Device, dtype) -> DeviceError | DTypeError:
    """The error for an op/dtype a device has no kernel and no decomposition for."""
    reg = load_plugins()
    if dtype._code >= HOST_CODE:
        check_device(dtype, device)
        return DTypeError(f"{op.name}: not defined for dtype {dtype} (NumPy has no such "
                          f"operation on it either)\n  hint: convert it with .astype(...) "
                          f"to a dtype the operation takes")
    have: set[str] = set()
    for b in reg.backends.values():
        if device.type in b.devices:
            d = b.dtypes_for(op.name)
            have.update(d if d is not None else ["every dtype"])
    if device.type != "cpu" and device.type not in reg.devices:
        return DeviceError(f"{op.name}: no backend for device '{device}'; installed devices: "
                           f"cpu{''.join(', ' + t for t in reg.devices)}")
    hint = "x.to('cpu')" if not have else f"x.astype(trueno.{_nearest_dtype(dtype, have)})"
    return DeviceError(
        f"{op.name}: device '{device}' has no kernel for dtype {dtype.name}\n"
        f"  dtypes '{device}' has for {op.name}: {', '.join(sorted(have)) or 'none'}\n"
        f"  hint: {hint} would work")


def device_api(device: Device) -> DeviceAPI:
    reg = load_plugins()
    api = reg.devices.get(device.type)
    if api is None:
        raise DeviceError(f"unknown device '{device}'; available: cpu"
                          f"{''.join(', ' + t for t in reg.devices)}. A device type comes from "
                          "a backend plugin (e.g. pip install 'trueno[gpu]' for 'gpu')")
    return api


__all__ += ["CPU"]


_MOVED_TO_THREADS = frozenset({"MAX_THREADS", "set_num_threads", "get_num_threads",
                               "ThreadCountError", "ThreadCountTypeError"})


def __getattr__(name: str):
    """The thread-count names moved to ``_threads``; the old ``_registry`` imports still work
    (``trueno.torch`` and plugins used them)."""
    if name in _MOVED_TO_THREADS:
        from . import _threads
        return getattr(_threads, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
