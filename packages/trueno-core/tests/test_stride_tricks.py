"""trueno.lib.stride_tricks: views with NumPy's strides of CPU arrays, refusals elsewhere."""

from __future__ import annotations

import numpy as onp
import pytest

import trueno as tn


def test_sliding_window_view_matches_numpy_and_is_a_read_only_view():
    h = onp.arange(12.0).reshape(3, 4)
    a = tn.asarray(h)
    w = tn.lib.stride_tricks.sliding_window_view(a, (2, 2))
    onp.testing.assert_array_equal(w.numpy(), onp.lib.stride_tricks.sliding_window_view(h, (2, 2)))
    assert w.base is a and not w.flags.writeable
    with pytest.raises(ValueError):
        w[0, 0, 0, 0] = 1.0


def test_as_strided_shares_memory():
    a = tn.arange(6)
    v = tn.lib.stride_tricks.as_strided(a, shape=(3, 2), strides=(16, 8))
    onp.testing.assert_array_equal(v.numpy(), [[0, 1], [2, 3], [4, 5]])
    v[2, 1] = 50
    assert int(a[5]) == 50 and tn.shares_memory(a, v)


def test_a_tensor_autograd_records_is_refused():
    x = tn.asarray([1.0, 2.0, 3.0]).requires_grad_()
    with pytest.raises(tn.TruenoError, match="autograd"):
        tn.lib.stride_tricks.sliding_window_view(x, 2)
