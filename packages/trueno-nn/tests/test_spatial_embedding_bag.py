"""EmbeddingBag and F.embedding_bag vs PyTorch 2.13: same-seed weights and repr, every mode
with offsets (empty bags included) or a 2-D input, per_sample_weights, padding_idx,
include_last_offset, max_norm and scale_grad_by_freq; outputs and weight gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T
from conftest import close

import trueno.nn as nn
import trueno.nn.functional as F
import trueno.torch as torch

IDX = [1, 2, 4, 5, 4, 3, 2, 9, 0, 7, 7]
OFFSETS = [0, 3, 3, 7]  # bag 1 is empty

CASES = [
    ("sum", dict(mode="sum"), IDX, OFFSETS, False),
    ("mean", dict(mode="mean"), IDX, OFFSETS, False),
    ("max", dict(mode="max"), IDX, OFFSETS, False),
    ("sum_weights", dict(mode="sum"), IDX, OFFSETS, True),
    ("mean_padding", dict(mode="mean", padding_idx=2), IDX, OFFSETS, False),
    ("max_padding_neg", dict(mode="max", padding_idx=-3), IDX, OFFSETS, False),
    ("sum_padding_weights", dict(mode="sum", padding_idx=4), IDX, OFFSETS, True),
    ("mean_last_offset", dict(mode="mean", include_last_offset=True), IDX, [0, 2, 2, 11],
     False),
    ("max_2d", dict(mode="max"), [[1, 2, 3], [4, 4, 0], [9, 1, 1]], None, False),
    ("sum_2d_weights", dict(mode="sum", padding_idx=0), [[1, 0, 3], [0, 0, 0]], None, True),
]


@pytest.mark.parametrize("name,kw,idx,offsets,weighted", CASES, ids=[c[0] for c in CASES])
def test_embedding_bag_matches_pytorch(name, kw, idx, offsets, weighted, dtype):
    torch.manual_seed(0)
    a = nn.EmbeddingBag(10, 3, **kw)
    T.manual_seed(0)
    b = T.nn.EmbeddingBag(10, 3, **kw)
    assert repr(a) == repr(b)
    np.testing.assert_array_equal(np.asarray(a.weight.detach()), b.weight.detach().numpy())
    if dtype == "float64":
        a.double()
        b.double()
    ia, ib = torch.tensor(idx), T.tensor(idx)
    oa = None if offsets is None else torch.tensor(offsets)
    ob = None if offsets is None else T.tensor(offsets)
    wa = wb = None
    if weighted:
        w = np.random.default_rng(1).standard_normal(np.shape(idx)).astype(dtype)
        wa, wb = torch.tensor(w).requires_grad_(), T.tensor(w).requires_grad_()
    ya, yb = a(ia, oa, per_sample_weights=wa), b(ib, ob, per_sample_weights=wb)
    close(ya, yb, dtype)
    g = np.random.default_rng(2).standard_normal(tuple(yb.shape)).astype(dtype)
    (ya * torch.tensor(g)).sum().backward()
    (yb * T.tensor(g)).sum().backward()
    close(a.weight.grad, b.weight.grad, dtype, 10)
    if weighted:
        close(wa.grad, wb.grad, dtype, 10)


@pytest.mark.parametrize("mode,padding_idx", [("sum", None), ("mean", 7), ("max", None)])
def test_scale_grad_by_freq_divides_by_the_index_counts(mode, padding_idx):
    """The documented rule: each row's gradient over its frequency in the mini-batch (max mode:
    unscaled, as PyTorch). The reference is PyTorch's unscaled gradient divided by the counts:
    PyTorch 2.13's CPU EmbeddingBag backward reads the count of the wrong row
    (``counts[sorted_indices[i]]`` for the i-th unique index), e.g. row 4 of IDX unscaled."""
    torch.manual_seed(0)
    a = nn.EmbeddingBag(10, 3, mode=mode, padding_idx=padding_idx, scale_grad_by_freq=True)
    T.manual_seed(0)
    b = T.nn.EmbeddingBag(10, 3, mode=mode, padding_idx=padding_idx).double()
    a.double()
    ya, yb = a(torch.tensor(IDX), torch.tensor(OFFSETS)), b(T.tensor(IDX), T.tensor(OFFSETS))
    close(ya, yb, "float64")
    g = np.random.default_rng(2).standard_normal(tuple(yb.shape))
    (ya * torch.tensor(g)).sum().backward()
    (yb * T.tensor(g)).sum().backward()
    counts = np.maximum(np.bincount(IDX, minlength=10), 1)[:, None]
    want = b.weight.grad if mode == "max" else b.weight.grad / T.tensor(counts)
    close(a.weight.grad, want, "float64")


def test_max_norm_renormalises_the_rows_used_in_place(dtype):
    w = (np.random.default_rng(3).standard_normal((6, 4)) * 3).astype(dtype)
    wa, wb = torch.tensor(w).requires_grad_(), T.tensor(w).requires_grad_()
    idx, off = [0, 2, 2, 5], [0, 1]
    ya = F.embedding_bag(torch.tensor(idx), wa, torch.tensor(off), max_norm=1.5, norm_type=1.0,
                         mode="sum")
    yb = T.nn.functional.embedding_bag(T.tensor(idx), wb, T.tensor(off), max_norm=1.5,
                                       norm_type=1.0, mode="sum")
    close(ya, yb, dtype)
    close(wa, wb, dtype)  # rows 0, 2, 5 shrunk; 1, 3, 4 untouched


def test_from_pretrained_and_functional_form():
    w = np.arange(12.0).reshape(4, 3)
    a = nn.EmbeddingBag.from_pretrained(torch.tensor(w), mode="sum")
    b = T.nn.EmbeddingBag.from_pretrained(T.tensor(w), mode="sum")
    assert not a.weight.requires_grad
    assert repr(a) == repr(b)
    close(a(torch.tensor([[0, 3], [1, 1]])), b(T.tensor([[0, 3], [1, 1]])), "float64")
    close(F.embedding_bag(torch.tensor([3, 1, 2]), torch.tensor(w), torch.tensor([0, 1])),
          T.nn.functional.embedding_bag(T.tensor([3, 1, 2]), T.tensor(w), T.tensor([0, 1])),
          "float64")


def test_errors_name_the_problem():
    bag = nn.EmbeddingBag(5, 2, mode="mean")
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor but got None"):
        bag(torch.tensor([1, 2]))
    with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
        bag(torch.tensor([[1, 2]]), torch.tensor([0]))
    with pytest.raises(NotImplementedError, match="only supported for mode='sum'"):
        bag(torch.tensor([1, 2]), torch.tensor([0]), per_sample_weights=torch.ones(2))
    with pytest.raises(ValueError, match=r"offsets\[0\] has to be 0"):
        bag(torch.tensor([1, 2]), torch.tensor([1]))
    with pytest.raises(ValueError, match="mode has to be one of sum, mean or max"):
        F.embedding_bag(torch.tensor([[1]]), torch.zeros(5, 2), mode="min")
    with pytest.raises(IndexError, match="out of range"):
        bag(torch.tensor([[1, 7]]))
