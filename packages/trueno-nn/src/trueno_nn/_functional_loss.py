"""Loss functions (``F.mse_loss``, ``F.cross_entropy``, ``F.nll_loss``, ``F.binary_cross_entropy``,
...), each a small composition of public trueno ops with PyTorch's reductions and formulas."""

from __future__ import annotations

import math

import numpy as np

from trueno.amp import autocast_function
import trueno.torch as torch
from trueno.backend import CPU, dtype_of, get_op, kernel, run, wrap

from ._errors import ModuleValueError
from ._functional_act import call_row, logsigmoid
from ._functional_ctc import ctc_loss

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
           "poisson_nll_loss", "gaussian_nll_loss", "ctc_loss"]


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


@autocast_function("mse_loss")
def mse_loss(input, target, size_average=None, reduce=None,  # noqa: A002
             reduction: str = "mean"):
    return call_row("mse_loss", _mse_loss_row, (input, target),
                    {"reduction": _legacy(size_average, reduce, reduction)})


def _mse_loss_row(input, target, *, reduction: str = "mean"):  # noqa: A002
    """The ``mse_loss`` row's decomposition."""
    d = input - target
    return _reduce(d * d, reduction)


@autocast_function("l1_loss")
def l1_loss(input, target, size_average=None, reduce=None,  # noqa: A002
            reduction: str = "mean"):
    return call_row("l1_loss", _l1_loss_row, (input, target),
                    {"reduction": _legacy(size_average, reduce, reduction)})


def _l1_loss_row(input, target, *, reduction: str = "mean"):  # noqa: A002
    """The ``l1_loss`` row's decomposition."""
    return _reduce(torch.abs(input - target), reduction)


@autocast_function("smooth_l1_loss")
def smooth_l1_loss(input, target, size_average=None, reduce=None,  # noqa: A002
                   reduction: str = "mean", beta: float = 1.0):
    return call_row("smooth_l1_loss", _smooth_l1_loss_row, (input, target),
                    {"beta": float(beta),
                     "reduction": _legacy(size_average, reduce, reduction)})


def _smooth_l1_loss_row(input, target, *, beta: float = 1.0,  # noqa: A002
                        reduction: str = "mean"):
    """The ``smooth_l1_loss`` row's decomposition."""
    a = torch.abs(input - target)
    if beta == 0.0:
        return _reduce(a, reduction)
    loss = torch.where(a < beta, a * a * (0.5 / beta), a - 0.5 * beta)
    return _reduce(loss, reduction)


@autocast_function("huber_loss")
def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0):  # noqa: A002
    return call_row("huber_loss", _huber_loss_row, (input, target),
                    {"delta": float(delta), "reduction": reduction})


def _huber_loss_row(input, target, *, delta: float = 1.0,  # noqa: A002
                    reduction: str = "mean"):
    """The ``huber_loss`` row's decomposition."""
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


@autocast_function("nll_loss")
def nll_loss(input, target, weight=None, size_average=None, ignore_index: int = -100,  # noqa: A002
             reduce=None, reduction: str = "mean"):
    """``-input[n, target[n]] * weight[target[n]]``; ``mean`` divides by the summed weights
    of the targets that are not ``ignore_index``."""
    _class_dim_check("nll_loss", input, target)
    return call_row("nll_loss", _nll_loss_row, (input, target),
                    {"weight": _data(weight), "ignore_index": int(ignore_index),
                     "reduction": _legacy(size_average, reduce, reduction)}, (weight,))


def _nll_loss_row(input, target, *extra, weight=None, ignore_index: int = -100,  # noqa: A002
                  reduction: str = "mean"):
    """The ``nll_loss`` row's decomposition (the weight tensor comes as an extra input)."""
    return _nll(input, target, extra[0] if extra else weight, ignore_index, reduction)


