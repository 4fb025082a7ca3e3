"""softmax / log_softmax over many short rows (the lane-per-row kernel, rows of <= 32): every
row of a block is its own lane, so partial blocks, NaN/inf rows beside finite ones, strided
rows and the 32/33 boundary are checked against NumPy in float64 and against torch (when it
is importable: the lent GPU machines have no torch)."""
import numpy as np
import pytest
from test_fused import np_log_softmax, np_softmax

try:
    import torch
except ImportError:  # pragma: no cover - machines without torch compare with NumPy only
    torch = None

FLOATS = ["float32", "float64"]


def tol(dtype):
    return dict(rtol=2e-6, atol=4e-6) if dtype == "float32" else dict(rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("dtype", FLOATS)
def test_short_rows_match_numpy_and_torch(k, dtype):
    rng = np.random.default_rng(70)
    # rows not a multiple of any vector width, rows of 1, 10, 32 (last short) and 33 (not)
    for shape in [(13, 10), (128, 10), (3, 1), (17, 32), (9, 33), (5, 4, 7)]:
        x = (rng.standard_normal(shape) * 8).astype(dtype)
        for axis in (-1, 0):
            got, lgot = k.softmax(x, axis), k.log_softmax(x, axis)
            np.testing.assert_allclose(got, np_softmax(x, axis), **tol(dtype))
            np.testing.assert_allclose(lgot, np_log_softmax(x, axis), **tol(dtype))
            if torch is not None:
                t = torch.from_numpy(x)
                np.testing.assert_allclose(lgot, torch.log_softmax(t, axis).numpy(),
                                           **tol(dtype))
                np.testing.assert_allclose(got, torch.softmax(t, axis).numpy(), **tol(dtype))


@pytest.mark.parametrize("dtype", FLOATS)
def test_short_rows_strided_views_and_out(k, dtype):
    rng = np.random.default_rng(71)
    base = rng.standard_normal((40, 24)).astype(dtype)
    for v in (base[::3, ::2], base.T[:, 5:15], base[::-2, 1:11]):
        for axis in (0, 1):
            np.testing.assert_allclose(k.log_softmax(v, axis), np_log_softmax(v, axis),
                                       **tol(dtype))
            out = np.empty(v.shape, dtype)
            r = k.softmax(v, axis, out=out)
            assert r is out
            np.testing.assert_allclose(out, np_softmax(v, axis), **tol(dtype))


def test_special_rows_stay_in_their_lane(k):
    """A NaN, +inf or all -inf row gives NaN only in its own row, as NumPy's formula and
    torch do."""
    x = np.random.default_rng(72).standard_normal((11, 6)).astype(np.float32)
    x[1, 3] = np.nan
    x[4, 0] = np.inf
    x[6, :] = -np.inf
    x[9, 2] = -np.inf
    with np.errstate(all="ignore"):
        for axis in (0, 1):
            want = [np_softmax(x, axis), np_log_softmax(x, axis)]
            if torch is not None:
                t = torch.from_numpy(x)
                np.testing.assert_allclose(want[0], torch.softmax(t, axis).numpy(),
                                           rtol=2e-6, atol=1e-7)
            np.testing.assert_allclose(k.softmax(x, axis), want[0], rtol=2e-6, atol=1e-7)
            np.testing.assert_allclose(k.log_softmax(x, axis), want[1], rtol=2e-6, atol=4e-6)
    assert np.isnan(k.softmax(x, 1)[[1, 4, 6]]).all()
    assert not np.isnan(np.delete(k.log_softmax(x, 1), [1, 4, 6], axis=0)).any()
