"""trueno._cindex, the C accelerator of the NumPy face's element access (issue 14): it is built
by the install, and ``a[key]`` / ``a[key] = v`` give the same values, types, errors and side
effects through it as through the pure-Python paths (TRUENO_PURE_PYTHON=1) and as NumPy."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import trueno as tn
import trueno._ndarray as nd_mod
from trueno._errors import TruenoError

# Each case: (setup, statement); the statement's value (or the exception) is recorded.
CASES = [
    ("a = np.arange(5.0)", "a[3]"),
    ("a = np.arange(5.0)", "a[-1]"),
    ("a = np.arange(5.0)", "a[np.int64(2)]"),
    ("a = np.arange(5.0)", "a[np.uint8(4)]"),
    ("a = np.arange(5, dtype=np.int32)", "a[1]"),
    ("a = np.arange(6.0).reshape(2, 3)", "a[1, 2]"),
    ("a = np.arange(6.0).reshape(2, 3)", "a[-1, -3]"),
    ("a = np.arange(6.0).reshape(2, 3)", "a[1]"),
    ("a = np.arange(6.0).reshape(2, 3)", "a[1][2]"),
    ("a = np.arange(24.0).reshape(2, 3, 4)", "a[1, 2, 3]"),
    ("a = np.arange(24.0).reshape(2, 3, 4)", "a[1, 2]"),
    ("a = np.arange(24.0).reshape(2, 3, 4)", "a[1, 1:3]"),
    ("a = np.asarray(5.0)", "a[()]"),
    ("a = np.arange(5.0)", "a[5]"),
    ("a = np.arange(5.0)", "a[-6]"),
    ("a = np.arange(6.0).reshape(2, 3)", "a[1, 3]"),
    ("a = np.arange(6.0).reshape(2, 3)", "a[1, 2, 0]"),
    ("a = np.arange(5.0)", "a[True]"),
    ("a = np.arange(5.0)", "a[1.5]"),
    ("a = np.arange(5.0)", "a[1:3]"),
    ("a = np.arange(5.0)", "a[[1, 3]]"),
    ("a = np.arange(5.0)", "a[...]"),
    ("a = np.array([1 + 2j, 3j])", "a[1]"),
    ("a = np.array([True, False])", "a[0]"),
    ("a = np.array(['ab', 'c'])", "a[1]"),
    ("a = np.arange(5.0)", "a[3] = 1.5; a"),
    ("a = np.arange(5.0)", "a[-1] = np.float32(2.5); a"),
    ("a = np.arange(6.0).reshape(2, 3)", "a[1, 2] = 7; a"),
    ("a = np.arange(6.0).reshape(2, 3)", "a[1, 0:2] = 9; a"),
    ("a = np.arange(6.0).reshape(2, 3)", "a[1] = 4; a"),
    ("a = np.arange(6.0).reshape(2, 3)", "r = a[1]; r[0] = -1.0; a"),
    ("a = np.arange(5, dtype=np.int8)", "a[0] = 300"),
    ("a = np.arange(5, dtype=np.int32)", "a[0] = 2.9; a"),
    ("a = np.arange(5.0)", "a[0] = 1j"),
    ("a = np.arange(5.0)", "a[9] = 1.0"),
    ("a = np.arange(5.0)", "a[np.int64(1)] = 3.0; a"),
    ("a = np.arange(5.0)", "a[[0, 2]] = 3.0; a"),
    ("a = np.arange(5.0)", "a[0] = np.arange(2.0)"),
    ("a = np.arange(5.0)", "del a[0]"),
    ("a = np.arange(4.0); a.flags.writeable = False", "a[0] = 1.0"),
    ("a = np.arange(5.0)", "a[0], a[2] = a[2], a[0]; a"),
    ("a = np.arange(5.0)", "prev = a[2]; a[2] = 100.0; prev"),
]


def _run_cases(lib) -> list:
    """Each case's outcome as JSON-able data: the value's type name, repr and array contents,
    or the exception's class names (what a user sees)."""
    out = []
    for setup, stmt in CASES:
        env = {"np": lib}
        exec(setup, env)  # noqa: S102 - the test's own literal snippets
        *body, last = stmt.split("; ")
        try:
            for s in body:
                exec(s, env)  # noqa: S102
            if "=" in last and "==" not in last or last.startswith("del "):
                exec(last, env)  # noqa: S102
                got = None
            else:
                got = eval(last, env)  # noqa: S307
        except Exception as e:  # noqa: BLE001 - the outcome under test
            out.append({"error": sorted({c.__name__ for c in type(e).__mro__
                                         if c.__name__ in ("IndexError", "ValueError",
                                                           "TypeError", "OverflowError")})})
            continue
        if got is None:
            out.append({"value": None})
        elif hasattr(got, "shape") and getattr(got, "ndim", 0) > 0:
            out.append({"array": np.asarray(got).tolist(), "dtype": str(got.dtype)})
        else:
            out.append({"type": type(got).__name__, "repr": repr(got)})
    return out


