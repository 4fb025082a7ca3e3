"""Layers and losses on the GPU device (lavapipe in CI) give the CPU's values and gradients.

Skipped only when trueno-gpu finds no adapter (the reason names why)."""

from __future__ import annotations

import numpy as np
import pytest

import trueno.nn as nn
import trueno.nn.functional as F
import trueno.torch as torch

trueno_gpu = pytest.importorskip("trueno_gpu")
if not trueno_gpu.is_available():
    pytest.skip("no GPU adapter for trueno-gpu", allow_module_level=True)


def _grads(model, run):
    model.zero_grad()
    loss = run(model)
    loss.backward()
    return float(loss.to("cpu")), [np.asarray(p.grad.to("cpu")) for p in model.parameters()]


def test_mlp_embedding_and_losses_on_gpu_match_cpu():
    torch.manual_seed(0)
    emb = nn.Embedding(6, 4, padding_idx=0)
    mlp = nn.Sequential(nn.Linear(4, 8), nn.LayerNorm(8), nn.GELU(), nn.Dropout(0.5),
                        nn.SiLU(), nn.Linear(8, 3))
    model = nn.ModuleList([emb, mlp]).eval()
    idx = torch.tensor([0, 3, 5, 1, 0, 2])
    cls = torch.tensor([2, 0, -100, 1, 1, 2])
    w = torch.tensor([0.5, 1.0, 2.0])
    bits = torch.tensor(np.random.default_rng(0).uniform(0, 1, (6, 3)).astype("float32"))

    def run(dev):
        def f(m):
            logits = m[1](m[0](idx.to(dev)))
            return (F.cross_entropy(logits, cls.to(dev), w.to(dev), label_smoothing=0.1)
                    + F.binary_cross_entropy_with_logits(logits, bits.to(dev),
                                                         pos_weight=w.to(dev))
                    + F.mse_loss(F.log_softmax(logits, 1), bits.to(dev)))
        return f
    want, gwant = _grads(model, run("cpu"))
    model.to("gpu")
    assert model[0].weight.device.type != "cpu"
    got, ggot = _grads(model, run("gpu"))
    np.testing.assert_allclose(got, want, rtol=1e-5)
    for a, b in zip(ggot, gwant):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    assert not ggot[0][0].any()  # the padding row gets no gradient on the GPU too
    model.train()
    y = model[1](model[0](idx.to("gpu")))
    assert y.shape == (6, 3) and y.device.type != "cpu"


def test_conv_and_batch_norm_on_gpu_match_cpu():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(2, 4, 3, padding="same"), nn.BatchNorm2d(4), nn.ReLU(),
                          nn.Flatten(),
                          nn.Linear(4 * 5 * 4, 2))
    x = torch.tensor(np.random.default_rng(1).standard_normal((3, 2, 5, 4)).astype("float32"))

    def run(dev):
        return lambda m: (m(x.to(dev)) ** 2).mean()
    want, gwant = _grads(model, run("cpu"))
    stats = np.array(model[1].running_mean)
    model[1].reset_running_stats()
    model.to("gpu")
    got, ggot = _grads(model, run("gpu"))
    np.testing.assert_allclose(got, want, rtol=1e-5)
    for a, b in zip(ggot, gwant):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(np.asarray(model[1].running_mean.to("cpu")), stats, rtol=1e-5,
                               atol=1e-7)
