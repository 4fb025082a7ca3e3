"""Thread-local defaults of the PyTorch face: the default device of factory functions
(``torch.set_default_device``, ``with torch.device("cuda"):``) and deterministic algorithms
(``torch.use_deterministic_algorithms``).

Deterministic mode: trueno's CPU kernels always give the same bits for the same inputs; on the
GPU, floating-point accumulation into repeated indices (``scatter_add``, ``index_add``,
``index_put(accumulate=True)``, ``put(accumulate=True)``, ``scatter_reduce``) adds with
atomics in whatever order the threads run, so in deterministic mode those calls raise (or warn
with ``warn_only=True``), as PyTorch does for ops without a deterministic implementation.
"""

from __future__ import annotations

import functools
import math
import threading
import warnings

from .._errors import TruenoError

__all__ = ["set_default_device", "get_default_device", "with_default_device",
           "filled_if_deterministic",
           "use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
           "is_deterministic_algorithms_warn_only_enabled", "check_deterministic",
           "NondeterministicError"]

_local = threading.local()  # .device: torch.device or None; .stack: devices of `with` blocks
_deterministic = [False, False]  # (enabled, warn_only): global, as PyTorch's


class NondeterministicError(TruenoError, RuntimeError):
    """An op without a deterministic implementation called in deterministic mode."""


def set_default_device(device) -> None:
    """Make factory functions (``zeros``, ``tensor``, ``rand``, ...) without ``device=`` create
    their tensors on ``device`` in this thread; ``None`` restores the CPU.

    Examples
    --------
    >>> import trueno.torch as torch
    >>> torch.set_default_device("cpu")
    >>> torch.zeros(2).device
    device(type='cpu')
    >>> torch.set_default_device(None)
    """
    from ._device import device as _device
    _local.device = None if device is None else _device(device)


def get_default_device():
    """The device factory functions use when given none (``device(type='cpu')`` unless set)."""
    from ._device import device as _device
    d = getattr(_local, "device", None)
    if d is None:
        return _device("cpu")
    if d.type == "cuda" and d.index is None:
        return _device("cuda", 0)  # as PyTorch: the current accelerator
    return d


def enter_device(dev) -> None:
    """``with torch.device(...):`` sets the default device until the block ends."""
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    stack.append(getattr(_local, "device", None))
    _local.device = dev


def exit_device() -> None:
    _local.device = _local.stack.pop()


def with_default_device(fn):
    """``fn`` (a factory with a ``device=`` keyword) honouring the default device."""
    @functools.wraps(fn)
    def f(*args, **kwargs):
        if kwargs.get("device") is None:
            d = getattr(_local, "device", None)
            if d is not None:
                kwargs["device"] = d
        return fn(*args, **kwargs)
    return f


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Ask for deterministic algorithms only: GPU ops that accumulate floats with atomics then
    raise (or warn, with ``warn_only=True``)."""
    if not isinstance(mode, bool) or not isinstance(warn_only, bool):
        raise TypeError(f"use_deterministic_algorithms(mode={mode!r}, warn_only="
                        f"{warn_only!r}): expected bools\n  hint: "
                        "torch.use_deterministic_algorithms(True)")
    _deterministic[0], _deterministic[1] = mode, warn_only


def are_deterministic_algorithms_enabled() -> bool:
    return _deterministic[0]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _deterministic[1]


def filled_if_deterministic(fn):
    """``fn`` (``empty``, ``empty_like``, ...) whose result is filled as PyTorch fills
    uninitialized memory in deterministic mode: NaN for floating and complex dtypes, the
    largest value for integers (True for bool)."""
    @functools.wraps(fn)
    def f(*args, **kwargs):
        out = fn(*args, **kwargs)
        if _deterministic[0] and out.numel():
            import numpy as np
            k = out._dtype.kind
            out.fill_(math.nan if k in "fc" else (True if k == "b" else
                                                  int(np.iinfo(out._dtype.numpy).max)))
        return out
    return f


def check_deterministic(name: str, x) -> None:
    """Raise (or warn) when ``name`` accumulates floats with atomics on ``x``'s device while
    deterministic algorithms are asked for."""
    if not _deterministic[0] or x._device.type == "cpu" or x._dtype.kind not in "fc":
        return
    msg = (f"{name} on {x._device} with {x._dtype.name} values does not have a deterministic "
           f"implementation (it adds with atomics in thread order), but you set "
           f"'torch.use_deterministic_algorithms(True)'\n  hint: run it on the CPU "
           f"(x.cpu()), or pass warn_only=True if that is acceptable")
    if _deterministic[1]:
        warnings.warn(msg, UserWarning, stacklevel=3)
    else:
        raise NondeterministicError(msg)
