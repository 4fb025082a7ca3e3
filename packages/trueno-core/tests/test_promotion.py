"""The promotion table and dtype utilities vs NumPy (and PyTorch for the PyTorch face).

``trueno._dtypes.PROMOTION`` is the one table. The NumPy face must equal ``numpy.result_type``
for every pair NumPy has a rule for; both faces must be symmetric, and associative where the
Array API standard defines the promotion (within a kind). ``can_cast``, ``finfo``, ``iinfo``,
``isdtype`` and ``result_type`` with Python scalars are compared with NumPy's.
"""

from __future__ import annotations

import itertools

import ml_dtypes
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import trueno as tn
from trueno import _dtypes as D

from trueno_core_helpers import DTYPE_NAMES, NP_DTYPES

TN = {n: D.BY_NAME[n] for n in DTYPE_NAMES}
BF16 = np.dtype(ml_dtypes.bfloat16)
PAIRS = list(itertools.product(DTYPE_NAMES, DTYPE_NAMES))


def _numpy_result_type(a, b):
    """NumPy's promotion of two dtypes, or None where NumPy has no rule (bfloat16 pairs)."""
    try:
        return np.result_type(NP_DTYPES[a], NP_DTYPES[b])
    except TypeError:
        return None


NUMPY_PAIRS = [(a, b) for a, b in PAIRS if "bfloat16" not in (a, b)]
BF16_PAIRS = [(a, b) for a, b in PAIRS if "bfloat16" in (a, b) and
              _numpy_result_type(a, b) is not None]


@pytest.mark.parametrize("a,b", NUMPY_PAIRS)
def test_numpy_face_equals_numpy_result_type(a, b):
    got = D.promote(TN[a], TN[b], "numpy")
    assert got == np.result_type(NP_DTYPES[a], NP_DTYPES[b]), f"{a} + {b}"
    assert tn.result_type(TN[a], TN[b]) is got


@pytest.mark.parametrize("a,b", BF16_PAIRS)
def test_bfloat16_pairs_where_numpy_has_a_rule(a, b):
    """Where ml_dtypes gives NumPy a bfloat16 rule, trueno's table agrees with it."""
    got = D.promote(TN[a], TN[b], "numpy")
    want = _numpy_result_type(a, b)
    assert got == want, f"{a} + {b}: trueno {got}, NumPy (ml_dtypes) {want}"


@pytest.mark.parametrize("face", ["numpy", "torch"])
def test_promotion_is_symmetric(face):
    bad = []
    for a, b in PAIRS:
        try:
            ab = D.promote(TN[a], TN[b], face)
        except tn.DTypeError:
            with pytest.raises(tn.DTypeError):
                D.promote(TN[b], TN[a], face)
            continue
        if ab is not D.promote(TN[b], TN[a], face):
            bad.append((a, b))
    assert not bad, f"asymmetric pairs on the {face} face: {bad}"


def test_promotion_of_a_dtype_with_itself_and_bool():
    for n in DTYPE_NAMES:
        for face in ("numpy", "torch"):
            assert D.promote(TN[n], TN[n], face) is TN[n]
            assert D.promote(TN[n], D.bool_, face) is TN[n]


# Array API: promotion is defined (and associative) within these groups.
KIND_GROUPS = {
    "bool": ["bool"],
    "signed": ["int8", "int16", "int32", "int64"],
    "unsigned": ["uint8", "uint16", "uint32", "uint64"],
    "mixed ints without uint64": ["int8", "int16", "int32", "int64", "uint8", "uint16",
                                  "uint32"],
    "real floating": ["float16", "float32", "float64"],
    "floating and complex": ["float32", "float64", "complex64", "complex128"],
}


@pytest.mark.parametrize("face", ["numpy", "torch"])
@pytest.mark.parametrize("group", list(KIND_GROUPS))
def test_promotion_is_associative_within_kind(group, face):
    names = KIND_GROUPS[group]
    bad = []
    for a, b, c in itertools.product(names, repeat=3):
        p = D.promote
        left = p(p(TN[a], TN[b], face), TN[c], face)
        right = p(TN[a], p(TN[b], TN[c], face), face)
        if left is not right:
            bad.append((a, b, c, left, right))
    assert not bad, bad


