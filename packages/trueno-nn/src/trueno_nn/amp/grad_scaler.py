"""``GradScaler``: PyTorch's dynamic loss scaling (``torch.amp.GradScaler``), the same scale
trajectory for the same gradients.

``scale(loss)`` multiplies by the scale (a float32 0-d tensor, as PyTorch's); ``step``
unscales the gradients of the optimizer's parameters in place (``unscale_``, multiplying by
the float32 reciprocal computed in float64, as PyTorch), skips ``optimizer.step()`` when one
of them holds an inf or NaN, and ``update`` backs the scale off on such a step and grows it
after ``growth_interval`` clean steps in a row (``torch._amp_update_scale_``'s rule, the
scale rounded to float32 each time).

On a device, a step reads the device once, as PyTorch's: ``unscale_`` keeps each device's
inf/NaN flag there (a float32 0-d tensor, ``found_inf_per_device``) and ``step`` reads their
sum with one ``.item()`` per device to decide whether to skip; ``update`` reuses the value
``step`` read. The scale tensor ``scale`` multiplies by is made once per device and scale
value, not per call.
"""

from __future__ import annotations

import enum
import warnings
from collections import defaultdict
from typing import Any

import numpy as np

import trueno.torch as torch
from trueno import TruenoError

__all__ = ["GradScaler", "GradScalerError", "GradScalerValueError", "OptState"]


class GradScalerError(TruenoError, RuntimeError):
    """A GradScaler call out of order (unscale_ twice, step after step, update before any
    step) or with a bad argument; a RuntimeError as PyTorch's (it raises AssertionError for
    some of them: those are also AssertionErrors here)."""


class _GradScalerAssertion(GradScalerError, AssertionError):
    pass


class GradScalerValueError(TruenoError, ValueError):
    """Gradients GradScaler cannot unscale (float16 ones, as PyTorch), or outputs that are
    not tensors."""


class OptState(enum.Enum):
    READY = 0
    UNSCALED = 1
    STEPPED = 2


def _refresh_per_optimizer_state() -> dict[str, Any]:
    # found_inf_per_device: device -> float32 0-d tensor (1.0: some gradient was inf/NaN);
    # found_inf: their sum read to the host (None until step or update needs it)
    return {"stage": OptState.READY, "found_inf_per_device": {}, "found_inf": None}


def _f32(x: float) -> float:
    return float(np.float32(x))


