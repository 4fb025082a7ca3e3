"""The NumPy face gives NumPy's results around the numbers (issue 14): which 0-d results are
NumPy scalars, ufunc objects and their methods, index helpers, flags, finfo/iinfo and dtype
attributes. Differential: every result is compared with NumPy's (type, dtype, shape, value)."""

from __future__ import annotations

import numpy as np
import pytest

import trueno as tn

from trueno_core_helpers import assert_numpy_result as same

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64", "complex64", "complex128"]


# -- 0-d results of operators and methods --------------------------------------------------------
_UNARY = {"neg": lambda z: -z, "pos": lambda z: +z, "abs": abs, "invert": lambda z: ~z}
_CMP = {"eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "lt": lambda a, b: a < b,
        "le": lambda a, b: a <= b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b}


def _numpy_or_error(fn, *args):
    try:
        return fn(*args)
    except TypeError as exc:
        return exc


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", sorted(_UNARY))
def test_unary_operators_of_0d_give_numpy_scalars(op, dtype):
    n = np.asarray(3, dtype=dtype)
    want = _numpy_or_error(_UNARY[op], n)
    if isinstance(want, TypeError):  # -bool, +bool, ~float: NumPy refuses, and so does trueno
        with pytest.raises(TypeError):
            _UNARY[op](tn.asarray(n))
        return
    same(_UNARY[op](tn.asarray(n)), want)
    same(_UNARY[op](tn.asarray(n[None])), _UNARY[op](n[None]))  # n-d stays an array


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", sorted(_CMP))
def test_comparisons_of_0d_give_numpy_scalars(op, dtype):
    if dtype.startswith("complex") and op not in ("eq", "ne"):
        return
    a, b = np.asarray(2, dtype=dtype), np.asarray(1, dtype=dtype)
    for x, y in [(a, b), (a, a), (b, a)]:
        same(_CMP[op](tn.asarray(x), tn.asarray(y)), _CMP[op](x, y))
        same(_CMP[op](tn.asarray(x), 1), _CMP[op](x, 1))
    same(_CMP[op](tn.asarray(a[None]), tn.asarray(b)), _CMP[op](a[None], b))


def test_equality_with_a_non_array_is_a_scalar_too():
    z = tn.asarray(2.0)
    same(z == None, np.asarray(2.0) == None)  # noqa: E711  (NumPy's elementwise comparison)
    same(z != "x", np.asarray(2.0) != "x")
    assert {z == z: 1}[np.True_] == 1  # a scalar: hashable
    with pytest.raises(TypeError):
        hash(z)  # arrays are not, as in NumPy


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32", "float64", "complex128"])
def test_vector_matmul_dot_take_give_numpy_scalars(dtype):
    n = np.arange(1, 4).astype(dtype)
    t = tn.asarray(n)
    same(t @ t, n @ n)
    same([1, 2, 3] @ t, [1, 2, 3] @ n)
    same(t.dot(t), n.dot(n))
    same(t.take(1), n.take(1))
    same(t.take(-1, mode="wrap"), n.take(-1, mode="wrap"))
    same(t.take([0, 2]), n.take([0, 2]))
    m = np.arange(6).reshape(2, 3).astype(dtype)
    same(tn.asarray(m) @ t, m @ n)
    same(tn.asarray(m).dot(t), m.dot(n))
    o = tn.zeros((), dtype=dtype)
    assert t.take(2, out=o) is o and o.item() == n[2]


def test_0d_results_recorded_by_autograd_stay_arrays():
    pytest.importorskip("trueno_autograd")
    x = tn.asarray(2.0).requires_grad_(True)
    for y in (-x, abs(x), x @ x if x.ndim else -x):
        assert isinstance(y, tn.ndarray) and y.requires_grad
    v = tn.asarray([1.0, 2.0]).requires_grad_(True)
    y = v @ v
    assert isinstance(y, tn.ndarray)
    y.backward()
    np.testing.assert_array_equal(np.asarray(v.grad), [2.0, 4.0])


def test_torch_face_keeps_0d_tensors():
    import trueno.torch as torch
    z, v = torch.tensor(2.0), torch.tensor([1.0, 2.0])
    for r in (-z, +z, abs(z), z == z, z != z, z < z, v @ v, v.dot(v), ~torch.tensor(3)):
        assert isinstance(r, torch.Tensor) and r.shape == ()


