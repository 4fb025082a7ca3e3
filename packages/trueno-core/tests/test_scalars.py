"""The NumPy face returns NumPy scalars (copies) where NumPy does: element indexing, iteration
over a 1-d array, full reductions (issue 14); 0-d arrays where NumPy keeps them. Differential
against NumPy: the type of each result (``type(x) is type(y)``), its value, dtype and repr."""

from __future__ import annotations

import json

import numpy as np
import pytest

import trueno as tn
import trueno.torch as torch

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64", "complex64", "complex128"]


def _same(got, want, rtol=0.0):
    """``got`` (trueno) is what NumPy gave: the same scalar type and value, or a trueno array
    of the same shape, dtype and values where NumPy gave an array."""
    if isinstance(want, np.ndarray):
        assert isinstance(got, tn.ndarray), (type(got), want)
        assert got.shape == want.shape and got.dtype.name == want.dtype.name
        np.testing.assert_allclose(np.asarray(got), want, rtol=rtol)
    else:
        assert type(got) is type(want), (type(got), type(want))
        assert repr(got) == repr(want)


def _pair(dtype, shape=(2, 3)):
    n = (np.arange(int(np.prod(shape))) % 5 + 1).reshape(shape).astype(dtype)
    return tn.asarray(n), n


def test_swap_idiom_and_held_element_are_copies():
    a = tn.asarray([1.0, 2.0, 3.0])
    a[0], a[2] = a[2], a[0]
    np.testing.assert_array_equal(np.asarray(a), [3.0, 2.0, 1.0])
    b = tn.arange(4.0)
    prev = b[2]
    b[2] = 100.0
    assert prev == 2.0 and type(prev) is np.float64
    m = tn.arange(6).reshape(2, 3)
    held = m[1, 2]
    m[1, 2] = -1
    assert held == 5


@pytest.mark.parametrize("dtype", DTYPES)
def test_element_indexing_matches_numpy(dtype):
    t, n = _pair(dtype)
    t1, n1 = t[0], n[0]
    for key in [1, -1, np.int64(2), np.int8(0), np.uint8(1)]:
        _same(t1[key], n1[key])
    for key in [(1, 2), (-1, -3), (np.int64(0), 1), (1, np.int32(0))]:
        _same(t[key], n[key])
    # 0-d integer arrays as indices count as integers (a scalar); arrays give arrays
    _same(t[tn.asarray(1), tn.asarray(0)], n[np.asarray(1), np.asarray(0)])
    _same(t[1, tn.asarray(0)], n[1, np.asarray(0)])
    _same(t[1, [0, 2]], n[1, [0, 2]])
    _same(t[0, :], n[0, :])
    _same(t[0, None], n[0, None])
    _same(t[0, ...], n[0, ...])
    with pytest.raises(IndexError):
        t[1, 1.5]
    with pytest.raises(IndexError):
        t[1, tn.asarray(0.0)]
    _same(t1[tn.asarray(2)], n1[np.asarray(2)])
    _same(t1[[1]], n1[[1]])
    _same(t[1], n[1])
    # an Ellipsis or a 0-d array's () keep NumPy's answers
    _same(t1[..., 0], n1[..., 0])
    _same(t[1, ..., 2], n[1, ..., 2])
    _same(t1[()], n1[()])
    z, nz = tn.asarray(n[0, 0]), np.asarray(n[0, 0])
    _same(z[()], nz[()])
    _same(z[...], nz[...])
    _same(z[None], nz[None])
    _same(z[tn.asarray(True)], nz[np.True_])


def test_element_indexing_views_and_errors():
    a = tn.arange(5.0)
    v = a[1:3]  # slices stay views
    v[0] = 10.0
    assert a[1] == 10.0
    with pytest.raises(IndexError, match="out of bounds"):
        a[5]
    with pytest.raises(IndexError):
        tn.zeros((2, 2))[0, 2]


