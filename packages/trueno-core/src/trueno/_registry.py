"""The registry plugins fill once through pluggy, and the cached kernel lookup built on it.

pluggy runs only in ``load_plugins`` (once per process). The per-call path is
``op.kcache[device._code | dtype._code]``: one dict hit on a small int. The cache is cleared
when a backend is added or when the forced backend changes.
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
from ._device import CPU, Device, DeviceAPI
from ._errors import BackendError, DeviceError, TruenoError
from ._optable import OPS, Op, add_op

__all__ = ["Backend", "Registry", "registry", "backends", "use_backend", "set_num_threads",
           "get_num_threads"]


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

    # -- called by plugins --------------------------------------------------------------------
    def add_backend(self, name: str, devices, priority: int, kernels: dict, *,
                    set_num_threads=None, tolerances: dict | None = None) -> None:
        """Add a backend. ``kernels`` maps op name -> kernel or {dtype name: kernel}.

        Kernels may name ops that a module adds to the table when it is first imported
        (``trueno.linalg``, ``trueno.fft``); ``unknown_kernels()`` lists names that never
        became ops, for tests.
        """
        self.backends[name] = Backend(name, tuple(devices), int(priority), dict(kernels),
                                      set_num_threads, self._current_plugin, tolerances or {})
        clear_kernel_cache()

    def unknown_kernels(self) -> dict[str, list[str]]:
        """Kernel names, per backend, that match no op in the table."""
        return {b.name: sorted(set(b.kernels) - set(OPS)) for b in self.backends.values()
                if set(b.kernels) - set(OPS)}

    def add_device(self, api: DeviceAPI) -> None:
        """Add a device type whose arrays are ``StridedArray`` views over the api's storage."""
        if not api.type or api.type == "cpu":
            raise BackendError("a device api needs a type other than 'cpu'")
        self.devices[api.type] = api

    def add_op(self, row: Op) -> None:
        add_op(row)

    def add_gradient(self, op_name: str, rule) -> None:
        self.gradients[op_name] = rule

    def set_autograd(self, engine) -> None:
        self.autograd = engine
        from . import _dispatch
        _dispatch.STATE.autograd = engine

    def add_format(self, name: str, **funcs) -> None:
        self.formats[name] = funcs

    def add_model(self, name: str, constructor) -> None:
        self.models[name] = constructor


registry = Registry()
_lock = threading.RLock()


def _blocked() -> set[str]:
    raw = os.environ.get("TRUENO_BLOCK_PLUGINS", "")
    return {p.strip() for p in raw.split(",") if p.strip()}


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
        pm.register(reference, name="reference")
        registry.plugins.append("reference")
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
                pm.register(module, name=ep.name)
                registry.plugins.append(ep.name)
            except Exception as exc:  # a broken plugin must never break `import trueno`
                registry.failed[ep.name] = f"{type(exc).__name__}: {exc}"
                warnings.warn(f"trueno plugin {ep.name!r} ({ep.value}) failed to load and was "
                              f"skipped: {type(exc).__name__}: {exc}", RuntimeWarning,
                              stacklevel=2)
        hooks = [("trueno_register_ops", pm.hook.trueno_register_ops),
                 ("trueno_register_backends", pm.hook.trueno_register_backends),
                 ("trueno_register_gradients", pm.hook.trueno_register_gradients),
                 ("trueno_register_formats", pm.hook.trueno_register_formats)]
        for _, hook in hooks:
            for impl in hook.get_hookimpls():
                registry._current_plugin = impl.plugin_name
                try:
                    impl.function(registry=registry)
                except Exception as exc:
                    if impl.plugin_name == "reference":
                        raise
                    registry.failed[impl.plugin_name] = f"{type(exc).__name__}: {exc}"
                    warnings.warn(f"trueno plugin {impl.plugin_name!r} failed to register and "
                                  f"was skipped: {type(exc).__name__}: {exc}", RuntimeWarning,
                                  stacklevel=2)
        registry._current_plugin = ""
        registry._pm = pm
        registry.loaded = True
        _apply_thread_count()
        return registry


def load_models() -> dict:
    """Call ``trueno_register_models`` once (the hub is loaded only when used)."""
    reg = load_plugins()
    if not reg.models:
        reg._pm.hook.trueno_register_models(registry=reg)
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

_forced: list[str | None] = [os.environ.get("TRUENO_BACKEND") or None]


def clear_kernel_cache() -> None:
    for row in OPS.values():
        row.kcache.clear()
        row.fast.clear()


