"""Decompositions of the optimizer-update rows ``sgd_update`` and ``adam_update`` (their rows
and calling convention: ``trueno._optable.optim``; issue 17).

They are the semantic reference, written as PyTorch's single-tensor algorithms compute (same
operations in the same order, the host scalars in double precision and the tensors in the
parameter's dtype), so a fused kernel (one pass over memory instead of the 6-10 elementwise
ops of the formulas) is tested against them and every device (the toy device,
primitives-only mode) runs the rows.
"""

from __future__ import annotations

from . import _dispatch as X

__all__ = ["sgd_update", "adam_update", "adam_scalars"]


def adam_scalars(lr: float, beta1: float, beta2: float, step: float) -> tuple[float, float]:
    """``(step_size, bias_correction2_sqrt)`` of Adam's step ``step``, as PyTorch computes
    them on the host: ``lr / (1 - beta1**step)`` and ``(1 - beta2**step) ** 0.5``."""
    return lr / (1 - beta1**step), (1 - beta2**step) ** 0.5


class _NoGrad:
    """Grad mode off in this thread while the decomposition writes in place."""

    def __enter__(self):
        self.prev = X.MODES.grad_enabled
        X.MODES.grad_enabled = False

    def __exit__(self, *exc):
        X.MODES.grad_enabled = self.prev


def _compute(t):
    """``t`` in its compute dtype: float16/bfloat16 in float32 (a copy), others as they are."""
    from . import _dtypes as D
    if t._dtype in (D.float16, D.bfloat16):
        return t.astype(D.float32)
    return t


def _store(dst, value) -> None:
    """Write ``value`` into tensor ``dst`` in place (the ``copy_`` primitive, version bump)."""
    dst[...] = value


def sgd_update(param, grad, momentum_buffer, *, lr, momentum=0.0, dampening=0.0,
               nesterov=False, weight_decay=0.0, maximize=False, init_buffer=False):
    """PyTorch's SGD step for one parameter, in place; returns ``param``.

    ``d = -grad if maximize else grad``; ``d = d + weight_decay * param``; with momentum the
    buffer becomes ``d`` (``init_buffer``: PyTorch's first step clones it) or
    ``momentum * buf + (1 - dampening) * d``, and ``d`` becomes ``d + momentum * buf``
    (Nesterov) or ``buf``; then ``param = param + (-lr) * d``.
    """
    with _NoGrad():
        p = _compute(param)
        d = _compute(grad)
        if maximize:
            d = -d
        if weight_decay != 0:
            d = d + weight_decay * p
        if momentum != 0:
            if init_buffer:
                buf = d
            else:
                buf = _compute(momentum_buffer) * momentum + (1 - dampening) * d
            _store(momentum_buffer, buf)
            d = d + momentum * buf if nesterov else buf
        _store(param, p + (-lr) * d)
    return param


def adam_update(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, *, lr, beta1, beta2, eps,
                step, weight_decay=0.0, decoupled=False, amsgrad=False, maximize=False):
    """PyTorch's Adam/AdamW step for one parameter, in place; returns ``param``.

    ``g = -grad if maximize else grad``; weight decay scales ``param`` by
    ``1 - lr * weight_decay`` (``decoupled``, AdamW) or adds ``weight_decay * param`` to
    ``g``; ``exp_avg += (1 - beta1) * (g - exp_avg)`` (lerp);
    ``exp_avg_sq = exp_avg_sq * beta2 + (1 - beta2) * g * g``; with ``amsgrad``
    ``max_exp_avg_sq = maximum(max_exp_avg_sq, exp_avg_sq)`` is the second moment used;
    ``denom = sqrt(v) / sqrt(1 - beta2**step) + eps``;
    ``param = param + (-lr / (1 - beta1**step)) * exp_avg / denom``.
    """
    step_size, bc2_sqrt = adam_scalars(lr, beta1, beta2, step)
    with _NoGrad():
        p = _compute(param)
        g = _compute(grad)
        if maximize:
            g = -g
        if weight_decay != 0:
            if decoupled:
                p = p * (1 - lr * weight_decay)
            else:
                g = g + weight_decay * p
        m = _compute(exp_avg)
        m = m + (1 - beta1) * (g - m)
        _store(exp_avg, m)
        v = _compute(exp_avg_sq) * beta2 + (1 - beta2) * g * g
        _store(exp_avg_sq, v)
        if amsgrad:
            from ._elementwise import maximum
            v = maximum(_compute(max_exp_avg_sq), v)
            _store(max_exp_avg_sq, v)
        from ._elementwise import sqrt
        denom = sqrt(v) / bc2_sqrt + eps
        _store(param, p + (-step_size) * m / denom)
    return param
