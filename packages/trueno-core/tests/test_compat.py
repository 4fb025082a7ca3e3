"""Each clash between the faces (docs/compat.md), tested on each face against NumPy/PyTorch."""

import numpy as onp
import pytest

import trueno as np
import trueno.torch as torch

try:
    import torch as real_torch
except ImportError:  # the tests session installs torch==2.13.0
    real_torch = None

needs_torch = pytest.mark.skipif(real_torch is None, reason="needs torch (torch==2.13.0)")


def test_default_float():
    assert np.ones(3).dtype == np.float64 == onp.ones(3).dtype
    assert np.asarray([1.5]).dtype == np.float64
    assert torch.ones(3).dtype == torch.float32
    assert torch.tensor([1.5]).dtype == torch.float32
    assert torch.arange(3.0).dtype == torch.float32
    assert np.arange(3.0).dtype == np.float64


def test_int_float_promotion():
    i = onp.arange(3, dtype=onp.int32)
    f = onp.ones(3, dtype=onp.float32)
    assert (np.asarray(i) + np.asarray(f)).dtype == (i + f).dtype == np.float64
    assert (torch.tensor(i) + torch.tensor(f)).dtype == torch.float32
    if real_torch is not None:
        assert str(real_torch.promote_types(real_torch.int32, real_torch.float32)) == \
            "torch.float32"


def test_scalar_promotion():
    assert (np.asarray([1, 2]) + 1.5).dtype == np.float64
    assert (torch.tensor([1, 2]) + 1.5).dtype == torch.float32
    assert (np.asarray([1, 2], dtype=np.int8) + 1).dtype == np.int8
    assert (np.asarray([1.0], dtype=np.float32) * 2.0).dtype == np.float32


def test_size():
    a = np.zeros((2, 3))
    assert a.size == 6
    x = torch.zeros(2, 3)
    assert x.size() == (2, 3) and x.size(1) == 3 and x.size(-2) == 2
    assert repr(x.size()) == "torch.Size([2, 3])"


def test_transpose():
    a = onp.arange(24).reshape(2, 3, 4)
    assert np.asarray(a).transpose().shape == a.transpose().shape == (4, 3, 2)
    assert np.asarray(a).transpose(1, 0, 2).shape == (3, 2, 4)
    assert torch.tensor(a).transpose(0, 2).shape == (4, 3, 2)
    onp.testing.assert_array_equal(torch.tensor(a).transpose(0, 1).numpy(), a.swapaxes(0, 1))


def test_repeat():
    a = onp.array([1, 2, 3])
    onp.testing.assert_array_equal(np.asarray(a).repeat(2).numpy(), a.repeat(2))
    onp.testing.assert_array_equal(torch.tensor(a).repeat(2).numpy(), onp.tile(a, 2))
    m = onp.arange(4).reshape(2, 2)
    onp.testing.assert_array_equal(torch.tensor(m).repeat(2, 3).numpy(), onp.tile(m, (2, 3)))