@autocast_function("cross_entropy")
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
    if target.is_floating_point():  # class probabilities
        if tuple(target.shape) != tuple(input.shape):
            raise ModuleValueError(f"cross_entropy: a float target (class probabilities) must "
                                   f"have the input's shape {tuple(input.shape)}, got "
                                   f"{tuple(target.shape)}")
    else:
        _class_dim_check("cross_entropy", input, target)
    return call_row("cross_entropy", _cross_entropy_row, (input, target),
                    {"weight": _data(weight), "ignore_index": int(ignore_index),
                     "reduction": reduction, "label_smoothing": float(label_smoothing)},
                    (weight,))


def _cross_entropy_row(input, target, *extra, weight=None,  # noqa: A002
                       ignore_index: int = -100, reduction: str = "mean",
                       label_smoothing: float = 0.0):
    """The ``cross_entropy`` row's decomposition (the weight tensor comes as an extra
    input)."""
    weight = extra[0] if extra else weight
    if label_smoothing == 0.0 and not target.is_floating_point() and \
            reduction in ("mean", "sum", "none") and (weight is None or not weight.requires_grad):
        return _CrossEntropy.apply(input, target, weight, ignore_index, reduction)
    cdim = 1 if input.ndim > 1 else 0
    n_classes = input.shape[cdim]
    logp = torch.log_softmax(input, cdim)
    wshape = [1] * input.ndim
    wshape[cdim] = n_classes
    wb = None if weight is None else weight.to(logp.dtype).reshape(wshape)
    if target.is_floating_point():  # class probabilities
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / n_classes
        prod = logp * target if wb is None else logp * target * wb
        loss = -prod.sum(cdim)
        if reduction == "mean":
            return loss.sum() / (input.numel() // n_classes if input.ndim else 1)
        return _reduce(loss, reduction)
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


_CLASS_IDS: dict = {}  # (classes, ndim, device) -> the class ids the one-hot compares with


def _class_ids(n: int, ndim: int, device):
    """``arange(n)`` (int64, on ``device``) shaped to lie along the class axis of an
    ``ndim``-d input ((C,), or (C, 1, ...) for (N, C, d1, ...)); made once per shape and
    device, so a training step uploads nothing (``ndim=1``: (C,), whose [0] is a device 0)."""
    key = (n, ndim, str(device))
    ids = _CLASS_IDS.get(key)
    if ids is None:
        if len(_CLASS_IDS) > 64:
            _CLASS_IDS.clear()
        ids = torch.arange(n, device=device)
        if ndim > 2:
            ids = ids.reshape((n,) + (1,) * (ndim - 2))
        _CLASS_IDS[key] = ids
    return ids


_HOST_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_LOG_SOFTMAX = get_op("log_softmax")


def _host_cross_entropy(x, target, weight, ignore_index):
    """``(logp, w, safe, valid)`` of ``_CrossEntropy`` on NumPy arrays (log-probabilities,
    the per-target weights, 0 at ignored targets, the targets with ignored ones set to class
    0, the mask of the others) for a CPU float input, integer targets and a CPU or no
    weight; None otherwise, and for a target out of range (the trueno-op path raises
    gather's error)."""
    xd, td, wd = x._data, target._data, None if weight is None else weight._data
    if xd.__class__ is not np.ndarray or xd.dtype not in _HOST_FLOATS or td.__class__ is not \
            np.ndarray or td.dtype.kind not in "iu" or not isinstance(wd, (np.ndarray, type(None))):
        return None
    cdim = 1 if xd.ndim > 1 else 0
    valid = td != ignore_index
    safe = td if valid.all() else np.where(valid, td, 0)
    if safe.size and (safe.min() < 0 or safe.max() >= xd.shape[cdim]):
        return None
    logp = np.asarray(kernel(_LOG_SOFTMAX, CPU, dtype_of(xd.dtype))(xd, cdim))
    w = valid.astype(xd.dtype)
    if wd is not None:
        w *= wd.astype(xd.dtype, copy=False)[safe]
    return logp, w, safe, valid


_ROWS: dict = {}


def _at_targets(safe, cdim: int) -> tuple:
    """The index of each target's class in an (N, C, ...) or (C,) array: ``a[index]`` has
    the targets' shape."""
    if safe.ndim == 1:
        n = safe.shape[0]
        rows = _ROWS.get(n)
        if rows is None:  # one index array per batch size (read only, never written)
            if len(_ROWS) > 64:
                _ROWS.clear()
            rows = _ROWS[n] = np.arange(n)
        return rows, safe
    grids = np.ix_(*(np.arange(n) for n in safe.shape))
    return grids[:cdim] + (safe,) + grids[cdim:]


class _CrossEntropy(torch.autograd.Function):
    """``cross_entropy`` of class indices (no label smoothing) as one autograd node with
    PyTorch's closed-form gradient ``w_n (softmax(x)_n - onehot(t_n)) g / D`` (nll_loss's
    backward through log_softmax's), instead of autograd walking the ~10 recorded ops of
    ``_nll``: the forward runs unrecorded, the backward is five elementwise ops. Every op is
    a trueno op (any device; the target is never read on the host), except for a CPU float
    input, computed on the NumPy arrays (``_host_cross_entropy``); double backward
    differentiates the recorded chain."""

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction):
        cdim = 1 if x.ndim > 1 else 0
        ctx.cdim, ctx.ignore_index, ctx.reduction = cdim, ignore_index, reduction
        ctx.save_for_backward(x, target, weight)
        ctx.host = host = _host_cross_entropy(x, target, weight, ignore_index)
        if host is not None:  # the same on the NumPy arrays; an ignored target's loss is
            logp, w, safe, valid = host  # 0 as PyTorch's (even where logp[class 0] is -inf)
            ctx.denom = w.sum() if reduction == "mean" else None
            # no weight and no ignored target (safe is target): w is all ones, denom > 0
            ctx.plain = plain = weight is None and safe is target._data
            if plain:  # the same values without the masks (-(p * 1) is -p, no 0/0)
                loss = -(logp[_at_targets(safe, cdim)] * w)
                loss = loss if reduction == "none" else loss.sum() if reduction == "sum" \
                    else loss.sum() / ctx.denom
                return wrap(x.__class__, np.asarray(loss, logp.dtype), CPU, None, x._dtype)
            with np.errstate(divide="ignore", invalid="ignore"):  # all ignored: NaN
                loss = np.where(valid, -(logp[_at_targets(safe, cdim)] * w), 0)
                loss = loss if reduction == "none" else loss.sum() if reduction == "sum" \
                    else loss.sum() / ctx.denom
            return wrap(x.__class__, np.asarray(loss, logp.dtype), CPU, None, x._dtype)
        ctx.row = None
        if x._device.type != "cpu":  # off the CPU: the rows (GPU: 2 dispatches, 1 backward)
            w = None if weight is None else weight.to(x.dtype)
            p = {"ignore_index": ignore_index, "reduction": reduction}
            loss, lse, denom = run(get_op("cross_entropy_forward"), (x, target, w),
                                   (x._data, target._data, _data(w)), p, x.__class__,
                                   x._device, x._dtype)
            ctx.row = (w, lse, denom, p)
            return loss
        logp = torch.log_softmax(x, cdim)
        valid = target != ignore_index
        # ignored targets gather class 0 with weight 0 (a device 0: a Python 0 is uploaded)
        safe = torch.where(valid, target, _class_ids(x.shape[cdim], 1, x.device)[0])
        picked = torch.gather(logp, cdim, safe.unsqueeze(cdim)).squeeze(cdim)
        w = valid.to(logp.dtype)
        if weight is not None:  # a gather, not weight[safe] (which reads the index back)
            wt = torch.gather(weight.to(logp.dtype), 0, safe.reshape(-1)).reshape(safe.shape)
            w = w * wt
        pw = picked * w
        if reduction == "none":
            loss = -pw
            denom = None
        elif reduction == "sum":
            loss = -pw.sum()
            denom = None
        else:
            denom = w.sum()
            loss = pw.sum() / -denom
        ctx.logp, ctx.w, ctx.safe, ctx.denom = logp, w, safe, denom
        return loss

    @staticmethod
    def backward(ctx, g):
        x, target, weight = ctx.saved_tensors
        if torch.is_grad_enabled():  # create_graph: differentiate the recorded chain
            with torch.enable_grad():
                logp = torch.log_softmax(x, ctx.cdim)
                loss = _nll(logp, target, weight, ctx.ignore_index, ctx.reduction)
                (gx,) = torch.autograd.grad(loss, (x,), g, create_graph=True)
            return gx, None, None, None, None
        cdim = ctx.cdim
        if ctx.host is not None:
            logp, w, safe, valid = ctx.host
            gd = np.asarray(g._data).astype(logp.dtype, copy=False)  # (a CPU loss's)
            with np.errstate(divide="ignore", invalid="ignore"):
                s = w * (gd / ctx.denom) if ctx.reduction == "mean" else w * gd
                # PyTorch's order: nll_loss's -s at each target (0 at an ignored one, even
                # where s is not finite), then log_softmax's g - exp(logp) sum(g)
                if not ctx.plain:  # (every target valid: the mask keeps all of s)
                    s = np.where(valid, s, 0)
                s = s.astype(logp.dtype, copy=False)
                dx = np.exp(logp)
                dx *= s.reshape(s.shape[:cdim] + (1,) + s.shape[cdim:])
                dx[_at_targets(safe, cdim)] -= s
            return wrap(x.__class__, dx, CPU, None, x._dtype), None, None, None, None
        if ctx.row is not None:
            w, lse, denom, p = ctx.row
            gx = run(get_op("cross_entropy_backward"), (x, target, w, lse, g, denom),
                     (x._data, target._data, _data(w), lse._data, g._data, denom._data), p,
                     x.__class__, x._device, x._dtype)
            return gx, None, None, None, None
        logp = ctx.logp
        if ctx.reduction == "mean":
            s = ctx.w * (g / ctx.denom)
        else:  # sum: a 0-d g; none: g per target
            s = ctx.w * g
        s = s.unsqueeze(cdim)
        onehot = _class_ids(logp.shape[cdim], logp.ndim, logp.device) == ctx.safe.unsqueeze(cdim)
        return (torch.exp(logp) - onehot) * s, None, None, None, None


