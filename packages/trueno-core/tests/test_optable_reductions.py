"""Op-table differential tests, reductions vs NumPy (every axis spelling, layout, dtype=),
the composites run through the dispatcher (softmax, layer_norm and its backward, vector_norm),
and the rows without a NumPy twin vs PyTorch.

Generated from the op table (``trueno.OPS``); the machinery is in ``optable_checks.py`` and
the completeness test in ``test_optable_differential.py``.
"""

# ruff: noqa: B023  (Cases.run calls each lambda at once, inside its loop iteration)
from __future__ import annotations

import numpy as np
import pytest

import trueno as tn
from trueno import _dispatch as X
from trueno._optable import OPS, REDUCTIONS

from trueno_core_helpers import NP_DTYPES, assert_close, sample
from optable_checks import Cases, accepted_names, check, float_rule, generates


# --- reductions ------------------------------------------------------------------------------

REDUCE_NUMPY = [r for r in REDUCTIONS if r.numpy_name is not None]
AXES = [None, 0, -1, 1, (0, 2), (-1, 0), ()]
REDUCE_LAYOUTS = {
    "contiguous": ((2, 3, 4), lambda a: a),
    "transposed": ((4, 3, 2), lambda a: a.T),
    "negative_stride": ((2, 3, 4), lambda a: a[:, ::-1]),
    "step_slice": ((2, 3, 8), lambda a: a[..., 1::2]),
    "0d": ((), lambda a: a),
    "empty_reduced": ((2, 0, 4), lambda a: a),
    "empty_kept": ((0, 3, 4), lambda a: a),
}


def _reduce_fn(row):
    return getattr(tn, row.name)


def _reduce_np(row):
    return getattr(np, row.numpy_name)


@generates()
@pytest.mark.parametrize("row,dtype", [pytest.param(r, d, id=f"{r.name}-{d}")
                                       for r in REDUCE_NUMPY for d in accepted_names(r.accepts)])
def test_reduction(row, dtype, backend):
    """Every reduction row x dtype, over layouts (0-d, empty, non-contiguous), axis None /
    int / negative / tuple / (), keepdims True and False. Where NumPy raises, so does trueno."""
    cases = Cases()
    for layout, (shape, view) in REDUCE_LAYOUTS.items():
        base = sample(dtype, shape, "real", np.random.default_rng(len(shape) + 17))
        t = view(tn.asarray(base.copy()))
        nx = view(base)
        for axis in AXES:
            if row.name in ("argmax", "argmin") and isinstance(axis, tuple):
                continue
            for keepdims in (False, True):
                msg = f"{layout}, axis={axis}, keepdims={keepdims}"
                cases.run(msg, lambda: check(
                    row.name, backend, lambda: _reduce_fn(row)(t, axis=axis, keepdims=keepdims),
                    lambda: _reduce_np(row)(nx, axis=axis, keepdims=keepdims),
                    dtype=NP_DTYPES[dtype], msg=msg, scalars=True))
    cases.finish()


@pytest.mark.parametrize("name", ["sum", "prod", "mean"])
@pytest.mark.parametrize("src,dst", [("int8", "int16"), ("int32", "float32"),
                                     ("float32", "float64"), ("uint8", "uint64"),
                                     ("bool", "int32"), ("float64", "complex128"),
                                     ("float16", "float32")])
@pytest.mark.parametrize("axis", [None, 1])
def test_reduction_dtype_argument(name, src, dst, axis, backend):
    base = sample(src, (3, 5), "small", np.random.default_rng(8))
    t = tn.asarray(base.copy())[:, ::-1]
    check(name, backend, lambda: getattr(tn, name)(t, axis=axis, dtype=getattr(tn, dst)),
          lambda: getattr(np, name)(base[:, ::-1], axis=axis, dtype=np.dtype(dst)),
          dtype=np.dtype(dst), msg=f"{name}({src}, dtype={dst}, axis={axis})")


@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("ddof", [0, 1, 2])
@pytest.mark.parametrize("dtype", ["int16", "float32", "float64", "complex64"])
def test_var_std_ddof(name, ddof, dtype, backend):
    base = sample(dtype, (4, 5), "real", np.random.default_rng(12))
    t = tn.asarray(base.copy()).T
    check(name, backend, lambda: getattr(tn, name)(t, axis=0, ddof=ddof),
          lambda: getattr(np, name)(base.T, axis=0, ddof=ddof), dtype=NP_DTYPES[dtype],
          msg=f"{name}({dtype}, ddof={ddof})")
    check(name, backend, lambda: getattr(tn, name)(t, correction=ddof),
          lambda: getattr(np, name)(base.T, correction=ddof), dtype=NP_DTYPES[dtype])


