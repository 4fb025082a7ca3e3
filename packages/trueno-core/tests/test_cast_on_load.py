"""Kernels that cast on load (``add_backend(..., cast_on_load=...)``, docs/design.md §9): the
dispatcher's cached entry of a mixed-dtype pair calls a declaring backend's kernel on the
operands as they are (no host cast), only for the declared compute dtype and operand dtypes
and only when that backend's kernel is the one chosen; the face's promotion decides the
compute dtype; a kernel whose first result differs from cast-then-op is refused; a malformed
declaration skips its plugin. The toy backends here compute with NumPy and record the dtypes
their kernels receive."""

from __future__ import annotations

import numpy as np
import pytest
from test_plugins import _plugin, _register

import trueno as tn
import trueno._registry as R
import trueno.torch as tt
from trueno._device import CPU
from trueno._optable import OPS
from trueno._registry import unregister_plugin

NP_OPS = {"add": np.add, "less": np.less}


def _same(name):
    return lambda x, y: NP_OPS[name](x, y)


def _mixed(name, ct, calls, lie=False):
    """A cast-on-load kernel: records the operand dtypes it got, computes in ``ct``."""
    def kernel(x, y):
        calls.append((name, ct, x.dtype.name, y.dtype.name))
        r = NP_OPS[name](x.astype(ct), y.astype(ct))
        return r.astype(np.float32) if lie == "dtype" else r + 1 if lie == "value" else r
    return kernel


LOADS = ("int32", "float32", "bool")


def _backend(calls, name="tx_col", priority=99, lie=False, declare=True):
    def backends(registry):
        kernels = {n: {ct: _same(n) for ct in ("float32", "float64")} for n in NP_OPS}
        decl = {n: {ct: (_mixed(n, ct, calls, lie), LOADS) for ct in ("float32", "float64")}
                for n in NP_OPS}
        registry.add_backend(name, devices=("cpu",), priority=priority, kernels=kernels,
                             cast_on_load=decl if declare else None)
    return backends


@pytest.fixture
def plugin(monkeypatch):
    """Register toy backends (``plugin(name, **kw)``); forget them and every cache after."""
    monkeypatch.setattr(R, "_DEFAULT_FORCED", None)  # (CI also runs with TRUENO_BACKEND)
    R.clear_kernel_cache()
    names = []

    def add(calls, name="tx_col", **kw):
        ok, warned = _register(_plugin(name + "_mod", trueno_register_backends=_backend(
            calls, name, **kw)), name)
        assert ok, warned
        names.append(name)
    yield add
    for name in names:
        unregister_plugin(name)
    R.clear_kernel_cache()


def _entry(op, a, b):
    return OPS[op].fast.get((a.__class__, CPU._code | a._dtype._code, b._dtype._code))


def _i32_f32(face):
    i = np.array([[1, -7, 2**24 + 1], [0, 3, -2**31]], np.int32)
    f = np.array([0.5, np.nan, -0.0], np.float32)
    mk = tn.asarray if face == "numpy" else tt.tensor
    return i, f, mk(i.copy()), mk(f.copy())


