"""File I/O: .npy/.npz round trips both ways with NumPy, memory maps, text and raw files,
and robustness: corrupt or truncated files raise FormatError, pickles never run unless
allowed, and a failed save leaves no partial file."""

from __future__ import annotations

import io
import os
import pickle
import zipfile

import numpy as np
import pytest
from conftest import assert_close

import trueno as tn

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64", "complex64", "complex128"]
SHAPES = [(), (0,), (5,), (3, 4), (2, 0, 3), (2, 3, 4)]


def _data(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.uniform(-50, 50, shape)
    if dtype.startswith("complex"):
        a = a + 1j * rng.uniform(-5, 5, shape)
    if dtype == "bool":
        return a > 0
    if dtype.startswith("uint"):
        a = np.abs(a)
    return a.astype(dtype)


def _same(got, want):
    assert isinstance(got, tn.ndarray)
    assert_close(got, want, rtol=0, atol=0)


# --- round trips -----------------------------------------------------------------------------
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", DTYPES)
def test_npy_round_trips_both_ways(tmp_path, dtype, shape):
    a = _data(shape, dtype)
    p1, p2, p3 = tmp_path / "t.npy", tmp_path / "n.npy", tmp_path / "x.npy"
    tn.save(p1, tn.asarray(a))                       # trueno -> trueno / numpy
    _same(tn.load(p1), a)
    np.testing.assert_array_equal(np.load(p1), a)
    assert np.load(p1).dtype == a.dtype
    np.save(p2, a)                                   # numpy -> trueno
    _same(tn.load(p2), a)
    tn.save(p3, a)                                   # NumPy input to trueno.save
    assert p3.read_bytes() == p2.read_bytes()        # byte-identical files


@pytest.mark.parametrize("view", ["T", "neg", "step", "fortran"])
def test_npy_views_and_fortran_order(tmp_path, view):
    base = _data((4, 6), "float64")
    if view == "fortran":
        a = np.asfortranarray(base)
        np.save(tmp_path / "f.npy", a)
        _same(tn.load(tmp_path / "f.npy"), a)
        return
    fn = {"T": lambda x: x.T, "neg": lambda x: x[::-1], "step": lambda x: x[:, ::2]}[view]
    tn.save(tmp_path / "v.npy", fn(tn.asarray(base)))
    np.testing.assert_array_equal(np.load(tmp_path / "v.npy"), fn(base))
    _same(tn.load(tmp_path / "v.npy"), fn(base))


def test_suffix_paths_and_file_objects(tmp_path):
    a = np.arange(6.0).reshape(2, 3)
    tn.save(str(tmp_path / "noext"), a)
    assert (tmp_path / "noext.npy").exists()
    buf = io.BytesIO()
    tn.save(buf, tn.asarray(a))
    buf.seek(0)
    _same(tn.load(buf), a)
    buf.seek(0)
    np.testing.assert_array_equal(np.load(buf), a)
    buf = io.BytesIO()
    np.save(buf, a)
    buf.seek(0)
    _same(tn.load(buf), a)
    big_endian = a.astype(">f8")
    np.save(tmp_path / "be.npy", big_endian)
    _same(tn.load(tmp_path / "be.npy"), a)


def test_non_numeric_arrays_come_back_as_trueno_arrays(tmp_path):
    s = np.array(["a", "bc"])  # a CPU-only dtype in NumPy storage (issue 14)
    np.save(tmp_path / "s.npy", s)
    out = tn.load(tmp_path / "s.npy")
    assert isinstance(out, tn.ndarray) and out.dtype == s.dtype and out.tolist() == ["a", "bc"]


@pytest.mark.parametrize("compressed", [False, True])
def test_npz_both_ways(tmp_path, compressed):
    arrs = {"x": _data((3, 4), "float32"), "y": _data((5,), "int64"), "z": _data((), "bool")}
    tsave = tn.savez_compressed if compressed else tn.savez
    nsave = np.savez_compressed if compressed else np.savez
    tsave(tmp_path / "t.npz", tn.asarray(arrs["x"]), y=tn.asarray(arrs["y"]), z=arrs["z"])
    nsave(tmp_path / "n.npz", arrs["x"], y=arrs["y"], z=arrs["z"])
    for p in ("t.npz", "n.npz"):
        with tn.load(tmp_path / p) as f:
            assert isinstance(f, tn.NpzFile)
            assert sorted(f.files) == ["arr_0", "y", "z"]
            assert "y" in f and len(f) == 3 and sorted(f) == sorted(f.keys())
            _same(f["arr_0"], arrs["x"])
            _same(f["y.npy"], arrs["y"])
            _same(f.f.z, arrs["z"])
            assert sorted(dict(f.items())) == ["arr_0", "y", "z"]
            with pytest.raises(KeyError, match="not a file"):
                f["nope"]
        with np.load(tmp_path / p) as g:
            np.testing.assert_array_equal(g["arr_0"], arrs["x"])
            np.testing.assert_array_equal(g["y"], arrs["y"])
    f = tn.load(tmp_path / "t.npz")
    f.close()
    with pytest.raises(ValueError, match="closed"):
        f["y"]
    buf = io.BytesIO()
    tsave(buf, a=arrs["y"])
    buf.seek(0)
    _same(tn.load(buf)["a"], arrs["y"])
    with pytest.raises(ValueError, match="arr_0"):
        tn.savez(tmp_path / "dup.npz", arrs["x"], arr_0=arrs["y"])
    tn.savez(str(tmp_path / "plain"), arrs["x"])
    assert (tmp_path / "plain.npz").exists()


def test_mmap_modes(tmp_path):
    a = _data((4, 5), "float32")
    p = tmp_path / "m.npy"
    np.save(p, a)
    m = tn.load(p, mmap_mode="r")
    _same(m, a)
    assert isinstance(np.asarray(m).base, (np.memmap, np.ndarray))
    w = tn.load(p, mmap_mode="r+")
    w[0, 0] = 123.0
    del w
    assert np.load(p)[0, 0] == 123.0
    c = tn.load(p, mmap_mode="c")
    c[1, 1] = -7.0
    del c
    assert np.load(p)[1, 1] == a[1, 1]
    tn.save(tmp_path / "e.npy", np.zeros((0, 3)))
    assert tn.load(tmp_path / "e.npy", mmap_mode="r").shape == (0, 3)
    np.save(tmp_path / "f.npy", np.asfortranarray(a))
    _same(tn.load(tmp_path / "f.npy", mmap_mode="r"), a)
    with pytest.raises(ValueError, match="mmap_mode"):
        tn.load(p, mmap_mode="w")


# --- corrupt and hostile files ---------------------------------------------------------------
def _valid_npy():
    buf = io.BytesIO()
    np.save(buf, np.arange(12, dtype=np.float64).reshape(3, 4))
    return buf.getvalue()


def _header(text: bytes, version=(1, 0)):
    hl = len(text)
    return b"\x93NUMPY" + bytes(version) + hl.to_bytes(2 if version == (1, 0) else 4,
                                                       "little") + text


CORRUPT = {
    "empty": b"",
    "bad_magic": b"\x93NUMPZ\x01\x00" + _valid_npy()[8:],
    "text_file": b"hello world, this is not an array\n",
    "bad_version": b"\x93NUMPY\x09\x09" + _valid_npy()[8:],
    "header_not_literal": _header(b"{'descr': os.system('echo hi'), 'fortran_order': False, "
                                  b"'shape': (3,)}\n"),
    "header_not_dict": _header(b"[1, 2, 3]\n"),
    "header_missing_key": _header(b"{'descr': '<f8', 'shape': (3,)}\n"),
    "header_bad_shape": _header(b"{'descr': '<f8', 'fortran_order': False, 'shape': (-3,)}\n"),
    "header_bad_descr": _header(b"{'descr': 'zz', 'fortran_order': False, 'shape': (3,)}\n"),
    "header_bad_order": _header(b"{'descr': '<f8', 'fortran_order': 2, 'shape': (3,)}\n"),
    "header_huge_shape": _header(b"{'descr': '<f8', 'fortran_order': False, "
                                 b"'shape': (1000000000, 1000000000)}\n") + b"\0" * 64,
    "header_too_long": _header(b" " * 20000),
    "deep_nesting": _header(b"{'descr': " + b"[" * 5000 + b"]" * 5000 + b"}"),
    "truncated_data": _valid_npy()[:-5],
    "truncated_header": _valid_npy()[:30],
    "v3_bad_utf8": _header(b"{'descr': '\xff\xfe', 'fortran_order': False, 'shape': ()}",
                           (3, 0)),
}


@pytest.mark.parametrize("case", CORRUPT)
def test_corrupt_npy_raises_formaterror_naming_the_file(tmp_path, case):
    p = tmp_path / f"{case}.npy"
    p.write_bytes(CORRUPT[case])
    with pytest.raises(tn.FormatError) as ei:
        tn.load(p)
    assert f"{case}.npy" in str(ei.value)
    assert isinstance(ei.value, ValueError)
    if case in ("truncated_data", "header_huge_shape"):
        with pytest.raises(tn.FormatError, match="truncated"):
            tn.load(p, mmap_mode="r")


def test_every_truncation_of_a_valid_file_raises_formaterror(tmp_path):
    data = _valid_npy()
    p = tmp_path / "cut.npy"
    for n in range(len(data)):
        p.write_bytes(data[:n])
        with pytest.raises(tn.FormatError):
            tn.load(p)
    p.write_bytes(data)
    assert tn.load(p).shape == (3, 4)


def test_random_corruption_never_crashes(tmp_path):
    rng = np.random.default_rng(0)
    data = bytearray(_valid_npy())
    p = tmp_path / "fuzz.npy"
    for _ in range(300):
        d = bytearray(data)
        for i in rng.integers(0, 128, rng.integers(1, 4)):
            d[i] = rng.integers(0, 256)
        p.write_bytes(bytes(d))
        try:
            tn.load(p)
        except tn.FormatError:
            pass


def _npz_bytes(**arrs):
    buf = io.BytesIO()
    np.savez(buf, **arrs)
    return buf.getvalue()


def test_corrupt_npz(tmp_path):
    good = _npz_bytes(a=np.arange(100.0))
    p = tmp_path / "bad.npz"
    p.write_bytes(good[: len(good) // 2])
    with pytest.raises(tn.FormatError, match="bad.npz"):
        tn.load(p)
    # a member whose .npy data is cut short
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.npy", _valid_npy()[:-8])
        z.writestr("b.npy", CORRUPT["header_not_literal"])
    p.write_bytes(buf.getvalue())
    with tn.load(p) as f:
        with pytest.raises(tn.FormatError, match="truncated"):
            f["a"]
        with pytest.raises(tn.FormatError, match="header"):
            f["b"]
    # a compressed member with corrupt deflate data
    good = io.BytesIO()
    np.savez_compressed(good, a=np.arange(1000.0))
    raw = bytearray(good.getvalue())
    for i in range(60, 200):
        raw[i] ^= 0x5A
    p.write_bytes(bytes(raw))
    try:
        f = tn.load(p)
    except tn.FormatError:
        return
    with pytest.raises(tn.FormatError):
        f["a"]


class _Evil:
    """Unpickling this creates the marker file: the proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickles_never_run_without_allow_pickle(tmp_path):
    marker = tmp_path / "PWNED"
    obj = np.empty(1, dtype=object)
    obj[0] = _Evil(str(marker))
    np.save(tmp_path / "obj.npy", obj, allow_pickle=True)
    assert not marker.exists()
    with pytest.raises(tn.FormatError, match="allow_pickle"):
        tn.load(tmp_path / "obj.npy")
    with pytest.raises(tn.FormatError):
        tn.load(tmp_path / "obj.npy", mmap_mode="r")
    # a bare pickle (not .npy at all)
    (tmp_path / "raw.pkl").write_bytes(pickle.dumps(_Evil(str(marker))))
    with pytest.raises(tn.FormatError, match="allow_pickle"):
        tn.load(tmp_path / "raw.pkl")
    # an object member inside an .npz
    np.savez(tmp_path / "obj.npz", a=obj, b=np.arange(3))
    with tn.load(tmp_path / "obj.npz") as f:
        _same(f["b"], np.arange(3))
        with pytest.raises(tn.FormatError, match="allow_pickle"):
            f["a"]
    assert not marker.exists()
    # allowed explicitly: NumPy's behaviour (an object array, on the CPU: issue 14)
    benign = np.array([{"k": 1}, None], dtype=object)
    np.save(tmp_path / "ok.npy", benign, allow_pickle=True)
    out = tn.load(tmp_path / "ok.npy", allow_pickle=True)
    assert isinstance(out, tn.ndarray) and out.dtype == object and out[0] == {"k": 1}


# --- atomic saves ----------------------------------------------------------------------------
def _listing(d):
    return sorted(os.listdir(d))


def test_failed_save_leaves_no_partial_file(tmp_path, monkeypatch):
    obj = np.array([{"a": 1}], dtype=object)
    with pytest.raises(ValueError):
        tn.save(tmp_path / "x.npy", obj, allow_pickle=False)
    assert _listing(tmp_path) == []
    # an existing file survives a failed overwrite untouched
    tn.save(tmp_path / "keep.npy", np.arange(3))
    before = (tmp_path / "keep.npy").read_bytes()

    def boom(f, arr, **kw):
        f.write(b"\x93NUMPY partial garbage")
        raise OSError("disk full")
    monkeypatch.setattr(np.lib.format, "write_array", boom)
    for call in (lambda: tn.save(tmp_path / "keep.npy", np.arange(5)),
                 lambda: tn.savez(tmp_path / "z.npz", a=np.arange(5)),
                 lambda: tn.savez_compressed(tmp_path / "z.npz", a=np.arange(5))):
        with pytest.raises(OSError, match="disk full"):
            call()
    monkeypatch.undo()
    assert (tmp_path / "keep.npy").read_bytes() == before
    assert _listing(tmp_path) == ["keep.npy"]
    with pytest.raises(ValueError):
        tn.savetxt(tmp_path / "t.txt", np.ones((2, 2)), fmt=object())
    assert _listing(tmp_path) == ["keep.npy"]


def test_bfloat16_save_is_refused_clearly(tmp_path):
    with pytest.raises(tn.DTypeError, match="bfloat16"):
        tn.save(tmp_path / "b.npy", tn.ones(3, dtype=tn.bfloat16))
    assert _listing(tmp_path) == []


# --- text and raw ----------------------------------------------------------------------------
TEXT_CASES = [
    ({}, {}),
    ({"delimiter": ","}, {"delimiter": ","}),
    ({"fmt": "%d", "delimiter": "\t"}, {"delimiter": "\t", "dtype": "int64"}),
    ({"header": "a b c"}, {}),
    ({"fmt": "%.3f"}, {"usecols": (0, 2)}),
    ({}, {"unpack": True}),
    ({}, {"ndmin": 2, "max_rows": 1}),
]


@pytest.mark.parametrize("save_kw,load_kw", TEXT_CASES, ids=str)
def test_savetxt_loadtxt_round_trip(tmp_path, save_kw, load_kw):
    a = np.arange(12.0).reshape(4, 3) * 1.5
    tn.savetxt(tmp_path / "t.txt", tn.asarray(a), **save_kw)
    np.savetxt(tmp_path / "n.txt", a, **save_kw)
    assert (tmp_path / "t.txt").read_bytes() == (tmp_path / "n.txt").read_bytes()
    got = tn.loadtxt(tmp_path / "t.txt", **load_kw)
    want = np.loadtxt(tmp_path / "n.txt", **load_kw)
    if load_kw.get("unpack"):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            _same(g, w)
    else:
        _same(got, want)


def test_text_extras(tmp_path):
    a = np.arange(6.0).reshape(2, 3)
    tn.savetxt(tmp_path / "z.txt.gz", a)
    _same(tn.loadtxt(tmp_path / "z.txt.gz"), a)
    buf = io.StringIO()
    tn.savetxt(buf, tn.asarray(a[0]))
    buf.seek(0)
    _same(tn.loadtxt(buf), a[0])
    _same(tn.loadtxt(io.StringIO("1 2\n3 4\n"), dtype=tn.int32), np.array([[1, 2], [3, 4]],
                                                                          np.int32))
    with pytest.raises(tn.FormatError, match="loadtxt"):
        tn.loadtxt(io.StringIO("1 2\n3 x\n"))
    text = "1,2,3\n4,,6\n7,8,9\n"
    _same(tn.genfromtxt(io.StringIO(text), delimiter=","),
          np.genfromtxt(io.StringIO(text), delimiter=","))
    _same(tn.genfromtxt(io.StringIO(text), delimiter=",", filling_values=-1),
          np.genfromtxt(io.StringIO(text), delimiter=",", filling_values=-1))
    _same(tn.genfromtxt(io.StringIO("# c\n1 2\n3 4\n"), skip_header=1),
          np.genfromtxt(io.StringIO("# c\n1 2\n3 4\n"), skip_header=1))


@pytest.mark.parametrize("dtype", ["int16", "float32", "float64", "complex64", "uint8"])
def test_tofile_fromfile(tmp_path, dtype):
    a = _data((3, 5), dtype)
    p = tmp_path / "raw.bin"
    tn.asarray(a).tofile(p)
    assert p.read_bytes() == a.tobytes()
    _same(tn.fromfile(p, dtype=dtype), a.ravel())
    _same(tn.fromfile(p, dtype=dtype, count=4, offset=a.itemsize), a.ravel()[1:5])
    with open(p, "rb") as f:
        _same(tn.fromfile(f, dtype=getattr(tn, dtype), count=3), a.ravel()[:3])
    with pytest.raises(tn.FormatError, match="raw.bin"):
        tn.fromfile(p, dtype=dtype, count=a.size + 1)
    if a.itemsize > 1:
        p.write_bytes(a.tobytes()[:-1])
        with pytest.raises(tn.FormatError):
            tn.fromfile(p, dtype=dtype)


def test_text_tofile_fromfile(tmp_path):
    a = np.arange(5.0)
    tn.asarray(a).tofile(tmp_path / "t.txt", sep=",")
    assert (tmp_path / "t.txt").read_text() == "0.0,1.0,2.0,3.0,4.0"
    _same(tn.fromfile(tmp_path / "t.txt", sep=","), a)


def test_docstring_examples_run():
    import doctest
    import importlib
    mod = importlib.import_module("trueno._io")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0


def test_property_npy_round_trip_matches_numpy_bytes():
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    dtypes = st.sampled_from([np.dtype(d) for d in DTYPES])

    @settings(max_examples=60, deadline=None)
    @given(hnp.arrays(dtypes, hnp.array_shapes(min_dims=0, max_dims=4, min_side=0,
                                               max_side=4)),
           st.booleans())
    def check(a, fortran):
        if fortran:
            a = np.asfortranarray(a)
        nb, tb = io.BytesIO(), io.BytesIO()
        np.save(nb, a)
        tn.save(tb, a)
        assert nb.getvalue() == tb.getvalue()
        nb.seek(0)
        got = tn.load(nb)
        np.testing.assert_array_equal(got.numpy(), a)
        assert got.dtype == a.dtype and got.shape == a.shape
    check()


def test_formats_are_registered():
    from trueno._registry import load_plugins
    formats = load_plugins().formats
    assert formats["npy"]["load"] is tn.load and formats["npy"]["suffixes"] == (".npy",)
    assert formats["npz"]["save"] is tn.savez


def test_fromstring_and_fromregex(tmp_path):
    _same(tn.fromstring("1 2 3.5", sep=" "), np.fromstring("1 2 3.5", sep=" "))
    _same(tn.fromstring("1,2,3", dtype=tn.int32, sep=","),
          np.fromstring("1,2,3", dtype=np.int32, sep=","))
    p = tmp_path / "r.txt"
    p.write_text("x=1 y=2\nx=3 y=4\n")
    got = tn.fromregex(p, r"x=(\d+) y=(\d+)", [("x", np.int64), ("y", np.int64)])
    want = np.fromregex(p, r"x=(\d+) y=(\d+)", [("x", np.int64), ("y", np.int64)])
    assert isinstance(got, tn.ndarray) and got.dtype == want.dtype  # structured (issue 14)
    assert got.tolist() == want.tolist()
