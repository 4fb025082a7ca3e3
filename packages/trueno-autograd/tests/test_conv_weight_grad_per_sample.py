"""conv2d's weight gradient taken one sample at a time (output planes of at least
``_PER_SAMPLE_MIN_PIXELS`` pixels: the output gradient read in place, the per-sample products
summed) vs ``torch.autograd`` (torch==2.13.0), on every geometry of the rule's path tests,
with first and second derivatives, in batch chunks and on the GPU device."""

from __future__ import annotations

import numpy as np
import pytest
from ag_setup import grad_mode_restored  # noqa: F401  (autouse fixture)
from test_conv_grad_paths import CASES, TOL, _arrays, _conv_tn, _gpu_or_skip

import trueno as tn

torch = pytest.importorskip("torch", reason="torch is not importable (CI installs "
                                            "torch==2.13.0 for these differential tests)")
F = torch.nn.functional


@pytest.fixture(params=[1, 10 ** 9], ids=["per-sample", "one-product"])
def min_pixels(request, monkeypatch):
    from trueno_autograd import _rules_linalg
    monkeypatch.setattr(_rules_linalg, "_PER_SAMPLE_MIN_PIXELS", request.param)
    return request.param


def _grads(x, w, gout, s, p, d, groups, make=tn.asarray):
    tx, tw = make(x).requires_grad_(), make(w).requires_grad_()
    (_conv_tn(tx, tw, s, p, d, groups) * make(gout)).sum().backward()
    px, pw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    (F.conv2d(px, pw, None, s, p, d, groups) * torch.tensor(gout)).sum().backward()
    return tx.grad, tw.grad, px.grad.numpy(), pw.grad.numpy()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", list(CASES))
def test_weight_gradient_both_paths_match_torch(case, dtype, min_pixels):
    _, _, s, p, d, groups = CASES[case]
    x, w = _arrays(case, dtype, seed=11)
    oshape = F.conv2d(torch.tensor(x), torch.tensor(w), None, s, p, d, groups).shape
    gout = np.random.default_rng(12).standard_normal(oshape).astype(dtype)
    gx, gw, want_x, want_w = _grads(x, w, gout, s, p, d, groups)
    np.testing.assert_allclose(gw._host(), want_w, **TOL[dtype])
    np.testing.assert_allclose(gx._host(), want_x, **TOL[dtype])
    assert gw.dtype == gx.dtype and gw.shape == tuple(w.shape)


# planes of 256 pixels and more take the per-sample path at the default threshold
LARGE = {
    "18x18 padding 1": ((3, 4, 18, 18), (6, 4, 3, 3), (1, 1), (1, 1), (1, 1), 1),
    "groups 2 dilation 2": ((2, 4, 20, 19), (4, 2, 3, 2), (1, 1), (2, 1), (2, 2), 2),
    "stride 2 on 36x34": ((2, 3, 36, 34), (5, 3, 3, 3), (2, 2), (1, 1), (1, 1), 1),
}


@pytest.mark.parametrize("case", list(LARGE))
def test_large_planes_first_and_second_derivatives_match_torch(case):
    xs, ws, s, p, d, groups = LARGE[case]
    rng = np.random.default_rng(13)
    x, w = rng.standard_normal(xs), rng.standard_normal(ws)
    vx, vw = rng.standard_normal(xs), rng.standard_normal(ws)

    def grads(conv, asarray, grad):
        tx, tw = asarray(x).requires_grad_(), asarray(w).requires_grad_()
        y = conv(tx, tw)
        gx, gw = grad((y * y * y).sum(), [tx, tw], create_graph=True)
        return (gx, gw) + tuple(grad((gx * asarray(vx)).sum() + (gw * asarray(vw)).sum(),
                                     [tx, tw]))

    got = grads(lambda a, b: _conv_tn(a, b, s, p, d, groups), tn.asarray, tn.autograd.grad)
    want = grads(lambda a, b: F.conv2d(a, b, None, s, p, d, groups), torch.tensor,
                 torch.autograd.grad)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a.detach()._host(), b.detach().numpy(), rtol=1e-9,
                                   atol=1e-10)


@pytest.mark.parametrize("cols_max", [1, 5000])
def test_large_planes_in_batch_chunks_match_torch(cols_max, monkeypatch):
    from trueno_autograd import _rules_linalg
    monkeypatch.setattr(_rules_linalg, "_COLS_MAX", cols_max)
    xs, ws, s, p, d, groups = LARGE["18x18 padding 1"]
    rng = np.random.default_rng(14)
    x, w = rng.standard_normal(xs), rng.standard_normal(ws)
    gout = rng.standard_normal((xs[0], ws[0], 18, 18))
    gx, gw, want_x, want_w = _grads(x, w, gout, s, p, d, groups)
    np.testing.assert_allclose(gw._host(), want_w, rtol=1e-10, atol=1e-11)
    np.testing.assert_allclose(gx._host(), want_x, rtol=1e-10, atol=1e-11)


def test_large_plane_on_gpu_matches_torch():
    _gpu_or_skip()
    xs, ws, s, p, d, groups = LARGE["groups 2 dilation 2"]
    rng = np.random.default_rng(15)
    x, w = rng.standard_normal(xs).astype("float32"), rng.standard_normal(ws).astype("float32")
    oshape = F.conv2d(torch.tensor(x), torch.tensor(w), None, s, p, d, groups).shape
    gout = rng.standard_normal(oshape).astype("float32")
    gx, gw, want_x, want_w = _grads(x, w, gout, s, p, d, groups,
                                    make=lambda a: tn.asarray(a, device="gpu"))
    assert str(gw.device) == "gpu:0"
    np.testing.assert_allclose(gw.cpu()._host(), want_w, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(gx.cpu()._host(), want_x, rtol=1e-4, atol=1e-4)
