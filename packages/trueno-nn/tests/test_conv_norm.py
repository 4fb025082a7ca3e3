"""Conv1d/Conv2d, BatchNorm1d/2d, GroupNorm, RMSNorm vs PyTorch 2.13: same-seed parameters,
forward and gradients (input and parameters), running statistics in train and eval mode."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T
from conftest import close
from nn_checks import same_seed_pair, train_eval_steps_match

import trueno.nn as nn
import trueno.torch as torch

CASES = [
    ("conv2d", lambda m: m.Conv2d(3, 4, 3), (2, 3, 7, 6)),
    ("conv2d_strided", lambda m: m.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 2),
                                          dilation=(1, 2), groups=2, bias=False),
     (2, 4, 9, 8)),
    ("conv2d_same_even", lambda m: m.Conv2d(2, 3, (4, 3), padding="same"), (1, 2, 6, 5)),
    ("conv2d_valid_unbatched", lambda m: m.Conv2d(2, 3, 2, padding="valid"), (2, 5, 5)),
    ("conv1d", lambda m: m.Conv1d(3, 4, 3, stride=2, padding=1), (2, 3, 11)),
    ("conv1d_same", lambda m: m.Conv1d(2, 4, 4, padding="same", dilation=2, groups=2),
     (2, 2, 9)),
    ("batchnorm1d", lambda m: m.BatchNorm1d(4), (6, 4)),
    ("batchnorm1d_3d", lambda m: m.BatchNorm1d(3, momentum=None), (4, 3, 5)),
    ("batchnorm2d", lambda m: m.BatchNorm2d(3, momentum=0.3), (2, 3, 4, 5)),
    ("batchnorm2d_nostats", lambda m: m.BatchNorm2d(3, affine=False,
                                                    track_running_stats=False), (2, 3, 2, 2)),
    ("groupnorm", lambda m: m.GroupNorm(2, 4), (3, 4, 5)),
    ("groupnorm_nobias", lambda m: m.GroupNorm(4, 4, bias=False), (3, 4, 2, 2)),
    ("batchnorm1d_nobias", lambda m: m.BatchNorm1d(2, bias=False), (5, 2)),
    ("rmsnorm", lambda m: m.RMSNorm((3, 4)), (2, 3, 4)),
    ("rmsnorm_eps", lambda m: m.RMSNorm(4, eps=1e-3, elementwise_affine=False), (5, 4)),
]


@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")
@pytest.mark.parametrize("name,make,shape", CASES, ids=[c[0] for c in CASES])
def test_layer_matches_pytorch(name, make, shape, dtype):
    a, b = same_seed_pair(make)
    train_eval_steps_match(a, b, shape, dtype)


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3)(torch.zeros(2, 3, 4, 5))
    with pytest.raises(ValueError, match="to have 6 channels, but got 4 channels"):
        nn.Conv2d(6, 2, 3)(torch.zeros(1, 4, 5, 5))
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(torch.zeros(1, 3))
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(3, 4)


@pytest.mark.parametrize("affine", ["weight", "bias", "both", "none"])
@pytest.mark.parametrize("training", [True, False])
def test_functional_batch_norm_partial_affine(affine, training, dtype):
    """F.batch_norm with a weight only, a bias only, both or neither (the per-channel scale
    folds the weight before it meets the full-size tensor), on data far from zero."""
    rng = np.random.default_rng(4)
    x = (rng.standard_normal((4, 3, 5, 2)) * 0.5 + 30).astype(dtype)
    w = rng.standard_normal(3).astype(dtype) if affine in ("weight", "both") else None
    bias = rng.standard_normal(3).astype(dtype) if affine in ("bias", "both") else None
    rm, rv = rng.standard_normal(3).astype(dtype), rng.random(3).astype(dtype) + 0.5
    g = rng.standard_normal(x.shape).astype(dtype)
    grads = []
    for lib in (torch, T):
        xs = lib.tensor(x).requires_grad_()
        ws = None if w is None else lib.tensor(w).requires_grad_()
        bs = None if bias is None else lib.tensor(bias).requires_grad_()
        m, v = lib.tensor(rm), lib.tensor(rv)
        y = lib.nn.functional.batch_norm(xs, m, v, ws, bs, training, 0.2, 1e-3)
        (y * lib.tensor(g)).sum().backward()
        grads.append([y, m, v, xs.grad] + [p.grad for p in (ws, bs) if p is not None])
    for u, v in zip(*grads):
        close(u, v, dtype, 100)


@pytest.mark.parametrize("mode", ["default", "reference", "primitives_only"])
def test_conv2d_bias_is_the_rows_third_input(mode, dtype):
    """The bias goes to the conv2d kernel in one pass (one ConvolutionBackward0 node, as
    PyTorch's, instead of a conv and an add); where no kernel runs (primitives-only mode) it
    is added as its own op. Values and all three gradients agree with PyTorch either way."""
    import contextlib

    import trueno as tn
    import trueno.torch.nn.functional as F
    from trueno._registry import primitives_only
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 6, 5)).astype(dtype)
    w = rng.standard_normal((4, 3, 3, 3)).astype(dtype)
    b = rng.standard_normal(4).astype(dtype)
    g = rng.standard_normal((2, 4, 3, 5)).astype(dtype)
    ctx = {"default": contextlib.nullcontext(), "reference": tn.use_backend("reference"),
           "primitives_only": primitives_only()}[mode]
    xa, wa, ba = (torch.tensor(v).requires_grad_() for v in (x, w, b))
    with ctx:
        ya = F.conv2d(xa, wa, ba, stride=(2, 1), padding=(1, 1))
        (ya * torch.tensor(g)).sum().backward()
    xb, wb, bb = (T.tensor(v).requires_grad_() for v in (x, w, b))
    yb = T.nn.functional.conv2d(xb, wb, bb, stride=(2, 1), padding=(1, 1))
    (yb * T.tensor(g)).sum().backward()
    want = "AddBackward0" if mode == "primitives_only" else "ConvolutionBackward0"
    assert type(ya.grad_fn).__name__ == want
    close(ya, yb, dtype, 10)
    for a, c in ((xa, xb), (wa, wb), (ba, bb)):
        close(a.grad, c.grad, dtype, 100)
    y1 = F.conv1d(xa[:, :, 0], wa[:, :, 0], ba, padding=1)
    close(y1, T.nn.functional.conv1d(xb[:, :, 0], wb[:, :, 0], bb, padding=1), dtype, 10)
