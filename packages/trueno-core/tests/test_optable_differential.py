"""Differential tests generated from the op table (``trueno.OPS``): every op vs NumPy.

Each elementwise row runs for every dtype it accepts and every layout (contiguous, 0-d, empty,
broadcast pairs, transposed, negative stride, sliced with a step); reductions for every axis
spelling; matmul and its relatives for batch broadcasting and 1-D operands. Ops without a NumPy
twin are compared with a formula written here. Where NumPy raises, trueno must raise the same
built-in exception type. A completeness test fails when a row is not exercised.
"""

# ruff: noqa: B023  (Cases.run calls each lambda at once, inside its loop iteration)
from __future__ import annotations

import importlib
import math
import warnings

import ml_dtypes
import numpy as np
import pytest

import trueno as tn
from trueno import _dispatch as X
from trueno import _elementwise as E
from trueno._optable import OPS, REDUCTIONS
from trueno._registry import load_plugins

from trueno_core_helpers import (
    BINARY_LAYOUTS, DTYPE_NAMES, NP_DTYPES, UNARY_LAYOUTS, assert_close, builtin_base,
    dtype_name, make_inputs, plugin_row, sample,
)

BF16 = np.dtype(ml_dtypes.bfloat16)
# Rows are read after ``import trueno``, so rows that surface modules add are included.
ELEMENTWISE_UNARY = tuple(r for r in OPS.values() if r.shape == "broadcast" and r.nin == 1)
ELEMENTWISE_BINARY = tuple(r for r in OPS.values() if r.shape == "broadcast" and r.nin == 2)
GENERATORS: dict = {}  # test name -> (test function, rows named by @generates)


def generates(*rows: str):
    """Mark a test as a generated test of op-table rows: the rows named here plus every row
    (an ``Op`` or a row name) in its parametrizations. The completeness test reads these, so
    a row no generator covers, and that ``NOT_GENERATED`` does not list with a reason, fails.
    Put it above the parametrize marks."""
    def mark(fn):
        GENERATORS[fn.__name__] = (fn, set(rows))
        return fn
    return mark


def _rows_of(fn, named) -> set[str]:
    """The rows a generator test runs: ``named`` and the rows among its parameter values."""
    rows = set(named)
    for mark in getattr(fn, "pytestmark", []):
        if mark.name != "parametrize":
            continue
        for value in mark.args[1]:
            values = value.values if hasattr(value, "values") and not isinstance(
                value, (dict, str)) else (value if isinstance(value, tuple) else (value,))
            for v in values:
                if isinstance(v, tn.Op):
                    rows.add(v.name)
                elif isinstance(v, str) and v in OPS:
                    rows.add(v)
    return rows


def _names(dtypes) -> list[str]:
    return [n for n in DTYPE_NAMES if getattr(tn, n if n != "bool" else "bool_") in dtypes]


def backend_tolerance(backend: str, op: str, dtype: str):
    """A tolerance the backend widened in its registration (``tolerances={op: (rtol, atol)}``
    or ``{op: {dtype: (rtol, atol)}}``), or None for the default of ``assert_close``."""
    tol = load_plugins().backends[backend].tolerances.get(op)
    if isinstance(tol, dict):
        tol = tol.get(dtype)
    return tol


def check(op_name, backend, tn_call, np_call, *, dtype=None, msg="", scalars=False):
    """Run ``np_call``; if NumPy raises, trueno must raise the same built-in exception type,
    else its result must match NumPy's (dtype, shape, values; with ``scalars``, a NumPy scalar
    where NumPy gives one)."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "Mean of empty slice" and friends
        try:
            expected = np_call()
        except Exception as exc:  # NumPy's verdict is the oracle
            with pytest.raises(builtin_base(type(exc))):
                tn_call()
            return
        got = tn_call()
    tol = backend_tolerance(backend, op_name, dtype_name(dtype)) if dtype is not None else None
    if isinstance(expected, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected), msg
        for g, e in zip(got, expected):
            assert_close(g, e, dtype, msg=msg)
        return
    rtol, atol = tol if tol is not None else (None, None)
    assert_close(got, expected, dtype, rtol=rtol, atol=atol, msg=msg, scalars=scalars)


class Cases:
    """Runs many checks in one test and reports every failing one (layout, axis, ...)."""

    def __init__(self) -> None:
        self.failures: list[str] = []
        self.count = 0

    def run(self, label: str, fn) -> None:
        self.count += 1
        try:
            fn()
        except (AssertionError, pytest.fail.Exception) as exc:
            self.failures.append(f"{label}: {str(exc).strip().splitlines()[0]}")
        except Exception as exc:  # trueno raised where NumPy did not
            self.failures.append(f"{label}: raised {type(exc).__name__}: {exc}")

    def finish(self) -> None:
        assert self.count, "no cases ran"
        assert not self.failures, f"{len(self.failures)} of {self.count} cases differ " \
            f"from NumPy:\n  " + "\n  ".join(self.failures)


# --- NumPy references ------------------------------------------------------------------------

def _float_rule(np_dtype) -> np.dtype:
    """The dtype NumPy gives a float ufunc (np.sin) on this input dtype."""
    if np_dtype == BF16:
        return BF16
    return np.sin(np.zeros(0, np_dtype)).dtype


_erf = np.vectorize(math.erf, otypes=[np.float64])


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


FORMULAS = {
    "sigmoid": _sigmoid,
    "erf": _erf,
    "gelu": lambda x: 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0))),
    "silu": lambda x: x * _sigmoid(x),
    "relu": lambda x: np.maximum(x, 0.0),
}


def numpy_ref(row):
    """The NumPy function for ``row``: its twin, or its ``reference`` (or a formula here)
    computed in float64 and cast to NumPy's float result dtype for the input."""
    if row.numpy_name is not None:
        return getattr(np, row.numpy_name)
    if row.reference is not None:
        module, _, name = row.reference.partition(":")
        f = getattr(importlib.import_module(module), name)
    else:
        f = FORMULAS[row.name]

    def ref(*xs):
        out_dt = _float_rule(xs[0].dtype) if row.result == "float" else xs[0].dtype
        out = np.asarray(f(*[np.asarray(x, dtype=np.float64) for x in xs])).astype(out_dt)
        return out[()] if isinstance(f, np.ufunc) else out  # a ufunc's 0-d result: a scalar
    return ref


