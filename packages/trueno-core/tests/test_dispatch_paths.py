"""The dispatcher's cached paths (issue 13): Python scalars, mixed dtypes, small reductions
with an axis and 2-D matmul take a cached entry from their second call on.

Each case runs twice (the first call resolves, checks its kernel's result and fills the
cache; the second takes the cached path) and both results must equal what the uncached path
gives (``_dispatch.binary``, today's semantics, errors included) and what NumPy (NumPy face)
or PyTorch (PyTorch face) gives. Python frames per call are counted (not timed) so that the
cached paths stay cached.
"""

# ruff: noqa: B023  (every lambda here is called at once, inside its loop iteration)
from __future__ import annotations

import dis
import operator
import warnings

import numpy as np
import pytest
import torch

import trueno as tn
import trueno.torch as tt
from trueno_core_helpers import core_frames, count_frames, tolerance
from trueno import _dispatch as X
from trueno._device import CPU
from trueno._optable import OPS

NP_NAMES = ["bool", "int8", "uint8", "int16", "int32", "int64", "uint64", "float16",
            "float32", "float64", "complex64", "complex128"]
TORCH_NAMES = ["bool", "int8", "uint8", "int16", "int32", "int64", "float16", "float32",
               "float64", "complex64", "complex128"]
SCALARS = [True, False, 3, -2, 300, 2**63, 2.5, -0.0, float("inf"), 1 + 2j]
OPERATORS = {  # operator -> (row name, reflected)
    operator.add: ("add", False), operator.sub: ("subtract", False),
    operator.mul: ("multiply", False), operator.truediv: ("divide", False),
    operator.lt: ("less", False), operator.ge: ("greater_equal", False),
}
REFLECTED = {"radd": ("add", operator.add), "rsub": ("subtract", operator.sub),
             "rmul": ("multiply", operator.mul), "rtruediv": ("divide", operator.truediv)}

_SRC = tn.__file__.rsplit("/", 1)[0]


def _data(name, shape=(2, 3)):
    rng = np.random.default_rng(0)
    x = rng.uniform(-4, 4, shape)
    if name == "bool":
        return x > 0
    if name.startswith(("int", "uint")):
        x = np.abs(x) if name.startswith("u") else x
        return np.round(x).astype(name)
    if name.startswith("complex"):
        return (x + 1j * x[::-1]).astype(name)
    return x.astype(name)


def _face(face, name, shape=(2, 3)):
    """(trueno tensor, reference tensor/array) of dtype ``name``."""
    x = _data(name, shape)
    if face == "numpy":
        return tn.asarray(x), x
    return tt.tensor(x), torch.from_numpy(x.copy())