@pytest.mark.parametrize("name", ["sum", "max", "argmin", "mean", "any"])
@pytest.mark.parametrize("axis", [3, -4, (0, 0), (0, 5)])
def test_reduction_bad_axis(name, axis, backend):
    x = np.arange(24.0).reshape(2, 3, 4)
    if name == "argmin" and isinstance(axis, tuple):
        axis = axis[1]
    check(name, backend, lambda: getattr(tn, name)(tn.asarray(x), axis=axis),
          lambda: getattr(np, name)(x, axis=axis))
    if not isinstance(axis, tuple) and (axis >= 3 or axis < -3):
        with pytest.raises(tn.AxisError):
            getattr(tn, name)(tn.asarray(x), axis=axis)


def _logsumexp(x, axis, keepdims):
    x = np.asarray(x, np.float64)
    m = np.max(x, axis=axis, keepdims=True) if x.size else 0.0
    m = np.where(np.isfinite(m), m, 0.0)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


@generates("logsumexp")
@pytest.mark.parametrize("dtype", ["float32", "float64", "int16", "float16"])
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp(dtype, axis, keepdims, backend):
    base = sample(dtype, (2, 3, 4), "real", np.random.default_rng(13))
    base.flat[0] = 80 if dtype != "int16" and dtype != "float16" else base.flat[0]
    t = tn.asarray(base.copy())[:, ::-1]
    out_dt = float_rule(base.dtype) if dtype[0] != "i" else np.dtype(np.float64)
    expected = np.asarray(_logsumexp(base[:, ::-1], axis, keepdims)).astype(out_dt)
    got = tn.logsumexp(t, axis=axis, keepdims=keepdims)
    assert_close(got, expected, out_dt)


# --- composites without a public NumPy-face function: through the dispatcher -----------------

def _run_row(name, x, params, dtype=None):
    row = OPS[name]
    return X.run(row, (x,), (x._data,), params, x.__class__, x.device, dtype or x.dtype)


