"""``batch_norm`` in training (the batch's statistics) as one autograd node with PyTorch's
closed-form backward (``native_batch_norm``): the forward centres the input once and keeps
it, the backward is ``dx = w rstd (dy - mean(dy) - x_hat mean(dy x_hat))`` with the
per-channel sums of ``dy`` and ``dy (x - mean)`` giving ``dbias`` and ``dweight``, instead of
autograd differentiating the chain mean -> centre -> variance -> normalise (about twice the
full-size passes). Every op is a trueno op, so it runs on every device; double backward
differentiates the recorded chain.

On a CPU float32/float64 tensor (``_host_arrays``) forward and backward compute on the NumPy
arrays with the CPU backend's kernels (trueno-simd's where installed: the mean accumulates
in float64, as PyTorch's CPU kernel) and NumPy's einsum for the per-channel sums of products
(the variance, the gradient's sums), without a trueno op's dispatch per step, and the
running statistics move in place on their arrays (float64 arithmetic, as PyTorch's).
Per-channel factors enter the backend's ``addcmul`` as contiguous (1, C, L) rows, so the
output is one pass over ``x - mean`` and the input gradient two passes."""

from __future__ import annotations

import numpy as np

import trueno.torch as torch
from trueno import TruenoError
from trueno.backend import CPU, dtype_of, get_op, kernel, run, wrap

from ._errors import ModuleValueError
from ._functional_act import call_row
from ._functional_conv_norm import _batch_norm_row, _data

__all__ = ["batch_norm", "batch_norm_training"]