def test_numpy_face_cross_kind_examples():
    """The cross-kind rules the module docstring states (NumPy 2)."""
    assert D.promote(D.int32, D.float32) is D.float64
    assert D.promote(D.int8, D.float16) is D.float16
    assert D.promote(D.uint64, D.int64) is D.float64
    assert D.promote(D.int16, D.complex64) is D.complex64
    assert D.promote(D.int64, D.complex64) is D.complex128
    assert D.promote(D.float64, D.complex64) is D.complex128


# --- the PyTorch face ------------------------------------------------------------------------

TORCH_NAMES = [n for n in DTYPE_NAMES]


def _torch():
    return pytest.importorskip("torch", reason="torch is not installed: the PyTorch face's "
                                               "table is compared with torch.promote_types")


@pytest.mark.parametrize("a", TORCH_NAMES)
def test_torch_face_equals_torch_promote_types(a):
    torch = _torch()
    bad, torch_refuses = [], []
    for b in TORCH_NAMES:
        ta, tb = getattr(torch, a), getattr(torch, b)
        try:
            want = str(torch.promote_types(ta, tb)).removeprefix("torch.")
        except RuntimeError:
            torch_refuses.append(b)
            continue
        try:
            got = D.promote(TN[a], TN[b], "torch").name
        except tn.DTypeError:
            got = "DTypeError"
        if got != want:
            bad.append(f"{a}+{b}: trueno {got}, torch {want}")
    assert not bad, bad


def test_torch_face_cross_kind_examples():
    assert D.promote(D.int32, D.float32, "torch") is D.float32
    assert D.promote(D.int64, D.float16, "torch") is D.float16
    assert D.promote(D.uint8, D.int8, "torch") is D.int16
    with pytest.raises(tn.DTypeError, match="uint64"):
        D.promote(D.uint64, D.int64, "torch")


def test_torch_face_promotes_wide_unsigned_like_numpy():
    """docs/compat.md: PyTorch refuses uint16/uint32 with a signed int; the PyTorch face gives
    NumPy's result instead (uint64 with a signed int still raises: no int holds both)."""
    for u, s in [("uint16", "int8"), ("uint16", "int32"), ("uint32", "int8"),
                 ("uint32", "int64")]:
        want = np.promote_types(u, s).name
        assert D.promote(TN[u], TN[s], "torch").name == want
        assert D.promote(TN[s], TN[u], "torch").name == want
    assert D.promote(D.uint16, D.uint32, "torch") is D.uint32
    for s in ("int8", "int16", "int32", "int64"):
        with pytest.raises(tn.DTypeError):
            D.promote(D.uint64, TN[s], "torch")


# --- can_cast --------------------------------------------------------------------------------

CASTINGS = ["no", "equiv", "safe", "same_kind", "unsafe"]


@pytest.mark.parametrize("casting", CASTINGS)
@pytest.mark.parametrize("src", DTYPE_NAMES)
def test_can_cast_equals_numpy(src, casting):
    bad = []
    for dst in DTYPE_NAMES:
        if "bfloat16" in (src, dst) and casting in ("safe", "same_kind"):
            continue  # checked against trueno's own table below
        want = np.can_cast(NP_DTYPES[src], NP_DTYPES[dst], casting=casting)
        got = tn.can_cast(TN[src], TN[dst], casting=casting)
        if got != want:
            bad.append(f"{src}->{dst}: trueno {got}, NumPy {want}")
    assert not bad, bad


@pytest.mark.parametrize("src", DTYPE_NAMES)
def test_can_cast_safe_is_promotion(src):
    """A safe cast is one where promoting with the target gives the target (bfloat16 too)."""
    for dst in DTYPE_NAMES:
        assert tn.can_cast(TN[src], TN[dst]) == (D.promote(TN[src], TN[dst]) is TN[dst])


def test_can_cast_accepts_arrays_and_rejects_bad_casting():
    assert tn.can_cast(tn.asarray(np.int8(1)), tn.int16)
    assert not tn.can_cast(tn.zeros(3), tn.int64)
    with pytest.raises(ValueError):
        tn.can_cast(tn.int8, tn.int16, casting="sometimes")
    with pytest.raises(ValueError):
        np.can_cast(np.int8, np.int16, casting="sometimes")


# --- finfo / iinfo / isdtype -----------------------------------------------------------------

@pytest.mark.parametrize("name", ["float16", "bfloat16", "float32", "float64", "complex64",
                                  "complex128"])