def _numpy_call(row, nins):
    """NumPy's result; bfloat16 inputs without a NumPy loop are computed in float32."""
    ref = numpy_ref(row)
    if any(x.dtype == BF16 for x in nins):
        try:
            return ref(*nins)
        except TypeError:
            out = ref(*[x.astype(np.float32) for x in nins])
            return out.astype(BF16) if out.dtype == np.float32 else out
    return ref(*nins)


# --- elementwise -----------------------------------------------------------------------------

# No case is expected to differ from NumPy: a deliberate difference is a row of docs/compat.md
# with a test of trueno's documented behaviour (test_compat.py), not a case here.
def _elementwise_cases():
    for row in ELEMENTWISE_UNARY + ELEMENTWISE_BINARY:
        for dt in _names(row.accepts):
            yield pytest.param(row, dt, id=f"{row.name}-{dt}")


@generates()
@pytest.mark.parametrize("row,dtype", list(_elementwise_cases()))
def test_elementwise(row, dtype, backend):
    """Every elementwise row x every dtype it accepts x every layout, vs NumPy."""
    domains = row.domains_for(dtype)  # the row's sample domain per input
    fn = getattr(tn, row.name)
    cases = Cases()
    for layout in (UNARY_LAYOUTS if row.nin == 1 else BINARY_LAYOUTS):
        rng = np.random.default_rng(sum(map(ord, row.name + dtype + layout)))
        tins, nins = make_inputs(layout, [dtype] * row.nin, domains, rng)
        cases.run(layout, lambda: check(
            row.name, backend, lambda: fn(*tins), lambda: _numpy_call(row, nins),
            dtype=NP_DTYPES[dtype], msg=f"{row.name}({dtype}, {layout})"))
    cases.finish()


@pytest.mark.parametrize("row", ELEMENTWISE_UNARY + ELEMENTWISE_BINARY, ids=str)
def test_elementwise_rejects_dtypes_outside_accepts(row, backend):
    """A dtype outside ``row.accepts`` raises a TypeError subclass with a hint, in core (the
    function made from the row; a surface function of the same name may widen it)."""
    fn = getattr(E, row.name)
    for dt in sorted(set(DTYPE_NAMES) - set(_names(row.accepts))):
        x = tn.asarray(sample(dt, (2,), "positive"))
        with pytest.raises(tn.DTypeError, match="hint"):
            fn(*[x] * row.nin)


PAIR_OPS = ["add", "multiply", "less", "maximum"]


def _supported_pair(a, b) -> bool:
    try:
        np.result_type(NP_DTYPES[a], NP_DTYPES[b])
        return True
    except TypeError:
        return False


@pytest.mark.parametrize("a,b", [(a, b) for a in DTYPE_NAMES for b in DTYPE_NAMES
                                 if _supported_pair(a, b)])
def test_elementwise_mixed_dtypes(a, b, backend):
    """Two arrays of different dtypes: promotion through the dispatcher equals NumPy's (for
    the pairs whose promoted dtype the row accepts; the others must raise DTypeError)."""
    rng = np.random.default_rng(7)
    x, y = sample(a, (3, 4), "small", rng), sample(b, (4,), "small", rng)
    promoted = tn.result_type(getattr(tn, a if a != "bool" else "bool_"),
                              getattr(tn, b if b != "bool" else "bool_"))
    cases = Cases()
    for name in PAIR_OPS:
        row, fn = OPS[name], getattr(tn, name)
        if promoted not in row.accepts:
            cases.run(name, lambda: pytest.raises(tn.DTypeError, fn, tn.asarray(x),
                                                  tn.asarray(y)))
            continue
        cases.run(name, lambda: check(
            name, backend, lambda: fn(tn.asarray(x), tn.asarray(y)),
            lambda: getattr(np, row.numpy_name)(x, y), dtype=np.result_type(x.dtype, y.dtype),
            msg=f"{name}({a}, {b})"))
    cases.finish()


# --- Python scalars (NEP 50) -----------------------------------------------------------------

SCALARS = [2, 2.5, True, 1.5 - 2j, -3]
SCALAR_OPS = ["add", "subtract", "multiply", "divide", "less", "maximum", "pow"]


def _numpy_has_nep50_rule(dt, s) -> bool:
    """ml_dtypes' bfloat16 has no weak-scalar rule for Python floats (bf16 + 2.5 is float32)."""
    if dt != "bfloat16":
        return True
    try:
        return (np.zeros(1, BF16) + s).dtype == np.result_type(BF16, np.float16) or \
            isinstance(s, (bool, int, complex))
    except TypeError:
        return False


def _scalar_cases():
    for dt in DTYPE_NAMES:
        for s in SCALARS:
            if _numpy_has_nep50_rule(dt, s):
                yield pytest.param(dt, s, id=f"{dt}-{s!r}")


def _accepted(op, dtype, scalar) -> bool:
    """Whether the row accepts the promoted dtype of ``dtype array op scalar``."""
    promoted = tn.result_type(getattr(tn, dtype if dtype != "bool" else "bool_"), scalar)
    return promoted in OPS[op].accepts


@pytest.mark.parametrize("dtype,scalar", list(_scalar_cases()))
def test_python_scalar_operand(dtype, scalar, backend):
    """``array op scalar`` and ``scalar op array``: NumPy 2's dtype (NEP 50) and values."""
    x = sample(dtype, (3, 4), "positive", np.random.default_rng(3))
    t = tn.asarray(x.copy())[::-1]
    xv = x[::-1]
    cases = Cases()
    for op in SCALAR_OPS:
        fn, nfn = getattr(tn, op), getattr(np, OPS[op].numpy_name)
        msg = f"{op}({dtype} array, {scalar!r})"
        if not _accepted(op, dtype, scalar):  # e.g. bool - True: the row says no
            cases.run(msg, lambda: pytest.raises(tn.DTypeError, fn, t, scalar))
            continue
        cases.run(msg, lambda: check(op, backend, lambda: fn(t, scalar), lambda: nfn(xv, scalar),
                                     dtype=NP_DTYPES[dtype], msg=msg))
        cases.run("reflected " + msg, lambda: check(
            op, backend, lambda: fn(scalar, t), lambda: nfn(scalar, xv),
            dtype=NP_DTYPES[dtype], msg="reflected " + msg))
    cases.finish()


