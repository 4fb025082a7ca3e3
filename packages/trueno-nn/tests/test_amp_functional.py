"""nn's functional ops under autocast give PyTorch 2.13's result dtypes (their
``autocast_function`` policies), and a bias-free CNN runs under CPU autocast as in PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T

import trueno.torch as torch

F, TF = torch.nn.functional, T.nn.functional
_rng = np.random.default_rng(3)


def _pair(*shape, dtype="float32"):
    a = _rng.standard_normal(shape).astype(dtype)
    return torch.tensor(a), T.tensor(a)


def _cases():
    x, tx = _pair(4, 6)
    w, tw = _pair(3, 6)
    b, tb = _pair(3)
    im, tim = _pair(2, 3, 8, 8)
    k, tk = _pair(4, 3, 3, 3)
    s1, ts1 = _pair(2, 3, 10)
    k1, tk1 = _pair(4, 3, 3)
    lg, tlg = _pair(4, 5)
    y = _rng.integers(0, 5, 4)
    tgt, ttgt = _pair(4, 5)
    return [
        ("linear", lambda f: f.linear(x, w, b), lambda f: f.linear(tx, tw, tb)),
        ("conv2d", lambda f: f.conv2d(im, k, padding=1), lambda f: f.conv2d(tim, tk, padding=1)),
        ("conv1d", lambda f: f.conv1d(s1, k1), lambda f: f.conv1d(ts1, tk1)),
        ("cross_entropy", lambda f: f.cross_entropy(lg.to(torch.bfloat16), torch.tensor(y)),
         lambda f: f.cross_entropy(tlg.to(T.bfloat16), T.tensor(y))),
        ("mse_loss", lambda f: f.mse_loss(lg.to(torch.bfloat16), tgt.to(torch.bfloat16)),
         lambda f: f.mse_loss(tlg.to(T.bfloat16), ttgt.to(T.bfloat16))),
        ("l1_loss", lambda f: f.l1_loss(lg.to(torch.bfloat16), tgt),
         lambda f: f.l1_loss(tlg.to(T.bfloat16), ttgt)),
        ("bce_logits", lambda f: f.binary_cross_entropy_with_logits(
            lg.to(torch.bfloat16), tgt.sigmoid().to(torch.bfloat16)),
         lambda f: f.binary_cross_entropy_with_logits(tlg.to(T.bfloat16),
                                                      ttgt.sigmoid().to(T.bfloat16))),
    ]


CASES = _cases()


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
@pytest.mark.parametrize(("name", "mine", "ref"), CASES, ids=[c[0] for c in CASES])
def test_functional_dtype_under_cpu_autocast(name, mine, ref, dtype):
    with T.autocast("cpu", dtype=getattr(T, dtype)):
        want = ref(TF)
    with torch.autocast("cpu", dtype=getattr(torch, dtype)):
        got = mine(F)
    assert str(got.dtype) == str(want.dtype), name
    np.testing.assert_allclose(np.asarray(got.detach().float()), want.detach().float().numpy(),
                               rtol=3e-2, atol=3e-2)


def test_bias_free_cnn_under_autocast_matches_torch_dtype():
    T.manual_seed(0)
    ref = T.nn.Sequential(T.nn.Conv2d(3, 4, 3, bias=False), T.nn.ReLU(),
                          T.nn.Conv2d(4, 2, 3, bias=False), T.nn.Flatten(), T.nn.Linear(8, 3))
    torch.manual_seed(0)
    mine = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, bias=False), torch.nn.ReLU(),
                               torch.nn.Conv2d(4, 2, 3, bias=False), torch.nn.Flatten(),
                               torch.nn.Linear(8, 3))
    a = _rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
    with T.autocast("cpu", dtype=T.bfloat16):
        want = ref(T.tensor(a))
        want_loss = TF.cross_entropy(want, T.tensor([0, 2]))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        got = mine(torch.tensor(a))
        loss = F.cross_entropy(got, torch.tensor([0, 2]))
    assert str(got.dtype) == str(want.dtype) == "torch.bfloat16"
    assert str(loss.dtype) == str(want_loss.dtype) == "torch.float32"
    loss.backward()
    want_loss.backward()
    for p, q in zip(mine.parameters(), ref.parameters()):
        assert str(p.grad.dtype) == "torch.float32"
        np.testing.assert_allclose(np.asarray(p.grad), q.grad.numpy(), rtol=0.1, atol=0.05)
