"""The cached fast path of one-input elementwise functions (issue 18: per-op host cost): from
the second call of a (class, device, dtype) case, ``exp(x)`` calls the kernel inside the
public function, without ``unary``/``run``; its results are the general path's and NumPy's
(PyTorch's on the PyTorch face), 0-d results included. Frames are counted, not timed."""

# ruff: noqa: B023  (every lambda here is called at once, inside its loop iteration)
from __future__ import annotations


import numpy as np
import pytest

import trueno as tn
import trueno.torch as tt
from trueno import _dispatch as X
from trueno import _elementwise as E
from trueno._device import CPU
from trueno._optable import OPS

from trueno_core_helpers import core_frames

CASES = [("exp", np.float32), ("exp", np.float64), ("exp", np.int32), ("sqrt", np.float32),
         ("negative", np.int8), ("abs", np.complex64), ("real", np.complex128),
         ("logical_not", np.bool_), ("isnan", np.float16), ("floor", np.float64),
         ("sign", np.int64), ("relu", np.float32), ("sigmoid", np.float64)]


_frames = core_frames  # trueno-core's frames (not its reference kernels) in one call


def _host(a: np.ndarray, dtype) -> np.ndarray:
    if np.dtype(dtype).kind == "c":
        return (a - 1j * a).astype(dtype)
    if np.dtype(dtype).kind == "b":
        return a > 0
    return a.astype(dtype)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(("name", "dtype"), CASES, ids=[f"{n}-{np.dtype(d).name}"
                                                       for n, d in CASES])
def test_cached_path_equals_the_general_path(name, dtype):
    fn = getattr(E, name)
    h = _host(np.array([[-2.5, -1.0, 0.0], [0.5, 3.0, 7.25]]), dtype)
    t = tn.asarray(h)
    want = X.unary(OPS[name], t)
    for _ in range(3):  # resolve + check, store, cached
        got = fn(t)
        assert got.dtype is want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    if name not in ("relu", "sigmoid"):
        np.testing.assert_allclose(np.asarray(got), getattr(np, OPS[name].numpy_name)(h),
                                   rtol=1e-6)
    # 0-d: a NumPy scalar for a ufunc on the NumPy face, as before
    z = tn.asarray(h.reshape(-1)[4])
    first, second = fn(z), fn(z)
    assert type(first) is type(second) and first.dtype == second.dtype
    np.testing.assert_array_equal(np.asarray(first), np.asarray(second))


def test_exp_runs_in_the_public_function_from_the_second_call():
    a = tn.asarray(np.ones(4, np.float32))
    t = tt.tensor(np.ones(4, np.float32))
    for fn in (lambda: E.exp(a), lambda: E.sqrt(t), lambda: tt.exp(t)):
        fn()
        fn()
        assert _frames(fn) <= 2  # exp's function (+ the ufunc object's __call__)
    assert (tn.ndarray, CPU._code | tn.float32._code) in OPS["exp"].fast
    # a cast (int -> float) and autograd stay on the general path
    i = tn.asarray(np.arange(3, dtype=np.int32))
    E.exp(i)
    assert (tn.ndarray, CPU._code | tn.int32._code) not in OPS["exp"].fast


def test_torch_face_and_autograd():
    import torch
    h = np.array([0.25, -1.5, 2.0], np.float32)
    t = tt.tensor(h)
    for _ in range(3):
        got = tt.exp(t)
        assert isinstance(got, tt.Tensor) and got.dtype == tt.float32
        np.testing.assert_allclose(got.numpy(), torch.exp(torch.tensor(h)).numpy(), rtol=1e-6)
    assert isinstance(tt.exp(tt.tensor(1.0)), tt.Tensor)  # 0-d: a tensor on this face
    w = tt.tensor(h, requires_grad=True)
    for _ in range(2):
        w.grad = None
        tt.exp(w).sum().backward()
        np.testing.assert_allclose(w.grad.numpy(), np.exp(h), rtol=1e-6)


def test_use_backend_keeps_the_unary_entries_empty():
    import trueno._registry as R
    a = tn.asarray(np.ones(3, np.float32))
    with tn.use_backend(None if R._DEFAULT_FORCED == "reference" else "reference"):
        for _ in range(3):
            np.testing.assert_allclose(np.asarray(E.exp(a)), np.exp(np.ones(3)), rtol=1e-6)
        assert not OPS["exp"].fast