def _outcome(fn):
    """What ``fn()`` gives: ('ok', values, dtype name, type) or ('err', exception class)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r = fn()
        except Exception as e:  # compared between the paths
            return ("err", type(e))
    if isinstance(r, tn.Tensor):
        return ("ok", np.asarray(r.numpy() if r.device is CPU else r.cpu().numpy()),
                r.dtype.name, type(r), r.shape)
    if isinstance(r, torch.Tensor):
        return ("ok", r.numpy(), str(r.dtype).split(".")[-1], type(r), tuple(r.shape))
    return ("ok", np.asarray(r), np.asarray(r).dtype.name, type(r), np.shape(r))


def _same(got, want, exact_type=True, exact=True):
    """Two outcomes agree: the same error class, or the same dtype, shape and values (bit
    for bit, signed zeros included, when ``exact``; within the dtype's tolerance else)."""
    assert got[0] == want[0], (got, want)
    if got[0] == "err":
        assert got[1] is want[1]
        return
    assert got[2] == want[2], (got, want)
    if exact_type:
        assert got[3] is want[3]
    assert tuple(got[4]) == tuple(want[4])
    if not exact:
        rtol, atol = tolerance(got[2])
        np.testing.assert_allclose(got[1], want[1], rtol=rtol, atol=atol)
        return
    np.testing.assert_array_equal(got[1], want[1])
    if got[1].dtype.kind in "fc":  # -0.0 vs 0.0 too
        np.testing.assert_array_equal(np.signbit(got[1].real), np.signbit(want[1].real))


def _ref_value(face, fn):
    """NumPy's/PyTorch's outcome, or None where it raises (trueno must then raise too,
    checked against the uncached path)."""
    try:
        out = _outcome(fn)
    except TypeError:  # PyTorch's complex32 has no NumPy dtype
        return None
    return None if out[0] == "err" else out


trueno_frames = core_frames  # trueno-core's frames (not its reference kernels) in one call


# --- Python scalars --------------------------------------------------------------------------

@pytest.mark.parametrize("face,name", [("numpy", n) for n in NP_NAMES] +
                         [("torch", n) for n in TORCH_NAMES])
def test_weak_scalars_cached_path_equals_uncached_and_reference(face, name):
    a, ref = _face(face, name)
    for op, (row, _) in OPERATORS.items():
        for s in SCALARS:
            want = _outcome(lambda: X.scalar_result(X.binary(OPS[row], a, s)))
            first = _outcome(lambda: op(a, s))
            second = _outcome(lambda: op(a, s))
            _same(first, want, face == "numpy")
            _same(second, want, face == "numpy")
            r = _ref_value(face, lambda: op(ref, s))
            # PyTorch wraps out-of-range ints, and its complex * inf is inf+nanj (C99 rules);
            # the PyTorch face keeps NumPy's results there (docs/compat.md)
            differs = face == "torch" and (
                (isinstance(s, int) and not (-2**7 <= s < 2**8 and (s >= 0 or name != "uint8")))
                or (name.startswith("complex") and s == float("inf")))
            if r is not None and want[0] == "ok" and not differs:
                _same(want, r, exact_type=False, exact=False)


@pytest.mark.parametrize("face", ["numpy", "torch"])
@pytest.mark.parametrize("name", ["bool", "int8", "uint8", "int32", "float16", "float32",
                                  "complex64"])
def test_reflected_weak_scalars(face, name):
    a, ref = _face(face, name)
    for row, op in REFLECTED.values():
        for s in (True, 3, -2, 2.5, -0.0, 1 + 2j):
            want = _outcome(lambda: X.scalar_result(X.binary(OPS[row], a, s, True)))
            for _ in range(2):
                _same(_outcome(lambda: op(s, a)), want, face == "numpy")
            r = _ref_value(face, lambda: op(s, ref))
            if r is not None and want[0] == "ok":
                _same(want, r, exact_type=False, exact=False)


def test_scalar_cache_tells_values_apart():
    """The cached conversion of the previous scalar object is reused only for that object:
    0.0 and -0.0, 1 and 1.0 and True, a new value each call."""
    a = tn.asarray(np.array([1.0, -2.0, 0.5], np.float32))
    x = np.array([1.0, -2.0, 0.5], np.float32)
    for s in (0.0, -0.0, 0.0, -0.0, 1, 1.0, True, 7, 7.5, -1e30):
        for _ in range(2):
            r = a * s
            np.testing.assert_array_equal(r.numpy(), x * s)
            np.testing.assert_array_equal(np.signbit(r.numpy()), np.signbit(x * s))
            assert r.dtype.name == (x * s).dtype.name
    for v in range(50):
        np.testing.assert_array_equal((a + v).numpy(), x + v)


@pytest.mark.parametrize("name", NP_NAMES)
def test_cpu_scalar_entries_convert_to_0d_arrays(name):
    """On the CPU a cached scalar entry converts the Python scalar to a 0-d array of the
    compute dtype (the small-array loops take it without a broadcasting iterator), with the
    value and the OverflowError of the NumPy scalar ``binary`` makes."""
    a = tn.asarray(_data(name))
    for s in (3, -2, 300, 2**63, 2.5, -0.0, float("inf"), True):
        for _ in range(2):
            _outcome(lambda: a + s)
        entry = OPS["add"].fast.get((tn.ndarray, CPU._code | a.dtype._code, type(s)))
        if entry is None:  # (no entry: binary raised, or widened an out-of-range int)
            continue
        ct = entry[2]
        try:
            want = ct.type(s)
        except OverflowError:
            with pytest.raises(OverflowError):
                entry[3](s)
            continue
        got = entry[3](s)
        assert type(got) is np.ndarray and got.shape == () and got.dtype == ct
        assert got.tobytes() == np.asarray(want).tobytes()


@pytest.mark.parametrize("face", ["numpy", "torch"])
def test_python_int_out_of_range_after_caching(face):
    """int8 + 300 raises (NEP 50) on every call, also once int8 + 3 is cached; comparisons
    with any Python int work (uint8 < -3 is all False); uint8 - 1 stays a uint8 op."""
    a, _ = _face(face, "int8")
    u, _ = _face(face, "uint8")
    for _ in range(3):
        assert (a + 3).dtype.name == "int8"
        with pytest.raises(OverflowError):
            a + 300
        with pytest.raises(OverflowError):
            300 + a
        with pytest.raises(OverflowError):
            u + (-1)
        assert (u - 1).dtype.name == "uint8"
        np.testing.assert_array_equal((u < -3).numpy(), np.zeros((2, 3), bool))
        np.testing.assert_array_equal((u < 5).numpy(), _data("uint8") < 5)
        np.testing.assert_array_equal((u > 2**70).numpy(), np.zeros((2, 3), bool))
    with pytest.raises(OverflowError):
        np.int8(1) + np.int8(0) + np.asarray([1], np.int8) + 300  # NumPy agrees


def test_zero_d_results():
    """NumPy face: a 0-d result of an operator is a NumPy scalar of NumPy's type on every
    call; PyTorch face: a 0-d tensor."""
    for name in ("int8", "float32", "float64", "complex64", "bool"):
        x = _data(name, (1,))[0]
        a = tn.asarray(x)
        for s in (2, 2.5, True):
            for _ in range(2):
                r, want = a * s, x * s
                assert type(r) is type(want) and r == want
                r2 = a + tn.asarray(np.float64(1.5))
                w2 = x + np.float64(1.5)
                assert type(r2) is type(w2) and r2 == w2
        t = tt.tensor(x)
        for _ in range(2):
            r = t * 2
            assert isinstance(r, tt.Tensor) and r.shape == ()
            assert r.item() == (torch.from_numpy(np.array(x)) * 2).item()


# --- mixed dtypes ----------------------------------------------------------------------------

@pytest.mark.parametrize("face", ["numpy", "torch"])
@pytest.mark.parametrize("left", ["bool", "int8", "uint8", "int32", "int64", "float16",
                                  "float32", "float64", "complex64"])
def test_mixed_dtypes_cached_path(face, left):
    a, ra = _face(face, left, (2, 3))
    for right in ("bool", "int8", "uint8", "int32", "int64", "float16", "float32", "float64",
                  "complex64"):
        if right == left:
            continue
        b, rb = _face(face, right, (3,))
        for op, (row, _) in OPERATORS.items():
            want = _outcome(lambda: X.scalar_result(X.binary(OPS[row], a, b)))
            for _ in range(2):
                _same(_outcome(lambda: op(a, b)), want, face == "numpy")
                _same(_outcome(lambda: op(b, a)),
                      _outcome(lambda: X.scalar_result(X.binary(OPS[row], b, a))),
                      face == "numpy")
            r = _ref_value(face, lambda: op(ra, rb))
            if r is not None and want[0] == "ok":
                _same(want, r, exact_type=False, exact=False)


@pytest.mark.parametrize("face", ["numpy", "torch"])
@pytest.mark.parametrize("name", ["bool", "int8", "uint8", "int32", "int64"])
def test_same_dtype_computed_in_another_takes_the_cached_path(face, name):
    """int / int (and bool / bool) computes in a float: from the second call on it takes
    the operator's cached path (as many frames as float / float), with the uncached path's
    results."""
    a, ra = _face(face, name, (2, 3))
    b, rb = _face(face, name, (3,))
    b = b + b if name != "bool" else b  # (non-zero divisors where it can)
    want = _outcome(lambda: X.scalar_result(X.binary(OPS["divide"], a, b)))
    rwant = _outcome(lambda: X.scalar_result(X.binary(OPS["divide"], b, a)))
    for _ in range(2):
        _same(_outcome(lambda: a / b), want, face == "numpy")
        _same(_outcome(lambda: b / a), rwant, face == "numpy")
    f, _ = _face(face, "float64", (2, 3))
    g, _ = _face(face, "float64", (3,))
    f / g  # (the same shapes: broadcast_shapes is one more frame)
    assert trueno_frames(lambda: a / b) == trueno_frames(lambda: f / g)


def test_mixed_dtypes_bad_shapes_and_devices_still_raise():
    a = tn.asarray(np.ones((2, 3), np.float32))
    b = tn.asarray(np.ones((3,), np.float64))
    c = tn.asarray(np.ones((4,), np.float64))
    for _ in range(3):
        assert (a + b).dtype is tn.float64
        with pytest.raises(ValueError):
            a + c
    t = tt.tensor(np.ones(3, np.float32))
    for _ in range(2):  # another class: the PyTorch face's promotion, not a cached NumPy one
        assert (t + tt.tensor(np.ones(3, np.int64))).dtype is tt.float32
        assert (a + tn.asarray(np.ones(3, np.int64))).dtype is tn.float64


# --- the cache is filled, checked first and kept per backend ---------------------------------

def test_cached_entries_and_frames():
    """From the second call on, ``a + 1.0``, ``f32 + f64`` and ``i32 + f32`` run inside the
    operator alone (one trueno frame: no promotion, no ``binary``, no ``run``)."""
    a = tn.asarray(np.ones(4, np.float32))
    c = tn.asarray(np.ones(4, np.float64))
    i = tn.asarray(np.ones(4, np.int32))
    t = tt.tensor(np.ones(4, np.float32))
    ti = tt.tensor(np.ones(4, np.int64))
    cases = [lambda: a + 1.0, lambda: 2 * a, lambda: a + c, lambda: i + a, lambda: i < 5,
             lambda: t + 1.0, lambda: t + ti]
    for fn in cases:
        fn()
        fn()
        assert trueno_frames(fn) == 1
    assert (tn.ndarray, CPU._code | tn.float32._code, float) in OPS["add"].fast
    assert (tn.ndarray, CPU._code | tn.int32._code, tn.float32._code) in OPS["add"].fast


def test_ufunc_call_takes_the_operator_path():
    """``trueno.add(a, b)`` with a tensor first runs the operator's cached path from the ufunc's
    call (two trueno frames: the call and the path), with the operator's results; an array-like
    first operand still goes through the engine function."""
    a = tn.asarray(np.arange(4, dtype=np.float32))
    i = tn.asarray(np.arange(4, dtype=np.int32))
    for fn, want in [(lambda: tn.add(i, a), np.add(np.arange(4, dtype=np.int32),
                                                   np.arange(4, dtype=np.float32))),
                     (lambda: tn.subtract(a, 1.5), np.arange(4, dtype=np.float32) - 1.5),
                     (lambda: tn.multiply(a, a), np.arange(4, dtype=np.float32) ** 2)]:
        fn()
        got = fn()
        assert got.dtype.name == want.dtype.name
        np.testing.assert_array_equal(np.asarray(got), want)
        assert trueno_frames(fn) == 2
    s = tn.add(tn.asarray(np.float32(1)), tn.asarray(np.int8(2)))
    assert type(s) is np.float32 and s == np.add(np.float32(1), np.int8(2))
    got = tn.add([1, 2, 3, 4], i)
    assert isinstance(got, tn.ndarray) and got.dtype is tn.int64
    np.testing.assert_array_equal(np.asarray(got), [1, 3, 5, 7])


def test_reduction_and_matmul_frames():
    """A cached reduction runs in the face's method, ``_reduction``'s function and its
    ``_fast``; ``a @ b`` in the operator(s) and ``matmul``. (In primitives-only mode a
    composite row runs its decomposition instead, by design.)"""
    from trueno._registry import primitives_only_active
    m = tn.asarray(np.ones((10, 10), np.float32))
    t = tt.tensor(np.ones((10, 10), np.float32))
    for fn, most, row in [(lambda: m.sum(axis=0), 5, "sum"), (lambda: m.mean(axis=1), 5, "mean"),
                          (lambda: m.max(axis=0), 5, "max"), (lambda: t.sum(dim=0), 3, "sum"),
                          (lambda: t.amax(0), 3, "max"), (lambda: m @ m, 3, "matmul"),
                          (lambda: t @ t, 2, "matmul")]:
        fn()
        fn()
        if OPS[row].primitive or not primitives_only_active():
            assert trueno_frames(fn) <= most


def test_matmul_imports_nothing_per_call():
    for fn in (tn.Tensor.__matmul__, tn.Tensor.__rmatmul__, tn.Tensor.__imatmul__,
               tn.matmul):
        assert not [i for i in dis.get_instructions(fn) if i.opname == "IMPORT_NAME"]


def test_first_call_of_each_cached_path_is_checked(monkeypatch):
    """A backend kernel's first result per (op, device, dtype) is checked before any fast
    entry is made; a kernel that breaks the row's dtype rule is refused on every call, and a
    good one is checked once and then called directly by the cached paths."""
    import trueno._registry as R
    from test_plugins import _plugin, _register
    from trueno._registry import unregister_plugin
    monkeypatch.setattr(R, "_DEFAULT_FORCED", None)
    R.clear_kernel_cache()
    checks, calls = [], []
    real_check = R.check_result
    monkeypatch.setattr(R, "check_result", lambda *a: (checks.append((a[0].name, a[2].name)),
                                                       real_check(*a)))

    def good(x, y):
        calls.append(1)
        return np.add(x, y)

    def bad(x, y):
        return np.add(x, y).astype(np.float32)

    def backends(registry):
        registry.add_backend("tx_paths", devices=("cpu",), priority=99,
                             kernels={"add": {"float64": good, "int16": bad}})
    try:
        assert _register(_plugin("tx_paths_mod", trueno_register_backends=backends),
                         "tx_paths")[0]
        a = tn.asarray([1.0, 2.0])
        f = tn.asarray(np.array([1.0, 2.0], np.float32))
        for _ in range(4):
            np.testing.assert_array_equal((a + 1.5).numpy(), [2.5, 3.5])
            np.testing.assert_array_equal((a + f).numpy(), [2.0, 4.0])
            np.testing.assert_array_equal((f + 0.5j).numpy(), [1 + 0.5j, 2 + 0.5j])
        assert checks.count(("add", "float64")) == 1 and len(calls) == 8
        s = tn.asarray(np.array([1, 2], np.int16))
        for _ in range(3):
            with pytest.raises(tn.BackendError):
                s + 1
            with pytest.raises(tn.BackendError):
                s + tn.asarray(np.array([1, 2], np.int8))
    finally:
        unregister_plugin("tx_paths")
        R.clear_kernel_cache()


def test_use_backend_keeps_the_fast_entries_empty():
    """While a thread forces a backend other than the process default, no entry is made."""
    import trueno._registry as R
    a = tn.asarray(np.ones(3, np.float32))
    a + 1.0
    a + 1.0
    with tn.use_backend(None if R._DEFAULT_FORCED == "reference" else "reference"):
        for _ in range(3):
            np.testing.assert_array_equal((a + 1.0).numpy(), [2.0, 2.0, 2.0])
            a.sum(axis=0)
            a @ tn.asarray(np.ones((3, 2), np.float32))
        assert not OPS["add"].fast and not OPS["sum"].fast and not OPS["matmul"].fast


# --- reductions ------------------------------------------------------------------------------

RED = ["sum", "prod", "mean", "max", "min", "any", "all"]


@pytest.mark.parametrize("name", ["bool", "int8", "uint8", "int32", "int64", "float16",
                                  "float32", "float64", "complex64"])
def test_reductions_numpy_face(name):
    x = _data(name, (3, 4))
    a = tn.asarray(x)
    for red in RED:
        if red in ("max", "min") and name.startswith("complex"):
            continue
        for axis in (None, 0, 1, -1):
            for kd in (False, True):
                want = _ref_value("numpy", lambda: getattr(x, red)(axis=axis, keepdims=kd))
                for _ in range(2):
                    got = _outcome(lambda: getattr(a, red)(axis=axis, keepdims=kd))
                    _same(got, want, exact_type=False, exact=False)
                    if axis is None and not kd:
                        assert type(getattr(a, red)(axis=axis)) is type(want[1][()])


@pytest.mark.parametrize("name", ["int8", "int32", "float32", "float64", "bool"])
def test_reductions_torch_face(name):
    x = _data(name, (3, 4))
    t, r = tt.tensor(x), torch.from_numpy(x.copy())
    for red in ("sum", "prod", "mean", "amax", "amin", "any", "all"):
        for dim in (0, 1, -1):
            for kd in (False, True):
                want = _ref_value("torch", lambda: getattr(r, red)(dim, keepdim=kd))
                first = _outcome(lambda: getattr(t, red)(dim, keepdim=kd))
                _same(_outcome(lambda: getattr(t, red)(dim, keepdim=kd)), first)
                if want is not None:  # (torch.mean of an int tensor raises; trueno's is float)
                    _same(first, want, exact_type=False, exact=False)


def test_reduction_edge_cases_after_caching():
    e = tn.asarray(np.zeros((0, 3)))
    z = tn.asarray(np.float32(2.5))
    m = tn.asarray(np.arange(6.0).reshape(2, 3))
    for _ in range(3):
        with pytest.raises(ValueError):
            e.max(axis=0)  # an empty axis: no identity
        assert e.max(axis=1).shape == (0,)
        np.testing.assert_array_equal(e.sum(axis=0).numpy(), [0.0, 0.0, 0.0])
        assert z.sum(axis=0) == 2.5 and z.max(axis=-1) == 2.5  # NumPy: a 0-d reduces on 0
        assert m.sum(axis=1, keepdims=1).shape == (2, 1)  # a truthy int keepdims
        np.testing.assert_array_equal(m.sum(axis=np.int64(1)).numpy(), [3.0, 12.0])
        with pytest.raises(TypeError):
            m.sum(axis=[0])  # NumPy refuses a list
        with pytest.raises(ValueError):
            m.sum(axis=2)  # AxisError
        np.testing.assert_array_equal(tt.tensor(np.ones((2, 3))).sum(dim=[0, 1]).numpy(), 6.0)


# --- matmul ----------------------------------------------------------------------------------

@pytest.mark.parametrize("face", ["numpy", "torch"])
def test_matmul_cached_path(face):
    for name in ("int32", "int64", "float32", "float64", "complex64"):
        a, ra = _face(face, name, (3, 4))
        b, rb = _face(face, name, (4, 2))
        v, rv = _face(face, name, (4,))
        want = _outcome(lambda: ra @ rb)
        first = _outcome(lambda: a @ b)
        _same(first, want, exact_type=False, exact=False)
        first_v = _outcome(lambda: a @ v)
        _same(first_v, _outcome(lambda: ra @ rv), exact_type=False, exact=False)
        for _ in range(3):
            _same(_outcome(lambda: a @ b), first)
            _same(_outcome(lambda: a @ v), first_v)
            with pytest.raises(ValueError):
                b @ b  # (4, 2) @ (4, 2)
        c, rc = _face(face, "float64", (4, 2))
        mixed = _outcome(lambda: a @ c)
        _same(_outcome(lambda: a @ c), mixed)
        r = _ref_value(face, lambda: ra @ rc)  # (PyTorch refuses mixed dtypes; trueno promotes)
        if r is not None:
            _same(mixed, r, exact_type=False, exact=False)


# --- autograd still records on the cached paths' inputs --------------------------------------

@pytest.mark.parametrize("face", ["numpy", "torch"])
def test_autograd_after_caching(face):
    mk = (lambda x: tn.asarray(x)) if face == "numpy" else (lambda x: tt.tensor(x))
    x64 = np.array([[1.0, -2.0], [0.5, 3.0]])
    m = mk(x64.astype(np.float32))
    w = mk(x64.T.astype(np.float32))
    for _ in range(2):  # fill every cache without autograd
        m * 3.0 + w.astype(tn.float64)
        m.sum(0)
        m @ w
    p = mk(x64.astype(np.float32))
    p.requires_grad_()
    y = p * 3.0 + w.astype(tn.float64)  # a scalar and mixed dtypes, recorded
    s = y.sum(axis=0) if face == "numpy" else y.sum(dim=0)
    loss = s.sum() + (p @ w).sum() + (2.0 - p).sum() * 0.5
    loss.backward()
    want = 3.0 + np.ones((2, 2)) @ x64.astype(np.float32) - 0.5
    np.testing.assert_allclose(p.grad.numpy(), want, rtol=1e-6)


def _frames_in(fn, part) -> int:
    return count_frames(fn, lambda f: part in f)


@pytest.mark.parametrize("face", ["numpy", "torch"])
def test_autograd_recording_takes_the_cached_paths(face):
    """Recording ``q * 2.0``, ``q + w`` and ``q * c`` (mixed dtypes) runs the cached kernel
    inside the operator (core: the operator and AutogradMeta's constructor) and one engine
    call (``record``, plus the multiply rule's ``save`` function), not binary/run/wrap and
    the engine's helpers; the results and gradients are those of the uncached path."""
    mk = tn.asarray if face == "numpy" else tt.tensor
    p = mk(np.array([1.0, -2.0, 3.0], np.float32))
    p.requires_grad_()
    q = p * 1.0
    w = mk(np.array([0.5, 0.25, 2.0], np.float32))
    c = mk(np.array([2.0, 3.0, 4.0]))
    for fn, core, engine in [(lambda: q * 2.0, 2, 2), (lambda: q + w, 2, 1),
                             (lambda: q * c, 2, 2), (lambda: 3.0 - q, 2, 1)]:
        fn()
        fn()
        assert _frames_in(fn, _SRC + "/") - _frames_in(fn, "/_reference/") <= core
        assert _frames_in(fn, "/trueno_autograd/") <= engine
    loss = (q * 2.0 + w).sum() + (q * c).sum() + (3.0 - q).sum()
    loss.backward()
    np.testing.assert_allclose(p.grad.numpy(), 2.0 + np.array([2.0, 3.0, 4.0]) - 1.0)
    assert (q * 2.0).grad_fn is not None and (q * c).dtype == tn.float64
    with tn.no_grad():
        r = q * 2.0
        assert r.grad_fn is None and r._ag is None
