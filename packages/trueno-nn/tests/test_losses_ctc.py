"""CTC loss (forward algorithm in log space): values and gradients vs PyTorch 2.13 for padded
and concatenated targets, repeated labels, another blank, each reduction, zero_infinity,
unbatched input, the module, and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T
import torch.nn as TN
import torch.nn.functional as TF
from conftest import close

import trueno.nn as nn
import trueno.nn.functional as F
import trueno.torch as torch

LOGITS = np.random.default_rng(0).standard_normal((7, 4, 5))
PADDED = np.array([[1, 2, 2, 0], [3, 1, 0, 0], [4, 4, 4, 4], [2, 0, 0, 0]], dtype=np.int64)
INPUT_LENGTHS = (7, 5, 6, 3)
TARGET_LENGTHS = (3, 2, 4, 0)  # sample 2 needs 7 frames for 4 repeats: impossible in 6


def _run(dtype, targets, il, tl, from_logits=True, **kw):
    """Loss and gradient of trueno and PyTorch; the gradient is of the logits (through
    log_softmax) or, with ``from_logits=False``, of the log-probabilities themselves."""
    x = LOGITS.astype(dtype)
    if not from_logits:
        x = T.tensor(x).log_softmax(2).numpy()
    a, b = torch.tensor(x).requires_grad_(), T.tensor(x).requires_grad_()
    la, lb = (torch.log_softmax(a, 2), b.log_softmax(2)) if from_logits else (a, b)
    out = F.ctc_loss(la, torch.tensor(targets), il, tl, **kw)
    want = TF.ctc_loss(lb, T.tensor(targets), T.tensor(il), T.tensor(tl), **kw)
    return out, want, a, b


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_padded_targets_zero_infinity(reduction, dtype):
    out, want, a, b = _run(dtype, PADDED, INPUT_LENGTHS, TARGET_LENGTHS,
                           reduction=reduction, zero_infinity=True)
    close(out, want, dtype)
    g = np.linspace(0.5, 1.5, int(np.prod(want.shape))).reshape(want.shape).astype(dtype)
    (out * torch.tensor(g)).sum().backward()
    (want * T.tensor(g)).sum().backward()
    close(a.grad, b.grad, dtype, 10)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_impossible_alignment_is_inf(reduction, dtype):
    out, want, _, _ = _run(dtype, PADDED, INPUT_LENGTHS, TARGET_LENGTHS, reduction=reduction)
    close(out, want, dtype)
    assert np.isinf(np.asarray(out.detach())).any()


def test_gradient_of_log_probs_is_pytorchs(dtype):
    """PyTorch's gradient wrt log_probs is exp(lp) - occupancy (frames t < input_length)."""
    il, tl = (7, 5, 7, 3), (3, 2, 3, 1)
    out, want, a, b = _run(dtype, PADDED, il, tl, from_logits=False, reduction="mean")
    close(out, want, dtype)
    out.backward()
    want.backward()
    close(a.grad, b.grad, dtype, 10)


def test_concatenated_targets_and_blank(dtype):
    il, tl = (7, 5, 7, 3), (3, 2, 3, 1)
    flat = np.concatenate([PADDED[i, :k] for i, k in enumerate(tl)])
    out, want, a, b = _run(dtype, flat, il, tl, reduction="sum")
    close(out, want, dtype)
    out.backward()
    want.backward()
    close(a.grad, b.grad, dtype, 10)
    blank4 = np.where(PADDED == 4, 0, PADDED)  # labels 0..3, blank 4
    out, want, a, b = _run(dtype, blank4, il, tl, blank=4, reduction="none")
    close(out, want, dtype)
    out.sum().backward()
    want.sum().backward()
    close(a.grad, b.grad, dtype, 10)


def test_unbatched_and_module(dtype):
    lp = T.tensor(LOGITS[:, 0].astype(dtype)).log_softmax(1)
    ours = nn.CTCLoss(blank=0, reduction="none")(torch.tensor(lp.numpy()),
                                                  torch.tensor([1, 2, 2]), 7, 3)
    ref = TN.CTCLoss(blank=0, reduction="none")(lp, T.tensor([1, 2, 2]), T.tensor(7),
                                                 T.tensor(3))
    close(ours, ref, dtype)
    assert tuple(ours.shape) == ()
    mod = nn.CTCLoss(zero_infinity=True)
    assert (mod.blank, mod.reduction, mod.zero_infinity) == (0, "mean", True)
    x = LOGITS.astype(dtype)
    close(mod(torch.log_softmax(torch.tensor(x), 2), torch.tensor(PADDED),
              torch.tensor(INPUT_LENGTHS), torch.tensor(TARGET_LENGTHS)),
          TN.CTCLoss(zero_infinity=True)(T.tensor(x).log_softmax(2), T.tensor(PADDED),
                                         T.tensor(INPUT_LENGTHS), T.tensor(TARGET_LENGTHS)),
          dtype)


def test_errors():
    lp = torch.log_softmax(torch.tensor(LOGITS), 2)
    tg = torch.tensor(PADDED)
    with pytest.raises(RuntimeError, match="input_lengths to have value at most 7"):
        F.ctc_loss(lp, tg, (8, 1, 1, 1), TARGET_LENGTHS)
    with pytest.raises(RuntimeError, match=r"S >= max\(target_lengths\) = 5"):
        F.ctc_loss(lp, tg, INPUT_LENGTHS, (5, 1, 1, 1))
    with pytest.raises(RuntimeError, match="blank must be in label range"):
        F.ctc_loss(lp, tg, INPUT_LENGTHS, TARGET_LENGTHS, blank=5)
    with pytest.raises(RuntimeError, match="4 non-negative integer lengths"):
        F.ctc_loss(lp, tg, (7, 7), TARGET_LENGTHS)
    with pytest.raises(RuntimeError, match=r"target labels must be in \[0, 5\)"):
        F.ctc_loss(lp, tg + 3, INPUT_LENGTHS, TARGET_LENGTHS)
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        F.ctc_loss(lp, tg, INPUT_LENGTHS, TARGET_LENGTHS, reduction="avg")
