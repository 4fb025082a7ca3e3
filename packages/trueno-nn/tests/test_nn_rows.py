"""trueno-nn's op-table rows (``trueno_nn.plugin``): read from the table, each row's values
and gradients against its PyTorch twin (``row.torch_fn(torch)``) on generated inputs, through
``trueno.nn.functional`` (which calls the row) and through the dispatcher directly; the
decomposition alone (primitives-only mode: the toy device has too few kernels for these)
reproduces them; one case each on the GPU device."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T

import trueno
import trueno.nn.functional as F
import trueno.torch as torch
from trueno._registry import primitives_only
from trueno.backend import load_plugins, run
from trueno_nn.plugin import ROWS

load_plugins()
NAMES = [r.name for r in ROWS]
_RED = ("mean", "sum", "none")


def _cases(name: str, rng) -> list:
    """``(arrays, params)`` cases: arrays are the row's tensor inputs then its optional tensor
    parameters (by name), params its other keywords."""
    u = rng.uniform
    x = u(-4, 4, (3, 5))
    if name in ("leaky_relu", "elu", "softplus", "hardtanh", "hardswish", "mish",
                "logsigmoid"):
        params = {"leaky_relu": {"negative_slope": 0.2}, "elu": {"alpha": 1.5},
                  "softplus": {"beta": 2.0, "threshold": 3.0},
                  "hardtanh": {"min_val": -0.5, "max_val": 2.0}}.get(name, {})
        return [((x,), {}), ((x,), params)]
    a, b = u(-2, 2, (4, 3)), u(-2, 2, (4, 3))
    if name in ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"):
        extra = {"smooth_l1_loss": {"beta": 0.5}, "huber_loss": {"delta": 0.7}}.get(name, {})
        return [((a, b), {"reduction": r, **extra}) for r in _RED]
    logp = a - np.log(np.exp(a).sum(1, keepdims=True))
    p = np.exp(b) / np.exp(b).sum(1, keepdims=True)
    w = u(0.5, 2.0, (3,))
    if name == "kl_div":
        return [((logp, p), {"reduction": "batchmean"}),
                ((logp, np.log(p)), {"reduction": "sum", "log_target": True}),
                ((logp, p), {"reduction": "none"})]
    if name == "binary_cross_entropy":
        return [((u(0.05, 0.95, (4, 3)), u(0, 1, (4, 3))), {}),
                ((u(0.05, 0.95, (4, 3)), u(0, 1, (4, 3)), {"weight": w}), {"reduction": "sum"})]
    if name == "binary_cross_entropy_with_logits":
        return [((a, u(0, 1, (4, 3))), {}),
                ((a, u(0, 1, (4, 3)), {"weight": w, "pos_weight": u(0.5, 3, (3,))}),
                 {"reduction": "none"})]
    t = np.array([0, 2, 1, 2], dtype=np.int64)
    ti = np.array([0, -100, 1, 2], dtype=np.int64)
    if name == "nll_loss":
        return [((logp, t), {}), ((logp, ti, {"weight": w}), {"reduction": "mean"}),
                ((logp, t), {"reduction": "none"})]
    if name == "cross_entropy":
        return [((a, t), {}), ((a, ti, {"weight": w}), {"label_smoothing": 0.1}),
                ((a, p), {"label_smoothing": 0.2, "reduction": "sum"})]
    img = u(-2, 2, (2, 4, 3, 3))
    cw, cb = u(0.5, 2.0, (4,)), u(-1, 1, (4,))
    if name == "batch_norm":
        mean, var = u(-1, 1, (4,)), u(0.5, 2.0, (4,))
        return [((img, mean, var), {}),
                ((img, mean, var, {"weight": cw, "bias": cb}), {"eps": 1e-3}),
                ((img, mean, var, {"bias": cb}), {})]
    if name == "group_norm":
        return [((img,), {"num_groups": 2}),
                ((img, {"weight": cw, "bias": cb}), {"num_groups": 4, "eps": 1e-3})]
    if name == "embedding":
        idx = np.array([[0, 4, 1], [1, 1, 3]], dtype=np.int64)
        return [((idx, u(-1, 1, (5, 4))), {}), ((idx, u(-1, 1, (5, 4))), {"padding_idx": 1})]
    raise AssertionError(f"no cases for row {name!r}: add them here")


# PyTorch's eval-mode batch_norm has no gradient for the statistics (trueno's decomposition
# has one, which training mode uses: the nn layer tests check it against BatchNorm's)
_GRAD_INPUTS = {"batch_norm": 1}


def _call(lib, fn, arrays, params, dtype, device=None, n_grad=None):
    """``fn(*tensors, **tensor_kwargs, **params)``; returns the result and the float tensor
    inputs (each requires grad; the tensor keywords do not: PyTorch has no gradient for
    binary_cross_entropy's weight)."""
    arrays = list(arrays)
    opt = arrays.pop() if arrays and isinstance(arrays[-1], dict) else {}

    def mk(arr, grad=True):
        if arr.dtype.kind == "f":
            arr = arr.astype(dtype)
        t = lib.tensor(arr, device=device) if device else lib.tensor(arr)
        return t.requires_grad_(True) if grad and arr.dtype.kind == "f" else t
    ins = [mk(arr, n_grad is None or i < n_grad) for i, arr in enumerate(arrays)]
    kw = {k: mk(v, False) for k, v in opt.items()}
    out = fn(*ins, **kw, **params)
    return out, [t for t in ins if t.is_floating_point() and t.requires_grad]


def _values_and_grads(lib, fn, arrays, params, dtype, device=None, name=""):
    out, leaves = _call(lib, fn, arrays, params, dtype, device, _GRAD_INPUTS.get(name))
    # a fixed upstream gradient, so that reduction "none" checks every element's gradient
    g = np.linspace(0.5, 1.5, max(int(np.prod(out.shape)), 1)).reshape(tuple(out.shape))
    gt = lib.tensor(g.astype(dtype), device=device) if device else lib.tensor(g.astype(dtype))
    grads = lib.autograd.grad(out, leaves, gt, allow_unused=True)
    res = [np.asarray(out.detach().cpu().numpy(), dtype=np.float64)]
    res += [None if gr is None else np.asarray(gr.cpu().numpy(), dtype=np.float64)
            for gr in grads]
    return res


def _close(got, want, dtype):
    tol = 1e-4 if dtype == "float32" else 1e-10
    assert len(got) == len(want)
    for g, w in zip(got, want):
        if w is None:
            assert g is None or not np.any(g)
            continue
        assert g is not None
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol)