@contextlib.contextmanager
def use_backend(name: str | None):
    """Force backend ``name`` (e.g. ``"reference"``) inside a ``with`` block.

    On the CPU a forced fast backend still falls back to the reference kernels for ops it
    lacks; forcing ``"reference"`` uses the reference kernels only.
    """
    reg = load_plugins()
    if name is not None and name not in reg.backends:
        raise BackendError(f"unknown backend {name!r}; found: {', '.join(reg.backends)}")
    _forced.append(name)
    clear_kernel_cache()
    try:
        yield
    finally:
        _forced.pop()
        clear_kernel_cache()


def forced_backend() -> str | None:
    return _forced[-1]


def resolve_kernel(op: Op, device: Device, dtype):
    """Find the kernel for ``(op, device, dtype)`` and cache it; None if there is none."""
    reg = load_plugins()
    forced = _forced[-1]
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
    for b in cands:
        k = b.kernel(op.name, dtype.name)
        if k is not None:
            op.kcache[device._code | dtype._code] = k
            return k
    return None


def missing_kernel_error(op: Op, device: Device, dtype) -> DeviceError:
    """The error for an op/dtype a device has no kernel and no decomposition for."""
    reg = load_plugins()
    have: set[str] = set()
    for b in reg.backends.values():
        if device.type in b.devices:
            d = b.dtypes_for(op.name)
            have.update(d if d is not None else ["every dtype"])
    if device.type != "cpu" and device.type not in reg.devices:
        return DeviceError(f"{op.name}: no backend for device '{device}'; installed devices: "
                           f"cpu{''.join(', ' + t for t in reg.devices)}")
    hint = "x.to('cpu')" if not have else f"x.astype(trueno.{sorted(have)[0]})"
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


# -- threads --------------------------------------------------------------------------------

MAX_THREADS = 1024
"""The most threads a CPU backend is asked to use (``set_num_threads`` refuses more, and a
larger ``TRUENO_NUM_THREADS`` is capped to it with a warning)."""


class ThreadCountError(TruenoError, ValueError):
    """A thread count that is not a whole number from 1 to ``MAX_THREADS``."""


class ThreadCountTypeError(TruenoError, TypeError):
    """A thread count that is not an integer."""


def _default_threads() -> int:
    return min(os.cpu_count() or 1, MAX_THREADS)


def _env_threads() -> int:
    """``TRUENO_NUM_THREADS`` (unset, empty or 0: one thread per CPU). A bad value warns with
    the variable's name and falls back to the default: it never breaks ``import trueno``."""
    raw = os.environ.get("TRUENO_NUM_THREADS", "").strip()
    if not raw:
        return _default_threads()
    try:
        n = int(raw)
    except ValueError:
        n = None
    if n is None or n < 0:
        warnings.warn(f"TRUENO_NUM_THREADS={raw!r} is not a whole number >= 1 and was ignored; "
                      f"using {_default_threads()} threads (one per CPU). hint: unset it or set "
                      f"it to a number from 1 to {MAX_THREADS}", RuntimeWarning, stacklevel=2)
        return _default_threads()
    if n == 0:
        return _default_threads()
    if n > MAX_THREADS:
        warnings.warn(f"TRUENO_NUM_THREADS={raw!r} is more than the maximum of {MAX_THREADS} "
                      f"threads; using {MAX_THREADS}", RuntimeWarning, stacklevel=2)
        return MAX_THREADS
    return n


_threads = [_env_threads()]


def _apply_thread_count() -> None:
    for b in registry.backends.values():
        if b.set_num_threads is not None:
            b.set_num_threads(_threads[0])


def set_num_threads(n: int) -> None:
    """Set the number of threads CPU backends use (like ``torch.set_num_threads``).

    Parameters
    ----------
    n : int
        A whole number from 1 to ``trueno._registry.MAX_THREADS`` (1024).

    Examples
    --------
    >>> import trueno as tn
    >>> before = tn.get_num_threads()
    >>> tn.set_num_threads(1); tn.get_num_threads()
    1
    >>> tn.set_num_threads(before)
    """
    if isinstance(n, bool) or not hasattr(n, "__index__"):
        raise ThreadCountTypeError(f"set_num_threads(n): n must be an integer, got "
                                   f"{type(n).__name__} {n!r}\n  hint: set_num_threads(int(n))")
    m = n.__index__()
    if not 1 <= m <= MAX_THREADS:
        raise ThreadCountError(f"set_num_threads(n): n must be from 1 to {MAX_THREADS}, got "
                               f"{m}\n  hint: set_num_threads({_default_threads()}) uses one "
                               f"thread per CPU")
    with _lock:
        _threads[0] = m
        if registry.loaded:
            _apply_thread_count()


def get_num_threads() -> int:
    """The number of threads CPU backends use."""
    return _threads[0]


__all__ += ["CPU"]