@pytest.mark.parametrize("face,ct", [("numpy", "float64"), ("torch", "float32")])
def test_declared_pairs_reach_the_kernel_uncast(plugin, face, ct):
    """i32 + f32 computes in the face's dtype (NumPy float64, PyTorch float32): from the
    second call on, the toy kernel for that dtype gets int32 and float32 operands, uncast,
    in operand order (reflected operators included), and gives the cast-then-op result."""
    calls = []
    plugin(calls)
    i, f, ti, tf = _i32_f32(face)
    mk = tn.asarray if face == "numpy" else tt.tensor
    c = mk(np.ones(3, ct))
    c + c, c < c  # the same-dtype kernels' first results are checked: no entry yet
    for op, fn, want in [("add", lambda: ti + tf, i.astype(ct) + f.astype(ct)),
                         ("add", lambda: tf + ti, f.astype(ct) + i.astype(ct)),
                         ("add", lambda: tf.__radd__(ti), i.astype(ct) + f.astype(ct)),
                         ("less", lambda: ti < tf, i.astype(ct) < f.astype(ct))]:
        del calls[:]
        for _ in range(3):
            r = fn()
            assert r.dtype.name == want.dtype.name
            np.testing.assert_array_equal(r.numpy(), want)
            assert np.array_equal(np.signbit(r.numpy()), np.signbit(want))
        # the first call casts and builds the entry (whose check runs the kernel once), the
        # next two take the entry; __radd__ finds tf + ti's entry at once
        assert len(calls) == 3, calls
        assert {c[:2] for c in calls} == {(op, ct)}
        assert {tuple(sorted(c[2:])) for c in calls} == {("float32", "int32")}
    entry = _entry("add", ti, tf)
    assert entry[1] is None and entry[2] is None  # no host casts
    assert entry[0].__qualname__.startswith("_mixed")


def test_undeclared_pairs_keep_host_casts(plugin):
    """int64 is not among the declared operand dtypes: int64 + float32 casts on the host and
    runs the same-dtype kernel, as before."""
    calls = []
    plugin(calls)
    a = tn.asarray(np.array([1, 2**53 + 1], np.int64))
    f = tn.asarray(np.array([0.5, 1.0], np.float32))
    for _ in range(3):
        want = np.array([1, 2**53 + 1]) + np.float32([0.5, 1.0])
        np.testing.assert_array_equal((a + f).numpy(), want)
    assert not calls
    entry = _entry("add", a, f)
    assert entry[1] is np.ndarray.astype and entry[2] is np.ndarray.astype


def test_only_the_chosen_backend_declares(plugin):
    """A declaration counts only for the backend whose kernel the dispatcher chose: under a
    higher-priority backend without one, i32 + f32 keeps its casts; without it, the
    declaring backend's kernel takes the operands uncast."""
    low, high = [], []
    plugin(low, name="tx_low", priority=98)
    plugin(high, name="tx_high", priority=99, declare=False)
    i, f, ti, tf = _i32_f32("numpy")
    for _ in range(3):
        np.testing.assert_array_equal((ti + tf).numpy(), i + f)
    assert _entry("add", ti, tf)[1] is np.ndarray.astype and not low and not high
    unregister_plugin("tx_high")
    for _ in range(3):
        np.testing.assert_array_equal((ti + tf).numpy(), i + f)
    assert _entry("add", ti, tf)[1] is None and low
    assert {c[2:] for c in low} == {("int32", "float32")}


def test_the_reference_backend_keeps_host_casts(plugin):
    """Forced to the reference backend (which declares nothing), results are the same and no
    cast-on-load kernel runs; the reference backend has no declaration at all."""
    calls = []
    plugin(calls)
    i, f, ti, tf = _i32_f32("numpy")
    fast = (ti + tf).numpy(), (ti + tf).numpy()
    del calls[:]
    with tn.use_backend("reference"):
        for _ in range(3):
            np.testing.assert_array_equal((ti + tf).numpy(), fast[1])
            np.testing.assert_array_equal((ti < tf).numpy(), i < f)
    assert not calls
    assert R.registry.backends["reference"].cast_on_load == {}


@pytest.mark.parametrize("lie", ["dtype", "value"])
def test_a_wrong_first_result_is_refused(plugin, lie):
    """A cast-on-load kernel whose result differs from cast-then-op (another dtype, other
    values) raises BackendError naming the backend when its entry is built; no entry is
    made, so every later call raises too instead of giving wrong values."""
    plugin([], lie=lie)
    _, _, ti, tf = _i32_f32("numpy")
    c = tn.asarray(np.ones(3))
    c + c  # the same-dtype kernel's first result is checked; then ti + tf builds the entry
    for _ in range(3):
        with pytest.raises(tn.BackendError, match="'tx_col': the cast-on-load kernel for "
                                                  "float64 of operands int32 and float32"):
            ti + tf
    assert _entry("add", ti, tf) is None


