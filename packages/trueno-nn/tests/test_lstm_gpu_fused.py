"""The LSTM on the GPU through the fused cell rows (``_lstm_sequence``'s device path: per
step ``h_prev @ W_hh^T`` and ``lstm_cell_forward`` writing into the sequence's arrays,
backward ``lstm_cell_backward`` and ``d_gates @ W_hh``): outputs, final states and every
gradient vs ``torch.nn.LSTM`` on the CPU with the same weights (1-2 layers, bidirectional,
batch_first, unbatched, with and without initial states), double backward, and the kernel
launches a time step adds (counted, not timed). Runs where trueno-gpu finds an adapter
(lavapipe in CI)."""

from __future__ import annotations

import numpy as np
import pytest

import trueno.torch as T

torch = pytest.importorskip("torch", reason="torch is not importable (CI installs "
                                            "torch==2.13.0 for the differential tests)")
trueno_gpu = pytest.importorskip("trueno_gpu")
pytestmark = pytest.mark.skipif(not trueno_gpu.is_available(),
                                reason="no GPU adapter for trueno-gpu")

TOL = dict(rtol=1e-4, atol=1e-5)


def _pair(layers, bidir, batch_first, inp=3, hid=5):
    torch.manual_seed(2)
    a = torch.nn.LSTM(inp, hid, num_layers=layers, bidirectional=bidir,
                      batch_first=batch_first)
    b = T.nn.LSTM(inp, hid, num_layers=layers, bidirectional=bidir, batch_first=batch_first)
    with T.no_grad():
        for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
            pb.copy_(T.tensor(pa.detach().numpy()))
    return a, b.to("gpu")


def _run(model, mod, x, states, device):
    """Outputs, final states and the gradients of the input, the initial states and every
    parameter for a loss that uses all three outputs."""
    xs = mod.tensor(x, requires_grad=True)
    st = [mod.tensor(s, requires_grad=True) for s in states]
    args = [xs.to(device)] + ([tuple(s.to(device) for s in st)] if st else [])
    out, (hn, cn) = model(*args)
    loss = (out * out).sum() + (hn * 2.0).sum() + (cn * cn).sum()
    loss.backward()
    def host(t):
        return np.asarray(t.detach().to("cpu"))
    return ([host(out), host(hn), host(cn), host(xs.grad)] + [host(s.grad) for s in st]
            + [host(p.grad) for p in model.parameters()])


@pytest.mark.parametrize("layers,bidir,batch_first,init,unbatched", [
    (1, False, False, False, False), (2, True, True, True, False),
    (1, True, False, True, True)])
def test_gpu_lstm_matches_torch(layers, bidir, batch_first, init, unbatched):
    a, b = _pair(layers, bidir, batch_first)
    rng = np.random.default_rng(layers + 2 * bidir)
    steps, n = 5, 2
    dirs = 2 if bidir else 1
    shape = (steps, 3) if unbatched else ((n, steps, 3) if batch_first else (steps, n, 3))
    x = rng.standard_normal(shape).astype("float32")
    sshape = (layers * dirs, 5) if unbatched else (layers * dirs, n, 5)
    states = [rng.standard_normal(sshape).astype("float32") for _ in range(2)] if init else []
    want = _run(a, torch, x, states, "cpu")
    got = _run(b, T, x, states, "gpu")
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, **TOL)
    with T.no_grad():  # the loop alone (nothing kept for a backward)
        args = [T.tensor(x).to("gpu")] + \
            ([tuple(T.tensor(s).to("gpu") for s in states)] if init else [])
        out = b(*args)[0]
    np.testing.assert_allclose(np.asarray(out.to("cpu")), want[0], **TOL)


def test_gpu_lstm_double_backward_matches_torch():
    """create_graph: the node's gradients are differentiated again (the recorded recurrence)."""
    a, b = _pair(1, False, False, inp=2, hid=3)
    x = np.random.default_rng(5).standard_normal((3, 2, 2)).astype("float32")
    res = []
    for mod, model, dev in ((torch, a, "cpu"), (T, b, "gpu")):
        xs = mod.tensor(x, requires_grad=True)
        out, _ = model(xs.to(dev))
        params = list(model.parameters())
        grads = mod.autograd.grad((out * out).sum(), params, create_graph=True)
        sum(((g * g).sum() for g in grads), mod.tensor(0.0).to(dev)).backward()
        res.append([np.asarray(xs.grad.detach().to("cpu"))] +
                   [np.asarray(p.grad.detach().to("cpu")) for p in params])
    for g, w in zip(res[1], res[0], strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-3, atol=1e-5)