# -- element writes: NumPy's casts and checks, views, the version counter ------------------------
def _write(arr, key, value):
    try:
        arr[key] = value
    except (TypeError, ValueError, OverflowError, IndexError) as exc:
        return type(exc)
    return None


WRITES = [("int8", 0, 300), ("int8", 0, -129), ("uint8", 1, -1), ("uint8", 1, 255),
          ("int64", 0, 1.7), ("int64", 0, -1.7), ("int32", 2, np.float64(2.9)),
          ("bool", 0, 2), ("float32", 0, 1e300), ("float64", 0, 10 ** 400),
          ("float64", 0, 1 + 2j), ("complex64", 1, 1 + 2j), ("int64", 0, np.nan),
          ("float16", (1,), 3.3), ("int16", 5, 1), ("int16", -4, 1), ("float64", (0, 1), 1.0),
          ("int64", slice(0, 2), 9), ("float64", (slice(None),), np.float32(0.5)),
          ("uint64", 0, 2 ** 64 - 1), ("int64", 0, 2 ** 63), ("float32", 2, True)]


@pytest.mark.parametrize("case", range(len(WRITES)))
def test_element_writes_match_numpy(case):
    dtype, key, value = WRITES[case]
    n = np.arange(3).astype(dtype)
    t = tn.asarray(n.copy())
    with np.errstate(all="ignore"):
        want = _write(n, key, value)
        got = _write(t, key, value)
    if want is None:
        assert got is None
    else:
        assert got is not None and issubclass(got, want if want is not ValueError else
                                              (ValueError, TypeError)), (got, want)
    np.testing.assert_array_equal(np.asarray(t), n)
    assert t.dtype.name == n.dtype.name


def test_element_writes_reach_bases_and_bump_the_version_counter():
    a = tn.zeros((3, 4))
    v = a[1:, ::2]
    v[0, 1] = 5.0
    a.T[3, 0] = 7.0
    assert a[1, 2] == 5.0 and a[0, 3] == 7.0
    r = a[2]  # a row view
    r[1] = 3.0
    assert a[2, 1] == 3.0 and isinstance(r, tn.ndarray)
    pytest.importorskip("trueno_autograd")
    x, w = tn.ones(3), tn.ones(3).requires_grad_(True)
    y = x * w  # saves x for the gradient of w
    x[0] = 5.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
    z = tn.zeros(2)
    z[0:1] = w[0:1] * 2  # a value that requires grad: recorded, not written straight
    z.sum().backward()
    np.testing.assert_array_equal(np.asarray(w.grad), [2.0, 0.0, 0.0])


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "complex128", "int64"])
def test_conj_conjugate_and_searchsorted_methods_as_numpy(dtype):
    z = tn.asarray(1 + 2j)
    assert tn.vdot(z, z) == np.vdot(1 + 2j, 1 + 2j)  # trueno's code calls conj() of 0-d
    for shape in [(), (2,)]:
        n = np.full(shape, 3, dtype=dtype)
        if dtype.startswith("complex"):
            n = n * (1 + 2j)
        t = tn.asarray(n)
        if shape or not dtype.startswith("complex"):  # conj() of 0-d complex: an array
            same(t.conj(), n.conj())
        same(t.conjugate(), n.conjugate())
        assert (t.conj() is t) == (n.conj() is n)
        assert (t.conjugate() is t) == (n.conjugate() is n)
    v, nv = tn.asarray([1, 3, 5]).astype(dtype), np.asarray([1, 3, 5]).astype(dtype)
    same(v.searchsorted(3), nv.searchsorted(3))
    same(v.searchsorted([0, 6], side="right"), nv.searchsorted([0, 6], side="right"))


def test_element_writes_recorded_by_autograd_have_gradients():
    pytest.importorskip("trueno_autograd")
    x = tn.asarray([1.0, 2.0, 3.0]).requires_grad_(True)
    y = x * 1.0
    y[1] = x[0] * 2  # an element index: its backward indexes the gradient with it
    y[-1] = x[1] * 5
    y.sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), [3.0, 5.0, 0.0])
    w = tn.ones(3).requires_grad_(True)
    z = tn.zeros((2, 2))
    z[1, 0] = w[2] * 3
    z[np.int64(0), -1] = w[0]
    (z * tn.asarray([[1.0, 10.0], [100.0, 1000.0]])).sum().backward()
    np.testing.assert_array_equal(np.asarray(w.grad), [10.0, 0.0, 300.0])
    np.testing.assert_array_equal(np.asarray(z.detach()), [[0.0, 1.0], [3.0, 0.0]])