@pytest.mark.parametrize("dtype", ["int8", "uint64", "float32", "float64", "complex64", "bool"])
def test_iteration(dtype):
    t, n = _pair(dtype, (4,))
    got, want = list(t), list(n)
    assert [type(x) for x in got] == [type(x) for x in want]
    assert [repr(x) for x in got] == [repr(x) for x in want]
    m, nm = _pair(dtype)
    rows = list(m)
    assert all(isinstance(r, tn.ndarray) for r in rows)
    for r, nr in zip(rows, nm):
        _same(r, nr)
    rows[0][0] = m[1, 1]  # rows are views, as in NumPy
    assert m[0, 0] == m[1, 1]
    assert [type(x) for x in tn.asarray(nm).flat] == [type(x) for x in nm.flat]


REDUCTIONS = ["sum", "prod", "mean", "var", "std", "max", "min", "argmax", "argmin", "any",
              "all"]


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint16", "int64", "float16", "float32",
                                   "float64", "complex128"])
@pytest.mark.parametrize("name", REDUCTIONS)
def test_reductions_match_numpy(name, dtype):
    t, n = _pair(dtype)
    if dtype == "bool" and name in ("var", "std"):
        return  # NumPy's var of bools is float64 of an object loop; not compared here
    if dtype.startswith("complex") and name in ("max", "min", "argmax", "argmin"):
        return  # trueno orders no complex numbers (docs/compat.md)
    f, nf = getattr(tn, name), getattr(np, name)
    for kw in [{}, {"axis": None}, {"axis": 0}, {"axis": 1}]:
        got, want = f(t, **kw), nf(n, **kw)
        assert type(got) is type(want) or isinstance(want, np.ndarray), (kw, type(got))
        if isinstance(want, np.ndarray):
            assert isinstance(got, tn.ndarray) and got.dtype.name == want.dtype.name
            np.testing.assert_allclose(np.asarray(got), want, rtol=2e-3)
        else:
            np.testing.assert_allclose(got, want, rtol=2e-3)
        m = getattr(t, name)(**kw)
        assert type(m) is type(got)
    # a reduction to 0-d of a 1-d array (axis=0) is a scalar too; keepdims keeps an array
    got, want = f(t[0], axis=0), nf(n[0], axis=0)
    assert type(got) is type(want)
    kw = {"keepdims": True}
    got, want = f(t, **kw), nf(n, **kw)
    _same(got, want, rtol=2e-3)


def test_scalar_results_behave_as_numpys():
    a = tn.asarray([0.5, 1.5, 2.0])
    s = a.sum()
    assert isinstance(s, float) and type(s) is np.float64
    assert {s: 1}[4.0] == 1 and len({s, 4.0, a.max() + 2}) == 1  # hashable
    assert json.dumps(s) == json.dumps(np.asarray([0.5, 1.5, 2.0]).sum())
    assert repr(tn.mean(a)) == repr(np.mean(np.asarray([0.5, 1.5, 2.0])))
    i = tn.arange(4).sum()
    assert type(i) is np.int64 and isinstance(i, np.integer) and f"{i:03d}" == "006"
    assert type(tn.arange(4).argmax()) is np.int64
    assert type(tn.asarray([True, False]).any()) is np.bool_


@pytest.mark.parametrize("name", ["median", "ptp", "nanmean", "nansum", "nanmax", "nanstd",
                                  "nanargmin", "average"])
def test_statistics_match_numpy(name):
    n = np.asarray([[3.0, 1.0, np.nan], [2.0, 5.0, 4.0]])
    if name in ("median", "ptp", "average"):
        n = np.nan_to_num(n)
    t = tn.asarray(n)
    f, nf = getattr(tn, name), getattr(np, name)
    _same(f(t), nf(n))
    _same(f(t, axis=0), nf(n, axis=0))
    _same(tn.quantile(t[1], 0.25), np.quantile(n[1], 0.25))
    _same(tn.percentile(t[1], [25, 50]), np.percentile(n[1], [25, 50]))


