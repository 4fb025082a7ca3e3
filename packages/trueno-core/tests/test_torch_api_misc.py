"""The PyTorch face's remaining tensor-level API against torch 2.13: *_copy and *_scatter,
complex views, windows, special functions, legacy constructors (torch.Tensor(...),
torch.FloatTensor), Tensor.new/fill_diagonal_/resize_/sum_to_size/apply_ and dunders."""

import copy
import math

import numpy as np
import pytest
from torch_diff import check

import trueno.torch as tt

torch = pytest.importorskip("torch", reason="needs torch (the tests session installs "
                            "torch==2.13.0)")

A = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [10.0, 11.0, 12.0]]
X = [-3.0, -0.5, 0.0, 0.25, 1.0, 2.5, 7.0]
Z = [1 + 2j, -0.5j, 3.0]


def _a(m):
    return m.tensor(A)


CASES = {
    "alias_copy": lambda m: m.alias_copy(_a(m)), "detach_copy": lambda m: m.detach_copy(_a(m)),
    "diagonal_copy": lambda m: m.diagonal_copy(_a(m), 1),
    "expand_copy": lambda m: m.expand_copy(m.tensor([1.0, 2.0]), (3, 2)),
    "permute_copy": lambda m: m.permute_copy(_a(m), (1, 0)),
    "select_copy": lambda m: m.select_copy(_a(m), 1, 2),
    "slice_copy": lambda m: m.slice_copy(_a(m), 0, 1, 4, 2),
    "split_copy": lambda m: m.split_copy(_a(m), 3), "split_with_sizes_copy": lambda m:
        m.split_with_sizes_copy(_a(m), [1, 2], 1),
    "squeeze_copy": lambda m: m.squeeze_copy(m.ones(1, 2, 1)),
    "t_copy": lambda m: m.t_copy(_a(m)), "transpose_copy": lambda m: m.transpose_copy(_a(m), 0, 1),
    "unbind_copy": lambda m: m.unbind_copy(_a(m), 1),
    "unfold_copy": lambda m: m.unfold_copy(m.arange(6.0), 0, 3, 2),
    "unsqueeze_copy": lambda m: m.unsqueeze_copy(_a(m), 1),
    "view_copy": lambda m: m.view_copy(_a(m), (2, 6)),
    "diagonal_scatter": lambda m: m.diagonal_scatter(_a(m), m.tensor([0.0, -1.0, -2.0])),
    "diagonal_scatter-off": lambda m: _a(m).diagonal_scatter(m.tensor([9.0, 9.0, 9.0]), -1),
    "diagonal_scatter-bad": lambda m: m.diagonal_scatter(_a(m), m.zeros(2)),
    "select_scatter": lambda m: m.select_scatter(_a(m), m.zeros(4), 1, 0),
    "slice_scatter": lambda m: m.slice_scatter(_a(m), m.zeros(2, 3), 0, 0, 4, 2),
    "slice_scatter-dim1": lambda m: _a(m).slice_scatter(m.ones(4, 1), 1, start=2),
    "view_as_real": lambda m: m.view_as_real(m.tensor(Z)),
    "view_as_complex": lambda m: m.view_as_complex(_a(m)[:, :2].contiguous()),
    "view_as_complex-bad": lambda m: m.view_as_complex(_a(m)),
    "view_as_real-bad": lambda m: m.view_as_real(_a(m)),
    "complex": lambda m: m.complex(m.tensor([1.0, 2.0]), m.tensor([0.5, -1.0])),
    "complex-double": lambda m: m.complex(m.ones(2).double(), m.zeros(2).double()),
    "complex-mixed": lambda m: m.complex(m.ones(2), m.zeros(2).double()),
    "polar": lambda m: m.polar(m.tensor([1.0, 2.0]), m.tensor([0.0, math.pi / 2])),
    "can_cast": lambda m: [m.can_cast(a, b) for a in (m.float32, m.int64, m.bool, m.complex64)
                           for b in (m.float64, m.int32, m.bool, m.float32)],
    "asarray": lambda m: m.asarray([[1, 2], [3, 4]]), "asarray-dtype": lambda m: m.asarray(
        [1.5, 2.0], dtype=m.float64),
    "range": lambda m: m.range(1, 4), "range-step": lambda m: m.range(0, 1, 0.25),
    "range-int": lambda m: m.range(0, 6, 2, dtype=m.int64),
    "unravel_index": lambda m: m.unravel_index(m.tensor([0, 5, 11, -1]), (3, 4)),
    "unravel_index-wraps": lambda m: m.unravel_index(m.tensor([12, -13]), (3, 4)),
    "gradient": lambda m: m.gradient(_a(m) ** 2),
    "gradient-dim": lambda m: m.gradient(m.tensor(X) ** 2, spacing=0.5, dim=0),
    "gradient-edge2": lambda m: m.gradient(_a(m) ** 3, dim=1, edge_order=2),
    "gradient-coords": lambda m: m.gradient(m.tensor(X), spacing=(m.tensor(X) * 2,)),
    **{f"{w}-{p}": (lambda fn, per: lambda m: getattr(m, fn)(7, periodic=per))(w, p)
       for w in ("bartlett_window", "blackman_window", "hamming_window", "hann_window",
                 "kaiser_window") for p in (True, False)},
    "hann_window-1": lambda m: m.hann_window(1), "hamming-args": lambda m: m.hamming_window(
        6, False, 0.5, 0.5, dtype=m.float64),
    "kaiser-beta": lambda m: m.kaiser_window(5, True, 4.0),
    "erfc": lambda m: m.erfc(m.tensor(X)), "erfc-int": lambda m: m.tensor([0, 1, 5]).erfc(),
    "erfinv": lambda m: m.erfinv(m.tensor([-1.0, -0.999, -0.5, 0.0, 0.3, 0.9999, 1.0, 2.0])),
    "erfinv-double": lambda m: m.tensor([-0.7, 0.1, 0.95]).double().erfinv(),
    "lgamma": lambda m: m.lgamma(m.tensor(X)), "lgamma-poles": lambda m: m.lgamma(
        m.tensor([0.0, -1.0, -2.0, 1.0])),
    "digamma": lambda m: m.digamma(m.tensor(X)),
    "digamma-double": lambda m: m.tensor([0.1, 1.0, 30.0, -1.5]).double().digamma(),
    "mvlgamma": lambda m: m.mvlgamma(m.tensor([2.5, 3.0]), 3),
    "mvlgamma-pole": lambda m: m.mvlgamma(m.tensor([0.5, 1.25]), 3),
    "hardshrink": lambda m: m.hardshrink(m.tensor(X)), "prelu": lambda m: m.prelu(
        m.tensor([[-1.0, 2.0], [-3.0, -4.0]]), m.tensor([0.25, 0.5])),
    "prelu-scalar": lambda m: m.tensor(X).prelu(m.tensor([0.1])),
    "erfc_": lambda m: m.tensor(X).erfc_(), "lgamma_": lambda m: m.tensor(X).lgamma_(),
    "typename": lambda m: [m.typename(m.tensor([1])), m.typename(m.zeros(1)), m.typename(3)],
    "is_storage": lambda m: m.is_storage(m.zeros(1)),
    "is_inference": lambda m: m.is_inference(m.zeros(1)),
    "get_device": lambda m: m.get_device(m.zeros(1)),
    "empty_strided": lambda m: m.empty_strided((2, 3), (1, 2)).shape,
    "frombuffer": lambda m: m.frombuffer(bytearray(b"\x01\x00\x02\x00"), dtype=m.int16),
    "nonzero_static": lambda m: m.tensor([0, 3, 0, 4]).nonzero_static(size=3),
    "nonzero_static-cut": lambda m: m.tensor([[1, 1], [1, 0]]).nonzero_static(size=1),
    # legacy constructors and Tensor extras
    "Tensor-data": lambda m: m.Tensor([1, 2, 3]), "Tensor-sizes": lambda m: m.Tensor(2, 3).shape,
    "Tensor-empty": lambda m: m.Tensor().shape,
    "FloatTensor": lambda m: m.FloatTensor([[1, 2]]), "LongTensor": lambda m: m.LongTensor(
        [1.0, 2.0]),
    "IntTensor-size": lambda m: m.IntTensor(3).shape, "BoolTensor": lambda m: m.BoolTensor([1, 0]),
    "DoubleTensor": lambda m: m.DoubleTensor([0.1]), "ByteTensor": lambda m: m.ByteTensor([7]),
    "isinstance": lambda m: [isinstance(m.zeros(1), m.FloatTensor),
                             isinstance(m.zeros(1), m.LongTensor),
                             isinstance(m.tensor([1]), m.LongTensor)],
    "type": lambda m: [m.zeros(1).type(), m.tensor([1]).type(), m.tensor([True]).type()],
    "type-convert": lambda m: (m.zeros(2).type(m.LongTensor), m.zeros(1).type(
        "torch.DoubleTensor"), m.zeros(1).type(m.int16)),
    "new": lambda m: (m.tensor([1]).new([2, 3]), m.zeros(1).new(2, 2).shape, m.zeros(1).new()),
    "new_empty": lambda m: m.tensor([1]).new_empty((2, 3)).shape,
    "new_empty-dtype": lambda m: m.tensor([1]).new_empty(2, dtype=m.float64).fill_(1.5),
    "char-cfloat-cdouble": lambda m: (m.tensor([1.7, -2.2]).char(), m.tensor([1.0]).cfloat(),
                                      m.tensor([1]).cdouble()),
    "fill_diagonal_": lambda m: m.zeros(3, 4).fill_diagonal_(5.0),
    "fill_diagonal_-tall": lambda m: m.zeros(7, 3).fill_diagonal_(1.0),
    "fill_diagonal_-wrap": lambda m: m.zeros(7, 3).fill_diagonal_(1.0, wrap=True),
    "fill_diagonal_-3d": lambda m: m.zeros(2, 2, 2).fill_diagonal_(2.0),
    "fill_diagonal_-bad": lambda m: m.zeros(2, 3, 2).fill_diagonal_(2.0),
    "resize_": lambda m: _a(m).resize_(2, 6), "resize_-shrink": lambda m: _a(m).resize_(5),
    "resize_as_": lambda m: _a(m).resize_as_(m.zeros(3, 2)),
    "sum_to_size": lambda m: _a(m).sum_to_size(1, 3),
    "sum_to_size-lead": lambda m: m.ones(2, 3, 4).sum_to_size((3, 1)),
    "sum_to_size-bad": lambda m: _a(m).sum_to_size(2, 3),
    "apply_": lambda m: _a(m).apply_(lambda v: v * 2 + 1),
    "map_": lambda m: _a(m).map_(m.tensor([1.0, 0.0, -1.0]), lambda a, b: a * b),
    "map2_": lambda m: _a(m).map2_(_a(m), m.ones(3), lambda a, b, c: a + b + c),
    "contains": lambda m: [2.0 in _a(m), 13 in _a(m), m.tensor(5.0) in _a(m)],
    "reversed": lambda m: reversed(_a(m)), "long": lambda m: m.tensor([7.9]).__long__(),
    "div-dunders": lambda m: (_a(m).__div__(2), _a(m).__rdiv__(1)),
    "dim_order": lambda m: (_a(m).dim_order(), _a(m).t().dim_order()),
    "layout": lambda m: str(_a(m).layout), "to_dense": lambda m: _a(m).to_dense(),
    "sum_to_size-same": lambda m: _a(m).sum_to_size(4, 3),
}