OPERATORS = {("+", "add"): lambda a, b: a + b, ("-", "subtract"): lambda a, b: a - b,
             ("*", "multiply"): lambda a, b: a * b, ("/", "divide"): lambda a, b: a / b,
             ("//", "floor_divide"): lambda a, b: a // b, ("%", "remainder"): lambda a, b: a % b,
             ("**", "pow"): lambda a, b: a ** b, ("<", "less"): lambda a, b: a < b,
             ("==", "equal"): lambda a, b: a == b, ("&", "bitwise_and"): lambda a, b: a & b}


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint8", "int64", "float16", "float32",
                                   "float64", "complex64"])
@pytest.mark.parametrize("scalar", [3, 2.5, True])
def test_operator_with_scalar(dtype, scalar, backend):
    """Python operators with a scalar on either side, as NumPy arrays behave."""
    x = sample(dtype, (2, 3), "positive", np.random.default_rng(5))
    t = tn.asarray(x)
    cases = Cases()
    for (sym, op), f in OPERATORS.items():
        m1, m2 = f"{dtype} array {sym} {scalar!r}", f"{scalar!r} {sym} {dtype} array"
        if not _accepted(op, dtype, scalar):  # bool - True: NumPy refuses it too
            cases.run(m1, lambda: pytest.raises(TypeError, f, t, scalar))
            continue
        cases.run(m1, lambda: check(sym, backend, lambda: f(t, scalar), lambda: f(x, scalar),
                                    dtype=NP_DTYPES[dtype], msg=m1))
        cases.run(m2, lambda: check(sym, backend, lambda: f(scalar, t), lambda: f(scalar, x),
                                    dtype=NP_DTYPES[dtype], msg=m2))
    cases.finish()


@pytest.mark.parametrize("scalar", [2.5, -1.25, 3, True])
def test_bfloat16_python_scalar_is_weak(scalar, backend):
    """NEP 50 for bfloat16 as for float16 (NumPy has no rule: ml_dtypes gives float32)."""
    x = np.arange(6, dtype=np.float32).reshape(2, 3).astype(BF16)
    got = tn.asarray(x) * scalar
    assert got.dtype == tn.bfloat16
    assert_close(got, (x.astype(np.float32) * scalar).astype(BF16), BF16)
    assert (tn.asarray(x) < scalar).dtype == tn.bool_


@pytest.mark.parametrize("dtype,value", [("int8", 300), ("uint8", -1), ("uint64", -1),
                                         ("int16", 2**40)])
def test_python_int_out_of_bounds(dtype, value, backend):
    """NEP 50: a Python int the array's dtype cannot hold raises like NumPy does."""
    x = np.ones(3, NP_DTYPES[dtype])
    check("add", backend, lambda: tn.asarray(x) + value, lambda: x + value)


# --- where, clip, comparisons ----------------------------------------------------------------

@generates("where")
@pytest.mark.parametrize("dtype", DTYPE_NAMES)
@pytest.mark.parametrize("layout", ["contiguous", "broadcast_col_row", "transposed",
                                    "negative_stride", "0d", "empty"])
def test_where(dtype, layout, backend):
    rng = np.random.default_rng(11)
    (tc, tx), (nc, nx) = make_inputs(layout, ["bool", dtype], ["real", "real"], rng)
    ny = sample(dtype, nx.shape, "real", rng)
    check("where", backend, lambda: tn.where(tc, tx, tn.asarray(ny)),
          lambda: np.where(nc, nx, ny), dtype=NP_DTYPES[dtype], msg=f"where({dtype}, {layout})")


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int64", "float16", "float32", "float64",
                                   "bool"])
@pytest.mark.parametrize("x1,x2", [(0, 1.5), (2, 3), (True, False), (1.5, -2.5), (300, -1)])
def test_where_scalars(dtype, x1, x2, backend):
    """``where`` with Python-scalar branches (NEP 50 with the other branch's dtype)."""
    c = np.array([[True, False, True], [False, False, True]])
    x = sample(dtype, (2, 3), "positive", np.random.default_rng(2))
    check("where", backend, lambda: tn.where(tn.asarray(c), tn.asarray(x), x2),
          lambda: np.where(c, x, x2), dtype=NP_DTYPES[dtype], msg=f"where(c, {dtype}, {x2!r})")
    check("where", backend, lambda: tn.where(tn.asarray(c), x1, tn.asarray(x)),
          lambda: np.where(c, x1, x), dtype=NP_DTYPES[dtype], msg=f"where(c, {x1!r}, {dtype})")


@generates("clip")
@pytest.mark.parametrize("dtype", _names(OPS["clip"].accepts))
@pytest.mark.parametrize("bounds", [(-1, 4), (None, 2), (0.5, None), (None, None),
                                    ("array", None), ("array", "array")],
                         ids=str)
