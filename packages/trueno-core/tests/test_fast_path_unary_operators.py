"""The unary operators (``-x``, ``+x``, ``abs(x)``, ``~x``) take their rows' cached fast path
(issue 18: per-op host cost; ``_elementwise._make_unary``, ``Tensor.__neg__`` ...): from the
second call of a (class, device, dtype) case the kernel runs inside the row's function, without
``unary``/``run``/``wrap``. Results are the general path's (``X.unary``) and NumPy's or
PyTorch's, with tensors on the PyTorch face and NumPy scalars for 0-d results on the NumPy
face; bool ``-x`` still raises. Frames are counted, not timed."""

# ruff: noqa: B023  (every lambda here is called at once, inside its loop iteration)
from __future__ import annotations

import operator

import numpy as np
import pytest

import trueno as tn
import trueno.torch as tt
from trueno import _dispatch as X
from trueno._errors import DTypeError
from trueno._optable import OPS

from trueno_core_helpers import core_frames

OPERATORS = [("negative", operator.neg), ("positive", operator.pos), ("abs", operator.abs),
             ("bitwise_invert", operator.invert)]
DTYPES = [np.float32, np.float64, np.int8, np.int32, np.uint16, np.int64, np.complex64,
          np.bool_]


def _host(dtype) -> np.ndarray:
    a = np.array([[-2.5, -1.0, 0.0], [0.5, 3.0, 7.25]])
    dt = np.dtype(dtype)
    if dt.kind == "c":
        return (a - 1j * a).astype(dt)
    if dt.kind == "b":
        return a > 0
    if dt.kind == "u":
        return np.abs(a).astype(dt)
    return a.astype(dt)


def _numpy_refuses(fn, h) -> bool:
    try:
        with np.errstate(all="ignore"):
            fn(h)
    except TypeError:
        return True
    return False


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize(("name", "op"), OPERATORS, ids=[n for n, _ in OPERATORS])
def test_numpy_face_operator_equals_the_general_path_and_numpy(name, op, dtype):
    h = _host(dtype)
    a = tn.asarray(h)
    if _numpy_refuses(op, h):  # -bool, ~float, ~complex: refused, as before and as NumPy
        for _ in range(2):
            with pytest.raises((DTypeError, TypeError)):
                op(a)
        return
    want = X.unary(OPS[name], a)
    with np.errstate(all="ignore"):
        ref = op(h)
    for _ in range(3):  # resolve + check, store, cached
        got = op(a)
        assert type(got) is tn.ndarray and got.dtype is want.dtype and got.shape == ref.shape
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
        np.testing.assert_array_equal(np.asarray(got), ref)
        assert got.dtype.name == ref.dtype.name
    # a view (strided, offset) and a 0-d array: the same answers, 0-d as a NumPy scalar
    v = a[:, ::2]
    np.testing.assert_array_equal(np.asarray(op(v)), op(h[:, ::2]))
    z = a[1, 1]
    for _ in range(2):
        got = op(tn.asarray(h[1, 1]))
        assert type(got) is type(op(h[1, 1])) and got == op(h[1, 1])
    assert op(z) == op(h[1, 1])


@pytest.mark.parametrize(("name", "op"), OPERATORS, ids=[n for n, _ in OPERATORS])
def test_torch_face_operator_and_autograd(name, op):
    import torch
    dt = np.float32 if name != "bitwise_invert" else np.int32
    h = _host(dt)
    t = tt.tensor(h)
    for _ in range(3):
        got = op(t)
        assert isinstance(got, tt.Tensor) and got.dtype == t.dtype
        np.testing.assert_array_equal(got.numpy(), op(torch.tensor(h)).numpy())
    z = op(tt.tensor(h[1, 1]))  # 0-d: a tensor on this face
    assert isinstance(z, tt.Tensor) and z.shape == () and z.item() == op(torch.tensor(h[1, 1]))
    if name == "bitwise_invert":
        return
    w = tt.tensor(h, requires_grad=True)
    tw = torch.tensor(h, requires_grad=True)
    for _ in range(2):
        w.grad = None
        (op(w) * tt.tensor(h)).sum().backward()
    (op(tw) * torch.tensor(h)).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), tw.grad.numpy())


def test_operators_run_in_the_row_function_from_the_second_call():
    a = tn.asarray(np.ones(4, np.float32))
    t = tt.tensor(np.ones(4, np.float32))
    i = tn.asarray(np.ones(3, np.int8))
    for fn in (lambda: -a, lambda: abs(t), lambda: +t, lambda: ~i):
        fn()
        fn()
        # the operator and the row's function
        assert core_frames(fn) <= 2
    assert (tn.ndarray, a._device._code | tn.float32._code) in OPS["negative"].fast
    with pytest.raises(DTypeError, match="the - operator on a bool array"):
        -tn.asarray(np.ones(3, np.bool_))


METHODS = ["exp", "relu", "sigmoid", "square", "neg", "abs", "sqrt", "tanh", "floor"]


@pytest.mark.parametrize("name", METHODS)
def test_torch_one_argument_methods_are_their_functions(name):
    # ``x.exp()`` is a copy of ``torch.exp`` (one frame, no ``method`` wrapper around it)
    import torch
    h = np.array([[0.25, 1.5, 2.0], [3.0, 0.5, 4.0]], np.float32)
    t = tt.tensor(h)
    method = getattr(tt.Tensor, name)
    assert method.__qualname__ == f"Tensor.{name}"
    for _ in range(3):
        got = getattr(t, name)()
        assert isinstance(got, tt.Tensor) and got.dtype == tt.float32
        np.testing.assert_allclose(got.numpy(), getattr(torch.tensor(h), name)().numpy(),
                                   rtol=1e-6)
    # the method enters exactly the frames of the function (no wrapper frame)
    assert core_frames(lambda: getattr(t, name)()) == core_frames(lambda: getattr(tt, name)(t))
    with pytest.raises(TypeError):
        getattr(t, name)(1)
    if name == "floor":  # (no gradient to compare)
        return
    w = tt.tensor(h, requires_grad=True)
    tw = torch.tensor(h, requires_grad=True)
    getattr(w, name)().sum().backward()
    getattr(tw, name)().sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-6, atol=1e-6)
