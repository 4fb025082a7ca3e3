"""Tensor basics vs NumPy: creation (asarray, buffers, DLPack, the creation functions,
bfloat16) and random numbers."""

from __future__ import annotations

import array

import ml_dtypes
import numpy as np
import pytest

import trueno as tn

from trueno_core_helpers import NP_DTYPES, assert_close, builtin_base
from trueno_core_helpers import assert_same_array as same

BF16 = np.dtype(ml_dtypes.bfloat16)


# --- asarray ---------------------------------------------------------------------------------

@pytest.mark.parametrize("obj", [[[1, 2], [3, 4]], [1.5, 2], [True, False], [1 + 2j, 3],
                                 3, 2.5, True, 1j, [], [[]], [[1, 2.5], [True, 4]],
                                 ((1, 2), (3, 4)), [np.float32(1.5), np.float32(2)],
                                 np.int16(7), [2**40, -3]], ids=repr)
def test_asarray_matches_numpy(obj):
    same(tn.asarray(obj), np.asarray(obj))
    same(tn.array(obj), np.array(obj))


@pytest.mark.parametrize("obj", [[0, 2**63 + 1], [1.5, 2**53 + 1], [300], 300, [np.nan], 2.5,
                                 [1 + 2j], [True, 2]], ids=repr)
@pytest.mark.parametrize("dtype", ["int8", "uint64", "int64", "float32"])
def test_asarray_python_numbers_with_dtype(obj, dtype):
    """With a dtype, each Python number converts exactly and range-checked, as in NumPy."""
    try:
        want = np.asarray(obj, dtype=dtype)
    except Exception as exc:
        with pytest.raises(builtin_base(type(exc))):
            tn.asarray(obj, dtype=dtype)
        return
    same(tn.asarray(obj, dtype=dtype), want)


@pytest.mark.parametrize("dtype", ["int8", "uint16", "float32", "complex64", "bool"])
def test_asarray_with_dtype(dtype):
    same(tn.asarray([[0, 1], [2, 3]], dtype=dtype), np.asarray([[0, 1], [2, 3]], dtype=dtype))
    same(tn.asarray(3, dtype=getattr(tn, dtype if dtype != "bool" else "bool_")),
         np.asarray(3, dtype=dtype))


def test_asarray_nested_with_tensors():
    same(tn.asarray([tn.asarray(1.5), 2.0]), np.asarray([1.5, 2.0]))
    same(tn.asarray([tn.asarray([1, 2]), tn.asarray([3, 4])]), np.asarray([[1, 2], [3, 4]]))


@pytest.mark.parametrize("dtype", list(NP_DTYPES))
def test_asarray_of_numpy_is_zero_copy(dtype):
    a = np.zeros((3, 4), dtype=NP_DTYPES[dtype])
    t = tn.asarray(a)
    assert np.shares_memory(t.numpy(), a)
    assert t.dtype == a.dtype
    v = a[::-1, 1::2]
    tv = tn.asarray(v)
    assert np.shares_memory(tv.numpy(), a) and tv.strides == v.strides
    c = tn.asarray(a, copy=True)
    assert not np.shares_memory(c.numpy(), a)
    assert np.shares_memory(np.asarray(t), a)  # __array__ back: no copy either


def test_asarray_copy_false_needs_no_copy():
    with pytest.raises(ValueError):
        np.asarray([1, 2], copy=False)
    with pytest.raises(ValueError):
        tn.asarray([1, 2], copy=False)
    a = np.arange(3.0)
    assert np.shares_memory(tn.asarray(a, copy=False).numpy(), a)


def test_asarray_of_a_tensor_is_itself_unless_asked():
    t = tn.asarray([1.0, 2.0])
    assert tn.asarray(t) is t
    c = tn.asarray(t, copy=True)
    assert c is not t and not np.shares_memory(c.numpy(), t.numpy())
    same(tn.asarray(t, dtype="int32"), np.asarray([1, 2], dtype=np.int32))


def test_asarray_of_objects_and_strings_is_numpys_on_the_numpy_face_only():
    import trueno.torch as torch_face
    # the NumPy face holds every NumPy dtype on the CPU (issue 14); tensors hold numbers only
    for obj in (["a", "b"], [object()], np.array(["x"])):
        assert tn.asarray(obj).dtype == np.asarray(obj).dtype
        with pytest.raises(TypeError) as info:
            tn.asarray(obj, cls=torch_face.Tensor)
        assert isinstance(info.value, tn.TruenoError)