def test_clip(dtype, bounds, backend):
    x = sample(dtype, (3, 4), "real", np.random.default_rng(4))
    t = tn.asarray(x.copy()).T
    xv = x.T
    lo, hi = bounds
    nlo = sample(dtype, (3,), "real", np.random.default_rng(9)) if lo == "array" else lo
    nhi = (nlo + np.ones((), nlo.dtype) if dtype != "bool" else nlo) if hi == "array" else hi
    tlo = tn.asarray(nlo) if isinstance(nlo, np.ndarray) else nlo
    thi = tn.asarray(nhi) if isinstance(nhi, np.ndarray) else nhi
    if (lo, hi) == (None, None):
        # NumPy 2.4 returns a copy of x when both bounds are None.
        got = tn.clip(t)
        assert_close(got, xv, NP_DTYPES[dtype])
        return
    if dtype == "bfloat16":  # NumPy has no weak-scalar rule for bfloat16: float32, then round
        exp = np.clip(xv.astype(np.float32), nlo, nhi)
        assert_close(tn.clip(t, tlo, thi), exp.astype(BF16), BF16)
        return
    check("clip", backend, lambda: tn.clip(t, tlo, thi), lambda: np.clip(xv, nlo, nhi),
          dtype=NP_DTYPES[dtype], msg=f"clip({dtype}, {bounds})")


@pytest.mark.parametrize("dtype,bounds", [("int8", (0, 300)), ("int8", (-1000, 5)),
                                          ("uint8", (-5, 3)), ("int8", (300, None)),
                                          ("uint16", (None, -1)), ("int16", (np.int32(3), None))],
                         ids=str)
def test_clip_integer_bounds(dtype, bounds, backend):
    """NumPy clamps out-of-range Python-int bounds when both are given, and raises
    OverflowError (NEP 50) for a lone one; NumPy scalar bounds promote."""
    x = np.array([0, 3, 7, 100], dtype=dtype)
    check("clip", backend, lambda: tn.clip(tn.asarray(x), *bounds), lambda: np.clip(x, *bounds),
          msg=f"clip({dtype}, {bounds})")


@pytest.mark.parametrize("name", ["equal", "not_equal", "less", "less_equal", "greater",
                                  "greater_equal"])
def test_comparisons_with_nan_and_inf(name, backend):
    x = np.array([np.nan, 1.0, -np.inf, np.inf, 0.0, -0.0])
    y = np.array([np.nan, np.nan, -np.inf, 1.0, -0.0, 0.0])
    check(name, backend, lambda: getattr(tn, name)(tn.asarray(x), tn.asarray(y)),
          lambda: getattr(np, name)(x, y))


def test_comparison_shape_mismatch_raises():
    with pytest.raises(ValueError, match="broadcast"):
        _ = tn.asarray(np.ones((2, 3))) < tn.asarray(np.ones((4,)))


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
                                       for r in REDUCE_NUMPY for d in _names(r.accepts)])
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
    out_dt = _float_rule(base.dtype) if dtype[0] != "i" else np.dtype(np.float64)
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


# --- scans, sorting, concatenation -----------------------------------------------------------

@generates()
@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@pytest.mark.parametrize("dtype", ["bool", "int8", "uint32", "float16", "float32", "float64",
                                   "complex64"])
@pytest.mark.parametrize("axis", [None, 0, -1])
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "0d", "empty"])
def test_scans(name, dtype, axis, layout, backend):
    shape, view = {"contiguous": ((2, 3), lambda a: a), "transposed": ((3, 2), lambda a: a.T),
                   "0d": ((), lambda a: a), "empty": ((0, 3), lambda a: a)}[layout]
    base = sample(dtype, shape, "small", np.random.default_rng(18))
    t = view(tn.asarray(base.copy()))
    check(name, backend, lambda: getattr(tn, name)(t, axis=axis),
          lambda: getattr(np, name)(view(base), axis=axis), dtype=NP_DTYPES[dtype],
          msg=f"{name}({dtype}, axis={axis}, {layout})")


@generates()
@pytest.mark.parametrize("name", ["sort", "argsort"])
@pytest.mark.parametrize("dtype", ["bool", "int8", "uint64", "float16", "float32", "float64"])
@pytest.mark.parametrize("axis", [0, -1, None])
def test_sorting(name, dtype, axis, backend):
    base = sample(dtype, (4, 6), "small", np.random.default_rng(19))
    if dtype[0] == "f":
        base[1, 2] = np.nan
    t = tn.asarray(base.copy())[:, ::-1]
    check(name, backend, lambda: getattr(tn, name)(t, axis=axis),
          lambda: getattr(np, name)(base[:, ::-1], axis=axis, kind="stable"),
          dtype=NP_DTYPES[dtype], msg=f"{name}({dtype}, axis={axis})")
    z = base[1, 2]  # 0-d: NumPy's sort has no axis -1 there, but sorts with axis=None
    check(name, backend, lambda: getattr(tn, name)(tn.asarray(np.asarray(z)), axis=axis),
          lambda: getattr(np, name)(np.asarray(z), axis=axis), msg=f"{name}(0-d, axis={axis})")


@generates("concat")
@pytest.mark.parametrize("dtypes", [("int8", "int8"), ("int8", "uint8"), ("float32", "int64"),
                                    ("bool", "complex64"), ("float16", "float32")])
@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_concat(dtypes, axis, backend):
    rng = np.random.default_rng(20)
    a, b = sample(dtypes[0], (2, 3), "real", rng), sample(dtypes[1], (2, 3), "real", rng)
    ta, tb = tn.asarray(a.copy()), tn.asarray(b.copy()).T.T[::-1]
    check("concat", backend, lambda: tn.concat([ta, tb], axis=axis),
          lambda: np.concatenate([a, b[::-1]], axis=axis),
          dtype=np.result_type(a.dtype, b.dtype), msg=f"concat({dtypes}, axis={axis})")
    check("concat", backend, lambda: tn.stack([ta, tb], axis=axis or 0),
          lambda: np.stack([a, b[::-1]], axis=axis or 0), dtype=np.result_type(a.dtype, b.dtype))


def test_concat_shape_mismatch():
    with pytest.raises(ValueError):
        tn.concat([tn.zeros((2, 3)), tn.zeros((3, 2))], axis=0)
    with pytest.raises(ValueError):
        np.concatenate([np.zeros((2, 3)), np.zeros((3, 2))], axis=0)


# --- matmul and products ---------------------------------------------------------------------

MATMUL_SHAPES = [((3, 4), (4, 5)), ((4,), (4, 5)), ((3, 4), (4,)), ((4,), (4,)),
                 ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((3, 4), (2, 4, 5)),
                 ((0, 4), (4, 5)), ((3, 0), (0, 5)), ((2, 0, 3, 4), (4, 5)), ((1, 3), (3, 1))]


