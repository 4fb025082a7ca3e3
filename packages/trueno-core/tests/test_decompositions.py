"""The primitive set and the decompositions of every composite row (docs/design.md §2.1).

Generated from the op table: every row is a primitive or has a decomposition (the rows that
still lack one are listed below, to shrink); in primitives-only mode (``primitives_only``,
``TRUENO_PRIMITIVES_ONLY=1``) every composite row runs its decomposition, which calls
primitive kernels only, and matches the reference kernel and every fused kernel (the SIMD
backend's) of the row within the dtype's tolerance; autograd through the decompositions gives
the gradients of the hand-written rules.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import trueno as tn
import trueno.fft  # noqa: F401  (adds its rows)
import trueno.linalg  # noqa: F401
from trueno import _dispatch as X
from trueno import _elementwise as E
from trueno import _registry as R
from trueno._decompositions import NotPrimitiveError, prim
from trueno._optable import OPS, PRIMITIVES
from trueno._registry import load_plugins, primitives_only

from decomposition_checks import _compare, _names, spy_kernels
from trueno_core_helpers import (
    DTYPE_NAMES, NP_DTYPES, assert_close, make_inputs, sample,
)

REG = load_plugins()
DESIGN = Path(__file__).resolve().parents[3] / "docs" / "design.md"

# Rows that are not primitives and have no decomposition yet: a device without their kernels
# raises DeviceError for them. Shrink this list; a row that gains a decomposition (or leaves
# the table) must be removed from it (test_every_composite_row_has_a_decomposition).
_LINALG = "dense linear algebra (LAPACK-style factorizations): kernels only, for now"
_FFT = "FFTs: kernels only, for now"
NO_DECOMPOSITION_YET = {
    **{n: _LINALG for n in ("linalg_cholesky", "linalg_det", "linalg_eig", "linalg_eigh",
                            "linalg_eigvals", "linalg_inv", "linalg_lstsq",
                            "linalg_matrix_rank", "linalg_pinv", "linalg_qr", "linalg_slogdet",
                            "linalg_solve", "linalg_svd")},
    **{n: _FFT for n in ("fft_fftn", "fft_hfft", "fft_ifftn", "fft_ihfft", "fft_irfftn",
                         "fft_rfftn")},
}

COMPOSITE = sorted(n for n, r in OPS.items() if not r.primitive and r.decomposition is not None)


# --- the table ---------------------------------------------------------------------------

def test_every_composite_row_has_a_decomposition():
    """Computed from the table: a row is a primitive, has a decomposition, or is listed in
    NO_DECOMPOSITION_YET (and a listed row that gained one, or is gone, fails: the list
    only shrinks)."""
    missing = {n for n, r in OPS.items() if not r.primitive and r.decomposition is None}
    assert sorted(missing - set(NO_DECOMPOSITION_YET)) == []
    assert sorted(set(NO_DECOMPOSITION_YET) - missing) == []
    assert not [n for n in PRIMITIVES if OPS[n].decomposition is not None]


def test_primitive_set_is_the_documented_one():
    """docs/design.md §2.1 lists exactly the rows marked ``primitive=True``."""
    text = DESIGN.read_text()
    block = text.split("<!-- primitives -->")[1].split("<!-- /primitives -->")[0]
    documented = set(re.findall(r"`(\w+)`", block))
    assert documented == set(PRIMITIVES)
    assert 40 <= len(PRIMITIVES) <= 80  # "tens of ops"


def test_decompositions_are_declared_lazily():
    """Rows name their decomposition as "module:function" (no patching after import); the
    reference resolves to that module's function."""
    from trueno import _decompositions, _decompositions_nn
    assert OPS["softmax"].decomposition is _decompositions_nn.softmax
    assert OPS["clip"].decomposition is _decompositions.clip
    row = tn.Op("_lazy_row", 1, decomposition="trueno._decompositions:square")
    assert row.decomposition is _decompositions.square
    bad = tn.Op("_bad_row", 1, decomposition="trueno._decompositions:nothing_here")
    with pytest.raises(tn.TruenoError, match="_bad_row.*cannot be imported"):
        _ = bad.decomposition


def test_prim_refuses_a_composite():
    """A decomposition can call primitive rows only (``prim`` is how it calls them)."""
    assert prim("exp") is OPS["exp"]
    with pytest.raises(NotPrimitiveError, match="softmax"):
        prim("softmax")


# --- primitives-only mode ----------------------------------------------------------------


@pytest.fixture
def kernels_used(monkeypatch):
    """The rows that resolve to a kernel while a test runs."""
    return spy_kernels(monkeypatch)


