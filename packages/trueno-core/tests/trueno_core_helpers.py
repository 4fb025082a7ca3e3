"""Shared helpers for trueno-core's tests (re-exported by ``conftest.py``).

Import them from this module (``from trueno_core_helpers import assert_close``), not from
``conftest``: when one pytest run collects several packages' tests, every package's
``conftest.py`` is a module named ``conftest`` and the first one loaded wins.

- ``assert_close(result, expected, dtype)``: values (per-dtype tolerance, NaN positions),
  dtype and shape of a trueno result against NumPy's.
- ``sample(dtype, shape, domain, rng)``: NumPy input data for an op row's ``domain``.
- ``LAYOUTS`` / ``make_inputs``: the layouts every op runs on (contiguous, 0-d, empty,
  broadcast pairs, transposed, negative stride, sliced with a step). Trueno inputs are made as
  VIEWS of trueno arrays, so core's view code runs, not just NumPy's.
- ``assert_numpy_result(got, want)``: a NumPy-face result is what NumPy gave (scalar type and
  repr, or array shape, dtype and values; sequences item by item).
- ``assert_same_array(t, a)``: a trueno array equals a NumPy array exactly (dtype, shape,
  values).
- ``count_frames(fn, where)`` / ``core_frames(fn)``: the Python frames one call enters (all
  of those ``where`` accepts, or trueno-core's own).
- ``CPU_BACKENDS``: the installed CPU backends (``conftest.backend`` runs a test on each).
"""

from __future__ import annotations

import builtins

import ml_dtypes
import numpy as np

import trueno as tn
from trueno._optable import DOMAINS as _DOMAIN_RANGES

# --- dtypes ----------------------------------------------------------------------------------

DTYPE_NAMES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
               "float16", "bfloat16", "float32", "float64", "complex64", "complex128"]
NP_DTYPES = {n: (np.dtype(ml_dtypes.bfloat16) if n == "bfloat16" else np.dtype(n))
             for n in DTYPE_NAMES}
LOW_PRECISION = ("float16", "bfloat16")

# (rtol, atol) per dtype; ints and bools are exact.
TOLERANCES = {
    "float16": (2e-3, 2e-3),
    "bfloat16": (1.6e-2, 1.6e-2),
    "float32": (1e-5, 1e-6),
    "complex64": (1e-5, 1e-6),
    "float64": (1e-12, 1e-14),
    "complex128": (1e-12, 1e-14),
}


def dtype_name(dt) -> str:
    """Name of a trueno DType, NumPy dtype or scalar type."""
    if isinstance(dt, tn.DType):
        return dt.name
    d = np.dtype(dt)
    return "bfloat16" if d == np.dtype(ml_dtypes.bfloat16) else d.name


def tolerance(dtype) -> tuple[float, float]:
    return TOLERANCES.get(dtype_name(dtype), (0.0, 0.0))


def _values(x) -> np.ndarray:
    """Host values of a trueno result or a NumPy expectation, widened for comparison."""
    a = x.numpy() if isinstance(x, tn.Tensor) else np.asarray(x)
    if dtype_name(a.dtype) in LOW_PRECISION:
        a = a.astype(np.float64)
    return a


def assert_close(result, expected, dtype=None, *, rtol=None, atol=None, check_dtype=True,
                 msg="", scalars=False):
    """``result`` (a trueno array, or the NumPy scalar the NumPy face gives where NumPy gives
    one) equals ``expected`` (NumPy) in type, dtype, shape and values. ``scalars``: a 0-d
    trueno array where NumPy gives a scalar fails too.

    Tolerances come from ``dtype`` (default: the expected dtype): loose for float16/bfloat16,
    ~1e-5 relative for float32, ~1e-12 for float64, exact for ints and bools. NaNs must sit in
    the same places; infinities must match in place and sign.
    """
    if isinstance(result, np.generic):  # the NumPy face's scalars: where NumPy gives one
        assert isinstance(expected, np.generic) and \
            (type(result) is type(expected) or not check_dtype), \
            f"{msg}: a {type(result).__name__} scalar where NumPy gives {type(expected)}"
    else:
        assert isinstance(result, tn.Tensor), \
            f"{msg}: expected a trueno array, got {type(result)}"
        assert not (scalars and isinstance(expected, np.generic) and
                    result._face == "numpy"), f"{msg}: a 0-d array where NumPy gives a scalar"
    exp = np.asarray(expected)
    if check_dtype:
        assert dtype_name(result.dtype) == dtype_name(exp.dtype), \
            f"{msg}: dtype {dtype_name(result.dtype)} != NumPy's {dtype_name(exp.dtype)}"
    assert tuple(result.shape) == exp.shape, \
        f"{msg}: shape {tuple(result.shape)} != NumPy's {exp.shape}"
    got = _values(result)
    want = _values(exp)
    r, a = tolerance(exp.dtype)
    if dtype is not None:  # low-precision inputs loosen the tolerance of a wider result
        r, a = max(r, tolerance(dtype)[0]), max(a, tolerance(dtype)[1])
    r = r if rtol is None else rtol
    a = a if atol is None else atol
    if got.dtype.kind in "biu" and want.dtype.kind in "biu" and r == 0 and a == 0:
        np.testing.assert_array_equal(got, want, err_msg=msg, strict=False)
        return
    np.testing.assert_allclose(got, want, rtol=r, atol=a, equal_nan=True, err_msg=msg)


