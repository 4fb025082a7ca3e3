"""``torch.cuda``: PyTorch's "cuda" is trueno's ``"gpu"`` device (the WebGPU backend).

``is_available()`` is False on a software adapter (Mesa's lavapipe/llvmpipe, an adapter of
type CPU), so the idiom ``device = "cuda" if torch.cuda.is_available() else "cpu"`` does not
run several times slower on an emulated GPU; ``TRUENO_CUDA_SOFTWARE=1`` counts a software
adapter as available (for tests). ``"cuda"`` tensors work whenever trueno has a GPU device,
whatever ``is_available()`` says.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

from .._errors import DeviceError
from ._device import device as _torch_device

__all__ = [
    "current_device", "device_count", "empty_cache", "get_device_name", "get_device_properties",
    "get_rng_state", "get_rng_state_all", "initial_seed", "is_available", "is_initialized",
    "manual_seed", "manual_seed_all", "memory_allocated", "memory_reserved", "seed", "seed_all",
    "set_device", "set_rng_state", "set_rng_state_all", "synchronize",
]

_SOFTWARE_ENV = "TRUENO_CUDA_SOFTWARE"
_lock = threading.Lock()
_adapter_types: dict[int, str] = {}  # gpu index -> wgpu adapter type ("CPU" for lavapipe)


def _gpu_api():
    """The registered "gpu" device API, or None (no plugin, no adapter, no driver)."""
    try:
        from .._registry import load_plugins
        return load_plugins().devices.get("gpu")
    except Exception:  # a broken driver must not break ``is_available()``
        return None


def _gpu_count() -> int:
    api = _gpu_api()
    try:
        return 0 if api is None else int(api.device_count())
    except Exception:  # no adapter or no driver
        return 0


def _trueno_gpu():
    try:
        import trueno_gpu
    except ImportError:
        return None
    return trueno_gpu


def _adapter_type(index: int) -> str:
    """wgpu's adapter type of ``gpu:index`` ("CPU" for a software adapter); "" if unknown."""
    with _lock:
        kind = _adapter_types.get(index)
        if kind is None:
            tg = _trueno_gpu()
            try:
                kind = str(tg.adapter_info(index).get("adapter_type", "")) if tg else ""
            except Exception:  # a GPU device from another plugin, or no adapter
                kind = ""
            _adapter_types[index] = kind
    return kind


def _software_allowed() -> bool:
    return os.environ.get(_SOFTWARE_ENV, "").strip().lower() not in ("", "0", "false", "no")


def is_available() -> bool:
    """True when trueno has a hardware GPU (``"cuda"`` is worth using by default).

    False on a software adapter such as lavapipe unless ``TRUENO_CUDA_SOFTWARE=1`` is set.
    """
    if _gpu_count() == 0:
        return False
    return _software_allowed() or _adapter_type(0) != "CPU"


def device_count() -> int:
    """Number of GPU devices ``"cuda:N"`` can name; 0 when :func:`is_available` is False."""
    return _gpu_count() if is_available() else 0


def _index(dev, func: str) -> int:
    """The GPU index a ``device`` argument names (None: the current device)."""
    if dev is None:
        return _current
    if isinstance(dev, int) and not isinstance(dev, bool):
        idx = dev
    else:
        d = dev if isinstance(dev, _torch_device) else _torch_device(dev)
        if d.type != "cuda":
            raise DeviceError(f"torch.cuda.{func}({dev!r}): expected a cuda device, got "
                              f"{d.type!r}\n  hint: torch.cuda.{func}('cuda:0')")
        idx = 0 if d.index is None else d.index
    n = _gpu_count()
    if not 0 <= idx < n:
        raise DeviceError(f"torch.cuda.{func}({dev!r}): there is no GPU device {idx}; trueno "
                          f"has {n} (cuda:0 .. cuda:{n - 1})\n  hint: use 'cpu', or check "
                          f"torch.cuda.device_count()" if n else
                          f"torch.cuda.{func}({dev!r}): trueno has no GPU device (no WebGPU "
                          f"adapter, or trueno-gpu is not installed)\n  hint: use 'cpu'")
    return idx


_current = 0


def current_device() -> int:
    """Index of the current GPU device (always 0: see :func:`set_device`)."""
    _index(0, "current_device")
    return _current


def set_device(device) -> None:
    """Select the current GPU device; only 0 is accepted.

    Note: ``"cuda"`` without an index always means ``gpu:0`` in trueno, so another current
    device would be ignored silently by ``device="cuda"``; name it instead (``"cuda:1"``).
    """
    idx = _index(device, "set_device")
    if idx != 0:
        raise DeviceError(f"torch.cuda.set_device({device!r}): trueno's 'cuda' always means "
                          f"cuda:0\n  hint: pass device='cuda:{idx}' to the tensors instead")


def synchronize(device=None) -> None:
    """Wait until all work queued on the GPU devices in use has finished."""
    tg = _trueno_gpu()
    if tg is not None:
        tg.synchronize(None if device is None else _index(device, "synchronize"))
    elif device is not None and _gpu_api() is not None:
        _gpu_api().synchronize(_index(device, "synchronize"))


def _gens():
    from . import _random_gpu
    return _random_gpu


def _seed_value(seed) -> int:
    from ._random import _check_seed
    return _check_seed(seed)


