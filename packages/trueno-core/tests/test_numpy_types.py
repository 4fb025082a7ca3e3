"""``trueno.dtype``, NumPy's dtype attributes and ``finfo``/``iinfo`` with NumPy's fields and
field types, against NumPy (issue 14)."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

import trueno as tn

ALL = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
       "float16", "float32", "float64", "complex64", "complex128"]
FLOATS = ["float16", "float32", "float64", "complex64", "complex128"]
INTS = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
ATTRS = ["kind", "char", "itemsize", "byteorder", "name", "str", "num", "alignment", "names",
         "fields", "shape", "descr", "isbuiltin", "isnative", "subdtype", "hasobject", "flags",
         "ndim", "metadata", "isalignedstruct"]


@pytest.mark.parametrize("name", ALL)
def test_dtype_attributes_match_numpy(name):
    t, n = tn.dtype(name), np.dtype(name)
    for a in ATTRS:
        assert getattr(t, a) == getattr(n, a), a
        assert type(getattr(t, a)) is type(getattr(n, a)), a
    assert t.base is t and n.base == n
    assert t.type is n.type


def test_bfloat16_attributes_are_ml_dtypes_except_kind():
    t, n = tn.bfloat16, np.dtype(ml_dtypes.bfloat16)
    for a in ATTRS:
        if a != "kind":
            assert getattr(t, a) == getattr(n, a), a
    assert t.kind == "f" and n.kind == "V"  # trueno counts bfloat16 a float (issubdtype too)


SPECS = ["float32", "f4", "<f4", "=f8", "d", "i8", "int16", "u1", "?", "bool", "c8",
         "complex128", float, int, bool, complex, np.float32, np.int8, np.uint64,
         np.dtype("float16"), "float", "int", "double", "single", "B", "h"]


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_dtype_constructor_matches_numpy(spec):
    got = tn.dtype(spec)
    assert isinstance(got, tn.DType) and isinstance(got, tn.dtype)
    assert got.name == np.dtype(spec).name and got == np.dtype(spec)
    assert tn.dtype(got) is got


def test_dtype_of_what_trueno_has_no_dtype_for_is_numpys():
    for spec in ["<U5", "S3", "M8[s]", [("a", "f4"), ("b", "i2")]]:
        got = tn.dtype(spec)  # a host dtype (issue 14): equal to NumPy's, printed as NumPy's
        assert got == np.dtype(spec) and str(got) == str(np.dtype(spec))
        assert repr(got) == repr(np.dtype(spec)) and got.numpy == np.dtype(spec)
        assert isinstance(got, tn.dtype)
    assert not isinstance("float32", tn.dtype) and not isinstance(np.float32, tn.dtype)
    assert tn.ones(2).dtype == tn.dtype("float64")
    with pytest.raises(TypeError):
        tn.dtype("not a dtype")


@pytest.mark.parametrize("name", FLOATS + ["bfloat16"])
def test_finfo_fields_and_types_match_numpy(name):
    ref = ml_dtypes.finfo(ml_dtypes.bfloat16) if name == "bfloat16" else np.finfo(name)
    for spec in ([name, tn.dtype(name)] if name != "bfloat16" else [tn.bfloat16]):
        got = tn.finfo(spec)
        for f in ("bits", "eps", "epsneg", "iexp", "machep", "max", "maxexp", "min", "minexp",
                  "negep", "nexp", "nmant", "precision", "resolution", "smallest_normal",
                  "smallest_subnormal", "tiny"):
            g, w = getattr(got, f), getattr(ref, f)
            assert type(g) is type(w) and g == w, f
        assert got.dtype == ref.dtype and isinstance(got.dtype, tn.DType)
        assert repr(got) == repr(ref) and str(got) == str(ref)
    if name != "bfloat16":
        n = np.ones(2, dtype=name)
        assert tn.finfo(tn.asarray(n)) == tn.finfo(name)
        assert tn.finfo(n[0]).eps == np.finfo(n[0]).eps  # a NumPy scalar
        assert tn.finfo(np.dtype(name)).max == ref.max


@pytest.mark.parametrize("name", INTS)
def test_iinfo_fields_and_types_match_numpy(name):
    ref, got = np.iinfo(name), tn.iinfo(name)
    for f in ("bits", "min", "max", "kind", "key"):
        g, w = getattr(got, f), getattr(ref, f)
        assert type(g) is type(w) and g == w, f
    assert got.dtype == ref.dtype and repr(got) == repr(ref)
    assert tn.iinfo(tn.zeros(1, dtype=name)) == got
    assert tn.iinfo(np.dtype(name).type) == got


@pytest.mark.parametrize("name", ["bool", "float32", "complex64"])
def test_iinfo_and_finfo_refuse_other_kinds(name):
    with pytest.raises(ValueError):
        np.iinfo(name)
    with pytest.raises((ValueError, TypeError)):
        tn.iinfo(name)
    if name == "bool":
        with pytest.raises((ValueError, TypeError)):
            tn.finfo(name)


ALIASES = ["int_", "intp", "uintp", "long", "ulong", "longlong", "ulonglong", "uint", "byte",
           "ubyte", "short", "ushort", "intc", "uintc", "half", "single", "double", "csingle",
           "cdouble"]
ABSTRACT = ["generic", "number", "integer", "signedinteger", "unsignedinteger", "inexact",
            "floating", "complexfloating", "flexible", "character"]


@pytest.mark.parametrize("name", ALIASES)
def test_dtype_aliases_are_numpys(name):
    t = getattr(tn, name)
    assert isinstance(t, tn.DType) and t == np.dtype(getattr(np, name))
    assert tn.zeros(2, dtype=t).dtype == np.zeros(2, dtype=getattr(np, name)).dtype


@pytest.mark.parametrize("name", ALL)
def test_issubdtype_of_every_dtype_and_abstract_type_as_numpy(name):
    for ab in ABSTRACT + ["object_", "str_", "bytes_", "void", "datetime64", "timedelta64"]:
        assert tn.issubdtype(tn.dtype(name), getattr(tn, ab)) == \
            np.issubdtype(np.dtype(name), getattr(np, ab)), ab
    for other in ALL:
        assert tn.issubdtype(tn.dtype(name), tn.dtype(other)) == \
            np.issubdtype(np.dtype(name), np.dtype(other))
    x = tn.asarray(np.ones(2, dtype=name))[0]  # a NumPy scalar: isinstance as NumPy
    for ab in ABSTRACT:
        assert isinstance(x, getattr(tn, ab)) == isinstance(np.ones(2, dtype=name)[0],
                                                            getattr(np, ab))


def test_bfloat16_is_a_floating_type():
    assert tn.issubdtype(tn.bfloat16, tn.floating) and tn.issubdtype(tn.bfloat16, tn.number)
    assert tn.issubdtype(tn.bfloat16, tn.bfloat16) and tn.issubdtype(tn.bfloat16, "bfloat16")
    assert not tn.issubdtype(tn.bfloat16, tn.float16)
    assert not tn.issubdtype(tn.bfloat16, tn.integer)
    assert not tn.issubdtype(tn.float16, tn.bfloat16)


def test_show_config_info_and_bufsize(capsys):
    import io
    d = tn.show_config(mode="dicts")
    assert d["trueno"]["version"] == tn.__version__ and "cpu" in d["trueno"]["devices"]
    assert any(b["name"] == "reference" for b in d["trueno"]["backends"])
    assert d["numpy"] == np.show_config(mode="dicts")
    with pytest.raises(ValueError):
        tn.show_config(mode="yaml")
    buf = io.StringIO()
    tn.info(tn.sort, output=buf)
    assert "Sort" in buf.getvalue() or "sort" in buf.getvalue()
    old = tn.getbufsize()
    assert old == np.getbufsize()
    tn.setbufsize(16384)
    try:
        assert np.getbufsize() == 16384
    finally:
        tn.setbufsize(old)
