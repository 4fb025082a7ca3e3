"""The engine's paths that a training step takes on every parameter (issues 13/17, the MLP step):
a bias gradient summed over its broadcast batch dim in one call, the first gradient of a leaf
taken without a copy and later ones added in place, and custom Functions recorded without
building an op row per call. Values are compared with PyTorch (and the bias sum bit for bit
with the general ``fit_shape`` it replaces)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from ag_setup import grad_mode_restored  # noqa: F401  (autouse fixture)

import trueno as tn
import trueno.torch as tt
import trueno_autograd._backward as BK
from trueno_autograd import Function
from trueno_autograd._inplace import fit_shape
from trueno_autograd._record import _CUSTOM_OPS


def leaf(values, face="numpy", dtype=np.float64):
    """A trueno leaf and a torch leaf with the same values."""
    v = np.asarray(values, dtype=dtype)
    x = (tn.asarray(v.copy()) if face == "numpy" else tt.tensor(v.copy())).requires_grad_()
    return x, torch.tensor(v, requires_grad=True)


def const(values, face="numpy", dtype=np.float64):
    v = np.asarray(values, dtype=dtype)
    return (tn.asarray(v.copy()) if face == "numpy" else tt.tensor(v.copy())), torch.tensor(v)


def close(a, b, rtol=1e-12):
    np.testing.assert_allclose(np.asarray(a), b.detach().numpy(), rtol=rtol, atol=1e-12)


@pytest.fixture
def no_fit_shape(monkeypatch):
    """The general broadcast fit must not run (the one-leading-dim case is summed directly)."""
    def refuse(r, shape):
        raise AssertionError(f"fit_shape called for {r.shape} -> {shape}")
    monkeypatch.setattr(BK, "fit_shape", refuse)


# -- bias gradients: one sum over the broadcast batch dim ---------------------------------------
@pytest.mark.parametrize("face", ["numpy", "torch"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(128, 256), (7, 3), (300, 33), (2, 3, 4)])
def test_bias_gradient_is_one_sum_bit_for_bit(no_fit_shape, face, dtype, shape):
    rng = np.random.default_rng(3)
    a, ta = const(rng.standard_normal(shape), face, dtype)
    b, tb = leaf(rng.standard_normal(shape[1:]), face, dtype)
    w, tw = const(rng.standard_normal(shape), face, dtype)
    ((a + b) * w).sum().backward()
    ((ta + tb) * tw).sum().backward()
    assert b.grad.shape == tuple(shape[1:])
    assert b.grad.dtype == b.dtype
    # the same kernel the general path ran: same bits
    g = (a * 0.0 + 1.0) * w
    ref = fit_shape(g, tuple(shape[1:]))._data
    assert np.array_equal(b.grad._data, ref)
    close(b.grad, tb.grad, rtol=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("face", ["numpy", "torch"])
def test_bias_gradient_of_a_vector_to_a_scalar_leaf(face):
    x, tx = const([1.0, -2.0, 3.5], face)
    s, ts = leaf(2.0, face)
    ((x + s) ** 2).sum().backward()
    ((tx + ts) ** 2).sum().backward()
    assert s.grad.shape == ()
    close(s.grad, ts.grad)


@pytest.mark.parametrize("face", ["numpy", "torch"])
def test_bias_gradient_of_an_empty_batch_is_zeros(face):
    x, tx = const(np.zeros((0, 4)), face)
    b, tb = leaf([1.0, 2.0, 3.0, 4.0], face)
    (x + b).sum().backward()
    (tx + tb).sum().backward()
    close(b.grad, tb.grad)


@pytest.mark.parametrize("face", ["numpy", "torch"])
def test_broadcasts_the_fast_sum_does_not_take_keep_the_general_fit(face):
    """Size-1 dims inside the shape, or two leading dims, go through fit_shape."""
    rng = np.random.default_rng(4)
    x, tx = const(rng.standard_normal((4, 5, 3)), face)
    b1, tb1 = leaf(rng.standard_normal((5, 1)), face)
    b2, tb2 = leaf(rng.standard_normal((1, 3)), face)
    b3, tb3 = leaf(rng.standard_normal(3), face)
    ((x + b1) * (x + b2) * (x + b3)).sum().backward()
    ((tx + tb1) * (tx + tb2) * (tx + tb3)).sum().backward()
    for b, tb in ((b1, tb1), (b2, tb2), (b3, tb3)):
        close(b.grad, tb.grad)


def test_bias_gradient_with_create_graph_stays_differentiable():
    rng = np.random.default_rng(5)
    x, tx = const(rng.standard_normal((6, 3)))
    b, tb = leaf(rng.standard_normal(3))
    (gb,) = tn.autograd.grad(((x + b) ** 3).sum(), b, create_graph=True)
    (tgb,) = torch.autograd.grad(((tx + tb) ** 3).sum(), tb, create_graph=True)
    close(gb, tgb)
    (gb * gb).sum().backward()
    (tgb * tgb).sum().backward()
    close(b.grad, tb.grad)


# -- a linear layer's leaves over two steps -------------------------------------------------------
def _linear_step(face, mod, x, w, b, y):
    out = mod.matmul(x, w.T) + b if face == "numpy" or mod is torch else x @ w.t() + b
    return ((out - y) ** 2).mean()


@pytest.mark.parametrize("face", ["numpy", "torch"])
def test_gradients_accumulate_over_two_backward_calls_in_place(face):
    rng = np.random.default_rng(6)
    x, tx = const(rng.standard_normal((8, 5)), face)
    y, ty = const(rng.standard_normal((8, 3)), face)
    w, tw = leaf(rng.standard_normal((3, 5)), face)
    b, tb = leaf(rng.standard_normal(3), face)
    _linear_step(face, tn if face == "numpy" else tt, x, w, b, y).backward()
    _linear_step(face, torch, tx, tw, tb, ty).backward()
    first_w, first_b = w.grad, b.grad
    assert w.grad.is_contiguous() and b.grad.is_contiguous()
    close(w.grad, tw.grad)
    close(b.grad, tb.grad)
    _linear_step(face, tn if face == "numpy" else tt, x * 2.0, w, b, y).backward()
    _linear_step(face, torch, tx * 2.0, tw, tb, ty).backward()
    assert w.grad is first_w and b.grad is first_b  # added in place, as PyTorch does
    close(w.grad, tw.grad)
    close(b.grad, tb.grad)


@pytest.mark.parametrize("face", ["numpy", "torch"])
def test_retain_graph_and_hooks_on_the_bias_path(face):
    rng = np.random.default_rng(7)
    x, tx = const(rng.standard_normal((4, 3)), face)
    b, tb = leaf(rng.standard_normal(3), face)
    seen, tseen = [], []
    b.register_hook(lambda g: seen.append(np.asarray(g).copy()) or g * 2.0)
    tb.register_hook(lambda g: tseen.append(g.numpy().copy()) or g * 2.0)
    loss, tloss = ((x + b) ** 2).sum(), ((tx + tb) ** 2).sum()
    loss.backward(retain_graph=True)
    tloss.backward(retain_graph=True)
    loss.backward()
    tloss.backward()
    assert len(seen) == len(tseen) == 2
    for s, t in zip(seen, tseen):
        np.testing.assert_allclose(s, t, rtol=1e-12)
    close(b.grad, tb.grad)


@pytest.mark.parametrize("face", ["numpy", "torch"])
def test_a_leaf_used_twice_and_a_shared_gradient_are_not_aliased(face):
    """``a + b`` hands one gradient tensor to both leaves: each .grad is its own memory, and
    adding into one later does not change the other (nor the root's gradient)."""
    a, ta = leaf([1.0, 2.0, 3.0], face)
    b, tb = leaf([-1.0, 0.5, 4.0], face)
    g, tg = const([0.5, -1.0, 2.0], face)
    (a + b).backward(g)
    (ta + tb).backward(tg)
    assert not np.shares_memory(a.grad._data, b.grad._data)
    assert not np.shares_memory(a.grad._data, g._data)
    (a * a + a).sum().backward()  # a used twice in one graph
    (ta * ta + ta).sum().backward()
    close(a.grad, ta.grad)
    close(b.grad, tb.grad)
    close(g, tg)


@pytest.mark.parametrize("face", ["numpy", "torch"])
def test_strided_gradient_is_stored_contiguous(face):
    """The gradient of ``w`` used as ``w.T`` reaches the leaf transposed: .grad is a contiguous
    copy (PyTorch's layout of the parameter), and the next step adds into it in place."""
    rng = np.random.default_rng(8)
    x, tx = const(rng.standard_normal((6, 4)), face)
    w, tw = leaf(rng.standard_normal((5, 4)), face)
    def wt():
        return w.T if face == "numpy" else w.t()
    (x @ wt()).sum().backward()
    (tx @ tw.t()).sum().backward()
    assert w.grad.is_contiguous()
    first = w.grad
    (x @ wt() * 3.0).sum().backward()
    (tx @ tw.t() * 3.0).sum().backward()
    assert w.grad is first
    close(w.grad, tw.grad)


# -- custom Functions: one op row per name ---------------------------------------------------------
class _Cube(Function):
    @staticmethod
    def forward(ctx, x, k):
        ctx.save_for_backward(x)
        ctx.k = k
        return x * x * x * k

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3.0 * x * x * ctx.k, None


def test_custom_function_records_under_one_row_per_name():
    x, tx = leaf([1.0, -2.0, 0.5])
    outs = [_Cube.apply(x, 2.0), _Cube.apply(x, 3.0)]
    op = _CUSTOM_OPS[("_Cube", 2)]
    _Cube.apply(x, 1.0)
    assert _CUSTOM_OPS[("_Cube", 2)] is op  # built once, not per call
    (outs[0] + outs[1]).sum().backward()
    (tx ** 3 * 2.0 + tx ** 3 * 3.0).sum().backward()
    close(x.grad, tx.grad)
    assert type(outs[0].grad_fn).__name__ == "_CubeBackward"


# -- what a recorded node keeps alive ------------------------------------------------------------
def test_nodes_of_the_same_inputs_share_their_metadata_tuple():
    """Each node used to build its own ``shapes`` tuples (three per binary node): objects the
    cyclic garbage collector tracks for as long as the graph lives."""
    x, _ = leaf(np.ones((3, 4)))
    w, _ = const(np.full((3, 4), 2.0))
    y1, y2 = x * w, x * w
    assert y1.grad_fn.shapes is y2.grad_fn.shapes
    z1, z2 = tn.tanh(x), tn.tanh(x)
    assert z1.grad_fn.shapes is z2.grad_fn.shapes
    assert z1.grad_fn.shapes[0] == ((3, 4), x._dtype, x.__class__, x._device)


def test_shared_metadata_keeps_faces_dtypes_and_shapes_apart():
    rng = np.random.default_rng(9)
    v = rng.standard_normal((2, 3))
    xs = [tn.asarray(v.copy()).requires_grad_(), tt.tensor(v.copy()).requires_grad_(),
          tn.asarray(v.astype(np.float32)).requires_grad_(),
          tn.asarray(v[:1].copy()).requires_grad_()]
    tx = torch.tensor(v, requires_grad=True)
    for x in xs:
        (x * x * 3.0).sum().backward()
        assert x.grad.__class__ is x.__class__ and x.grad.dtype == x.dtype
        assert x.grad.shape == x.shape
    (tx * tx * 3.0).sum().backward()
    close(xs[0].grad, tx.grad)
    close(xs[1].grad, tx.grad)
    np.testing.assert_allclose(np.asarray(xs[2].grad), tx.grad.numpy(), rtol=1e-6)
    close(xs[3].grad, tx.grad[:1])


def test_shared_metadata_checks_the_dtype_object_and_stays_bounded(monkeypatch):
    from trueno_autograd import _record
    table: dict = {}
    monkeypatch.setattr(_record, "_SHAPES", table)
    monkeypatch.setattr(_record, "_SHAPES_MAX", 2)
    x, tx = leaf([1.0, 2.0, 3.0])
    w, tw = const([2.0, 0.5, -1.0])
    # an entry under the inputs' shapes that names another dtype (or a face's twin dtype
    # object, another class or device) is not taken but replaced
    key = (x._data.shape, w._data.shape)
    other = tn.float32
    table[key] = (((3,), other, x.__class__, x._device), ((3,), other, w.__class__, w._device))
    y = x * w
    assert y.grad_fn.shapes[0][1] is x._dtype and y.grad_fn.shapes[1][1] is w._dtype
    assert table[key] is y.grad_fn.shapes
    twin = tt.tensor([1.0, 2.0, 3.0], dtype=tt.float64).requires_grad_()
    assert (twin * tt.tensor([1.0, 1.0, 1.0], dtype=tt.float64)).grad_fn.shapes[0][2] is \
        twin.__class__
    for n in range(1, 6):  # more distinct shapes than the table keeps
        a, _ = leaf(np.ones(n))
        (a * a).sum()
        assert len(table) <= 2
    y.sum().backward()
    (tx * tw).sum().backward()
    close(x.grad, tx.grad)


def test_unhashable_shapes_are_recorded_without_sharing(monkeypatch):
    from trueno_autograd import _record

    class Refuses(dict):
        def get(self, key, default=None):
            raise TypeError("unhashable type: 'list'")
    monkeypatch.setattr(_record, "_SHAPES", Refuses())
    x, tx = leaf([1.0, -2.0])
    w, tw = const([3.0, 4.0])
    (tn.tanh(x) * w).sum().backward()
    (torch.tanh(tx) * tw).sum().backward()
    close(x.grad, tx.grad)


@pytest.mark.parametrize("face", ["numpy", "torch"])
def test_saved_versions_still_catch_an_in_place_change(face):
    """Inputs saved at version 0 share one constant versions tuple; a later in-place change
    is still caught, and an input saved at a later version is not flagged."""
    x, _ = leaf([1.0, 2.0], face)
    a = x * 1.0
    b = x * 2.0
    y = a * b  # both saved at version 0
    a *= 3.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
    c = x * 1.0
    c += 1.0  # version 1 at save time
    z = c * c
    z.sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), [4.0, 6.0])


