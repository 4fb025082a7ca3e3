"""Transformer encoder/decoder layers vs PyTorch 2.13: the same parameters from the same seed,
outputs and gradients (dropout 0 in train mode: PyTorch's eval fast path is another kernel),
post- and pre-norm, masks; state_dict interchange of an encoder."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T
from conftest import close, from_torch, to_torch
from nn_checks import backward_pair, grads_match, same_seed_pair

import trueno.nn as nn
import trueno.torch as torch


def _build(m, kind, **kw):
    if kind == "encoder":
        layer = m.TransformerEncoderLayer(8, 2, 16, dropout=0.0, **kw)
        return m.TransformerEncoder(layer, 2, norm=m.LayerNorm(8), enable_nested_tensor=False)
    return m.TransformerDecoderLayer(8, 2, 16, dropout=0.0, **kw)


CASES = [
    ("encoder", {}),
    ("encoder", {"norm_first": True, "activation": "gelu", "batch_first": True}),
    ("decoder", {}),
    ("decoder", {"norm_first": True}),
]


@pytest.mark.parametrize("kind,kw", CASES, ids=[f"{k}-{i}" for i, (k, _) in enumerate(CASES)])
def test_transformer_matches_pytorch(kind, kw, dtype):
    a, b = same_seed_pair(lambda m: _build(m, kind, **kw))
    if dtype == "float64":
        a.double()
        b.double()
    rng = np.random.default_rng(0)
    bf = kw.get("batch_first", False)
    shape = (2, 5, 8) if bf else (5, 2, 8)
    x = rng.standard_normal(shape).astype(dtype)
    xa, xb = torch.tensor(x).requires_grad_(), T.tensor(x).requires_grad_()
    causal = np.triu(np.ones((5, 5), dtype=bool), 1)
    pad = np.zeros((2, 5), dtype=bool)
    pad[1, -1] = True
    if kind == "encoder":
        ya = a(xa, mask=torch.tensor(causal), src_key_padding_mask=torch.tensor(pad))
        yb = b(xb, mask=T.tensor(causal), src_key_padding_mask=T.tensor(pad))
    else:
        mem = rng.standard_normal((3, 2, 8)).astype(dtype)
        ya = a(xa, torch.tensor(mem), tgt_mask=torch.tensor(causal))
        yb = b(xb, T.tensor(mem), tgt_mask=T.tensor(causal))
    close(ya, yb, dtype, 100)
    backward_pair(ya, yb, dtype, rng)
    close(xa.grad, xb.grad, dtype, 1000)
    grads_match(a, b, dtype, 1000)


def test_encoder_state_dict_interchange():
    T.manual_seed(3)
    b = _build(T.nn, "encoder").eval()
    torch.manual_seed(4)
    a = _build(nn, "encoder").eval()
    a.load_state_dict({k: from_torch(v) for k, v in b.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((4, 3, 8)).astype("float32")
    close(a(torch.tensor(x)), b(T.tensor(x)), "float32", 100)
    torch.manual_seed(5)
    a2 = _build(nn, "encoder").eval()
    b.load_state_dict({k: to_torch(v) for k, v in a2.state_dict().items()})
    close(a2(torch.tensor(x)), b(T.tensor(x)), "float32", 100)
