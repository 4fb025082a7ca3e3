"""Weighted quantiles of GPU arrays (NumPy allows weights with method="inverted_cdf"): NumPy's
values, dtypes and shapes, its errors, and the result on the GPU (issue 14)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import trueno as tn

_RNG = np.random.default_rng(14)
_X = _RNG.normal(size=(3, 4, 5))
_W = _RNG.random((3, 4, 5))
_W0 = np.array([0.0, 1.0, 2.0])  # a zero weight first: q=0 picks the first positive one

CASES = {
    "scalar_q": ([1.0, 2.0, 3.0], 0.5, {"weights": [1.0, 1.0, 2.0]}),
    "q_list": ([1.0, 2.0, 3.0], [0.0, 0.25, 0.5, 0.75, 1.0], {"weights": [1.0, 1.0, 2.0]}),
    "zero_weight_first": ([1.0, 2.0, 3.0], [0.0, 0.5], {"weights": _W0}),
    "ints_keep_dtype": (np.array([3, 1, 2, 5], np.int32), [0.3, 0.7],
                        {"weights": [1, 2, 3, 4]}),
    "float32": (np.array([3.0, 1.0, 2.0], np.float32), 0.4, {"weights": [1.0, 2.0, 1.0]}),
    "nan_row": ([1.0, np.nan, 3.0], 0.5, {"weights": [1.0, 1.0, 2.0]}),
    "inf": ([1.0, np.inf, -np.inf], [0.1, 0.5, 0.9], {"weights": [1.0, 1.0, 2.0]}),
    "axis1": (_X, [0.2, 0.9], {"axis": 1, "weights": _W}),
    "axis1_1d_weights": (_X, 0.3, {"axis": 1, "weights": _W[0, :, 0]}),
    "axes_0_2": (_X, 0.4, {"axis": (0, 2), "weights": _W}),
    "keepdims": (_X, [0.4], {"axis": 2, "keepdims": True, "weights": _W}),
    "all_axes_keepdims": (_X, 0.6, {"keepdims": True, "weights": _W}),
    "ties": ([1.0, 1.0, 2.0, 2.0], [0.25, 0.5, 0.75], {"weights": [1.0, 1.0, 1.0, 1.0]}),
    # NumPy's errors
    "method_linear": ([1.0, 2.0, 3.0], 0.5, {"weights": [1.0, 1.0, 2.0], "method": "linear"}),
    "negative_weight": ([1.0, 2.0, 3.0], 0.5, {"weights": [1.0, -1.0, 2.0]}),
    "all_zero": ([1.0, 2.0, 3.0], 0.5, {"weights": [0.0, 0.0, 0.0]}),
    "nan_weight": ([1.0, 2.0, 3.0], 0.5, {"weights": [1.0, np.nan, 2.0]}),
    "weights_shape": (_X, 0.5, {"axis": 1, "weights": np.ones(3)}),
    "weights_no_axis": (_X, 0.5, {"weights": np.ones(5)}),
}


def _outcome(fn, a, q, kw):
    kw = {"method": "inverted_cdf", **kw}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return fn(a, q, **kw), None
    except (ValueError, TypeError, IndexError) as e:  # NumPy 2.4's nanquantile raises
        return None, e  # IndexError for 1-d weights along an axis


@pytest.mark.parametrize("func", ["quantile", "percentile", "nanquantile", "nanpercentile"])
@pytest.mark.parametrize("case", list(CASES))
def test_weighted_quantile_on_gpu(func, case):
    a, q, kw = CASES[case]
    if "percentile" in func:
        q = (np.asarray(q) * 100).tolist() if isinstance(q, list) else q * 100
    want, werr = _outcome(getattr(np, func), np.asarray(a), q, kw)
    kw_t = dict(kw)
    if case == "axis1":  # weights given as a GPU array too
        kw_t["weights"] = tn.asarray(kw["weights"], device="gpu")
    got, gerr = _outcome(getattr(tn, func), tn.asarray(a, device="gpu"), q, kw_t)
    if werr is not None:
        assert gerr is not None and isinstance(gerr, type(werr)), (werr, gerr)
        return
    assert gerr is None, gerr
    assert got.device.type == "gpu"
    h = np.asarray(got.to_device("cpu"))
    assert h.dtype == np.asarray(want).dtype and h.shape == np.shape(want)
    np.testing.assert_array_equal(h, want)


_NAN_ROWS = np.array([[1.0, np.nan, 3.0, 4.0, -2.0], [2.0, 5.0, 1.0, 0.0, np.inf],
                      [np.nan, np.nan, np.nan, 7.0, 1.0]])
_HOST_METHODS = ["inverted_cdf", "averaged_inverted_cdf", "closest_observation",
                 "interpolated_inverted_cdf", "hazen", "weibull", "median_unbiased",
                 "normal_unbiased"]


@pytest.mark.parametrize("method", _HOST_METHODS)
@pytest.mark.parametrize("func", ["quantile", "nanquantile", "nanpercentile"])
def test_quantile_methods_with_nan_rows_on_gpu(func, method):
    """nanquantile with a method whose positions depend on each row's count of non-NaN
    values ignores the NaN as NumPy does (the GPU kernel gave NaN for such rows), and
    "averaged_inverted_cdf" is NumPy's (it raised); integers too."""
    q = [0.0, 0.4, 0.75, 1.0]
    if "percentile" in func:
        q = [v * 100 for v in q]
    for a in (_NAN_ROWS, np.array([[3, 1, 2, 8], [5, 5, 0, 1]], np.int32)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            want = getattr(np, func)(a, q, axis=1, method=method)
            got = getattr(tn, func)(tn.asarray(a, device="gpu"), q, axis=1, method=method)
        assert got.device.type == "gpu"
        h = np.asarray(got.to_device("cpu"))
        assert h.dtype == want.dtype and h.shape == want.shape
        np.testing.assert_array_equal(h, want)
