"""Stacking, splitting, tiling, flipping, rolling, padding: trueno vs NumPy.

One table of calls runs over dtypes x layouts (0-d, empty, transposed, negative-stride views).
Where NumPy raises, trueno must raise an error of the same built-in kind.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_close, builtin_base, sample
from trueno_core_helpers import SURFACE_LAYOUTS, compare

import trueno as tn

DTYPES = ["bool", "int32", "float64", "uint8"]
LAYOUTS = SURFACE_LAYOUTS | {"1d": ((6,), lambda a: a)}  # 6 splits evenly


def run_case(fname, build, kw, a_np, a_tn, msg):
    try:
        want = getattr(np, fname)(*build(np, a_np), **kw)
    except Exception as exc:  # NumPy's error: trueno must raise the same built-in kind
        with pytest.raises(builtin_base(type(exc))):
            getattr(tn, fname)(*build(tn, a_tn), **kw)
        return
    got = getattr(tn, fname)(*build(tn, a_tn), **kw)
    compare(got, want, msg)


def one(xp, a):
    return (a,)


CASES = [
    ("atleast_1d", one, {}), ("atleast_2d", one, {}), ("atleast_3d", one, {}),
    ("atleast_2d", lambda xp, a: (a, a), {}),
    ("hstack", lambda xp, a: ([a, a],), {}), ("vstack", lambda xp, a: ([a, a],), {}),
    ("dstack", lambda xp, a: ([a, a],), {}), ("column_stack", lambda xp, a: ([a, a],), {}),
    ("split", lambda xp, a: (a, 2), {}), ("split", lambda xp, a: (a, [1, 2]), {}),
    ("split", lambda xp, a: (a, 3), {"axis": -1}), ("array_split", lambda xp, a: (a, 4), {}),
    ("array_split", lambda xp, a: (a, [1, 5], -1), {}),
    ("hsplit", lambda xp, a: (a, 2), {}), ("vsplit", lambda xp, a: (a, 3), {}),
    ("dsplit", lambda xp, a: (a, 2), {}),
    ("unstack", one, {}), ("unstack", one, {"axis": -1}),
    ("tile", lambda xp, a: (a, 2), {}), ("tile", lambda xp, a: (a, (2, 1, 3)), {}),
    ("tile", lambda xp, a: (a, (0, 2)), {}),
    ("repeat", lambda xp, a: (a, 2), {}), ("repeat", lambda xp, a: (a, 3), {"axis": 0}),
    ("repeat", lambda xp, a: (a, [1, 0, 2]), {"axis": -1}),
    ("roll", lambda xp, a: (a, 2), {}), ("roll", lambda xp, a: (a, -1), {"axis": 0}),
    ("roll", lambda xp, a: (a, (1, 2)), {"axis": (0, -1)}),
    ("flip", one, {}), ("flip", one, {"axis": 0}), ("flip", one, {"axis": (0, -1)}),
    ("fliplr", one, {}), ("flipud", one, {}),
    ("rot90", one, {}), ("rot90", lambda xp, a: (a, 2), {}), ("rot90", lambda xp, a: (a, 3), {}),
    ("rot90", lambda xp, a: (a, -1, (-1, 0)), {}),
    ("pad", lambda xp, a: (a, 1), {}), ("pad", lambda xp, a: (a, 2), {"mode": "edge"}),
    ("pad", lambda xp, a: (a, (1, 2)), {"mode": "reflect"}),
    ("pad", lambda xp, a: (a, 3), {"mode": "symmetric"}),
    ("pad", lambda xp, a: (a, (2, 1)), {"mode": "wrap"}),
    ("pad", lambda xp, a: (a, 1), {"mode": "constant", "constant_values": 1}),
    ("append", lambda xp, a: (a, a), {}), ("append", lambda xp, a: (a, a), {"axis": 0}),
    ("append", lambda xp, a: (a, a), {"axis": -1}),
    ("insert", lambda xp, a: (a, 1, 1), {}), ("insert", lambda xp, a: (a, [0, 2], 0), {}),
    ("insert", lambda xp, a: (a, 1, 0), {"axis": 0}),
    ("delete", lambda xp, a: (a, 1), {}), ("delete", lambda xp, a: (a, [0, 2], 0), {}),
    ("delete", lambda xp, a: (a, slice(None, None, 2), -1), {}),
    ("resize", lambda xp, a: (a, (3, 5)), {}), ("resize", lambda xp, a: (a, 7), {}),
    ("trim_zeros", one, {}), ("trim_zeros", lambda xp, a: (a, "b"), {}),
    ("moveaxis", lambda xp, a: (a, 0, -1), {}), ("rollaxis", lambda xp, a: (a, -1), {}),
    ("squeeze", one, {}), ("expand_dims", lambda xp, a: (a, (0, -1)), {}),
    ("block", lambda xp, a: ([[a, a], [a, a]],), {}),
    ("concatenate", lambda xp, a: ((a, a),), {"axis": None}),
    ("stack", lambda xp, a: ((a, a),), {"axis": -1}),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_matches_numpy(layout, dtype):
    shape, view = LAYOUTS[layout]
    base = sample(dtype, shape, rng=np.random.default_rng(7))
    for fname, build, kw in CASES:
        a_np, a_tn = view(base), view(tn.asarray(base.copy()))
        run_case(fname, build, kw, a_np, a_tn, f"{fname}{kw} on {layout} {dtype}")


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_flip_is_a_view_with_negative_strides(layout):
    shape, view = LAYOUTS[layout]
    base = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    t = view(tn.asarray(base.copy()))
    f = tn.flip(t)
    if t.ndim == 0:  # NumPy's flip of a 0-d array indexes it with (): a scalar copy
        want = np.flip(view(base))
        assert type(f) is type(want) and f == want
        return
    assert f.storage is t.storage
    if t.ndim and t.size > 1:
        assert any(s < 0 for s in f.strides)
    if t.ndim >= 2:
        assert tn.rot90(t).storage is t.storage


def test_split_returns_views():
    t = tn.arange(12.0)
    parts = tn.split(t, 3)
    parts[1][0] = 100.0
    assert t[4].item() == 100.0


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric", "wrap",
                                  "linear_ramp", "maximum", "minimum", "mean", "median"])
def test_pad_modes(mode):
    a = np.arange(12.0).reshape(3, 4) ** 2
    want = np.pad(a, ((1, 2), (3, 0)), mode=mode)
    assert_close(tn.pad(tn.asarray(a), ((1, 2), (3, 0)), mode=mode), want)


def test_errors_name_the_problem():
    with pytest.raises(tn.ShapeError, match="equal division"):
        tn.split(tn.arange(5), 2)
    with pytest.raises(ValueError):
        tn.pad(tn.zeros((2, 2)), ((1, 2, 3),))
    with pytest.raises(IndexError):
        tn.delete(tn.arange(3), 5)
    with pytest.raises(ValueError):
        tn.repeat(tn.arange(3), -1)
    with pytest.raises(ValueError):
        tn.tile(tn.arange(3), -2)


def test_ndarray_methods():
    a = np.arange(12).reshape(3, 4)
    t = tn.asarray(a)
    assert_close(t.repeat(2, axis=1), a.repeat(2, axis=1))
    assert_close(t.flatten(), a.flatten())
    assert_close(t.squeeze(), a.squeeze())
    assert_close(t.swapaxes(0, 1), a.swapaxes(0, 1))


# --- the rest of NumPy's everyday namespace (trueno._numpy_utilities) ---------------------

MISC_CASES = [
    ("copy", one, {}), ("ascontiguousarray", one, {}), ("asanyarray", one, {}),
    ("asfortranarray", one, {}), ("require", one, {}), ("asarray_chkfinite", one, {}),
    ("apply_along_axis", lambda xp, a: (lambda v: v[::-1] * 2, 0, a), {}),
    ("apply_along_axis", lambda xp, a: (lambda v: v.sum(), -1, a), {}),
    ("apply_over_axes", lambda xp, a: (xp.sum, a, [0]), {}),
    ("iscomplexobj", one, {}), ("isrealobj", one, {}),
    ("matvec", lambda xp, a: (a, a[..., 0, :]), {}),
    ("vecmat", lambda xp, a: (a[..., 0], a), {}),
]


@pytest.mark.parametrize("dtype", ["int32", "float64"])
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_misc_matches_numpy(layout, dtype):
    shape, view = LAYOUTS[layout]
    base = sample(dtype, shape, rng=np.random.default_rng(8))
    for fname, build, kw in MISC_CASES:
        a_np, a_tn = view(base), view(tn.asarray(base.copy()))
        run_case(fname, build, kw, a_np, a_tn, f"{fname} on {layout} {dtype}")


def test_misc_creation_and_host_helpers():
    for fname, args in [("geomspace", (1, 1000, 4)), ("bartlett", (5,)), ("blackman", (5,)),
                        ("hamming", (5,)), ("hanning", (5,)), ("kaiser", (5, 2.0))]:
        compare(getattr(tn, fname)(*args), getattr(np, fname)(*args), fname)
    p = np.array([1.0, -3.0, 2.0])
    x = np.linspace(-1, 1, 7)
    compare(tn.polyval(tn.asarray(p), tn.asarray(x)), np.polyval(p, x))
    compare(tn.polyfit(tn.asarray(x), tn.asarray(x ** 2), 2), np.polyfit(x, x ** 2, 2))
    compare(tn.roots(tn.asarray(p)), np.roots(p))
    for f in ("polyadd", "polysub", "polymul", "polydiv"):
        compare(getattr(tn, f)(tn.asarray(p), tn.asarray(p[:2])), getattr(np, f)(p, p[:2]), f)
    compare(tn.polyder(tn.asarray(p)), np.polyder(p))
    compare(tn.polyint(tn.asarray(p)), np.polyint(p))
    compare(tn.poly(tn.asarray([1.0, 2.0])), np.poly([1.0, 2.0]))
    pts = np.random.default_rng(0).random((20, 2))
    compare(tn.histogram2d(tn.asarray(pts[:, 0]), tn.asarray(pts[:, 1]), bins=3),
            np.histogram2d(pts[:, 0], pts[:, 1], bins=3))
    compare(tn.histogramdd(tn.asarray(pts), bins=2), np.histogramdd(pts, bins=2))
    compare(tn.fromfunction(lambda i, j: i + 2 * j, (2, 3)),
            np.fromfunction(lambda i, j: i + 2 * j, (2, 3)))
    compare(tn.fromiter(range(4), dtype=tn.int32), np.fromiter(range(4), dtype=np.int32))
    compare(tn.mask_indices(3, tn.triu), np.mask_indices(3, np.triu))
    xx = np.linspace(-2.0, 2.0, 9)
    compare(tn.piecewise(tn.asarray(xx), [tn.asarray(xx < 0), tn.asarray(xx >= 0)],
                         [lambda v: -v, lambda v: v * 2]),
            np.piecewise(xx, [xx < 0, xx >= 0], [lambda v: -v, lambda v: v * 2]))
    assert tn.promote_types(tn.int8, tn.uint8) == np.int16
    assert tn.issubdtype(tn.float32, np.floating) and not tn.issubdtype(tn.int8, np.floating)
    assert tn.isscalar(3.0) and not tn.isscalar(tn.asarray(3.0))
    assert tn.iterable([1]) and not tn.iterable(3)


@pytest.mark.parametrize("shape,wrap", [((3, 3), False), ((5, 3), False), ((5, 3), True),
                                        ((3, 5), False), ((2, 2, 2), False)])
def test_fill_diagonal_and_copyto(shape, wrap):
    a = np.zeros(shape)
    t = tn.zeros(shape)
    np.fill_diagonal(a, [1.0, 2.0], wrap=wrap)
    tn.fill_diagonal(t, [1.0, 2.0], wrap=wrap)
    assert_close(t, a)
    src = np.arange(a.size, dtype=np.float64).reshape(shape)
    np.copyto(a, src, where=src > 3)
    tn.copyto(t, tn.asarray(src), where=tn.asarray(src > 3))
    assert_close(t, a)
    with pytest.raises(TypeError):
        tn.copyto(tn.zeros(3, dtype=tn.int32), tn.ones(3))


def test_shares_memory():
    t = tn.arange(10)
    assert tn.shares_memory(t, t[2:5]) and tn.may_share_memory(t, t[::2])
    assert not tn.shares_memory(t[:3], t[5:])
    assert not tn.shares_memory(t, t.copy())


def test_printing_and_type_helpers():
    a = np.array([[1.23456, 2.0], [3.0, 4.5]])
    t = tn.asarray(a)
    assert tn.array2string(t, precision=2) == np.array2string(a, precision=2)
    assert tn.array_repr(t) == np.array_repr(a) and tn.array_str(t) == np.array_str(a)
    with tn.printoptions(precision=2):
        assert str(t) == str(a) and "1.23 " in str(t)
    assert tn.isfortran(t.T) and not tn.isfortran(t)
    assert tn.min_scalar_type(300) == np.min_scalar_type(300)
    assert tn.common_type(tn.asarray([1, 2]), t) == np.common_type(np.array([1, 2]), a)
    bits = np.array([[1, 0, 1], [0, 0, 1]], dtype=np.uint8)
    assert_close(tn.packbits(tn.asarray(bits), axis=-1), np.packbits(bits, axis=-1))
    packed = np.packbits(bits)
    assert_close(tn.unpackbits(tn.asarray(packed), count=6), np.unpackbits(packed, count=6))
    assert tn.binary_repr(5) == "101" and tn.base_repr(10, 3) == "101"
    with tn.errstate(divide="ignore"):
        assert tn.geterr()["divide"] == "ignore"