def test_mode_is_per_thread_and_lifted(monkeypatch):
    """Inside the block composite rows resolve to no kernel (a kernel cached before is not
    used: the decomposition runs); after it, to theirs again."""
    x = tn.asarray([0.5, 1.0])
    calls = []
    real = OPS["tanh"].decomposition
    monkeypatch.setattr(OPS["tanh"], "_decomposition", lambda t: calls.append(1) or real(t))
    E.tanh(x)  # caches the kernel
    assert calls == [] or R._DEFAULT_PRIMS
    with primitives_only():
        assert_close(E.tanh(x), np.tanh(np.array([0.5, 1.0])))
    assert calls
    with primitives_only():
        assert R.primitives_only_active()
        assert R.resolve_kernel(OPS["tanh"], x._device, x._dtype) is None
        assert R.resolve_kernel(OPS["exp"], x._device, x._dtype) is not None
    assert not R.primitives_only_active() or R._DEFAULT_PRIMS
    if not R._DEFAULT_PRIMS:
        assert R.resolve_kernel(OPS["tanh"], x._device, x._dtype) is not None


ELEMENTWISE = [r for r in OPS.values() if not r.primitive and r.shape == "broadcast"]
UNARY_LAYOUTS = ["contiguous", "0d", "empty", "negative_stride"]
BINARY_LAYOUTS = ["contiguous", "broadcast_col_row", "scalar_and_array", "0d"]


@pytest.mark.parametrize("row,dtype", [pytest.param(r, d, id=f"{r.name}-{d}")
                                       for r in ELEMENTWISE for d in _names(r.accepts)])
def test_elementwise_decomposition_matches_kernels(row, dtype, kernels_used):
    """Every composite elementwise row x every dtype it accepts: its decomposition (run on
    primitive kernels only) equals the reference kernel and every fused kernel."""
    fn = getattr(E, row.name)
    for layout in UNARY_LAYOUTS if row.nin == 1 else BINARY_LAYOUTS:
        rng = np.random.default_rng(sum(map(ord, row.name + dtype + layout)))
        tins, _ = make_inputs(layout, [dtype] * row.nin, row.domains, rng)
        _compare(row.name, fn, tins, NP_DTYPES[dtype], kernels_used)


@pytest.mark.parametrize("name", ["tanh", "sinh", "expm1", "log1p", "asinh", "atanh",
                                  "sigmoid", "gelu", "silu"])
def test_decomposition_edge_values(name, kernels_used):
    """Tails, tiny values (cancellation) and infinities, in float64 and float32."""
    vals = [0.0, -0.0, 1e-300, -1e-12, 1e-8, 0.3, -0.7, 20.0, -20.0, 300.0, -300.0,
            np.inf, -np.inf, np.nan]
    if name in ("log1p",):
        vals = [v for v in vals if not v < -1] + [-1.0, -0.999999]
    if name == "atanh":
        vals = [0.0, 1e-12, -1e-8, 0.5, -0.999, 1.0, -1.0, np.nan]
    for dt in (np.float64, np.float32):
        x = tn.asarray(np.array(vals, dtype=dt))
        _compare(name, getattr(E, name), [x], np.dtype(dt), kernels_used)


def test_logaddexp_hypot_edges(kernels_used):
    a = tn.asarray([np.inf, -np.inf, -np.inf, 1e308, 0.0, 3.0, np.nan, 1e-300])
    b = tn.asarray([np.inf, -np.inf, 5.0, 1e308, 0.0, -4.0, 1.0, 1e-300])
    for name in ("logaddexp", "hypot", "copysign"):
        _compare(name, getattr(E, name), [a, b], np.dtype(np.float64), kernels_used)


REDUCE = [r for r in OPS.values() if not r.primitive and r.shape == "reduce"]
AXES = [None, 1, (0, 2), ()]


def _reduce_fn(name, axis, keepdims, extra):
    if name == "vector_norm":
        return lambda x: tn.linalg.vector_norm(x, axis=axis, keepdims=keepdims, **extra)
    return lambda x: getattr(tn, name)(x, axis=axis, keepdims=keepdims, **extra)


@pytest.mark.parametrize("row,dtype", [pytest.param(r, d, id=f"{r.name}-{d}")
                                       for r in REDUCE for d in _names(r.accepts)])
def test_reduction_decomposition_matches_kernels(row, dtype, kernels_used):
    """Every composite reduction x dtype x axis x keepdims (and its parameters)."""
    extras = {"var": [{}, {"ddof": 1}], "std": [{}, {"ddof": 1}],
              "vector_norm": [{}, {"ord": 1}, {"ord": np.inf}, {"ord": -np.inf}, {"ord": 0},
                              {"ord": 3}]}.get(row.name, [{}])
    base = sample(dtype, (2, 3, 4), "real", np.random.default_rng(5))
    for x in (tn.asarray(base), tn.asarray(base).mT, tn.asarray(base[:, :0])):
        for axis in AXES:
            for keepdims in (False, True):
                for extra in extras:
                    fn = _reduce_fn(row.name, axis, keepdims, extra)
                    _compare(row.name, fn, [x], NP_DTYPES[dtype], kernels_used)