# --- inputs ----------------------------------------------------------------------------------

# The sample domains of the op rows (``Op.domain``): one table, trueno._optable.DOMAINS.
DOMAINS = tuple(_DOMAIN_RANGES)


def _real_samples(kind: str, np_dtype, shape, domain: str, rng) -> np.ndarray:
    if kind == "b":
        return rng.integers(0, 2, shape).astype(bool)
    (flo, fhi), (lo, hi) = _DOMAIN_RANGES[domain]
    if kind in "iu":
        if kind == "u":
            lo = max(lo, 0)
        vals = rng.integers(lo, hi + 1, shape)
        if domain == "nonzero" and kind == "i":
            vals = vals * rng.choice([-1, 1], shape)
        return vals.astype(np_dtype)
    vals = rng.uniform(flo, fhi, shape)
    if domain == "nonzero":
        vals = vals * rng.choice([-1.0, 1.0], shape)
    return vals.astype(np_dtype)


def sample(dtype, shape, domain="real", rng=None) -> np.ndarray:
    """NumPy data of ``dtype`` and ``shape`` drawn from an op row's ``domain``."""
    rng = rng if rng is not None else np.random.default_rng(0)
    name = dtype_name(dtype)
    npd = NP_DTYPES[name]
    if npd.kind == "c":
        part = np.float32 if npd == np.complex64 else np.float64
        re = _real_samples("f", part, shape, domain, rng)
        im = _real_samples("f", part, shape, "unit" if domain in ("unit", "ge1") else "small",
                           rng) if domain != "positive" else rng.uniform(-1, 1, shape)
        return (re + 1j * np.asarray(im, dtype=part)).astype(npd)
    return _real_samples(npd.kind, npd, shape, domain, rng)


# A layout turns base data into the op's operand: NumPy expects ``np_view(base)``, trueno
# receives ``tn_view(tn.asarray(base))`` -- a view made by trueno's own view code.
LAYOUTS = {
    # name: (base shapes per operand, view function applied to both the trueno and NumPy base)
    "contiguous": (((3, 4), (3, 4)), lambda a: a),
    "0d": (((), ()), lambda a: a),
    "empty": (((0, 4), (0, 4)), lambda a: a),
    "broadcast_col_row": (((3, 1), (1, 4)), lambda a: a),
    "broadcast_trailing": (((2, 3, 4), (4,)), lambda a: a),
    "transposed": (((4, 3), (4, 3)), lambda a: a.T),
    "negative_stride": (((3, 4), (3, 4)), lambda a: a[::-1]),
    "step_slice": (((3, 8), (3, 8)), lambda a: a[:, ::2]),
    "scalar_and_array": (((), (3, 4)), lambda a: a),
}
UNARY_LAYOUTS = ["contiguous", "0d", "empty", "transposed", "negative_stride", "step_slice",
                 "expanded"]
BINARY_LAYOUTS = [n for n in LAYOUTS]


def make_inputs(layout: str, dtypes, domains, rng=None):
    """``(trueno_inputs, numpy_inputs)`` for one layout; trueno inputs are trueno views."""
    rng = rng if rng is not None else np.random.default_rng(1)
    if layout == "expanded":  # a zero-stride broadcast_to view of a (1, 4) array
        base = sample(dtypes[0], (1, 4), domains[0], rng)
        return [tn.broadcast_to(tn.asarray(base), (3, 4))], [np.broadcast_to(base, (3, 4))]
    shapes, view = LAYOUTS[layout]
    tins, nins = [], []
    for dt, dom, shape in zip(dtypes, domains, shapes):
        base = sample(dt, shape, dom, rng)
        t = view(tn.asarray(base.copy()))
        tins.append(t)
        nins.append(view(base))
    return tins, nins