def _softmax(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


@generates()
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_kernels(name, dtype, axis, backend):
    base = sample(dtype, (3, 5), "real", np.random.default_rng(14))
    t = tn.asarray(base.copy()).T
    x = base.T.astype(np.float64)
    ref = _softmax(x, axis)
    if name == "log_softmax":
        ref = np.log(ref)
    assert_close(_run_row(name, t, {"axis": axis % 2}), ref.astype(base.dtype), base.dtype)


@generates("layer_norm")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("affine", [False, True])
def test_layer_norm_kernel(dtype, affine, backend):
    rng = np.random.default_rng(15)
    base = sample(dtype, (2, 3, 4), "real", rng)
    w = sample(dtype, (4,), "positive", rng) if affine else None
    b = sample(dtype, (4,), "real", rng) if affine else None
    t = tn.asarray(base.copy())
    x = base.astype(np.float64)
    mu = x.mean(-1, keepdims=True)
    ref = (x - mu) / np.sqrt(x.var(-1, keepdims=True) + 1e-5)
    if affine:
        ref = ref * w + b
    row = OPS["layer_norm"]
    out = X.run(row, (t,), (t._data,), {"normalized_ndim": 1, "weight": w, "bias": b},
                t.__class__, t.device, t.dtype)
    assert_close(out, ref.astype(base.dtype), base.dtype, rtol=1e-4 if dtype == "float32"
                 else None, atol=1e-5 if dtype == "float32" else None)


@generates("layer_norm_backward")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("affine", [False, True])
@pytest.mark.parametrize("nd", [1, 2])
def test_layer_norm_backward_kernel(dtype, affine, nd, backend):
    """The row's (gx, gw, gb) are PyTorch's gradients of layer_norm (input, weight, bias) for
    a transposed x and a g broadcast over the leading dims (as ``out.sum().backward()``
    gives it); without a weight gw is still the sum of g * xhat."""
    torch = pytest.importorskip("torch", reason="torch is not installed (the oracle)")
    rng = np.random.default_rng(18)
    base = sample(dtype, (3, 7, 5), "real", rng)
    gbase = sample(dtype, (1, 5, 7), "real", rng)
    tshape = (5, 7)[2 - nd:]
    w = sample(dtype, tshape, "real", rng) if affine else None
    x = tn.asarray(base.copy()).mT
    g = tn.broadcast_to(tn.asarray(gbase.copy()), (3, 5, 7))
    tw = tn.asarray(w.copy()) if affine else None
    got = X.run(OPS["layer_norm_backward"], (x, g, tw),
                (x._data, g._data, None if tw is None else tw._data),
                {"normalized_ndim": nd, "eps": 1e-5}, x.__class__, x.device, x.dtype)
    tx = torch.from_numpy(base.astype(np.float64)).mT.requires_grad_()
    ww = torch.from_numpy(w.astype(np.float64)) if affine else torch.ones(tshape, dtype=tx.dtype)
    ww.requires_grad_()
    tb = torch.zeros(tshape, dtype=tx.dtype, requires_grad=True)
    torch.nn.functional.layer_norm(tx, tshape, ww, tb).backward(
        torch.from_numpy(gbase.astype(np.float64)).expand(3, 5, 7))
    tol = {"rtol": 1e-4, "atol": 1e-4} if dtype == "float32" else {}
    for name, a, want in zip(("gx", "gw", "gb"), got, (tx.grad, ww.grad, tb.grad)):
        assert a.dtype == x.dtype, name
        assert_close(a, want.numpy().astype(base.dtype), base.dtype, msg=name, **tol)


@generates("vector_norm")
@pytest.mark.parametrize("dtype", ["float32", "float64", "complex128"])
@pytest.mark.parametrize("ord_", [2.0, 1.0, np.inf, -np.inf, 0.0, 3.0])
@pytest.mark.parametrize("axis", [(0, 1), (1,)])
def test_vector_norm_kernel(dtype, ord_, axis, backend):
    base = sample(dtype, (3, 4), "real", np.random.default_rng(16))
    t = tn.asarray(base.copy())[::-1]
    x = base[::-1]
    ref = np.linalg.norm(x.reshape(-1) if axis == (0, 1) else x, ord=ord_,
                         axis=None if axis == (0, 1) else 1)
    real = np.float32 if base.dtype in (np.float32, np.complex64) else np.float64
    out = _run_row("vector_norm", t, {"axis": axis, "keepdims": False, "ord": ord_},
                   t.dtype)
    assert_close(out, np.asarray(ref).astype(real), real)


# --- ops without a NumPy twin, against PyTorch when it is installed -------------------------

TORCH_UNARY = {"sigmoid": "sigmoid", "erf": "erf", "gelu": "nn.functional.gelu",
               "silu": "nn.functional.silu", "relu": "relu"}


def _torch_fn(torch, path):
    obj = torch
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


@generates(*TORCH_UNARY)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_no_twin_ops_match_torch(dtype, backend):
    """sigmoid, erf, gelu, silu, relu, softmax, log_softmax, logsumexp, layer_norm and
    vector_norm give PyTorch's values for the same inputs (a second oracle to the formulas)."""
    torch = pytest.importorskip("torch", reason="torch is not installed (second oracle)")
    base = sample(dtype, (4, 5), "real", np.random.default_rng(30)) * 3
    t = tn.asarray(base.copy()).T
    x = torch.from_numpy(base.T.copy())
    cases = Cases()
    for name, path in TORCH_UNARY.items():
        cases.run(name, lambda: assert_close(getattr(tn, name)(t),
                                             _torch_fn(torch, path)(x).numpy(), msg=name))
    for ax in (0, 1):
        cases.run(f"softmax axis={ax}", lambda: assert_close(
            _run_row("softmax", t, {"axis": ax}), torch.softmax(x, ax).numpy()))
        cases.run(f"log_softmax axis={ax}", lambda: assert_close(
            _run_row("log_softmax", t, {"axis": ax}), torch.log_softmax(x, ax).numpy()))
        cases.run(f"logsumexp axis={ax}", lambda: assert_close(
            tn.logsumexp(t, axis=ax), torch.logsumexp(x, ax).numpy()))
    cases.run("layer_norm", lambda: assert_close(
        X.run(OPS["layer_norm"], (t,), (t._data,), {"normalized_ndim": 1}, t.__class__,
              t.device, t.dtype),
        torch.nn.functional.layer_norm(x, (4,)).numpy(), rtol=1e-4 if dtype == "float32"
        else 1e-10, atol=1e-5 if dtype == "float32" else 1e-12))
    for ord_ in (1.0, 2.0, float("inf")):
        cases.run(f"vector_norm ord={ord_}", lambda: assert_close(
            _run_row("vector_norm", t, {"axis": (1,), "keepdims": False, "ord": ord_}),
            torch.linalg.vector_norm(x, ord_, dim=1).numpy()))
    cases.finish()
