"""The Array API 2023.12 special cases that NumPy does not give: complex ``expm1`` and
``floor_divide`` / ``//`` with infinities and signed zeros, and ``__array_namespace_info__``.

The tables are the standard's (``src/array_api_stubs/_2023_12/elementwise_functions.py``,
``info.py``) written out case by case; array-api-tests is not a dependency. Where the standard
allows Python's result beside its own (``floor_divide``'s notes: NaN for an infinite
dividend, -1.0 for a finite one over an infinity of the other sign), either is accepted;
trueno gives Python's and NumPy's. trueno-gpu's tests run the same tables on the GPU
(``test_array_api_special_cases_gpu.py`` loads this file).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import trueno

inf, nan = math.inf, math.nan

# (x1, x2, accepted results): every result is compared with its sign of zero.
FLOOR_DIVIDE = [
    (nan, 1.0, [nan]), (1.0, nan, [nan]), (nan, nan, [nan]), (nan, inf, [nan]),
    (inf, inf, [nan]), (inf, -inf, [nan]), (-inf, inf, [nan]), (-inf, -inf, [nan]),
    (0.0, 0.0, [nan]), (0.0, -0.0, [nan]), (-0.0, 0.0, [nan]), (-0.0, -0.0, [nan]),
    (0.0, 3.0, [0.0]), (-0.0, 3.0, [-0.0]), (0.0, -3.0, [-0.0]), (-0.0, -3.0, [0.0]),
    (0.0, inf, [0.0]), (-0.0, -inf, [0.0]),
    (3.0, 0.0, [inf]), (3.0, -0.0, [-inf]), (-3.0, 0.0, [-inf]), (-3.0, -0.0, [inf]),
    (inf, 0.0, [inf]), (-inf, -0.0, [inf]),
    # "libraries may return NaN to match Python behavior"
    (inf, 3.0, [inf, nan]), (inf, -3.0, [-inf, nan]),
    (-inf, 3.0, [-inf, nan]), (-inf, -3.0, [inf, nan]),
    # "libraries may return -1.0 to match Python behavior"
    (3.0, inf, [0.0]), (3.0, -inf, [-0.0, -1.0]), (-3.0, inf, [-0.0, -1.0]), (-3.0, -inf, [0.0]),
    # nonzero finite operands: the sign of the quotient, then the floor of the quotient
    (7.0, 2.0, [3.0]), (-7.0, -2.0, [3.0]), (-7.0, 2.0, [-4.0]), (7.0, -2.0, [-4.0]),
    (0.5, 4.0, [0.0]), (-0.5, -4.0, [0.0]), (0.5, -4.0, [-1.0]), (-0.5, 4.0, [-1.0]),
    (6.0, 3.0, [2.0]), (-6.0, 3.0, [-2.0]), (7.5, 2.5, [3.0]),
    ("max", "tiny", [inf]), ("-max", "tiny", [-inf]),
]

FLOATS = ["float32", "float64"]


def _value(v, dtype):
    fi = np.finfo(dtype)
    return {"max": float(fi.max), "-max": -float(fi.max), "tiny": float(fi.tiny)}.get(v, v)


def _same(got: float, want: float) -> bool:
    if math.isnan(want):
        return math.isnan(got)
    return got == want and math.copysign(1.0, got) == math.copysign(1.0, want)


def floor_divide_results(device: str, dtype: str) -> dict:
    """Each case's results on ``device`` by every spelling: the function, ``a // b``,
    ``a // python_float`` and ``python_float // b``."""
    cases = [(_value(a, dtype), _value(b, dtype), ok) for a, b, ok in FLOOR_DIVIDE]
    x1 = trueno.asarray([a for a, _, _ in cases], dtype=dtype, device=device)
    x2 = trueno.asarray([b for _, b, _ in cases], dtype=dtype, device=device)
    with np.errstate(all="ignore"):
        spellings = {"floor_divide": trueno.floor_divide(x1, x2), "//": x1 // x2}
        for i, (a, b, _) in enumerate(cases):
            spellings.setdefault("array // float", []).append(x1[i:i + 1] // b)
            spellings.setdefault("float // array", []).append(a // x2[i:i + 1])
    out = {}
    for how, r in spellings.items():
        r = trueno.concat(r) if isinstance(r, list) else r
        assert r.dtype == trueno.__array_namespace_info__().dtypes()[dtype], how
        out[how] = r.to_device("cpu").numpy().tolist()
    return cases, out


def check_floor_divide(device: str, dtype: str) -> None:
    cases, results = floor_divide_results(device, dtype)
    bad = [f"{how}: {a!r} // {b!r} = {r[i]!r}, want one of {ok}"
           for how, r in results.items() for i, (a, b, ok) in enumerate(cases)
           if not any(_same(r[i], w) for w in ok)]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("dtype", FLOATS)
def test_floor_divide_special_cases(dtype):
    check_floor_divide("cpu", dtype)


# expm1 of complex a + bj: (a, b, real, imag); None: the sign is unspecified (value checked).
def _cis_minus_1(r, b):
    """``r * cis(b) - 1`` for r = +0 or +inf, with IEEE's 0 * x and inf * x."""
    return (r * math.cos(b) - 1.0, r * math.sin(b))


EXPM1 = [
    (0.0, 0.0, 0.0, 0.0), (-0.0, 0.0, "0", 0.0),
    (1.0, inf, nan, nan), (-2.0, inf, nan, nan), (1.0, nan, nan, nan), (0.0, nan, nan, nan),
    (inf, 0.0, inf, 0.0),
    *[(-inf, b, *_cis_minus_1(0.0, b)) for b in (1.0, 2.0, 4.0, 2.0 ** 35)],
    *[(inf, b, *_cis_minus_1(inf, b)) for b in (1.0, 2.0, 4.0, 2.0 ** 35)],
    (-inf, inf, -1.0, "0"), (inf, inf, "inf", nan),
    (-inf, nan, -1.0, "0"), (inf, nan, "inf", nan),
    (nan, 0.0, nan, 0.0), (nan, 1.0, nan, nan), (nan, -3.0, nan, nan), (nan, nan, nan, nan),
]


def _part_ok(got: float, want) -> bool:
    if want == "0":
        return got == 0.0
    if want == "inf":
        return math.isinf(got)
    return _same(got, want)


def expm1_cases():
    """The table, with each case's conjugate (``expm1(conj(z)) == conj(expm1(z))``)."""
    out = []
    for a, b, re, im in EXPM1:
        out.append((a, b, re, im))
        if not math.isnan(b):
            nim = im if isinstance(im, str) or math.isnan(im) else -im
            out.append((a, -b, re, nim))
    return out


def check_expm1(device: str, dtype: str) -> None:
    cases = expm1_cases()
    z = trueno.asarray([complex(a, b) for a, b, _, _ in cases], dtype=dtype, device=device)
    with np.errstate(all="ignore"):
        r = trueno.expm1(z).to_device("cpu").numpy()
    assert r.dtype == np.dtype(dtype)
    bad = [f"expm1({a!r}{b:+}j) = {complex(g)!r}, want ({re}, {im})"
           for (a, b, re, im), g in zip(cases, r.tolist())
           if not (_part_ok(g.real, re) and _part_ok(g.imag, im))]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_complex_expm1_special_cases(dtype):
    check_expm1("cpu", dtype)


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_complex_expm1_of_finite_values_is_numpys(dtype):
    z = np.array([1e-8 + 1e-8j, 0.5 - 2j, -3 + 0.1j, 20 + 1j, 1e-20 - 0.0j, -0.0 + 0.0j],
                 dtype=dtype)
    got = trueno.expm1(trueno.asarray(z)).numpy()
    want = np.expm1(z)
    np.testing.assert_allclose(got, want, rtol=4 * np.finfo(dtype).eps, atol=0)
    # the small-argument accuracy expm1 exists for
    assert abs(got[0].real - 1e-8) < 1e-15


# --- __array_namespace_info__ ------------------------------------------------------------------
SPEC_DTYPES = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
               "float32", "float64", "complex64", "complex128"}
KINDS = {
    "bool": {"bool"},
    "signed integer": {"int8", "int16", "int32", "int64"},
    "unsigned integer": {"uint8", "uint16", "uint32", "uint64"},
    "integral": {"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"},
    "real floating": {"float32", "float64"},
    "complex floating": {"complex64", "complex128"},
    "numeric": SPEC_DTYPES - {"bool"},
}


def check_namespace_info(device) -> None:
    info = trueno.__array_namespace_info__()
    dts = info.dtypes(device=device)
    # canonical names only, the dtype objects as values; no float16/bfloat16 (not Array API)
    assert set(dts) <= SPEC_DTYPES
    assert all(d.name == n and isinstance(d, trueno.DType) for n, d in dts.items())
    for kind, names in KINDS.items():
        assert set(info.dtypes(device=device, kind=kind)) == names & set(dts), kind
    assert set(info.dtypes(device=device, kind=("bool", "complex floating"))) == \
        ({"bool", "complex64", "complex128"} & set(dts))
    dd = info.default_dtypes(device=device)
    assert set(dd) == {"real floating", "complex floating", "integral", "indexing"}
    for key, kind in (("real floating", "real floating"), ("integral", "integral"),
                      ("indexing", "integral"), ("complex floating", "complex floating")):
        assert dd[key] is None or (dd[key].name in dts and trueno.isdtype(dd[key], kind)), key


def test_namespace_info_on_the_cpu():
    info = trueno.__array_namespace_info__()
    check_namespace_info(None)
    assert set(info.dtypes()) == SPEC_DTYPES
    assert info.dtypes() == info.dtypes(device=info.default_device())
    assert info.default_dtypes() == {"real floating": trueno.float64,
                                     "complex floating": trueno.complex128,
                                     "integral": trueno.int64, "indexing": trueno.int64}
    # the defaults are what creation functions make
    assert trueno.asarray([1.0]).dtype == info.default_dtypes()["real floating"]
    assert trueno.asarray([1]).dtype == info.default_dtypes()["integral"]
    assert trueno.argmax(trueno.asarray([1, 3])).dtype == info.default_dtypes()["indexing"]
    caps = info.capabilities()
    assert caps["boolean indexing"] is True and caps["data-dependent shapes"] is True
    assert caps["max dimensions"] == 64
    assert trueno.zeros((1,) * 64).ndim == 64


def test_devices_are_usable_as_device_arguments():
    info = trueno.__array_namespace_info__()
    devs = info.devices()
    assert devs[0] == info.default_device() == trueno.device("cpu")
    for d in devs:
        a = trueno.asarray([1, 2], dtype=trueno.int32, device=d)
        assert a.device == d
        check_namespace_info(d)
        assert set(info.dtypes(device=d)) <= set(info.dtypes())


def test_namespace_info_rejects_an_unknown_kind():
    with pytest.raises(TypeError):
        trueno.__array_namespace_info__().dtypes(kind="floating-ish")
