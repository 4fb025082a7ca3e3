"""Loss functions (``F.mse_loss``, ``F.cross_entropy``, ``F.nll_loss``, ``F.binary_cross_entropy``,
...), each a small composition of public trueno ops with PyTorch's reductions and formulas."""

from __future__ import annotations

import trueno.torch as torch

from ._errors import ModuleValueError

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div"]


def _reduce(loss, reduction: str):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ModuleValueError(f"{reduction} is not a valid value for reduction\n  hint: 'mean', "
                           f"'sum' or 'none'")


def _legacy(size_average, reduce, reduction):
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    return ("mean" if size_average else "sum") if reduce else "none"


def _same_shape(name, input, target):  # noqa: A002
    if tuple(input.shape) != tuple(target.shape):
        raise ModuleValueError(f"{name}: target size {tuple(target.shape)} differs from input "
                               f"size {tuple(input.shape)}\n  hint: the loss compares "
                               f"elementwise; reshape the target to the input's shape")


def mse_loss(input, target, size_average=None, reduce=None,  # noqa: A002
             reduction: str = "mean"):
    d = input - target
    return _reduce(d * d, _legacy(size_average, reduce, reduction))


def l1_loss(input, target, size_average=None, reduce=None,  # noqa: A002
            reduction: str = "mean"):
    return _reduce(torch.abs(input - target), _legacy(size_average, reduce, reduction))


def smooth_l1_loss(input, target, size_average=None, reduce=None,  # noqa: A002
                   reduction: str = "mean", beta: float = 1.0):
    a = torch.abs(input - target)
    if beta == 0.0:
        return _reduce(a, _legacy(size_average, reduce, reduction))
    loss = torch.where(a < beta, a * a * (0.5 / beta), a - 0.5 * beta)
    return _reduce(loss, _legacy(size_average, reduce, reduction))


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0):  # noqa: A002
    a = torch.abs(input - target)
    loss = torch.where(a < delta, a * a * 0.5, (a - 0.5 * delta) * delta)
    return _reduce(loss, reduction)


def _class_dim_check(name, input, target):  # noqa: A002
    if input.ndim < 1:
        raise ModuleValueError(f"{name}: input must have at least 1 dimension (classes)")
    want = (tuple(input.shape[:1]) + tuple(input.shape[2:])) if input.ndim > 1 else ()
    if tuple(target.shape) != want:
        raise ModuleValueError(f"{name}: expected target of shape {want} for input of shape "
                               f"{tuple(input.shape)}, got {tuple(target.shape)}\n  hint: "
                               f"the input is (N, C, ...) scores and the target (N, ...) "
                               f"class indices")


def _nll(logp, target, weight, ignore_index, reduction):
    """PyTorch's nll_loss on log-probabilities ``logp`` (N, C, ...) or (C,)."""
    cdim = 1 if logp.ndim > 1 else 0
    ignore = target == ignore_index
    safe = torch.where(ignore, torch.zeros_like(target), target)
    picked = torch.gather(logp, cdim, safe.unsqueeze(cdim)).squeeze(cdim)
    w = torch.ones_like(picked) if weight is None else weight.to(logp.dtype)[safe]
    w = torch.where(ignore, torch.zeros_like(w), w)
    loss = -picked * w
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.sum() / w.sum()
    return _reduce(loss, reduction)


def nll_loss(input, target, weight=None, size_average=None, ignore_index: int = -100,  # noqa: A002
             reduce=None, reduction: str = "mean"):
    """``-input[n, target[n]] * weight[target[n]]``; ``mean`` divides by the summed weights
    of the targets that are not ``ignore_index``."""
    _class_dim_check("nll_loss", input, target)
    return _nll(input, target, weight, ignore_index, _legacy(size_average, reduce, reduction))


def cross_entropy(input, target, weight=None, size_average=None,  # noqa: A002
                  ignore_index: int = -100, reduce=None, reduction: str = "mean",
                  label_smoothing: float = 0.0):
    """``nll_loss(log_softmax(input, 1), target)`` for class indices; for a float target of
    the input's shape, class probabilities. ``label_smoothing`` mixes in the uniform
    distribution, with PyTorch's normalisation."""
    reduction = _legacy(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ModuleValueError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                               f"{label_smoothing}")
    cdim = 1 if input.ndim > 1 else 0
    n_classes = input.shape[cdim]
    logp = torch.log_softmax(input, cdim)
    wshape = [1] * input.ndim
    wshape[cdim] = n_classes
    wb = None if weight is None else weight.to(logp.dtype).reshape(wshape)
    if target.is_floating_point():  # class probabilities
        if tuple(target.shape) != tuple(input.shape):
            raise ModuleValueError(f"cross_entropy: a float target (class probabilities) must "
                                   f"have the input's shape {tuple(input.shape)}, got "
                                   f"{tuple(target.shape)}")
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / n_classes
        prod = logp * target if wb is None else logp * target * wb
        loss = -prod.sum(cdim)
        if reduction == "mean":
            return loss.sum() / (input.numel() // n_classes if input.ndim else 1)
        return _reduce(loss, reduction)
    _class_dim_check("cross_entropy", input, target)
    nll = _nll(logp, target, weight, ignore_index, reduction)
    if label_smoothing == 0.0:
        return nll
    ignore = target == ignore_index
    smooth = -(logp if wb is None else logp * wb).sum(cdim)
    smooth = torch.where(ignore, torch.zeros_like(smooth), smooth)
    if reduction == "mean":
        if weight is None:
            ret = smooth.sum() / (~ignore).sum()
        else:
            safe = torch.where(ignore, torch.zeros_like(target), target)
            w = torch.where(ignore, torch.zeros((), dtype=logp.dtype, device=logp.device),
                            weight.to(logp.dtype)[safe])
            ret = smooth.sum() / w.sum()
    else:
        ret = _reduce(smooth, reduction)
    return nll * (1 - label_smoothing) + ret * (label_smoothing / n_classes)


def binary_cross_entropy(input, target, weight=None, size_average=None,  # noqa: A002
                         reduce=None, reduction: str = "mean"):
    """``-w (t log x + (1 - t) log(1 - x))``, each log clamped at -100 (as PyTorch)."""
    _same_shape("binary_cross_entropy", input, target)
    lx = torch.clamp(torch.log(input), min=-100.0)
    l1x = torch.clamp(torch.log1p(-input), min=-100.0)
    loss = -(target * lx + (1 - target) * l1x)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, _legacy(size_average, reduce, reduction))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,  # noqa: A002
                                     reduce=None, reduction: str = "mean", pos_weight=None):
    """``(1 - t) x + lw * softplus(-x)`` with ``lw = 1 + (pos_weight - 1) t``, computed as
    ``log1p(exp(-|x|)) + max(-x, 0)`` so that it never overflows."""
    _same_shape("binary_cross_entropy_with_logits", input, target)
    sp = torch.log1p(torch.exp(-torch.abs(input))) + torch.clamp(-input, min=0.0)
    if pos_weight is not None:
        sp = sp * ((pos_weight - 1) * target + 1)
    loss = (1 - target) * input + sp
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, _legacy(size_average, reduce, reduction))


def kl_div(input, target, size_average=None, reduce=None,  # noqa: A002
           reduction: str = "mean", log_target: bool = False):
    """``target (log target - input)`` (``input`` is log-probabilities)."""
    if log_target:
        loss = torch.exp(target) * (target - input)
    else:
        loss = torch.xlogy(target, target) - target * input
    reduction = _legacy(size_average, reduce, reduction)
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(loss, reduction)