@pytest.mark.parametrize("name", list(CASES))
def test_misc_matches_torch(name):
    check(CASES[name], rtol=2e-5, atol=1e-6)


def test_deepcopy_keeps_requires_grad_and_grad():
    for m in (tt, torch):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward()
        y = copy.deepcopy(x)
        assert y is not x and y.requires_grad and y.is_leaf
        assert y.grad.tolist() == [2.0, 4.0]
        y.data.mul_(3) if m is torch else y.detach().mul_(3)
        assert x.tolist() == [1.0, 2.0]


def test_legacy_constructor_shares_a_tensor_and_checks_dtype():
    t = tt.zeros(2)
    assert tt.FloatTensor(t).data_ptr() == t.data_ptr()
    with pytest.raises(TypeError):
        tt.LongTensor(t)
    with pytest.raises(TypeError):
        torch.LongTensor(torch.zeros(2))


def test_memory_format_and_matmul_precision_queries():
    assert repr(tt.contiguous_format) == repr(torch.contiguous_format)
    assert repr(tt.channels_last) == repr(torch.channels_last)
    assert repr(tt.strided) == repr(torch.strided)
    assert tt.get_float32_matmul_precision() == torch.get_float32_matmul_precision()
    tt.set_float32_matmul_precision("high")
    try:
        assert tt.get_float32_matmul_precision() == "high"
    finally:
        tt.set_float32_matmul_precision("highest")
    with pytest.raises(ValueError):
        tt.set_float32_matmul_precision("fast")
    assert repr(tt.get_default_device()) == repr(torch.get_default_device())