@generates("matmul")
@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
@pytest.mark.parametrize("dtype", ["bool", "int8", "int32", "uint16", "float16", "bfloat16",
                                   "float32", "float64", "complex64", "complex128"])
def test_matmul(shapes, dtype, backend):
    rng = np.random.default_rng(21)
    a, b = (sample(dtype, s, "small", rng) for s in shapes)
    ta, tb = tn.asarray(a.copy()), tn.asarray(b.copy())
    msg = f"matmul({dtype}, {shapes})"
    if dtype == "bfloat16":  # NumPy has no bfloat16 matmul loop: float32 then round
        exp = np.matmul(a.astype(np.float32), b.astype(np.float32)).astype(BF16)
        assert_close(tn.matmul(ta, tb), exp, BF16, msg=msg)
        return
    check("matmul", backend, lambda: tn.matmul(ta, tb), lambda: np.matmul(a, b),
          dtype=NP_DTYPES[dtype], msg=msg)
    check("matmul", backend, lambda: ta @ tb, lambda: a @ b, dtype=NP_DTYPES[dtype], msg=msg)


@pytest.mark.parametrize("dtype", ["int16", "float32", "float64", "complex128"])
def test_matmul_noncontiguous(dtype, backend):
    rng = np.random.default_rng(22)
    a, b = sample(dtype, (5, 3), "small", rng), sample(dtype, (2, 4, 10), "small", rng)
    ta = tn.asarray(a.copy()).T          # (3, 5) transposed
    tb = tn.asarray(b.copy())[:, ::-1, ::2].mT[..., ::-1]  # (2, 5, 4) negative strides
    check("matmul", backend, lambda: ta @ tb, lambda: a.T @ b[:, ::-1, ::2].swapaxes(-1, -2)
          [..., ::-1], dtype=NP_DTYPES[dtype])


@pytest.mark.parametrize("shapes", [((3, 4), (5, 4)), ((3,), (4,)), ((), (3,)),
                                    ((2, 3, 4), (3, 4, 5)), ((3, 4), (3,))], ids=str)
def test_matmul_shape_errors(shapes):
    a, b = np.ones(shapes[0]), np.ones(shapes[1])
    check("matmul", "reference", lambda: tn.matmul(tn.asarray(a), tn.asarray(b)),
          lambda: np.matmul(a, b))


@pytest.mark.parametrize("shapes,axis", [(((3, 4), (3, 4)), -1), (((2, 3, 4), (4,)), -1),
                                         (((3, 4), (3, 4)), 0), (((4,), (4,)), -1),
                                         (((2, 1, 4), (3, 4)), -1)], ids=str)
@pytest.mark.parametrize("dtype", ["int32", "float32", "float64", "complex128"])
def test_vecdot(shapes, axis, dtype, backend):
    rng = np.random.default_rng(23)
    a, b = (sample(dtype, s, "small", rng) for s in shapes)
    check("vecdot", backend, lambda: tn.vecdot(tn.asarray(a), tn.asarray(b), axis=axis),
          lambda: np.vecdot(a, b, axis=axis), dtype=NP_DTYPES[dtype])


@pytest.mark.parametrize("shapes", [((), (3,)), ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)),
                                    ((2, 3), (3, 4)), ((2, 3, 4), (5, 4, 2)),
                                    ((2, 3), (4, 3))], ids=str)
@pytest.mark.parametrize("dtype", ["int64", "float32", "complex64"])
def test_dot_inner_outer(shapes, dtype, backend):
    rng = np.random.default_rng(24)
    a, b = (sample(dtype, s, "small", rng) for s in shapes)
    ta, tb = tn.asarray(a), tn.asarray(b)
    d = NP_DTYPES[dtype]
    check("dot", backend, lambda: tn.dot(ta, tb), lambda: np.dot(a, b), dtype=d,
          msg=f"dot{shapes}")
    check("inner", backend, lambda: tn.inner(ta, tb), lambda: np.inner(a, b), dtype=d,
          msg=f"inner{shapes}")
    check("outer", backend, lambda: tn.outer(ta, tb), lambda: np.outer(a, b), dtype=d,
          msg=f"outer{shapes}")
    if a.size == b.size:
        check("vdot", backend, lambda: tn.vdot(ta, tb), lambda: np.vdot(a, b), dtype=d,
              msg=f"vdot{shapes}")


@pytest.mark.parametrize("shapes,axes", [(((3, 4, 5), (4, 5, 2)), 2), (((3, 4), (4, 5)), 1),
                                         (((3, 4), (5, 6)), 0),
                                         (((3, 4, 5), (5, 3, 2)), ([0, 2], [1, 0])),
                                         (((2, 3), (3, 2)), ([1], [0])),
                                         (((3, 4), (5, 4)), ([1], [0]))], ids=str)
@pytest.mark.parametrize("dtype", ["int32", "float64"])
def test_tensordot(shapes, axes, dtype, backend):
    rng = np.random.default_rng(25)
    a, b = (sample(dtype, s, "small", rng) for s in shapes)
    check("tensordot", backend, lambda: tn.tensordot(tn.asarray(a), tn.asarray(b), axes=axes),
          lambda: np.tensordot(a, b, axes=axes), dtype=NP_DTYPES[dtype])


# --- the other rows with a NumPy twin: one sample call each --------------------------------

def _f(*shape, seed=0, nan=False):
    a = np.random.default_rng(seed).uniform(-3, 3, shape).round(1)
    if nan:
        a.flat[1] = np.nan
    return a


def _i(*shape, lo=0, hi=5, seed=0):
    return np.random.default_rng(seed).integers(lo, hi, shape)


def _scatter_add_ref(x, dim, index, src):
    out = x.copy()
    for pos in np.ndindex(index.shape):
        tgt = list(pos)
        tgt[dim] = index[pos]
        out[tuple(tgt)] += src[pos]
    return out


