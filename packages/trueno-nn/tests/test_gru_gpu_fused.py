"""The GRU on the GPU through the fused cell rows (``_gru_sequence``: per step ``h_prev @
W_hh^T`` and ``gru_cell_forward``, backward ``gru_cell_backward`` and ``d_gh @ W_hh``):
outputs, final state and every gradient vs ``torch.nn.GRU`` on the CPU with the same weights
(1-2 layers, bidirectional, batch_first, unbatched, without biases, with and without an
initial state), the dispatcher path, double backward, GRUCell, and the launches a time step
adds (counted, not timed). Runs where trueno-gpu finds an adapter."""

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


def _pair(layers, bidir, batch_first, bias=True, inp=3, hid=5):
    torch.manual_seed(3)
    kw = dict(num_layers=layers, bidirectional=bidir, batch_first=batch_first, bias=bias)
    a = torch.nn.GRU(inp, hid, **kw)
    b = T.nn.GRU(inp, hid, **kw)
    with T.no_grad():
        for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
            pb.copy_(T.tensor(pa.detach().numpy()))
    return a, b.to("gpu")


def _run(model, mod, x, h0, device):
    xs = mod.tensor(x, requires_grad=True)
    hs = None if h0 is None else mod.tensor(h0, requires_grad=True)
    out, hn = model(xs.to(device), *(() if hs is None else (hs.to(device),)))
    ((out * out).sum() + (hn * 2.0).sum()).backward()

    def host(t):
        return np.asarray(t.detach().to("cpu"))
    return ([host(out), host(hn), host(xs.grad)] + ([] if hs is None else [host(hs.grad)])
            + [host(p.grad) for p in model.parameters()])


@pytest.mark.parametrize("layers,bidir,batch_first,bias,init,unbatched", [
    (1, False, False, True, False, False), (2, True, True, True, True, False),
    (1, True, False, False, True, True)])
def test_gpu_gru_matches_torch(layers, bidir, batch_first, bias, init, unbatched):
    a, b = _pair(layers, bidir, batch_first, bias)
    rng = np.random.default_rng(layers + 2 * bidir)
    steps, n, dirs = 5, 2, 2 if bidir else 1
    shape = (steps, 3) if unbatched else ((n, steps, 3) if batch_first else (steps, n, 3))
    x = rng.standard_normal(shape).astype("float32")
    sshape = (layers * dirs, 5) if unbatched else (layers * dirs, n, 5)
    h0 = rng.standard_normal(sshape).astype("float32") if init else None
    want = _run(a, torch, x, h0, "cpu")
    got = _run(b, T, x, h0, "gpu")
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, **TOL)
    with T.no_grad():  # the loop alone
        out = b(T.tensor(x).to("gpu"), *(() if h0 is None else (T.tensor(h0).to("gpu"),)))[0]
    np.testing.assert_allclose(np.asarray(out.to("cpu")), want[0], **TOL)


def test_gpu_gru_through_the_dispatcher_matches_torch(monkeypatch):
    """The loops' other path (the rows through the dispatcher, as on a device without the
    kernels): same values and gradients."""
    from trueno_nn import _gru_sequence as S
    monkeypatch.setattr(S, "_kernels", lambda t: None)
    a, b = _pair(1, True, False)
    rng = np.random.default_rng(6)
    x = rng.standard_normal((4, 2, 3)).astype("float32")
    h0 = rng.standard_normal((2, 2, 5)).astype("float32")
    for g, w in zip(_run(b, T, x, h0, "gpu"), _run(a, torch, x, h0, "cpu"), strict=True):
        np.testing.assert_allclose(g, w, **TOL)


def test_gpu_gru_double_backward_matches_torch():
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


def test_gpu_gru_launches_per_step():
    """A time step adds 2 launches forward (product, cell) and 2 backward (the cell, which
    adds the previous step's output gradient to h_prev's direct part, and the product); the
    recorded per-step ops took ~15 and ~38."""
    _, b = _pair(1, False, True)
    fwd = _launches(b, 8, False) - _launches(b, 4, False)
    both = _launches(b, 8, True) - _launches(b, 4, True)
    assert fwd == 2 * 4, fwd
    assert both - fwd == 2 * 4, (fwd, both)


def test_gpu_gru_frozen_recurrent_weight_and_bias_match_torch():
    """weight_hh and bias_hh without gradient: the node skips their product and sum."""
    a, b = _pair(1, False, False)
    for m in (a, b):
        m.weight_hh_l0.requires_grad_(False)
        m.bias_hh_l0.requires_grad_(False)
    x = np.random.default_rng(9).standard_normal((4, 2, 3)).astype("float32")
    grads = []
    for mod, model, dev in ((torch, a, "cpu"), (T, b, "gpu")):
        xs = mod.tensor(x, requires_grad=True)
        (model(xs.to(dev))[0] ** 2).sum().backward()
        grads.append([xs.grad] + [p.grad for p in model.parameters()])
    assert grads[1][2] is None and grads[1][4] is None
    for g, w in zip(grads[1], grads[0], strict=True):
        if w is not None:
            np.testing.assert_allclose(np.asarray(g.to("cpu")), w.numpy(), **TOL)


@pytest.mark.parametrize("bias", [True, False])
def test_gpu_gru_cell_module_matches_torch(bias):
    """GRUCell off the CPU through the cell rows: two steps, values and every gradient vs
    torch, and second derivatives (create_graph: the recorded trueno ops)."""
    torch.manual_seed(4)
    a = torch.nn.GRUCell(3, 5, bias=bias)
    b = T.nn.GRUCell(3, 5, bias=bias)
    with T.no_grad():
        for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
            pb.copy_(T.tensor(pa.detach().numpy()))
    b = b.to("gpu")
    rng = np.random.default_rng(10)
    x, h0 = (rng.standard_normal((2, k)).astype("float32") for k in (3, 5))
    res = []
    for mod, m, dev in ((torch, a, "cpu"), (T, b, "gpu")):
        xs, hs = (mod.tensor(v, requires_grad=True) for v in (x, h0))
        xd = xs.to(dev)
        h = m(xd, hs.to(dev))
        h = m(h[:, :3] * 1.0, h)
        loss = (h * h).sum()
        (gx,) = mod.autograd.grad(loss, (xd,), create_graph=True)
        ((gx * gx).sum() + loss).backward()
        res.append([np.asarray(t.detach().to("cpu")) for t in (h, gx, xs.grad, hs.grad)]
                   + [np.asarray(p.grad.to("cpu")) for p in m.parameters()])
    for g, w in zip(res[1], res[0], strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)
