"""Adapter discovery for the GPU runtime: which WebGPU adapters trueno computes on, the
features it asks them for, and the error that says why no GPU is usable.

``_state`` holds the adapters found (once, under ``_init_lock``) and the runtimes made on them
(``_runtime.get_runtime``)."""

from __future__ import annotations

import os
import threading

import wgpu

from ._errors import GpuUnavailableError

__all__ = ["wanted_features", "adapter_features", "when_adapters_known", "adapters_seen",
           "device_count", "is_available"]

_WANTED_FEATURES = ("shader-f16", "shader-f64", "shader-int64", "subgroup", "timestamp-query")
_init_lock = threading.RLock()  # creates adapters and runtimes once
_state: dict = {}


def _describe(adapter) -> str:
    info = adapter.info
    return (f"{info.get('device') or info.get('vendor') or '?'} "
            f"({info.get('adapter_type')}, {info.get('backend_type')})")


def _adapters():
    """The adapters we compute on: hardware ones first, a software one only when alone."""
    if "adapters" in _state:
        return _state["adapters"]
    with _init_lock:
        return _find_adapters()


def wanted_features(adapter) -> tuple[str, ...]:
    """The features of ``adapter`` that trueno asks its device for.

    ``TRUENO_GPU_DISABLE_FEATURES="shader-f64,subgroup"`` runs as if the adapter lacked them
    (tests of the fallbacks and of a poorer adapter; a workaround for a driver bug in one
    feature).
    """
    off = {f.strip() for f in os.environ.get("TRUENO_GPU_DISABLE_FEATURES", "").split(",")}
    return tuple(f for f in _WANTED_FEATURES if f in adapter.features and f not in off)


def adapter_features() -> frozenset[str]:
    """The features any usable adapter has (their union; ``wanted_features`` of each),
    found without creating a device."""
    return frozenset(f for a in _adapters() for f in wanted_features(a))


def when_adapters_known(callback) -> None:
    """Call ``callback(adapter_features())`` once the adapters are enumerated: now if they
    are, else right after the enumeration, which precedes every runtime and so every GPU
    array (the GPU backend narrows its registered kernel table to the adapters' dtypes)."""
    with _init_lock:
        if "adapters" not in _state:
            _state.setdefault("on_adapters", []).append(callback)
            return
    callback(adapter_features())


def _find_adapters():
    if "adapters" not in _state:
        try:
            seen = list(wgpu.gpu.enumerate_adapters_sync())
        except Exception as e:  # no loader, no driver
            seen = []
            _state["error"] = f"{type(e).__name__}: {e}"
        _state["seen"] = seen
        usable = [a for a in seen if a.info.get("backend_type") != "OpenGL"]
        hardware = [a for a in usable
                    if a.info.get("adapter_type") in ("DiscreteGPU", "IntegratedGPU", "VirtualGPU")]
        _state["adapters"] = hardware or usable[:1]
        features = adapter_features()
        for callback in _state.pop("on_adapters", []):
            callback(features)
    return _state["adapters"]


def adapters_seen() -> list[str]:
    """Every adapter wgpu reported, usable or not, as a short description."""
    _adapters()
    return [_describe(a) for a in _state["seen"]]


def device_count() -> int:
    return len(_adapters())


def is_available() -> bool:
    return device_count() > 0


def _unavailable(index: int) -> GpuUnavailableError:
    seen = adapters_seen()
    n = device_count()
    if n:
        return GpuUnavailableError(f"gpu:{index} does not exist: this machine has {n} GPU "
                                   f"device(s), gpu:0 .. gpu:{n - 1}; adapters: {seen}")
    import sys

    if sys.platform.startswith("linux"):
        missing = ("no Vulkan driver found: apt-get install mesa-vulkan-drivers libvulkan1 "
                   "(lavapipe, a CPU implementation) or install your GPU vendor's driver")
    elif sys.platform == "darwin":
        missing = "no Metal adapter found (macOS 10.13+ on a Metal-capable Mac is needed)"
    else:
        missing = "no D3D12 or Vulkan adapter found: update the GPU driver"
    extra = f"\n  wgpu said: {_state['error']}" if "error" in _state else ""
    return GpuUnavailableError(f"gpu: no usable WebGPU adapter: {missing}\n"
                               f"  adapters wgpu saw: {seen or 'none'} (OpenGL is not used)"
                               f"{extra}\n  hint: use the CPU: .to('cpu')")
