"""Distances and the margin / embedding losses (``F.pairwise_distance``,
``F.cosine_similarity``, ``F.triplet_margin_loss``, ``F.multi_margin_loss``, ...).

Each is a composition of public trueno ops that follows ATen's formula step by step
(``aten/src/ATen/native/Loss.cpp``, ``Distance.cpp``, the multi-margin kernels), so values
and gradients equal PyTorch's, at a hinge's corner too (``clamp_min`` passes the gradient
at 0, the multi-margin kernels do not).
"""

from __future__ import annotations

from trueno.amp import autocast_function
import trueno.torch as torch

from trueno import ShapeError

from ._errors import ModuleValueError
from ._functional_act import logsigmoid
from ._functional_loss import _legacy, _reduce

__all__ = ["pairwise_distance", "cosine_similarity", "cosine_embedding_loss",
           "margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss",
           "multilabel_soft_margin_loss", "multilabel_margin_loss", "multi_margin_loss",
           "triplet_margin_loss", "triplet_margin_with_distance_loss"]


def _straight_through_clamp_min(x, lo: float):
    """``x`` clamped at ``lo`` in value, with the gradient of ``x`` (PyTorch clamps these
    under ``no_grad``)."""
    d = x.detach()
    return x + (torch.clamp_min(d, lo) - d)


def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
    """``||x1 - x2 + eps||_p`` over the last dimension (of the broadcast shape)."""
    dim = max(x1.ndim, x2.ndim) - 1
    return torch.norm(x1 - x2 + eps, p, dim if dim >= 0 else None, keepdim)


