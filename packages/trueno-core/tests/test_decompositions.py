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
import warnings
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
from trueno._registry import load_plugins, primitives_only, use_backend

from trueno_core_helpers import (
    DTYPE_NAMES, NP_DTYPES, assert_close, builtin_base, make_inputs, sample,
)

REG = load_plugins()
DESIGN = Path(__file__).resolve().parents[3] / "docs" / "design.md"

# Rows that are not primitives and have no decomposition yet: a device without their kernels
# raises DeviceError for them. Shrink this list; a row that gains a decomposition (or leaves
# the table) must be removed from it (test_every_composite_row_has_a_decomposition).
_LINALG = "dense linear algebra (LAPACK-style factorizations): kernels only, for now"
_FFT = "FFTs: kernels only, for now"
_NUMPY = "a NumPy function row (_ufuncs_ext / _surface_ops): decomposition still to write"
NO_DECOMPOSITION_YET = {
    **{n: _LINALG for n in ("linalg_cholesky", "linalg_det", "linalg_eig", "linalg_eigh",
                            "linalg_eigvals", "linalg_inv", "linalg_lstsq",
                            "linalg_matrix_rank", "linalg_pinv", "linalg_qr", "linalg_slogdet",
                            "linalg_solve", "linalg_svd")},
    **{n: _FFT for n in ("fft_fftn", "fft_hfft", "fft_ifftn", "fft_ihfft", "fft_irfftn",
                         "fft_rfftn")},
    **{n: _NUMPY for n in (
        "i0",)},
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
    used: set[str] = set()
    real = R.resolve_kernel

    def spy(op, device, dtype):
        k = real(op, device, dtype)
        if k is not None:
            used.add(op.name)
        return k
    monkeypatch.setattr(R, "resolve_kernel", spy)
    return used


def _prims_only_result(fn, args, used):
    used.clear()
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with primitives_only():
            got = fn(*args)
    leaked = sorted(used - PRIMITIVES - set(NO_DECOMPOSITION_YET))
    assert not leaked, f"kernels of composite rows ran in primitives-only mode: {leaked}"
    return got


def _host(r):
    if isinstance(r, tuple):
        return tuple(_host(x) for x in r)
    return r.numpy() if isinstance(r, tn.Tensor) else r


def _backends_for(name):
    """The reference backend and every CPU backend with a (fused) kernel of its own."""
    return ["reference"] + [b.name for b in REG.backends.values()
                            if b.name != "reference" and "cpu" in b.devices and name in b.kernels]


def _compare(name, fn, args, dtype, used, tol=None):
    """The primitives-only result of ``fn(*args)`` against each backend's kernel (where the
    reference kernel raises, the decomposition raises the same built-in exception type)."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings(), use_backend("reference"):
            warnings.simplefilter("ignore", RuntimeWarning)
            fn(*args)
    except Exception as exc:
        with pytest.raises(builtin_base(type(exc))):
            _prims_only_result(fn, args, used)
        return
    got = _prims_only_result(fn, args, used)
    for backend in _backends_for(name):
        with np.errstate(all="ignore"), warnings.catch_warnings(), use_backend(backend):
            warnings.simplefilter("ignore", RuntimeWarning)
            want = _host(fn(*args))
        rtol, atol = tol if tol is not None else (None, None)
        for g, w in zip(got if isinstance(got, tuple) else (got,),
                        want if isinstance(want, tuple) else (want,)):
            assert_close(g, w, dtype, rtol=rtol, atol=atol,
                         msg=f"{name} ({dtype}) decomposition vs {backend}'s kernel")


def _names(dtypes):
    return [n for n in DTYPE_NAMES if getattr(tn, n if n != "bool" else "bool_") in dtypes]


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


def _domains(row):
    return ("real", "nonzero") if row.domain == "nonzero" else (row.domain,) * row.nin


@pytest.mark.parametrize("row,dtype", [pytest.param(r, d, id=f"{r.name}-{d}")
                                       for r in ELEMENTWISE for d in _names(r.accepts)])
def test_elementwise_decomposition_matches_kernels(row, dtype, kernels_used):
    """Every composite elementwise row x every dtype it accepts: its decomposition (run on
    primitive kernels only) equals the reference kernel and every fused kernel."""
    fn = getattr(E, row.name)
    for layout in UNARY_LAYOUTS if row.nin == 1 else BINARY_LAYOUTS:
        rng = np.random.default_rng(sum(map(ord, row.name + dtype + layout)))
        tins, _ = make_inputs(layout, [dtype] * row.nin, _domains(row), rng)
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
    datas = (x._data,) if name == "layer_norm" else tuple(t._data for t in inputs)
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
CUSTOM = [(n, d) for n in ("softmax", "log_softmax", "layer_norm", "addcmul", "gelu", "clip",
                           "conv2d") for d in FLOATS if (n, d) != ("conv2d", "bfloat16")]


@pytest.mark.parametrize("name,dtype", CUSTOM, ids=[f"{n}-{d}" for n, d in CUSTOM])
def test_composite_decomposition_matches_kernels(name, dtype, kernels_used):
    """softmax, log_softmax, layer_norm (with and without weight and bias), addcmul, the tanh
    approximation of gelu, clip and conv2d (padding, stride, dilation, groups, bias):
    decomposition vs the reference and fused kernels."""
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


def test_integer_function_edges(kernels_used):
    """fmod (signs, zero divisors, infinities), gcd/lcm (Euclid over many steps, zeros,
    negatives, the minimum), bitwise_count (the minimum of each signed dtype)."""
    i = tn.asarray(np.array([7, -7, 7, -7, 0, 5, 144, -233, 0], dtype=np.int32))
    j = tn.asarray(np.array([3, 3, -3, -3, 4, 0, 89, 377, 0], dtype=np.int32))
    f = tn.asarray(np.array([5.5, -5.5, 5.5, -5.5, 1.0, np.inf, -2.0, 0.0, np.nan]))
    g = tn.asarray(np.array([2.0, 2.0, -2.0, -2.0, np.inf, 2.0, np.inf, 3.0, 1.0]))
    for name, args, dt in (("fmod", [i, j], np.int32), ("fmod", [f, g], np.float64),
                           ("fmod", [f, -2.0], np.float64), ("fmod", [i, 3], np.int32),
                           ("fmod", [i, 0], np.int32), ("gcd", [i, j], np.int32),
                           ("lcm", [i, j], np.int32), ("gcd", [i, 12], np.int32)):
        _compare(name, getattr(tn, name), args, np.dtype(dt), kernels_used)
    for dt in (np.int8, np.int64, np.uint16, np.bool_):
        info = np.iinfo(dt) if dt is not np.bool_ else None
        vals = [0, 1, 3] + ([info.min, info.max, -1] if info is not None and info.min else
                            [info.max] if info is not None else [])
        x = tn.asarray(np.array(vals).astype(dt))
        _compare("bitwise_count", tn.bitwise_count, [x], np.dtype(np.uint8), kernels_used)


@pytest.mark.parametrize("name", ["convolve", "correlate"])
@pytest.mark.parametrize("dtype", ["bool", "int32", "float32", "float64", "complex128"])
def test_convolutions_decomposition_matches_kernels(name, dtype, kernels_used):
    """Every mode, the longer input first or second, length-1 inputs."""
    rng = np.random.default_rng(6)
    for n, m in ((6, 3), (3, 5), (4, 4), (1, 3), (5, 1)):
        a, v = (tn.asarray(sample(dtype, (k,), "real", rng)) for k in (n, m))
        for mode in ("full", "same", "valid"):
            _compare(name, lambda x, y, mode=mode: getattr(tn, name)(x, y, mode), [a, v],
                     NP_DTYPES[dtype], kernels_used)


@pytest.mark.parametrize("dtype", ["int32", "float32", "float64", "complex128"])
def test_covariance_decomposition_matches_kernels(dtype, kernels_used):
    """cov (rowvar, bias, ddof, frequency and analytic weights, a second variable set, a
    1-D input, one observation) and corrcoef, vs the reference kernel."""
    rng = np.random.default_rng(9)
    m = tn.asarray(sample(dtype, (3, 5), "real", rng))
    y = tn.asarray(sample(dtype, (2, 5), "real", rng))
    fw, aw = np.array([1, 2, 1, 3, 1]), rng.uniform(0.5, 2.0, 5)
    for kw in ({}, {"rowvar": False}, {"bias": True}, {"ddof": 2}, {"fweights": fw},
               {"aweights": aw}, {"fweights": fw, "aweights": aw, "ddof": 1}):
        _compare("cov", lambda t, kw=kw: tn.cov(t, **kw), [m], NP_DTYPES[dtype], kernels_used)
    _compare("cov", lambda t, u: tn.cov(t, u), [m, y], NP_DTYPES[dtype], kernels_used)
    _compare("cov", lambda t: tn.cov(t), [m[0]], NP_DTYPES[dtype], kernels_used)
    for args in ([m], [m[:, :1]], [m, y]):
        _compare("corrcoef", lambda *t: tn.corrcoef(*t), args, NP_DTYPES[dtype], kernels_used)


@pytest.mark.parametrize("dtype", ["int32", "float16", "float32", "float64", "complex128"])
def test_gradient_decomposition_matches_kernels(dtype, kernels_used):
    """gradient: default, scalar and coordinate spacing (uniform and not), one axis or
    several, edge_order 1 and 2, a 1-D input."""
    rng = np.random.default_rng(10)
    f = tn.asarray(sample(dtype, (4, 5), "real", rng))
    coords = np.cumsum(rng.uniform(0.5, 2.0, 5))
    for args, kw in (((), {}), ((0.5,), {}), ((), {"axis": 1}), ((coords,), {"axis": 1}),
                     ((2.0, coords), {}), ((), {"edge_order": 2}),
                     ((coords,), {"axis": 1, "edge_order": 2}), ((), {"axis": (1, 0)})):
        _compare("gradient", lambda t, a=args, k=kw: tuple(tn.gradient(t, *a, **k))
                 if isinstance(tn.gradient(t, *a, **k), (list, tuple))
                 else tn.gradient(t, *a, **k), [f], NP_DTYPES[dtype], kernels_used)
    _compare("gradient", lambda t: tn.gradient(t), [f[0]], NP_DTYPES[dtype], kernels_used)


def test_frexp_and_interp_edges(kernels_used):
    """frexp exactly (powers of two, subnormals, the largest float, 0, inf, nan) per float
    dtype; interp inside, outside (left/right), at the knots, on repeated knots, with a
    period, complex values, a 0-d x and a single knot."""
    vals = [0.0, -0.0, 1.0, 8.0, -8.0, 0.75, 3.0, 1e-300, 5e-324, 2.2250738585072014e-308,
            1.7976931348623157e308, np.inf, -np.inf, np.nan, -1e-5, 0.1]
    for dt in (np.float64, np.float32, np.float16):
        with np.errstate(over="ignore", under="ignore"):  # 1.8e308 is inf in float32
            x = tn.asarray(np.array(vals).astype(dt))
        _compare("frexp", lambda t: tuple(tn.frexp(t)), [x], np.dtype(dt), kernels_used)
    rng = np.random.default_rng(12)
    xp = np.sort(rng.uniform(-3, 3, 6))
    fp = rng.normal(size=6)
    x = tn.asarray(np.concatenate([rng.uniform(-4, 4, 20), xp, [np.nan, np.inf, -np.inf]]))
    txp, tfp = tn.asarray(xp), tn.asarray(fp)
    f64 = np.dtype(np.float64)
    for args, kw in (([x, txp, tfp], {}), ([x, txp, tfp], {"left": -9.0, "right": 9.0}),
                     ([x, txp, tfp], {"period": 2.5}), ([x, txp[:1], tfp[:1]], {}),
                     ([x, tn.asarray([0.0, 1.0, 1.0, 2.0]), tn.asarray([0.0, 1.0, 3.0, 4.0])],
                      {}),
                     ([x[0], txp, tfp], {}),
                     ([x, txp, tn.asarray(fp + 1j * rng.normal(size=6))], {"left": 1 + 2j})):
        _compare("interp", lambda *t, kw=kw: tn.interp(*t, **kw), args, f64, kernels_used)


PAD_CASES = [((1, 2), "constant", {}),
             (((1, 0), (2, 3)), "constant", {"constant_values": ((1, 2), (3, 4))}),
             ((1, 2), "constant", {"constant_values": 2.7}), (2, "edge", {}),
             ((3, 2), "reflect", {}), ((5, 6), "reflect", {}),
             ((3, 2), "reflect", {"reflect_type": "odd"}), ((3, 2), "symmetric", {}),
             ((6, 5), "symmetric", {"reflect_type": "odd"}), ((3, 7), "wrap", {}),
             ((2, 3), "linear_ramp", {"end_values": (5, -2)}), ((4, 3), "linear_ramp", {}),
             ((2, 1), "maximum", {}), ((2, 1), "minimum", {"stat_length": 2}),
             ((2, 1), "mean", {"stat_length": ((1, 2), (3, 1))}), ((2, 1), "median", {})]


@pytest.mark.parametrize("dtype", ["int32", "float32", "float64", "complex128"])
def test_pad_decomposition_matches_kernels(dtype, kernels_used):
    """pad: every mode NumPy has (multi-period and odd reflections, ramps floored for
    integers, statistics over stat_length), a NaN in the data."""
    x = sample(dtype, (3, 4), "real", np.random.default_rng(13))
    if dtype[0] in "fc":
        x[1, 2] = np.nan
    for pw, mode, kw in PAD_CASES:
        if dtype == "complex128" and mode in ("maximum", "minimum", "median"):
            continue  # NumPy orders complex values; trueno's max/min rows take real ones
        _compare("pad", lambda t, pw=pw, mode=mode, kw=kw: tn.pad(t, pw, mode=mode, **kw),
                 [tn.asarray(x)], NP_DTYPES[dtype], kernels_used)


METHODS = ["inverted_cdf", "averaged_inverted_cdf", "closest_observation",
           "interpolated_inverted_cdf", "hazen", "weibull", "linear", "median_unbiased",
           "normal_unbiased", "lower", "higher", "midpoint", "nearest"]


@pytest.mark.parametrize("dtype", ["int32", "float16", "float32", "float64"])
def test_quantile_decomposition_matches_kernels(dtype, kernels_used):
    """quantile and nanquantile for every method, q scalar or n-d, axis None/int/tuple,
    keepdims; NaN slices; weighted inverted_cdf; percentile."""
    rng = np.random.default_rng(14)
    x = sample(dtype, (3, 7), "real", rng)
    xn = x.astype(np.float64) if dtype[0] != "f" else x.copy()
    xn[1, 2] = xn[2, :] = np.nan
    t, tnan = tn.asarray(x), tn.asarray(xn)
    dt = NP_DTYPES[dtype]
    for method in METHODS:
        for q, kw in ((0.3, {}), (np.array([0.1, 0.5, 0.9]), {"axis": 1}),
                      (np.array([[0.0, 1.0], [0.25, 0.75]]), {"axis": 0, "keepdims": True}),
                      (0.5, {"axis": (0, 1)})):
            _compare("quantile", lambda a, q=q, m=method, kw=kw: tn.quantile(a, q, method=m,
                                                                            **kw),
                     [t], dt, kernels_used)
        _compare("nanquantile", lambda a, m=method: tn.nanquantile(a, [0.1, 0.9], axis=1,
                                                                    method=m),
                 [tnan], dt if dtype[0] == "f" else np.dtype(np.float64), kernels_used)
    w = rng.uniform(0.5, 2.0, 7)
    _compare("quantile", lambda a: tn.quantile(a, [0.0, 0.3, 1.0], axis=1,
                                               method="inverted_cdf", weights=w), [t], dt,
             kernels_used)
    _compare("quantile", lambda a: tn.percentile(a, 50, axis=1), [t], dt, kernels_used)


def _surface_cases(dtype, rng):
    x = tn.asarray(sample(dtype, (4, 6), "real", rng))
    nan = sample(dtype, (4, 6), "real", rng)
    if nan.dtype.kind in "fc":
        nan[1, 2] = nan[3, 0] = np.nan
    ties = tn.asarray(np.array([[3, 1, 3, 2, 1, 3]] * 2).astype(NP_DTYPES[dtype]))
    out = {
        "nancumsum": [(lambda t: tn.nancumsum(t, axis=1), [tn.asarray(nan)]),
                      (lambda t: tn.nancumsum(t), [tn.asarray(nan)])],
        "nancumprod": [(lambda t: tn.nancumprod(t, axis=0), [tn.asarray(nan)])],
        "around": [(lambda t: tn.around(t, 1), [x]), (lambda t: tn.around(t), [x]),
                   (lambda t: tn.around(t, -1), [x * 7 if dtype != "bool" else x])],
    }
    out["nanvar"] = [(lambda t: tn.nanvar(t, axis=1), [tn.asarray(nan)]),
                     (lambda t: tn.nanvar(t, ddof=1, keepdims=True), [tn.asarray(nan)])]
    out["nanstd"] = [(lambda t: tn.nanstd(t, axis=0, ddof=3), [tn.asarray(nan)]),
                     (lambda t: tn.nanstd(t), [tn.asarray(nan)])]
    wts = tn.asarray(rng.uniform(0.5, 2.0, (6,)))
    out["average"] = [(lambda t: tn.average(t, axis=1, returned=True), [x]),
                      (lambda t: tn.average(t, returned=True), [x]),
                      (lambda t, w: tn.average(t, axis=1, weights=w, returned=True), [x, wts]),
                      (lambda t, w: tn.average(t, axis=(0, 1), weights=w, returned=True,
                                               keepdims=True), [x, tn.broadcast_to(wts, (4, 6))])]
    for n in ("median", "nanmedian"):
        t = tn.asarray(nan) if n == "nanmedian" else x
        out[n] = [(lambda t, n=n: getattr(tn, n)(t, axis=1), [t]),
                  (lambda t, n=n: getattr(tn, n)(t), [t]),
                  (lambda t, n=n: getattr(tn, n)(t, axis=(0, 1), keepdims=True), [t]),
                  (lambda t, n=n: getattr(tn, n)(t, axis=0), [t[:, :3]]),
                  (lambda t, n=n: getattr(tn, n)(t, axis=0), [tn.asarray(nan)])]
    for n in ("nanargmax", "nanargmin"):
        out[n] = [(lambda t, n=n: getattr(tn, n)(t, axis=1), [tn.asarray(nan)]),
                  (lambda t, n=n: getattr(tn, n)(t), [tn.asarray(nan)]),
                  (lambda t, n=n: getattr(tn, n)(t, axis=0, keepdims=True), [ties])]
    tests = tn.asarray(sample(dtype, (5,), "real", rng))
    out["isin"] = [(lambda e, t: tn.isin(e, t), [x, tests]),
                   (lambda e, t: tn.isin(e, t, invert=True), [x, tests]),
                   (lambda e, t: tn.isin(e, t), [x, x[:2]]),
                   (lambda e, t: tn.isin(e, t), [x[0, 0], x[:0]])]
    if dtype[0] not in "bc":
        out["topk"] = [(lambda t: tuple(tn.topk(t, 3, axis=1)), [x]),
                       (lambda t: tuple(tn.topk(t, 2, axis=0, largest=False)), [x]),
                       (lambda t: tuple(tn.topk(t, 4)), [ties])]
    return out


SURFACE = [(n, d) for n in ("nancumsum", "nancumprod", "around", "topk", "nanvar", "nanstd",
                            "average", "isin", "median", "nanmedian", "nanargmax",
                            "nanargmin")
           for d in ("bool", "int8", "int64", "uint16", "float16", "bfloat16", "float32",
                     "float64", "complex128")]


@pytest.mark.parametrize("name,dtype", SURFACE, ids=[f"{n}-{d}" for n, d in SURFACE])
def test_surface_decomposition_matches_kernels(name, dtype, kernels_used):
    """topk (ties in order), the nan-scans and around (negative decimals: ties to even on
    integers) from sort/argsort, cumsum/cumprod, round and arithmetic."""
    cases = _surface_cases(dtype, np.random.default_rng(8)).get(name, [])
    for fn, args in cases:
        _compare(name, fn, args, NP_DTYPES[dtype], kernels_used)


def test_around_integer_ties_to_even(kernels_used):
    x = tn.asarray(np.array([-25, -15, -5, 5, 15, 25, 35, 44, 46, 0], dtype=np.int64))
    _compare("around", lambda t: tn.around(t, -1), [x], np.dtype(np.int64), kernels_used)


@pytest.mark.parametrize("name", ["partition", "argpartition"])
def test_partition_decomposition_is_a_partition(name, kernels_used):
    """A sorted order is a valid partition for every kth (NumPy leaves the sides' order
    unspecified, so this is compared by property)."""
    x = sample("float64", (3, 7), "real", np.random.default_rng(4))
    got = _host(_prims_only_result(lambda t: getattr(tn, name)(t, 2, axis=-1),
                                   [tn.asarray(x)], kernels_used))
    vals = np.take_along_axis(x, got, -1) if name == "argpartition" else got
    np.testing.assert_array_equal(vals, np.sort(x, axis=-1))


# --- gradients ---------------------------------------------------------------------------

def _leaf(a):
    return tn.asarray(np.asarray(a, dtype=np.float64)).requires_grad_()


def _grad_cases():
    rng = np.random.default_rng(11)
    u = lambda dom="real", shape=(3, 4): sample("float64", shape, dom, rng)  # noqa: E731
    out = {}
    for r in ELEMENTWISE:
        if r.differentiable:
            doms = _domains(r)
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