def _run(name, inputs, params):
    """Op ``name`` through the dispatcher, as trueno-nn calls it (layer_norm's weight and bias
    are inputs for autograd and raw arrays in the parameters for the kernels)."""
    x = inputs[0]
    datas = (x._data,) if name == "layer_norm" else tuple(
        None if t is None else t._data for t in inputs)
    return X.run(OPS[name], tuple(inputs), datas, params, x.__class__, x._device, x._dtype)


FLOATS = ["float16", "bfloat16", "float32", "float64"]


def _custom_cases(dtype, rng):
    v = lambda *s: tn.asarray(sample(dtype, s, "real", rng))  # noqa: E731
    x, w, b = v(4, 6), v(6), v(6)
    return {
        "softmax": [(lambda t: _run("softmax", [t], {"axis": 1}), [x]),
                    (lambda t: _run("softmax", [t], {"axis": 0}), [v(5, 3)])],
        "log_softmax": [(lambda t: _run("log_softmax", [t], {"axis": 1}), [x]),
                        (lambda t: _run("log_softmax", [t], {"axis": 0}), [v(5, 3)])],
        "layer_norm": [
            (lambda t: _run("layer_norm", [t], {"normalized_ndim": 1, "weight": None,
                                                "bias": None, "eps": 1e-5}), [x]),
            (lambda t: _run("layer_norm", [t], {"normalized_ndim": 2, "weight": None,
                                                "bias": None, "eps": 1e-3}), [v(2, 3, 4)]),
            (lambda t, w, b: _run("layer_norm", [t, w, b], {
                "normalized_ndim": 1, "weight": w._data, "bias": b._data, "eps": 1e-5}),
             [x, w, b])],
        "layer_norm_backward": [
            (lambda t, g: _run("layer_norm_backward", [t, g, None], {
                "normalized_ndim": 1, "eps": 1e-5}), [x, v(4, 6)]),
            (lambda t, g, w: _run("layer_norm_backward", [t, g, w], {
                "normalized_ndim": 2, "eps": 1e-3}), [v(2, 3, 4), v(2, 3, 4), v(3, 4)]),
            (lambda t, g, w: _run("layer_norm_backward", [t.mT, g, w], {
                "normalized_ndim": 1, "eps": 1e-5}), [v(6, 4), x, w])],
        "addcmul": [(lambda a, c, d: _run("addcmul", [a, c, d], {"value": 0.5}),
                     [x, v(4, 6), v(4, 6)])],
        "gelu": [(lambda t: X.unary(OPS["gelu"], t, approximate="tanh"), [x])],
        "clip": [(lambda t: tn.clip(t, -1, 2), [x]), (lambda t: tn.clip(t, None, 0.5), [x]),
                 (lambda t, lo: tn.clip(t, lo, None), [x, w])],
        "conv2d": [(lambda a, k: _conv2d(a, k), [v(2, 3, 7, 8), v(4, 3, 3, 3)]),
                   (lambda a, k, b: _conv2d(a, k, b, stride=(2, 1), padding=(1, 2),
                                            dilation=(1, 2)), [v(2, 3, 9, 8), v(4, 3, 3, 2), v(4)]),
                   (lambda a, k: _conv2d(a, k, groups=2, padding=(1, 1)),
                    [v(1, 4, 6, 6), v(6, 2, 3, 3)])],
    }


def _conv2d(x, w, b=None, **params):
    """conv2d through the dispatcher (NCHW, OIHW), as trueno-nn calls it."""
    p = {"stride": (1, 1), "padding": (0, 0), "dilation": (1, 1), "groups": 1, **params}
    if b is not None:
        p["bias"] = b._data
    return X.run(OPS["conv2d"], (x, w), (x._data, w._data), p, x.__class__, x._device,
                 x._dtype)


# conv2d's reference kernel (np.einsum) has no bfloat16 loop; its decomposition has.
CUSTOM = [(n, d) for n in ("softmax", "log_softmax", "layer_norm", "layer_norm_backward",
                           "addcmul", "gelu", "clip", "conv2d")
          for d in FLOATS if (n, d) != ("conv2d", "bfloat16")]


@pytest.mark.parametrize("name,dtype", CUSTOM, ids=[f"{n}-{d}" for n, d in CUSTOM])
def test_composite_decomposition_matches_kernels(name, dtype, kernels_used):
    """softmax, log_softmax, layer_norm (with and without weight and bias) and its backward,
    addcmul, the tanh approximation of gelu, clip and conv2d (padding, stride, dilation,
    groups, bias): decomposition vs the reference and fused kernels."""
    tol = {"float32": (1e-4, 1e-5)}.get(dtype)  # fused float32 kernels reassociate sums
    for fn, args in _custom_cases(dtype, np.random.default_rng(3))[name]:
        _compare(name, fn, args, NP_DTYPES[dtype], kernels_used, tol)


