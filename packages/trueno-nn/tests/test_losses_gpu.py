"""The new losses on the GPU device (lavapipe in CI) give the CPU's values and gradients.

Skipped only when trueno-gpu finds no adapter."""

from __future__ import annotations

import numpy as np
import pytest

import trueno.nn.functional as F
import trueno.torch as torch

trueno_gpu = pytest.importorskip("trueno_gpu")
if not trueno_gpu.is_available():
    pytest.skip("no GPU adapter for trueno-gpu", allow_module_level=True)


def _on(dev, fn, arrays):
    ins = [torch.tensor(a, device=dev).requires_grad_(a.dtype.kind == "f") for a in arrays]
    out = fn(*ins)
    out.backward()
    return float(out.to("cpu")), [np.asarray(t.grad.to("cpu")) for t in ins if t.requires_grad]


def _same(fn, arrays):
    want, gwant = _on("cpu", fn, arrays)
    got, ggot = _on("gpu", fn, arrays)
    np.testing.assert_allclose(got, want, rtol=1e-5)
    for a, b in zip(ggot, gwant):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def _u(shape, seed, lo=-2.0, hi=2.0):
    return np.random.default_rng(seed).uniform(lo, hi, shape).astype("float32")


def test_margin_losses_on_gpu_match_cpu():
    x, y, z = _u((4, 5), 1), _u((4, 5), 2), _u((4, 5), 3)
    cls = np.array([0, 4, 2, 1], dtype=np.int64)
    multi = np.array([[1, 3, -1, 0, 0]] * 4, dtype=np.int64)

    def f(a, b, c, t, m):
        return (F.triplet_margin_loss(a, b, c, swap=True)
                + F.multi_margin_loss(a, t, p=2)
                + F.multilabel_margin_loss(b, m)
                + F.cosine_embedding_loss(a, c, (t > 1).long() * 2 - 1)
                + F.gaussian_nll_loss(a, b, c * c + 0.1))
    _same(f, [x, y, z, cls, multi])


def test_ctc_loss_on_gpu_matches_cpu():
    logits = _u((6, 2, 4), 4)
    targets = np.array([[1, 2, 2], [3, 1, 0]], dtype=np.int64)

    def f(x, t):
        return F.ctc_loss(torch.log_softmax(x, 2), t, (6, 4), (3, 2))
    _same(f, [logits, targets])
