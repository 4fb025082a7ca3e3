"""Tensor's Python and NumPy protocols vs NumPy: __array__, tolist/item, repr/str, len and
iteration, truth value, hashing, pickling, scalar conversions, and round trips (hypothesis)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import trueno as tn

from trueno_core_helpers import assert_same_array as same


# --- interop and protocols -------------------------------------------------------------------

def test_array_protocol_and_numpy():
    a = np.arange(6.0).reshape(2, 3)
    t = tn.asarray(a)
    assert np.shares_memory(np.asarray(t), a)
    assert np.shares_memory(t.numpy(), a)
    assert np.asarray(t, dtype=np.float32).dtype == np.float32
    assert not np.shares_memory(np.array(t), a)  # np.array copies by default
    assert isinstance(np.add(a, t), (np.ndarray, tn.Tensor))


@pytest.mark.parametrize("dtype", ["int8", "uint64", "float16", "float32", "bool", "complex64"])
@pytest.mark.parametrize("shape", [(), (3,), (2, 2), (0, 3)], ids=str)
def test_tolist_item(dtype, shape):
    a = (np.arange(int(np.prod(shape))) % 3).reshape(shape).astype(dtype)
    t = tn.asarray(a)
    assert t.tolist() == a.tolist()
    if a.size == 1:
        assert t.item() == a.item() and type(t.item()) is type(a.item())
        assert float(t) == float(a) if dtype[0] != "c" else complex(t) == complex(a)
    else:
        with pytest.raises(ValueError):
            a.item()
        with pytest.raises(ValueError):
            t.item()


def test_item_with_index_and_int_float_conversions():
    a = np.arange(6).reshape(2, 3)
    t = tn.asarray(a)
    assert t.item(4) == a.item(4) and t.item(1, 2) == a.item(1, 2)
    assert int(tn.asarray(7)) == 7 and float(tn.asarray(2.5)) == 2.5
    assert [10, 20, 30][tn.asarray(1)] == 20  # __index__
    with pytest.raises(TypeError):
        [1, 2][tn.asarray(1.0)]


def test_array_namespace():
    t = tn.asarray([1, 2])
    assert t.__array_namespace__() is tn
    assert t.__array_namespace__(api_version="2023.12") is tn
    with pytest.raises(ValueError):
        t.__array_namespace__(api_version="1999.01")


@pytest.mark.parametrize("make", [
    lambda: np.arange(5.0),
    lambda: np.arange(12, dtype=np.float32).reshape(3, 4) / 7,
    lambda: np.arange(6, dtype=np.int8).reshape(2, 3) - 3,
    lambda: np.array([True, False]),
    lambda: np.array([1 + 2j, -0.5j], dtype=np.complex64),
    lambda: np.array(3.25),
    lambda: np.array(7, dtype=np.uint64),
    lambda: np.zeros((0, 3), dtype=np.int16),
    lambda: np.zeros((2, 0)),
    lambda: np.arange(2000.0),
    lambda: np.array([np.nan, np.inf, -np.inf, 1e-20, 1e20]),
    lambda: np.arange(4, dtype=np.float16) / 3,
    lambda: np.arange(24).reshape(2, 3, 4)[:, ::-1, ::2],
    lambda: np.array([1.5, 2.0], dtype=np.float32),
], ids=lambda f: "")
def test_repr_and_str_equal_numpy(make):
    a = make()
    t = tn.asarray(a)
    assert repr(t) == repr(a)
    assert str(t) == str(a)


def test_len_and_iteration():
    a = np.arange(6).reshape(3, 2)
    t = tn.asarray(a)
    assert len(t) == len(a) == 3
    rows = list(t)
    assert len(rows) == 3
    for r, w in zip(rows, a):
        same(r, w)
    assert [x.item() for x in tn.asarray([4, 5])] == [4, 5]
    z = tn.asarray(np.array(1.0))
    with pytest.raises(TypeError):
        len(np.array(1.0))
    with pytest.raises(TypeError):
        len(z)
    with pytest.raises(TypeError):
        iter(np.array(1.0))
    with pytest.raises(TypeError):
        iter(z)
    assert len(tn.zeros((0, 3))) == 0 and list(tn.zeros((0, 3))) == []


@pytest.mark.parametrize("value", [[1.0], [0], [[True]], 0.0, 3, [], [1, 2], [[0, 0]]],
                         ids=repr)
def test_bool_rules(value):
    a = np.asarray(value)
    t = tn.asarray(value)
    try:
        want = bool(a)
    except ValueError:
        with pytest.raises(ValueError, match="ambiguous"):
            bool(t)
        return
    assert bool(t) is want


def test_unhashable():
    with pytest.raises(TypeError):
        hash(np.zeros(2))
    with pytest.raises(TypeError):
        hash(tn.zeros(2))
    with pytest.raises(TypeError):
        {tn.zeros(2): 1}


def test_pickle_round_trip():
    t = tn.asarray(np.arange(6, dtype=np.int16).reshape(2, 3))[:, ::-1]
    u = pickle.loads(pickle.dumps(t))
    same(u, t.numpy())
    assert type(u) is type(t)


@pytest.mark.parametrize("conv", [float, int, complex])
def test_scalar_conversion_needs_0d(conv):
    with pytest.raises(TypeError):
        conv(np.array([2]))
    with pytest.raises(TypeError):
        conv(tn.asarray([2]))
    assert conv(tn.asarray(2)) == conv(np.array(2))
    assert bool(tn.asarray([2])) is bool(np.array([2]))


# --- round trips (hypothesis) ----------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
import hypothesis.extra.numpy as hnp  # noqa: E402

_RT_DTYPES = [np.dtype(n) for n in ("bool", "int8", "uint16", "int64", "uint64", "float16",
                                    "float32", "float64", "complex64", "complex128")]


@settings(max_examples=50, deadline=None)
@given(hnp.arrays(st.sampled_from(_RT_DTYPES), hnp.array_shapes(min_dims=0, max_dims=3,
                                                                min_side=0, max_side=4)))
def test_round_trips_and_repr(a):
    """asarray/numpy/tolist/DLPack/pickle round trips keep values and dtype; repr and str
    print as NumPy prints the same values."""
    t = tn.asarray(a)
    np.testing.assert_array_equal(t.numpy(), a)
    np.testing.assert_array_equal(np.asarray(t.tolist(), dtype=a.dtype),
                                  np.asarray(a.tolist(), dtype=a.dtype))  # NaN-aware
    assert repr(t.tolist()) == repr(a.tolist())  # same Python types and values
    np.testing.assert_array_equal(np.from_dlpack(t), a)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(t)).numpy(), a)
    same(tn.asarray(a.tolist(), dtype=a.dtype), np.asarray(a.tolist(), dtype=a.dtype))
    assert repr(t) == repr(a)
    assert str(t) == str(a)