class _TwoOut(Function):
    """Two outputs of one node: 2x and x^2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * 2.0, x * x

    @staticmethod
    def backward(ctx, g0, g1):
        (x,) = ctx.saved_tensors
        return g0 * 2.0 + g1 * 2.0 * x


class _TorchTwoOut(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * 2.0, x * x

    @staticmethod
    def backward(ctx, g0, g1):
        (x,) = ctx.saved_tensors
        return g0 * 2.0 + g1 * 2.0 * x


def test_an_edge_into_output_0_is_the_node_itself_and_others_keep_their_number():
    """Edges into output 0 (almost all) are stored as the node, with no tuple per edge; edges
    into a later output of a node with several outputs keep ``(node, output_nr)``. Both
    route the gradient to the right output (compared with PyTorch), and ``next_functions``
    shows PyTorch's pairs either way."""
    rng = np.random.default_rng(10)
    v = rng.standard_normal((4, 6))
    x, tx = leaf(v)
    y = x * 2.0
    z = tn.tanh(y)
    assert z.grad_fn._next[0] is y.grad_fn
    assert z.grad_fn.next_functions == ((y.grad_fn, 0),)
    assert type(y.grad_fn.next_functions[0][0]).__name__ == "AccumulateGrad"
    a, b = _TwoOut.apply(z)
    w = tn.sin(b) * a + tn.cos(a)  # output 1 reaches its consumer first
    sb = w.grad_fn._next[0]._next[0]._next[0]  # add -> mul -> sin -> the node, output 1
    assert sb.__class__ is tuple and sb[1] == 1
    assert a.grad_fn is b.grad_fn
    (w * w).sum().backward()
    ta, tb = _TorchTwoOut.apply(torch.tanh(tx * 2.0))
    tw = torch.sin(tb) * ta + torch.cos(ta)
    (tw * tw).sum().backward()
    close(x.grad, tx.grad)


class _Scale(Function):
    """``x * factor.value``; the factor object is read in forward only."""

    @staticmethod
    def forward(ctx, x, factor):
        ctx.k = factor.value
        return x * factor.value

    @staticmethod
    def backward(ctx, g):
        return g * ctx.k, None


def test_custom_function_graph_does_not_keep_its_non_tensor_arguments():
    """The recorded backward keeps the number of arguments, not the arguments (the closure
    held every argument of apply for as long as the graph lived)."""
    import weakref

    class Factor:
        value = 3.0
    x, tx = leaf([1.0, -2.0])
    f = Factor()
    ref = weakref.ref(f)
    y = _Scale.apply(x, f)
    del f
    assert ref() is None
    (y * y).sum().backward()
    (tx * 3.0 * tx * 3.0).sum().backward()
    close(x.grad, tx.grad)
    assert y.grad_fn.name() == "_ScaleBackward"