def test_finfo(name):
    ref = ml_dtypes.finfo(BF16) if name == "bfloat16" else np.finfo(NP_DTYPES[name])
    got = tn.finfo(TN[name])
    for field in ("bits", "eps", "max", "min", "smallest_normal", "resolution"):
        assert getattr(got, field) == pytest.approx(float(getattr(ref, field)), rel=0), field
    assert got.tiny == got.smallest_normal
    real = {"complex64": "float32", "complex128": "float64"}.get(name, name)
    assert got.dtype is TN[real]
    # accepts arrays and NumPy dtypes too
    assert tn.finfo(tn.zeros(2, dtype=TN[name])).eps == got.eps
    if name != "bfloat16":
        assert tn.finfo(np.dtype(name)).max == got.max


@pytest.mark.parametrize("name", ["int8", "int16", "int32", "int64", "uint8", "uint16",
                                  "uint32", "uint64"])
def test_iinfo(name):
    ref = np.iinfo(NP_DTYPES[name])
    got = tn.iinfo(TN[name])
    assert (got.bits, got.min, got.max) == (ref.bits, int(ref.min), int(ref.max))
    assert got.dtype is TN[name]


@pytest.mark.parametrize("name", ["bool", "int32", "uint8"])
def test_finfo_of_non_float_raises(name):
    with pytest.raises(ValueError):
        np.finfo(NP_DTYPES[name])
    with pytest.raises((ValueError, TypeError)) as info:
        tn.finfo(TN[name])
    assert isinstance(info.value, tn.TruenoError)


@pytest.mark.parametrize("name", ["bool", "float32", "complex64"])
def test_iinfo_of_non_int_raises(name):
    with pytest.raises(ValueError):
        np.iinfo(NP_DTYPES[name])
    with pytest.raises((ValueError, TypeError)) as info:
        tn.iinfo(TN[name])
    assert isinstance(info.value, tn.TruenoError)


ISDTYPE_KINDS = ["bool", "signed integer", "unsigned integer", "integral", "real floating",
                 "complex floating", "numeric", ("integral", "real floating"),
                 ("bool", "complex floating")]


@pytest.mark.parametrize("kind", ISDTYPE_KINDS, ids=str)
def test_isdtype_equals_numpy(kind):
    for n in DTYPE_NAMES:
        if n == "bfloat16":
            assert tn.isdtype(TN[n], kind) == tn.isdtype(tn.float16, kind)
            continue
        assert tn.isdtype(TN[n], kind) == np.isdtype(NP_DTYPES[n], kind), (n, kind)


def test_isdtype_with_a_dtype_kind():
    assert tn.isdtype(tn.float32, tn.float32)
    assert not tn.isdtype(tn.float32, tn.float64)
    assert tn.isdtype(tn.int8, (tn.int16, tn.int8))


# --- result_type with Python scalars (NEP 50) ------------------------------------------------

SCALARS = [True, 3, -3, 2.5, 1 + 2j]


@pytest.mark.parametrize("scalar", SCALARS, ids=repr)
@pytest.mark.parametrize("name", [n for n in DTYPE_NAMES if n != "bfloat16"])
def test_result_type_with_python_scalar(name, scalar):
    want = np.result_type(NP_DTYPES[name], scalar)
    assert tn.result_type(TN[name], scalar) == want
    assert tn.result_type(scalar, TN[name]) == want
    arr = tn.zeros(2, dtype=TN[name])
    assert tn.result_type(arr, scalar) == want


@pytest.mark.parametrize("scalar", SCALARS, ids=repr)
def test_result_type_of_bfloat16_with_python_scalar(scalar):
    """NEP 50 makes Python scalars weak: bfloat16 behaves like float16 within floats."""
    like_f16 = tn.result_type(tn.float16, scalar)
    got = tn.result_type(tn.bfloat16, scalar)
    assert got is (tn.bfloat16 if like_f16 is tn.float16 else like_f16)


@pytest.mark.parametrize("args", [(2,), (2.5,), (True,), (1j,), (2, 2.5), (True, 3, 1j)],
                         ids=str)
def test_result_type_of_scalars_only(args):
    assert tn.result_type(*args) == np.result_type(*args)


@pytest.mark.parametrize("names", [("int8", "uint8", "float16"), ("int16", "uint32"),
                                   ("bool", "int8", "uint64"), ("float32", "complex64",
                                                                "int64")], ids=str)
def test_result_type_of_many_dtypes(names):
    want = np.result_type(*[NP_DTYPES[n] for n in names])
    assert tn.result_type(*[TN[n] for n in names]) == want
    assert tn.result_type(*[tn.zeros(1, dtype=TN[n]) for n in names]) == want