def test_buffer_protocol_inputs():
    buf = bytearray(b"\x01\x02\x03\x04")
    same(tn.asarray(buf), np.asarray(buf))
    same(tn.asarray(memoryview(buf)), np.asarray(memoryview(buf)))
    same(tn.asarray(array.array("d", [1.0, 2.5])), np.asarray(array.array("d", [1.0, 2.5])))
    raw = np.arange(4, dtype=np.float32).tobytes()
    same(tn.frombuffer(raw, dtype=tn.float32), np.frombuffer(raw, dtype=np.float32))
    same(tn.frombuffer(raw, dtype="int16", count=3, offset=2),
         np.frombuffer(raw, dtype="int16", count=3, offset=2))
    a = np.arange(6.0)
    assert np.shares_memory(tn.asarray(memoryview(a)).numpy(), a)


def test_no_buffer_export():
    """docs/compat.md: a trueno array does not export the buffer protocol (its data may live
    on a device); ``memoryview(t.numpy())`` is the zero-copy route on the CPU."""
    t = tn.arange(4.0)
    with pytest.raises(TypeError):
        memoryview(t)
    m = memoryview(t.numpy())
    assert m.format == "d" and m.shape == (4,) and m.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert np.shares_memory(np.asarray(m), t.numpy())


# --- DLPack ----------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["int8", "uint8", "int64", "float16", "float32", "float64",
                                   "complex64", "bool"])
def test_dlpack_round_trip_with_numpy(dtype):
    a = np.arange(6).reshape(2, 3).astype(dtype)
    t = tn.from_dlpack(a)
    same(t, a)
    assert np.shares_memory(t.numpy(), a)
    back = np.from_dlpack(t)
    np.testing.assert_array_equal(back, a)
    assert np.shares_memory(back, a)
    assert t.__dlpack_device__() == (1, 0)
    v = tn.asarray(a)[:, ::-1]  # a strided view exports with its strides
    np.testing.assert_array_equal(np.from_dlpack(v), a[:, ::-1])


def test_dlpack_round_trip_with_torch():
    torch = pytest.importorskip("torch", reason="torch is not installed (DLPack interop)")
    x = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    t = tn.from_dlpack(x)
    same(t, x.numpy())
    assert np.shares_memory(t.numpy(), x.numpy())
    y = torch.from_dlpack(tn.asarray(np.arange(5.0)))
    assert y.dtype == torch.float64 and y.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    z = torch.from_dlpack(t)  # round trip back into torch: same memory
    z[0, 0] = 100
    assert x[0, 0].item() == 100 and t[0, 0].item() == 100


# --- creation functions ----------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(), 0, 3, (2, 3), (0, 4), [2, 1, 2]], ids=str)
@pytest.mark.parametrize("dtype", [None, "int32", "float32", "bool", "complex128"])
def test_zeros_ones_full_empty(shape, dtype):
    same(tn.zeros(shape, dtype=dtype), np.zeros(shape, dtype=dtype))
    same(tn.ones(shape, dtype=dtype), np.ones(shape, dtype=dtype))
    same(tn.full(shape, 3, dtype=dtype), np.full(shape, 3, dtype=dtype))
    e = tn.empty(shape, dtype=dtype)
    ne = np.empty(shape, dtype=dtype)
    assert e.shape == ne.shape and e.dtype == ne.dtype


@pytest.mark.parametrize("fill", [3, 2.5, True, 1 + 1j, np.float32(1.5), np.int8(3)], ids=repr)
def test_full_infers_numpy_dtype(fill):
    same(tn.full((2, 2), fill), np.full((2, 2), fill))


@pytest.mark.parametrize("dtype", ["int8", "float32", "bool", "complex64"])
def test_like_functions(dtype):
    a = np.arange(6).reshape(2, 3).astype(dtype)
    t = tn.asarray(a).T
    for fn in ("zeros_like", "ones_like"):
        same(getattr(tn, fn)(t), getattr(np, fn)(a.T))
        same(getattr(tn, fn)(t, dtype="float64"), getattr(np, fn)(a.T, dtype="float64"))
    same(tn.full_like(t, 1), np.full_like(a.T, 1))
    e = tn.empty_like(t)
    assert e.shape == (3, 2) and e.dtype == a.dtype


def test_negative_shape_raises():
    with pytest.raises(ValueError):
        np.zeros((2, -1))
    with pytest.raises(ValueError) as info:
        tn.zeros((2, -1))
    assert isinstance(info.value, tn.TruenoError)


