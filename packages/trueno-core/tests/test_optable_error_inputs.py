"""Error inputs, generated from the rows (``Op.errors``, issue 13): each is a call of the row's
public function that must raise the row's trueno error (DESIGN.md §5: a ``TruenoError`` and
the built-in a user would catch) with the message it names, and, for a row with a NumPy twin,
a call NumPy refuses too, with a built-in class the trueno error subclasses."""

from __future__ import annotations

import re

import numpy as np
import pytest
from trueno_core_helpers import sample

import trueno as tn

ROWS = [r for r in tn.OPS.values() if r.errors]
CASES = [pytest.param(r, e, id=f"{r.name}-{i}") for r in ROWS for i, e in enumerate(r.errors)]


def public_function(row):
    """The row's function on the NumPy face: ``trueno.<name>``, ``trueno.linalg.<name>``."""
    if row.name.startswith("linalg_"):
        return getattr(tn.linalg, row.name[len("linalg_"):])
    return getattr(tn, row.name)


def numpy_function(row):
    """The row's NumPy twin (``numpy.linalg.<name>`` for ``linalg_<name>``), or None."""
    if row.name.startswith("linalg_"):
        return getattr(np.linalg, row.name[len("linalg_"):], None)
    return getattr(np, row.numpy_name, None) if row.numpy_name else None


def inputs(row, err):
    """NumPy data of the error input's tensors, drawn from the row's sample domains."""
    dtypes = (err.dtype,) * len(err.shapes) if isinstance(err.dtype, str) else err.dtype
    rng = np.random.default_rng(0)
    out = []
    for i, (shape, dt) in enumerate(zip(err.shapes, dtypes)):
        doms = row.domains_for(dt)
        out.append(sample(dt, shape, doms[min(i, len(doms) - 1)], rng))
    return out


def call(fn, row, args, params):
    return fn(args, **params) if row.nin < 0 else fn(*args, **params)


def test_rows_declare_error_inputs():
    """The families declare error inputs (a table that lost them would pass vacuously)."""
    assert len(CASES) >= 80, len(CASES)
    kinds = {e.error for r in ROWS for e in r.errors}
    assert {tn.ShapeError, tn.DTypeError, tn.AxisError, tn.LinAlgError} <= kinds


@pytest.mark.parametrize("row, err", CASES)
def test_error_input_raises_the_rows_error(row, err):
    fn = public_function(row)
    args = inputs(row, err)
    params = dict(err.params or {})
    with pytest.raises(err.error, match=err.match) as exc:
        call(fn, row, [tn.asarray(a) for a in args], params)
    assert isinstance(exc.value, tn.TruenoError)
    np_fn = numpy_function(row)
    if np_fn is not None:
        with pytest.raises(Exception) as np_exc:  # NumPy's own class is read below
            call(np_fn, row, args, params)
        builtin = next(c for c in type(np_exc.value).__mro__ if c.__module__ == "builtins")
        assert isinstance(exc.value, builtin), (
            f"{row.name}: NumPy raises {type(np_exc.value).__name__} ({builtin.__name__}); "
            f"trueno's {type(exc.value).__name__} is not a {builtin.__name__}")


def test_an_error_input_that_does_not_fail_is_caught():
    """The generated test fails for a row whose error input is accepted."""
    from trueno._optable._row import ErrorInput
    row = tn.OPS["add"]
    err = ErrorInput(((2, 3), (3,)), tn.ShapeError, "cannot be broadcast")
    with pytest.raises(pytest.fail.Exception, match="DID NOT RAISE"):
        test_error_input_raises_the_rows_error(row, err)
    err = ErrorInput(((2, 3), (4,)), tn.ShapeError, re.escape("no such message"))
    with pytest.raises(AssertionError, match="Regex pattern did not match"):
        test_error_input_raises_the_rows_error(row, err)