def _launches(model, steps: int, backward: bool) -> int:
    from trueno_gpu import _runtime
    rt = _runtime.get_runtime(0)
    x = T.tensor(np.ones((2, steps, 3), "float32")).to("gpu").requires_grad_()
    for _ in range(2):  # warm: pipelines, plans
        out = model(x)[0]
        if backward:
            out.sum().backward()
    rt.synchronize()
    d0 = rt.dispatches
    out = model(x)[0]
    if backward:
        out.sum().backward()
    return rt.dispatches - d0


def test_gpu_lstm_launches_per_step():
    """A time step adds 2 launches forward (the product and the cell, which writes into the
    sequence's arrays) and 2 backward (the cell's backward, writing into its step of the
    gates' gradient, and the product); the trueno-op recurrence added ~22 and ~13, the cell
    rows with stacked per-step results 3 and 4."""
    _, b = _pair(1, False, True)
    fwd = _launches(b, 8, False) - _launches(b, 4, False)
    both = _launches(b, 8, True) - _launches(b, 4, True)
    assert fwd == 2 * 4, fwd
    assert both - fwd == 2 * 4, (fwd, both)


def test_gpu_lstm_through_the_dispatcher_matches_torch(monkeypatch):
    """The loops' other path (the rows through the dispatcher, which a device without the
    kernels takes to the rows' decompositions): same values and gradients."""
    from trueno_nn import _lstm_sequence as S
    monkeypatch.setattr(S, "_kernels", lambda t: None)
    a, b = _pair(1, True, False)
    rng = np.random.default_rng(6)
    x = rng.standard_normal((4, 2, 3)).astype("float32")
    states = [rng.standard_normal((2, 2, 5)).astype("float32") for _ in range(2)]
    want = _run(a, torch, x, states, "cpu")
    got = _run(b, T, x, states, "gpu")
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, **TOL)


def test_gpu_lstm_frozen_recurrent_weight_matches_torch():
    """weight_hh without gradient: the node skips its product; the others match torch."""
    a, b = _pair(1, False, False)
    a.weight_hh_l0.requires_grad_(False)
    b.weight_hh_l0.requires_grad_(False)
    x = np.random.default_rng(9).standard_normal((4, 2, 3)).astype("float32")
    grads = []
    for mod, model, dev in ((torch, a, "cpu"), (T, b, "gpu")):
        xs = mod.tensor(x, requires_grad=True)
        (model(xs.to(dev))[0] ** 2).sum().backward()
        grads.append([xs.grad] + [p.grad for p in model.parameters()])
    assert grads[1][2] is None  # weight_hh_l0, after the input and weight_ih_l0
    for g, w in zip(grads[1], grads[0], strict=True):
        if w is not None:
            np.testing.assert_allclose(np.asarray(g.to("cpu")), w.numpy(), **TOL)


def test_gpu_lstm_cell_module_matches_torch():
    """LSTMCell off the CPU through the cell rows: two steps, values and every gradient vs
    torch, and second derivatives (create_graph: the recorded trueno ops)."""
    torch.manual_seed(4)
    a = torch.nn.LSTMCell(3, 5)
    b = T.nn.LSTMCell(3, 5)
    with T.no_grad():
        for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
            pb.copy_(T.tensor(pa.detach().numpy()))
    b = b.to("gpu")
    rng = np.random.default_rng(10)
    x, h0, c0 = (rng.standard_normal((2, k)).astype("float32") for k in (3, 5, 5))
    res = []
    for mod, m, dev in ((torch, a, "cpu"), (T, b, "gpu")):
        xs, hs, cs = (mod.tensor(v, requires_grad=True) for v in (x, h0, c0))
        xd = xs.to(dev)
        h, c = m(xd, (hs.to(dev), cs.to(dev)))
        h, c = m(h[:, :3] * 1.0, (h, c))
        loss = (h * h).sum() + (c * 3.0).sum()
        (gx,) = mod.autograd.grad(loss, (xd,), create_graph=True)
        ((gx * gx).sum() + loss).backward()
        res.append([np.asarray(t.detach().to("cpu")) for t in (h, c, gx, xs.grad, hs.grad,
                                                                cs.grad)]
                   + [np.asarray(p.grad.to("cpu")) for p in m.parameters()])
    for g, w in zip(res[1], res[0], strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)
