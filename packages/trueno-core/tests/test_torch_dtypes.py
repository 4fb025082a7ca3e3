"""The PyTorch face's dtype objects (issue 15): ``str(torch.float32) == "torch.float32"`` while
the NumPy face keeps NumPy's ``str``; the two faces' dtypes are equal, hash alike and are
accepted everywhere a dtype is. Compared with torch 2.13 where torch has the behaviour."""

from __future__ import annotations

import io
import pickle

import numpy as onp
import pytest

import trueno as tn
import trueno.torch as tt

torch = pytest.importorskip("torch")

NAMES = ["float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64",
         "uint8", "uint16", "uint32", "uint64", "bool", "complex64", "complex128"]
ALIASES = {"float": "float32", "double": "float64", "half": "float16", "short": "int16",
           "int": "int32", "long": "int64", "cfloat": "complex64", "cdouble": "complex128"}


def _core(name):
    return tn.bool_ if name == "bool" else getattr(tn, name)


@pytest.mark.parametrize("name", NAMES)
def test_str_and_repr_are_torchs(name, capsys):
    d = getattr(tt, name)
    assert str(d) == str(getattr(torch, name)) == f"torch.{name}"
    assert repr(d) == repr(getattr(torch, name))
    t = tt.zeros(2, dtype=d)
    print(t.dtype)
    assert capsys.readouterr().out == f"torch.{name}\n"
    assert f"{[t.dtype]}" == f"[torch.{name}]"


@pytest.mark.parametrize("name", NAMES)
def test_numpy_face_keeps_numpys_str(name):
    core = _core(name)
    assert str(core) == core.name == ("bool" if name == "bool" else name)
    assert repr(core) == f"trueno.{core.name}"
    if name != "bfloat16":
        assert str(core) == str(onp.dtype(name if name != "bool" else "bool"))
    a = tn.zeros(2, dtype=getattr(tt, name))  # the torch spelling on the NumPy face
    assert a.dtype is core and str(a.dtype) == core.name


@pytest.mark.parametrize("name", NAMES)
def test_equal_hash_and_identity(name):
    d, core = getattr(tt, name), _core(name)
    assert d == core and core == d and not (d != core) and hash(d) == hash(core)
    assert {core: 1}[d] == 1 and {d: 2}[core] == 2 and d in {core} and core in {d}
    assert d == core.numpy and d == name if name != "bool" else d == "bool"
    other = tt.float64 if name != "float64" else tt.float32
    assert d != other and d != _core(other.name) and d != "no such dtype"
    t = tt.zeros(3, dtype=d)
    assert t.dtype is d and t.dtype == d and t.dtype == core
    assert tt.ones(2, dtype=core).dtype is d  # a core dtype argument gives the twin too
    assert isinstance(d, tt.dtype)
    assert (d.is_floating_point, d.is_complex, d.is_signed, d.itemsize) == \
        (getattr(torch, name).is_floating_point, getattr(torch, name).is_complex,
         getattr(torch, name).is_signed, getattr(torch, name).itemsize)


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_aliases_are_the_same_objects(alias):
    assert getattr(tt, alias) is getattr(tt, ALIASES[alias])
    assert str(getattr(tt, alias)) == str(getattr(torch, alias))


def test_conversions_and_results_carry_the_twin():
    t = tt.tensor([1.5, 2.5])
    assert t.dtype is tt.float32 and t.to(tt.float16).dtype is tt.float16
    assert t.to(tt.float64).dtype is tt.float64 and t.double().dtype is tt.float64
    assert t.type(tt.int32).dtype is tt.int32 and t.long().dtype is tt.int64
    assert (t + 1).dtype is tt.float32 and (t > 1).dtype is tt.bool
    assert t.sum().dtype is tt.float32 and t.argmax().dtype is tt.int64
    assert tt.arange(3).dtype is tt.int64 and tt.tensor([True]).dtype is tt.bool
    assert tt.tensor([1 + 2j]).dtype is tt.complex64 and tt.tensor([1j]).real.dtype is tt.float32
    assert tt.as_tensor(tn.arange(3.0)).dtype is tt.float64  # from the NumPy face
    assert tt.from_numpy(onp.arange(3, dtype=onp.int16)).dtype is tt.int16
    assert tt.zeros_like(t, dtype=tt.bfloat16).dtype is tt.bfloat16
    assert tt.get_default_dtype() is tt.float32 and str(tt.get_default_dtype()) == "torch.float32"
    assert tt.promote_types(tt.int32, tt.float16) is tt.float16
    assert str(tt.promote_types(tt.uint8, tt.int8)) == \
        str(torch.promote_types(torch.uint8, torch.int8))
    assert tt.result_type(tt.tensor([1, 2]), 1.0) is tt.float32
    assert tt.FloatTensor.dtype is tt.float32 and isinstance(tt.tensor([1.0]), tt.FloatTensor)
    assert tt.float32.to_complex() is tt.complex64 and tt.complex128.to_real() is tt.float64
    assert str(tt.float64.to_complex()) == str(torch.float64.to_complex())
    with pytest.raises(TypeError, match="to_complex"):
        tt.int32.to_complex()


def test_the_twin_runs_every_path_like_the_core_dtype():
    # ops that read dtypes by identity get the same results for both spellings
    x = tt.tensor([[1.0, -2.0], [3.0, 4.0]])
    assert tt.equal(x.to(tt.float64), x.to(tn.float64))
    m = x > 0
    assert m.dtype is tt.bool
    assert tt.masked_select(x, m).tolist() == [1.0, 3.0, 4.0]
    assert tt.sign(m).dtype is tt.bool and tt.sign(m).tolist() == [[True, False], [True, True]]
    assert x.new_tensor([1, 2]).dtype is tt.float32  # as torch: self's dtype


def test_repr_of_tensors_names_torch_dtypes():
    for name in ("float64", "int32", "float16", "uint8"):
        t, r = tt.tensor([1, 2], dtype=getattr(tt, name)), torch.tensor([1, 2],
                                                                      dtype=getattr(torch, name))
        assert repr(t) == repr(r)
    assert repr(tt.zeros(0, dtype=tt.float64)) == repr(torch.zeros(0, dtype=torch.float64))


def test_pickle_and_save_load_give_the_twin():
    for d in (tt.float32, tt.int64, tt.bool, tt.uint16, tt.complex128):
        assert pickle.loads(pickle.dumps(d)) is d
        buf = io.BytesIO()
        tt.save({"dt": d, "t": tt.zeros(2, dtype=d)}, buf)
        got = tt.load(io.BytesIO(buf.getvalue()))
        assert got["dt"] is d and got["t"].dtype is d
        real = torch.load(io.BytesIO(buf.getvalue()), weights_only=True)
        assert real["dt"] is getattr(torch, d.name) and str(real["t"].dtype) == str(d)
    # and a file torch writes
    buf = io.BytesIO()
    torch.save({"dt": torch.float16, "t": torch.ones(2, dtype=torch.float64)}, buf)
    got = tt.load(io.BytesIO(buf.getvalue()))
    assert got["dt"] is tt.float16 and got["t"].dtype is tt.float64
    # the core dtypes keep pickling as themselves
    assert pickle.loads(pickle.dumps(tn.float32)) is tn.float32
