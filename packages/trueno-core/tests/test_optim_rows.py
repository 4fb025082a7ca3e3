"""The optimizer-update rows ``sgd_update`` and ``adam_update`` (trueno._optable.optim): the
decomposition (the semantic reference) and every CPU backend's kernel agree with PyTorch's
single-tensor SGD/Adam/AdamW for float32 and float64, with and without each option, over
several steps; the update is in place (same buffers, version counters bump)."""

from __future__ import annotations

import importlib.metadata as md

import numpy as np
import pytest
import torch

import trueno as tn
from trueno._registry import load_plugins, primitives_only

from backend_cases_optim import run_row

SGD_OPTS = [dict(), dict(momentum=0.9), dict(momentum=0.9, dampening=0.3),
            dict(momentum=0.9, nesterov=True), dict(weight_decay=0.1),
            dict(momentum=0.5, weight_decay=0.1, maximize=True), dict(maximize=True)]
ADAM_OPTS = [dict(), dict(weight_decay=0.1), dict(weight_decay=0.1, decoupled=True),
             dict(amsgrad=True), dict(maximize=True),
             dict(amsgrad=True, weight_decay=0.05, decoupled=True, maximize=True)]
STEPS = 4


def _modes():
    """How the rows run: each CPU backend's kernel forced, and the decomposition."""
    reg = load_plugins()
    out = [b for b, be in reg.backends.items() if "cpu" in be.devices and
           be.kernel("adam_update", "float32") is not None and
           be.kernel("sgd_update", "float32") is not None]
    return sorted(out) + ["decomposition"]


MODES = _modes()


def _ctx(mode):
    return primitives_only() if mode == "decomposition" else tn.use_backend(mode)


def _data(shape=(6, 11), seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape), [rng.standard_normal(shape) for _ in range(STEPS)]


def _tol(dtype):
    return dict(rtol=2e-6, atol=1e-7) if dtype == "float32" else dict(rtol=1e-13, atol=1e-15)


def trueno_sgd(mode, dtype, p0, grads, opts, lr=0.05):
    p = tn.asarray(np.array(p0), dtype=dtype)  # a copy: updated in place
    buf = tn.zeros_like(p) if opts.get("momentum") else None
    for i, g in enumerate(grads):
        with _ctx(mode):
            out = run_row("sgd_update", [p, tn.asarray(g, dtype=dtype), buf], lr=lr,
                          init_buffer=i == 0, **opts)
        assert out._data is p._data or np.shares_memory(np.asarray(out), np.asarray(p))
    return p, buf


def torch_sgd(dtype, p0, grads, opts, lr=0.05):
    p = torch.tensor(p0, dtype=getattr(torch, dtype), requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr, foreach=False, **opts)
    for g in grads:
        p.grad = torch.tensor(g, dtype=p.dtype)
        opt.step()
    return p.detach().numpy(), opt.state[p].get("momentum_buffer")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("opts", SGD_OPTS, ids=str)
def test_sgd_update_matches_torch(mode, dtype, opts):
    p0, grads = _data()
    p, buf = trueno_sgd(mode, dtype, p0, grads, opts)
    want_p, want_buf = torch_sgd(dtype, p0, grads, opts)
    np.testing.assert_allclose(np.asarray(p), want_p, **_tol(dtype))
    assert np.asarray(p).dtype == np.dtype(dtype)
    if want_buf is not None:
        np.testing.assert_allclose(np.asarray(buf), want_buf.numpy(), **_tol(dtype))


def trueno_adam(mode, dtype, p0, grads, opts, lr=0.01):
    opts = dict(opts)
    p = tn.asarray(np.array(p0), dtype=dtype)  # a copy: updated in place
    m, v = tn.zeros_like(p), tn.zeros_like(p)
    mx = tn.zeros_like(p) if opts.get("amsgrad") else None
    for i, g in enumerate(grads):
        with _ctx(mode):
            run_row("adam_update", [p, tn.asarray(g, dtype=dtype), m, v, mx], lr=lr,
                    beta1=0.9, beta2=0.999, eps=1e-8, step=float(i + 1), **opts)
    return p, m, v, mx


def torch_adam(dtype, p0, grads, opts, lr=0.01):
    opts = dict(opts)
    cls = torch.optim.AdamW if opts.pop("decoupled", False) else torch.optim.Adam
    opts.setdefault("weight_decay", 0.0)
    p = torch.tensor(p0, dtype=getattr(torch, dtype), requires_grad=True)
    opt = cls([p], lr=lr, betas=(0.9, 0.999), eps=1e-8, foreach=False, **opts)
    for g in grads:
        p.grad = torch.tensor(g, dtype=p.dtype)
        opt.step()
    st = opt.state[p]
    return p.detach().numpy(), st["exp_avg"], st["exp_avg_sq"], st.get("max_exp_avg_sq")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("opts", ADAM_OPTS, ids=str)
def test_adam_update_matches_torch(mode, dtype, opts):
    p0, grads = _data(seed=1)
    got = trueno_adam(mode, dtype, p0, grads, opts)
    want = torch_adam(dtype, p0, grads, opts)
    for g, w in zip(got, want):
        assert (g is None) is (w is None)
        if w is not None:
            np.testing.assert_allclose(np.asarray(g), np.asarray(w), **_tol(dtype))


