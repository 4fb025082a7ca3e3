"""conv2d's derivative rule vs ``torch.autograd`` (torch==2.13.0) for the output-gradient
layouts and channel counts a layer sees: the broadcast gradient of ``out.sum()`` (a zero-stride
view, copied once by the rule), a permuted one, and input channels on both sides of the
col2im / direct-conv choice at stride 1 (8 channels: col2im; 9 and 16: one direct conv)."""

from __future__ import annotations

import numpy as np
import pytest
from ag_setup import grad_mode_restored  # noqa: F401  (autouse fixture)

import trueno as tn
from trueno import _dispatch as X
from trueno._optable import OPS
from trueno_autograd import _rules_linalg as R

torch = pytest.importorskip("torch", reason="torch is not importable (CI installs "
                                            "torch==2.13.0 for these differential tests)")
F = torch.nn.functional
TOL = {"float32": dict(rtol=2e-4, atol=5e-5), "float64": dict(rtol=1e-10, atol=1e-10)}


def _conv_tn(x, w, b, p):
    params = {"stride": (1, 1), "padding": p, "dilation": (1, 1), "groups": 1}
    inputs, data = (x, w), (x._data, w._data)
    if b is not None:
        params["bias"] = b._data
        inputs = (x, w, b)
    return X.run(OPS["conv2d"], inputs, data, params, x.__class__, x._device, x._dtype)


def _grads(x, w, b, p, gout):
    """(trueno, torch) gradients of x, w and b for the output gradient ``gout`` (None: the
    output's sum; else an (N, H, W, C) array given as its (N, C, H, W) permuted view)."""
    tx, tw, tb = (tn.asarray(a).requires_grad_() for a in (x, w, b))
    out = _conv_tn(tx, tw, tb, p)
    if gout is None:
        out.sum().backward()
    else:
        (out * tn.asarray(gout).permute_dims((0, 3, 1, 2))).sum().backward()
    px, pw, pb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ref = F.conv2d(px, pw, pb, 1, p)
    if gout is None:
        ref.sum().backward()
    else:
        (ref * torch.tensor(gout).permute(0, 3, 1, 2)).sum().backward()
    return (tx.grad._host(), tw.grad._host(), tb.grad._host()), \
        (px.grad.numpy(), pw.grad.numpy(), pb.grad.numpy())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("channels", [1, 8, 9, 16])
@pytest.mark.parametrize("layout", ["sum", "permuted"])
def test_conv2d_gradients_layouts_and_channels(channels, layout, dtype):
    rng = np.random.default_rng(channels)
    x = rng.standard_normal((3, channels, 9, 10)).astype(dtype)
    w = rng.standard_normal((5, channels, 3, 3)).astype(dtype)
    b = rng.standard_normal(5).astype(dtype)
    gout = None if layout == "sum" else rng.standard_normal((3, 9, 10, 5)).astype(dtype)
    got, want = _grads(x, w, b, (1, 1), gout)
    for g, r in zip(got, want):
        np.testing.assert_allclose(g, r, **TOL[dtype])


def test_input_gradient_path_by_channels(monkeypatch):
    """Stride 1, 3x3, groups 1: col2im up to 8 input channels, the direct conv from 9 on."""
    seen = []
    for name in ("_conv_input_grad_col2im", "_conv_input_grad_direct"):
        fn = getattr(R, name)
        monkeypatch.setattr(R, name, lambda *a, _f=fn, _n=name: seen.append(_n) or _f(*a))
    for c in (8, 9):
        x = tn.asarray(np.ones((1, c, 5, 5))).requires_grad_()
        w = tn.asarray(np.ones((2, c, 3, 3)))
        _conv_tn(x, w, None, (1, 1)).sum().backward()
    assert seen == ["_conv_input_grad_col2im", "_conv_input_grad_direct"]
