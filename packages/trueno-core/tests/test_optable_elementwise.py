"""Op-table differential tests, elementwise rows vs NumPy: every dtype and layout, mixed dtypes,
Python scalars (NEP 50), where/clip/comparisons, reciprocal and fabs.

Generated from the op table (``trueno.OPS``); the machinery is in ``optable_checks.py`` and
the completeness test in ``test_optable_differential.py``.
"""

# ruff: noqa: B023  (Cases.run calls each lambda at once, inside its loop iteration)
from __future__ import annotations

import numpy as np
import pytest

import trueno as tn
from trueno import _elementwise as E
from trueno._optable import OPS

from trueno_core_helpers import (
    BINARY_LAYOUTS, DTYPE_NAMES, NP_DTYPES, UNARY_LAYOUTS, assert_close, make_inputs, sample,
)
from optable_checks import (
    BF16, ELEMENTWISE_BINARY, ELEMENTWISE_UNARY, Cases, accepted_names, check, generates,
    numpy_call,
)


# --- elementwise -----------------------------------------------------------------------------

# No case is expected to differ from NumPy: a deliberate difference is a row of docs/compat.md
# with a test of trueno's documented behaviour (test_compat.py), not a case here.
def _elementwise_cases():
    for row in ELEMENTWISE_UNARY + ELEMENTWISE_BINARY:
        for dt in accepted_names(row.accepts):
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
            row.name, backend, lambda: fn(*tins), lambda: numpy_call(row, nins),
            dtype=NP_DTYPES[dtype], msg=f"{row.name}({dtype}, {layout})"))
    cases.finish()


@pytest.mark.parametrize("row", ELEMENTWISE_UNARY + ELEMENTWISE_BINARY, ids=str)
def test_elementwise_rejects_dtypes_outside_accepts(row, backend):
    """A dtype outside ``row.accepts`` raises a TypeError subclass with a hint, in core (the
    function made from the row; a surface function of the same name may widen it)."""
    fn = getattr(E, row.name)
    for dt in sorted(set(DTYPE_NAMES) - set(accepted_names(row.accepts))):
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
@pytest.mark.parametrize("dtype", accepted_names(OPS["clip"].accepts))
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


@pytest.mark.parametrize("dtype", accepted_names(OPS["reciprocal"].accepts))
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
