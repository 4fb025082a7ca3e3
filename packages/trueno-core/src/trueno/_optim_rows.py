"""Rows of the optimizer updates: ``sgd_update`` and ``adam_update`` (issue 17).

Each row is one in-place update of one parameter and its state tensors: a backend's fused
kernel reads every tensor once and writes the parameter and the state once (one pass),
instead of the 6-10 elementwise ops (each a full pass over memory) the formulas take as
chains. The decompositions below are the semantic reference, written as PyTorch's
single-tensor algorithms compute (same operations in the same order, the host scalars in
double precision and the tensors in the parameter's dtype), so a fused kernel is tested
against them and every device (the toy device, primitives-only mode) runs the rows.

Calling convention (the row's ``sig``): the tensors positionally, the state tensors that an
option leaves unused as None (``momentum_buffer`` when ``momentum == 0``,
``max_exp_avg_sq`` without ``amsgrad``), the hyper-parameters by keyword as Python numbers
(bias corrections are computed on the host from ``step``). Every tensor has the parameter's
shape, dtype and device. A kernel writes the new values into the parameter's and the state
tensors' device arrays in place and returns the parameter's array; the caller bumps the
version counters. float16/bfloat16 compute in float32 and round once per stored value.
"""

from __future__ import annotations

from . import _dispatch as X
from ._optable import Op, add_op

__all__ = ["SGD_SIG", "ADAM_SIG", "sgd_update", "adam_update", "adam_scalars"]

SGD_SIG = ("param, grad, momentum_buffer, /, *, lr: float, momentum: float = 0.0, "
           "dampening: float = 0.0, nesterov: bool = False, weight_decay: float = 0.0, "
           "maximize: bool = False, init_buffer: bool = False")
ADAM_SIG = ("param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, /, *, lr: float, beta1: float, "
            "beta2: float, eps: float, step: float, weight_decay: float = 0.0, "
            "decoupled: bool = False, amsgrad: bool = False, maximize: bool = False")

add_op(Op("sgd_update", 3, accepts="real floating", shape="same", differentiable=False,
          numpy_name=None, torch_name=None, decomposition="trueno._optim_rows:sgd_update",
          sig=SGD_SIG))
add_op(Op("adam_update", 5, accepts="real floating", shape="same", differentiable=False,
          numpy_name=None, torch_name=None, decomposition="trueno._optim_rows:adam_update",
          sig=ADAM_SIG))


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
