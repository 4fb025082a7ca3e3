"""scaled_dot_product_attention and MultiheadAttention vs PyTorch 2.13: same-seed parameters,
outputs, attention weights and gradients, with bool/float/causal/key-padding masks."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T
import torch.nn.functional as TF
from conftest import close

import trueno.nn as nn
import trueno.nn.functional as F
import trueno.torch as torch


def _pair(x, grad=True):
    return torch.tensor(x).requires_grad_(grad), T.tensor(x).requires_grad_(grad)


@pytest.mark.parametrize("mask", ["none", "bool", "float", "causal"])
def test_sdpa(mask, dtype):
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal(s).astype(dtype) for s in ((2, 3, 4, 8), (2, 3, 5, 8),
                                                             (2, 3, 5, 6)))
    (qa, qb), (ka, kb), (va, vb) = _pair(q), _pair(k), _pair(v)
    kw_a, kw_b = {}, {}
    if mask == "bool":
        m = rng.uniform(size=(4, 5)) > 0.3
        m[:, 0] = True
        kw_a["attn_mask"], kw_b["attn_mask"] = torch.tensor(m), T.tensor(m)
    elif mask == "float":
        m = rng.standard_normal((2, 1, 4, 5)).astype(dtype)
        kw_a["attn_mask"], kw_b["attn_mask"] = torch.tensor(m), T.tensor(m)
    elif mask == "causal":
        kw_a["is_causal"] = kw_b["is_causal"] = True
    ya = F.scaled_dot_product_attention(qa, ka, va, scale=0.3, **kw_a)
    yb = TF.scaled_dot_product_attention(qb, kb, vb, scale=0.3, **kw_b)
    close(ya, yb, dtype, 10)
    g = rng.standard_normal(tuple(yb.shape)).astype(dtype)
    (ya * torch.tensor(g)).sum().backward()
    (yb * T.tensor(g)).sum().backward()
    for a, b in ((qa, qb), (ka, kb), (va, vb)):
        close(a.grad, b.grad, dtype, 100)


CASES = [
    ("self", {}, False, {}),
    ("batch_first_kpm", {"batch_first": True}, True, {"kpm": True}),
    ("bool_mask_heads", {}, True, {"bool_mask": True, "average_attn_weights": False}),
    ("float_mask_no_weights", {"bias": False}, True, {"float_mask": True,
                                                      "need_weights": False}),
    ("causal", {}, False, {"causal": True}),
    ("unbatched", {}, False, {"unbatched": True}),
]


def _shapes(opts, bf, L, S, N):
    if opts.get("unbatched"):
        return (L, 8), (S, 8)
    if bf:
        return (N, L, 8), (N, S, 8)
    return (L, N, 8), (S, N, 8)


def _masks(opts, rng, dtype, L, S, N):
    m = None
    out = {}
    if opts.get("kpm"):
        m = np.zeros((N, S), dtype=bool)
        m[0, -2:] = True
        out["key_padding_mask"] = m
    if opts.get("bool_mask"):
        m = rng.uniform(size=(L, S)) > 0.7
        m[:, 0] = False
        out["attn_mask"] = m
    if opts.get("float_mask"):
        out["attn_mask"] = rng.standard_normal((N * 2, L, S)).astype(dtype)
    if opts.get("causal"):
        out["attn_mask"] = np.triu(np.ones((L, S), dtype=bool), 1)
    return out


@pytest.mark.parametrize("name,ctor,cross,opts", CASES, ids=[c[0] for c in CASES])
def test_multihead_attention(name, ctor, cross, opts, dtype):
    torch.manual_seed(0)
    a = nn.MultiheadAttention(8, 2, **ctor)
    T.manual_seed(0)
    b = T.nn.MultiheadAttention(8, 2, **ctor)
    assert repr(a) == repr(b)
    assert list(a.state_dict()) == list(b.state_dict())
    for (_, pa), (_, pb) in zip(a.state_dict().items(), b.state_dict().items()):
        np.testing.assert_array_equal(np.asarray(pa), pb.numpy())
    if dtype == "float64":
        a.double()
        b.double()
    rng = np.random.default_rng(1)
    L, S, N = 4, (5 if cross else 4), 3
    qs, ks = _shapes(opts, ctor.get("batch_first", False), L, S, N)
    q = rng.standard_normal(qs).astype(dtype)
    qa, qb = _pair(q)
    ka, kb = _pair(rng.standard_normal(ks).astype(dtype)) if cross else (qa, qb)
    masks = _masks(opts, rng, dtype, L, S, N)
    kw_a = {k: torch.tensor(v) for k, v in masks.items()}
    kw_b = {k: T.tensor(v) for k, v in masks.items()}
    for key in ("need_weights", "average_attn_weights"):
        if key in opts:
            kw_a[key] = kw_b[key] = opts[key]
    if opts.get("causal"):
        kw_a["is_causal"] = kw_b["is_causal"] = True
    (ya, wa), (yb, wb) = a(qa, ka, ka, **kw_a), b(qb, kb, kb, **kw_b)
    close(ya, yb, dtype, 10)
    if wb is None:
        assert wa is None
    else:
        close(wa, wb, dtype, 10)
    g = rng.standard_normal(tuple(yb.shape)).astype(dtype)
    (ya * torch.tensor(g)).sum().backward()
    (yb * T.tensor(g)).sum().backward()
    close(qa.grad, qb.grad, dtype, 100)
    for (na, pa), (nb, pb) in zip(a.named_parameters(), b.named_parameters()):
        assert na == nb
        close(pa.grad, pb.grad, dtype, 100)