@pytest.mark.parametrize("args,kw", [((5,), {}), ((2, 7), {}), ((7, 2, -2), {}),
                                     ((0.0, 1.0, 0.25), {}), ((3,), {"dtype": "float32"}),
                                     ((1, 2.5, 0.5), {}), ((0,), {}), ((5, 1), {}),
                                     ((-3, 3), {"dtype": "int8"}), ((2.5,), {}),
                                     ((0, 1, 0.1), {"dtype": "float32"}),
                                     ((0, 2, 0.3), {"dtype": "float16"}),
                                     ((4,), {"dtype": "complex64"})], ids=str)
def test_arange(args, kw):
    same(tn.arange(*args, **kw), np.arange(*args, **kw))


def test_arange_zero_step_raises():
    with pytest.raises(ZeroDivisionError):
        np.arange(0, 5, 0)
    with pytest.raises((ValueError, ZeroDivisionError)):
        tn.arange(0, 5, 0)


@pytest.mark.parametrize("kw", [{}, {"num": 7}, {"num": 1}, {"num": 0}, {"endpoint": False},
                                {"num": 5, "dtype": "float32"}], ids=str)
def test_linspace_logspace(kw):
    assert_close(tn.linspace(-1.0, 2.0, **kw), np.linspace(-1.0, 2.0, **kw))
    assert_close(tn.logspace(0.0, 2.0, **kw), np.logspace(0.0, 2.0, **kw))
    assert_close(tn.logspace(0.0, 3.0, base=2.0, **kw), np.logspace(0.0, 3.0, base=2.0, **kw))


@pytest.mark.parametrize("args,kw", [((3,), {}), ((3, 4), {}), ((4, 3), {"k": 1}),
                                     ((3,), {"k": -2}), ((2,), {"dtype": "int8"}),
                                     ((0,), {})], ids=str)
def test_eye_identity(args, kw):
    same(tn.eye(*args, **kw), np.eye(*args, **kw))
    same(tn.identity(args[0]), np.identity(args[0]))


@pytest.mark.parametrize("indexing", ["xy", "ij"])
def test_meshgrid(indexing):
    x, y, z = np.arange(3), np.linspace(0, 1, 4), np.array([1.5, 2.5])
    got = tn.meshgrid(tn.asarray(x), tn.asarray(y), tn.asarray(z), indexing=indexing)
    want = np.meshgrid(x, y, z, indexing=indexing)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        same(g, w)


@pytest.mark.parametrize("k", [-1, 0, 2])
@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (2, 3, 4)], ids=str)
def test_tril_triu(k, shape):
    a = np.arange(np.prod(shape)).reshape(shape).astype(np.float32)
    same(tn.tril(tn.asarray(a), k=k), np.tril(a, k=k))
    same(tn.triu(tn.asarray(a), k=k), np.triu(a, k=k))


# --- random ----------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 42, 12345])
def test_default_rng_equals_numpy(seed):
    g, n = tn.random.default_rng(seed), np.random.default_rng(seed)
    same(g.random(5), n.random(5))
    same(g.standard_normal((2, 3)), n.standard_normal((2, 3)))
    same(g.normal(1.0, 2.0, size=4), n.normal(1.0, 2.0, size=4))
    same(g.uniform(-1, 1, size=3), n.uniform(-1, 1, size=3))
    same(g.integers(0, 10, size=6), n.integers(0, 10, size=6))
    same(g.permutation(6), n.permutation(6))
    same(g.random(3, dtype=tn.float32), n.random(3, dtype=np.float32))


def test_default_rng_is_reproducible():
    a = tn.random.default_rng(7).standard_normal(10)
    b = tn.random.default_rng(7).standard_normal(10)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    c = tn.random.default_rng(8).standard_normal(10)
    assert not np.array_equal(a.numpy(), c.numpy())


def test_legacy_random_seed_equals_numpy():
    tn.random.seed(3)
    got = tn.random.rand(2, 2)
    np.random.seed(3)
    want = np.random.rand(2, 2)
    same(got, want)


def test_bfloat16_arrays_and_repr():
    a = np.array([1.5, -2.0, 3.0], dtype=BF16)
    t = tn.asarray(a)
    assert t.dtype is tn.bfloat16
    assert np.shares_memory(t.numpy(), a)
    assert repr(t) == repr(a)
    same(tn.zeros(2, dtype=tn.bfloat16), np.zeros(2, dtype=BF16))
