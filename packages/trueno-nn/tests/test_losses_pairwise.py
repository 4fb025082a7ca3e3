"""Distances, margin and embedding losses, Poisson and Gaussian NLL: forward and gradients of
every float input vs PyTorch 2.13, float32 and float64, each reduction; the modules; errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T
import torch.nn as TN
import torch.nn.functional as TF
from nn_checks import check_fn

import trueno.nn as nn
import trueno.nn.functional as F
import trueno.torch as torch

REDUCTIONS = ["mean", "sum", "none"]


def _u(shape, dtype, seed, lo=-2.0, hi=2.0):
    return np.random.default_rng(seed).uniform(lo, hi, shape).astype(dtype)


def _signs(shape, seed):
    return np.where(np.random.default_rng(seed).random(shape) < 0.5, -1.0, 1.0)


def _check(fn_tn, fn_t, arrays, dtype, const=(), scale=1.0):
    """Forward of both, then the gradients of ``sum(out * g)`` (g uniform in [-2, 2)) wrt
    every float input whose index is not in ``const``."""
    check_fn(fn_tn, fn_t, arrays, dtype, const, scale, g_range=2.0)


def _both(name, *args, **kw):
    return (lambda *a: getattr(F, name)(*a, *args, **kw),
            lambda *a: getattr(TF, name)(*a, *args, **kw))


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0, float("inf")])
def test_pairwise_distance(p, dtype):
    x, y = _u((4, 6), dtype, 1), _u((4, 6), dtype, 2)
    _check(*_both("pairwise_distance", p=p), [x, y], dtype)
    _check(*_both("pairwise_distance", p=p, keepdim=True), [x, y], dtype)
    _check(*_both("pairwise_distance", p=p), [x, _u((6,), dtype, 3)], dtype)


@pytest.mark.filterwarnings("ignore:invalid value encountered in divide:RuntimeWarning")
def test_cosine_similarity(dtype):
    x, y = _u((3, 5, 2), dtype, 1), _u((3, 5, 2), dtype, 2)
    _check(*_both("cosine_similarity"), [x, y], dtype)
    _check(*_both("cosine_similarity", dim=-1), [x, y], dtype)
    x[0, :, 0] = 1e-4  # a norm below eps: clamped, its gradient passes on (as PyTorch's)
    _check(*_both("cosine_similarity", eps=1e-2), [x, y], dtype)
    x[0, :, 0] = 0.0  # a zero vector
    _check(*_both("cosine_similarity", eps=1e-3), [x, y], dtype)
    _check(*_both("cosine_similarity"), [x, _u((5, 1), dtype, 4)], dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cosine_embedding_loss(reduction, dtype):
    x, y = _u((5, 4), dtype, 1), _u((5, 4), dtype, 2)
    t = np.array([1, -1, 1, -1, -1], dtype=np.int64)
    _check(*_both("cosine_embedding_loss", margin=0.1, reduction=reduction),
           [x, y, t], dtype)
    _check(*_both("cosine_embedding_loss", reduction=reduction),
           [x[0], y[0], np.array(-1, dtype=np.int64)], dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_ranking_and_hinge_embedding(reduction, dtype):
    x, y, t = _u((7,), dtype, 1), _u((7,), dtype, 2), _signs((7,), 3).astype(dtype)
    _check(*_both("margin_ranking_loss", margin=0.3, reduction=reduction), [x, y, t], dtype,
           const=(2,))
    _check(*_both("hinge_embedding_loss", margin=0.7, reduction=reduction),
           [_u((3, 4), dtype, 4), _signs((3, 4), 5).astype(dtype)], dtype, const=(1,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_soft_margin_and_multilabel_soft_margin(reduction, dtype):
    x, t = _u((4, 5), dtype, 1), _signs((4, 5), 2).astype(dtype)
    _check(*_both("soft_margin_loss", reduction=reduction), [x, t], dtype, const=(1,))
    y, w = (t > 0).astype(dtype), _u((5,), dtype, 3, 0.5, 2.0)
    _check(*_both("multilabel_soft_margin_loss", reduction=reduction), [x, y], dtype)
    _check(lambda a, b, c: F.multilabel_soft_margin_loss(a, b, c, reduction=reduction),
           lambda a, b, c: TF.multilabel_soft_margin_loss(a, b, c, reduction=reduction),
           [x, y, w], dtype, const=(2,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_loss(p, reduction, dtype):
    x = _u((6, 4), dtype, 1)
    t = np.array([0, 3, 2, 1, 3, 0], dtype=np.int64)
    w = _u((4,), dtype, 2, 0.5, 2.0)
    kw = dict(p=p, margin=0.8, reduction=reduction)
    _check(lambda a, b: F.multi_margin_loss(a, b, **kw),
           lambda a, b: TF.multi_margin_loss(a, b, **kw), [x, t], dtype)
    _check(lambda a, b, c: F.multi_margin_loss(a, b, weight=c, **kw),
           lambda a, b, c: TF.multi_margin_loss(a, b, weight=c, **kw), [x, t, w], dtype,
           const=(2,))
    _check(lambda a, b: F.multi_margin_loss(a, b, **kw),
           lambda a, b: TF.multi_margin_loss(a, b, **kw), [x[1], t[1]], dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin_loss(reduction, dtype):
    x = _u((4, 5), dtype, 1)
    t = np.array([[3, 0, -1, 1, 2], [1, 2, 3, 4, 0], [-1, 0, 0, 0, 0], [4, 4, -1, 2, 2]],
                 dtype=np.int64)  # ends at the first -1; duplicates count twice, as ATen's
    _check(*_both("multilabel_margin_loss", reduction=reduction), [x, t], dtype)
    _check(*_both("multilabel_margin_loss", reduction=reduction), [x[0], t[0]], dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("p", [1.0, 2.0])
def test_triplet_margin_loss(p, swap, reduction, dtype):
    a, pos, neg = _u((5, 3), dtype, 1), _u((5, 3), dtype, 2), _u((5, 3), dtype, 3)
    _check(*_both("triplet_margin_loss", margin=1.5, p=p, swap=swap, reduction=reduction),
           [a, pos, neg], dtype)


@pytest.mark.parametrize("swap", [False, True])
def test_triplet_margin_with_distance_loss(swap, dtype):
    a, pos, neg = _u((5, 3), dtype, 1), _u((5, 3), dtype, 2), _u((5, 3), dtype, 3)
    _check(*_both("triplet_margin_with_distance_loss", swap=swap, margin=2.0), [a, pos, neg],
           dtype)
    _check(lambda *t: F.triplet_margin_with_distance_loss(
        *t, distance_function=lambda x, y: 1 - F.cosine_similarity(x, y), swap=swap,
        reduction="none"),
        lambda *t: TF.triplet_margin_with_distance_loss(
            *t, distance_function=lambda x, y: 1 - TF.cosine_similarity(x, y), swap=swap,
            reduction="none"), [a, pos, neg], dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
def test_poisson_nll_loss(full, log_input, reduction, dtype):
    x = _u((4, 3), dtype, 1, 0.1 if not log_input else -2.0, 3.0)
    t = np.random.default_rng(2).poisson(2.0, (4, 3)).astype(dtype)
    t[0, :3] = [0.0, 1.0, 5.0]
    # full: PyTorch's gradient wrt a target <= 1 is nan (log 0 under masked_fill); the
    # target is data, so only the input's gradient is compared then
    _check(*_both("poisson_nll_loss", log_input=log_input, full=full, reduction=reduction),
           [x, t], dtype, const=(1,) if full else ())


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
def test_gaussian_nll_loss(full, reduction, dtype):
    x, y = _u((3, 4, 2), dtype, 1), _u((3, 4, 2), dtype, 2)
    kw = dict(full=full, reduction=reduction, eps=1e-3)
    for vshape in [(3, 4, 2), (3, 4), (3, 4, 1), (3, 1, 2)]:
        v = _u(vshape, dtype, 3, 0.0, 2.0)
        v.reshape(-1)[0] = 1e-5  # below eps: clamped, the gradient passes through
        _check(*_both("gaussian_nll_loss", **kw), [x, y, v], dtype)
    _check(lambda a, b: F.gaussian_nll_loss(a, b, 0.5, **kw),
           lambda a, b: TF.gaussian_nll_loss(a, b, 0.5, **kw), [x, y], dtype)


MODULES = [
    ("PairwiseDistance", dict(p=1.0, keepdim=True), 2),
    ("CosineSimilarity", dict(dim=0), 2),
    ("CosineEmbeddingLoss", dict(margin=0.2, reduction="sum"), "pm"),
    ("MarginRankingLoss", dict(margin=0.1), "rank"),
    ("HingeEmbeddingLoss", dict(margin=2.0, reduction="none"), "pm1"),
    ("SoftMarginLoss", dict(), "pm1"),
    ("MultiLabelSoftMarginLoss", dict(weight=np.linspace(0.5, 2, 4)), "01"),
    ("MultiLabelMarginLoss", dict(reduction="sum"), "ml"),
    ("MultiMarginLoss", dict(p=2, margin=0.5, weight=np.linspace(0.5, 2, 4)), "cls"),
    ("TripletMarginLoss", dict(margin=0.5, p=1.0, swap=True), 3),
    ("TripletMarginWithDistanceLoss", dict(margin=0.5, swap=True), 3),
    ("PoissonNLLLoss", dict(full=True), "pois"),
    ("GaussianNLLLoss", dict(full=True), "gauss"),
]


def _module_args(kind, dtype):
    x = _u((5, 4), dtype, 1)
    if isinstance(kind, int):
        return [x] + [_u((5, 4), dtype, i + 2) for i in range(kind - 1)]
    return {"pm": [x, _u((5, 4), dtype, 2), _signs((5,), 3).astype(np.int64)],
            "rank": [x[:, 0], x[:, 1], _signs((5,), 3).astype(dtype)],
            "pm1": [x, _signs((5, 4), 3).astype(dtype)],
            "01": [x, (_signs((5, 4), 3) > 0).astype(dtype)],
            "ml": [x, np.array([[1, 2, -1, 0]] * 5, dtype=np.int64)],
            "cls": [x, np.array([0, 1, 2, 3, 1], dtype=np.int64)],
            "pois": [x, np.arange(20, dtype=dtype).reshape(5, 4) % 4],
            "gauss": [x, _u((5, 4), dtype, 2), _u((5, 4), dtype, 3, 0.1, 1.0)]}[kind]


@pytest.mark.parametrize("case", MODULES, ids=[m[0] for m in MODULES])
def test_loss_modules(case, dtype):
    name, kw, kind = case
    kw_tn = {k: torch.tensor(v.astype(dtype)) if isinstance(v, np.ndarray) else v
             for k, v in kw.items()}
    kw_t = {k: T.tensor(v.astype(dtype)) if isinstance(v, np.ndarray) else v
            for k, v in kw.items()}
    ours, ref = getattr(nn, name)(**kw_tn), getattr(TN, name)(**kw_t)
    assert repr(ours).split("(")[0] == name
    _check(ours, ref, _module_args(kind, dtype), dtype,
           const=(1, 2) if kind in ("pm", "pm1", "rank", "pois") else ())


def test_torch_face_names_the_same_objects():
    import trueno.torch.nn as tnn
    import trueno.torch.nn.functional as tF
    assert tnn.TripletMarginLoss is nn.TripletMarginLoss and tnn.CTCLoss is nn.CTCLoss
    assert tF.multi_margin_loss is F.multi_margin_loss and tF.ctc_loss is F.ctc_loss


def test_errors_name_what_was_expected():
    z = torch.zeros
    with pytest.raises(RuntimeError, match="same dimension"):
        F.margin_ranking_loss(z(3), z(3), z(3, 1))
    with pytest.raises(RuntimeError, match=r"1D target tensor expects 2D input"):
        F.cosine_embedding_loss(z(3), z(3), z(3))
    with pytest.raises(ValueError, match="margin must be greater than 0"):
        F.triplet_margin_loss(z(2, 3), z(2, 3), z(2, 3), margin=0.0)
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        F.triplet_margin_loss(z(2, 3), z(2, 3), z(3))
    with pytest.raises(ValueError, match="only p == 1 and p == 2"):
        F.multi_margin_loss(z(2, 3), z(2, dtype=torch.int64), p=3)
    with pytest.raises(ValueError, match="only p == 1 and p == 2"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(RuntimeError, match="inconsistent target size"):
        F.multi_margin_loss(z(2, 3), z(3, dtype=torch.int64))
    with pytest.raises(RuntimeError, match="target out of range"):
        F.multi_margin_loss(z(2, 3), torch.tensor([0, 3]))
    with pytest.raises(RuntimeError, match="inconsistent target size"):
        F.multilabel_margin_loss(z(2, 3), z(2, 2, dtype=torch.int64))
    with pytest.raises(ValueError, match="var is of incorrect size"):
        F.gaussian_nll_loss(z(2, 3), z(2, 3), torch.ones(3, 2))
    with pytest.raises(ValueError, match="negative"):
        F.gaussian_nll_loss(z(2, 3), z(2, 3), -torch.ones(2, 3))
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        F.poisson_nll_loss(z(2), z(2), reduction="avg")
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        F.soft_margin_loss(z(2), z(2), reduction="avg")


def test_gradients_at_the_hinge_corner(dtype):
    """Integer scores put margins exactly at 0: clamp_min-based losses pass the gradient
    there, the multi-margin kernels do not, as PyTorch's."""
    x = np.array([[1.0, 0.0, 2.0, 1.0], [0.0, 1.0, 1.0, 3.0]], dtype=dtype)
    y = np.array([[0.0, 0.0, 1.0, 2.0], [1.0, 1.0, 0.0, 3.0]], dtype=dtype)
    t = np.array([2, 1], dtype=np.int64)
    _check(*_both("multi_margin_loss", reduction="sum"), [x, t], dtype)
    _check(*_both("multi_margin_loss", p=2, reduction="none"), [x, t], dtype)
    tm = np.array([[2, -1, 0, 0], [1, 3, -1, 0]], dtype=np.int64)
    _check(*_both("multilabel_margin_loss", reduction="sum"), [x, tm], dtype)
    s = np.array([1.0, -1.0, 1.0, -1.0], dtype=dtype)
    _check(*_both("margin_ranking_loss", margin=1.0, reduction="sum"), [x[0], y[0], s],
           dtype, const=(2,))
    _check(*_both("hinge_embedding_loss", margin=1.0, reduction="sum"), [x, np.where(
        y > 0, 1.0, -1.0).astype(dtype)], dtype, const=(1,))
