"""trueno.utils.safetensors: round trips of every dtype, files read and written by the real
``safetensors`` package both ways, header validation with errors that name the file and the
tensor, atomic saves, and a fuzz of corrupted files (only FormatError/DTypeError, never a
crash)."""

from __future__ import annotations

import json
import os
import struct

import ml_dtypes
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st_h
import safetensors.numpy as stnp
import torch as T

import trueno as tn
import trueno.torch as torch
from trueno.utils import safetensors as st

DTYPES = ["bool", "uint8", "int8", "int16", "uint16", "float16", "bfloat16", "int32",
          "uint32", "float32", "int64", "uint64", "float64", "complex64"]


def _values(dtype: str, shape, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if dtype == "bool":
        v = rng.integers(0, 2, n).astype(bool)
    elif dtype == "bfloat16":
        v = rng.standard_normal(n).astype(ml_dtypes.bfloat16)
    elif dtype == "complex64":
        v = (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(np.complex64)
    elif dtype.startswith(("int", "uint")):
        info = np.iinfo(dtype)
        v = rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)
    else:
        v = rng.standard_normal(n).astype(dtype)
    return v.reshape(shape)


def _tensors() -> dict[str, np.ndarray]:
    out = {}
    for i, dt in enumerate(DTYPES):
        out[f"x.{dt}"] = _values(dt, (3, 5), i)
    out["scalar"] = np.array(2.5, dtype=np.float32)
    out["empty"] = np.zeros((0, 4), dtype=np.int64)
    return out


def _same(got, want: np.ndarray) -> None:
    g = np.asarray(got)
    assert g.dtype == want.dtype and g.shape == want.shape, (g.dtype, want.dtype, g.shape)
    np.testing.assert_array_equal(g.reshape(-1).view(np.uint8), want.reshape(-1).view(np.uint8))


def test_round_trip_every_dtype(tmp_path):
    arrays = _tensors()
    tensors = {k: tn.asarray(v) for k, v in arrays.items()}
    path = tmp_path / "all.safetensors"
    st.save_file(tensors, path, metadata={"epoch": "3", "note": "ñ"})
    got = st.load_file(path)
    assert sorted(got) == sorted(arrays)
    for k, v in arrays.items():
        assert isinstance(got[k], tn.ndarray)
        assert got[k].dtype == tn.asarray(v).dtype
        _same(got[k], v)
    with st.safe_open(path) as f:
        assert f.metadata() == {"epoch": "3", "note": "ñ"}
        assert f.keys() == sorted(arrays)
    # bytes API: the same contents
    again = st.load(st.save(tensors))
    for k, v in arrays.items():
        _same(again[k], v)


def test_non_contiguous_tensors_are_written_contiguously(tmp_path):
    base = np.arange(48, dtype=np.float64).reshape(6, 8)
    views = {"t": tn.asarray(base).T, "step": tn.asarray(base)[::2, 1::3],
             "neg": tn.asarray(base)[::-1], "torch_t": torch.tensor(base).t()}
    path = tmp_path / "v.safetensors"
    st.save_file(views, path)
    ref = stnp.load_file(str(path))  # the real package reads our file
    for k, want in {"t": base.T, "step": base[::2, 1::3], "neg": base[::-1],
                    "torch_t": base.T}.items():
        np.testing.assert_array_equal(ref[k], want)
        np.testing.assert_array_equal(np.asarray(st.load_file(path)[k]), want)


def test_real_safetensors_reads_our_files(tmp_path):
    arrays = _tensors()
    path = tmp_path / "ours.safetensors"
    st.save_file({k: tn.asarray(v) for k, v in arrays.items()}, path, metadata={"a": "b"})
    numpy_ok = {k: v for k, v in arrays.items() if v.dtype != ml_dtypes.bfloat16}
    ref = stnp.load_file(str(path))
    assert sorted(ref) == sorted(arrays)
    for k, v in numpy_ok.items():
        _same(ref[k], v)
    import safetensors.torch as stt
    ref_t = stt.load_file(str(path))
    bf = ref_t["x.bfloat16"]
    assert bf.dtype == T.bfloat16
    np.testing.assert_array_equal(bf.view(T.int16).numpy().view(np.uint16),
                                  arrays["x.bfloat16"].view(np.uint16))
    import safetensors
    with safetensors.safe_open(str(path), "np") as f:
        assert f.metadata() == {"a": "b"}
    # the bytes API too
    ref_b = stnp.load(st.save({k: tn.asarray(v) for k, v in numpy_ok.items()}))
    for k, v in numpy_ok.items():
        _same(ref_b[k], v)


def test_we_read_real_safetensors_files(tmp_path):
    arrays = {k: v for k, v in _tensors().items() if v.dtype != ml_dtypes.bfloat16}
    path = tmp_path / "theirs.safetensors"
    stnp.save_file(arrays, str(path), metadata={"framework": "np"})
    got = st.load_file(path)
    for k, v in arrays.items():
        _same(got[k], v)
    with st.safe_open(path) as f:
        assert f.metadata() == {"framework": "np"}
    # torch's writer, with bfloat16 and tensors PyTorch makes contiguous
    import safetensors.torch as stt
    tt = {"bf": T.arange(12, dtype=T.float32).reshape(3, 4).to(T.bfloat16),
          "w": T.randn(4, 3, generator=T.Generator().manual_seed(1)).t().contiguous(),
          "b": T.tensor([True, False, True])}
    data = stt.save(tt)
    got = st.load(data)
    for k, v in tt.items():
        want = v.float().numpy() if k == "bf" else v.numpy()
        np.testing.assert_array_equal(np.asarray(got[k]).astype(want.dtype), want)
    assert got["bf"].dtype == tn.bfloat16
    got_pt = stt.load(st.save({k: torch.tensor(v.float().numpy()) for k, v in tt.items()}))
    np.testing.assert_array_equal(got_pt["w"].numpy(), tt["w"].numpy())


def test_safe_open_torch_framework_and_missing_name(tmp_path):
    path = tmp_path / "w.safetensors"
    st.save_file({"w": tn.ones((2, 3), dtype=tn.float32)}, path)
    with st.safe_open(path, framework="pt") as f:
        w = f.get_tensor("w")
        assert type(w) is torch.Tensor and w.shape == (2, 3)
        with pytest.raises(KeyError, match="'nope'"):
            f.get_tensor("nope")
    with pytest.raises(TypeError, match="framework"):
        with st.safe_open(path, framework="tf"):
            pass


def test_bad_arguments_on_save(tmp_path):
    path = tmp_path / "x.safetensors"
    with pytest.raises(TypeError, match="by str"):
        st.save_file({1: tn.ones(2)}, path)
    with pytest.raises(TypeError, match="metadata"):
        st.save_file({"__metadata__": tn.ones(2)}, path)
    with pytest.raises(TypeError, match="str -> str"):
        st.save_file({"a": tn.ones(2)}, path, metadata={"a": 1})
    with pytest.raises(TypeError, match="trueno or NumPy array"):
        st.save_file({"a": [1, 2]}, path)
    with pytest.raises(tn.DTypeError, match="complex128.*safetensors code"):
        st.save_file({"a": tn.ones(2, dtype=tn.complex128)}, path)
    assert not path.exists() and os.listdir(tmp_path) == []


def _file(header: dict, data: bytes = b"", pad: bool = True) -> bytes:
    text = json.dumps(header).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def _raw(text: str, data: bytes) -> bytes:
    return struct.pack("<Q", len(text)) + text.encode() + data


F = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}
BAD = {
    "too short": (b"\x01\x00", "too short"),
    "header too large": (struct.pack("<Q", 100_000_001) + b"{}", "exceeds the limit"),
    "header past end": (struct.pack("<Q", 64) + b"{}", "runs past the end"),
    "not utf8": (struct.pack("<Q", 2) + b"\xff\xfe", "not UTF-8"),
    "no brace": (struct.pack("<Q", 2) + b"[]", "does not start with"),
    "bad json": (struct.pack("<Q", 3) + b"{x}", "not valid JSON"),
    "duplicate": (_raw('{"a":' + json.dumps(F) + ',"a":' + json.dumps(F) + "}", bytes(8)),
                  "appears twice"),
    "nan constant": (struct.pack("<Q", 9) + b'{"a":NaN}', "not valid JSON"),
    "unknown dtype": (_file({"w": {**F, "dtype": "F31"}}, bytes(8)), "tensor 'w'.*unknown"),
    "bad shape": (_file({"w": {**F, "shape": [-2]}}, bytes(8)), "tensor 'w'.*shape"),
    "bool shape": (_file({"w": {**F, "shape": [True]}}, bytes(8)), "tensor 'w'.*shape"),
    "reversed": (_file({"w": {**F, "data_offsets": [8, 0]}}, bytes(8)), "'w'.*begin <="),
    "size mismatch": (_file({"w": {**F, "shape": [3]}}, bytes(8)), "'w'.*needs 12 bytes"),
    "missing key": (_file({"w": {"dtype": "F32", "shape": [2]}}, bytes(8)),
                    "'w'.*data_offsets"),
    "overlap": (_file({"a": F, "b": {**F, "data_offsets": [4, 12]}}, bytes(12)),
                "'b'.*overlaps"),
    "hole": (_file({"a": F, "b": {**F, "data_offsets": [12, 20]}}, bytes(20)), "'b'.*hole"),
    "trailing bytes": (_file({"a": F}, bytes(12)), "cover 8 bytes but the file has 12"),
    "truncated": (_file({"a": F}, bytes(5)), "cover 8 bytes but the file has 5"),
    "metadata not str": (_file({"__metadata__": {"k": 1}, "a": F}, bytes(8)),
                         "__metadata__"),
    "entry not object": (_file({"a": [1, 2]}, b""), "'a'.*expected an object"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_corrupt_headers_raise_format_error_naming_file_and_tensor(tmp_path, case):
    data, pattern = BAD[case]
    path = tmp_path / "bad.safetensors"
    path.write_bytes(data)
    with pytest.raises(tn.FormatError, match=pattern) as info:
        st.load_file(path)
    assert isinstance(info.value, ValueError)
    assert "bad.safetensors" in str(info.value) and "hint:" in str(info.value)
    with pytest.raises(tn.FormatError, match=pattern):
        st.load(data)
    if case == "duplicate":  # Note: the reference keeps one of the two; we refuse to guess
        assert sorted(stnp.load(data)) == ["a"]
        return
    # the reference implementation rejects the same files
    with pytest.raises(Exception):  # noqa: B017,PT011  (safetensors' own SafetensorError)
        stnp.load(data)


def test_float8_file_is_a_dtype_error():
    data = _file({"q": {"dtype": "F8_E4M3", "shape": [4], "data_offsets": [0, 4]}}, bytes(4))
    with pytest.raises(tn.DTypeError, match="'q'.*F8_E4M3 has no trueno dtype"):
        st.load(data)


def test_missing_file():
    with pytest.raises(FileNotFoundError):
        st.load_file("/nonexistent/dir/w.safetensors")


def test_fuzzed_files_raise_only_format_errors():
    good = st.save({"a": tn.arange(6, dtype=tn.float32).reshape(2, 3),
                    "b": tn.asarray(np.array([1, -2], dtype=np.int64)),
                    "c": tn.asarray(np.array([True, False]))}, metadata={"k": "v"})
    rng = np.random.default_rng(1234)
    outcomes = {"ok": 0, "error": 0}
    for _ in range(400):
        data = bytearray(good)
        kind = rng.integers(3)
        if kind == 0:  # flip bytes
            for i in rng.integers(0, len(data), rng.integers(1, 4)):
                data[i] = rng.integers(256)
        elif kind == 1:  # truncate
            data = data[:rng.integers(0, len(data))]
        else:  # splice printable JSON-ish characters into the header
            i = int(rng.integers(8, 8 + struct.unpack("<Q", good[:8])[0]))
            data[i:i + 1] = bytes(rng.choice(list(b'{}[]",:0123456789-e'), 2).tolist())
        try:
            out = st.load(bytes(data))
        except (tn.FormatError, tn.DTypeError):
            outcomes["error"] += 1
        else:
            outcomes["ok"] += 1
            assert all(isinstance(v, tn.ndarray) for v in out.values())
    assert outcomes["error"] > 200 and outcomes["ok"] > 0, outcomes


def test_save_file_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "w.safetensors"
    st.save_file({"w": tn.zeros(4)}, path)
    before = path.read_bytes()

    def fail(f, header, arrays):
        f.write(header)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(st, "_write_arrays", fail)
    with pytest.raises(OSError, match="No space left") as info:
        st.save_file({"w": tn.ones(1000)}, path)
    assert info.value.filename == str(path)  # names the user's file, not a temporary
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["w.safetensors"]


def test_save_file_keeps_symlinks_and_mode(tmp_path):
    real = tmp_path / "real.safetensors"
    st.save_file({"w": tn.zeros(2)}, real)
    os.chmod(real, 0o640)
    link = tmp_path / "link.safetensors"
    os.symlink("real.safetensors", link)
    st.save_file({"w": tn.ones(3)}, link)
    assert os.path.islink(link) and (os.stat(real).st_mode & 0o777) == 0o640
    np.testing.assert_array_equal(np.asarray(st.load_file(real)["w"]), np.ones(3))


def test_torch_framework_and_model_helpers(tmp_path):
    import safetensors.torch as stt
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    path = tmp_path / "m.safetensors"
    st.save_model(model, path, metadata={"arch": "mlp"})
    pt = st.load_file(path, framework="pt")
    assert all(type(v) is torch.Tensor for v in pt.values())
    assert all(type(v) is tn.ndarray for v in st.load(path.read_bytes()).values())
    assert all(type(v) is torch.Tensor for v in st.load(path.read_bytes(), framework="pt")
               .values())
    fresh = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    st.load_model(fresh, path)
    for (k, v), (k2, v2) in zip(fresh.state_dict().items(), model.state_dict().items()):
        assert k == k2
        np.testing.assert_array_equal(np.asarray(v), np.asarray(v2))
    # PyTorch's own model loader reads the file, and writes one we load
    ref = T.nn.Sequential(T.nn.Linear(3, 4), T.nn.BatchNorm1d(4))
    stt.load_model(ref, str(path))
    np.testing.assert_array_equal(ref[0].weight.detach().numpy(), np.asarray(model[0].weight
                                                                             .detach()))
    ref[1].running_mean.fill_(0.25)
    stt.save_model(ref, str(path))
    st.load_model(fresh, path)
    np.testing.assert_array_equal(np.asarray(fresh[1].running_mean), np.full(4, 0.25))
    with pytest.raises(RuntimeError, match="Unexpected key"):
        st.load_model(torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 1)),
                      path)
    with pytest.raises(TypeError, match="framework"):
        st.load_file(path, framework="tf")