@pytest.mark.parametrize("name", [n for n in DTYPE_NAMES if n != "bfloat16"])
def test_numpy_scalar_types_are_dtypes(name):
    """np.float32 (a type with a ``dtype`` attribute) works wherever a dtype does."""
    typ = NP_DTYPES[name].type
    assert tn.result_type(typ, np.float32) == np.result_type(typ, np.float32)
    assert tn.can_cast(typ, np.float64) == np.can_cast(typ, np.float64)
    assert tn.isdtype(typ, "numeric") == np.isdtype(NP_DTYPES[name], "numeric")
    if NP_DTYPES[name].kind in "fc":
        assert tn.finfo(typ).eps == np.finfo(typ).eps
    if NP_DTYPES[name].kind in "iu":
        assert tn.iinfo(typ).max == np.iinfo(typ).max
    assert tn.zeros(1, dtype=typ).dtype == NP_DTYPES[name]


def test_result_type_needs_an_argument():
    with pytest.raises((ValueError, TypeError)):
        tn.result_type()


@pytest.mark.parametrize("spelling,name", [("float32", "float32"), (np.float32, "float32"),
                                           (np.dtype("int16"), "int16"), (float, "float64"),
                                           (int, "int64"), (bool, "bool"),
                                           (complex, "complex128"), ("f8", "float64"),
                                           (ml_dtypes.bfloat16, "bfloat16")], ids=str)
def test_dtype_spellings(spelling, name):
    assert D.as_dtype(spelling) is TN[name]
    assert tn.zeros(1, dtype=spelling).dtype is TN[name]
    assert TN[name] == spelling


@pytest.mark.parametrize("bad", ["float128", "nope"])  # "S5", object, ...: issue 14
def test_unsupported_dtype_is_a_type_error(bad):
    with pytest.raises(TypeError) as info:
        tn.zeros(2, dtype=bad)
    assert isinstance(info.value, tn.TruenoError)


# --- DType equality and hashing: never raises, and hashes like the NumPy dtype ---------------

_OTHERS = st.one_of(
    st.text(max_size=60), st.integers(), st.floats(allow_nan=True), st.none(),
    st.tuples(st.sampled_from([int, float, "f4", "float32"]), st.integers(-3, 3)),
    st.lists(st.tuples(st.text(max_size=3), st.sampled_from(["f4", "i8"])), max_size=2),
    st.sampled_from([np.dtype(n) for n in ("float32", "float64", "int8", "uint64", "complex64",
                                           "bool", "datetime64[s]", "U3", "O")] +
                    [BF16, np.float32, np.int64, float, int, bool, complex, object, "float32",
                     "f8", "<i4", "int", "format number 1 of the dtypes", (int, -1),
                     np.zeros(3, np.float32), [1, 2]]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(DTYPE_NAMES), other=_OTHERS)
def test_dtype_equality_never_raises_and_agrees_with_numpy_dtypes(name, other):
    """``==``/``!=`` return a bool for anything; equality with a NumPy dtype is NumPy's; equal
    NumPy dtypes hash alike, so a dict keyed by trueno dtypes is indexed by NumPy dtypes."""
    d = TN[name]
    eq = d == other
    assert eq.__class__ is bool and (d != other) is (not eq)
    if isinstance(other, np.dtype):
        assert eq == (other == NP_DTYPES[name])
        assert (other == d) == eq
    if eq and isinstance(other, (np.dtype, D.DType)):
        assert hash(d) == hash(other)
        assert {d: 1}.get(other) == 1 and {other: 1}.get(d) == 1


def test_dtype_equality_with_odd_objects_and_dict_lookup():
    assert (tn.float32 == "format number 1 of the dtypes in the file") is False
    assert (tn.float32 == (int, -1)) is False
    assert tn.float32 != (int, -1)
    assert {tn.float32: 1}[np.dtype("float32")] == 1
    assert {BF16: 2}[tn.bfloat16] == 2
    table = {d: d.name for d in TN.values()}
    for n in DTYPE_NAMES:
        assert table[NP_DTYPES[n]] == n
    # like np.dtype: equal to the name and the scalar type, as a comparison
    assert tn.float32 == "float32" and tn.float32 == np.float32
    assert (np.dtype("float32") == "float32") and tn.float32 == np.dtype("float32")
