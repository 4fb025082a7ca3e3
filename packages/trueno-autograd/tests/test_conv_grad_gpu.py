"""conv2d's derivative rule on the GPU device vs ``torch.autograd`` (torch==2.13.0): off the
CPU the weight gradient is one conv (the input's channels as the batch, the output gradient
as the kernel) and the input gradient one conv of the flipped weight (a stride first spreads
the gradient over a zero canvas), in a handful of launches instead of ``kh * kw`` tap copies
and slice-adds. Every geometry of test_conv_grad_paths (stride, padding, dilation, groups,
depthwise, kernels as large as the input, padding beyond the kernel), float32 and float64,
batch chunks, double backward, and the launch count of the backward.

Skipped only when trueno-gpu finds no adapter (lavapipe in CI)."""

from __future__ import annotations

import numpy as np
import pytest
from ag_setup import grad_mode_restored  # noqa: F401  (autouse fixture)
from test_conv_grad_paths import CASES, _arrays, _conv_tn, _gpu_or_skip

import trueno as tn

torch = pytest.importorskip("torch", reason="torch is not importable (CI installs "
                                            "torch==2.13.0 for these differential tests)")
F = torch.nn.functional
TOL = {"float32": dict(rtol=1e-4, atol=1e-4), "float64": dict(rtol=1e-10, atol=1e-10)}


@pytest.fixture(autouse=True)
def _gpu():
    _gpu_or_skip()


def _grads(case, dtype, seed=5, bias=True):
    """(trueno's, torch's) gradients of x, w and b for ``sum(conv(x, w) + b) ** 2 * c``
    (a non-uniform output gradient)."""
    _, _, s, p, d, groups = CASES[case]
    x, w = _arrays(case, dtype, seed=seed)
    b = np.random.default_rng(seed + 1).standard_normal(w.shape[0]).astype(dtype)
    tx = tn.asarray(x, device="gpu").requires_grad_()
    tw = tn.asarray(w, device="gpu").requires_grad_()
    tb = tn.asarray(b, device="gpu").requires_grad_()
    out = _conv_tn(tx, tw, s, p, d, groups)
    if bias:
        out = out + tb.reshape((1, -1, 1, 1))
    (out * out).sum().backward()
    px, pw, pb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    (F.conv2d(px, pw, pb if bias else None, s, p, d, groups) ** 2).sum().backward()
    got = [tx.grad, tw.grad] + ([tb.grad] if bias else [])
    want = [px.grad, pw.grad] + ([pb.grad] if bias else [])
    for t in got:
        assert str(t.device) == "gpu:0"
    return [t.cpu()._host() for t in got], [t.numpy() for t in want]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", list(CASES))
def test_conv2d_gradients_on_gpu_match_torch(case, dtype):
    got, want = _grads(case, dtype)
    for g, t in zip(got, want, strict=True):
        np.testing.assert_allclose(g, t, **TOL[dtype])


@pytest.mark.parametrize("case", ["stride 2 padding 1", "stride (3, 2) dilation (1, 2)",
                                  "padding 1"])
def test_conv2d_weight_gradient_in_batch_chunks_on_gpu(case, monkeypatch):
    """A batch whose im2col exceeds ``_COLS_MAX`` is taken in chunks whose convs add up."""
    from trueno_autograd import _rules_linalg

    monkeypatch.setattr(_rules_linalg, "_COLS_MAX", 80)
    got, want = _grads(case, "float64", bias=False)
    for g, t in zip(got, want, strict=True):
        np.testing.assert_allclose(g, t, **TOL["float64"])


@pytest.mark.parametrize("case", ["stride 2 padding 1", "padding 1"])
def test_conv2d_double_backward_on_gpu_matches_torch(case):
    """create_graph: the rule's convs are recorded, so the gradients differentiate again."""
    _, _, s, p, d, groups = CASES[case]
    x, w = _arrays(case, "float64", seed=2)
    tx = tn.asarray(x, device="gpu").requires_grad_()
    tw = tn.asarray(w, device="gpu").requires_grad_()
    out = _conv_tn(tx, tw, s, p, d, groups)
    gx, gw = tn.autograd.grad((out * out).sum(), [tx, tw], create_graph=True)
    ((gx * gx).sum() + (gw * gw).sum()).backward()
    px, pw = (torch.tensor(a, requires_grad=True) for a in (x, w))
    o = F.conv2d(px, pw, None, s, p, d, groups)
    ax, aw = torch.autograd.grad((o * o).sum(), [px, pw], create_graph=True)
    ((ax * ax).sum() + (aw * aw).sum()).backward()
    np.testing.assert_allclose(tx.grad.cpu()._host(), px.grad.numpy(), **TOL["float64"])
    np.testing.assert_allclose(tw.grad.cpu()._host(), pw.grad.numpy(), **TOL["float64"])


@pytest.mark.parametrize(("xs", "ws", "stride", "most"), [
    ((2, 16, 8, 8), (32, 16, 3, 3), (1, 1), 12),  # the benchmark CNN's second conv
    ((2, 1, 8, 8), (16, 1, 3, 3), (1, 1), 12),  # one input channel (col2im on the CPU)
    ((2, 4, 9, 9), (8, 4, 3, 3), (2, 2), 14),  # a stride: col2im on the CPU
])
def test_conv2d_backward_launches_on_gpu(monkeypatch, xs, ws, stride, most):
    """The backward of a 3x3 conv records at most ``most`` GPU launches (the tap copies and
    slice-adds of im2col/col2im took 25-45), with torch's gradients."""
    from trueno_gpu import _runtime

    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(xs).astype("float32"), rng.standard_normal(ws).astype("float32")
    tx = tn.asarray(x, device="gpu").requires_grad_()
    tw = tn.asarray(w, device="gpu").requires_grad_()
    out = _conv_tn(tx, tw, stride, (1, 1), (1, 1), 1)
    loss = (out * out).sum()
    launches, record = [0], _runtime.Runtime.record

    def counted(rt, *a, **k):
        launches[0] += 1
        return record(rt, *a, **k)

    monkeypatch.setattr(_runtime.Runtime, "record", counted)
    loss.backward()
    monkeypatch.setattr(_runtime.Runtime, "record", record)
    assert launches[0] <= most, launches[0]
    px, pw = (torch.tensor(a, requires_grad=True) for a in (x, w))
    (F.conv2d(px, pw, None, stride, 1) ** 2).sum().backward()
    np.testing.assert_allclose(tx.grad.cpu()._host(), px.grad.numpy(), rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(tw.grad.cpu()._host(), pw.grad.numpy(), rtol=1e-4, atol=1e-3)
