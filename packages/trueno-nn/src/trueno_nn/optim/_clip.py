"""``clip_grad_norm_`` and ``clip_grad_value_`` (PyTorch's ``torch.nn.utils`` functions)."""

from __future__ import annotations

import functools
import types
import warnings
from collections.abc import Iterable
from typing import Any

import trueno.torch as torch

from ._errors import OptimizerTypeError, OptimizerValueError

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "clip_grads_with_norm_",
           "get_total_norm", "parameters_to_vector", "vector_to_parameters"]


class NonFiniteNormError(OptimizerValueError, RuntimeError):
    """``clip_grad_norm_(error_if_nonfinite=True)`` found a NaN or infinite total norm."""


def _grads(parameters: Any) -> list[Any]:
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def get_total_norm(tensors: Iterable[Any] | Any, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Any:
    """The ``norm_type`` norm of all ``tensors`` together (the norm of their norms).

    Raises a RuntimeError (with ``error_if_nonfinite``) when it is NaN or infinite.
    """
    tensors = [tensors] if isinstance(tensors, torch.Tensor) else list(tensors)
    norm_type = float(norm_type)
    if len(tensors) == 0:
        return torch.tensor(0.0)
    with torch.no_grad():
        device = tensors[0].device
        if norm_type == 2.0 and _on_one_device_f32(tensors, device):
            # sqrt of the summed squares: 2 kernels a tensor instead of vector_norm's 4-5
            # (a device pays per launch); the same value up to rounding, and like PyTorch's
            # float32 norm it overflows once the sum of squares passes float32's range
            total = torch.stack([(t * t).sum() for t in tensors]).sum().sqrt()
        else:
            norms = [torch.linalg.vector_norm(t, norm_type).to(device) for t in tensors]
            dtype = functools.reduce(torch.promote_types, [n.dtype for n in norms])
            total = torch.linalg.vector_norm(torch.stack([n.to(dtype=dtype) for n in norms]),
                                             norm_type)
    if error_if_nonfinite and not bool(torch.isfinite(total)):
        raise NonFiniteNormError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return total


def _on_one_device_f32(tensors: list[Any], device: Any) -> bool:
    """All ``tensors`` float32 on ``device``, which is not the CPU."""
    return device.type != "cpu" and all(t.dtype == torch.float32 and t.device == device
                                        for t in tensors)


def clip_grads_with_norm_(parameters: Iterable[Any] | Any, max_norm: float, total_norm: Any,
                          foreach: bool | None = None) -> None:
    """Scale the gradients in place by ``min(1, max_norm / (total_norm + 1e-6))``."""
    grads = _grads(parameters)
    if len(grads) == 0:
        return
    with torch.no_grad():
        coef = torch.clamp(float(max_norm) / (total_norm + 1e-6), max=1.0)
        for g in grads:
            g.mul_(coef.to(device=g.device, dtype=g.dtype))


def clip_grad_norm_(parameters: Iterable[Any] | Any, max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Any:
    """Scale the gradients in place so that their total ``norm_type`` norm is at most
    ``max_norm``.

    Parameters
    ----------
    parameters : Tensor or iterable of Tensor
        Tensors whose ``.grad`` is clipped (those without a grad are skipped).
    max_norm, norm_type : float
        The largest total norm; the order of the norm (``inf`` for the largest magnitude).
    error_if_nonfinite : bool
        Raise when the total norm is NaN or infinite.

    Returns
    -------
    Tensor
        The total norm of the gradients before clipping (a 0-d tensor).
    """
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if is_generator and len(parameters) == 0:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will "
                          "occur.", stacklevel=2)
    total = get_total_norm(_grads(parameters), norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters: Iterable[Any] | Any, max_norm: float, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Any:
    """Deprecated alias of :func:`clip_grad_norm_` (as in PyTorch)."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters: Iterable[Any] | Any, clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp the gradients in place to ``[-clip_value, clip_value]``."""
    clip_value = float(clip_value)
    with torch.no_grad():
        for g in _grads(parameters):
            g.clamp_(min=-clip_value, max=clip_value)


def parameters_to_vector(parameters: Iterable[Any]) -> Any:
    """The parameters flattened and concatenated into one 1-D tensor (a copy)."""
    params = list(parameters)
    _same_device(params)
    return torch.cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec: Any, parameters: Iterable[Any]) -> None:
    """Copy the slices of the 1-D tensor ``vec`` into the parameters, in order.

    PyTorch points each ``param.data`` into ``vec``; trueno copies the values in place, so the
    parameters hold the same values but do not share ``vec``'s memory.
    """
    if not isinstance(vec, torch.Tensor):
        raise OptimizerTypeError(f"expected torch.Tensor, but got: {type(vec).__name__}\n"
                                 "  hint: pass parameters_to_vector(...)'s result")
    params = list(parameters)
    _same_device(params)
    total = sum(p.numel() for p in params)
    if vec.dim() != 1 or vec.numel() != total:
        raise OptimizerValueError(f"vector_to_parameters(vec, parameters): vec has shape "
                                  f"{tuple(vec.shape)}, the parameters have {total} elements"
                                  "\n  hint: vec must be 1-D with one entry per element")
    pointer = 0
    with torch.no_grad():
        for p in params:
            n = p.numel()
            p.copy_(vec[pointer:pointer + n].reshape(p.shape))
            pointer += n


def _same_device(params: list[Any]) -> None:
    devices = {str(p.device) for p in params}
    if len(devices) > 1:
        raise OptimizerTypeError("Found two parameters on different devices, this is currently "
                                 f"not supported. (devices: {sorted(devices)})")
