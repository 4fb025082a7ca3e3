"""NumPy oracles of the optimizer-update rows (``sgd_update``, ``adam_update``) for the
backends' tests (trueno-simd's and trueno-gpu's): PyTorch's single-tensor SGD/Adam, one step,
in place, in the arrays' dtype, in the order of the rows' decompositions.

Written plainly, one NumPy expression a step (not core's reference kernels, which fuse into
``out=`` buffers), so a backend's kernel is checked against an oracle that shares no code with
the kernels it is compared with.
"""

from __future__ import annotations

import numpy as np

__all__ = ["np_sgd", "np_adam"]


def np_sgd(p: np.ndarray, g: np.ndarray, b: np.ndarray, lr: float, momentum: float = 0.0,
           dampening: float = 0.0, nesterov: bool = False, weight_decay: float = 0.0,
           maximize: bool = False, init_buffer: bool = False) -> None:
    """One SGD step: updates the parameter ``p`` and the momentum buffer ``b`` in place."""
    t = p.dtype.type
    d = -g if maximize else g
    if weight_decay:
        d = d + t(weight_decay) * p
    if momentum:
        b[...] = d if init_buffer else b * t(momentum) + t(1 - dampening) * d
        d = d + t(momentum) * b if nesterov else b.copy()
    p[...] = p + t(-lr) * d


def np_adam(p: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray, mx: np.ndarray,
            lr: float, beta1: float, beta2: float, eps: float, step: float,
            weight_decay: float = 0.0, decoupled: bool = False, amsgrad: bool = False,
            maximize: bool = False) -> None:
    """One Adam (``decoupled``: AdamW) step: updates ``p`` and the moments ``m``, ``v`` and
    ``mx`` (the running maximum of ``v``, with ``amsgrad``) in place."""
    t = p.dtype.type
    g = -g if maximize else g
    if weight_decay:
        if decoupled:
            p[...] = p * t(1 - lr * weight_decay)
        else:
            g = g + t(weight_decay) * p
    m[...] = m + t(1 - beta1) * (g - m)
    v[...] = v * t(beta2) + t(1 - beta2) * g * g
    vv = v
    if amsgrad:
        mx[...] = np.maximum(mx, v)
        vv = mx
    denom = np.sqrt(vv) / t((1 - beta2**step) ** 0.5) + t(eps)
    p[...] = p + t(-(lr / (1 - beta1**step))) * m / denom