# --- numpy's exceptions ----------------------------------------------------------------------

def builtin_base(exc_type: type) -> type:
    """The first built-in exception class in ``exc_type``'s MRO (UFuncTypeError -> TypeError)."""
    for k in exc_type.__mro__:
        if getattr(builtins, k.__name__, None) is k:
            return k
    return Exception


# --- backends --------------------------------------------------------------------------------

CPU_BACKENDS = [b["name"] for b in tn.backends() if "cpu" in b["devices"]]


# Layouts of the NumPy-surface tables: name -> (base shape, view taken of the trueno array).
SURFACE_LAYOUTS = {
    "0d": ((), lambda a: a),
    "1d": ((7,), lambda a: a),
    "2d": ((3, 4), lambda a: a),
    "3d": ((2, 3, 4), lambda a: a),
    "empty": ((0, 3), lambda a: a),
    "transposed": ((4, 3), lambda a: a.T),
    "neg_step": ((6, 4), lambda a: a[::-2]),
}


def count_frames(fn, where) -> int:
    """Python frames one call of ``fn`` enters whose file name ``where(name)`` accepts."""
    import sys
    count = [0]

    def prof(frame, event, arg):
        if event == "call" and where(frame.f_code.co_filename):
            count[0] += 1
    sys.setprofile(prof)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return count[0]


_CORE_SRC = tn.__file__.rsplit("/", 1)[0]


def core_frames(fn) -> int:
    """Python frames of trueno-core (not its reference kernels) one call of ``fn`` enters."""
    return count_frames(fn, lambda f: f.startswith(_CORE_SRC) and "/_reference/" not in f)


def assert_numpy_result(got, want) -> None:
    """``got`` (trueno) is what NumPy gave: the same scalar type and repr, or a trueno array
    of the same shape, dtype and values where NumPy gave an array; tuples/lists item by item."""
    if isinstance(want, (tuple, list)):
        assert type(got) is type(want) and len(got) == len(want), (got, want)
        for g, w in zip(got, want):
            assert_numpy_result(g, w)
    elif isinstance(want, np.ndarray):
        assert isinstance(got, tn.ndarray), (type(got), want)
        assert got.shape == want.shape and got.dtype.name == want.dtype.name, (got, want)
        np.testing.assert_array_equal(np.asarray(got), want)
    else:
        assert type(got) is type(want), (type(got), type(want))
        assert repr(got) == repr(want)


def assert_same_array(t, a) -> None:
    """trueno array ``t`` equals NumPy array ``a`` in dtype, shape and values (exactly)."""
    assert isinstance(t, tn.Tensor)
    assert t.dtype == a.dtype, (t.dtype, a.dtype)
    assert t.shape == a.shape
    np.testing.assert_array_equal(t.numpy(), a)


def compare(got, want, msg=""):
    """Compare a trueno result (array, sequence of arrays or Python scalar) with NumPy's."""
    if isinstance(want, (tuple, list)):
        assert isinstance(got, (tuple, list)), f"{msg}: expected a sequence, got {type(got)}"
        assert len(got) == len(want), f"{msg}: {len(got)} results, NumPy has {len(want)}"
        for g, w in zip(got, want):
            compare(g, w, msg)
        return
    if isinstance(want, (bool, int, float)) and not isinstance(want, np.generic):
        assert got == want and type(got) is type(want), f"{msg}: {got!r} != {want!r}"
        return
    assert_close(got, want, msg=msg)


# --- rows a plugin adds -----------------------------------------------------------------------

def plugin_row(row) -> bool:
    """Whether ``row`` was added by a plugin (trueno-nn's losses and activations, through
    ``registry.add_op``), read off its decomposition's module: the plugin's own tests run it
    against PyTorch, and the reference backend has no kernel for it (its decomposition is
    what runs on every device)."""
    d = row._decomposition
    mod = d.partition(":")[0] if isinstance(d, str) else getattr(d, "__module__", "") or ""
    return bool(mod) and mod.split(".")[0] != "trueno"