class GradScaler:
    """Dynamic loss scaling for mixed-precision training, as ``torch.amp.GradScaler``.

    Parameters
    ----------
    device : str
        ``"cpu"``, ``"gpu"`` or ``"cuda"`` (PyTorch's default; as PyTorch, a ``"cuda"``
        scaler warns and disables itself when ``torch.cuda.is_available()`` is False).
    init_scale, growth_factor, backoff_factor, growth_interval, enabled
        PyTorch's arguments and defaults.

    Examples
    --------
    >>> import trueno.torch as torch
    >>> from trueno.amp import GradScaler
    >>> scaler = GradScaler("cpu", init_scale=1024.0)
    >>> float(scaler.scale(torch.tensor(0.5)))
    512.0
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        self._device = device
        self._enabled = bool(enabled)
        if device == "cuda" and self._enabled and not torch.cuda.is_available():
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  "
                          "Disabling.", stacklevel=2)
            self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise _GradScalerAssertion("GradScaler: the growth factor must be > 1.0, got "
                                           f"{growth_factor}")
            if backoff_factor >= 1.0:
                raise _GradScalerAssertion("GradScaler: the backoff factor must be < 1.0, got "
                                           f"{backoff_factor}")
            self._init_scale = init_scale
            self._scale: float | None = None  # float32 value; set by the first scale()
            self._growth_factor = growth_factor
            self._backoff_factor = backoff_factor
            self._growth_interval = growth_interval
            self._init_growth_tracker = 0
            self._growth_tracker: int | None = None
            self._per_optimizer_states: dict[int, dict[str, Any]] = defaultdict(
                _refresh_per_optimizer_state)
            # device -> (scale value, float32 0-d tensor of it on that device)
            self._scale_tensors: dict[Any, tuple[float, Any]] = {}

    # -- scaling ----------------------------------------------------------------------------

    def _lazy_init(self) -> None:
        if self._scale is None:
            self._scale = _f32(self._init_scale)
            self._growth_tracker = int(self._init_growth_tracker)

    def _check_init(self, funcname: str) -> None:
        if self._scale is None:
            raise _GradScalerAssertion(
                f"Attempted {funcname} but _scale is None.  This may indicate your script did "
                f"not use scaler.scale(loss or outputs) earlier in the iteration.")

    def scale(self, outputs):
        """``outputs`` (a tensor, or a list/tuple/iterable of tensors) times the scale."""
        if not self._enabled:
            return outputs
        self._lazy_init()

        def apply(val):
            if isinstance(val, torch.Tensor):
                return val * self._scale_tensor(val.device)
            if isinstance(val, (str, bytes)) or not hasattr(val, "__iter__"):
                raise GradScalerValueError(f"GradScaler.scale: outputs must be a Tensor or an "
                                           f"iterable of Tensors, got {type(val).__name__}")
            it = map(apply, val)
            return type(val)(it) if isinstance(val, (list, tuple)) else it
        return apply(outputs)

    def _scale_tensor(self, device):
        """The scale as a float32 0-d tensor on ``device``, made once per scale value."""
        key = str(device)
        hit = self._scale_tensors.get(key)
        if hit is not None and hit[0] == self._scale:
            return hit[1]
        t = torch.full((), self._scale, dtype=torch.float32, device=device)
        self._scale_tensors[key] = (self._scale, t)
        return t

    def unscale_(self, optimizer) -> None:
        """Divide the optimizer's gradients by the scale, in place, once per step, and note
        whether any of them holds an inf or NaN."""
        if not self._enabled:
            return
        self._check_init("unscale_")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.UNSCALED:
            raise GradScalerError("unscale_() has already been called on this optimizer since "
                                  "the last update().")
        if state["stage"] is OptState.STEPPED:
            raise GradScalerError("unscale_() is being called after step().")
        inv_scale = _f32(1.0 / float(self._scale))  # the reciprocal in float64, as PyTorch
        per_device = self._unscale_grads_(optimizer, inv_scale, allow_fp16=False)
        state["found_inf_per_device"] = per_device
        state["found_inf"] = None if per_device else 0.0
        state["stage"] = OptState.UNSCALED

    @staticmethod
    def _unscale_grads_(optimizer, inv_scale: float, allow_fp16: bool) -> dict[str, Any]:
        """Multiply the gradients by ``inv_scale`` in place; per device, a float32 0-d tensor
        there that is 1.0 when one of its gradients held an inf or NaN before (no read)."""
        finite: dict[str, list[Any]] = {}
        with torch.no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    g = p.grad
                    if g is None:
                        continue
                    if not allow_fp16 and g.dtype == torch.float16:
                        raise GradScalerValueError("Attempting to unscale FP16 gradients.")
                    finite.setdefault(str(g.device), []).append(torch.isfinite(g).all())
                    if inv_scale != 1.0:
                        g.mul_(inv_scale)
            return {dev: torch.logical_not(torch.stack(flags).all()).to(torch.float32)
                    for dev, flags in finite.items()}

    @staticmethod
    def _read_found_inf(state: dict[str, Any]) -> float:
        """The optimizer's inf/NaN flags summed over devices, read once (one ``.item()`` per
        device, as PyTorch's ``_maybe_opt_step``) and kept for ``update``."""
        if state["found_inf"] is None:
            state["found_inf"] = float(sum(v.item()
                                           for v in state["found_inf_per_device"].values()))
        return state["found_inf"]

    def _found_inf_per_device(self, optimizer) -> dict[str, Any]:
        """Device -> the float32 0-d inf/NaN flag ``unscale_`` left there (PyTorch's)."""
        return self._per_optimizer_states[id(optimizer)]["found_inf_per_device"]

    def step(self, optimizer, *args: Any, **kwargs: Any):
        """``unscale_(optimizer)`` (unless called already) and ``optimizer.step(...)``,
        skipped when a gradient holds an inf or NaN. Returns what ``optimizer.step``
        returned (None when skipped)."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise GradScalerError("Closure use is not currently supported if GradScaler is "
                                  "enabled.")
        self._check_init("step")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.STEPPED:
            raise GradScalerError("step() has already been called since the last update().")
        if state["stage"] is OptState.READY:
            self.unscale_(optimizer)
        if state["found_inf"] is None and not state["found_inf_per_device"]:
            raise _GradScalerAssertion("No inf checks were recorded for this optimizer.")
        retval = None
        if not self._read_found_inf(state):
            retval = optimizer.step(*args, **kwargs)
        state["stage"] = OptState.STEPPED
        return retval

    def update(self, new_scale=None) -> None:
        """Back the scale off after a skipped step, grow it after ``growth_interval`` clean
        steps in a row, or set it to ``new_scale``."""
        if not self._enabled:
            return
        self._check_init("update")
        if new_scale is not None:
            if isinstance(new_scale, torch.Tensor):
                if new_scale.numel() != 1 or new_scale.requires_grad:
                    raise _GradScalerAssertion(
                        "new_scale should be a float or a 1-element tensor with "
                        "requires_grad=False.")
                new_scale = new_scale.item()
            self._scale = _f32(new_scale)
        else:
            infs = [self._read_found_inf(s) for s in self._per_optimizer_states.values()
                    if s["found_inf"] is not None or s["found_inf_per_device"]]
            if not infs:
                raise _GradScalerAssertion("No inf checks were recorded prior to update.")
            if sum(infs):
                self._scale = _f32(self._scale * self._backoff_factor)
                self._growth_tracker = 0
            else:
                successful = self._growth_tracker + 1
                if successful == self._growth_interval:
                    grown = _f32(self._scale * self._growth_factor)
                    if np.isfinite(grown):
                        self._scale = grown
                    self._growth_tracker = 0
                else:
                    self._growth_tracker = successful
        self._per_optimizer_states = defaultdict(_refresh_per_optimizer_state)

    # -- accessors and state ----------------------------------------------------------------

    def get_scale(self) -> float:
        """The current scale (1.0 when disabled)."""
        if self._enabled:
            return float(self._init_scale) if self._scale is None else float(self._scale)
        return 1.0

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        self._growth_factor = new_factor

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        self._backoff_factor = new_factor

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        self._growth_interval = new_interval

    def _get_growth_tracker(self) -> int:
        if self._enabled:
            return self._init_growth_tracker if self._growth_tracker is None else \
                self._growth_tracker
        return 0

    def is_enabled(self) -> bool:
        return self._enabled

    def state_dict(self) -> dict[str, Any]:
        """PyTorch's five entries (an empty dict when disabled)."""
        if self._enabled:
            return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                    "backoff_factor": self._backoff_factor,
                    "growth_interval": self._growth_interval,
                    "_growth_tracker": self._get_growth_tracker()}
        return {}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load what ``state_dict`` returned (here or in PyTorch); a no-op when disabled."""
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise GradScalerError("The source state dict is empty, possibly because it was "
                                  "saved from a disabled instance of GradScaler.")
        self._init_scale = float(state_dict["scale"])
        if self._scale is not None:
            self._scale = _f32(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._init_growth_tracker = int(state_dict["_growth_tracker"])
        if self._growth_tracker is not None:
            self._growth_tracker = int(state_dict["_growth_tracker"])

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        if self._enabled:
            if len(self._per_optimizer_states) != 0:
                raise GradScalerError("A GradScaler instance may only be pickled at the "
                                      "beginning of an iteration, or at the end after "
                                      "scaler.update().")
            state["_init_scale"] = self.get_scale()
            state["_init_growth_tracker"] = self._get_growth_tracker()
            state["_scale"] = None
            state["_growth_tracker"] = None
            state["_per_optimizer_states"] = None
            state["_scale_tensors"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if self._enabled:
            self._per_optimizer_states = defaultdict(_refresh_per_optimizer_state)
            self._scale_tensors = {}
