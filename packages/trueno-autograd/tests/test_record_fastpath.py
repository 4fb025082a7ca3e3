"""The recording hot path (issue 17, per-node overhead): what it shares between nodes and
what it must still tell apart. Values are compared with PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from ag_setup import grad_mode_restored  # noqa: F401  (autouse fixture)

import trueno as tn
import trueno.torch as tt
from trueno_autograd._graph import Rule


def leaf(values, mod=tn):
    x = mod.asarray(np.asarray(values, dtype=np.float32)) if mod is tn else \
        mod.tensor(np.asarray(values, dtype=np.float32))
    return x.requires_grad_()


def test_rule_keep_is_save_per_needs_and_cached():
    calls = []

    def save(needs):
        calls.append(needs)
        return (needs[1], needs[0])
    r = Rule(lambda ctx, g: (g, g), save=save)
    assert r.keep((True, False)) == (False, True)
    assert r.keep((True, False)) == (False, True)
    assert r.keep((False, True)) == (True, False)
    assert r.keep((True, True)) == (True, True)
    assert calls == [(True, False), (False, True), (True, True)]  # once per needs
    assert r.kept[(True, False)] == (False, True)


@pytest.mark.parametrize("face", ["numpy", "torch"])
def test_multiply_saves_what_each_needs_and_grads_match_torch(face):
    mod = tn if face == "numpy" else tt
    a_np = np.array([1.5, -2.0, 3.0], dtype=np.float32)
    b_np = np.array([0.5, 4.0, -1.0], dtype=np.float32)
    for need_a, need_b in [(True, False), (False, True), (True, True)]:
        a = mod.asarray(a_np.copy()) if mod is tn else mod.tensor(a_np.copy())
        b = mod.asarray(b_np.copy()) if mod is tn else mod.tensor(b_np.copy())
        ta, tb = torch.tensor(a_np), torch.tensor(b_np)
        if need_a:
            a.requires_grad_()
            ta.requires_grad_()
        if need_b:
            b.requires_grad_()
            tb.requires_grad_()
        y = a * b
        node = y.grad_fn
        # multiply saves b for a's gradient and a for b's
        assert node._saved[0] is (a if need_b else None)
        assert node._saved[1] is (b if need_a else None)
        y.sum().backward()
        (ta * tb).sum().backward()
        if need_a:
            np.testing.assert_allclose(np.asarray(a.grad), ta.grad.numpy())
        if need_b:
            np.testing.assert_allclose(np.asarray(b.grad), tb.grad.numpy())


def test_same_scalar_object_shares_one_read_only_0d_tensor():
    x = leaf([1.0, 2.0, 3.0])
    c = 2.5
    x * 1.0  # the first call of a case takes the general path, which fills the fast one
    y1 = x * c
    y2 = x * c
    s1, s2 = y1.grad_fn._saved[1], y2.grad_fn._saved[1]
    assert s1 is s2  # one 0-d tensor per scalar object, not one per node
    assert s1.shape == () and s1._ag is None and not s1._data.flags.writeable
    with pytest.raises(ValueError):
        s1._data[()] = 7.0
    (y1 + y2).sum().backward()
    tx = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (tx * c + tx * c).sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), tx.grad.numpy())


def test_signed_zero_scalars_are_told_apart():
    # identity, not ==, picks the cached 0-d tensor: -0.0 == 0.0 but 1/-0.0 is -inf
    x = leaf([1.0, -2.0])
    a = x / 0.0
    b = x / -0.0
    assert np.signbit(np.asarray(b.grad_fn._saved[1]._data))
    assert not np.signbit(np.asarray(a.grad_fn._saved[1]._data))
    with np.errstate(divide="ignore", invalid="ignore"):
        b.sum().backward()
    tx = torch.tensor([1.0, -2.0], requires_grad=True)
    (tx / -0.0).sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), tx.grad.numpy())


@pytest.mark.parametrize("face", ["numpy", "torch"])
def test_chain_of_scalar_and_tensor_ops_matches_torch(face):
    mod = tn if face == "numpy" else tt
    xs = np.linspace(-1, 1, 16, dtype=np.float32)
    ws = np.full(16, 0.999, dtype=np.float32)
    x = leaf(xs, mod)
    w = mod.asarray(ws) if mod is tn else mod.tensor(ws)
    tx = torch.tensor(xs, requires_grad=True)
    tw = torch.tensor(ws)
    y, ty = x, tx
    for _ in range(10):
        y = ((y * 1.001 + 0.01) * w) - 0.001
        ty = ((ty * 1.001 + 0.01) * tw) - 0.001
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(np.asarray(y.detach()), ty.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(x.grad), tx.grad.numpy(), rtol=1e-6)
    m = y.grad_fn and y._ag
    assert m.requires_grad and m.grad is None and m.output_nr == 0 and not m.retains_grad
    assert m.view_version is None and m.nograd_view == 0 and m.hooks is None


def test_multiply_rule_conjugates_complex_inputs_only():
    a_np = np.array([1 + 2j, -0.5 + 1j], dtype=np.complex128)
    b_np = np.array([0.5 - 1j, 3 + 0j], dtype=np.complex128)
    a, b = tt.tensor(a_np.copy()).requires_grad_(), tt.tensor(b_np.copy()).requires_grad_()
    ta = torch.tensor(a_np, requires_grad=True)
    tb = torch.tensor(b_np, requires_grad=True)
    (a * b).abs().sum().backward()
    (ta * tb).abs().sum().backward()
    np.testing.assert_allclose(np.asarray(a.grad), ta.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(b.grad), tb.grad.numpy(), rtol=1e-12)
    x = tt.tensor(np.array([1.0, 2.0])).requires_grad_()  # real times complex
    c = tt.tensor(b_np.copy())
    tx = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    (x * c).abs().sum().backward()
    (tx * torch.tensor(b_np)).abs().sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), tx.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("which", [0, 1])
def test_saved_input_changed_in_place_raises_for_either_side(which):
    a = leaf([1.0, 2.0])
    b = leaf([3.0, 4.0])
    y = a * b  # saves both
    y2 = y * 1.0
    pair = (a, b)
    with tn.no_grad():
        pair[which][...] = 0.0  # bumps the version counter of the saved input
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y2.sum().backward()


def test_nodes_get_their_class_and_all_slots():
    x = leaf([1.0, 2.0])
    for y, name in [(x * 2.0, "MulBackward0"), (x + 1.0, "AddBackward0"),
                    (x - x, "SubBackward0"), (x / 2.0, "DivBackward0")]:
        n = y.grad_fn
        assert type(n).__name__ == name and n.name() == name
        assert n._hooks is None and n._out_refs is None  # no hooks, nothing retained
        assert not hasattr(n, "_trace")  # a forward stack only in anomaly mode
        assert n.params == {} and len(n.next_functions) == 2

