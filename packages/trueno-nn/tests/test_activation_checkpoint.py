"""``torch.utils.checkpoint`` on the PyTorch face (activation checkpointing) vs PyTorch 2.13:
same values and gradients with and without the reentrant variant, dropout replayed in the
recomputation, ``checkpoint_sequential``, and PyTorch's warnings and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import trueno.torch as tt
import trueno.torch.nn as tnn
from trueno.torch.utils.checkpoint import checkpoint, checkpoint_sequential

torch = pytest.importorskip("torch", reason="torch is not importable (CI installs "
                                            "torch==2.13.0 for the differential tests)")


def _pair(seed=0):
    """A torch MLP segment and the same trueno one (weights copied)."""
    torch.manual_seed(seed)
    th = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3),
                             torch.nn.Tanh(), torch.nn.Linear(3, 2))
    tr = tnn.Sequential(tnn.Linear(4, 5), tnn.Tanh(), tnn.Linear(5, 3), tnn.Tanh(),
                        tnn.Linear(3, 2))
    with tt.no_grad():
        for a, b in zip(th.parameters(), tr.parameters()):
            b.copy_(tt.tensor(a.detach().numpy()))
    return th, tr


X = np.random.default_rng(1).standard_normal((6, 4)).astype(np.float32)


@pytest.mark.parametrize("reentrant", [True, False])
@pytest.mark.parametrize("x_grad", [True, False])
def test_checkpoint_matches_torch(reentrant, x_grad):
    th, tr = _pair()
    x, y = torch.tensor(X, requires_grad=x_grad), tt.tensor(X, requires_grad=x_grad)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = torch.utils.checkpoint.checkpoint(th, x, use_reentrant=reentrant)
        got = checkpoint(tr, y, use_reentrant=reentrant)
    np.testing.assert_allclose(got.detach().numpy(), out.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert got.requires_grad == out.requires_grad
    if not out.requires_grad:  # reentrant without an input requiring grad: no gradients
        return
    out.pow(2).sum().backward()
    got.pow(2).sum().backward()
    for a, b in zip(th.parameters(), tr.parameters()):
        np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=1e-5, atol=1e-6)
    if x_grad:
        np.testing.assert_allclose(y.grad.numpy(), x.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reentrant", [True, False])
def test_dropout_is_replayed(reentrant):
    """The recomputation draws the dropout mask the forward drew: gradients equal an
    un-checkpointed run from the same seed."""
    _, tr = _pair()
    seg = tnn.Sequential(tr[0], tnn.Dropout(0.5), tr[1])
    tt.manual_seed(5)
    y = tt.tensor(X, requires_grad=True)
    out = checkpoint(seg, y, use_reentrant=reentrant)
    out.pow(2).sum().backward()
    g_w, g_x = tr[0].weight.grad.numpy().copy(), y.grad.numpy().copy()
    tr[0].weight.grad = None
    tt.manual_seed(5)
    y2 = tt.tensor(X, requires_grad=True)
    ref = seg(y2)
    ref.pow(2).sum().backward()
    np.testing.assert_array_equal(out.detach().numpy(), ref.detach().numpy())
    np.testing.assert_array_equal(g_w, tr[0].weight.grad.numpy())
    np.testing.assert_array_equal(g_x, y2.grad.numpy())


def test_checkpoint_sequential_matches_torch():
    th, tr = _pair(3)
    x, y = torch.tensor(X, requires_grad=True), tt.tensor(X, requires_grad=True)
    out = torch.utils.checkpoint.checkpoint_sequential(th, 2, x, use_reentrant=False)
    got = checkpoint_sequential(tr, 2, y, use_reentrant=False)
    np.testing.assert_allclose(got.detach().numpy(), out.detach().numpy(), rtol=1e-5, atol=1e-6)
    out.sum().backward()
    got.sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), x.grad.numpy(), rtol=1e-5, atol=1e-6)
    for a, b in zip(th.parameters(), tr.parameters()):
        np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_keyword_arguments_and_errors():
    _, tr = _pair()
    y = tt.tensor(X, requires_grad=True)
    got = checkpoint(lambda a, scale: tr(a) * scale, y, scale=2.0, use_reentrant=False)
    np.testing.assert_allclose(got.detach().numpy(), (tr(y) * 2.0).detach().numpy())
    with pytest.raises(ValueError, match="Unexpected keyword arguments: scale"):
        checkpoint(lambda a, scale: a, y, scale=2.0, use_reentrant=True)
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed"):
        checkpoint(tr, y)
    assert tt.utils.checkpoint.checkpoint is checkpoint
