"""The spatial layers on the GPU device (lavapipe in CI) give the CPU's values and gradients.

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


def _run(model, x, dev):
    model.zero_grad()
    xd = x.to(dev).detach().requires_grad_()
    y = model(xd)
    loss = (y * y).mean()
    loss.backward()
    return ([np.asarray(y.detach().to("cpu")), np.asarray(xd.grad.to("cpu"))]
            + [np.asarray(p.grad.to("cpu")) for p in model.parameters()])


def _check(model, shape, seed=None):
    x = torch.tensor(np.random.default_rng(0).standard_normal(shape).astype("float32"))
    if seed is not None:
        torch.manual_seed(seed)
    want = _run(model, x, "cpu")
    model.to("gpu")
    assert next(model.parameters()).device.type != "cpu"
    if seed is not None:
        torch.manual_seed(seed)
    got = _run(model, x, "gpu")
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_conv_transpose_and_conv3d_on_gpu_match_cpu():
    torch.manual_seed(0)
    _check(nn.Sequential(nn.ConvTranspose2d(2, 4, 3, stride=2, padding=1, output_padding=1,
                                            groups=2)), (1, 2, 3, 3))
    _check(nn.Sequential(nn.Conv3d(2, 2, 2, padding=1), nn.ConvTranspose3d(2, 1, 2, stride=2)),
           (1, 2, 2, 3, 2))


def test_upsample_on_gpu_matches_cpu():
    torch.manual_seed(0)
    _check(nn.Sequential(nn.Conv2d(1, 2, 1), nn.Upsample(scale_factor=1.5, mode="bilinear"),
                         nn.UpsamplingNearest2d(size=(5, 7))), (1, 1, 3, 4))


def test_fold_and_max_pooling_with_indices_on_gpu_match_cpu():
    torch.manual_seed(0)
    _check(nn.Sequential(nn.Conv2d(1, 2, 1), nn.Unfold(2), nn.Fold((3, 4), 2),
                         nn.AdaptiveMaxPool2d((2, 3))), (1, 1, 3, 4))
    x = torch.tensor(np.random.default_rng(1).standard_normal((1, 2, 5, 4)).astype("float32"))
    for fn in (lambda t: F.max_pool2d(t, 2, padding=1, return_indices=True),
               lambda t: F.adaptive_max_pool2d(t, 3, return_indices=True)):
        (yc, ic), (yg, ig) = fn(x), fn(x.to("gpu"))
        assert yg.device.type != "cpu"
        np.testing.assert_array_equal(np.asarray(ig.to("cpu")), np.asarray(ic))
        np.testing.assert_array_equal(np.asarray(yg.to("cpu")), np.asarray(yc))
        u = F.max_unpool2d(yg, ig, 2, padding=1, output_size=(5, 4))
        want = F.max_unpool2d(yc, ic, 2, padding=1, output_size=(5, 4))
        np.testing.assert_array_equal(np.asarray(u.to("cpu")), np.asarray(want))


def test_instance_norm_and_dropout2d_on_gpu_match_cpu():
    # The masks of a GPU tensor come from the GPU's own generator (as in PyTorch, whose CUDA
    # masks differ from its CPU masks): the layers are compared with dropout off (eval), and
    # the GPU masks' structure and gradients are checked on their own below.
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(2, 4, 1), nn.InstanceNorm2d(4, affine=True),
                          nn.Dropout2d(0.5), nn.AlphaDropout(0.3))
    model[2].eval()
    model[3].eval()
    _check(model, (2, 2, 3, 3), seed=5)


def test_dropout2d_and_alpha_dropout_on_gpu_use_one_mask_per_channel():
    x = torch.tensor(np.random.default_rng(0).standard_normal((4, 6, 3, 3)).astype("float32"))
    xg = x.to("gpu").requires_grad_()
    torch.manual_seed(5)
    y = F.dropout2d(xg, 0.5)
    y.backward(torch.ones_like(y))
    keep = (y.detach().to("cpu").numpy() != 0).any(axis=(2, 3), keepdims=True)
    assert 0 < keep.sum() < keep.size  # some channels dropped, some kept
    want = np.where(keep, x.numpy() * 2, 0)
    np.testing.assert_array_equal(y.detach().to("cpu").numpy(), want)
    np.testing.assert_array_equal(xg.grad.to("cpu").numpy(),
                                  np.broadcast_to(np.where(keep, 2.0, 0.0), x.shape))
    torch.manual_seed(5)  # the same seed, the same mask
    np.testing.assert_array_equal(F.dropout2d(xg, 0.5).detach().to("cpu").numpy(), want)
    p, alpha = 0.3, 1.7580993408473766
    out = F.alpha_dropout(xg.detach(), p, training=True).to("cpu").numpy()
    scale = 1.0 / np.sqrt((alpha * alpha * p + 1) * (1 - p))
    dropped = out == np.float32(out.flat[np.argmin(np.abs(out - alpha * scale * (p - 1)))])
    assert 0 < dropped.mean() < 1
    np.testing.assert_allclose(out[dropped], alpha * scale * (p - 1), rtol=1e-6)
    np.testing.assert_allclose(out[~dropped], (x.numpy() * scale + alpha * scale * p)[~dropped],
                               rtol=1e-5, atol=1e-6)


def test_embedding_bag_on_gpu_matches_cpu():
    torch.manual_seed(0)
    idx, off = torch.tensor([1, 2, 4, 5, 4, 3, 0]), torch.tensor([0, 3, 3])
    psw = torch.tensor(np.linspace(-1, 1, 7).astype("float32"))
    for kw in (dict(mode="max", padding_idx=4), dict(mode="sum")):
        bag = nn.EmbeddingBag(6, 3, **kw)
        results = []
        for dev in ("cpu", "gpu"):
            bag.to(dev).zero_grad()
            w = psw.to(dev) if kw["mode"] == "sum" else None
            y = bag(idx.to(dev), off.to(dev), per_sample_weights=w)
            (y * y).sum().backward()
            results.append((np.asarray(y.detach().to("cpu")),
                            np.asarray(bag.weight.grad.to("cpu"))))
        assert bag.weight.device.type != "cpu"
        for a, b in zip(results[1], results[0], strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_pool3d_on_gpu_matches_cpu():
    torch.manual_seed(0)
    _check(nn.Sequential(nn.Conv3d(1, 2, 1), nn.MaxPool3d(2, stride=1, padding=1),
                         nn.AvgPool3d(2, ceil_mode=True), nn.AdaptiveMaxPool3d((1, 2, 1))),
           (1, 1, 3, 3, 2))


def test_spatial_transformer_on_gpu_matches_cpu():
    rng = np.random.default_rng(3)
    theta = torch.tensor(np.array([[[0.9, -0.3, 0.2], [0.2, 1.2, -0.1]]], dtype="float32"))
    x = torch.tensor(rng.standard_normal((1, 2, 4, 5)).astype("float32"))
    results = []
    for dev in ("cpu", "gpu"):
        t = theta.to(dev).detach().requires_grad_()
        xd = x.to(dev).detach().requires_grad_()
        grid = F.affine_grid(t, (1, 2, 3, 4), align_corners=False)
        y = F.grid_sample(xd, grid, padding_mode="reflection", align_corners=False)
        y = y + F.grid_sample(xd, grid, mode="nearest", align_corners=False)
        (y * y).sum().backward()
        results.append([np.asarray(v.detach().to("cpu")) for v in (y, t.grad, xd.grad)])
        assert (y.device.type == "cpu") == (dev == "cpu")
    for a, b in zip(results[1], results[0], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
