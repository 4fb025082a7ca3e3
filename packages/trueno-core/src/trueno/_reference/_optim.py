"""Reference (NumPy) kernels of the optimizer-update rows (``trueno._optable.optim``).

In place, with ``out=`` buffers: at most two scratch arrays per call and no temporary per
elementwise step, the operations and their order those of the rows' decompositions
(PyTorch's single-tensor algorithms). float16/bfloat16 compute in float32 and round once per
stored value.
"""

from __future__ import annotations

import numpy as np

from .._decompositions_optim import adam_scalars

__all__ = ["sgd_update", "adam_update"]


def _in_float32(kernel, arrays, params):
    """Run ``kernel`` on float32 copies of half-precision ``arrays``, then store them back."""
    wide = [None if a is None else a.astype(np.float32) for a in arrays]
    kernel(*wide, **params)
    for a, w in zip(arrays, wide):
        if a is not None:
            np.copyto(a, w, casting="unsafe")
    return arrays[0]


def sgd_update(param, grad, momentum_buffer, *, lr, momentum=0.0, dampening=0.0,
               nesterov=False, weight_decay=0.0, maximize=False, init_buffer=False):
    if param.dtype.itemsize == 2:  # float16 / bfloat16
        return _in_float32(sgd_update, [param, grad, momentum_buffer if momentum else None],
                           dict(lr=lr, momentum=momentum, dampening=dampening,
                                nesterov=nesterov, weight_decay=weight_decay,
                                maximize=maximize, init_buffer=init_buffer))
    t = param.dtype.type
    s1 = None  # holds d when it is not grad itself
    s2 = np.empty_like(param)
    d = grad
    if maximize:
        s1 = d = np.negative(grad)
    if weight_decay != 0:
        np.multiply(param, t(weight_decay), out=s2)  # d + wd * param
        if s1 is None:
            s1 = np.empty_like(param)
        d = np.add(d, s2, out=s1)
    if momentum != 0:
        buf = momentum_buffer
        if init_buffer:  # PyTorch's first step: the buffer is a clone of d
            np.copyto(buf, d)
        else:  # momentum * buf + (1 - dampening) * d
            np.multiply(buf, t(momentum), out=buf)
            np.multiply(d, t(1 - dampening), out=s2)
            np.add(buf, s2, out=buf)
        if nesterov:  # d + momentum * buf
            np.multiply(buf, t(momentum), out=s2)
            if s1 is None:
                s1 = np.empty_like(param)
            d = np.add(d, s2, out=s1)
        else:
            d = buf
    np.multiply(d, t(-lr), out=s2)  # param + (-lr) * d
    np.add(param, s2, out=param)
    return param


def adam_update(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, *, lr, beta1, beta2, eps,
                step, weight_decay=0.0, decoupled=False, amsgrad=False, maximize=False):
    if param.dtype.itemsize == 2:  # float16 / bfloat16
        return _in_float32(adam_update, [param, grad, exp_avg, exp_avg_sq,
                                         max_exp_avg_sq if amsgrad else None],
                           dict(lr=lr, beta1=beta1, beta2=beta2, eps=eps, step=step,
                                weight_decay=weight_decay, decoupled=decoupled,
                                amsgrad=amsgrad, maximize=maximize))
    t = param.dtype.type
    step_size, bc2_sqrt = adam_scalars(lr, beta1, beta2, step)
    s1 = None  # holds g when it is not grad itself
    s2 = np.empty_like(param)
    g = grad
    if maximize:
        s1 = g = np.negative(grad)
    if weight_decay != 0:
        if decoupled:
            np.multiply(param, t(1 - lr * weight_decay), out=param)
        else:
            np.multiply(param, t(weight_decay), out=s2)
            if s1 is None:
                s1 = np.empty_like(param)
            g = np.add(g, s2, out=s1)
    m, v = exp_avg, exp_avg_sq
    np.subtract(g, m, out=s2)  # lerp: m + (1 - beta1) * (g - m)
    np.multiply(s2, t(1 - beta1), out=s2)
    np.add(m, s2, out=m)
    np.multiply(v, t(beta2), out=v)  # v * beta2 + (1 - beta2) * g * g
    np.multiply(g, t(1 - beta2), out=s2)
    np.multiply(s2, g, out=s2)
    np.add(v, s2, out=v)
    if amsgrad:
        v = np.maximum(max_exp_avg_sq, v, out=max_exp_avg_sq)
    np.sqrt(v, out=s2)  # denom = sqrt(v) / sqrt(1 - beta2**step) + eps
    np.divide(s2, t(bc2_sqrt), out=s2)
    np.add(s2, t(eps), out=s2)
    if s1 is None:
        s1 = np.empty_like(param)
    np.multiply(m, t(-step_size), out=s1)  # param + (-step_size) * m / denom
    np.divide(s1, s2, out=s1)
    np.add(param, s1, out=param)
    return param


KERNELS = {"sgd_update": sgd_update, "adam_update": adam_update}