@pytest.mark.parametrize("call", [
    lambda m, x: m.trapezoid(x), lambda m, x: m.trapezoid(x, x=x * 2),
    lambda m, x: m.interp(2.2, x, x * 2), lambda m, x: m.interp([2.2], x, x * 2),
    lambda m, x: m.corrcoef(x), lambda m, x: m.corrcoef(x, x[::-1]),
    lambda m, x: m.isclose(1.0, 1.0), lambda m, x: m.isclose(x, 2.5),
    lambda m, x: m.polyval(x, 2.0), lambda m, x: m.polyval(x, x),
    lambda m, x: m.round(m.sum(x)), lambda m, x: m.around(x[1], 1), lambda m, x: m.round(x),
    lambda m, x: round(m.sum(x), 1), lambda m, x: m.median(x), lambda m, x: m.average(x, 0),
])
def test_more_scalar_results_match_numpy(call):
    x = np.asarray([1.0, 2.5, 4.0, 3.0])
    _same(call(tn, tn.asarray(x)), call(np, x), rtol=1e-12)


@pytest.mark.parametrize("scalar", [np.float64(2.5), np.float32(2.5), np.float16(2),
                                    np.int64(3), np.int8(3), np.uint8(3), np.bool_(True),
                                    np.complex128(1 + 2j)])
@pytest.mark.parametrize("dtype", ["int8", "int64", "float32", "float64"])
def test_mixed_arithmetic_keeps_trueno_arrays(scalar, dtype):
    t, n = _pair(dtype, (3,))
    for got, want in [(scalar + t, scalar + n), (t + scalar, n + scalar),
                      (scalar * t, scalar * n), (t - scalar, n - scalar),
                      (scalar - t, scalar - n), (scalar < t, scalar < n)]:
        _same(got, want)
    _same(t[0] + t, n[0] + n)  # a scalar read from a trueno array, back into arithmetic
    _same(t.sum() * t, n.sum() * n)


def test_zero_d_arrays_kept_where_numpy_keeps_them():
    z = tn.asarray(5.0)
    assert isinstance(z, tn.ndarray) and z.shape == ()
    assert isinstance(tn.asarray([1.0, 2.0]).sum(keepdims=True), tn.ndarray)
    o = tn.zeros(())
    r = tn.sum(tn.asarray([1.0, 2.0]), out=o)
    assert r is o and float(o) == 3.0


def test_torch_face_keeps_0d_tensors():
    t = torch.tensor([1.0, 2.0, 3.0])
    for r in (t[0], t.sum(), torch.sum(t), t.max(), t.argmax(), next(iter(t)), t[..., 0]):
        assert isinstance(r, torch.Tensor) and r.shape == (), type(r)
    r = t[1]
    t[1] = 10.0
    assert float(r) == 10.0  # a view, as in PyTorch


_V, _W = [1.0, 2.0, 3.0], [4.0, -1.0, 0.5]
_M = [[1.0, 2.0], [3.0, 5.0]]


