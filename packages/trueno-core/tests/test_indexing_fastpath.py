"""The int-key fast paths of ``Tensor.__getitem__``/``__setitem__`` (issue 14: scalar indexing
speed): the same results and errors as the general path, compared with PyTorch and NumPy."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import trueno as tn
import trueno.torch as tt
from trueno._errors import TruenoError


def test_int_key_is_a_0d_view_as_torch():
    t = tt.tensor(np.arange(5.0))
    p = torch.arange(5.0, dtype=torch.float64)
    for i in (0, 3, -1, -5):
        r = t[i]
        assert r.shape == () and r.dtype == tt.float64
        assert float(r) == float(p[i])
    r = t[2]
    assert r._base[0] is t and r._base[1] == "getitem" and r._base[2] == {"key": 2}
    assert r._version is t._version
    t[2] = 7.0  # a write to the base is seen by the view, as in PyTorch
    assert float(r) == 7.0
    m = tt.tensor(np.arange(6.0).reshape(2, 3))
    row = m[1]
    np.testing.assert_array_equal(np.asarray(row), [3.0, 4.0, 5.0])
    row[0] = -1.0  # and a write to the view reaches the base
    assert float(m[1, 0]) == -1.0


@pytest.mark.parametrize("i", [5, -6, 100])
def test_out_of_range_raises_truenos_index_error(i):
    for t in (tt.tensor(np.arange(5.0)), tn.asarray(np.arange(5.0))):
        with pytest.raises(IndexError) as e:
            t[i]
        assert isinstance(e.value, TruenoError)
        with pytest.raises(IndexError) as e:
            t[i] = 1.0
        assert isinstance(e.value, TruenoError)
    with pytest.raises(IndexError):
        torch.arange(5.0)[i]


def test_bool_and_numpy_int_keys_are_not_ints():
    t = tt.tensor(np.arange(3.0))
    p = torch.arange(3.0, dtype=torch.float64)
    assert tuple(t[True].shape) == tuple(p[True].shape) == (1, 3)
    assert tuple(t[False].shape) == tuple(p[False].shape) == (0, 3)
    a = tn.asarray(np.arange(5.0))
    n = np.arange(5.0)
    got, want = a[np.int64(3)], n[np.int64(3)]
    assert type(got) is type(want) is np.float64 and got == want


def test_scalar_write_casts_and_checks_as_numpy():
    t = tt.tensor(np.arange(6, dtype=np.int8).reshape(2, 3))
    v0 = t._version[0]
    t[1, 2] = 7
    t[0] = 5.9  # a row: broadcast, truncated toward zero as NumPy's (and PyTorch's) cast
    p = torch.arange(6, dtype=torch.int8).reshape(2, 3)
    p[1, 2] = 7
    p[0] = 5.9
    np.testing.assert_array_equal(np.asarray(t), p.numpy())
    assert t._version[0] == v0 + 2
    with pytest.raises(OverflowError):
        t[0, 0] = 300
    f = tt.tensor(np.zeros(3))
    f[1] = True
    assert np.asarray(f).tolist() == [0.0, 1.0, 0.0]


def test_write_into_read_only_and_recorded_tensors_takes_the_general_path():
    a = tn.asarray(np.arange(3.0))
    a.flags.writeable = False
    with pytest.raises(ValueError):
        a[0] = 1.0
    x = tt.tensor(np.arange(3.0)).requires_grad_()
    with pytest.raises(RuntimeError):  # a leaf that requires grad, as PyTorch
        x[0] = 1.0
    y = x * 2.0
    y[1] = 10.0  # recorded: the gradient of the overwritten element is 0
    y.sum().backward()
    px = torch.arange(3.0, dtype=torch.float64, requires_grad=True)
    py = px * 2.0
    py[1] = 10.0
    py.sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), px.grad.numpy())
    z = x[1]  # recorded: a view with history, not the fast path's plain view
    assert z.grad_fn is not None


def test_int_keys_skip_the_general_path(monkeypatch):
    from trueno import _views

    def general(*a, **k):
        raise AssertionError("general path taken")
    t = tt.tensor(np.arange(4.0))
    monkeypatch.setattr(_views, "is_basic_key", general)
    assert float(t[2]) == 2.0
    t[2] = 5.0
    t[(1,)] = 4.0
    assert np.asarray(t).tolist() == [0.0, 4.0, 5.0, 3.0]
