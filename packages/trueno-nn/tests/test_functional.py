"""Every functional op and loss, forward and gradients (input and parameters) vs PyTorch 2.13,
float32 and float64."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T
import torch.nn.functional as TF
from conftest import from_torch, to_torch
from nn_checks import check_fn

import trueno.nn.functional as F
import trueno.torch as torch


def _inputs(shape, dtype, seed=0, lo=-3.0, hi=3.0):
    rng = np.random.default_rng(seed)
    return rng.uniform(lo, hi, shape).astype(dtype)


_check = check_fn  # forward and the gradients of sum(out * g), g uniform in [-3, 3)


ACTS = [
    ("relu", F.relu, TF.relu),
    ("relu6", F.relu6, TF.relu6),
    ("gelu", F.gelu, TF.gelu),
    ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"),
     lambda x: TF.gelu(x, approximate="tanh")),
    ("silu", F.silu, TF.silu),
    ("sigmoid", F.sigmoid, T.sigmoid),
    ("tanh", F.tanh, T.tanh),
    ("softmax", lambda x: F.softmax(x, 1), lambda x: TF.softmax(x, 1)),
    ("log_softmax", lambda x: F.log_softmax(x, -1), lambda x: TF.log_softmax(x, -1)),
    ("softmin", lambda x: F.softmin(x, 0), lambda x: TF.softmin(x, 0)),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2)),
    ("elu", lambda x: F.elu(x, 0.7), lambda x: TF.elu(x, 0.7)),
    ("selu", F.selu, TF.selu),
    # alpha 2: PyTorch's celu backward rounds 1/alpha to float32 (derivatives.yaml)
    ("celu", lambda x: F.celu(x, 2.0), lambda x: TF.celu(x, 2.0)),
    ("softplus", F.softplus, TF.softplus),
    ("softplus_beta", lambda x: F.softplus(x, 2.0, 3.0), lambda x: TF.softplus(x, 2.0, 3.0)),
    ("softsign", F.softsign, TF.softsign),
    ("logsigmoid", F.logsigmoid, TF.logsigmoid),
    ("hardtanh", lambda x: F.hardtanh(x, -0.5, 2.0), lambda x: TF.hardtanh(x, -0.5, 2.0)),
    ("hardsigmoid", F.hardsigmoid, TF.hardsigmoid, 1e5),  # PyTorch's 1/6 is a float32
    ("hardswish", F.hardswish, TF.hardswish),
    ("mish", F.mish, TF.mish),
    ("tanhshrink", F.tanhshrink, TF.tanhshrink),
    ("threshold", lambda x: F.threshold(x, 0.5, -2.0), lambda x: TF.threshold(x, 0.5, -2.0)),
]


@pytest.mark.parametrize("case", ACTS, ids=[a[0] for a in ACTS])
def test_activation(case, dtype):
    fn, ref = case[1:3]
    scale = case[3] if len(case) > 3 and dtype == "float64" else 1.0
    x = _inputs((4, 7), dtype)
    x[0, :3] = [25.0, -25.0, 0.25]  # softplus threshold, large tails
    _check(fn, ref, [x], dtype, scale=scale)


@pytest.mark.parametrize("case", ACTS, ids=[a[0] for a in ACTS])
def test_activation_gradient_at_the_kinks(case, dtype):
    """Inputs exactly at each activation's kinks (0, the clamp bounds, +-3, the threshold):
    the gradient PyTorch's backward gives there (hardtanh's is 0 at its bounds, clamp's 1)."""
    fn, ref = case[1:3]
    scale = case[3] if len(case) > 3 and dtype == "float64" else 1.0
    x = np.array([[-3.0, -1.0, -0.5, 0.0, 0.5], [1.0, 2.0, 3.0, 6.0, 20.0]], dtype=dtype)
    _check(fn, ref, [x], dtype, scale=scale)


def test_linear(dtype):
    x, w, b = _inputs((3, 5, 4), dtype, 1), _inputs((6, 4), dtype, 2), _inputs((6,), dtype, 3)
    _check(F.linear, TF.linear, [x, w, b], dtype)
    _check(lambda x, w: F.linear(x, w), lambda x, w: TF.linear(x, w), [x, w], dtype)