UFUNC_ROWS = sorted(n for n, r in OPS.items() if r.decomposition is not None and
                    r.decomposition.__module__ == "trueno._decompositions_ufuncs")


@pytest.mark.parametrize("name", UFUNC_ROWS)
def test_numpy_function_decomposition_matches_kernels(name, kernels_used):
    """The NumPy-function rows (exp2, fmax, heaviside, sinc, ...) per dtype, with an array or
    a Python scalar as second operand: NumPy's result dtype, values, and the TypeError where
    NumPy has no loop."""
    nin = OPS[name].nin
    fn = getattr(tn, name)
    for dtype in DTYPE_NAMES:
        rng = np.random.default_rng(sum(map(ord, name + dtype)))
        x = tn.asarray(sample(dtype, (3, 4), "small", rng))
        if name == "ldexp":
            cases = [[x, tn.asarray(rng.integers(-20, 20, (3, 4)).astype(np.int32))], [x, -3]]
        elif nin == 2:
            cases = [[x, tn.asarray(sample(dtype, (4,), "small", rng))], [x, 0.5],
                     [x, np.float64(0.5)]]  # a NumPy scalar is a (strong) 0-d array
        else:
            cases = [[x], [x.T[::-1]]]
        for args in cases:
            _compare(name, fn, args, NP_DTYPES[dtype], kernels_used)


# --- gradients ---------------------------------------------------------------------------

def _leaf(a):
    return tn.asarray(np.asarray(a, dtype=np.float64)).requires_grad_()


def _grad_cases():
    rng = np.random.default_rng(11)
    u = lambda dom="real", shape=(3, 4): sample("float64", shape, dom, rng)  # noqa: E731
    out = {}
    for r in ELEMENTWISE:
        if r.differentiable:
            doms = r.domains
            args = [u(d) for d in doms]
            out[r.name] = (lambda *t, f=getattr(E, r.name): f(*t), args)
    for name in ("mean", "var", "std", "logsumexp", "vector_norm"):
        out[name] = (_reduce_fn(name, 1, False, {}), [u()])
    out["softmax"] = (lambda t: _run("softmax", [t], {"axis": 1}), [u()])
    out["log_softmax"] = (lambda t: _run("log_softmax", [t], {"axis": 0}), [u()])
    out["layer_norm"] = (lambda t, w, b: _run("layer_norm", [t, w, b], {
        "normalized_ndim": 1, "weight": w._data, "bias": b._data, "eps": 1e-5}),
        [u(), u(shape=(4,)), u(shape=(4,))])
    out["addcmul"] = (lambda a, c, d: _run("addcmul", [a, c, d], {"value": 0.5}),
                      [u(), u(), u()])
    out["clip"] = (lambda t: tn.clip(t, -1.0, 1.5), [u()])
    out["median"] = (lambda t: tn.median(t, axis=1), [u()])
    out["nanvar"] = (lambda t: tn.nanvar(t, axis=0, ddof=1), [u()])
    out["conv2d"] = (lambda a, k: _conv2d(a, k, stride=(2, 1), padding=(1, 1)),
                     [u(shape=(1, 2, 5, 4)), u(shape=(3, 2, 2, 3))])
    out["gelu_tanh"] = (lambda t: X.unary(OPS["gelu"], t, approximate="tanh"), [u()])
    return out


GRAD_CASES = _grad_cases()


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradient_through_decomposition_matches_rule(name, kernels_used):
    """Autograd through the decomposition (primitives-only) gives the hand-written rule's
    gradient, and passes gradcheck (finite differences) in float64."""
    fn, arrays = GRAD_CASES[name]
    leaves = [_leaf(a) for a in arrays]
    weights = tn.asarray(np.random.default_rng(2).uniform(0.5, 1.5, np.shape(fn(*leaves))))

    def loss(*ts):
        return (fn(*ts) * weights).sum()
    want = [g.numpy() for g in tn.autograd.grad(loss(*leaves), leaves, allow_unused=True,
                                                 materialize_grads=True)]
    kernels_used.clear()
    with primitives_only():
        got = tn.autograd.grad(loss(*leaves), leaves, allow_unused=True)
        assert tn.autograd.gradcheck(fn, tuple(leaves))
    assert not sorted(kernels_used - PRIMITIVES - set(NO_DECOMPOSITION_YET))
    for g, w in zip(got, want):
        g = np.zeros_like(w) if g is None else g.numpy()  # copysign: no path to the sign
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-12, err_msg=name)
