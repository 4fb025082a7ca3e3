"""``batch_norm`` in training (the batch's statistics) as one autograd node with PyTorch's
closed-form backward (``native_batch_norm``): the forward centres the input once and keeps
it, the backward is ``dx = w rstd (dy - mean(dy) - x_hat mean(dy x_hat))`` with the
per-channel sums of ``dy`` and ``dy (x - mean)`` giving ``dbias`` and ``dweight``, instead of
autograd differentiating the chain mean -> centre -> variance -> normalise (about twice the
full-size passes). Every op is a trueno op, so it runs on every device; double backward
differentiates the recorded chain."""

from __future__ import annotations

import trueno.torch as torch

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


class _BatchNormTrain(torch.autograd.Function):
    """``out, mean, var`` (biased, (C,)) of ``x`` normalised by its batch statistics per
    channel, times ``weight`` plus ``bias`` (each optional)."""

    @staticmethod
    def forward(ctx, x, weight, bias, eps):
        axes, shape = _layout(x)
        mean = x.mean(axes, keepdim=True)
        var = x.var(axes, keepdim=True, unbiased=False)
        xc = x - mean
        rstd = torch.rsqrt(var + eps)
        scale = rstd if weight is None else rstd * weight.reshape(shape)
        out = xc * scale
        if bias is not None:
            out = out + bias.reshape(shape)
        ctx.save_for_backward(x, weight, bias)
        ctx.xc, ctx.rstd, ctx.scale, ctx.eps = xc, rstd, scale, eps
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


def batch_norm_training(x, weight, bias, eps: float):
    """``(out, mean, var)``: ``x`` (N, C, ...) normalised by its own per-channel statistics
    (the biased variance), times ``weight`` plus ``bias`` (each (C,) or None), as one
    autograd node; ``mean`` and ``var`` are (C,) and carry no gradient."""
    return _BatchNormTrain.apply(x, weight, bias, float(eps))


def batch_norm(input, running_mean, running_var, weight=None, bias=None,  # noqa: A002
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5):
    """Normalise each channel (dim 1) by the batch's statistics (training) or the running
    ones; in training the running buffers move by ``momentum`` toward the batch mean and
    unbiased variance, in place."""
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
        if running_mean is not None:
            with torch.no_grad():
                running_mean.mul_(1 - momentum).add_(mean.to(running_mean.dtype) * momentum)
                v = var * (n / (n - 1))
                running_var.mul_(1 - momentum).add_(v.to(running_var.dtype) * momentum)
        return out
    return call_row("batch_norm", _batch_norm_row, (input, running_mean, running_var),
                    {"weight": _data(weight), "bias": _data(bias), "eps": float(eps)},
                    (weight, bias))
