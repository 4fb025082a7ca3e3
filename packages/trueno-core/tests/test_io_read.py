"""Loading what NumPy writes: datetime64/timedelta64 .npy files, and .npz members read
straight into their final buffer (peak memory about 1x a member, as NumPy, not 3x), with
archive sizes that lie caught before they allocate."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest

import trueno as tn

TIMES = {
    "M8[D]": np.array(["2020-01-01", "1969-07-20", "NaT", "2262-04-11"], dtype="M8[D]"),
    "M8[ns]": np.array(["2020-01-01T12:34:56.789012345", "NaT"], dtype="M8[ns]"),
    ">M8[s]": np.array(["2001-09-09T01:46:40"], dtype="M8[s]").astype(">M8[s]"),
    "m8[ns]": np.array([1, -2, 3_000_000_000], dtype="m8[ns]"),
    "m8[h]": np.arange(6, dtype="m8[h]").reshape(2, 3),
    "m8[us]_empty": np.zeros((0, 4), dtype="m8[us]"),
    "M8[ms]_fortran": np.asfortranarray(
        np.arange(12).astype("M8[ms]").reshape(3, 4)),
    "m8[D]_0d": np.array(5, dtype="m8[D]"),
}


def _assert_same_as_numpy(got, want, same_class=True):
    # datetime64/timedelta64 come back as trueno arrays over exactly what numpy.load returns
    # (a CPU-only dtype in NumPy storage, DESIGN.md §4; issue 14): dtype, byte order, layout
    assert isinstance(got, tn.ndarray)
    host = got.numpy()
    if same_class and isinstance(want, np.memmap):  # memory-mapped, not read into memory
        assert isinstance(host, np.memmap) or isinstance(host.base, np.memmap)
    assert got.dtype == want.dtype and str(got.dtype) == str(want.dtype)
    assert host.dtype == want.dtype and got.shape == want.shape
    assert host.flags.f_contiguous == want.flags.f_contiguous
    np.testing.assert_array_equal(host, want)


@pytest.mark.parametrize("case", TIMES)
def test_datetime_npy_loads_as_numpy_does(tmp_path, case):
    a = TIMES[case]
    p = tmp_path / "t.npy"
    np.save(p, a)
    _assert_same_as_numpy(tn.load(p), np.load(p))
    # (an empty array is not memory-mapped: trueno returns an ndarray, NumPy a memmap)
    _assert_same_as_numpy(tn.load(p, mmap_mode="r"), np.load(p, mmap_mode="r"), a.size > 0)
    with open(p, "rb") as f:
        _assert_same_as_numpy(tn.load(f), np.asarray(np.load(p)))
    buf = io.BytesIO(p.read_bytes())
    _assert_same_as_numpy(tn.load(buf), a)
    tn.save(tmp_path / "back.npy", tn.load(p))  # and trueno writes NumPy's bytes back
    assert (tmp_path / "back.npy").read_bytes() == p.read_bytes()


class _NoSeekFromEnd(io.BytesIO):
    """A stream that seeks back (load peeks at the magic string) but cannot tell its size."""

    def seek(self, pos, whence=io.SEEK_SET):
        if whence == io.SEEK_END:
            raise OSError("cannot seek from the end")
        return super().seek(pos, whence)


def test_datetime_from_a_stream_of_unknown_size():
    for a in [*TIMES.values(), np.arange(3_000_000.0)]:
        buf = io.BytesIO()
        np.save(buf, a)
        got = tn.load(_NoSeekFromEnd(buf.getvalue()))
        if a.dtype.kind in "mM":
            _assert_same_as_numpy(got, a)
        else:
            np.testing.assert_array_equal(got.numpy(), a)
        with pytest.raises(tn.FormatError, match="truncated"):
            tn.load(_NoSeekFromEnd(buf.getvalue()[:-1]))


@pytest.mark.parametrize("compressed", [False, True])
def test_datetime_and_numeric_npz_members(tmp_path, compressed):
    save = np.savez_compressed if compressed else np.savez
    big = np.arange(600_000, dtype=np.int64) % 1000  # 4.8 MB: many 1 MiB reads per member
    save(tmp_path / "t.npz", d=TIMES["M8[ns]"], m=TIMES["m8[h]"], big=big,
         f=np.asfortranarray(big[:600].reshape(20, 30).astype(np.float32)))
    with tn.load(tmp_path / "t.npz") as f, np.load(tmp_path / "t.npz") as g:
        for k in ("d", "m"):
            _assert_same_as_numpy(f[k], g[k])
        for k in ("big", "f"):
            assert isinstance(f[k], tn.ndarray) and f[k].dtype == g[k].dtype
            np.testing.assert_array_equal(f[k].numpy(), g[k])


def _peak_of_loading(path, key):
    tracemalloc.start()
    try:
        with tn.load(path) as f:
            out = f[key]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return out, peak


@pytest.mark.parametrize("compressed", [False, True])
def test_npz_member_peak_memory_is_about_its_size(tmp_path, compressed):
    n = 40 * 2**20 // 8
    a = np.arange(n, dtype=np.int64) % 7
    (np.savez_compressed if compressed else np.savez)(tmp_path / "big.npz", a=a)
    out, peak = _peak_of_loading(tmp_path / "big.npz", "a")
    np.testing.assert_array_equal(out.numpy(), a)
    assert peak < 1.5 * a.nbytes, f"peak {peak / a.nbytes:.2f}x the member's size"


def _patched_sizes(data: bytes, name: bytes, file_size: int) -> bytes:
    """``data`` (a zip) with the central directory's uncompressed size of ``name`` changed."""
    at = data.index(b"PK\x01\x02")
    while data[at + 46:at + 46 + len(name)] != name:
        at = data.index(b"PK\x01\x02", at + 4)
    return data[:at + 24] + struct.pack("<I", file_size) + data[at + 28:]


def _npy_claiming(nbytes: int, payload: bytes) -> bytes:
    header = {"descr": "|u1", "fortran_order": False, "shape": (nbytes,)}
    text = repr(header).encode()
    text += b" " * (63 - (10 + len(text)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + payload


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_npz_member_sizes_that_lie_never_allocate(tmp_path, method):
    """A header and a zip directory that both claim ~3.75 GB for a member of a few bytes:
    a FormatError, without allocating the claimed size."""
    claim = 0xF000_0000
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=method) as z:
        z.writestr("a.npy", _npy_claiming(claim, b"\1" * 100))
        z.writestr("ok.npy", _npy_claiming(3, b"\1\2\3"))
    p = tmp_path / "lie.npz"
    p.write_bytes(_patched_sizes(buf.getvalue(), b"a.npy", 0xFFFF_FFF0))
    tracemalloc.start()
    try:
        with tn.load(p) as f:
            with pytest.raises(tn.FormatError, match="truncated|corrupt"):
                f["a"]
            np.testing.assert_array_equal(f["ok"].numpy(), [1, 2, 3])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20


def test_npz_member_shorter_than_its_header_says(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.npy", _npy_claiming(5000, b"\7" * 4000))
    p = tmp_path / "short.npz"
    p.write_bytes(buf.getvalue())
    with tn.load(p) as f, pytest.raises(tn.FormatError, match="truncated"):
        f["a"]