@pytest.mark.parametrize("call", [
    lambda m: m.dot(m.asarray(_V), m.asarray(_W)), lambda m: m.vdot(m.asarray(_V), m.asarray(_W)),
    lambda m: m.inner(m.asarray(_V), m.asarray(_W)), lambda m: m.dot(m.asarray(_M), m.asarray(_M)),
    lambda m: m.dot(m.asarray(_M), m.asarray(_V[:2])), lambda m: m.dot(2.0, m.asarray(_V)),
    lambda m: m.linalg.norm(m.asarray(_V)), lambda m: m.linalg.norm(m.asarray(_M)),
    lambda m: m.linalg.norm(m.asarray(_M), 2), lambda m: m.linalg.norm(m.asarray(_M), axis=0),
    lambda m: m.linalg.norm(m.asarray(_V), axis=0), lambda m: m.linalg.matrix_norm(m.asarray(_M)),
    lambda m: m.linalg.cond(m.asarray(_M)), lambda m: m.linalg.det(m.asarray(_M)),
    lambda m: m.linalg.det(m.asarray([_M, _M])), lambda m: m.linalg.slogdet(m.asarray(_M))[1],
    lambda m: m.linalg.trace(m.asarray(_M)),
    lambda m: m.linalg.multi_dot([m.asarray(_V[:2]), m.asarray(_M), m.asarray(_V[:2])]),
    lambda m: m.count_nonzero(m.asarray([1, 0, 2])),
    lambda m: m.count_nonzero(m.asarray([[1, 0], [2, 0]]), axis=0),
    lambda m: m.count_nonzero(m.asarray([[1, 0], [2, 0]]), axis=(0, 1)),
    lambda m: m.searchsorted(m.asarray(_V), 2.5), lambda m: m.searchsorted(m.asarray(_V), [2.5]),
    lambda m: m.take(m.asarray(_V), 1), lambda m: m.take(m.asarray(_V), [1]),
    lambda m: m.take(m.asarray(_M), 1, axis=0),
    lambda m: m.einsum("i,i", m.asarray(_V), m.asarray(_W)),
    lambda m: m.einsum("ii", m.asarray(_M)), lambda m: m.einsum("ij->i", m.asarray(_M)),
    lambda m: m.trace(m.asarray(_M)),
    lambda m: m.linalg.vector_norm(m.asarray(_V)), lambda m: m.linalg.vector_norm(m.asarray(_M)),
    lambda m: m.linalg.vector_norm(m.asarray(_M), axis=0),
    lambda m: m.linalg.norm(m.asarray(_V), 1),
    lambda m: m.vecdot(m.asarray(_V), m.asarray(_W)),
    lambda m: m.linalg.vecdot(m.asarray(_V), m.asarray(_W)),
    lambda m: m.linalg.matmul(m.asarray(_V), m.asarray(_W)),
    lambda m: m.linalg.matrix_rank(m.asarray(_M)), lambda m: m.linalg.matrix_rank(m.asarray(2.0)),
    lambda m: m.linalg.multi_dot([m.asarray(_V[:2]), m.asarray(_V[:2])]),
])
def test_linalg_and_search_results_match_numpy(call):
    _same(call(tn), call(np), rtol=1e-12)


def test_function_results_stay_arrays_where_autograd_records_or_on_torch_face():
    from trueno import _dispatch as X
    from trueno._registry import load_plugins
    load_plugins()
    if X.STATE.autograd is None:
        pytest.skip("the autograd extra is not installed")
    x = tn.asarray(_V).requires_grad_()
    n = tn.linalg.norm(x)
    assert isinstance(n, tn.ndarray) and n.shape == ()
    n.backward()
    np.testing.assert_allclose(np.asarray(x.grad), np.asarray(_V) / np.linalg.norm(_V))
    d = tn.dot(x, x)
    assert isinstance(d, tn.ndarray) and d.shape == ()
    t = torch.tensor(_V)
    for r in (torch.dot(t, t), tn.linalg.norm(t), tn.linalg.det(torch.eye(2)),
              torch.einsum("i,i", t, t), tn.inner(t, t)):
        assert isinstance(r, torch.Tensor) and r.shape == ()


_Z, _Y = 2.5, -1.5


