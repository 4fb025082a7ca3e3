"""The engine's short and general paths (issue 13/17, per-node overhead): what a recorded node
no longer carries by default (a weak reference to its output, hook lists, a stack trace, a
freed flag) must still work when asked for: ``retain_grad``, hooks, freed saved tensors,
version-counter errors, ``create_graph``, anomaly mode, several outputs. Values are compared
with PyTorch."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch
from ag_setup import grad_mode_restored  # noqa: F401  (autouse fixture)

import trueno as tn
import trueno.torch as tt
from trueno_autograd import Function, detect_anomaly

FREED = "Trying to backward through the graph a second time"


def pair(values, face="numpy"):
    """A trueno leaf and a torch leaf with the same float64 values."""
    v = np.asarray(values, dtype=np.float64)
    x = (tn.asarray(v.copy()) if face == "numpy" else tt.tensor(v.copy())).requires_grad_()
    return x, torch.tensor(v, requires_grad=True)


def close(a, b, rtol=1e-12):
    np.testing.assert_allclose(np.asarray(a), b.detach().numpy(), rtol=rtol)


# -- retain_grad ----------------------------------------------------------------------------------
@pytest.mark.parametrize("face", ["numpy", "torch"])
def test_retain_grad_of_a_node_used_twice_and_backward_twice(face):
    x, tx = pair([1.0, -2.0, 3.0], face)
    outs = []
    for v in (x, tx):
        y = v * 3.0
        y.retain_grad()
        y.retain_grad()  # twice: still one gradient per backward
        z = y * y + y * 2.0
        z.sum().backward(retain_graph=True)
        z.sum().backward()
        outs.append(y.grad)
    close(outs[0], outs[1])
    close(x.grad, tx.grad)


def test_retain_grad_after_the_tensor_was_used():
    x, tx = pair([0.5, 1.5])
    got = []
    for v in (x, tx):
        y = v * v
        z = (y * 4.0).sum()
        y.retain_grad()  # asked for after y's consumers were recorded
        z.backward()
        got.append(y.grad)
    close(got[0], got[1])


def test_retain_grad_of_a_view_whose_base_changed_in_place():
    x, tx = pair([1.0, 2.0, 3.0, 4.0])
    got = []
    for v in (x, tx):
        b = v * 1.0
        view = b[1:3]
        view.retain_grad()
        b *= 2.0  # the view's history is remade when it is next used
        (view * view).sum().backward()
        got.append(view.grad)
    close(got[0], got[1])
    close(x.grad, tx.grad)


def test_nodes_hold_no_reference_to_their_output_until_retain_grad():
    x, _ = pair([1.0, 2.0])
    y = x * 2.0
    assert y.grad_fn._out_refs is None
    y.retain_grad()
    assert y.grad_fn._out_refs() is y._ag
    w = x + 1.0
    w.retain_grad()  # general path (a scalar add)
    assert w.grad_fn._out_refs() is w._ag


# -- saved tensors freed by backward --------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda m, v: m.exp(v).sum(),          # saves its output only
    lambda m, v: (v * v).sum(),           # saves its inputs
    lambda m, v: (m.sin(v) * 2.0).sum(),  # saves an input, the scalar's node saves the scalar
])
def test_second_backward_raises_where_something_was_saved(make):
    x, tx = pair([0.1, 0.2])
    for m, v, err in ((tn, x, RuntimeError), (torch, tx, RuntimeError)):
        s = make(m, v)
        s.backward()
        with pytest.raises(err, match=FREED):
            s.backward()


def test_second_backward_through_nodes_that_saved_nothing_accumulates():
    x, tx = pair([1.0, 2.0])
    for v in (x, tx):
        s = (v + 1.0 + v).sum()
        s.backward()
        s.backward()  # add and sum save nothing: PyTorch allows it
    close(x.grad, tx.grad)


def test_freed_node_reads_raise_and_inplace_checks_see_nothing_saved():
    x, _ = pair([1.0, 2.0])
    w = tn.asarray(np.array([3.0, 4.0]))
    y = x * w
    node = y.grad_fn
    y.sum().backward()
    with pytest.raises(RuntimeError, match=FREED):
        _ = node.inputs
    with pytest.raises(RuntimeError, match=FREED):
        _ = node.output
    y2 = tn.exp(x)
    y2.sum().backward()
    with pytest.raises(RuntimeError, match=FREED):
        _ = y2.grad_fn.output
    y += 1.0  # the freed node is y's: nothing saved to protect, no error
    np.testing.assert_allclose(np.asarray(y.detach()), [4.0, 9.0])


def test_saved_output_changed_in_place_raises():
    x, tx = pair([0.1, 0.2])
    for m, v in ((tn, x), (torch, tx)):
        y = m.exp(v)
        y *= 2.0
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


# -- hooks ----------------------------------------------------------------------------------------
def test_prehook_on_a_leafs_accumulate_node_and_post_hook_removal():
    x, tx = pair([1.0, 2.0])
    seen = []
    for v in (x, tx):
        y = v * 3.0
        acc = y.grad_fn.next_functions[0][0]
        assert type(acc).__name__ == "AccumulateGrad"
        h = acc.register_prehook(lambda gs: (gs[0] * 10.0,))
        y.sum().backward()
        h.remove()
        post = y.grad_fn.register_hook(lambda gi, go: seen.append(1))
        post.remove()
        (v * 3.0).sum().backward()
    assert seen == []
    close(x.grad, tx.grad)


def test_tensor_hook_on_non_leaf_and_node_post_hook_replace_gradients():
    x, tx = pair([1.0, -1.0, 2.0])
    for v in (x, tx):
        y = v * v
        y.register_hook(lambda g: g * 2.0)
        z = y * 3.0
        z.grad_fn.register_hook(lambda gi, go: (gi[0] + 1.0, gi[1]))
        z.sum().backward()
    close(x.grad, tx.grad)


# -- create_graph and broadcast gradients ---------------------------------------------------------
def test_create_graph_through_broadcast_fits_and_accumulation():
    a = np.array([[1.0], [2.0], [-0.5]])
    b = np.array([[0.5, -1.0, 2.0, 3.0]])
    x, tx = tn.asarray(a).requires_grad_(), torch.tensor(a, requires_grad=True)
    w, tw = tn.asarray(b).requires_grad_(), torch.tensor(b, requires_grad=True)
    got = []
    for v, u, m in ((x, w, tn), (tx, tw, torch)):
        y = v * u + v * v * u  # x used three times, broadcast (3, 1) * (1, 4)
        (gx,) = (tn if m is tn else torch).autograd.grad(y.sum(), v, create_graph=True)
        (gx * gx).sum().backward()
        got.append(gx)
    close(got[0], got[1])
    close(x.grad, tx.grad)
    close(w.grad, tw.grad)


def test_binary_op_with_params_records_them():
    a = np.arange(6.0).reshape(2, 3)
    b = np.arange(12.0).reshape(3, 4) / 7.0
    x, tx = tn.asarray(a).requires_grad_(), torch.tensor(a, requires_grad=True)
    w, tw = tn.asarray(b).requires_grad_(), torch.tensor(b, requires_grad=True)
    y = tn.tensordot(x, w, axes=1)
    ty = torch.tensordot(tx, tw, dims=1)
    close(y.detach(), ty)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    close(x.grad, tx.grad)
    close(w.grad, tw.grad)


# -- several outputs ------------------------------------------------------------------------------
class _Two(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * 2.0, x * x

    @staticmethod
    def backward(ctx, g0, g1):
        (x,) = ctx.saved_tensors
        return g0 * 2.0 + g1 * 2.0 * x


class _TwoT(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * 2.0, x * x

    @staticmethod
    def backward(ctx, g0, g1):
        (x,) = ctx.saved_tensors
        return g0 * 2.0 + g1 * 2.0 * x


@pytest.mark.parametrize("order", ["first", "second", "both", "second_twice"])
def test_two_outputs_gradients_arrive_in_any_order(order):
    x, tx = pair([1.0, 3.0])
    got = []
    for v, fn in ((x, _Two), (tx, _TwoT)):
        a, b = fn.apply(v)
        if order == "first":
            s = (a * 3.0).sum()
        elif order == "second":
            s = (b * 5.0).sum()
        elif order == "both":
            s = (b * 5.0 + a * 3.0).sum()  # output 1's gradient comes first
        else:
            s = (b + b * 2.0 + a).sum()
        b.retain_grad()
        s.backward()
        got.append(b.grad)
    close(x.grad, tx.grad)
    if got[1] is None:  # b unused: no gradient reached it
        assert got[0] is None
    else:
        close(got[0], got[1])


# -- anomaly mode ---------------------------------------------------------------------------------
def test_anomaly_traces_only_nodes_recorded_in_anomaly_mode_of_their_thread():
    x, _ = pair([1.0, 2.0])
    plain = x * 2.0
    assert not hasattr(plain.grad_fn, "_trace")
    other = {}
    ready, done = threading.Event(), threading.Event()

    def worker():
        ready.wait()
        other["node"] = (x * 2.0).grad_fn  # recorded while the main thread is in anomaly mode
        done.set()

    t = threading.Thread(target=worker)
    t.start()
    with detect_anomaly():
        ready.set()
        done.wait()
        traced = (x * 3.0).grad_fn
    t.join()
    assert not hasattr(other["node"], "_trace")
    assert any("test_anomaly_traces_only" in line for line in traced._trace)
    after = (x * 4.0).grad_fn
    assert not hasattr(after, "_trace")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_anomaly_names_a_node_recorded_before_it_was_turned_on():
    x, _ = pair([0.0, 1.0])
    y = tn.log(x) * 0.0
    with detect_anomaly():
        with pytest.raises(RuntimeError) as info:
            y.sum().backward()
    msg = str(info.value)
    assert "returned nan values" in msg and "no forward trace" in msg


# -- rules --------------------------------------------------------------------------------------
@pytest.mark.parametrize("hooked", [False, True])
def test_a_rule_missing_a_needed_gradient_raises(hooked):
    from trueno_autograd._engine import ENGINE
    from trueno_autograd._graph import Rule
    a, _ = pair([1.0, 2.0])
    b, _ = pair([3.0, 4.0])
    out = tn.asarray(np.array([3.0, 8.0]))
    node = ENGINE.record_custom("bad_op", Rule(lambda ctx, g: (g,), save="none"), (a, b), {},
                                out)
    if hooked:  # the general path
        node.register_hook(lambda gi, go: None)
    with pytest.raises(RuntimeError, match=r"incorrect number of gradients \(expected 2, got 1"):
        out.sum().backward()
    c, _ = pair([5.0])
    out2 = tn.asarray(np.array([5.0]))
    ENGINE.record_custom("fine_op", Rule(lambda ctx, g: (g * 2.0,), save="none"), (c, None),
                         {}, out2)  # fewer results where the input has no gradient: fine
    out2.sum().backward()
    np.testing.assert_allclose(np.asarray(c.grad), [2.0])


@pytest.mark.parametrize("name", ["tanh", "exp", "sqrt", "sin"])
def test_one_input_nodes_second_order_vs_torch(name):
    """One-input nodes (recorded without _new_node) and a saved output read back with grad
    mode on (create_graph) or off."""
    x, tx = pair([0.3, 0.7, 1.2])
    got = []
    for v, m in ((x, tn), (tx, torch)):
        y = getattr(m, name)(v)
        (g,) = m.autograd.grad(y.sum(), v, create_graph=True)
        (g * g).sum().backward()
        got.append(g)
    close(got[0], got[1])
    close(x.grad, tx.grad)
