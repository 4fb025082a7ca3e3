"""Max pooling with indices, adaptive max pooling, max unpooling, fold and unfold vs PyTorch
2.13: values, indices, forward and input gradients, float32 and float64, module reprs."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T
from conftest import close
from nn_checks import pool_matches

import trueno.nn as nn
import trueno.nn.functional as F
import trueno.torch as torch

POOLS = [
    ("max2d", lambda m: m.MaxPool2d(2, return_indices=True), (2, 3, 6, 7)),
    ("max2d_pad_dil_ceil", lambda m: m.MaxPool2d((3, 2), stride=(2, 1), padding=1,
                                                 dilation=(1, 2), ceil_mode=True,
                                                 return_indices=True), (2, 2, 7, 8)),
    ("max2d_unbatched", lambda m: m.MaxPool2d(3, stride=2, padding=1, return_indices=True),
     (3, 5, 5)),
    ("max1d", lambda m: m.MaxPool1d(3, stride=2, padding=1, ceil_mode=True,
                                    return_indices=True), (2, 3, 8)),
    ("adaptive_max2d", lambda m: m.AdaptiveMaxPool2d((3, 2), return_indices=True),
     (2, 3, 7, 5)),
    ("adaptive_max2d_none", lambda m: m.AdaptiveMaxPool2d((None, 4)), (1, 2, 3, 9)),
    ("adaptive_max2d_up", lambda m: m.AdaptiveMaxPool2d(5, return_indices=True), (2, 3, 3)),
    ("adaptive_max1d", lambda m: m.AdaptiveMaxPool1d(4, return_indices=True), (2, 3, 10)),
    ("adaptive_max1d_plain", lambda m: m.AdaptiveMaxPool1d(3), (3, 7)),
]


@pytest.mark.parametrize("name,make,shape", POOLS, ids=[c[0] for c in POOLS])
def test_max_pooling_with_indices_matches_pytorch(name, make, shape, dtype):
    a, b = make(nn), make(T.nn)
    assert repr(a) == repr(b)
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    x[..., 0, :3] = 5.0  # ties inside windows: the first maximum in scan order wins
    pool_matches(a, b, x, dtype, 10)


UNPOOLS = [
    ("unpool2d", 2, dict(kernel_size=2), (2, 3, 6, 8), None),
    ("unpool2d_stride_pad", 2, dict(kernel_size=3, stride=2, padding=1), (1, 2, 7, 7), None),
    ("unpool2d_size", 2, dict(kernel_size=2), (1, 2, 5, 7), (1, 2, 5, 7)),
    ("unpool1d", 1, dict(kernel_size=3, stride=2), (2, 2, 9), None),
    ("unpool1d_size", 1, dict(kernel_size=2), (2, 2, 9), [9]),
]


@pytest.mark.parametrize("name,nd,kw,shape,size", UNPOOLS, ids=[c[0] for c in UNPOOLS])
def test_max_unpool_matches_pytorch(name, nd, kw, shape, size, dtype):
    pool, unpool = f"MaxPool{nd}d", f"MaxUnpool{nd}d"
    x = np.random.default_rng(2).standard_normal(shape).astype(dtype)
    outs = []
    for lib, m in ((torch, nn), (T, T.nn)):
        y, idx = getattr(m, pool)(return_indices=True, **kw)(lib.tensor(x))
        y = y.detach().requires_grad_()
        u = getattr(m, unpool)(**kw)
        z = u(y, idx) if size is None else u(y, idx, output_size=size)
        g = np.random.default_rng(3).standard_normal(tuple(z.shape)).astype(dtype)
        (z * lib.tensor(g)).sum().backward()
        outs.append((z, y.grad, repr(u)))
    close(outs[0][0], outs[1][0], dtype)
    close(outs[0][1], outs[1][1], dtype)
    assert outs[0][2] == outs[1][2]


FOLDS = [
    ("unfold", lambda m: m.Unfold(2), (2, 3, 4, 5)),
    ("unfold_all", lambda m: m.Unfold((2, 3), dilation=(2, 1), padding=1, stride=(1, 2)),
     (2, 2, 5, 6)),
    ("unfold_unbatched", lambda m: m.Unfold(3, stride=2), (2, 5, 5)),
    ("fold", lambda m: m.Fold((4, 5), 2), (2, 12, 12)),
    ("fold_all", lambda m: m.Fold(output_size=(5, 6), kernel_size=(2, 3), dilation=(2, 1),
                                  padding=1, stride=(1, 2)), (2, 12, 15)),
    ("fold_unbatched_overlap", lambda m: m.Fold(5, 3), (18, 9)),
]


@pytest.mark.parametrize("name,make,shape", FOLDS, ids=[c[0] for c in FOLDS])
def test_fold_unfold_match_pytorch(name, make, shape, dtype):
    a, b = make(nn), make(T.nn)
    assert repr(a) == repr(b)
    x = np.random.default_rng(4).standard_normal(shape).astype(dtype)
    xa, xb = torch.tensor(x).requires_grad_(), T.tensor(x).requires_grad_()
    ya, yb = a(xa), b(xb)
    close(ya, yb, dtype)
    g = np.random.default_rng(5).standard_normal(tuple(yb.shape)).astype(dtype)
    (ya * torch.tensor(g)).sum().backward()
    (yb * T.tensor(g)).sum().backward()
    close(xa.grad, xb.grad, dtype)


def test_functional_forms_match_pytorch():
    x = np.random.default_rng(6).standard_normal((1, 2, 5, 6))
    ya, ia = F.max_pool2d(torch.tensor(x), 2, return_indices=True)
    yb, ib = T.nn.functional.max_pool2d(T.tensor(x), 2, return_indices=True)
    np.testing.assert_array_equal(np.asarray(ia), ib.numpy())
    close(F.max_unpool2d(ya, ia, 2, output_size=(5, 6)),
          T.nn.functional.max_unpool2d(yb, ib, 2, output_size=(5, 6)), "float64")
    va, ja = F.adaptive_max_pool2d(torch.tensor(x), (2, 4), return_indices=True)
    vb, jb = T.nn.functional.adaptive_max_pool2d(T.tensor(x), (2, 4), return_indices=True)
    close(va, vb, "float64")
    np.testing.assert_array_equal(np.asarray(ja), jb.numpy())
    cols = F.unfold(torch.tensor(x), 3, padding=1)
    close(cols, T.nn.functional.unfold(T.tensor(x), 3, padding=1), "float64")
    close(F.fold(cols, (5, 6), 3, padding=1),
          T.nn.functional.fold(T.nn.functional.unfold(T.tensor(x), 3, padding=1), (5, 6), 3,
                               padding=1), "float64")


@pytest.mark.parametrize("name,args", [
    ("max_pool1d_with_indices", ((2, 3, 9), 3)), ("max_pool2d_with_indices", ((2, 3, 5, 6), 2)),
    ("max_pool3d_with_indices", ((1, 2, 4, 4, 5), 2)),
    ("adaptive_max_pool1d_with_indices", ((2, 3, 9), 4)),
    ("adaptive_max_pool2d_with_indices", ((2, 3, 5, 6), (2, 4))),
    ("adaptive_max_pool3d_with_indices", ((1, 2, 4, 4, 5), 3))])
def test_with_indices_forms_match_pytorch(name, args):
    shape, size = args
    x = np.random.default_rng(7).standard_normal(shape)
    ya, ia = getattr(F, name)(torch.tensor(x), size)
    yb, ib = getattr(T.nn.functional, name)(T.tensor(x), size)
    close(ya, yb, "float64")
    np.testing.assert_array_equal(np.asarray(ia), ib.numpy())


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="divisible by the product of kernel_size"):
        F.fold(torch.zeros(1, 5, 4), (3, 3), 2)
    with pytest.raises(ValueError, match=r"number of sliding blocks 2 \* 2 = 4, but got"):
        F.fold(torch.zeros(1, 4, 5), (3, 3), 2)
    with pytest.raises(ValueError, match="invalid output_size"):
        F.max_unpool2d(torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 2, 2, dtype=torch.int64), 2,
                       output_size=(7, 4))
    with pytest.raises(ValueError, match="Expected 3D or 4D tensor"):
        F.adaptive_max_pool2d(torch.zeros(4, 4), 2)