def test_the_c_accelerator_is_built_and_used():
    assert nd_mod._cindex is not None, (
        "trueno._cindex was not built: installing trueno-core compiles it with the machine's "
        "C compiler (pip prints the compiler's error); without it trueno runs the same paths "
        "in Python, slower")
    assert tn.ndarray.__mro__[1] is nd_mod._cindex.IndexBase
    assert type(tn.ndarray.__dict__.get("__getitem__")) is not type(lambda: 0)


def test_same_outcomes_as_numpy():
    got, want = _run_cases(tn), _run_cases(np)
    for (setup, stmt), g, w in zip(CASES, got, want):
        if "error" in w:
            assert g == w, (setup, stmt)
        else:
            assert g == w, (setup, stmt)


def test_same_outcomes_without_the_accelerator():
    """The pure-Python paths (an install without a C compiler) give the same outcomes."""
    here = os.path.dirname(__file__)
    code = (f"import json, sys; sys.path[:0] = [{here!r}]; import trueno, test_cindex as t; "
            "import trueno._ndarray as m; assert m._cindex is None; "
            "print(json.dumps(t._run_cases(trueno)))")
    env = {**os.environ, "TRUENO_PURE_PYTHON": "1"}
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=300, check=True)
    assert json.loads(res.stdout.strip().splitlines()[-1]) == _run_cases(tn)


def test_errors_are_truenos():
    a = tn.arange(5.0)
    with pytest.raises(IndexError) as e:
        a[7]
    assert isinstance(e.value, TruenoError) and "out of bounds" in str(e.value)
    with pytest.raises(IndexError) as e:
        a[7] = 1.0
    assert isinstance(e.value, TruenoError)


def test_a_write_bumps_the_version_once():
    a = tn.arange(5.0)
    v = a._version[0]
    a[1] = 2.0
    a[(2,)] = 3.0
    a[0:2] = 1.0
    assert a._version[0] == v + 3
    np.testing.assert_array_equal(np.asarray(a), [1.0, 1.0, 3.0, 3.0, 4.0])


def test_recorded_and_device_arrays_take_the_general_path():
    x = tn.arange(4.0)
    x.requires_grad_(True)
    y = x * 2
    r = y[1]  # recorded by autograd: a 0-d array, so the gradient flows
    assert isinstance(r, tn.ndarray) and r.shape == ()
    r.backward()
    np.testing.assert_array_equal(np.asarray(x.grad), [0.0, 2.0, 0.0, 0.0])


def test_subclasses_keep_their_own_indexing():
    r = tn.rec.fromarrays([tn.arange(3), tn.arange(3.0) * 2], names="x,y")
    assert r[1].y == 2.0 and r.x[2] == 2
    np.testing.assert_array_equal(np.asarray(r["y"]), [0.0, 2.0, 4.0])


def test_a_row_is_a_view_of_the_array():
    """``a[i]`` of an n-d array (made in C where the accelerator is built) is a view of ``a``
    as ``_view`` makes one: same class, dtype, version counter, a ``_base`` naming ``a``."""
    for dtype in ("float64", "int32", "float16", "bool"):
        a = tn.arange(12).astype(dtype).reshape(3, 4)
        r = a[1]
        assert type(r) is type(a) and r.dtype == a.dtype and r.shape == (4,)
        assert r._base == (a, "getitem", {"key": 1}) and r._version is a._version
        assert r._ag is None and r.device == a.device
        np.testing.assert_array_equal(np.asarray(r), np.arange(12).astype(dtype)[4:8])
        r[0] = 0
        assert a[1, 0] == 0
        rows = list(a)
        assert len(rows) == 3 and all(type(x) is type(a) for x in rows)