def test_bilinear(dtype):
    x1, x2 = _inputs((5, 3), dtype, 1), _inputs((5, 4), dtype, 2)
    w, b = _inputs((2, 3, 4), dtype, 3), _inputs((2,), dtype, 4)
    _check(F.bilinear, TF.bilinear, [x1, x2, w, b], dtype)


def test_layer_norm(dtype):
    x, w, b = _inputs((3, 4, 5), dtype, 1), _inputs((4, 5), dtype, 2), _inputs((4, 5), dtype, 3)
    _check(lambda x, w, b: F.layer_norm(x, (4, 5), w, b, 1e-3),
           lambda x, w, b: TF.layer_norm(x, (4, 5), w, b, 1e-3), [x, w, b], dtype)
    _check(lambda x: F.layer_norm(x, [5]), lambda x: TF.layer_norm(x, [5]), [x], dtype)


def test_embedding_padding_idx_gets_no_gradient(dtype):
    w = _inputs((6, 3), dtype, 1)
    idx = np.array([[0, 2, 5], [2, 2, 1]], dtype=np.int64)
    _check(lambda i, w: F.embedding(i, w, padding_idx=2),
           lambda i, w: TF.embedding(i, w, padding_idx=2), [idx, w], dtype)
    _check(lambda i, w: F.embedding(i, w), lambda i, w: TF.embedding(i, w), [idx, w], dtype)


def test_one_hot():
    i = np.array([0, 3, 1], dtype=np.int64)
    np.testing.assert_array_equal(np.asarray(F.one_hot(torch.tensor(i), 5)),
                                  TF.one_hot(T.tensor(i), 5).numpy())
    assert F.one_hot(torch.tensor(i)).shape == (3, 4)


def test_dropout_draws_the_same_mask_as_pytorch(dtype):
    x = _inputs((8, 16), dtype)
    torch.manual_seed(3)
    T.manual_seed(3)
    for p in (0.25, 0.5):
        _check(lambda a, p=p: F.dropout(a, p), lambda a, p=p: TF.dropout(a, p), [x], dtype)
    xt = torch.tensor(x)
    assert F.dropout(xt, 0.5, training=False) is xt
    np.testing.assert_array_equal(np.asarray(F.dropout(xt, 1.0)), np.zeros_like(x))


REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses(reduction, dtype):
    x, y = _inputs((4, 5), dtype, 1), _inputs((4, 5), dtype, 2)
    for f, g in ((F.mse_loss, TF.mse_loss), (F.l1_loss, TF.l1_loss),
                 (F.smooth_l1_loss, TF.smooth_l1_loss), (F.huber_loss, TF.huber_loss)):
        _check(lambda a, b, f=f: f(a, b, reduction=reduction),
               lambda a, b, g=g: g(a, b, reduction=reduction), [x, y], dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_class_indices(reduction, smoothing, weighted, dtype):
    x = _inputs((6, 4), dtype, 1)
    t = np.array([0, 3, -100, 1, 3, 2], dtype=np.int64)
    w = _inputs((4,), dtype, 5, 0.5, 2.0)
    kw = dict(reduction=reduction, label_smoothing=smoothing, ignore_index=-100)

    def ours(a, b, c=None):
        return F.cross_entropy(a, b, c, **kw)

    def ref(a, b, c=None):
        return TF.cross_entropy(a, b, c, **kw)
    arrays = [x, t, w] if weighted else [x, t]
    _check(ours, ref, arrays, dtype, const=(2,))
    # (N, C, d) inputs: the class dimension is 1
    x3, t3 = _inputs((2, 4, 3), dtype, 2), np.array([[0, 1, 3], [2, 2, 0]], dtype=np.int64)
    _check(ours, ref, [x3, t3, w] if weighted else [x3, t3], dtype, const=(2,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probabilities(reduction, dtype):
    x = _inputs((5, 4), dtype, 1)
    p = np.asarray(T.softmax(T.tensor(_inputs((5, 4), dtype, 2)), 1))
    w = _inputs((4,), dtype, 5, 0.5, 2.0)
    _check(lambda a, b, c: F.cross_entropy(a, b, c, reduction=reduction, label_smoothing=0.1),
           lambda a, b, c: TF.cross_entropy(a, b, c, reduction=reduction,
                                            label_smoothing=0.1), [x, p, w], dtype,
           const=(2,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss(reduction, dtype):
    x = np.asarray(T.log_softmax(T.tensor(_inputs((5, 3), dtype, 1)), 1))
    t = np.array([2, 0, 1, 1, 7], dtype=np.int64)
    w = _inputs((3,), dtype, 5, 0.5, 2.0)
    _check(lambda a, b, c: F.nll_loss(a, b, c, ignore_index=7, reduction=reduction),
           lambda a, b, c: TF.nll_loss(a, b, c, ignore_index=7, reduction=reduction),
           [x, t, w], dtype, const=(2,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy(reduction, dtype):
    x = _inputs((4, 3), dtype, 1, 0.02, 0.98)
    y = _inputs((4, 3), dtype, 2, 0.0, 1.0)
    w = _inputs((3,), dtype, 3, 0.5, 2.0)
    _check(lambda a, b, c: F.binary_cross_entropy(a, b, c, reduction=reduction),
           lambda a, b, c: TF.binary_cross_entropy(a, b, c, reduction=reduction),
           [x, y, w], dtype, const=(2,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_pos_weight(reduction, dtype):
    x = _inputs((4, 3), dtype, 1, -30.0, 30.0)
    y = _inputs((4, 3), dtype, 2, 0.0, 1.0)
    w, pw = _inputs((3,), dtype, 3, 0.5, 2.0), _inputs((3,), dtype, 4, 0.5, 3.0)
    _check(lambda a, b, c, d: F.binary_cross_entropy_with_logits(
        a, b, c, reduction=reduction, pos_weight=d),
        lambda a, b, c, d: TF.binary_cross_entropy_with_logits(
            a, b, c, reduction=reduction, pos_weight=d), [x, y, w, pw], dtype, const=(2, 3))
    _check(lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction=reduction),
           lambda a, b: TF.binary_cross_entropy_with_logits(a, b, reduction=reduction),
           [x, y], dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_losses_at_their_kinks(reduction, dtype):
    """Differences exactly at 0 and at beta / delta, logits exactly 0: PyTorch's gradients."""
    x = np.array([[0.0, 1.0, -1.0, 2.0], [0.5, -0.5, 0.0, 3.0]], dtype=dtype)
    y = np.zeros_like(x)
    for f, g in ((F.mse_loss, TF.mse_loss), (F.l1_loss, TF.l1_loss),
                 (F.smooth_l1_loss, TF.smooth_l1_loss), (F.huber_loss, TF.huber_loss)):
        _check(lambda a, b, f=f: f(a, b, reduction=reduction),
               lambda a, b, g=g: g(a, b, reduction=reduction), [x, y], dtype)
    t, pw = np.full_like(x, 0.5), np.array([0.5, 1.0, 2.0, 3.0], dtype=dtype)
    _check(lambda a, b, c: F.binary_cross_entropy_with_logits(a, b, reduction=reduction,
                                                              pos_weight=c),
           lambda a, b, c: TF.binary_cross_entropy_with_logits(a, b, reduction=reduction,
                                                               pos_weight=c),
           [x, t, pw], dtype, const=(2,))


@pytest.mark.filterwarnings("ignore:reduction. .mean. divides")
@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # core xlogy(0, 0)
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
@pytest.mark.parametrize("reduction", ["mean", "sum", "batchmean"])
def test_kl_div(reduction, dtype):
    x = np.asarray(T.log_softmax(T.tensor(_inputs((3, 4), dtype, 1)), 1))
    y = np.asarray(T.softmax(T.tensor(_inputs((3, 4), dtype, 2)), 1))
    y[0, 0] = 0.0
    _check(lambda a, b: F.kl_div(a, b, reduction=reduction),
           lambda a, b: TF.kl_div(a, b, reduction=reduction), [x, y], dtype)


def test_loss_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"target size \(3,\) differs from input size \(4,\)"):
        F.binary_cross_entropy_with_logits(torch.zeros(4), torch.zeros(3))
    with pytest.raises(ValueError, match="expected target of shape"):
        F.cross_entropy(torch.zeros(4, 3), torch.zeros(5, dtype=torch.int64))
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        F.mse_loss(torch.zeros(2), torch.zeros(2), reduction="avg")


def test_helpers_round_trip():
    a = T.arange(6.0).reshape(2, 3)
    assert np.array_equal(np.asarray(from_torch(a)), to_torch(from_torch(a)).numpy())