@autocast_function("binary_cross_entropy")
def binary_cross_entropy(input, target, weight=None, size_average=None,  # noqa: A002
                         reduce=None, reduction: str = "mean"):
    """``-w (t log x + (1 - t) log(1 - x))``, each log clamped at -100 (as PyTorch)."""
    _same_shape("binary_cross_entropy", input, target)
    return call_row("binary_cross_entropy", _binary_cross_entropy_row, (input, target),
                    {"weight": _data(weight),
                     "reduction": _legacy(size_average, reduce, reduction)}, (weight,))


def _data(t):
    """A tensor parameter's device array, as a row's kernel receives it (None stays)."""
    return None if t is None else t._data


def _binary_cross_entropy_row(input, target, *extra, weight=None,  # noqa: A002
                              reduction: str = "mean"):
    """The ``binary_cross_entropy`` row's decomposition (the weight tensor comes as an extra
    input, so autograd records it)."""
    weight = extra[0] if extra else weight
    lx = torch.clamp(torch.log(input), min=-100.0)
    l1x = torch.clamp(torch.log1p(-input), min=-100.0)
    loss = -(target * lx + (1 - target) * l1x)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


@autocast_function("binary_cross_entropy_with_logits")
def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,  # noqa: A002
                                     reduce=None, reduction: str = "mean", pos_weight=None):
    """``(1 - t) x + lw * softplus(-x)`` with ``lw = 1 + (pos_weight - 1) t``, with
    ``softplus(-x) = -logsigmoid(x)``, which never overflows and has PyTorch's gradient at
    0."""
    _same_shape("binary_cross_entropy_with_logits", input, target)
    return call_row("binary_cross_entropy_with_logits", _binary_cross_entropy_with_logits_row,
                    (input, target), {"weight": _data(weight),
                                      "reduction": _legacy(size_average, reduce, reduction),
                                      "pos_weight": _data(pos_weight)}, (weight, pos_weight))


