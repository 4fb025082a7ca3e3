"""Tensor operators vs NumPy (in-place operators, divmod, comparisons with non-arrays,
scalar assignment casts) and the errors of DESIGN.md §5."""

from __future__ import annotations

import numpy as np
import pytest

import trueno as tn

from trueno_core_helpers import assert_close, builtin_base
from trueno_core_helpers import assert_same_array as same


# --- in-place operators ----------------------------------------------------------------------

@pytest.mark.parametrize("op", ["+=", "-=", "*=", "/=", "//=", "%=", "**=", "&=", "|=", "^="])
@pytest.mark.parametrize("dtype", ["int8", "uint8", "int64", "float32", "float64", "bool",
                                   "complex64"])
@pytest.mark.parametrize("other", [2, 1.5, True, "array_int16", "array_float64"], ids=str)
def test_inplace_operators_match_numpy(op, dtype, other, request):
    """Result values and dtype of ``a op= b`` as NumPy, or the same error kind (same_kind
    casting: int_array += 1.5 raises a TypeError, as NumPy's UFuncTypeError)."""
    a = (np.arange(6).reshape(2, 3) % 4 + 1).astype(dtype)
    b = {"array_int16": np.array([1, 2, 3], dtype=np.int16),
         "array_float64": np.array([0.5, 1.0, 2.0])}.get(other, other)
    t = tn.asarray(a.copy())
    tb = tn.asarray(b) if isinstance(b, np.ndarray) else b
    code = f"x {op} y"
    with np.errstate(all="ignore"):
        try:
            na = a.copy()
            exec(code, {}, {"x": na, "y": b})
        except Exception as exc:
            kind = TypeError if isinstance(exc, TypeError) else type(exc)
            with pytest.raises(kind) as info:
                exec(code, {}, {"x": t, "y": tb})
            if kind is TypeError:
                assert isinstance(info.value, tn.TruenoError)
            return
        before = t
        ns = {"x": t, "y": tb}
        exec(code, {}, ns)
    assert ns["x"] is before  # in place: same object
    assert_close(t, na, msg=f"{dtype} {op} {other!r}")


def test_inplace_on_int_with_float_raises_ufunc_type_error_kind():
    a = np.arange(3)
    with pytest.raises(TypeError, match="same_kind") as np_info:
        a += 1.5
    assert "UFunc" in type(np_info.value).__name__
    t = tn.arange(3)
    with pytest.raises(TypeError, match="same_kind") as info:
        t += 1.5
    assert isinstance(info.value, tn.DTypeError)
    np.testing.assert_array_equal(t.numpy(), [0, 1, 2])  # untouched


def test_inplace_on_a_view_and_broadcasting():
    base = np.zeros((3, 4))
    t = tn.asarray(base)
    v = t[:, 1::2]
    v += tn.asarray([1.0, 2.0])
    want = np.zeros((3, 4))
    want[:, 1::2] += np.array([1.0, 2.0])
    np.testing.assert_array_equal(base, want)
    with pytest.raises(ValueError):
        want[:, :2] += np.ones((3, 3))
    with pytest.raises(ValueError):
        t[:, :2] += tn.ones((3, 3))


@pytest.mark.parametrize("dtype", ["int8", "uint8", "bool", "float16", "float32", "complex64"])
@pytest.mark.parametrize("value", [1.7, 300, -1, np.nan, 1 + 2j, True, 2**70], ids=repr)
def test_setitem_python_scalar_casts_like_numpy(dtype, value):
    """``a[0] = value`` casts as NumPy does, and raises the same built-in error where NumPy
    refuses (300 into int8: OverflowError; nan into an int: ValueError; complex: TypeError)."""
    a = np.zeros(3, dtype=dtype)
    t = tn.asarray(a.copy())
    with np.errstate(all="ignore"):
        try:
            a[0] = value
        except Exception as exc:
            with pytest.raises(builtin_base(type(exc))):
                t[0] = value
            return
        t[0] = value
    same(t, a)


@pytest.mark.parametrize("other", [3, -2, 2.5])
def test_divmod(other):
    a = np.array([7, -7, 0, 5])
    t = tn.asarray(a)
    for got, want in zip(divmod(t, other), divmod(a, other)):
        same(got, want)
    for got, want in zip(divmod(other, tn.asarray([2, 3])), divmod(other, np.array([2, 3]))):
        same(got, want)


@pytest.mark.parametrize("other", [None, "abc", object()], ids=["None", "str", "object"])
def test_equality_with_non_arrays(other):
    """``a == None`` is all False and ``a != None`` all True, as in NumPy (no error)."""
    a = np.arange(4).reshape(2, 2)
    t = tn.asarray(a)
    same(t == other, a == other)
    same(t != other, a != other)


# --- errors (DESIGN.md §5) -------------------------------------------------------------------