@pytest.mark.parametrize("decl,match", [
    ([("add", None)], "expected a dict"),
    ({"exp": {"float32": (np.exp, ("int32",))}}, "'exp' is not a binary elementwise op"),
    ({"sum": {"float32": (np.sum, ("int32",))}}, "'sum' is not a binary elementwise op"),
    ({"add": [np.add]}, "'add' must map compute dtype names"),
    ({"add": {"float33": (np.add, ("int32",))}}, "unknown dtype 'float33'"),
    ({"add": {"float32": (np.add, ("int32", "int99"))}}, "unknown dtype 'int99'"),
    ({"add": {"float32": np.add}}, "expected a pair"),
    ({"add": {"float32": ("add", ("int32",))}}, "expected a pair"),
    ({"add": {"float32": (np.add, "int32")}}, "got the string 'int32'"),
])
def test_malformed_declarations_skip_the_plugin(monkeypatch, decl, match):
    """A malformed ``cast_on_load`` raises BackendError in ``add_backend``: the plugin is
    skipped with a warning that says why, and leaves nothing behind."""
    def backends(registry):
        registry.add_backend("tx_bad_col", devices=("cpu",), priority=99,
                             kernels={"add": np.add}, cast_on_load=decl)
    try:
        ok, warned = _register(_plugin("tx_bad_col_mod", trueno_register_backends=backends),
                               "tx_bad_col")
        assert not ok
        assert any("BackendError" in w and match in w for w in warned), warned
        assert "tx_bad_col" not in R.registry.backends
    finally:
        unregister_plugin("tx_bad_col")
    with pytest.raises(tn.BackendError, match=match):
        R.registry.add_backend("tx_direct", ("cpu",), 1, {}, cast_on_load=decl)
    assert "tx_direct" not in R.registry.backends


def test_declarations_are_normalised():
    """Dtype spellings become names; the compute dtype is always among the operand dtypes."""
    from trueno._cast_on_load import check_declaration
    got = check_declaration("x", {"add": {np.float32: (np.add, (np.int8, "bool"))}})
    assert got == {"add": {"float32": (np.add, frozenset({"int8", "bool", "float32"}))}}
    assert check_declaration("x", None) == {}


def test_kernel_for_follows_the_chosen_kernel():
    """``kernel_for`` answers for the first backend with a kernel for (op, compute dtype) only
    when that kernel is the one the dispatcher cached, and only for declared operand dtypes."""
    from trueno._cast_on_load import check_declaration, kernel_for
    from trueno._registry import Backend

    def same(x, y):
        return np.add(x, y)

    def mixed(x, y):
        return np.add(x, y, dtype=np.float64)

    decl = check_declaration("b", {"add": {"float64": (mixed, ("int32", "float32"))}})
    b = Backend("b", ("cpu",), 5, {"add": {"float64": same}}, cast_on_load=decl)
    other = Backend("o", ("cpu",), 9, {"sub": same})  # no add kernel: not in the way
    add, i32, f32, f64, i64 = OPS["add"], tn.int32, tn.float32, tn.float64, tn.int64
    assert kernel_for([other, b], add, f64, i32, f32, same) == (mixed, "b")
    assert kernel_for([other, b], add, f64, f32, f64, same) == (mixed, "b")
    assert kernel_for([b], add, f64, i64, f32, same) is None  # int64 not declared
    assert kernel_for([b], add, f32, i32, f32, same) is None  # no float32 declaration
    assert kernel_for([b], add, f64, i32, f32, np.add) is None  # another kernel was cached
    assert kernel_for([b], OPS["subtract"], f64, i32, f32, same) is None