def test_rows_are_in_the_table_with_their_contract():
    for name in NAMES:
        row = trueno.OPS[name]
        assert row is trueno.backend.get_op(name)
        assert row.differentiable and row.numpy_name is None and row.decomposition is not None
        assert row.torch_fn(T) is getattr(T.nn.functional, name)
        assert row.torch_name == "nn.functional." + name
        assert row.accepts == trueno.OPS["layer_norm"].accepts  # real floating
    assert "dropout" not in trueno.OPS  # RNG-dependent: not a row (see trueno_nn.plugin)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", NAMES)
def test_row_values_and_gradients_match_torch(name, dtype):
    row = trueno.OPS[name]
    for arrays, params in _cases(name, np.random.default_rng(len(name))):
        want = _values_and_grads(T, row.torch_fn(T), arrays, params, dtype, name=name)
        got = _values_and_grads(torch, getattr(F, name), arrays, params, dtype, name=name)
        _close(got, want, dtype)


@pytest.mark.parametrize("name", NAMES)
def test_functional_calls_the_row(name, monkeypatch):
    """``F.<name>`` runs the row through the dispatcher: with no kernel, its decomposition."""
    row = trueno.OPS[name]
    calls = []
    dec = row.decomposition

    def counting(*args, **kwargs):
        calls.append(sorted(kwargs))
        return dec(*args, **kwargs)
    monkeypatch.setattr(row, "decomposition", counting)
    arrays, params = _cases(name, np.random.default_rng(1))[-1]
    _call(torch, getattr(F, name), arrays, params, "float64")
    assert calls == [sorted(row.params)]


@pytest.mark.parametrize("name", NAMES)
def test_row_through_the_dispatcher_in_primitives_only_mode(name):
    """The row called as a backend would be (``run`` with the row's parameters; tensor
    parameters as device arrays, the tensors as extra inputs), in primitives-only mode, gives
    PyTorch's values and gradients: the decomposition alone computes the op."""
    row = trueno.OPS[name]
    arrays, params = _cases(name, np.random.default_rng(2))[-1]

    def via_run(*ins, **kw):
        opt = {k: kw.pop(k) for k in list(kw) if k in row.params and not isinstance(
            kw[k], (str, int, float, bool))}
        p = {k: (None if v is None else v._data) for k, v in opt.items()}
        p.update(kw)
        order = [k for k in ("weight", "bias", "pos_weight") if k in row.params]
        extra = tuple(opt.get(k) for k in order)
        x = next(t for t in ins if t.is_floating_point())  # embedding: the weight
        return run(row, tuple(ins) + extra, tuple(t._data for t in ins), p, x.__class__,
                   x._device, x.dtype)
    want = _values_and_grads(T, row.torch_fn(T), arrays, params, "float64", name=name)
    with primitives_only():
        got = _values_and_grads(torch, via_run, arrays, params, "float64", name=name)
    _close(got, want, "float64")


@pytest.mark.parametrize("name", NAMES)
def test_row_on_the_gpu_device(name):
    trueno_gpu = pytest.importorskip("trueno_gpu")
    if not trueno_gpu.is_available():
        pytest.skip("no GPU adapter for trueno-gpu")
    arrays, params = _cases(name, np.random.default_rng(4))[-1]
    want = _values_and_grads(T, trueno.OPS[name].torch_fn(T), arrays, params, "float32",
                             name=name)
    got = _values_and_grads(torch, getattr(F, name), arrays, params, "float32", device="gpu",
                            name=name)
    _close(got, want, "float32")
