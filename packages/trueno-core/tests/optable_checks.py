"""Shared machinery of the op-table differential tests (``test_optable_*.py``): the
``@generates`` registry the completeness test (``test_optable_differential.py``) reads,
``check`` (trueno vs NumPy, NumPy's exceptions as the oracle), ``Cases`` (many checks, every
failure reported) and the NumPy references of rows without a NumPy twin."""

from __future__ import annotations

import importlib
import warnings

import ml_dtypes
import numpy as np
import pytest

import trueno as tn
from trueno._optable import OPS
from trueno._registry import load_plugins

from trueno_core_helpers import DTYPE_NAMES, assert_close, builtin_base, dtype_name


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


def rows_of(fn, named) -> set[str]:
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


def accepted_names(dtypes) -> list[str]:
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

def float_rule(np_dtype) -> np.dtype:
    """The dtype NumPy gives a float ufunc (np.sin) on this input dtype."""
    if np_dtype == BF16:
        return BF16
    return np.sin(np.zeros(0, np_dtype)).dtype


def _torch_twin(row):
    """The row's PyTorch twin (``Op.torch_fn``) as a function of NumPy arrays: the reference
    of a row with neither a NumPy twin nor a ``reference`` (sigmoid, gelu, selu, ...)."""
    torch = pytest.importorskip("torch", reason="torch is not importable (CI installs "
                                                "torch==2.13.0 for the differential tests)")
    twin = row.torch_fn(torch)
    assert twin is not None, f"{row.name}: no NumPy twin, reference or PyTorch twin to test with"

    def f(*xs):
        return twin(*[torch.from_numpy(np.array(x, copy=True)) for x in xs]).numpy()
    return f


def numpy_ref(row):
    """The NumPy function for ``row``: its twin, or its ``reference`` (else its PyTorch twin)
    computed in float64 and cast to NumPy's float result dtype for the input."""
    if row.numpy_name is not None:
        return getattr(np, row.numpy_name)
    if row.reference is not None:
        module, _, name = row.reference.partition(":")
        f = getattr(importlib.import_module(module), name)
    else:
        f = _torch_twin(row)

    def ref(*xs):
        out_dt = float_rule(xs[0].dtype) if row.result == "float" else xs[0].dtype
        out = np.asarray(f(*[np.asarray(x, dtype=np.float64) for x in xs])).astype(out_dt)
        return out[()] if isinstance(f, np.ufunc) else out  # a ufunc's 0-d result: a scalar
    return ref


def numpy_call(row, nins):
    """NumPy's result; bfloat16 inputs without a NumPy loop are computed in float32."""
    ref = numpy_ref(row)
    if any(x.dtype == BF16 for x in nins):
        try:
            return ref(*nins)
        except TypeError:
            out = ref(*[x.astype(np.float32) for x in nins])
            return out.astype(BF16) if out.dtype == np.float32 else out
    return ref(*nins)