def test_max_with_axis():
    a = onp.array([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    onp.testing.assert_array_equal(np.asarray(a).max(axis=1).numpy(), a.max(axis=1))
    v, i = torch.tensor(a).max(dim=1)
    onp.testing.assert_array_equal(v.numpy(), [5.0, 7.0])
    onp.testing.assert_array_equal(i.numpy(), [1, 0])
    assert float(torch.tensor(a).max()) == 7.0
    if real_torch is not None:
        rv, ri = real_torch.tensor(a).max(dim=1)
        onp.testing.assert_array_equal(i.numpy(), ri.numpy())


def test_sort():
    a = onp.array([3.0, 1.0, 2.0])
    t = np.asarray(a.copy())
    assert t.sort() is None
    onp.testing.assert_array_equal(t.numpy(), onp.sort(a))
    v, i = torch.tensor(a).sort()
    onp.testing.assert_array_equal(v.numpy(), [1.0, 2.0, 3.0])
    onp.testing.assert_array_equal(i.numpy(), [1, 2, 0])


def test_std_var():
    a = onp.array([1.0, 2.0, 4.0, 7.0])
    assert float(np.asarray(a).std()) == pytest.approx(a.std())
    assert float(np.asarray(a).var()) == pytest.approx(a.var())
    assert float(torch.tensor(a).std()) == pytest.approx(a.std(ddof=1), rel=1e-6)
    assert float(torch.tensor(a).var(unbiased=False)) == pytest.approx(a.var(), rel=1e-6)
    if real_torch is not None:
        assert float(torch.tensor(a).std()) == pytest.approx(
            float(real_torch.tensor(a).std()), rel=1e-6)


def test_view():
    a = np.arange(6.0)
    v = a.view()
    v[0] = 100
    assert float(a[0]) == 100
    assert a.view(np.int64).dtype == np.int64
    x = torch.arange(6.0)
    assert x.view(2, 3).shape == (2, 3)
    assert x.view(-1, 2).shape == (3, 2)
    with pytest.raises(np.ShapeError, match="view"):
        x.view(2, 3).t().view(6)


def test_nonzero():
    a = onp.array([[0, 1], [2, 0]])
    r = np.asarray(a).nonzero()
    assert isinstance(r, tuple) and len(r) == 2
    onp.testing.assert_array_equal(r[0].numpy(), a.nonzero()[0])
    t = torch.tensor(a).nonzero()
    onp.testing.assert_array_equal(t.numpy(), onp.argwhere(a))


def test_flatten():
    a = np.arange(6).reshape(2, 3)
    f = a.flatten()
    f[0] = 99
    assert int(a[0, 0]) == 0  # a copy
    x = torch.arange(24).reshape(2, 3, 4)
    assert x.flatten(1).shape == (2, 12)
    assert x.flatten(0, 1).shape == (6, 4)
    assert x.flatten().storage is x.storage  # a view of contiguous data


def test_strides():
    a = onp.zeros((2, 3))
    assert np.asarray(a).strides == a.strides == (24, 8)
    assert torch.zeros(2, 3).stride() == (3, 1)
    assert torch.zeros(2, 3).t().stride() == (1, 3)


def test_cumsum():
    a = onp.arange(6).reshape(2, 3)
    onp.testing.assert_array_equal(np.asarray(a).cumsum().numpy(), a.cumsum())
    onp.testing.assert_array_equal(torch.tensor(a).cumsum(1).numpy(), a.cumsum(1))
    with pytest.raises(TypeError):
        torch.tensor(a).cumsum()


def test_repr():
    a = onp.array([1.0, 2.5])
    assert repr(np.asarray(a)) == repr(a)
    assert repr(np.asarray(onp.array([1, 2], dtype=onp.int32))) == \
        repr(onp.array([1, 2], dtype=onp.int32))
    assert repr(torch.tensor([1.0, 2.5])) == "tensor([1.0000, 2.5000])"
    if real_torch is not None:
        for vals in ([1.0, 2.5], [[1, 2], [3, 4]]):
            assert repr(torch.tensor(vals)) == repr(real_torch.tensor(vals))


def test_random():
    a = np.random.default_rng(42).standard_normal(5)
    b = onp.random.default_rng(42).standard_normal(5)
    onp.testing.assert_array_equal(a.numpy(), b)
    np.random.seed(3)
    onp.random.seed(3)
    onp.testing.assert_array_equal(np.random.rand(4).numpy(), onp.random.rand(4))
    torch.manual_seed(0)
    x = torch.randn(3)
    torch.manual_seed(0)
    assert x.dtype == torch.float32 and (torch.randn(3) == x).all()


def test_full_reduction_is_a_numpy_scalar_on_the_numpy_face_only():
    s = np.asarray([1.0, 2.0]).sum()
    assert type(s) is type(onp.asarray([1.0, 2.0]).sum()) and s == 3.0  # numpy.float64
    t = torch.tensor([1.0, 2.0]).sum()
    assert isinstance(t, torch.Tensor) and t.shape == ()


def test_cuda_alias():
    assert np.device("cuda") == np.device("gpu")
    assert str(np.device("cuda:1")) == "gpu:1"


def test_results_keep_the_flavour_of_their_inputs():
    x = torch.ones(2)
    assert isinstance(x + 1, torch.Tensor)
    assert isinstance(np.exp(x), torch.Tensor)
    assert isinstance(np.ones(2) + 1, np.ndarray)
    # converting between faces shares memory
    a = np.asarray(x)
    assert isinstance(a, np.ndarray) and a.storage is x.storage


def test_both_spellings_where_they_do_not_clash():
    a = onp.arange(6.0).reshape(2, 3)
    t = np.asarray(a)
    onp.testing.assert_array_equal(np.sum(t, dim=1, keepdim=True).numpy(),
                                   a.sum(axis=1, keepdims=True))
    onp.testing.assert_array_equal(torch.sum(torch.tensor(a), 1).numpy(), a.sum(1))
    assert torch.cat([torch.ones(2), torch.ones(2)]).shape == (4,)
    assert np.concat([t, t], axis=0).shape == np.concatenate([t, t]).shape == (4, 3)


# --- clashes of results: each face gives its library's result ---------------------------------

def test_reciprocal_of_integers():
    i = onp.array([1, 2, -1, 3], dtype=onp.int32)
    got = np.reciprocal(np.asarray(i))  # NumPy: integer, 1 // x with C truncation
    assert got.dtype == np.int32
    onp.testing.assert_array_equal(got.numpy(), onp.reciprocal(i))
    t = torch.reciprocal(torch.tensor(i))
    assert t.dtype == torch.float32
    onp.testing.assert_allclose(t.numpy(), [1.0, 0.5, -1.0, 1 / 3], rtol=1e-6)
    if real_torch is not None:
        assert real_torch.reciprocal(real_torch.tensor(i)).dtype == real_torch.float32


def test_float_functions_of_bool():
    b = onp.array([True, False])
    assert np.sin(np.asarray(b)).dtype == onp.sin(b).dtype == np.float16
    assert np.divide(np.asarray(b), True).dtype == onp.divide(b, True).dtype == np.float64
    assert torch.sin(torch.tensor(b)).dtype == torch.float32
    if real_torch is not None:
        assert real_torch.sin(real_torch.tensor(b)).dtype == real_torch.float32


def test_reduction_axis_list():
    a = onp.arange(6.0).reshape(2, 3)
    with pytest.raises(TypeError):
        a.sum(axis=[0, 1])
    with pytest.raises(TypeError):
        np.asarray(a).sum(axis=[0, 1])
    with pytest.raises(TypeError):
        np.nanmean(np.asarray(a), axis=[0])
    assert float(np.asarray(a).sum(axis=(0, 1))) == 15.0
    assert float(torch.tensor(a).sum(dim=[0, 1])) == 15.0  # PyTorch takes a list of dims


def test_reshape_negative_size():
    a = onp.arange(6)
    assert np.asarray(a).reshape(-2, 3).shape == a.reshape(-2, 3).shape == (2, 3)
    with pytest.raises(ValueError):
        np.asarray(a).reshape(-2, -1)
    with pytest.raises(ValueError):  # PyTorch: "invalid shape dimension -2"
        torch.tensor(a).reshape(-2, 3)


def test_tril_triu_of_1d():
    v = onp.arange(1, 4)
    onp.testing.assert_array_equal(np.tril(np.asarray(v)).numpy(), onp.tril(v))
    onp.testing.assert_array_equal(np.triu(np.asarray(v), k=1).numpy(), onp.triu(v, k=1))
    with pytest.raises(TypeError):
        np.tril(np.asarray(1))
    with pytest.raises(ValueError):  # PyTorch: tril needs at least 2 dimensions
        np.tril(torch.tensor(v))


def test_tensordot_negative_axes():
    a, b = onp.arange(6.0).reshape(2, 3), onp.arange(12.0).reshape(3, 4)
    got = np.tensordot(np.asarray(a), np.asarray(b), axes=-1)  # NumPy 2.4: no axis contracted
    onp.testing.assert_array_equal(got.numpy(), onp.tensordot(a, b, axes=-1))
    with pytest.raises(ValueError):  # PyTorch: "tensordot expects dims >= 0"
        np.tensordot(torch.tensor(a), torch.tensor(b), axes=-1)


def test_complex_ordering():
    z = onp.array([1 + 2j, 1 + 1j, 3 + 0j])
    onp.testing.assert_array_equal(np.maximum(np.asarray(z), 1 + 1.5j).numpy(),
                                   onp.maximum(z, 1 + 1.5j))
    onp.testing.assert_array_equal(np.clip(np.asarray(z), 0j, 2 + 0j).numpy(),
                                   onp.clip(z, 0j, 2 + 0j))
    with pytest.raises(TypeError):  # PyTorch: clamp is not implemented for complex
        torch.clamp(torch.tensor(z), 0j, 2 + 0j)


# --- where both faces differ from NumPy on purpose ---------------------------------------------

def test_integer_index_is_a_numpy_scalar_copy():
    """``a[i, j]`` is NumPy's scalar copy (issue 14), with NumPy's type, repr and behaviour;
    on the PyTorch face it stays a 0-d tensor that shares memory."""
    a = onp.array([[1.5, 2.0], [3.0, 4.0]])
    t = np.asarray(a.copy())
    s = t[0, 1]
    assert type(s) is type(a[0, 1]) and repr(s) == repr(a[0, 1]) == "np.float64(2.0)"
    t[0, 1] = 7.0
    assert s == 2.0 and float(t[0, 1]) == 7.0  # a copy, as NumPy's
    s = t[1, 0]
    assert s == 3.0 and s < 4 and bool(s != 1) and s in [1.0, 3.0]
    assert float(s) == 3.0 and int(s) == 3 and complex(s) == 3 + 0j
    assert f"{s:.2f}" == f"{a[1, 0]:.2f}" == "3.00" and str(s) == str(a[1, 0]) == "3.0"
    assert "%.1f" % s == "3.0" and round(s) == round(a[1, 0]) == 3  # noqa: UP031
    assert round(t[1, 1], 1) == round(a[1, 1], 1) == 4.0
    assert type(s + 1) is type(a[1, 0] + 1) and s * 2 == 6.0 and 2 ** s == 8.0
    i = np.arange(6).reshape(2, 3)[1, 2]
    assert type(i) is type(onp.arange(6).reshape(2, 3)[1, 2])
    assert [10, 20, 30, 40, 50, 60][i] == 60 and list(range(i)) == [0, 1, 2, 3, 4]
    assert "-" * np.arange(4)[3] == "---" and f"{i:3d}" == "  5"
    assert "%d" % i == "5"  # noqa: UP031
    assert np.asarray([1.0, 2.0, 3.0])[i - 4] == 2.0
    assert {s: "x"}[3.0] == "x" and hash(s) == hash(a[1, 0])  # hashable, as NumPy's
    x = torch.tensor(a)[0, 1]  # PyTorch returns a 0-d tensor that shares memory too
    assert isinstance(x, torch.Tensor) and x.shape == ()