def test_files_are_byte_identical_to_the_reference_writer():
    import safetensors.torch as stt
    arrays = _tensors()  # every dtype, a 0-d and an empty tensor
    arrays["a.second.f64"] = np.arange(3.0)
    numpy_ok = {k: v for k, v in arrays.items() if v.dtype != ml_dtypes.bfloat16}
    assert st.save({k: tn.asarray(v) for k, v in numpy_ok.items()}) == stnp.save(numpy_ok)
    theirs = stt.save({k: T.from_numpy(v.view(np.int16)).view(T.bfloat16)
                       if v.dtype == ml_dtypes.bfloat16 else T.from_numpy(v)
                       for k, v in arrays.items()}, metadata={"format": "pt"})
    assert st.save({k: tn.asarray(v) for k, v in arrays.items()},
                   metadata={"format": "pt"}) == theirs


@settings(max_examples=60, deadline=None)
@given(st_h.dictionaries(
    st_h.text(min_size=1, max_size=12).filter(lambda s: s != "__metadata__"),
    st_h.tuples(st_h.sampled_from(DTYPES), st_h.lists(st_h.integers(0, 4), max_size=3),
                st_h.integers(0, 2**31)),
    max_size=5),
    st_h.dictionaries(st_h.text(max_size=8), st_h.text(max_size=8), max_size=3))