@pytest.mark.parametrize("call", [
    lambda m: m.sqrt(m.asarray(4.0)), lambda m: m.sqrt(4.0), lambda m: m.exp(m.asarray(1.0)),
    lambda m: m.exp(m.asarray(1, dtype=m.int8)), lambda m: m.isnan(m.asarray(_Z)),
    lambda m: m.add(1, 2), lambda m: m.add(1, m.asarray(_Z)), lambda m: m.add(m.asarray(_Z), 1),
    lambda m: m.divide(1, 2), lambda m: m.arctan2(m.asarray(_Z), m.asarray(_Y)),
    lambda m: m.maximum(m.asarray(_Z), 1), lambda m: m.logical_and(True, False),
    lambda m: m.asarray(_Z) + m.asarray(_Y), lambda m: m.asarray(_Z) * 3,
    lambda m: 3 - m.asarray(_Z), lambda m: m.asarray(_Z) ** 2, lambda m: m.asarray(7) // 2,
    lambda m: m.asarray(_Z) < 2, lambda m: m.asarray(True) + m.asarray(False),
    lambda m: m.asarray(2, dtype=m.uint8) + m.asarray(3, dtype=m.int8),
    lambda m: m.asarray(_Z, dtype=m.float32) * m.asarray(_Y, dtype=m.float32),
    lambda m: m.asarray(_Z) + np.float64(2), lambda m: np.float64(2) + m.asarray(_Z),
    lambda m: m.clip(m.asarray(3.0), 0, 1), lambda m: m.clip(m.asarray(3), 0.5, 1),
    lambda m: m.matmul(m.asarray([1.0, 2.0]), m.asarray([3.0, 4.0])),
    # arrays where NumPy keeps them: n-d results, where, real/imag
    lambda m: m.asarray([_Z]) + m.asarray(_Y), lambda m: m.exp(m.asarray([0.0])),
    lambda m: m.where(True, 1, 2), lambda m: m.real(m.asarray(1 + 2j)),
    lambda m: m.asarray([[_Z]]) * m.asarray(_Y),
])
def test_ufunc_results_match_numpy(call):
    _same(call(tn), call(np), rtol=1e-12)


def test_ufunc_0d_exceptions():
    z = tn.asarray(_Z)
    z2 = z
    z2 += 1.0  # in place: stays the same 0-d array
    assert z2 is z and isinstance(z, tn.ndarray) and float(z) == _Z + 1
    assert isinstance(tn.relu(tn.asarray(-1.0)), tn.ndarray)  # no NumPy twin: an array
    t = torch.tensor(_Z)
    for r in (t + t, t * 2, torch.exp(t), t < 3):
        assert isinstance(r, torch.Tensor) and r.shape == ()
    from trueno import _dispatch as X
    from trueno._registry import load_plugins
    load_plugins()
    if X.STATE.autograd is None:
        pytest.skip("the autograd extra is not installed")
    x = tn.asarray(_Z).requires_grad_()
    y = x * x + tn.exp(x)  # recorded by autograd: 0-d arrays, so that backward works
    assert isinstance(y, tn.ndarray) and y.shape == ()
    y.backward()
    np.testing.assert_allclose(float(x.grad), 2 * _Z + np.exp(_Z))
    with tn.no_grad():  # a user's no_grad block: NumPy's scalar
        assert type(tn.asarray(_Z) + tn.asarray(_Y)) is np.float64
    seen = []  # while backward rules and hooks run: 0-d arrays, which the rules compute with
    x2 = tn.asarray(_Z).requires_grad_()
    x2.register_hook(lambda g: seen.append(type(g + g)))
    (x2 * 3.0).backward()
    assert seen == [tn.ndarray] and float(x2.grad) == 3.0


def test_decomposition_scalars_are_rewrapped_by_run():
    """A decomposition (run where a device has no kernel) made of NumPy-face arithmetic gives
    a NumPy scalar for a 0-d result; the dispatcher hands an op's caller an array."""
    from trueno import _dispatch as X
    from trueno._device import CPU
    r = X._tensor_result(np.float32(1.5), tn.ndarray, CPU)
    assert isinstance(r, tn.ndarray) and r.shape == () and r.dtype == tn.float32
    pair = X._tensor_result((np.int64(2), tn.asarray([1.0])), tn.ndarray, CPU)
    assert isinstance(pair[0], tn.ndarray) and int(pair[0]) == 2 and pair[1].shape == (1,)
