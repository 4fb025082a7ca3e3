"""The LSTM's whole-sequence node (``_lstm_sequence``): values and gradients vs PyTorch for
layers x directions x batch_first, with given initial states, on the CPU and on the GPU
device (lavapipe in CI); ``h_n``/``c_n`` gradients flow back; no_grad gives the same."""

from __future__ import annotations

import numpy as np
import pytest

import trueno.torch as T

torch = pytest.importorskip("torch", reason="torch is not importable (CI installs "
                                            "torch==2.13.0 for the differential tests)")


def _pair(layers, bidir, batch_first, dtype):
    torch.manual_seed(4)
    a = torch.nn.LSTM(3, 5, num_layers=layers, bidirectional=bidir, batch_first=batch_first)
    T.manual_seed(4)
    b = T.nn.LSTM(3, 5, num_layers=layers, bidirectional=bidir, batch_first=batch_first)
    a, b = (a.double(), b.double()) if dtype == "float64" else (a, b)
    with T.no_grad():
        for pa, pb in zip(a.parameters(), b.parameters()):
            pb.copy_(T.tensor(pa.detach().numpy()))
    return a, b


def _run(model, mod, x, h0, c0, device=None):
    xs, hs, cs = (mod.tensor(v, requires_grad=True) for v in (x, h0, c0))
    if device is not None:
        model = model.to(device)
        ins = [v.to(device) for v in (xs, hs, cs)]
    else:
        ins = [xs, hs, cs]
    out, (hn, cn) = model(ins[0], (ins[1], ins[2]))
    loss = (out * out).sum() + (hn * 2.0).sum() + (cn * cn).sum()
    loss.backward()
    to_np = (lambda t: np.asarray(t.detach().to("cpu"))) if device else \
        (lambda t: t.detach().numpy())
    return ([to_np(out), to_np(hn), to_np(cn), to_np(xs.grad), to_np(hs.grad), to_np(cs.grad)]
            + [None if p.grad is None else to_np(p.grad) for p in model.parameters()])


@pytest.mark.parametrize("layers,bidir,batch_first", [(1, False, False), (2, True, True),
                                                      (2, False, True)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lstm_matches_torch(layers, bidir, batch_first, dtype):
    a, b = _pair(layers, bidir, batch_first, dtype)
    rng = np.random.default_rng(7)
    dirs = 2 if bidir else 1
    shape = (2, 6, 3) if batch_first else (6, 2, 3)
    x = rng.standard_normal(shape).astype(dtype)
    h0, c0 = (rng.standard_normal((layers * dirs, 2, 5)).astype(dtype) for _ in range(2))
    want = _run(a, torch, x, h0, c0)
    got = _run(b, T, x, h0, c0)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else dict(rtol=1e-9, atol=1e-10)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, **tol)
    with T.no_grad():
        out = b(T.tensor(x), (T.tensor(h0), T.tensor(c0)))[0]
    np.testing.assert_allclose(out.numpy(), want[0], **tol)


def test_lstm_on_gpu_matches_torch():
    trueno_gpu = pytest.importorskip("trueno_gpu")
    if not trueno_gpu.is_available():
        pytest.skip("no GPU adapter for trueno-gpu")
    a, b = _pair(2, True, True, "float32")
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 5, 3)).astype("float32")
    h0, c0 = (rng.standard_normal((4, 2, 5)).astype("float32") for _ in range(2))
    want = _run(a, torch, x, h0, c0)
    got = _run(b, T, x, h0, c0, device="gpu")
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)


def _generic_path_fails(monkeypatch):
    """Make the device-generic recurrence (trueno ops per step) raise, so that a CPU run
    proves it took the host path (NumPy arrays inside the node)."""
    from trueno_nn import _lstm_sequence as S

    def fail(*args, **kwargs):
        raise AssertionError("the CPU LSTM ran the per-step trueno-op path")
    monkeypatch.setattr(S, "_steps", fail)
    monkeypatch.setattr(S, "_cell_steps", fail)
    monkeypatch.setattr(S, "_cell_backward", fail)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lstm_cpu_runs_on_host_arrays(monkeypatch, dtype):
    _generic_path_fails(monkeypatch)
    a, b = _pair(2, True, False, dtype)
    rng = np.random.default_rng(11)
    x = rng.standard_normal((7, 3, 3)).astype(dtype)
    h0, c0 = (rng.standard_normal((4, 3, 5)).astype(dtype) for _ in range(2))
    want = _run(a, torch, x, h0, c0)
    got = _run(b, T, x, h0, c0)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else dict(rtol=1e-9, atol=1e-10)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, **tol)
    with T.no_grad():
        out = b(T.tensor(x), (T.tensor(h0), T.tensor(c0)))[0]
    np.testing.assert_allclose(out.numpy(), want[0], **tol)