def _binary_cross_entropy_with_logits_row(input, target, *extra, weight=None,  # noqa: A002
                                          reduction: str = "mean", pos_weight=None):
    """The ``binary_cross_entropy_with_logits`` row's decomposition (weight and pos_weight
    come as extra inputs)."""
    if extra:
        weight, pos_weight = (tuple(extra) + (None,))[:2]
    sp = -logsigmoid(input)
    if pos_weight is not None:
        sp = sp * ((pos_weight - 1) * target + 1)
    loss = (1 - target) * input + sp
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


@autocast_function("kl_div")
def kl_div(input, target, size_average=None, reduce=None,  # noqa: A002
           reduction: str = "mean", log_target: bool = False):
    """``target (log target - input)`` (``input`` is log-probabilities)."""
    return call_row("kl_div", _kl_div_row, (input, target),
                    {"reduction": _legacy(size_average, reduce, reduction),
                     "log_target": bool(log_target)})


def _kl_div_row(input, target, *, reduction: str = "mean",  # noqa: A002
                log_target: bool = False):
    """The ``kl_div`` row's decomposition."""
    if log_target:
        loss = torch.exp(target) * (target - input)
    else:
        loss = torch.xlogy(target, target) - target * input
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(loss, reduction)


@autocast_function("poisson_nll_loss")
def poisson_nll_loss(input, target, log_input: bool = True, full: bool = False,  # noqa: A002
                     size_average=None, eps: float = 1e-8, reduce=None,
                     reduction: str = "mean"):
    """``exp(x) - t x`` (``log_input``) or ``x - t log(x + eps)``; ``full`` adds Stirling's
    term ``t log t - t + log(2 pi t) / 2`` where ``t > 1``."""
    reduction = _legacy(size_average, reduce, reduction)
    if reduction not in ("none", "mean", "sum"):
        raise ModuleValueError(f"{reduction} is not a valid value for reduction")
    if log_input:
        loss = torch.exp(input) - target * input
    else:
        loss = input - target * torch.log(input + eps)
    if full:
        big = target > 1
        t = torch.where(big, target, torch.ones_like(target))
        stirling = t * torch.log(t) - t + 0.5 * torch.log(2 * math.pi * t)
        loss = loss + torch.where(big, stirling, torch.zeros_like(stirling))
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full: bool = False, eps: float = 1e-6,  # noqa: A002
                      reduction: str = "mean"):
    """``(log(max(var, eps)) + (x - t)^2 / max(var, eps)) / 2`` (plus ``log(2 pi) / 2`` when
    ``full``); ``var`` has the input's shape, one dimension fewer, or a single size-1
    dimension (homoscedastic), or is a float. The clamp passes gradients through, as
    PyTorch's ``no_grad`` clamp does."""
    if isinstance(var, (int, float)):
        if var < 0:
            raise ModuleValueError("var has negative entry/entries")
        var = var * torch.ones_like(input)
    elif bool((var < 0).any()):
        raise ModuleValueError("var has negative entry/entries")
    ishape, vshape = tuple(input.shape), tuple(var.shape)
    if vshape != ishape:
        if ishape[:-1] == vshape:
            var = var.unsqueeze(-1)
        elif not (len(ishape) == len(vshape)
                  and sum(v for i, v in zip(ishape, vshape) if i != v) == 1):
            raise ModuleValueError(f"var is of incorrect size: gaussian_nll_loss got var of "
                                   f"shape {vshape} for input of shape {ishape}\n  hint: var "
                                   f"has the input's shape, or it without the last dimension, "
                                   f"or one dimension of size 1")
    if reduction not in ("none", "mean", "sum"):
        raise ModuleValueError(f"{reduction} is not valid")
    d = var.detach()
    var = var + (torch.clamp_min(d, eps) - d)
    diff = input - target
    loss = 0.5 * (torch.log(var) + diff * diff / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)