def _scatter_ref(x, dim, index, src):
    out = x.copy()
    np.put_along_axis(out, index, src, dim)
    return out


def _topk_ref(x, k, dim=-1):
    idx = np.take(np.argsort(-x, axis=dim, kind="stable"), range(k), axis=dim)
    return np.take_along_axis(x, idx, dim), idx


_UNIQ = np.array([3.0, 1.0, 3.0, 2.0, 1.0, 5.0])
_PERM = np.array([[2, 0, 1, 3], [1, 3, 0, 2], [0, 1, 2, 3]])
# row name -> list of (args, kwargs); ndarray arguments become trueno arrays. Rows whose NumPy
# twin does not exist get a reference function in CUSTOM_REFS.
CUSTOM_SAMPLES = {
    "around": [((_f(3, 4) * 7.3, 1), {}), ((_f(5), ), {})],
    "average": [((_f(3, 4),), {}), ((_f(3, 4),), {"axis": 0, "weights": _f(3, seed=1) ** 2})],
    "bincount": [((_i(10),), {}), ((_i(10),), {"minlength": 8, "weights": _f(10)})],
    "convolve": [((_f(5), _f(3, seed=1)), {}), ((_f(5), _f(3, seed=1)), {"mode": "same"})],
    "correlate": [((_f(5), _f(3, seed=1)), {}), ((_f(5), _f(3, seed=1)), {"mode": "full"})],
    "corrcoef": [((_f(3, 5),), {})],
    "cov": [((_f(3, 5),), {}), ((_f(3, 5),), {"ddof": 0})],
    "count_nonzero": [((_i(3, 4, hi=2),), {}), ((_i(3, 4, hi=2),), {"axis": 1})],
    "digitize": [((_f(6), np.array([-2.0, 0.0, 1.0, 2.5])), {}),
                 ((_f(6), np.array([-2.0, 0.0, 1.0, 2.5])), {"right": True})],
    "einsum": [(("ij,jk->ik", _f(2, 3), _f(3, 4, seed=1)), {}), (("ii->i", _f(3, 3)), {}),
               (("bij->bji", _f(2, 3, 4)), {})],
    "gradient": [((_f(6),), {}), ((_f(6), 0.5), {})],
    "histogram": [((_f(20),), {"bins": 5}), ((_f(20),), {"bins": 4, "range": (-1, 1)})],
    "histogram_bin_edges": [((_f(20),), {"bins": 5})],
    "interp": [((_f(5), np.array([-3.0, 0.0, 3.0]), np.array([1.0, 2.0, 0.0])), {})],
    "isclose": [((_f(3, 4), _f(3, 4) + 1e-9), {}), ((np.array([np.nan, 1.0]),
                                                     np.array([np.nan, 1.0])),
                                                    {"equal_nan": True})],
    "isin": [((_i(3, 4), np.array([1, 3])), {}), ((_i(3, 4), np.array([1, 3])),
                                                  {"invert": True})],
    "median": [((_f(3, 4),), {}), ((_f(3, 4),), {"axis": 0})],
    "quantile": [((_f(3, 4), 0.3), {}), ((_f(3, 4), np.array([0.1, 0.9])), {"axis": 1})],
    "pad": [((_f(2, 3), 1), {}), ((_f(2, 3), ((1, 2), (0, 1))), {"mode": "edge"})],
    "searchsorted": [((np.array([1.0, 2.0, 2.0, 5.0]), _f(4)), {}),
                     ((np.array([1.0, 2.0, 2.0, 5.0]), np.array([2.0])), {"side": "right"})],
    "take": [((_f(3, 4), np.array([0, 2])), {"axis": 1}), ((_f(3, 4), np.array([5, 0])), {})],
    "take_along_axis": [((_f(3, 4), _PERM), {"axis": 1})],
    "trim_zeros": [((np.array([0.0, 0.0, 1.0, 0.0, 2.0, 0.0]),), {})],
    "unique_all": [((_UNIQ,), {})],
    "gather": [((_f(3, 4), 1, _PERM), {})],
    "scatter": [((_f(3, 4), 1, _PERM, _f(3, 4, seed=2)), {})],
    "scatter_add": [((_f(3, 4), 0, _i(2, 4, hi=3), _f(2, 4, seed=2)), {})],
    "topk": [((_f(3, 5) + _f(3, 5, seed=3) / 100, 2), {}),
             ((_f(3, 5) + _f(3, 5, seed=3) / 100, 2, 0), {})],
}
for _n in ("nanmax", "nanmin", "nanmean", "nanstd", "nanvar", "nansum", "nanprod", "nanmedian",
           "nanargmax", "nanargmin", "nancumsum", "nancumprod"):
    CUSTOM_SAMPLES[_n] = [((_f(3, 4, nan=True),), {}), ((_f(3, 4, nan=True),), {"axis": 0})]
CUSTOM_SAMPLES["nanquantile"] = [((_f(3, 4, nan=True), 0.25), {}),
                                 ((_f(3, 4, nan=True), 0.5), {"axis": 1})]
CUSTOM_REFS = {
    "gather": lambda x, dim, index: np.take_along_axis(x, index, dim),
    "scatter": _scatter_ref,
    "scatter_add": _scatter_add_ref,
    "topk": _topk_ref,
}
PARTITIONS = ("partition", "argpartition")  # order within each side is unspecified


def _to_tn(v):
    return tn.asarray(v) if isinstance(v, np.ndarray) else v


@generates()
@pytest.mark.parametrize("name", sorted(CUSTOM_SAMPLES))
def test_custom_rows(name, backend):
    """One or more sample calls of each remaining row with a NumPy twin, vs NumPy."""
    row = OPS[name]
    ref = CUSTOM_REFS.get(name) or getattr(np, row.numpy_name)
    fn = getattr(tn, name)
    cases = Cases()
    for args, kwargs in CUSTOM_SAMPLES[name]:
        targs = [_to_tn(a) for a in args]
        tkw = {k: _to_tn(v) for k, v in kwargs.items()}

        def one():
            with np.errstate(all="ignore"):
                exp = ref(*args, **kwargs)
            got = fn(*targs, **tkw)
            if isinstance(exp, tuple):  # histogram, unique_all, topk
                assert len(got) == len(exp)
                for g, e in zip(got, exp):
                    assert_close(g, e)
            else:
                assert_close(got, exp)
        cases.run(f"{name}{tuple(a.shape if isinstance(a, np.ndarray) else a for a in args)}"
                  f" {kwargs}", one)
    cases.finish()


