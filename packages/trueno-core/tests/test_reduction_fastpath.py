"""The cached fast path of the small reductions (issue 13: per-call overhead): its results are
the general path's and NumPy's, and a kernel is called positionally only where its signature
says it takes the parameters in that order."""

from __future__ import annotations

import numpy as np
import pytest

import trueno as tn
import trueno.torch as tt
from trueno import _reduction as R
from trueno._optable import OPS


def _np_result(fn, a, **kw):
    return getattr(np, fn)(a, **kw)


@pytest.mark.parametrize("fn", ["sum", "prod", "mean", "max", "min", "any", "all"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int8, np.int32, np.bool_])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_fast_path_matches_numpy(fn, dtype, axis, keepdims):
    rng = np.random.default_rng(3)
    a = (rng.random((4, 5)) * 4).astype(dtype)
    t = tn.asarray(a.copy())
    want = _np_result(fn, a, axis=axis, keepdims=keepdims)
    for _ in range(3):  # the first call fills the cache, the next ones take it
        got = getattr(t, fn)(axis=axis, keepdims=keepdims)
        if axis is None and not keepdims:
            assert type(got) is type(want)  # a NumPy scalar on the NumPy face
        else:
            assert got.dtype.name == want.dtype.name and got.shape == want.shape
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6)


def test_fast_path_on_the_torch_face():
    import torch
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    t, p = tt.tensor(a.copy()), torch.tensor(a.copy())
    for _ in range(3):
        np.testing.assert_allclose(np.asarray(t.sum(dim=0)), p.sum(dim=0).numpy())
        np.testing.assert_allclose(np.asarray(t.amax(dim=1)), p.amax(dim=1).numpy())
        assert t.sum().shape == () and t.sum().dtype == tt.float32  # 0-d tensor, not a scalar


def test_positional_reads_the_signature():
    def ok(x, axis, keepdims, dtype=None):
        return x

    def swapped(x, keepdims, axis, dtype=None):
        return x

    def kwonly(x, *, axis, keepdims):
        return x

    assert R._positional(ok, ("axis", "keepdims", "dtype"))
    assert R._positional(ok, ("axis", "keepdims"))
    assert not R._positional(swapped, ("axis", "keepdims"))
    assert not R._positional(kwonly, ("axis", "keepdims"))


class _Compiled:
    """Stands for a compiled kernel: no Python signature, only a docstring (pybind11's)."""

    def __init__(self, name, doc):
        self.__name__ = name
        self.__doc__ = doc

    def __call__(self, *a, **k):
        raise AssertionError("not called")

    @property
    def __signature__(self):
        raise ValueError("no signature found for builtin")


def test_positional_reads_a_compiled_kernels_docstring():
    sig = "sum(x: object, axis: object = None, keepdims: bool = False, dtype: object = None, " \
          "*, out: object = None) -> numpy.ndarray"
    assert R._positional(_Compiled("sum", sig), ("axis", "keepdims", "dtype"))
    assert not R._positional(_Compiled("sum", "sum(x: object, *, axis: object = None, "
                                              "keepdims: bool = False)"), ("axis", "keepdims"))
    assert not R._positional(_Compiled("sum", "sum(*args, **kwargs)\nOverloaded function."),
                             ("axis", "keepdims"))
    assert not R._positional(_Compiled("sum", None), ("axis", "keepdims"))
    assert not R._positional(_Compiled("max", sig), ("axis", "keepdims"))  # another name


def test_a_keyword_only_kernel_in_the_cache_is_called_with_keywords():
    row = OPS["max"]
    t = tn.asarray(np.arange(6.0).reshape(2, 3))
    t.max(axis=0)  # fill the cache
    key = next(k for k in row.fast if k[0] is tn.ndarray and k[2] == 2 and k[3] == 0
               and k[4] is False and k[1] == t._device._code | t._dtype._code)
    seen = []

    def kernel(x, *, axis, keepdims):
        seen.append((axis, keepdims))
        return np.max(x, axis=axis, keepdims=keepdims)
    saved = row.fast[key]
    try:
        row.fast[key] = (kernel,) + saved[1:4] + (R._positional(kernel, ("axis", "keepdims")),)
        np.testing.assert_array_equal(np.asarray(t.max(axis=0)), [3.0, 4.0, 5.0])
    finally:
        row.fast[key] = saved
    assert seen == [((0,), False)]


def test_reductions_keep_their_names_and_signatures():
    import inspect
    for name in ("sum", "prod", "mean", "max", "min", "any", "all"):
        f = getattr(R, name)
        assert f.__name__ == name and f.__code__.co_name == name
        params = list(inspect.signature(f).parameters)
        assert params[:2] == ["x", "axis"] and params[-2:] == ["dim", "keepdim"]
    assert R.amax is R.max and R.amin is R.min