def manual_seed(seed: int) -> None:
    """Seed the current GPU device's generator (``rand``, ``uniform_``, ``bernoulli_`` and
    dropout on ``"cuda"`` tensors draw on it: Philox4x32-10, see ``_random_gpu``); the CPU
    generator is left alone, as in PyTorch."""
    _gens().generator(_current).manual_seed(_seed_value(seed))


def manual_seed_all(seed: int) -> None:
    """Seed every GPU device's generator (also those first used later)."""
    _gens().manual_seed_all(_seed_value(seed))


def seed() -> None:
    """Seed the current GPU device's generator from the OS entropy source."""
    manual_seed(int.from_bytes(os.urandom(8), "little"))


def seed_all() -> None:
    """Seed every GPU device's generator with one seed from the OS entropy source."""
    manual_seed_all(int.from_bytes(os.urandom(8), "little"))


def initial_seed() -> int:
    """The current GPU device's generator's seed."""
    return _gens().generator(_current).seed


def _rng_index(device) -> int:
    if device is None or device == "cuda":
        return _current
    if isinstance(device, int) and not isinstance(device, bool):
        return device
    d = device if isinstance(device, _torch_device) else _torch_device(device)
    if d.type != "cuda":
        raise DeviceError(f"torch.cuda.get_rng_state({device!r}): expected a cuda device, "
                          f"got {d.type!r}\n  hint: torch.cuda.get_rng_state('cuda:0')")
    return 0 if d.index is None else d.index


def get_rng_state(device="cuda"):
    """The GPU generator's state as PyTorch's 16-byte ``ByteTensor`` (seed and offset)."""
    from .._creation import _place
    from .. import _dtypes as D
    from ._tensor import Tensor
    return _place(Tensor, _gens().get_state(_rng_index(device)), None, D.uint8)


def set_rng_state(new_state, device="cuda") -> None:
    """Restore a state from :func:`get_rng_state`."""
    import numpy as np

    from ._random import RandomArgumentError
    host = new_state._host() if hasattr(new_state, "_host") else np.asarray(new_state)
    if host.dtype != np.uint8 or host.size != 16:
        raise RandomArgumentError(f"torch.cuda.set_rng_state(new_state): got {host.size} values of "
                          f"dtype {host.dtype}; expected the 16 uint8 of a GPU generator state"
                          f"\n  hint: pass what torch.cuda.get_rng_state() returns")
    _gens().set_state(_rng_index(device), host.ravel())


def get_rng_state_all() -> list:
    """:func:`get_rng_state` of every GPU device."""
    return [get_rng_state(i) for i in range(max(_gpu_count(), 1))]


def set_rng_state_all(new_states) -> None:
    """:func:`set_rng_state` for each GPU device in order."""
    for i, st in enumerate(new_states):
        set_rng_state(st, i)


def get_device_name(device=None) -> str:
    """The adapter's name, e.g. ``"NVIDIA H100 80GB HBM3"`` or ``"llvmpipe (LLVM 15.0.6)"``."""
    return get_device_properties(device).name


@dataclass(frozen=True)
class _CudaDeviceProperties:
    """What ``torch.cuda.get_device_properties`` returns, as far as WebGPU reports it."""

    name: str
    total_memory: int  # bytes; 0 when the adapter does not report it (WebGPU does not)
    type: str  # wgpu's adapter type: "DiscreteGPU", "IntegratedGPU", "CPU", ...
    backend: str  # "Vulkan", "Metal", "D3D12"


def get_device_properties(device=None) -> _CudaDeviceProperties:
    """Name, total_memory (0: WebGPU does not report it), adapter type and backend."""
    idx = _index(device, "get_device_properties")
    tg = _trueno_gpu()
    info = tg.adapter_info(idx) if tg is not None else {}
    name = info.get("device") or info.get("vendor") or "gpu"
    return _CudaDeviceProperties(name=str(name), total_memory=0,
                                 type=str(info.get("adapter_type", "")),
                                 backend=str(info.get("backend_type", "")))


def is_initialized() -> bool:
    """True once a GPU device has been started (a tensor or a query touched it)."""
    tg = _trueno_gpu()
    return tg is not None and bool(tg.live_runtimes())


def empty_cache() -> None:
    """Give the GPU buffer pool's cached, unused buffers back to the driver."""
    tg = _trueno_gpu()
    if tg is not None and is_initialized():
        tg.empty_cache()


def memory_allocated(device=None) -> int:
    """Bytes of GPU buffers held by live tensors (0 without trueno-gpu)."""
    tg = _trueno_gpu()
    return int(tg.memory_allocated(0 if device is None else _index(device, "memory_allocated"))) \
        if tg is not None else 0


def memory_reserved(device=None) -> int:
    """Bytes of GPU buffers the pool holds, in use or cached (0 without trueno-gpu)."""
    tg = _trueno_gpu()
    return int(tg.memory_reserved(0 if device is None else _index(device, "memory_reserved"))) \
        if tg is not None else 0


def __getattr__(name: str):
    """``torch.cuda.amp`` (deprecated aliases of ``torch.amp`` for "cuda"), made on first use
    and registered so that ``import trueno.torch.cuda.amp`` works too."""
    if name == "amp":
        from .amp import cuda_amp_module
        return cuda_amp_module()
    raise AttributeError(f"module 'trueno.torch.cuda' has no attribute {name!r}")