@pytest.mark.parametrize("mode", MODES)
def test_adam_large_tensor_and_views_of_one_storage(mode):
    """A tensor large enough for the kernels' threaded path gives the decomposition's values."""
    p0, grads = _data((300, 1100), seed=2)
    opts = dict(weight_decay=0.01, decoupled=True, amsgrad=True)
    got = trueno_adam(mode, "float32", p0, grads[:2], opts)
    want = trueno_adam("decomposition", "float32", p0, grads[:2], opts)
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=2e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_computes_in_float32(dtype):
    """The reference kernel and the decomposition agree on half-precision parameters (both
    compute in float32 and round each stored value once)."""
    p0, grads = _data((3, 5), seed=3)
    for opts in ADAM_OPTS[:3]:
        a = trueno_adam("reference", dtype, p0, grads[:2], opts)
        b = trueno_adam("decomposition", dtype, p0, grads[:2], opts)
        for x, y in zip(a, b):
            if x is not None:
                np.testing.assert_array_equal(np.asarray(x.astype(tn.float32)),
                                              np.asarray(y.astype(tn.float32)))
    a = trueno_sgd("reference", dtype, p0, grads, SGD_OPTS[5])
    b = trueno_sgd("decomposition", dtype, p0, grads, SGD_OPTS[5])
    for x, y in zip(a, b):
        np.testing.assert_array_equal(np.asarray(x.astype(tn.float32)),
                                      np.asarray(y.astype(tn.float32)))


def test_rows_declare_their_contract():
    for name, nin in (("sgd_update", 3), ("adam_update", 5)):
        row = tn.OPS[name]
        assert row.nin == nin and not row.differentiable and not row.primitive
        assert row.accepts == {tn.float16, tn.bfloat16, tn.float32, tn.float64}
        assert row.shape == "same" and row.decomposition is not None
    assert set(tn.OPS["adam_update"].params) == {
        "lr", "beta1", "beta2", "eps", "step", "weight_decay", "decoupled", "amsgrad",
        "maximize"}


def test_decomposition_writes_in_place_and_bumps_versions():
    p = tn.asarray(np.ones((2, 3)))
    m, v = tn.zeros_like(p), tn.zeros_like(p)
    data, versions = p._data, (p._version[0], m._version[0], v._version[0])
    with primitives_only():
        out = run_row("adam_update", [p, tn.asarray(np.ones((2, 3))), m, v, None], lr=0.1,
                      beta1=0.9, beta2=0.999, eps=1e-8, step=1.0)
    assert out is p and p._data is data
    assert all(t._version[0] > n for t, n in zip((p, m, v), versions))
    np.testing.assert_allclose(np.asarray(p), 0.9, rtol=1e-8)  # first step: lr * sign(g)


def test_zero_dim_and_empty_parameters():
    for shape in ((), (0, 4)):
        p0, grads = _data(shape, seed=4)
        for mode in MODES:
            got = trueno_adam(mode, "float64", p0, grads[:2], dict(weight_decay=0.1))
            want = torch_adam("float64", p0, grads[:2], dict(weight_decay=0.1))
            np.testing.assert_allclose(np.asarray(got[0]), want[0], rtol=1e-13)
            assert got[0].shape == shape
            gp, _ = trueno_sgd(mode, "float64", p0, grads, dict(momentum=0.9))
            np.testing.assert_allclose(np.asarray(gp), torch_sgd("float64", p0, grads,
                                                                 dict(momentum=0.9))[0])


@pytest.mark.skipif(
    not any(ep.name == "toy" for ep in md.entry_points(group="trueno")),
    reason="needs the example plugins installed: pip install -e tools/example_plugins/trueno-toy "
           "(the nox tests session does)")
def test_sgd_runs_on_the_toy_device():
    """A device with a few primitive kernels (the toy bytearray device: add, subtract,
    multiply, negative, copy_, ...) runs sgd_update through its decomposition, in place, with
    the CPU's values. (adam_update needs the primitives sqrt, divide and maximum, which the
    toy lacks: it raises the dispatcher's DeviceError naming the missing kernel.)"""
    p0, grads = _data((3, 4), seed=5)
    for opts in (dict(), dict(momentum=0.9, nesterov=True, weight_decay=0.1),
                 dict(momentum=0.8, dampening=0.5, maximize=True)):
        p = tn.asarray(np.array(p0)).to_device("toy")
        buf = tn.zeros_like(p) if opts.get("momentum") else None
        for i, g in enumerate(grads):
            run_row("sgd_update", [p, tn.asarray(g).to_device("toy"), buf], lr=0.05,
                    init_buffer=i == 0, **opts)
        assert str(p.device) == "toy:0"
        want = trueno_sgd("decomposition", "float64", p0, grads, opts)
        np.testing.assert_allclose(p.cpu().numpy(), np.asarray(want[0]), rtol=1e-13)
        if buf is not None:
            np.testing.assert_allclose(buf.cpu().numpy(), np.asarray(want[1]), rtol=1e-13)
