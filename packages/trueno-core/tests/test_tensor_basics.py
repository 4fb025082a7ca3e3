"""Tensor basics vs NumPy: creation, random, interop (NumPy, buffers, DLPack, PyTorch),
repr/str, Python protocols, in-place operators, and the errors of DESIGN.md §5."""

from __future__ import annotations

import array
import pickle

import ml_dtypes
import numpy as np
import pytest

import trueno as tn

from trueno_core_helpers import NP_DTYPES, assert_close, builtin_base

BF16 = np.dtype(ml_dtypes.bfloat16)


def same(t, a):
    """trueno array ``t`` equals NumPy array ``a`` in dtype, shape and values (exactly)."""
    assert isinstance(t, tn.Tensor)
    assert t.dtype == a.dtype, (t.dtype, a.dtype)
    assert t.shape == a.shape
    np.testing.assert_array_equal(t.numpy(), a)


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


def test_bfloat16_arrays_and_repr():
    a = np.array([1.5, -2.0, 3.0], dtype=BF16)
    t = tn.asarray(a)
    assert t.dtype is tn.bfloat16
    assert np.shares_memory(t.numpy(), a)
    assert repr(t) == repr(a)
    same(tn.zeros(2, dtype=tn.bfloat16), np.zeros(2, dtype=BF16))


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


@pytest.mark.parametrize("conv", [float, int, complex])
def test_scalar_conversion_needs_0d(conv):
    with pytest.raises(TypeError):
        conv(np.array([2]))
    with pytest.raises(TypeError):
        conv(tn.asarray([2]))
    assert conv(tn.asarray(2)) == conv(np.array(2))
    assert bool(tn.asarray([2])) is bool(np.array([2]))


@pytest.mark.parametrize("other", [3, -2, 2.5])
def test_divmod(other):
    a = np.array([7, -7, 0, 5])
    t = tn.asarray(a)
    for got, want in zip(divmod(t, other), divmod(a, other)):
        same(got, want)
    for got, want in zip(divmod(other, tn.asarray([2, 3])), divmod(other, np.array([2, 3]))):
        same(got, want)


@pytest.mark.parametrize("other", [None, "abc", object()], ids=repr)
def test_equality_with_non_arrays(other):
    """``a == None`` is all False and ``a != None`` all True, as in NumPy (no error)."""
    a = np.arange(4).reshape(2, 2)
    t = tn.asarray(a)
    same(t == other, a == other)
    same(t != other, a != other)


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
