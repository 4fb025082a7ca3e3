"""``trueno.torch.save``/``load`` against PyTorch's own ``torch.save``/``torch.load``: files
move both ways, and a malicious or tampered file gives a clear error and never runs code."""

import io
import os
import pathlib
import pickle
import zipfile
from collections import OrderedDict

import ml_dtypes
import numpy as np
import pytest

import trueno
import trueno.torch as tt
from trueno.torch import _serialization as S

torch = pytest.importorskip("torch", reason="needs torch (the tests session installs "
                            "torch==2.13.0)")

DTYPES = ["float32", "float64", "float16", "bfloat16", "int8", "int16", "int32", "int64",
          "uint8", "bool", "complex64", "complex128", "uint16", "uint32", "uint64"]


def _values(name: str, n: int = 12) -> np.ndarray:
    rng = np.random.default_rng(len(name))
    dt = tt.bfloat16.numpy if name == "bfloat16" else np.dtype(name)
    if dt.kind == "b":
        return rng.integers(0, 2, n).astype(bool)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return rng.integers(info.min, info.max, n, dtype=dt, endpoint=True)
    if dt.kind == "c":
        v = rng.standard_normal(n) + 1j * rng.standard_normal(n)
        v[:3] = [np.inf, complex(np.nan, 1.0), -0.0]
        return v.astype(dt)
    v = rng.standard_normal(n) * 100
    v[:3] = [np.inf, -np.inf, -0.0]
    return v.astype(dt)


def _torch_np(t) -> np.ndarray:
    """A torch tensor's values as NumPy (bfloat16 through its bits)."""
    t = t.detach()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().view(ml_dtypes.bfloat16)
    return t.numpy()


def _same(a: np.ndarray, b: np.ndarray) -> None:
    """Same dtype, shape and bits (NaNs and -0.0 included)."""
    assert a.dtype == b.dtype and a.shape == b.shape
    assert np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()