def _layout(x):
    """The reduced axes (all but the channel axis 1) and the broadcast shape of a (C,)
    vector."""
    return (0,) + tuple(range(2, x.ndim)), (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _chain(x, weight, bias, eps):
    """The training normalisation as recorded trueno ops (for double backward)."""
    axes, shape = _layout(x)
    mean = x.mean(axes, keepdim=True)
    xc = x - mean
    var = (xc * xc).mean(axes, keepdim=True)
    out = xc * torch.rsqrt(var + eps)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


_HOST_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_OPS = tuple(get_op(n) for n in ("mean", "subtract", "multiply", "addcmul"))


def _kernels(dt):
    """The CPU backend's kernels (mean, subtract, multiply, addcmul) for NumPy
    dtype ``dt`` (looked up per call: the first call of a kernel may be a checking wrapper
    that the lookup then replaces)."""
    d = dtype_of(dt)
    return tuple(kernel(op, CPU, d) for op in _OPS)


def _host_arrays(x, weight, bias):
    """The NumPy arrays of ``x``, ``weight`` and ``bias`` when ``x`` is a CPU float32/float64
    tensor and each of the others is None or a CPU tensor of its dtype, else None."""
    xd = x._data
    if xd.__class__ is not np.ndarray or xd.dtype not in _HOST_DTYPES:
        return None
    arrays = [xd]
    for t in (weight, bias):
        d = None if t is None else t._data
        if d is not None and (d.__class__ is not np.ndarray or d.dtype != xd.dtype):
            return None
        arrays.append(d)
    return arrays


def _row(k, length: int):
    """A (1, C, 1) per-channel factor repeated along L as a contiguous (1, C, L) array: the
    kernels' fast path wants every operand contiguous along the rows (C, L) of an (N, C, L)
    array; a stride-0 factor takes their general loop, several times slower for addcmul."""
    return np.ascontiguousarray(np.broadcast_to(k, (1, k.shape[1], length)))


def _host_forward(x, w, b, eps: float):
    """``(out, xc, mean, var, rstd)`` on NumPy arrays: ``out`` has ``x``'s shape, ``xc =
    x - mean`` is (N, C, L), the others are (1, C, 1) (the biased variance)."""
    mean_k, sub, mul, addcmul = _kernels(x.dtype)
    n, c = x.shape[:2]
    x3 = x.reshape(n, c, -1)
    mean = mean_k(x3, (0, 2), True)  # (accumulated in float64 on trueno-simd)
    xc = sub(x3, mean)
    # the biased variance from the centred values: one pass of NumPy's einsum, no product
    # array (a var kernel reads x twice)
    var = (np.einsum("ncl,ncl->c", xc, xc) / (n * x3.shape[2])).reshape(1, c, 1)
    rstd = 1 / np.sqrt(var + x.dtype.type(eps))
    scale = rstd if w is None else rstd * w.reshape(1, c, 1)
    if b is None:
        out = mul(xc, scale)
    else:  # xc * scale + bias in one pass
        out = addcmul(_row(b.reshape(1, c, 1), x3.shape[2]), xc, _row(scale, x3.shape[2]))
    return np.asarray(out).reshape(x.shape), xc, mean, var, rstd


def _host_backward(x, xc, g, rstd, w, needs):
    """The gradients ``(dx, dw, db)`` on NumPy arrays (None where ``needs`` says so; dw
    without a weight, db without a bias are None too): PyTorch's closed form, the input
    gradient in two passes. The per-channel sums are NumPy's einsum (one pass, no product
    array; accumulated in the dtype, as PyTorch's CPU backward)."""
    addcmul = _kernels(x.dtype)[3]
    n, c, length = xc.shape
    g3 = g.reshape(xc.shape)
    count = n * length
    gsum = np.einsum("ncl->c", g3).reshape(1, c, 1)
    dotp = np.einsum("ncl,ncl->c", g3, xc).reshape(1, c, 1)  # sum of dy (x - mean)
    dx = None
    if needs[0]:
        # w rstd (dy - mean(dy) - (x - mean) rstd^2 mean(dy (x - mean))):
        # u = dy - (x - mean) proj, then dx = u scale - mean(dy) scale
        scale = rstd if w is None else rstd * w.reshape(1, c, 1)
        proj = dotp * (rstd * rstd / count)
        u = addcmul(g3, xc, _row(proj, length), -1.0)
        dx = addcmul(_row((gsum / count) * -scale, length), u, _row(scale, length))
        dx = np.asarray(dx).reshape(x.shape)
    dw = (dotp * rstd).reshape(-1) if w is not None and needs[1] else None
    db = gsum.reshape(-1) if needs[2] else None
    return dx, dw, db


def _tensor(like, a):
    """A CPU tensor of ``like``'s class over NumPy array ``a`` (None stays None)."""
    return None if a is None else wrap(like.__class__, a, CPU, None, dtype_of(a.dtype))


class _BatchNormTrain(torch.autograd.Function):
    """``out, mean, var`` (biased, (C,)) of ``x`` normalised by its batch statistics per
    channel, times ``weight`` plus ``bias`` (each optional)."""

    @staticmethod
    def forward(ctx, x, weight, bias, eps):
        host = _host_arrays(x, weight, bias)
        ctx.save_for_backward(x, weight, bias)
        ctx.eps = eps
        if host is not None:
            out, xc, mean, var, rstd = _host_forward(*host, eps)
            ctx.host = (host[0], host[1], xc, rstd)
            mean, var = _tensor(x, mean.reshape(-1)), _tensor(x, var.reshape(-1))
            ctx.mark_non_differentiable(mean, var)
            return _tensor(x, out), mean, var
        ctx.host = None
        ctx.row = None
        if x._device.type != "cpu":  # off the CPU: the rows (one GPU dispatch each way)
            out, mean, var, rstd = run(get_op("batch_norm_training"), (x, weight, bias),
                                       (x._data, _d(weight), _d(bias)), {"eps": eps},
                                       x.__class__, x._device, x._dtype)
            ctx.row = (mean, rstd)
            ctx.mark_non_differentiable(mean, var)
            return out, mean, var
        axes, shape = _layout(x)
        mean = x.mean(axes, keepdim=True)
        var = x.var(axes, keepdim=True, unbiased=False)
        xc = x - mean
        rstd = torch.rsqrt(var + eps)
        scale = rstd if weight is None else rstd * weight.reshape(shape)
        out = xc * scale
        if bias is not None:
            out = out + bias.reshape(shape)
        ctx.xc, ctx.rstd, ctx.scale = xc, rstd, scale
        mean, var = mean.reshape(-1), var.reshape(-1)
        ctx.mark_non_differentiable(mean, var)
        return out, mean, var

    @staticmethod
    def backward(ctx, dout, *_):  # mean and var are not differentiable: no gradients
        x, weight, bias = ctx.saved_tensors
        needs = ctx.needs_input_grad
        if torch.is_grad_enabled():  # create_graph: differentiate the recorded chain
            ins = (x, weight, bias)
            wanted = [t for t in ins if t is not None and t.requires_grad]
            with torch.enable_grad():
                out = _chain(x, weight, bias, ctx.eps)
                grads = iter(torch.autograd.grad(out, wanted, dout, create_graph=True,
                                                 allow_unused=True))
            return (*(next(grads) if t is not None and t.requires_grad else None
                      for t in ins), None)
        if ctx.host is not None:
            xd, wd, xc, rstd = ctx.host
            gd = np.asarray(dout._data).astype(xd.dtype, copy=False)  # (a CPU output's)
            needs = (needs[0], needs[1], bias is not None and needs[2])
            dx, dw, db = _host_backward(xd, xc, gd, rstd, wd, needs)
            return _tensor(x, dx), _tensor(x, dw), _tensor(x, db), None
        if ctx.row is not None:
            mean, rstd = ctx.row
            gx, gw, gb = run(get_op("batch_norm_backward"), (x, dout, mean, rstd, weight),
                             (x._data, dout._data, mean._data, rstd._data, _d(weight)), {},
                             x.__class__, x._device, x._dtype)
            return (gx if needs[0] else None, gw if weight is not None and needs[1] else None,
                    gb if bias is not None and needs[2] else None, None)
        axes, shape = _layout(x)
        xc, rstd = ctx.xc, ctx.rstd
        count = x.numel() // x.shape[1]
        gsum = dout.sum(axes, keepdim=True)
        dotp = (dout * xc).sum(axes, keepdim=True)  # sum of dy (x - mean) per channel
        dx = dw = db = None
        if needs[0]:
            # w rstd (dy - mean(dy) - (x - mean) rstd^2 mean(dy (x - mean)))
            proj = dotp * (rstd * rstd / count)
            dx = (dout - gsum / count - xc * proj) * ctx.scale
        if weight is not None and needs[1]:
            dw = (dotp * rstd).reshape(-1)
        if bias is not None and needs[2]:
            db = gsum.reshape(-1)
        return dx, dw, db, None


def _d(t):
    return None if t is None else t._data


def batch_norm_training(x, weight, bias, eps: float):
    """``(out, mean, var)``: ``x`` (N, C, ...) normalised by its own per-channel statistics
    (the biased variance), times ``weight`` plus ``bias`` (each (C,) or None), as one
    autograd node; ``mean`` and ``var`` are (C,) and carry no gradient."""
    return _BatchNormTrain.apply(x, weight, bias, float(eps))


def _move(running, stat, momentum: float, factor: float) -> None:
    """``running = (1 - momentum) running + momentum factor stat``, in place (no gradient):
    on the arrays, in float64 as PyTorch's CPU kernel, where both are CPU float arrays."""
    r, v = running._data, stat._data
    if r.__class__ is np.ndarray and v.__class__ is np.ndarray and r.dtype in _HOST_DTYPES \
            and r.flags.writeable and r.shape == v.shape:
        new = r.astype(np.float64) * (1 - momentum) + v.astype(np.float64) * (momentum * factor)
        np.copyto(r, new, casting="unsafe")
        running._version[0] += 1
        return
    with torch.no_grad():
        s = stat if factor == 1.0 else stat * factor
        running.mul_(1 - momentum).add_(s.to(running.dtype) * momentum)


_UPDATE_STATS = get_op("batch_norm_update_stats")


def _device_stats(mean, running_mean, running_var, counter) -> bool:
    """Whether the running buffers (one may be None) take the row
    ``batch_norm_update_stats``: off the CPU, of the batch statistics' dtype, device and
    shape (the counter, if any, a 0-d integer tensor on that device)."""
    if mean._device.type == "cpu" or (running_mean is None and running_var is None):
        return False
    if counter is not None and (counter._device is not mean._device or counter._dtype.kind
                                not in "iu" or counter._data.shape != ()):
        return False
    return all(t is None or (t._device is mean._device and t._dtype is mean._dtype
                             and t._data.shape == mean._data.shape)
               for t in (running_mean, running_var))


def batch_norm(input, running_mean, running_var, weight=None, bias=None,  # noqa: A002
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5):
    """Normalise each channel (dim 1) by the batch's statistics (training) or the running
    ones; in training the running buffers move by ``momentum`` toward the batch mean and
    unbiased variance, in place."""
    return batch_norm_counted(input, running_mean, running_var, weight, bias, training,
                              momentum, eps)


def batch_norm_counted(input, running_mean, running_var, weight=None, bias=None,  # noqa: A002
                       training: bool = False, momentum: float = 0.1, eps: float = 1e-5,
                       num_batches_tracked=None):
    """``batch_norm``, and in training ``num_batches_tracked`` (a layer's counter, or None)
    counted up by one: off the CPU in the same launch as the running statistics."""
    if input.ndim < 2:
        raise ModuleValueError(f"batch_norm: expected at least 2-D input (N, C, ...), got "
                               f"{tuple(input.shape)}")
    c = input.shape[1]
    if training:
        n = input.numel() // c
        if n <= 1:
            raise ModuleValueError(f"Expected more than 1 value per channel when training, "
                                   f"got input size {list(input.shape)}")
        out, mean, var = batch_norm_training(input, weight, bias, eps)
        nb = num_batches_tracked
        if _device_stats(mean, running_mean, running_var, nb):  # one launch, in place
            datas = (_d(running_mean), _d(running_var), mean._data, var._data, _d(nb))
            p = {"momentum": float(momentum), "factor": n / (n - 1)}
            try:  # the row's kernel, called directly (never recorded; its result is unused)
                k = kernel(_UPDATE_STATS, mean._device, mean._dtype)
            except TruenoError:  # no kernel on this device: run() runs the decomposition
                k = None
            if k is None:
                run(_UPDATE_STATS, (running_mean, running_var, mean, var, nb), datas, p,
                    mean.__class__, mean._device, mean._dtype)
            else:
                k(*datas, **p)
            for t in (running_mean, running_var, nb):
                if t is not None:
                    t._version[0] += 1
            return out
        if nb is not None:
            with torch.no_grad():
                nb.add_(1)
        if running_mean is not None:
            _move(running_mean, mean, momentum, 1.0)
        if running_var is not None:
            _move(running_var, var, momentum, n / (n - 1))  # toward the unbiased variance
        return out
    return call_row("batch_norm", _batch_norm_row, (input, running_mean, running_var),
                    {"weight": _data(weight), "bias": _data(bias), "eps": float(eps)},
                    (weight, bias))
