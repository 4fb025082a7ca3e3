"""PyTorch's ``.grad`` semantics on the PyTorch face: a leaf's ``.grad`` is accumulated in place
(the same tensor object across backward calls, as PyTorch's AccumulateGrad), and reading the
``.grad`` of a non-leaf that does not retain it warns as PyTorch does."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="needs PyTorch 2.13 (pip install torch==2.13.0)")
tt = pytest.importorskip("trueno.torch")
pytest.importorskip("trueno_autograd",
                    reason="needs trueno-autograd (pip install trueno[autograd])")


def _steps(lib):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * 2).sum().backward()
    first = x.grad
    (x * x).sum().backward()
    return x, first


def test_grad_is_accumulated_in_place_like_torch():
    x, first = _steps(tt)
    rx, rfirst = _steps(torch)
    assert (x.grad is first) is (rx.grad is rfirst) is True
    np.testing.assert_array_equal(np.asarray(x.grad), rx.grad.numpy())
    np.testing.assert_array_equal(np.asarray(first), rfirst.numpy())  # the same object


def test_grad_set_to_none_starts_a_new_object_like_torch():
    for lib in (tt, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x * 2).sum().backward()
        first = x.grad
        x.grad = None
        (x * 3).sum().backward()
        assert x.grad is not first
        assert x.grad.tolist() == [3.0, 3.0] and first.tolist() == [2.0, 2.0]


def test_user_gradient_argument_is_not_accumulated_into():
    for lib in (tt, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        g = lib.tensor([1.0, 1.0])
        (x + 0).backward(g)
        (x + 0).backward(g)
        assert g.tolist() == [1.0, 1.0] and x.grad.tolist() == [2.0, 2.0]


def _warned(lib, retain):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    if retain:
        y.retain_grad()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert y.grad is None
        assert x.grad is None
    return [str(m.message) for m in w if issubclass(m.category, UserWarning)]


@pytest.mark.parametrize("retain", [False, True])
def test_non_leaf_grad_warning_like_torch(retain):
    got, want = _warned(tt, retain), _warned(torch, retain)
    assert len(got) == len(want) == (0 if retain else 1)
    if want:
        assert got[0].split(" See ")[0] == want[0].split(" See ")[0]