def test_set_default_tensor_type_sets_the_default_dtype():
    try:
        tt.set_default_tensor_type(tt.DoubleTensor)
        assert tt.tensor([1.0]).dtype == tt.float64 and tt.Tensor([1]).dtype == tt.float64
        tt.set_default_tensor_type("torch.FloatTensor")
        assert tt.tensor([1.0]).dtype == tt.float32
    finally:
        tt.set_default_dtype(tt.float32)
    with pytest.raises(TypeError):
        tt.set_default_tensor_type(tt.LongTensor)


def test_from_dlpack_round_trip_with_torch():
    t = torch.arange(4.0)
    x = tt.from_dlpack(t)
    np.testing.assert_array_equal(x.numpy(), t.numpy())
    assert isinstance(x, tt.Tensor)


def test_detach_in_place_as_torch():
    for m in (tt, torch):
        a = m.ones(2, requires_grad=True)
        y = a * 2
        assert y.detach_() is y and not y.requires_grad and y.grad_fn is None and y.is_leaf
        assert not m.detach_(a * 3).requires_grad
        a.detach_()
        assert not a.requires_grad
        b = m.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="detach views in-place"):
            (b * 2)[0:1].detach_()


def test_retains_grad_and_grad_dtype_as_torch():
    for m in (tt, torch):
        b = m.ones(2, requires_grad=True)
        z = b * 2
        assert (z.retains_grad, b.retains_grad) == (False, False)
        z.retain_grad()
        b.retain_grad()
        assert (z.retains_grad, b.retains_grad) == (True, False)
    assert tt.ones(1).grad_dtype == tt.float32
    assert tt.tensor([1]).grad_dtype == tt.int64 and torch.tensor([1]).grad_dtype == torch.int64


@pytest.mark.parametrize("case", [
    lambda m: m.arange(6.0).resize(2, 3), lambda m: m.arange(6.0).resize_as(m.zeros(3, 2)),
    lambda m: m.arange(6.0).resize(4)])
def test_deprecated_resize_matches_torch(case):
    with pytest.warns(UserWarning, match="non-inplace resize"):
        check(case)


def test_resize_within_the_storage_shares_it_as_torch():
    for m in (tt, torch):
        b = m.arange(6.0)
        v = b[1:4]
        v.resize_(4)
        v.fill_(7.0)
        assert b.tolist() == [0.0, 7.0, 7.0, 7.0, 7.0, 5.0]
        w = m.arange(6.0)[::2]
        assert w.resize_(2).tolist() == [0.0, 1.0]  # the storage's elements, from the offset


def test_resize_beyond_the_storage_gets_new_memory():
    b = tt.arange(6.0)
    v = b[1:4]
    v.resize_(8)
    v.fill_(7.0)
    assert b.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]  # Note: torch grows b's storage too
    assert getattr(v, "_base", None) is None and v.shape == (8,)