def test_matmul_error_message_has_the_hint():
    a, b = tn.ones((3, 4)), tn.ones((5, 4))
    with pytest.raises(ValueError) as info:
        a @ b
    msg = str(info.value)
    assert isinstance(info.value, tn.ShapeError) and isinstance(info.value, tn.TruenoError)
    assert "inner dimensions do not match (4 != 5)" in msg
    assert "(m, k) @ (k, n) -> (m, n)" in msg
    assert "a @ b.T fits and gives shape (3, 5)" in msg
    assert "(3, 4)" in msg and "(5, 4)" in msg
    assert (a @ b.T).shape == (3, 5)  # and the hint is right


def test_matmul_error_without_a_fitting_rearrangement():
    with pytest.raises(tn.ShapeError) as info:
        tn.ones((3, 4)) @ tn.ones((6, 7))
    assert "hint" in str(info.value)
    with pytest.raises(tn.ShapeError, match="at least 1-D"):
        tn.matmul(tn.asarray(2.0), tn.ones(3))


def test_broadcasting_error():
    with pytest.raises(ValueError) as info:
        tn.ones((2, 3)) + tn.ones((4,))
    e = info.value
    assert isinstance(e, tn.ShapeError) and isinstance(e, tn.TruenoError)
    assert "(2, 3)" in str(e) and "(4,)" in str(e) and "hint" in str(e)


def test_bad_axis_is_axis_error():
    with pytest.raises(tn.AxisError) as info:
        tn.sum(tn.ones((2, 3)), axis=2)
    e = info.value
    assert isinstance(e, ValueError) and isinstance(e, IndexError)
    assert isinstance(e, tn.TruenoError)
    assert "axis 2" in str(e)
    with pytest.raises(np.exceptions.AxisError):
        np.sum(np.ones((2, 3)), axis=2)


def test_bad_dtype_and_bad_cast():
    with pytest.raises(TypeError) as info:
        tn.ones(3).astype("float128")
    assert isinstance(info.value, tn.DTypeError)
    with pytest.raises(TypeError) as info:  # NumPy refuses bool - bool too
        tn.subtract(tn.asarray([True]), tn.asarray([True]))
    assert isinstance(info.value, tn.DTypeError) and "hint" in str(info.value)
    with pytest.raises(TypeError):
        tn.bitwise_and(tn.ones(2), tn.ones(2))


def test_index_out_of_range():
    t = tn.zeros((2, 3))
    for key in [(2,), (0, 3), (-3,), (0, 0, 0)]:
        with pytest.raises(IndexError) as info:
            t[key]
        assert isinstance(info.value, tn.TruenoError)
    with pytest.raises(IndexError):
        t[tn.asarray([0, 5])]
    with pytest.raises(IndexError):
        t[5] = 1.0


def test_unknown_backend():
    with pytest.raises(tn.BackendError) as info:
        with tn.use_backend("no-such-backend"):
            pass
    assert isinstance(info.value, RuntimeError) and isinstance(info.value, tn.TruenoError)
    assert "no-such-backend" in str(info.value) and "reference" in str(info.value)


def test_every_error_type_is_a_trueno_error():
    for name in ("ShapeError", "DTypeError", "AxisError", "TruenoIndexError", "DeviceError",
                 "BackendError", "LinAlgError", "FormatError", "MissingExtraError"):
        assert issubclass(getattr(tn, name), tn.TruenoError), name
    assert issubclass(tn.ShapeError, ValueError) and issubclass(tn.DTypeError, TypeError)
    assert issubclass(tn.TruenoIndexError, IndexError)
    assert issubclass(tn.DeviceError, RuntimeError)


def test_use_backend_restores_the_choice(backend):
    """``use_backend("reference")`` runs the reference kernel, and leaving the block runs the
    fixture's backend again: spies on each CPU backend's float64 ``sum`` record which ran."""
    from trueno._registry import clear_kernel_cache, load_plugins
    reg = load_plugins()
    ran, saved = [], {}

    def spy(name, k):
        def kernel(*args, **params):
            ran.append(name)
            return k(*args, **params)
        return kernel
    for b in reg.backends.values():
        k = b.kernel("sum", "float64")
        if "cpu" in b.devices and k is not None:
            saved[b.name] = b.kernels["sum"]
            table = b.kernels["sum"]
            b.kernels["sum"] = {**table, "float64": spy(b.name, k)} \
                if isinstance(table, dict) else spy(b.name, k)
    clear_kernel_cache()
    own = backend if backend in saved else "reference"  # a backend without sum falls back
    a = np.arange(6.0).reshape(2, 3)
    try:
        same(tn.sum(tn.asarray(a), axis=0), a.sum(axis=0))
        assert ran == [own]
        with tn.use_backend("reference"):
            same(tn.sum(tn.asarray(a), axis=0), a.sum(axis=0))
        assert ran == [own, "reference"]
        same(tn.sum(tn.asarray(a), axis=1), a.sum(axis=1))
        assert ran == [own, "reference", own]
    finally:
        for name, table in saved.items():
            reg.backends[name].kernels["sum"] = table
        clear_kernel_cache()