def test_round_trips_and_agrees_with_the_reference(spec, metadata):
    import safetensors.torch as stt
    arrays = {name: _values(dt, tuple(shape), seed) for name, (dt, shape, seed) in spec.items()}
    data = st.save({k: tn.asarray(v) for k, v in arrays.items()}, metadata=metadata or None)
    back = st.load(data)
    ref = stt.load(data)
    assert sorted(back) == sorted(ref) == sorted(arrays)
    for k, v in arrays.items():
        _same(back[k], v)
        r = ref[k]
        r = r.view(T.int16).numpy().view(ml_dtypes.bfloat16) if r.dtype == T.bfloat16 else \
            r.numpy()
        _same(r, v)


def test_get_slice_reads_only_the_rows_it_needs(tmp_path, monkeypatch):
    import safetensors
    arrays = {"w": np.arange(60, dtype=np.float32).reshape(6, 5, 2),
              "b": np.array([True, False, True, True]), "s": np.array(7, dtype=np.int64)}
    path = tmp_path / "s.safetensors"
    stnp.save_file(arrays, str(path))
    reads = []
    real_rows = st._Reader.rows
    monkeypatch.setattr(st._Reader, "rows",
                        lambda self, n, a, b: reads.append((n, a, b)) or real_rows(self, n, a, b))
    keys = {"w": [np.s_[1:3], np.s_[-1], np.s_[::2], np.s_[4:1], np.s_[2, 1:, 0],
                  np.s_[:, 3], np.s_[1:4, ::-1], np.s_[..., 1], np.s_[2, 3, 1]],
            "b": [np.s_[1:], np.s_[-2]], "s": [()]}
    rows = {"w": [(1, 3), (5, 6), (0, 6), (4, 4), (2, 3), (0, 6), (1, 4), (0, 6), (2, 3)],
            "b": [(1, 4), (2, 3)], "s": [(0, 1)]}
    with st.safe_open(path) as f, safetensors.safe_open(str(path), "np") as ref:
        for name, ks in keys.items():
            sl, rsl = f.get_slice(name), ref.get_slice(name)
            assert sl.get_shape() == rsl.get_shape() and sl.get_dtype() == rsl.get_dtype()
            for k, want_rows in zip(ks, rows[name]):
                reads.clear()
                got = sl[k]
                want = arrays[name][k]
                np.testing.assert_array_equal(np.asarray(got), want)
                assert np.asarray(got).shape == np.shape(want)
                assert reads == [(name, *want_rows)], (name, k)
        with pytest.raises(IndexError, match="out of range"):
            f.get_slice("w")[6]
        with pytest.raises(KeyError, match="'nope'"):
            f.get_slice("nope")
