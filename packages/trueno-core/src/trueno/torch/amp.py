"""``torch.amp`` on the PyTorch face: ``autocast`` (the core's, consulted by the dispatcher),
``GradScaler`` (from trueno-nn, on first use), ``custom_fwd``/``custom_bwd``, and the
deprecated ``torch.cuda.amp``/``torch.cpu.amp`` aliases, which warn as PyTorch's do."""

from __future__ import annotations

import functools
import sys
import types
import warnings

from .. import _autocast
from .. import _dtypes as D
from .._autocast import autocast, is_autocast_available, is_autocast_enabled
from . import _dtype as _T

__all__ = ["autocast", "GradScaler", "custom_fwd", "custom_bwd",  # noqa: F822 (__getattr__)
           "is_autocast_available", "is_autocast_enabled", "get_autocast_dtype"]


def get_autocast_dtype(device_type: str):
    """The dtype this thread's autocast for ``device_type`` casts down to (printing as
    PyTorch's, ``torch.bfloat16``)."""
    return _T.of(_autocast.get_autocast_dtype(device_type))


def _grad_scaler_class():
    from .._errors import missing_extra
    try:
        from trueno_nn.amp import GradScaler
    except ImportError as exc:
        if exc.name is None or not exc.name.startswith("trueno_"):
            raise
        raise missing_extra("torch.amp.GradScaler", "nn") from None
    return GradScaler


def __getattr__(name: str):
    if name == "GradScaler":
        return _grad_scaler_class()
    raise AttributeError(f"module 'trueno.torch.amp' has no attribute {name!r}")


def custom_fwd(fwd=None, *, device_type: str, cast_inputs=None):
    """Decorate an ``autograd.Function``'s ``forward``, as ``torch.amp.custom_fwd``: with
    ``cast_inputs`` its floating tensors are cast to that dtype and it runs with autocast off
    (when autocast is on); the autocast state is remembered for ``custom_bwd``."""
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        ctx = args[0]
        ctx._dtype = get_autocast_dtype(device_type)
        if cast_inputs is None:
            ctx._fwd_used_autocast = is_autocast_enabled(device_type)
            return fwd(*args, **kwargs)
        ctx._fwd_used_autocast = False
        if not is_autocast_enabled(device_type):
            return fwd(*args, **kwargs)
        dt = D.as_dtype(cast_inputs)
        from .._tensor import Tensor

        def cast(v):
            if isinstance(v, Tensor) and v._dtype.kind == "f":
                return v.astype(dt, copy=False)
            return v
        with autocast(device_type, enabled=False):
            return fwd(*[cast(a) for a in args], **{k: cast(v) for k, v in kwargs.items()})
    return decorate_fwd


def custom_bwd(bwd=None, *, device_type: str):
    """Decorate an ``autograd.Function``'s ``backward`` to run under the autocast state its
    ``forward`` (decorated with ``custom_fwd``) ran under."""
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args, **kwargs):
        ctx = args[0]
        with autocast(device_type, enabled=ctx._fwd_used_autocast, dtype=ctx._dtype):
            return bwd(*args, **kwargs)
    return decorate_bwd


# -- the deprecated torch.cuda.amp / torch.cpu.amp aliases ----------------------------------

def _deprecated(old: str, device_type: str) -> None:
    new = old.replace(f"{device_type}.", "", 1)
    warnings.warn(f"`{old}(args...)` is deprecated. Please use `{new}('{device_type}', "
                  f"args...)` instead.", FutureWarning, stacklevel=3)


class _CudaAutocast(autocast):
    """``torch.cuda.amp.autocast`` (deprecated): ``autocast("cuda", ...)``."""

    def __init__(self, enabled: bool = True, dtype=D.float16, cache_enabled: bool = True):
        _deprecated("torch.cuda.amp.autocast", "cuda")
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class _CpuAutocast(autocast):
    """``torch.cpu.amp.autocast`` (deprecated): ``autocast("cpu", ...)``."""

    def __init__(self, enabled: bool = True, dtype=D.bfloat16, cache_enabled: bool = True):
        _deprecated("torch.cpu.amp.autocast", "cpu")
        super().__init__("cpu", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


_CUDA_SCALER: list = []


def _cuda_grad_scaler():
    """``torch.cuda.amp.GradScaler`` (deprecated): ``GradScaler("cuda", ...)``."""
    if not _CUDA_SCALER:
        base = _grad_scaler_class()

        class GradScaler(base):
            def __init__(self, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                         backoff_factor: float = 0.5, growth_interval: int = 2000,
                         enabled: bool = True) -> None:
                _deprecated("torch.cuda.amp.GradScaler", "cuda")
                super().__init__("cuda", init_scale, growth_factor, backoff_factor,
                                 growth_interval, enabled)
        GradScaler.__module__ = "trueno.torch.cuda.amp"
        _CUDA_SCALER.append(GradScaler)
    return _CUDA_SCALER[0]


def _alias_module(name: str, doc: str, attrs: dict, lazy: dict) -> types.ModuleType:
    """A module object ``name`` (registered in ``sys.modules`` so that ``import name``
    works) holding ``attrs`` and, on first use, ``lazy[attr]()``."""
    mod = sys.modules.get(name)
    if mod is not None:
        return mod
    mod = types.ModuleType(name, doc)
    mod.__dict__.update(attrs)

    def module_getattr(attr: str):
        if attr in lazy:
            return lazy[attr]()
        raise AttributeError(f"module {name!r} has no attribute {attr!r}")
    mod.__getattr__ = module_getattr
    mod.__all__ = sorted(set(attrs) | set(lazy))
    sys.modules[name] = mod
    return mod


def cuda_amp_module() -> types.ModuleType:
    """``torch.cuda.amp``: the deprecated aliases of ``torch.amp`` for "cuda"."""
    return _alias_module(
        "trueno.torch.cuda.amp", "torch.cuda.amp (deprecated): use torch.amp with 'cuda'.",
        {"autocast": _CudaAutocast,
         "custom_fwd": functools.partial(custom_fwd, device_type="cuda"),
         "custom_bwd": functools.partial(custom_bwd, device_type="cuda")},
        {"GradScaler": _cuda_grad_scaler})


def cpu_amp_module() -> types.ModuleType:
    """``torch.cpu.amp``: the deprecated alias of ``torch.amp.autocast`` for "cpu"."""
    return _alias_module(
        "trueno.torch.cpu.amp", "torch.cpu.amp (deprecated): use torch.amp with 'cpu'.",
        {"autocast": _CpuAutocast}, {"GradScaler": _grad_scaler_class})