def _rezip(src: bytes, replace=None, drop=()) -> bytes:
    """``src`` rewritten with some records replaced or dropped (CRCs recomputed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            if any(info.filename.endswith(d) for d in drop):
                continue
            data = zin.read(info)
            for suffix, new in (replace or {}).items():
                if info.filename.endswith(suffix):
                    data = new(data) if callable(new) else new
            zout.writestr(info.filename, data)
    return out.getvalue()


def _saved(obj) -> bytes:
    buf = io.BytesIO()
    tt.save(obj, buf)
    return buf.getvalue()


def _torch_saved(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


# --- trueno writes, PyTorch reads -------------------------------------------------------------
@pytest.mark.parametrize("name", DTYPES)
def test_trueno_file_loads_in_torch_every_dtype(name, tmp_path):
    v = _values(name).reshape(3, 4)
    path = tmp_path / "t.pt"
    tt.save({"x": tt.tensor(v)}, path)
    got = torch.load(path, weights_only=True)["x"]
    assert got.dtype == getattr(torch, name)
    _same(_torch_np(got), v)


def test_trueno_file_loads_in_torch_containers(tmp_path):
    sd = OrderedDict([("fc.weight", tt.tensor([[1.0, 2.0], [3.0, 4.0]])),
                      ("fc.bias", tt.tensor([0.5, -0.5])),
                      ("bn.num_batches_tracked", tt.tensor(7))])
    obj = {"model": sd, "epoch": 3, "lr": 0.125, "name": "run-1", "done": False,
           "nothing": None, "hist": [1, 2.5, "a", (True, None)], "pair": (sd["fc.bias"], -2),
           "big": 2 ** 70, "neg": -(2 ** 40), "c": 1 - 2j, "raw": b"\x00\xff", "dt": tt.float16,
           "size": tt.Size([2, 3]), "empty": tt.zeros((0, 3)), "scalar": tt.tensor(1.5),
           "set": {1, "b"}, "numpy_face": trueno.arange(3.0)}
    path = tmp_path / "ckpt.pt"
    tt.save(obj, str(path))
    got = torch.load(path, weights_only=True)
    assert type(got["model"]) is OrderedDict and list(got["model"]) == list(sd)
    for k, v in sd.items():
        _same(_torch_np(got["model"][k]), v.numpy())
    for k in ("epoch", "lr", "name", "done", "nothing", "hist", "big", "neg", "c", "raw", "set"):
        assert got[k] == obj[k] and type(got[k]) is type(obj[k])
    assert got["pair"][1] == -2 and got["pair"][0] is got["model"]["fc.bias"]
    assert got["dt"] is torch.float16 and got["size"] == torch.Size([2, 3])
    assert got["empty"].shape == (0, 3) and got["scalar"].shape == () and got["scalar"] == 1.5
    assert got["numpy_face"].dtype == torch.float64 and got["numpy_face"].tolist() == [0, 1, 2]
    back = tt.load(path)  # and trueno reads its own file the same way
    assert back["set"] == {1, "b"} and back["size"] == (2, 3) and type(back["size"]) is tt.Size
    assert back["dt"] is tt.float16 and back["big"] == 2 ** 70 and back["raw"] == b"\x00\xff"
    assert back["pair"][0] is back["model"]["fc.bias"] and back["hist"] == obj["hist"]
    # a real torch module takes the state dict
    model = torch.nn.Linear(2, 2)
    model.load_state_dict({k[3:]: v for k, v in got["model"].items() if k.startswith("fc.")})
    assert model.weight.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_trueno_views_keep_sharing_in_torch(tmp_path):
    a = tt.arange(24, dtype=tt.float32).reshape(4, 6)
    views = [a, a.t(), a[1:, ::2], a[2], a.expand(2, 4, 6)[1], a.reshape(2, 12)]
    path = tmp_path / "v.pt"
    tt.save(views, path)
    got = torch.load(path, weights_only=True)
    ptr = got[0].untyped_storage().data_ptr()
    for g, v in zip(got, views):
        _same(g.numpy(), v.numpy())
        assert g.stride() == v.stride() and g.untyped_storage().data_ptr() == ptr
    assert got[2].storage_offset() == 6 and got[3].storage_offset() == 12
    got[0][1, 0] = 100.0  # one storage, as PyTorch's own file would give
    assert got[2][0, 0] == 100.0 and got[1][0, 1] == 100.0
    mm = torch.load(path, weights_only=True, mmap=True)  # storages at aligned offsets
    _same(mm[2].numpy(), views[2].numpy())


def test_trueno_requires_grad_reaches_torch(tmp_path):
    w = tt.tensor([1.0, 2.0], requires_grad=True)
    tt.save({"w": w, "d": w.detach()}, tmp_path / "g.pt")
    got = torch.load(tmp_path / "g.pt", weights_only=True)
    assert got["w"].requires_grad and not got["d"].requires_grad


def test_storages_are_64_byte_aligned():
    data = _saved([tt.ones(3, dtype=tt.float64), tt.arange(5, dtype=tt.int8), tt.zeros(0)])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = [i for i in zf.infolist() if "/data/" in i.filename]
    assert len(infos) == 3
    for i in infos:
        local = data[i.header_offset:i.header_offset + 30]
        start = i.header_offset + 30 + int.from_bytes(local[26:28], "little") + \
            int.from_bytes(local[28:30], "little")
        assert start % 64 == 0, i.filename


def test_save_is_reproducible_and_accepts_file_objects(tmp_path):
    obj = {"a": tt.arange(5), "b": [tt.ones(2)]}
    assert _saved(obj) == _saved(obj)
    with open(tmp_path / "f.pt", "wb") as fh:
        tt.save(obj, fh)
    assert (tmp_path / "f.pt").read_bytes() == _saved(obj)
    got = torch.load(io.BytesIO(_saved(obj)), weights_only=True)
    assert got["a"].tolist() == [0, 1, 2, 3, 4]


def test_failing_save_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "keep.pt"
    path.write_bytes(b"old")
    real = S._record
    calls = []

    def record(zf, name, data, aligned=False):
        calls.append(name)
        if name.startswith("data/"):
            raise OSError(28, "No space left on device")
        real(zf, name, data, aligned)
    monkeypatch.setattr(S, "_record", record)
    with pytest.raises(OSError):
        tt.save({"x": tt.ones(3)}, path)
    assert calls[-1] == "data/0"
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["keep.pt"]


def test_save_refuses_objects_torch_would_not_load():
    with pytest.raises(S.UnsupportedArgumentError, match="cannot save an object of type"):
        tt.save({"x": object()}, io.BytesIO())
    with pytest.raises(TypeError, match="numpy"):
        tt.save([np.float32(1.0)], io.BytesIO())
    with pytest.raises(S.UnsupportedArgumentError, match="legacy"):
        tt.save({}, io.BytesIO(), _use_new_zipfile_serialization=False)
    with pytest.raises(S.UnsupportedArgumentError, match="protocol"):
        tt.save({}, io.BytesIO(), pickle_protocol=4)


# --- PyTorch writes, trueno reads -------------------------------------------------------------
@pytest.mark.parametrize("name", DTYPES)
def test_torch_file_loads_in_trueno_every_dtype(name):
    v = _values(name).reshape(4, 3)
    src = torch.from_numpy(v.view(np.int16)).view(torch.bfloat16) if name == "bfloat16" \
        else torch.from_numpy(v)
    got = tt.load(io.BytesIO(_torch_saved([src, src.t(), src[1:, 1:]])))
    assert all(isinstance(g, tt.Tensor) and g.dtype == getattr(tt, name) for g in got)
    _same(got[0].numpy(), v)
    _same(got[1].numpy(), v.T)
    _same(got[2].numpy(), v[1:, 1:])


def test_torch_state_dict_loads_in_trueno(tmp_path):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4),
                                torch.nn.Linear(4, 2))
    model(torch.randn(5, 3))
    model[2].to(torch.float64)
    sd = model.state_dict()
    path = tmp_path / "model.pt"
    torch.save({"model": sd, "epoch": 2, "opt": {"lr": 0.1, "betas": (0.9, 0.99)}}, path)
    got = tt.load(pathlib.Path(path))
    assert type(got["model"]) is OrderedDict and list(got["model"]) == list(sd)
    for k, v in sd.items():
        _same(got["model"][k].numpy(), v.numpy())
    assert got["model"]["1.num_batches_tracked"].dtype == tt.int64
    assert got["model"]._metadata == sd._metadata  # the state_dict's version info
    assert got["epoch"] == 2 and got["opt"] == {"lr": 0.1, "betas": (0.9, 0.99)}
    # and back: trueno's copy of the checkpoint loads into the torch model
    tt.save(got, tmp_path / "again.pt")
    again = torch.load(tmp_path / "again.pt", weights_only=True)
    model.load_state_dict(again["model"])
    assert again["model"]._metadata == sd._metadata


def test_torch_views_share_storage_in_trueno():
    base = torch.arange(30, dtype=torch.float64).reshape(5, 6)
    views = [base, base[1:4, ::2], base.t(), base[3], base.unsqueeze(0).expand(2, 5, 6),
             base.reshape(-1)[7:19].view(3, 4)]
    got = tt.load(io.BytesIO(_torch_saved(views)))
    for g, v in zip(got, views):
        _same(g.numpy(), v.numpy())
        assert np.shares_memory(g.numpy(), got[0].numpy())
    assert got[1].stride() == (6, 2)


def test_torch_special_tensors_load_in_trueno():
    p = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
    c = torch.tensor([1 + 2j, -3j]).conj()  # saved with the conj bit in its metadata
    n = torch.tensor([1.0, -2.0])._neg_view()
    got = tt.load(io.BytesIO(_torch_saved({"p": p, "c": c, "n": n, "same": [p, p]})))
    assert got["p"].requires_grad and got["p"].tolist() == [1.0, -2.0]
    assert got["c"].tolist() == [1 - 2j, 3j] and got["n"].tolist() == [-1.0, 2.0]
    assert got["same"][0] is got["same"][1]


def test_torch_big_endian_file_loads():
    v = np.array([[1.5, -2.0], [3.25, np.inf]], dtype=np.float32)
    c = np.array([1 + 2j], dtype=np.complex128)
    src = _saved({"v": tt.tensor(v), "c": tt.tensor(c)})
    big = _rezip(src, {"byteorder": b"big", "data/0": v.astype(">f4").tobytes(),
                       "data/1": c.astype(">c16").tobytes()})
    for load in (tt.load, lambda f: torch.load(f, weights_only=True)):
        got = load(io.BytesIO(big))
        _same(np.asarray(got["v"].numpy()), v)
        _same(np.asarray(got["c"].numpy()), c)


# --- map_location and the other arguments ----------------------------------------------------
def test_map_location_and_arguments():
    data = _torch_saved({"x": torch.ones(2)})
    for where in ("cpu", torch.device("cpu"), tt.device("cpu"), {"cpu": "cpu"}):
        assert tt.load(io.BytesIO(data), map_location=where)["x"].device == tt.device("cpu")
    with pytest.raises(S.UnsupportedArgumentError, match="function as map_location"):
        tt.load(io.BytesIO(data), map_location=lambda s, loc: s)
    with pytest.raises(S.UnsupportedArgumentError, match="never unpickles arbitrary"):
        tt.load(io.BytesIO(data), weights_only=False)
    assert tt.load(io.BytesIO(data), weights_only=True)["x"].tolist() == [1.0, 1.0]
    with pytest.raises(S.UnsupportedArgumentError, match="mmap"):
        tt.load(io.BytesIO(data), mmap=True)
    with pytest.raises(S.UnsupportedArgumentError, match="not a device"):
        tt.load(io.BytesIO(data), map_location="mps")


def test_map_location_cuda_means_the_gpu(monkeypatch):
    data = _saved({"x": tt.tensor([1.0, 2.0])})
    on_cuda = _rezip(data, {"data.pkl": lambda b: b.replace(b"X\x03\x00\x00\x00cpu",
                                                             b"X\x06\x00\x00\x00cuda:0")})
    assert tt.load(io.BytesIO(on_cuda), map_location="cpu")["x"].device == tt.device("cpu")
    if S._gpu_count():
        for f, where in ((on_cuda, None), (data, "cuda"), (data, torch.device("cuda"))):
            x = tt.load(io.BytesIO(f), map_location=where)["x"]
            assert x.device.type == "cuda" and x.is_cuda and x.cpu().tolist() == [1.0, 2.0]
        # a GPU tensor (and a view of one) is written as a CPU tensor
        back = torch.load(io.BytesIO(_saved([x, x[1:]])), weights_only=True)
        assert back[0].tolist() == [1.0, 2.0] and back[1].tolist() == [2.0]
    monkeypatch.setattr(S, "_gpu_count", lambda: 0)  # a machine without a GPU
    for f, where in ((on_cuda, None), (data, "cuda:0")):
        with pytest.raises(trueno.DeviceError, match="map_location='cpu'"):
            tt.load(io.BytesIO(f), map_location=where)
    assert tt.load(io.BytesIO(on_cuda), map_location={"cuda:0": "cpu"})["x"].tolist() == \
        [1.0, 2.0]


# --- malicious and broken files --------------------------------------------------------------
class _Evil:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _EvilOpen:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _check_refused(payload: bytes, marker: pathlib.Path) -> None:
    with pytest.raises(S.UnpicklingError) as info:
        tt.load(io.BytesIO(payload))
    assert isinstance(info.value, (pickle.UnpicklingError, RuntimeError, trueno.TruenoError))
    assert isinstance(info.value, pickle.UnpicklingError)
    assert isinstance(info.value, RuntimeError) and isinstance(info.value, trueno.TruenoError)
    assert not marker.exists()


@pytest.mark.parametrize("evil", [_Evil, _EvilOpen])
def test_malicious_pickle_never_runs(evil, tmp_path):
    # the payload does run under plain pickle: this is what the loader must not do
    probe = tmp_path / "probe"
    pickle.loads(pickle.dumps(evil(probe), protocol=2))
    assert probe.exists()
    marker = tmp_path / "marker"
    pkl = pickle.dumps({"w": evil(marker)}, protocol=2)
    archive = _rezip(_torch_saved({"w": torch.ones(2)}), {"data.pkl": pkl})
    _check_refused(archive, marker)
    with pytest.raises(S.UnpicklingError, match="not on trueno's allow-list"):
        tt.load(io.BytesIO(archive))
    _check_refused(pkl, marker)  # a bare pickle is refused without unpickling it
    (tmp_path / "evil.pt").write_bytes(archive)
    with pytest.raises(S.UnpicklingError):
        tt.load(tmp_path / "evil.pt")
    assert not marker.exists()
    with pytest.raises(pickle.UnpicklingError):  # PyTorch's weights_only refuses it too
        torch.load(tmp_path / "evil.pt", weights_only=True)
    assert not marker.exists()


def test_pickle_cannot_reach_trueno_objects():
    # BUILD on a dtype or a tensor record, SETITEMS on a tensor: refused, dtype untouched
    base = _saved({"x": tt.ones(2)})
    for body in (b"ctorch\nfloat32\n}X\x04\x00\x00\x00nameX\x01\x00\x00\x00zsb.",
                 b"ctorch\nfloat32\nN}X\x04\x00\x00\x00nameX\x01\x00\x00\x00zs\x86b.",
                 b"ctorch\nSize\n)\x85R}X\x01\x00\x00\x00aK\x01sb."):
        bad = _rezip(base, {"data.pkl": b"\x80\x02" + body})
        with pytest.raises(S.UnpicklingError):
            tt.load(io.BytesIO(bad))
    assert tt.float32.name == "float32"
    pkl = zipfile.ZipFile(io.BytesIO(base)).read("archive/data.pkl")
    tampered = pkl[:-2] + b"(K\x00K\x01u" + pkl[-2:]  # SETITEMS on the rebuilt tensor
    with pytest.raises(S.UnpicklingError):
        tt.load(io.BytesIO(_rezip(base, {"data.pkl": tampered})))


def test_records_torch_would_refuse_give_clear_errors():
    base = _saved({"x": tt.arange(3)})
    grad_int = _rezip(base, {"data.pkl": lambda b: b.replace(b"\x89ccollections",
                                                             b"\x88ccollections", 1)})
    with pytest.raises(S.UnpicklingError, match="int64 tensor record requires grad"):
        tt.load(io.BytesIO(grad_int))
    size_key = _rezip(base, {"data.pkl": lambda b: b.replace(
        b"X\x01\x00\x00\x00x", b"ctorch\nSize\n)\x85R", 1)})  # a torch.Size key is fine
    assert list(tt.load(io.BytesIO(size_key))) == [()]
    as_list = zipfile.ZipFile(io.BytesIO(_saved([tt.ones(1)]))).read("archive/data.pkl")
    assert as_list[:5] == b"\x80\x02]q\x00" and as_list[-2:] == b"e."
    tensor_key = b"\x80\x02}" + as_list[3:-2] + b"K\x01u."  # {tensor: 1}: torch loads it,
    (k, v), = tt.load(io.BytesIO(_rezip(_saved([tt.ones(1)]), {"data.pkl": tensor_key}))).items()
    assert v == 1 and k.tolist() == [1.0]  # tensors hash by identity, as torch's
    deep = b"\x80\x02]" + b"(]" * 100000 + b"e" * 100000 + b"."  # [[[...]]]
    with pytest.raises(S.UnpicklingError):
        tt.load(io.BytesIO(_rezip(base, {"data.pkl": deep})))


def test_bare_storage_and_other_records_are_refused():
    with pytest.raises(S.UnpicklingError, match="bare storage"):
        tt.load(io.BytesIO(_torch_saved(torch.ones(2).untyped_storage())))
    with pytest.raises(S.UnpicklingError, match="allow-list"):
        tt.load(io.BytesIO(_torch_saved({"layout": torch.strided})))
    with pytest.raises(S.UnpicklingError, match="allow-list"):
        tt.load(io.BytesIO(_torch_saved({"gen": torch.Generator()})))


def test_devices_both_ways():
    got = tt.load(io.BytesIO(_torch_saved({"a": torch.device("cpu"), "b": torch.device("cuda"),
                                           "c": torch.device("cuda", 1), "s": {1}})))
    assert got == {"a": tt.device("cpu"), "b": tt.device("gpu", 0), "c": tt.device("gpu", 1),
                   "s": {1}}
    back = torch.load(io.BytesIO(_saved(got)), weights_only=True)
    assert back == {"a": torch.device("cpu"), "b": torch.device("cuda", 0),
                    "c": torch.device("cuda", 1), "s": {1}}


def test_tampered_archives_give_clear_errors(tmp_path):
    good = _saved({"x": tt.arange(6, dtype=tt.float32), "y": tt.ones(3)})
    cases = {
        "missing": (_rezip(good, drop=["data/1"]), "storage record archive/data/1 is missing"),
        "short": (_rezip(good, {"data/0": b"\x00" * 20}), "holds 20 bytes"),
        "no pickle": (_rezip(good, drop=["data.pkl"]), "no record archive/data.pkl"),
        "no version": (_rezip(good, drop=["/version"]), "no valid version"),
        "offset": (_rezip(good, {"data.pkl": lambda b: b.replace(b"tQK\x00", b"tQK\x05", 1)}),
                   "reaches beyond its storage"),
        "crc": (good.replace(np.arange(6, dtype=np.float32).tobytes()[4:8], b"\xff" * 4),
                "truncated or corrupt"),
        "truncated": (good[: len(good) // 2], "not a readable zip"),
        "not a zip": (b"hello world" * 10, "not a PyTorch file"),
        "empty": (b"", "not a PyTorch file"),
        "flat": (_flat_zip(), "not in a folder"),
        "huge": (_claim_size(good, b"archive/data.pkl", 0x7FFF0000), "cannot hold"),
    }
    for what, (data, message) in cases.items():
        with pytest.raises(S.SerializationError, match=message) as info:
            tt.load(io.BytesIO(data))
        assert isinstance(info.value, RuntimeError), what
    legacy = io.BytesIO()
    torch.save({"x": torch.ones(2)}, legacy, _use_new_zipfile_serialization=False)
    (tmp_path / "old.pt").write_bytes(legacy.getvalue())
    with pytest.raises(S.SerializationError, match="(?s)legacy .*torch.save\\(torch.load"):
        tt.load(tmp_path / "old.pt")


def _claim_size(data: bytes, name: bytes, size: int) -> bytes:
    """``data`` whose central directory says record ``name`` holds ``size`` bytes."""
    at = data.index(b"PK\x01\x02")
    while data[at + 46:at + 46 + len(name)] != name:
        at = data.index(b"PK\x01\x02", at + 4)
    field = size.to_bytes(4, "little")
    return data[:at + 20] + field + field + data[at + 28:]


def _flat_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("data.pkl", b"\x80\x02N.")
    return out.getvalue()


def test_every_truncation_and_mutation_fails_cleanly():
    good = _saved({"x": tt.arange(4, dtype=tt.float32), "l": [1, "a", (None, 2.5)],
                   "v": tt.arange(4, dtype=tt.float32)[1:]})
    for cut in range(0, len(good), 7):
        with pytest.raises(trueno.TruenoError):
            tt.load(io.BytesIO(good[:cut]))
    pkl = zipfile.ZipFile(io.BytesIO(good)).read("archive/data.pkl")
    rng = np.random.default_rng(0)
    outcomes = set()
    for _ in range(300):
        bad = bytearray(pkl)
        for i in rng.integers(2, len(pkl), 2):
            bad[i] = int(rng.integers(0, 256))
        try:
            tt.load(io.BytesIO(_rezip(good, {"data.pkl": bytes(bad)})))
            outcomes.add("loaded")
        except trueno.TruenoError:
            outcomes.add("refused")
    assert "refused" in outcomes


def test_docstring_examples():
    import doctest
    result = doctest.testmod(S, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
