"""Searching, sets, counting and statistics: trueno vs NumPy, plus hypothesis invariants of
sort and unique.

One table of calls runs over dtypes x layouts (0-d, empty, transposed, negative-stride views;
float inputs carry NaNs). Where NumPy raises, trueno must raise an error of the same kind.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import assert_close, builtin_base, sample
from trueno_core_helpers import SURFACE_LAYOUTS as LAYOUTS, compare
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import trueno as tn

DTYPES = ["bool", "int32", "uint8", "float32", "float64"]


def _by_value(r):
    """An Array API ``unique_*`` result (order unspecified) in sorted order, as NumPy arrays."""
    if not isinstance(r, tuple):
        return np.sort(np.asarray(r))
    d = {k: np.asarray(v) for k, v in r._asdict().items()}
    keys = (d["indices"], d["values"]) if "indices" in d else (d["values"],)
    order = np.lexsort(keys)  # NaNs (distinct here) last, ordered by first index
    # the inverse is compared through the values it picks, which do not depend on the order
    return type(r)(**{k: (d["values"][v] if k == "inverse_indices" else v[order])
                      for k, v in d.items()})


def run_case(fname, build, kw, a_np, a_tn, msg, tn_name=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            want = getattr(np, fname)(*build(np, a_np), **kw)
        except Exception as exc:  # trueno must raise the same built-in kind
            with pytest.raises(builtin_base(type(exc))):
                getattr(tn, tn_name or fname)(*build(tn, a_tn), **kw)
            return
        got = getattr(tn, tn_name or fname)(*build(tn, a_tn), **kw)
    if fname.startswith("unique_"):
        got, want = _by_value(got), _by_value(want)
        got = type(got)(*(tn.asarray(g) for g in got)) if isinstance(got, tuple) else \
            tn.asarray(got)
    compare(got, want, msg)


def one(xp, a):
    return (a,)


def flat(xp, a):
    return xp.ravel(a)


CASES = [
    # sets and searching
    ("unique", one, {}),
    ("unique", one, {"return_index": True, "return_inverse": True, "return_counts": True}),
    ("unique", one, {"axis": 0}), ("unique", one, {"return_counts": True, "axis": -1}),
    ("unique", one, {"equal_nan": False}),
    ("unique_all", one, {}), ("unique_counts", one, {}), ("unique_inverse", one, {}),
    ("unique_values", one, {}),
    ("isin", lambda xp, a: (a, xp.asarray([0, 1, 3])), {}),
    ("isin", lambda xp, a: (a, xp.asarray([1])), {"invert": True}),
    ("intersect1d", lambda xp, a: (a, xp.asarray([1, 2, 3])), {}),
    ("intersect1d", lambda xp, a: (a, xp.asarray([3, 1, 0])), {"return_indices": True}),
    ("union1d", lambda xp, a: (a, xp.asarray([5, -1])), {}),
    ("setdiff1d", lambda xp, a: (a, xp.asarray([1])), {}),
    ("setxor1d", lambda xp, a: (a, xp.asarray([0, 2])), {}),
    ("searchsorted", lambda xp, a: (xp.sort(flat(xp, a)), a), {}),
    ("searchsorted", lambda xp, a: (xp.sort(flat(xp, a)), a), {"side": "right"}),
    ("searchsorted", lambda xp, a: (flat(xp, a), xp.asarray([1, 2])),
     {"sorter": None}),
    ("partition", lambda xp, a: (a, 1), {}), ("partition", lambda xp, a: (a, (0, -1)), {}),
    ("partition", lambda xp, a: (a, 0), {"axis": None}),
    ("argpartition", lambda xp, a: (a, 1), {}),
    ("count_nonzero", one, {}), ("count_nonzero", one, {"axis": 0}),
    ("count_nonzero", one, {"axis": -1, "keepdims": True}),
    ("digitize", lambda xp, a: (a, xp.asarray([0.0, 1.0, 2.5])), {}),
    ("digitize", lambda xp, a: (a, xp.asarray([3.0, 1.0, 0.0])), {"right": True}),
    # NaN-aware reductions, order statistics
    ("nansum", one, {}), ("nansum", one, {"axis": 0}), ("nanprod", one, {"axis": -1}),
    ("nanmean", one, {}), ("nanmean", one, {"axis": 0, "keepdims": True}),
    ("nanvar", one, {"ddof": 1}), ("nanstd", one, {"axis": -1}),
    ("nanmax", one, {}), ("nanmin", one, {"axis": 0}),
    ("nanargmax", one, {}), ("nanargmin", one, {"axis": -1}),
    ("nancumsum", one, {}), ("nancumprod", one, {"axis": 0}),
    ("nanmedian", one, {}), ("nanmedian", one, {"axis": 0}),
    ("median", one, {}), ("median", one, {"axis": -1, "keepdims": True}),
    ("quantile", lambda xp, a: (a, 0.3), {}),
    ("quantile", lambda xp, a: (a, [0.1, 0.9]), {"axis": 0, "method": "nearest"}),
    ("quantile", lambda xp, a: (a, 0.5), {"method": "midpoint", "keepdims": True}),
    ("percentile", lambda xp, a: (a, 40), {"axis": -1}),
    ("percentile", lambda xp, a: (a, 140), {}),
    ("nanquantile", lambda xp, a: (a, 0.25), {}),
    ("nanpercentile", lambda xp, a: (a, [10, 90]), {"method": "lower"}),
    ("average", one, {}), ("average", one, {"axis": 0, "returned": True}),
    ("average", lambda xp, a: (a, -1, xp.linspace(1.0, 2.0, a.shape[-1] if a.ndim else 1)),
     {}),
    ("cov", one, {}), ("cov", one, {"rowvar": False, "ddof": 0}), ("corrcoef", one, {}),
    ("ptp", one, {}), ("ptp", one, {"axis": 0}),
    # differences and numerics
    ("diff", one, {}), ("diff", one, {"n": 2, "axis": 0}),
    ("diff", one, {"prepend": 0, "append": 1}),
    ("ediff1d", one, {}), ("ediff1d", one, {"to_begin": 1, "to_end": [2, 3]}),
    ("around", lambda xp, a: (a, 1), {}), ("round", lambda xp, a: (a, -1), {}),
    ("round", one, {}),
    ("isclose", lambda xp, a: (a, xp.flip(a)), {}),
    ("isclose", lambda xp, a: (a, a), {"equal_nan": True}),
    ("allclose", lambda xp, a: (a, a), {}), ("allclose", lambda xp, a: (a, a), {"equal_nan": True}),
    ("array_equal", lambda xp, a: (a, a), {}),
    ("array_equal", lambda xp, a: (a, a), {"equal_nan": True}),
    ("array_equal", lambda xp, a: (a, xp.flip(a)), {}),
    ("array_equiv", lambda xp, a: (a, a[..., :1]), {}),
    ("trapezoid", one, {}), ("trapezoid", one, {"dx": 0.5, "axis": 0}),
    ("gradient", one, {}), ("gradient", one, {"axis": -1, "edge_order": 2}),
    ("convolve", lambda xp, a: (flat(xp, a), xp.asarray([1.0, 2.0])), {}),
    ("convolve", lambda xp, a: (flat(xp, a), xp.asarray([1, 2, 3])), {"mode": "same"}),
    ("correlate", lambda xp, a: (flat(xp, a), xp.asarray([1.0, 0.5])), {"mode": "full"}),
    ("interp", lambda xp, a: (a, xp.asarray([0.0, 1.0, 3.0]), xp.asarray([1.0, -1.0, 2.0])),
     {}),
    ("histogram", one, {}), ("histogram", one, {"bins": 3, "range": (0, 4)}),
    ("histogram", lambda xp, a: (a, xp.asarray([0.0, 1.0, 2.5, 4.0])), {"density": True}),
    ("histogram_bin_edges", one, {"bins": 4}),
]


def _data(dtype, shape):
    base = sample(dtype, shape, rng=np.random.default_rng(3))
    if base.dtype.kind == "f" and base.size > 2:
        base = np.round(base)  # repeated values, so unique/partition/median see ties
        base.flat[1] = np.nan
        base.flat[-1] = np.nan
    elif base.dtype.kind == "f":
        base = np.round(base)
    return base


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_matches_numpy(layout, dtype):
    shape, view = LAYOUTS[layout]
    base = _data(dtype, shape)
    for fname, build, kw in CASES:
        a_np, a_tn = view(base), view(tn.asarray(base.copy()))
        run_case(fname, build, kw, a_np, a_tn, f"{fname}{kw} on {layout} {dtype}")


@pytest.mark.parametrize("dtype", ["int8", "int64", "uint16"])
@pytest.mark.parametrize("weights", [False, True])
def test_bincount(dtype, weights):
    x = np.array([0, 3, 3, 1, 7, 0], dtype=dtype)
    w = np.linspace(0.5, 3.0, 6) if weights else None
    for minlength in (0, 10):
        want = np.bincount(x, w, minlength)
        got = tn.bincount(tn.asarray(x)[::1], None if w is None else tn.asarray(w), minlength)
        assert_close(got, want)
    with pytest.raises(ValueError):
        tn.bincount(tn.asarray([1, -1]))
    with pytest.raises(ValueError):
        tn.bincount(tn.asarray([[1, 2]]))


@pytest.mark.parametrize("dtype", ["int32", "float64", "float32"])
@pytest.mark.parametrize("largest", [True, False])
def test_topk(dtype, largest):
    a = np.round(sample(dtype, (4, 9), rng=np.random.default_rng(5)) / 3)
    a = a.astype(dtype)
    for axis in (0, 1, -1):
        k = 3
        order = np.argsort(-a if largest else a, axis=axis, kind="stable")
        idx = np.take(order, np.arange(k), axis=axis)
        r = tn.topk(tn.asarray(a), k, dim=axis, largest=largest)
        assert_close(r.indices, idx.astype(np.int64))
        assert_close(r.values, np.take_along_axis(a, idx, axis=axis))
        v, i = r
        assert v is r.values
    with pytest.raises(ValueError):
        tn.topk(tn.asarray(a), 10, dim=0)


def test_array_api_unique_treats_nans_as_distinct():
    x = tn.asarray([np.nan, 1.0, np.nan, 1.0])
    assert tn.unique_values(x).shape == (3,)
    r = tn.unique_all(x)
    assert r._fields == ("values", "indices", "inverse_indices", "counts")
    assert tn.unique(x).shape == (2,)  # NumPy's unique: equal_nan=True


def test_errors():
    with pytest.raises(ValueError):
        tn.partition(tn.arange(3), 5)
    with pytest.raises(ValueError):
        tn.searchsorted(tn.zeros((2, 2)), 1.0)
    with pytest.raises(ValueError):
        tn.quantile(tn.arange(3.0), 1.5)
    with pytest.raises(ValueError):
        tn.histogram(tn.arange(3.0), bins=[3, 1, 2])
    with pytest.raises(ValueError):
        tn.interp(tn.arange(3.0), [1.0, 2.0], [1.0])
    with pytest.raises(ValueError):
        tn.nanargmax(tn.asarray([np.nan, np.nan]))
    with pytest.raises(ZeroDivisionError):
        tn.average(tn.arange(3.0), weights=tn.zeros(3))


def test_lexsort_and_sort_complex():
    k1 = np.array([1, 5, 1, 4, 3, 4, 4])
    k2 = np.array([9, 4, 0, 4, 0, 2, 1])
    assert_close(tn.lexsort((tn.asarray(k1), tn.asarray(k2))), np.lexsort((k1, k2)))
    c = np.array([1 + 2j, 2 - 1j, 3 - 2j, 3 - 3j, 3 + 5j])
    assert_close(tn.sort_complex(tn.asarray(c)), np.sort_complex(c))
    for arr in ([5, 3, 6, 2, 1], np.array([3, 1], dtype=np.int16), np.array([2.5, -1.0]),
                np.array([2.5, -1.0], dtype=np.float32), np.array([True, False]),
                c.reshape(1, 5), np.stack([c, c[::-1]])):
        assert_close(tn.sort_complex(tn.asarray(arr)), np.sort_complex(np.asarray(arr)))


def test_ndarray_methods():
    a = np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
    t = tn.asarray(a)
    assert_close(t.ptp(), np.ptp(a))
    assert_close(t[0].searchsorted(2.5), a[0].searchsorted(2.5))
    assert t.partition(1) is None
    a.partition(1)
    assert_close(t, a)
    assert_close(t.argpartition(0, axis=0), a.argpartition(0, axis=0))
    assert_close(t.trace(), a.trace())
    assert_close(t.compress([True, False], axis=0), a.compress([True, False], axis=0))
    assert_close(t.take([0, 4]), a.take([0, 4]))
    r = np.array([1.25, 2.5, 123.456, -7.5, 15.0])
    for d in (0, 1, -1):
        assert_close(tn.asarray(r).round(d), r.round(d))
        assert_close(tn.asarray([15, 25, -35]).round(d), np.array([15, 25, -35]).round(d))
    assert_close(tn.in1d([[1, 2], [3, 4]], [2, 3]), np.isin([[1, 2], [3, 4]], [2, 3]).ravel())
    nz = t.nonzero()
    for g, w in zip(nz, a.nonzero()):
        assert_close(g, w)


# --- hypothesis: invariants of sort and unique -------------------------------------------------

_arrays = hnp.arrays(
    dtype=st.sampled_from([np.int32, np.float64, np.uint8]),
    shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=5),
    elements={"allow_nan": False, "min_value": 0, "max_value": 20})


@settings(max_examples=40, deadline=None)
@given(_arrays, st.integers(-3, 2), st.booleans())
def test_sort_invariants(a, axis, descending):
    t = tn.asarray(a)
    if not -a.ndim <= axis < a.ndim:
        axis = -1
    s = tn.sort(t, axis=axis, descending=descending).numpy()
    assert s.shape == a.shape
    d = np.diff(s.astype(np.int64), axis=axis) if a.shape[axis] > 1 else np.zeros(0)
    assert (d <= 0).all() if descending else (d >= 0).all()
    np.testing.assert_array_equal(np.sort(s, axis=axis), np.sort(a, axis=axis))
    i = tn.argsort(t, axis=axis, descending=descending).numpy()
    np.testing.assert_array_equal(np.take_along_axis(a, i, axis=axis), s)
    if not descending:  # stable: equal to NumPy's stable argsort
        np.testing.assert_array_equal(i, np.argsort(a, axis=axis, kind="stable"))


@settings(max_examples=40, deadline=None)
@given(_arrays)
def test_unique_invariants(a):
    t = tn.asarray(a)
    vals, index, inverse, counts = tn.unique(t, return_index=True, return_inverse=True,
                                             return_counts=True)
    v = vals.numpy()
    assert (np.diff(v) > 0).all()
    assert int(counts.numpy().sum()) == a.size
    np.testing.assert_array_equal(v[inverse.numpy()].reshape(a.shape), a)
    np.testing.assert_array_equal(a.ravel()[index.numpy()], v)
    r = tn.unique_all(t)
    assert r.inverse_indices.shape == a.shape
    np.testing.assert_array_equal(r.values.numpy()[r.inverse_indices.numpy()], a)


# --- NumPy's remaining elementwise functions (trueno._numpy_elementwise) -----------------

UFUNC_CALLS = [
    ("fmod", lambda xp, a: (a, 3)), ("fmod", lambda xp, a: (a, xp.flip(a))),
    ("gcd", lambda xp, a: (a, 6)), ("lcm", lambda xp, a: (a, a)),
    ("ldexp", lambda xp, a: (a, 2)), ("heaviside", lambda xp, a: (a, 0.5)),
    ("float_power", lambda xp, a: (a, 2)), ("logaddexp2", lambda xp, a: (a, a)),
    ("fmax", lambda xp, a: (a, xp.flip(a))), ("fmin", lambda xp, a: (a, 1)),
    ("divmod", lambda xp, a: (a, 4)), ("exp2", one), ("cbrt", one), ("rint", one),
    ("degrees", one), ("radians", one), ("deg2rad", one), ("rad2deg", one), ("spacing", one),
    ("frexp", one), ("modf", one), ("bitwise_count", one), ("bitwise_not", one),
    ("isneginf", one), ("isposinf", one), ("fix", one), ("sinc", one), ("i0", one),
    ("isreal", one), ("iscomplex", one), ("nan_to_num", one), ("angle", one),
    ("unwrap", one), ("real_if_close", one),
]


@pytest.mark.parametrize("dtype", ["bool", "int32", "uint8", "float32", "float64",
                                   "complex128"])
@pytest.mark.parametrize("layout", ["0d", "2d", "empty", "transposed", "neg_step"])
def test_numpy_elementwise_match_numpy(layout, dtype):
    shape, view = LAYOUTS[layout]
    base = _data(dtype, shape)
    for fname, build in UFUNC_CALLS:
        a_np, a_tn = view(base), view(tn.asarray(base.copy()))
        run_case(fname, build, {}, a_np, a_tn, f"{fname} on {layout} {dtype}")


def test_nan_to_num_keywords():
    a = np.array([np.nan, np.inf, -np.inf, 1.0])
    assert_close(tn.nan_to_num(tn.asarray(a), nan=-1.0, posinf=9.0, neginf=-9.0),
                 np.nan_to_num(a, nan=-1.0, posinf=9.0, neginf=-9.0))


# --- parameters the layout table does not reach ------------------------------------------------

_X = np.array([[0.5, 2.0, -1.0, 3.5], [1.5, 1.5, 0.0, -2.0], [4.0, -0.5, 2.5, 1.0]])
_V = np.array([0.3, 1.1, 2.7, 0.2])
PARAM_CALLS = [
    ("cov", lambda xp: (xp.asarray(_X),), {"fweights": [1, 2, 1, 3]}),
    ("cov", lambda xp: (xp.asarray(_X),), {"aweights": [0.5, 1.0, 2.0, 1.0], "bias": True}),
    ("cov", lambda xp: (xp.asarray(_X[0]), xp.asarray(_X[1])), {}),
    ("corrcoef", lambda xp: (xp.asarray(_X[0]), xp.asarray(_X[2])), {}),
    ("corrcoef", lambda xp: (xp.asarray(_X),), {"rowvar": False}),
    ("interp", lambda xp: (xp.asarray(_V * 10), [0.0, 5.0, 30.0], [1.0, 2.0, 0.0]),
     {"left": -1.0, "right": 9.0}),
    ("interp", lambda xp: (xp.asarray(_V * 400), [0.0, 90.0, 180.0, 270.0],
                           [0.0, 1.0, 0.0, -1.0]), {"period": 360}),
    ("gradient", lambda xp: (xp.asarray(_X), 2.0), {}),
    ("gradient", lambda xp: (xp.asarray(_X), 1.0, xp.asarray([0.0, 1.0, 3.0, 4.0])), {}),
    ("gradient", lambda xp: (xp.asarray(_X[0]), xp.asarray([0.0, 1.0, 1.5, 4.0])),
     {"edge_order": 2}),
    ("searchsorted", lambda xp: (xp.asarray(_V), xp.asarray([0.25, 3.0])),
     {"sorter": np.argsort(_V)}),
    ("average", lambda xp: (xp.asarray(_X), 1, xp.asarray(_V), True), {}),
    ("average", lambda xp: (xp.asarray(_X), None, xp.asarray(_X ** 2)), {"keepdims": True}),
    ("histogram", lambda xp: (xp.asarray(_X), 4, None, None, xp.asarray(_X ** 2)), {}),
    ("histogram", lambda xp: (xp.asarray(_X),), {"bins": "auto"}),
    ("histogram_bin_edges", lambda xp: (xp.asarray(_X),), {"bins": "sturges"}),
    ("trapezoid", lambda xp: (xp.asarray(_X), xp.asarray([0.0, 1.0, 3.0, 4.0])), {}),
    ("trapezoid", lambda xp: (xp.asarray(_X), xp.asarray(_X.cumsum(0))), {"axis": 0}),
    ("diff", lambda xp: (xp.asarray(_X), 1, -1, xp.asarray([[9.0]] * 3)), {}),
    ("intersect1d", lambda xp: (xp.asarray([1, 3, 3, 5]), xp.asarray([5.0, 1.0])),
     {"assume_unique": False}),
    ("setdiff1d", lambda xp: (xp.asarray([4, 1, 2]), xp.asarray([2])),
     {"assume_unique": True}),
    ("setxor1d", lambda xp: (xp.asarray([1, 2, 3]), xp.asarray([3, 4])),
     {"assume_unique": True}),
    ("isin", lambda xp: (xp.asarray(_X), xp.asarray([1.5, 0.0])), {"assume_unique": True}),
]


@pytest.mark.parametrize("call", PARAM_CALLS, ids=lambda c: c[0] if callable(c) else None)
def test_parameters_match_numpy(call):
    fname, build, kw = call
    run_case(fname, lambda xp, a: build(xp), kw, None, None, f"{fname}{kw}")


@pytest.mark.parametrize("method", ["inverted_cdf", "averaged_inverted_cdf",
                                    "closest_observation", "interpolated_inverted_cdf",
                                    "hazen", "weibull", "linear", "median_unbiased",
                                    "normal_unbiased", "lower", "higher", "midpoint",
                                    "nearest"])
def test_quantile_methods(method):
    for q in (0.0, 0.33, [0.25, 0.75], 1.0):
        assert_close(tn.quantile(tn.asarray(_X), q, axis=1, method=method),
                     np.quantile(_X, q, axis=1, method=method))
        assert_close(tn.nanpercentile(tn.asarray(_X), np.multiply(q, 100), method=method),
                     np.nanpercentile(_X, np.multiply(q, 100), method=method))


# --- decompositions (what a device without these kernels runs) --------------------------------

@pytest.mark.parametrize("name,args,kw", [
    ("nansum", (), {"axis": None}), ("nansum", (), {"axis": (0,), "keepdims": True}),
    ("nanprod", (), {"axis": (1,)}), ("nanmean", (), {"axis": (0,)}),
    ("nanmean", (), {"axis": None}), ("nanmax", (), {"axis": (1,)}),
    ("nanmin", (), {"axis": None, "keepdims": False}), ("count_nonzero", (), {"axis": (0,)}),
    ("isclose", ("other",), {"rtol": 1e-3, "atol": 0.5}),
    ("isclose", ("self",), {"equal_nan": True}),
])
@pytest.mark.parametrize("dtype", ["int32", "float32", "float64"])
def test_decompositions_match_kernels(name, args, kw, dtype):
    from trueno import OPS
    from trueno._surface_ops import call
    base = _data(dtype, (3, 4))
    if dtype != "int32":
        base[1, :] = np.nan  # an all-NaN row
    x = tn.asarray(base)
    other = {"other": tn.asarray(np.round(base) + 0.4), "self": x}
    ins = [x] + [other[a].astype(x.dtype) for a in args]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        want = call(name, ins, kw)
        got = OPS[name].decomposition(*ins, **kw)
    if isinstance(got, np.generic):  # the NumPy face's 0-d arithmetic; run() rewraps it
        got = tn.asarray(got)
    assert_close(got, want.numpy(), msg=name)


@pytest.mark.parametrize("dtype", ["int32", "float64", "uint8"])
@pytest.mark.parametrize("shape", [(0,), (7,), (3, 4)])
def test_search_and_count_decompositions_match_kernels(dtype, shape):
    from trueno import OPS
    from trueno._surface_ops import call
    base = _data(dtype, shape)
    x = tn.asarray(base)
    flat = x.reshape(-1)
    srt = tn.sort(flat)
    cases = [("searchsorted", (srt, x), {"side": "left"}),
             ("searchsorted", (srt, x), {"side": "right"}),
             ("searchsorted", (flat, x), {"sorter": tn.argsort(flat)}),
             ("digitize", (x, tn.asarray([0.0, 1.0, 2.5]).astype(x.dtype)), {}),
             ("digitize", (x, tn.asarray([3.0, 1.0, 0.0]).astype(x.dtype)), {"right": True})]
    if base.dtype.kind in "iu":
        nonneg = tn.asarray(np.abs(base.reshape(-1)).astype(np.int64))
        cases += [("bincount", (nonneg,), {}), ("bincount", (nonneg,), {"minlength": 30}),
                  ("bincount", (nonneg,), {"weights": tn.ones(nonneg.shape)})]
    for eq in (True, False):
        cases.append(("unique_all", (x,), {"equal_nan": eq}))
    for name, ins, kw in cases:
        params = dict(kw)
        if name == "searchsorted" and "sorter" in params:
            params["sorter"] = params["sorter"].numpy()
        if name == "bincount" and "weights" in params:
            want = call(name, ins, {**params, "weights": params["weights"].numpy()})
        else:
            want = call(name, ins, params)
        got = OPS[name].decomposition(*ins, **kw)
        compare(got, tuple(w.numpy() for w in want) if isinstance(want, tuple)
                else want.numpy(), f"{name}{kw} {dtype} {shape}")


# --- on a GPU (when one is registered): kernels or decompositions, same results as NumPy --------

def _gpu_or_skip():
    devs = [d for d in tn.__array_namespace_info__().devices() if d.type != "cpu"]
    if not devs:
        pytest.skip("needs a GPU adapter: trueno-gpu with a Vulkan driver "
                    "(apt-get install mesa-vulkan-drivers libvulkan1)")
    return devs[0]


GPU_CASES = [
    ("take", lambda xp, x, A: xp.take(x, A([0, 3]), axis=1)),
    ("take_along_axis", lambda xp, x, A: xp.take_along_axis(x, A([[0, 2], [1, 1], [3, 0]]),
                                                            axis=1)),
    ("flip", lambda xp, x, A: xp.flip(x, 0)), ("rot90", lambda xp, x, A: xp.rot90(x)),
    ("tile", lambda xp, x, A: xp.tile(x, (2, 1))),
    ("repeat", lambda xp, x, A: xp.repeat(x, [1, 0, 2], axis=0)),
    ("roll", lambda xp, x, A: xp.roll(x, 3)), ("diff", lambda xp, x, A: xp.diff(x, 2, axis=1)),
    ("ptp", lambda xp, x, A: xp.ptp(x, axis=1)), ("trapezoid", lambda xp, x, A: xp.trapezoid(x)),
    ("delete", lambda xp, x, A: xp.delete(x, [0, 2], axis=1)),
    ("resize", lambda xp, x, A: xp.resize(x, (5, 5))),
    ("extract", lambda xp, x, A: xp.extract(x > 0, x)),
    ("unique", lambda xp, x, A: xp.unique(x, return_index=True, return_inverse=True,
                                          return_counts=True)),
    ("searchsorted", lambda xp, x, A: xp.searchsorted(A(np.array([-1.0, 2.0, 5.0],
                                                                 np.float32)), x)),
    ("count_nonzero", lambda xp, x, A: xp.count_nonzero(x, axis=0)),
    ("nanmean", lambda xp, x, A: xp.nanmean(x, axis=1)), ("nansum", lambda xp, x, A: xp.nansum(x)),
    ("nanmax", lambda xp, x, A: xp.nanmax(x, axis=0)),
    ("isclose", lambda xp, x, A: xp.isclose(x, x + 1e-6)),
    ("digitize", lambda xp, x, A: xp.digitize(x, A(np.array([0.0, 3.0], np.float32)))),
    ("histogram", lambda xp, x, A: xp.histogram(x, bins=4)),
]


@pytest.mark.parametrize("name,fn", GPU_CASES, ids=[c[0] for c in GPU_CASES])
def test_on_other_devices(name, fn):
    dev = _gpu_or_skip()
    a = np.arange(12, dtype=np.float32).reshape(3, 4) * 1.5 - 4
    a[1, 2] = a[0, 1]
    got = fn(tn, tn.asarray(a, device=dev), lambda v: tn.asarray(v, device=dev))
    want = fn(np, a, np.asarray)
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    for g, w in zip(got, want):
        assert g.device == dev
        w = np.asarray(w)
        assert_close(g.cpu(), w.astype(np.int64) if w.dtype == np.intp else w, msg=name,
                     check_dtype=w.dtype.kind not in "iu")


@pytest.mark.parametrize("kw", [{}, {"bins": 3}, {"bins": 4, "range": (-2.0, 2.0)},
                                {"bins": [-3.0, 0.0, 1.0, 4.0]}, {"density": True},
                                {"bins": 5, "weights": "w"}])
@pytest.mark.parametrize("dtype", ["int32", "float64"])
def test_histogram_decomposition_matches_kernel(kw, dtype):
    from trueno import OPS
    a = np.round(np.random.default_rng(2).normal(0, 2, 40)).astype(dtype)
    a[:3] = a.max()  # values on the last edge belong to the last bin
    w = np.linspace(0.5, 1.5, 40)
    kw = {k: (w if v == "w" else v) for k, v in kw.items()}
    want = np.histogram(a, **kw)
    tkw = {k: (tn.asarray(v) if k == "weights" else v) for k, v in kw.items()}
    got = OPS["histogram"].decomposition(tn.asarray(a), **tkw)
    assert_close(got[1], want[1])
    assert_close(got[0], want[0])