@generates()
@pytest.mark.parametrize("name", PARTITIONS)
@pytest.mark.parametrize("kth", [0, 2, -1])
def test_partition_rows(name, kth, backend):
    """partition/argpartition: the kth element is in sorted place, smaller ones before it,
    larger ones after it (NumPy leaves the order within each side unspecified)."""
    x = _f(3, 6)
    got = getattr(tn, name)(tn.asarray(x), kth, axis=-1).numpy()
    vals = np.take_along_axis(x, got, -1) if name == "argpartition" else got
    srt = np.sort(x, axis=-1)
    k = kth % 6
    np.testing.assert_array_equal(vals[:, k], srt[:, k])
    assert (vals[:, :k] <= vals[:, k:k + 1]).all() and (vals[:, k + 1:] >= vals[:, k:k + 1]).all()
    np.testing.assert_array_equal(np.sort(vals, -1), srt)


# Rows outside the templates' shape rules whose NumPy twin is a ufunc run the elementwise template;
# other one-input rows without a sample above run one call on a float and an int array.
_EXPLICIT = {"where", "clip", "copy_", "astype", "contiguous", "cumsum", "cumprod", "sort",
             "argsort", "concat", "matmul"} | set(CUSTOM_SAMPLES) | set(PARTITIONS)
_TEMPLATES = ("broadcast", "reduce", "matmul", "view")  # shapes the templates above cover
UFUNC_ROWS = sorted(n for n, r in OPS.items() if r.shape not in _TEMPLATES and r.nin in (1, 2) and
                    r.numpy_name and isinstance(getattr(np, r.numpy_name, None), np.ufunc)
                    and n not in _EXPLICIT)
FALLBACK_ROWS = sorted(n for n, r in OPS.items() if r.shape not in _TEMPLATES and r.nin == 1 and
                       r.numpy_name and callable(getattr(np, r.numpy_name, None)) and
                       n not in _EXPLICIT and n not in UFUNC_ROWS and hasattr(tn, n))
CUSTOM_UFUNC_LAYOUTS = ["contiguous", "0d", "transposed", "negative_stride"]


@generates()
@pytest.mark.parametrize("name,dtype", [(n, d) for n in UFUNC_ROWS
                                        for d in _names(OPS[n].accepts)])
def test_custom_ufunc_rows(name, dtype, backend):
    """Each ufunc-like row outside the broadcast template, per dtype and layout. Where
    NumPy has no loop for the dtype, trueno raises the same built-in exception type."""
    row = OPS[name]
    fn, ref = getattr(tn, name), getattr(np, row.numpy_name)
    cases = Cases()
    layouts = CUSTOM_UFUNC_LAYOUTS + (["broadcast_col_row"] if row.nin == 2 else [])
    for layout in layouts:
        tins, nins = make_inputs(layout, [dtype] * row.nin, row.domains,
                                 np.random.default_rng(sum(map(ord, name + dtype + layout))))
        cases.run(layout, lambda: check(name, backend, lambda: fn(*tins), lambda: ref(*nins),
                                        dtype=NP_DTYPES[dtype], msg=f"{name}({dtype}, {layout})"))
    cases.finish()


@generates()
@pytest.mark.parametrize("name", FALLBACK_ROWS)
def test_fallback_rows(name, backend):
    """One call each on a float64 (with inf, nan and 0) and an int64 array, vs NumPy."""
    fn, ref = getattr(tn, name), getattr(np, OPS[name].numpy_name)
    cases = Cases()
    x = _f(3, 4)
    x[0, :3] = [np.inf, -np.inf, 0.0]
    x[1, 1] = np.nan
    for a in (x, _i(3, 4, lo=-3)):
        ta = tn.asarray(a.copy()).T
        cases.run(str(a.dtype), lambda: check(name, backend, lambda: fn(ta), lambda: ref(a.T),
                                              msg=f"{name}({a.dtype})"))
    cases.finish()


# --- completeness ----------------------------------------------------------------------------

def covered_rows() -> set[str]:
    """The rows the ``@generates`` tests of this module run (computed, never listed)."""
    out: set[str] = set()
    for fn, named in GENERATORS.values():
        out |= _rows_of(fn, named)
    return out


# Public functions that are NumPy ufuncs but composites of rows in trueno (no kernel of their
# own), with the rows they are made of.
COMPOSITES = {"vecdot": "multiply, conj and sum (_linalg_ops.vecdot)",
              "matvec": "matmul with a reshaped vector (_numpy_utilities.matvec)",
              "vecmat": "matmul with a reshaped vector (_numpy_utilities.vecmat)",
              "fabs": "astype to NumPy's float dtype, then abs (_elementwise.fabs)",
              "isnat": "datetime64/timedelta64 only, NumPy storage on the CPU "
                       "(_host_dtypes.isnat; test_nonnumeric_dtypes.py)"}