def test_lstm_saturated_gates_match_torch():
    # inputs far outside sigmoid's range: exp(-x) overflows to inf (sigmoid 0) without a
    # warning, and the values and gradients stay torch's
    import warnings
    a, b = _pair(1, True, False, "float32")
    rng = np.random.default_rng(12)
    x = (rng.standard_normal((5, 2, 3)) * 200).astype("float32")
    h0, c0 = (rng.standard_normal((2, 2, 5)).astype("float32") for _ in range(2))
    want = _run(a, torch, x, h0, c0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = _run(b, T, x, h0, c0)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)


def test_lstm_output_written_in_place_before_backward():
    # the node keeps its own copy of the outputs it needs: a write into the returned output
    # changes neither the values the backward reads nor its result (as in PyTorch)
    a, b = _pair(1, False, False, "float64")
    rng = np.random.default_rng(13)
    x = rng.standard_normal((6, 2, 3))
    res = []
    for mod, model in ((torch, a), (T, b)):
        xs = mod.tensor(x, requires_grad=True)
        out, _ = model(xs)
        y = out * 1.0
        out.detach().mul_(0.0)  # the result's storage, outside the graph
        (y * y).sum().backward()
        res.append([xs.grad.numpy()] + [p.grad.numpy() for p in model.parameters()])
    for g, w in zip(res[1], res[0]):
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-10)


def test_lstm_frozen_recurrent_weight_matches_torch():
    # weight_hh without gradient: the node skips its product, the others match torch
    a, b = _pair(1, False, True, "float64")
    a.weight_hh_l0.requires_grad_(False)
    b.weight_hh_l0.requires_grad_(False)
    rng = np.random.default_rng(14)
    x = rng.standard_normal((2, 4, 3))
    h0, c0 = (rng.standard_normal((1, 2, 5)) for _ in range(2))
    want = _run(a, torch, x, h0, c0)
    got = _run(b, T, x, h0, c0)
    assert want[7] is None and got[7] is None  # weight_hh_l0, after the 6 outputs and w_ih
    for g, w in zip(got, want):
        if w is not None:
            np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("backend", ["default", "reference"])
def test_lstm_host_path_uses_the_cpu_backends_kernels(monkeypatch, backend):
    # the gates' sigmoid and tanh are the CPU backend's kernels (trueno-simd's by default, the
    # NumPy reference's when it is forced), with torch's values either way
    import contextlib

    import trueno as tn
    from trueno import backend as B
    calls = []
    real = B.kernel

    def counting(op, device, dtype):
        calls.append(op.name)
        return real(op, device, dtype)
    from trueno_nn import _lstm_sequence as S
    monkeypatch.setattr(S, "kernel", counting)
    a, b = _pair(1, False, False, "float32")
    rng = np.random.default_rng(15)
    x = rng.standard_normal((4, 2, 3)).astype("float32")
    h0, c0 = (rng.standard_normal((1, 2, 5)).astype("float32") for _ in range(2))
    want = _run(a, torch, x, h0, c0)
    ctx = tn.use_backend("reference") if backend == "reference" else contextlib.nullcontext()
    with ctx:
        got = _run(b, T, x, h0, c0)
    assert calls.count("sigmoid") == 4 and calls.count("tanh") == 4  # once per step
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)


def test_lstm_cpu_float16_runs_the_cell_rows():
    # float16 on the CPU is no host dtype: the device loop runs the cell rows' reference
    # kernels on the NumPy arrays (float32 compute, rounded once); torch float32 as the truth
    torch.manual_seed(3)
    a = torch.nn.LSTM(3, 4, bidirectional=True)
    b = T.nn.LSTM(3, 4, bidirectional=True)
    with T.no_grad():
        for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
            pb.copy_(T.tensor(pa.detach().numpy()))
    b = b.half()
    x = np.random.default_rng(16).standard_normal((5, 2, 3)).astype("float32")
    xs = T.tensor(x.astype("float16"), requires_grad=True)
    out, (hn, cn) = b(xs)
    (out.float() ** 2).sum().backward()
    xt = torch.tensor(x, requires_grad=True)
    out_t, _ = a(xt)
    (out_t ** 2).sum().backward()
    tol = dict(rtol=2e-2, atol=2e-3)
    np.testing.assert_allclose(out.detach().float().numpy(), out_t.detach().numpy(), **tol)
    np.testing.assert_allclose(xs.grad.float().numpy(), xt.grad.numpy(), **tol)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_allclose(pb.grad.float().numpy(), pa.grad.numpy(), **tol)