@autocast_function("cosine_similarity")
def cosine_similarity(x1, x2, dim: int = 1, eps: float = 1e-8):
    """``sum((x1 / max(|x1|, eps)) * (x2 / max(|x2|, eps)), dim)``, each input divided by its
    own norm first, as ATen does."""
    x1, x2 = torch.broadcast_tensors(x1, x2)
    n1 = _straight_through_clamp_min(torch.linalg.vector_norm(x1, 2, dim=dim, keepdim=True), eps)
    n2 = _straight_through_clamp_min(torch.linalg.vector_norm(x2, 2, dim=dim, keepdim=True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


@autocast_function("cosine_embedding_loss")
def cosine_embedding_loss(input1, input2, target, margin: float = 0.0,
                          size_average=None, reduce=None, reduction: str = "mean"):
    """``1 - cos(x1, x2)`` where ``target == 1`` and ``max(0, cos(x1, x2) - margin)`` where
    ``target == -1``."""
    tdim = target.ndim
    want = {1: 2, 0: 1}.get(tdim)
    if want is None:
        raise ShapeError(f"cosine_embedding_loss: 0D or 1D target tensor expected, "
                         f"multi-target not supported; got target of shape "
                         f"{tuple(target.shape)}")
    if input1.ndim != want or input2.ndim != want:
        raise ShapeError(f"cosine_embedding_loss: {tdim}D target tensor expects {want}D "
                         f"input tensors, but found inputs with sizes "
                         f"{tuple(input1.shape)} and {tuple(input2.shape)}\n  hint: "
                         f"(N, D) inputs take an (N,) target, (D,) inputs a 0-d one")
    prod = (input1 * input2).sum(tdim)
    mag1 = (input1 * input1).sum(tdim) + 1e-12
    mag2 = (input2 * input2).sum(tdim) + 1e-12
    cos = prod / torch.sqrt(mag1 * mag2)
    zeros = torch.zeros_like(cos)
    pos = torch.where(target == 1, 1 - cos, zeros)
    neg = torch.where(target == -1, torch.clamp_min(cos - margin, 0.0), zeros)
    return _reduce(pos + neg, _legacy(size_average, reduce, reduction))


@autocast_function("margin_ranking_loss")
def margin_ranking_loss(input1, input2, target, margin: float = 0.0,
                        size_average=None, reduce=None, reduction: str = "mean"):
    """``max(0, -target (x1 - x2) + margin)``."""
    if not input1.ndim == input2.ndim == target.ndim:
        raise ShapeError(f"margin_ranking_loss : All input tensors should have same "
                         f"dimension but got sizes: input1: {tuple(input1.shape)}, "
                         f"input2: {tuple(input2.shape)}, target: "
                         f"{tuple(target.shape)}")
    loss = torch.clamp_min(-target * (input1 - input2) + margin, 0.0)
    return _reduce(loss, _legacy(size_average, reduce, reduction))


@autocast_function("hinge_embedding_loss")
def hinge_embedding_loss(input, target, margin: float = 1.0,  # noqa: A002
                         size_average=None, reduce=None, reduction: str = "mean"):
    """``x`` where ``target == 1`` and ``max(0, margin - x)`` where ``target == -1``."""
    zeros = torch.zeros_like(input)
    loss = torch.where(target != 1, torch.clamp_min(margin - input, 0.0), zeros) + \
        torch.where(target != -1, input, zeros)
    return _reduce(loss, _legacy(size_average, reduce, reduction))


@autocast_function("soft_margin_loss")
def soft_margin_loss(input, target, size_average=None, reduce=None,  # noqa: A002
                     reduction: str = "mean"):
    """``log(1 + exp(-target x))``."""
    loss = torch.log1p(torch.exp(-input * target))
    return _reduce(loss, _legacy(size_average, reduce, reduction))


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None,  # noqa: A002
                                reduce=None, reduction: str = "mean"):
    """``-mean_c(t log sigmoid(x) + (1 - t) log sigmoid(-x))`` per sample."""
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    cdim = input.ndim - 1
    loss = loss.sum(cdim) / input.shape[cdim]
    return _reduce(loss, _legacy(size_average, reduce, reduction))


def _class_targets(name: str, input, target):  # noqa: A002
    """Check ``(C,)``/``(N, C)`` scores; return them as ``(N, C)`` and whether to squeeze."""
    if input.ndim not in (1, 2) or input.numel() == 0 and input.ndim == 1:
        raise ModuleValueError(f"{name}: expected a non-empty 1D or 2D input of scores, got "
                               f"shape {tuple(input.shape)}\n  hint: (C,) or (N, C)")
    if input.is_floating_point() is False:
        raise ModuleValueError(f"{name}: expects floating point scores, got "
                               f"{input.dtype.name}")
    if target.is_floating_point() or target.dtype == torch.bool:
        raise ModuleValueError(f"{name}: target must hold integer class indices, got "
                               f"{target.dtype.name}\n  hint: target.long()")
    return input.ndim == 1


@autocast_function("multi_margin_loss")
def multi_margin_loss(input, target, p: int = 1, margin: float = 1.0,  # noqa: A002
                      weight=None, size_average=None, reduce=None, reduction: str = "mean"):
    """``sum_{i != y} max(0, margin - x[y] + x[i])^p * w[y] / C`` per sample."""
    if p not in (1, 2):
        raise ModuleValueError(f"multi_margin_loss: only p == 1 and p == 2 supported, got {p}")
    if weight is not None and weight.ndim != 1:
        raise ModuleValueError(f"multi_margin_loss: weight must be one-dimensional, got shape "
                               f"{tuple(weight.shape)}")
    squeeze = _class_targets("multi_margin_loss", input, target)
    x = input.unsqueeze(0) if squeeze else input
    n, c = x.shape
    if tuple(target.shape) not in ((n,), () if squeeze else (n,)):
        raise ShapeError(f"multi_margin_loss: inconsistent target size: got "
                         f"{tuple(target.shape)} for input of shape "
                         f"{tuple(input.shape)}\n  hint: one class index per sample")
    t = target.reshape(n)
    if n and (int(t.min()) < 0 or int(t.max()) >= c):
        raise ShapeError(f"multi_margin_loss: target out of range: class indices must be "
                         f"in [0, {c}), got min {int(t.min())}, max {int(t.max())}")
    xt = torch.gather(x, 1, t.unsqueeze(1))
    z = margin - xt + x
    h = torch.where(z > 0, z, torch.zeros_like(z))  # ATen's kernel: no gradient at z == 0
    if p == 2:
        h = h * h
    if weight is not None:
        h = h * weight.to(x.dtype)[t].unsqueeze(1)
    own = torch.arange(c, device=x.device) == t.unsqueeze(1)
    loss = torch.where(own, torch.zeros_like(h), h).sum(1) / c
    if squeeze:
        loss = loss.reshape(())
    return _reduce(loss, _legacy(size_average, reduce, reduction))


@autocast_function("multilabel_margin_loss")
def multilabel_margin_loss(input, target, size_average=None, reduce=None,  # noqa: A002
                           reduction: str = "mean"):
    """``sum_{j in targets} sum_{i not in targets} max(0, 1 - (x[j] - x[i])) / C`` per
    sample; a sample's targets are the indices before its first ``-1``."""
    squeeze = _class_targets("multilabel_margin_loss", input, target)
    if tuple(target.shape) != tuple(input.shape):
        raise ShapeError(f"multilabel_margin_loss: inconsistent target size: got "
                         f"{tuple(target.shape)} for input of shape "
                         f"{tuple(input.shape)}\n  hint: the target has the input's "
                         f"shape, class indices padded with -1")
    x = input.unsqueeze(0) if squeeze else input
    t = target.reshape(x.shape)
    c = x.shape[1]
    valid = torch.cumprod((t != -1).long(), 1) > 0
    if x.numel() and bool(((t < -1) | (t >= c)).any()):
        raise ShapeError(f"multilabel_margin_loss: target out of range: entries must be "
                         f"class indices in [0, {c}) or -1 (end of a sample's list)")
    safe = torch.where(valid, t, torch.zeros_like(t))
    classes = torch.arange(c, device=x.device)
    hit = (safe.unsqueeze(2) == classes) & valid.unsqueeze(2)  # (N, K, C)
    is_target = hit.any(1)  # (N, C)
    xj = torch.gather(x, 1, safe)  # (N, K)
    z = 1 - xj.unsqueeze(2) + x.unsqueeze(1)
    h = torch.where(z > 0, z, torch.zeros_like(z))  # ATen's kernel: no gradient at z == 0
    keep = valid.unsqueeze(2) & ~is_target.unsqueeze(1)
    loss = torch.where(keep, h, torch.zeros_like(h)).sum((1, 2)) / c
    if squeeze:
        loss = loss.reshape(())
    return _reduce(loss, _legacy(size_average, reduce, reduction))


def _check_margin(margin: float) -> None:
    if margin <= 0:
        raise ModuleValueError(f"margin must be greater than 0, got {margin}")


def _check_triplet_dims(anchor, positive, negative) -> None:
    a, p, n = anchor.ndim, positive.ndim, negative.ndim
    if not a == p == n:
        raise ShapeError(f"The anchor, positive, and negative tensors are expected to "
                         f"have the same number of dimensions, but got: anchor {a}D, "
                         f"positive {p}D, and negative {n}D inputs")


@autocast_function("triplet_margin_loss")
def triplet_margin_loss(anchor, positive, negative, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None,
                        reduce=None, reduction: str = "mean"):
    """``max(0, margin + d(a, p) - d(a, n))`` with ``d = pairwise_distance(., ., p, eps)``;
    ``swap`` uses ``min(d(a, n), d(p, n))``."""
    reduction = _legacy(size_average, reduce, reduction)
    _check_margin(margin)
    _check_triplet_dims(anchor, positive, negative)
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = torch.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce(torch.clamp_min(margin - d_neg + d_pos, 0.0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean"):
    """The triplet loss with any ``distance_function(x, y) -> (N,)`` (default
    ``pairwise_distance``)."""
    if reduction not in ("mean", "sum", "none"):
        raise ModuleValueError(f"{reduction} is not a valid value for reduction")
    _check_margin(margin)
    _check_triplet_dims(anchor, positive, negative)
    dist = pairwise_distance if distance_function is None else distance_function
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = torch.minimum(d_neg, dist(positive, negative))
    return _reduce(torch.clamp_min(margin + d_pos - d_neg, 0.0), reduction)
