"""trueno's dispatcher on the simd backend's cast-on-load kernels: every binary op and pair of
dtypes, on both faces. From the second call on, a pair the backend declared runs the kernel
on the operands uncast (the cached entry has no casts) and gives, bit for bit, what the
uncached path (host casts, then the same-dtype kernel) and the reference backend give;
errors stay the uncached path's."""

# ruff: noqa: B023  (every lambda here is called at once, inside its loop iteration)
from __future__ import annotations

import operator
import warnings

import ml_dtypes
import numpy as np
import pytest
from test_cast_on_load import values

import trueno as tn
import trueno._registry as R
import trueno.torch as tt
from trueno import _dispatch as X
from trueno import _dtypes as D
from trueno._device import CPU
from trueno._optable import OPS

DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "bfloat16", "float32", "float64")
OPERATORS = {"add": operator.add, "subtract": operator.sub, "multiply": operator.mul,
             "divide": operator.truediv, "pow": operator.pow, "equal": operator.eq,
             "not_equal": operator.ne, "less": operator.lt, "less_equal": operator.le,
             "greater": operator.gt, "greater_equal": operator.ge}


def _call(face, name):
    if name in OPERATORS:
        return OPERATORS[name]
    return getattr(tn if face == "numpy" else tt, name)  # maximum, minimum


def _tensor(face, x):
    return tn.asarray(x.copy()) if face == "numpy" else tt.from_numpy(x.copy())


def _outcome(fn, unsigned_zeros=False):
    """('ok', dtype name, shape, bytes) of ``fn()``'s result, or ('err', exception class);
    with ``unsigned_zeros`` -0.0 counts as 0.0 (NumPy leaves maximum(-0.0, 0.0)'s sign to
    its loop)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r = fn()
        except Exception as e:  # compared between the paths
            return ("err", type(e))
    a = np.ascontiguousarray(np.asarray(r.numpy() if hasattr(r, "numpy") else r))
    if unsigned_zeros and a.dtype.kind in "fV":
        a = np.where(a == 0, np.zeros((), a.dtype), a)
    return ("ok", a.dtype.name, a.shape, a.view(np.uint8).tobytes())


def _simd_first(name, ct):
    """Whether the CPU's kernel for (``name``, ``ct``) is simd's (not another backend's of
    higher priority, nor the reference one that TRUENO_BACKEND=reference forces)."""
    for b in R.candidates(CPU, R.forced_backend()):
        if b.kernel(name, ct) is not None:
            return b.name == "simd"
    return False


def _declared(face, name, da, db):
    """Whether the simd backend declared ``name`` for this pair at the face's compute dtype
    and its kernel is the one the CPU uses."""
    decl = R.registry.backends["simd"].cast_on_load.get(name, {})
    cls = tn.ndarray if face == "numpy" else tt.Tensor
    try:
        dt = D.promote(D.as_dtype(da), D.as_dtype(db), cls._face)
    except tn.TruenoError:
        return False
    if dt not in OPS[name].accepts:
        return False
    ct = X.compute_dtype(OPS[name], dt, cls)[0].name
    return ct in decl and da in decl[ct][1] and db in decl[ct][1] and _simd_first(name, ct)


@pytest.mark.parametrize("face", ["numpy", "torch"])
@pytest.mark.parametrize("name", list(OPERATORS) + ["maximum", "minimum"])
def test_every_pair_on_the_cached_path(face, name):
    fn = _call(face, name)
    row = OPS[name]
    declared = 0
    for da in DTYPES:
        for db in DTYPES:
            if da == db:
                continue
            x, y = values(da, 6, 1).reshape(2, 3), values(db, 3, 2)
            if name == "pow" and np.dtype(y.dtype).kind in "iu":
                y = np.abs(y % 3).astype(y.dtype)  # NumPy: integer ** negative raises
            layouts = [(x, y), (x, values(db, 6, 3).reshape(3, 2).T)]  # broadcast, strided
            if face == "numpy":
                layouts.append((x[0, 0], y[1]))  # 0-d
            for xa, xb in layouts:
                a = _tensor(face, np.asarray(xa))
                b = _tensor(face, np.asarray(xb))
                uncached = _outcome(lambda: X.scalar_result(X.binary(row, a, b)))
                reflected = _outcome(lambda: X.scalar_result(X.binary(row, b, a)))
                for _ in range(3):
                    assert _outcome(lambda: fn(a, b)) == uncached, (da, db)
                    assert _outcome(lambda: fn(b, a)) == reflected, (db, da)
                entry = row.fast.get((a.__class__, CPU._code | a._dtype._code,
                                      b._dtype._code))
                want = _declared(face, name, da, db)
                if uncached[0] == "ok":
                    assert entry is not None
                    assert (entry[1] is None and entry[2] is None) == want, (da, db, entry)
                declared += want
                if want and name != "pow":  # (pow: libm's, to the tolerance below)
                    z = name in ("maximum", "minimum")
                    fast = _outcome(lambda: fn(a, b), z)
                    with tn.use_backend("reference"):
                        assert _outcome(lambda: fn(a, b), z) == fast, (da, db)
    if _simd_first(name, "float64"):
        assert declared >= 40, declared  # the test has pairs to check


@pytest.mark.parametrize("face", ["numpy", "torch"])
def test_pow_against_the_reference_backend(face):
    """pow's cast-on-load kernel is libm's pow, as the same-dtype kernel: within the float
    tolerance of the reference backend's NumPy power."""
    for da, db in [("int32", "float32"), ("float32", "float64"), ("uint8", "float16"),
                   ("int8", "bfloat16"), ("int64", "float64")]:
        with np.errstate(all="ignore"):
            a = _tensor(face, np.abs(values(da, 40, 1)) % 5)
            b = _tensor(face, (values(db, 40, 2).astype(np.float32) % 3).astype(
                ml_dtypes.bfloat16 if db == "bfloat16" else db))
            got = [np.asarray((a ** b).numpy(), np.float64) for _ in range(3)]
            with tn.use_backend("reference"):
                want = np.asarray((a ** b).numpy(), np.float64)
        for g in got:
            np.testing.assert_allclose(g, want, rtol=1e-6 if "float64" in (da, db) else 4e-3,
                                       equal_nan=True)


def test_i32_plus_f32_runs_no_astype(monkeypatch):
    """The cached entry of i32 + f32 calls the simd kernel on the int32 and float32 arrays
    themselves: a spy in place of the declared kernel sees them uncast."""
    seen = []
    decl = R.registry.backends["simd"].cast_on_load["add"]
    kern, loads = decl["float64"]

    def spy(x, y):
        seen.append((x.dtype.name, y.dtype.name))
        return kern(x, y)
    monkeypatch.setitem(decl, "float64", (spy, loads))
    monkeypatch.setattr(R, "_DEFAULT_FORCED", None)
    R.clear_kernel_cache()
    try:
        i = tn.asarray(np.arange(100, dtype=np.int32))
        f = tn.asarray(np.linspace(0, 1, 100, dtype=np.float32))
        for _ in range(4):
            np.testing.assert_array_equal((i + f).numpy(),
                                          np.arange(100, dtype=np.int32) +
                                          np.linspace(0, 1, 100, dtype=np.float32))
        assert seen[-2:] == [("int32", "float32")] * 2
    finally:
        R.clear_kernel_cache()