_VIEWS = "a view computed by core on metadata (no kernel): test_views.py"
_LINALG = "vs numpy.linalg in test_linalg.py; every backend in backend_cases_linalg.py"
_FFT = "vs numpy.fft in test_fft.py; every backend in backend_cases_fft.py"
# Rows this module does not generate tests for, each with where it is tested instead.
NOT_GENERATED = {
    "addcmul": "a fused kernel with no NumPy twin: vs its decomposition in "
               "test_backend_equivalence.py",
    "conv2d": "no NumPy twin: vs a NumPy loop on every backend in test_backend_equivalence.py",
    "astype": "casts: test_tensor_basics.py and every backend in test_backend_equivalence.py",
    "copy_": "in-place copies (setitem): test_tensor_basics.py, test_backend_equivalence.py",
    "index": "advanced indexing: test_indexing.py",
    "sgd_update": "in-place optimizer update: test_optim_rows.py (vs torch.optim) and every "
                  "backend in backend_cases_optim.py",
    "adam_update": "in-place optimizer update: test_optim_rows.py (vs torch.optim) and every "
                   "backend in backend_cases_optim.py",
    "index_put": "advanced index assignment: test_indexing.py, test_backend_equivalence.py",
    "to_device": "device moves: test_backend_equivalence.py and the GPU package's tests",
    "diagonal": _VIEWS, "expand": _VIEWS, "getitem": _VIEWS, "permute_dims": _VIEWS,
    "reshape": _VIEWS,
    "linalg_cholesky": _LINALG,
    "linalg_det": _LINALG,
    "linalg_eig": _LINALG,
    "linalg_eigh": _LINALG,
    "linalg_eigvals": _LINALG,
    "linalg_eigvalsh": _LINALG,
    "linalg_inv": _LINALG,
    "linalg_lstsq": _LINALG,
    "linalg_matrix_rank": _LINALG,
    "linalg_pinv": _LINALG,
    "linalg_qr": _LINALG,
    "linalg_slogdet": _LINALG,
    "linalg_solve": _LINALG,
    "linalg_svd": _LINALG,
    "linalg_svdvals": _LINALG,
    "fft_fftn": _FFT,
    "fft_hfft": _FFT,
    "fft_ifftn": _FFT,
    "fft_ihfft": _FFT,
    "fft_irfftn": _FFT,
    "fft_rfftn": _FFT,
}


def test_every_row_is_generated_or_listed_with_a_reason():
    """Coverage is computed from the op table: every row is run by a ``@generates`` test of
    this module or listed in ``NOT_GENERATED`` with where it is tested (a new row without a
    test fails here), and the list holds no row that is generated or gone."""
    covered = covered_rows()
    missing = sorted(n for n, r in OPS.items() if n not in covered and n not in NOT_GENERATED
                     and not plugin_row(r))  # a plugin's rows: its own tests generate them
    assert not missing, f"op-table rows no test generates and no reason lists: {missing}"
    stale = sorted(n for n in NOT_GENERATED if n in covered or n not in OPS)
    assert not stale, f"NOT_GENERATED lists rows that are generated or gone: {stale}"
    assert all(isinstance(r, str) and r for r in NOT_GENERATED.values())


def test_coverage_is_read_from_the_generators():
    """The computed coverage follows the parametrizations, and a row added to the table
    without a generator is reported missing."""
    assert {"add", "sum", "where", "matmul", "sort", "cumprod"} <= covered_rows()
    assert "sigmoid" in covered_rows()  # named by @generates(*TORCH_UNARY)
    row = tn.Op("_row_without_a_test", 1)
    OPS[row.name] = row
    try:
        with pytest.raises(AssertionError, match="_row_without_a_test"):
            test_every_row_is_generated_or_listed_with_a_reason()
    finally:
        del OPS[row.name]


def test_public_ops_have_rows():
    """A public trueno function that is a NumPy ufunc, or an elementwise function made from
    the table, is a row of the table (by name, NumPy name, or a listed alias)."""
    by_numpy = {r.numpy_name for r in OPS.values() if r.numpy_name}
    twins = {id(getattr(np, n)) for n in by_numpy if hasattr(np, n)}
    missing = []
    for name in tn.__all__:
        obj = getattr(tn, name, None)
        if not callable(obj) or isinstance(obj, type):
            continue
        is_op = isinstance(getattr(np, name, None), np.ufunc) or name in E.__all__
        if not is_op:
            continue
        target = E.ALIASES.get(name, name)
        if target not in OPS and name not in by_numpy and name not in COMPOSITES and \
                id(getattr(np, name, None)) not in twins:  # np.bitwise_not is np.invert
            missing.append(name)
    assert not missing, f"public ops without an op-table row: {missing}"


def test_aliases_are_numpy_spellings():
    """Each NumPy alias names the same function as its row (e.g. arccos is acos)."""
    for alias, name in E.ALIASES.items():
        assert getattr(tn, alias) is getattr(tn, name), alias



@pytest.mark.parametrize("name", [n for n in sorted(OPS) if OPS[n].numpy_name])
def test_numpy_name_exists(name):
    """A row's ``numpy_name`` names a real NumPy function (None when NumPy has no twin)."""
    assert callable(getattr(np, OPS[name].numpy_name, None)), OPS[name].numpy_name


@pytest.mark.parametrize("dtype", _names(OPS["reciprocal"].accepts))
def test_reciprocal_decomposition(dtype):
    """reciprocal's decomposition (devices without an integer kernel) equals NumPy's loop,
    the 0, 1 and -1 edge cases of the integer one included."""
    x = np.array([0, 1, 2, 3, 5, 100], dtype=NP_DTYPES[dtype]) if dtype[0] == "u" else \
        np.array([0, 1, -1, 2, -3, 100], dtype=NP_DTYPES[dtype])
    if dtype[0] not in "iu":
        x = x[1:]  # no 1 / 0 for floats here
    with np.errstate(all="ignore"):
        assert_close(OPS["reciprocal"].decomposition(tn.asarray(x)), np.reciprocal(x),
                     NP_DTYPES[dtype])


@pytest.mark.parametrize("dt", ["bool", "int8", "uint8", "int16", "int32", "int64", "float16",
                                "float32", "float64"])
def test_fabs_is_numpy_fabs_not_absolute(dt):
    """np.fabs gives floats for integers and bools (np.fabs(int8) is float16), unlike abs."""
    a = np.array([-3, 0, 2, 1]).astype(dt)
    got = tn.fabs(tn.asarray(a))
    want = np.fabs(a)
    assert np.dtype(got.dtype.name) == want.dtype
    np.testing.assert_array_equal(np.asarray(got), want)


def test_fabs_rejects_complex():
    with pytest.raises(TypeError, match="real input only"):
        tn.fabs(tn.asarray([1 + 2j]))
