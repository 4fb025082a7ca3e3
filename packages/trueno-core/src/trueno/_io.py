"""File I/O with NumPy's formats and names: ``save``/``load`` (.npy, .npz), ``savez``,
``savez_compressed``, ``savetxt``/``loadtxt``/``genfromtxt``, ``fromfile`` and ``tofile``.

Files are NumPy-compatible both ways. Reading is defensive (DESIGN.md §5): the .npy header is
parsed here with ``ast.literal_eval`` and checked (magic, version, keys, shape, dtype, size
against the bytes actually present) before any allocation, a corrupt or truncated file raises
``trueno.FormatError`` naming the file and the problem, and nothing is unpickled unless the
caller passes ``allow_pickle=True``. Writing to a path goes through
:func:`trueno._io_files.writing`: NumPy's file semantics (mode, owner, symlinks, hard links,
FIFOs and devices) and no partial file after a failed save. ``.npz`` members are read straight
into their final buffer. Text and raw files live in ``trueno._io_text``.
"""

from __future__ import annotations

import ast
import contextlib
import io
import math
import os
import pickle
import struct
import zipfile
import zlib
from collections.abc import Mapping

import numpy as np

from ._errors import FormatError
from ._io_files import display_name as _name
from ._io_files import host as _host
from ._io_files import is_path, with_suffix, writing
from ._io_files import wrap as _wrap
from ._io_text import fromfile, fromregex, fromstring, genfromtxt, loadtxt, savetxt, tofile

__all__ = ["save", "load", "savez", "savez_compressed", "NpzFile", "savetxt", "loadtxt",
           "genfromtxt", "fromfile", "tofile", "fromstring", "fromregex"]

_MAGIC = b"\x93NUMPY"
_ZIP_PREFIXES = (b"PK\x03\x04", b"PK\x05\x06")
_HEADER_KEYS = {"descr", "fortran_order", "shape"}
_CHUNK = 1 << 24
_MEMBER_CHUNK = 1 << 20  # zip members: ZipExtFile.readinto makes a bytes copy of each chunk
_DEFLATE_MAX_RATIO = 1032  # deflate cannot expand data more than this


# --- .npy ------------------------------------------------------------------------------------
def _read_exact(fp, n, name, what):
    data = fp.read(n)
    if data is None or len(data) != n:
        got = 0 if data is None else len(data)
        raise FormatError(f"{name}: truncated .npy file: expected {n} bytes of {what}, found "
                          f"{got}")
    return data


def _read_header(fp, name, max_header_size):
    """``(shape, fortran_order, dtype, header_length)`` of a .npy stream, all checked."""
    head = _read_exact(fp, 8, name, "magic string and version")
    if head[:6] != _MAGIC:
        raise FormatError(f"{name}: not a .npy file: the magic string is {head[:6]!r}, "
                          f"expected {_MAGIC!r}")
    version = (head[6], head[7])
    if version not in ((1, 0), (2, 0), (3, 0)):
        raise FormatError(f"{name}: unsupported .npy format version {version[0]}.{version[1]} "
                          f"(this reader knows 1.0, 2.0 and 3.0)")
    fmt, size = ("<H", 2) if version == (1, 0) else ("<I", 4)
    (hlen,) = struct.unpack(fmt, _read_exact(fp, size, name, "header length"))
    if max_header_size is not None and hlen > max_header_size:
        raise FormatError(f"{name}: .npy header of {hlen} bytes is larger than "
                          f"max_header_size={max_header_size}\n  hint: for a trusted file pass "
                          f"max_header_size=... or allow_pickle=True")
    raw = _read_exact(fp, hlen, name, "header")
    try:
        text = raw.decode("utf8" if version == (3, 0) else "latin1")
        header = ast.literal_eval(text)
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError,
            UnicodeDecodeError) as e:
        raise FormatError(f"{name}: corrupt .npy header (not a Python literal: "
                          f"{type(e).__name__}): {raw[:80]!r}") from None
    if not isinstance(header, dict) or set(header) != _HEADER_KEYS:
        keys = sorted(header) if isinstance(header, dict) else type(header).__name__
        raise FormatError(f"{name}: corrupt .npy header: expected the keys "
                          f"{sorted(_HEADER_KEYS)}, got {keys}")
    shape = header["shape"]
    if not isinstance(shape, tuple) or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise FormatError(f"{name}: corrupt .npy header: shape {shape!r} is not a tuple of "
                          f"non-negative ints")
    fortran = header["fortran_order"]
    if not isinstance(fortran, bool):
        raise FormatError(f"{name}: corrupt .npy header: fortran_order {fortran!r} is not a "
                          f"bool")
    try:
        dtype = np.lib.format.descr_to_dtype(header["descr"])
    except (TypeError, ValueError, KeyError, SyntaxError) as e:
        raise FormatError(f"{name}: corrupt .npy header: descr {header['descr']!r} is not a "
                          f"dtype ({e})") from None
    return shape, fortran, dtype, 8 + size + hlen


def _bytes_of(a: np.ndarray) -> memoryview:
    """The bytes of a new contiguous array as a writable memoryview (any dtype: a datetime64
    array has no buffer format of its own)."""
    return memoryview(a.reshape(-1).view(np.uint8)) if a.nbytes else memoryview(bytearray())


def _read_into(fp, view: memoryview, chunk: int) -> int:
    """Fill ``view`` from ``fp`` in reads of at most ``chunk`` bytes; the bytes read."""
    readinto = getattr(fp, "readinto", None)
    got, nbytes = 0, len(view)
    while got < nbytes:
        part = view[got:got + chunk]
        if readinto is not None:
            n = readinto(part)
        else:
            data = fp.read(len(part))
            n = len(data) if data else 0
            part[:n] = data[:n] if n else b""
        if not n:
            break
        got += n
    return got


def _read_data(fp, count, dtype, name, available, chunk=_CHUNK):
    """Read ``count`` items into one new array; ``available`` (bytes left, when known) is
    checked first, so a header that claims more data than the file holds never allocates."""
    nbytes = count * dtype.itemsize
    if available is not None and available < nbytes:
        raise FormatError(f"{name}: truncated .npy data: the header describes {nbytes} bytes "
                          f"({count} x {dtype}), the file holds {available}")
    if available is not None:
        out = np.empty(count, dtype)
        got = _read_into(fp, _bytes_of(out), chunk)
    else:  # a stream of unknown size: read what is there before allocating for it
        chunks, got = [], 0
        while got < nbytes:
            c = fp.read(min(chunk, nbytes - got))
            if not c:
                break
            chunks.append(c)
            got += len(c)
        out = None
        if got == nbytes:
            out = np.empty(count, dtype)
            view, at = _bytes_of(out), 0
            for c in chunks:
                view[at:at + len(c)] = c
                at += len(c)
    if got != nbytes:
        raise FormatError(f"{name}: truncated .npy data: expected {nbytes} bytes ({count} x "
                          f"{dtype}), read {got}")
    return out


def _remaining(fp):
    """Bytes left in a seekable file (None when it cannot be known)."""
    try:
        pos = fp.tell()
        end = fp.seek(0, io.SEEK_END)
        fp.seek(pos)
        return end - pos
    except (AttributeError, OSError, ValueError):
        return None


def _stream_size(fp):
    """The size of a seekable file (None when it cannot be known)."""
    try:
        pos = fp.tell()
        end = fp.seek(0, io.SEEK_END)
        fp.seek(pos)
        return end
    except (AttributeError, OSError, ValueError):
        return None


def _read_npy(fp, name, allow_pickle, max_header_size, size="probe", pickle_kw=None,
              chunk=_CHUNK):
    """Read one array; ``size`` is the size of the whole .npy stream, "probe" to ask the
    file, or None (unknown: the data are read in chunks before the array is allocated)."""
    shape, fortran, dtype, hlen = _read_header(fp, name, None if allow_pickle
                                               else max_header_size)
    if dtype.hasobject:
        if not allow_pickle:
            raise FormatError(f"{name}: the array holds Python objects (dtype {dtype}); loading "
                              f"it would unpickle data, which can run arbitrary code\n  hint: "
                              f"pass allow_pickle=True only for files you trust")
        try:
            return pickle.load(fp, **(pickle_kw or {}))  # noqa: S301  (allowed by the caller)
        except Exception as e:  # noqa: BLE001
            raise FormatError(f"{name}: could not unpickle the object array: {e}") from None
    count = math.prod(shape)
    available = _remaining(fp) if size == "probe" else None if size is None else size - hlen
    data = _read_data(fp, count, dtype, name, available, chunk)
    if fortran:
        return data.reshape(shape[::-1]).transpose()
    return data.reshape(shape)


def _open_memmap(path, mode, name, max_header_size):
    with open(path, "rb") as f:
        shape, fortran, dtype, offset = _read_header(f, name, max_header_size)
        size = os.fstat(f.fileno()).st_size
    if dtype.hasobject:
        raise FormatError(f"{name}: an array of Python objects cannot be memory-mapped")
    nbytes = math.prod(shape) * dtype.itemsize
    if size - offset < nbytes:
        raise FormatError(f"{name}: truncated .npy data: the header describes {nbytes} bytes, "
                          f"the file holds {size - offset}")
    if nbytes == 0:
        return np.empty(shape, dtype, order="F" if fortran else "C")
    return np.memmap(path, dtype=dtype, mode=mode, offset=offset, shape=shape,
                     order="F" if fortran else "C")


# --- public: save / load ---------------------------------------------------------------------
def save(file, arr, allow_pickle=True, fix_imports=True):
    """Write one array to a NumPy ``.npy`` file (".npy" is appended to a path without it).

    Examples
    --------
    >>> import trueno as tn, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "a.npy")
    >>> tn.save(path, tn.arange(3))
    >>> tn.load(path).tolist()
    [0, 1, 2]
    """
    host = _host(arr)
    if is_path(file):
        with writing(with_suffix(file, ".npy")) as f:
            np.lib.format.write_array(f, host, allow_pickle=allow_pickle)
        return
    np.lib.format.write_array(file, host, allow_pickle=allow_pickle)


def load(file, mmap_mode=None, allow_pickle=False, fix_imports=True, encoding="ASCII", *,
         max_header_size=10000):
    """Load an array from ``.npy``, or an :class:`NpzFile` from ``.npz`` (NumPy's files).

    ``mmap_mode`` ("r", "r+", "c") memory-maps a ``.npy`` file instead of reading it. Object
    arrays and pickles are refused unless ``allow_pickle=True``; a corrupt or truncated file
    raises ``trueno.FormatError``.
    """
    name = _name(file)
    own = is_path(file)
    fp = open(file, "rb") if own else file  # noqa: SIM115  (an NpzFile keeps it open)
    close = own
    try:
        start = fp.tell() if hasattr(fp, "tell") else 0
        head = fp.read(len(_MAGIC))
        if not isinstance(head, bytes):
            raise FormatError(f"{name}: load needs a binary file (opened with 'rb')")
        fp.seek(start)
        if head.startswith(_ZIP_PREFIXES[0][:4]) or head.startswith(_ZIP_PREFIXES[1][:4]):
            close = False
            return NpzFile(fp, name, own_fid=own, allow_pickle=allow_pickle,
                           max_header_size=max_header_size)
        if head == _MAGIC:
            if mmap_mode is not None:
                if not own:
                    raise ValueError("load(mmap_mode=...): pass a file path, not a file object")
                if mmap_mode not in ("r", "r+", "c", "readonly", "readwrite", "copyonwrite"):
                    raise ValueError(f"load: mmap_mode must be 'r', 'r+' or 'c', not "
                                     f"{mmap_mode!r}")
                return _wrap(_open_memmap(os.fspath(file), mmap_mode, name, max_header_size))
            return _wrap(_read_npy(fp, name, allow_pickle, max_header_size,
                                   pickle_kw={"fix_imports": fix_imports,
                                              "encoding": encoding}))
        if not allow_pickle:
            if not head:
                raise FormatError(f"{name}: empty file; expected a .npy or .npz file")
            raise FormatError(f"{name}: not a .npy or .npz file (it starts with {head!r})\n"
                              f"  hint: if it is a pickle from a source you trust, pass "
                              f"allow_pickle=True")
        try:
            return pickle.load(fp, fix_imports=fix_imports,  # noqa: S301  (allowed)
                               encoding=encoding)
        except Exception as e:  # noqa: BLE001
            raise FormatError(f"{name}: not a .npy/.npz file and not a pickle: {e}") from None
    finally:
        if close:
            fp.close()


class _Bag:
    """``npz.f.name`` attribute access to the arrays of an :class:`NpzFile`."""

    def __init__(self, npz):
        self._npz = npz

    def __getattr__(self, key):
        try:
            return self._npz[key]
        except KeyError:
            raise AttributeError(key) from None

    def __dir__(self):
        return list(self._npz.files)


class NpzFile(Mapping):
    """A lazy dict-like view of a ``.npz`` archive: arrays are read when indexed.

    ``.files`` lists the names; use it as a context manager (or call ``close()``) to release
    the file.
    """

    def __init__(self, fid, name="<npz>", own_fid=False, allow_pickle=False,
                 max_header_size=10000):
        self._name = name
        self._fid = fid if own_fid else None
        self.allow_pickle = allow_pickle
        self.max_header_size = max_header_size
        try:
            self.zip = zipfile.ZipFile(fid)
            self._files = self.zip.namelist()
            self._archive_size = _stream_size(self.zip.fp)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
                struct.error, NotImplementedError) as e:
            if own_fid:
                fid.close()
            raise FormatError(f"{name}: corrupt .npz file (not a readable zip archive: "
                              f"{e})") from None
        self.files = [f[:-4] if f.endswith(".npy") else f for f in self._files]
        self.f = _Bag(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()
            self.zip = None
        if self._fid is not None:
            self._fid.close()
            self._fid = None
        self.f = None

    def __del__(self):
        with contextlib.suppress(Exception):
            self.close()

    def __len__(self) -> int:
        return len(self.files)

    def __iter__(self):
        return iter(self.files)

    def __contains__(self, key) -> bool:
        return key in self.files or key in self._files

    def __repr__(self) -> str:
        return f"NpzFile({self._name}) with keys: {', '.join(self.files[:5])}" + \
            ("..." if len(self.files) > 5 else "")

    def _member_size(self, info: zipfile.ZipInfo) -> int | None:
        """The member's uncompressed size when the archive's claim is plausible (the array is
        then read straight into its final buffer), else None (read before allocating). The
        zip reader never returns more than this size, so a larger header is a truncation."""
        total = self._archive_size
        if total is None or info.compress_size > total:
            return None
        if info.compress_type == zipfile.ZIP_STORED:
            return info.file_size if info.file_size == info.compress_size else None
        if info.compress_type == zipfile.ZIP_DEFLATED and \
                info.file_size <= _DEFLATE_MAX_RATIO * info.compress_size + 64:
            return info.file_size
        return None

    def __getitem__(self, key):
        if self.zip is None:
            raise ValueError(f"{self._name}: the NpzFile is closed")
        member = key if key in self._files else f"{key}.npy"
        if member not in self._files:
            raise KeyError(f"{key} is not a file in the archive {self._name}")
        where = f"{self._name}[{key!r}]"
        try:
            info = self.zip.getinfo(member)
            with self.zip.open(info) as f:
                head = f.read(len(_MAGIC))
                if head != _MAGIC:
                    return head + f.read()
            with self.zip.open(info) as f:
                out = _read_npy(f, where, self.allow_pickle, self.max_header_size,
                                size=self._member_size(info), chunk=_MEMBER_CHUNK)
            return _wrap(out)
        except FormatError:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, struct.error,
                NotImplementedError, RuntimeError) as e:
            raise FormatError(f"{where}: corrupt .npz member: {e}") from None


def _savez(file, args, kwds, compress, allow_pickle=True):
    arrays = dict(kwds)
    for i, a in enumerate(args):
        key = f"arr_{i}"
        if key in arrays:
            raise ValueError(f"Cannot use un-named variables and keyword {key}")
        arrays[key] = a
    hosts = {k: _host(v, "savez") for k, v in arrays.items()}
    comp = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED

    def write(f):
        with zipfile.ZipFile(f, mode="w", compression=comp, allowZip64=True) as zf:
            for k, v in hosts.items():
                with zf.open(k + ".npy", "w", force_zip64=True) as m:
                    np.lib.format.write_array(m, v, allow_pickle=allow_pickle)

    if is_path(file):
        with writing(with_suffix(file, ".npz")) as f:
            write(f)
        return
    write(file)


def savez(file, *args, allow_pickle=True, **kwds):
    """Save several arrays into an uncompressed ``.npz`` archive (``arr_0``, ... or names)."""
    _savez(file, args, kwds, False, allow_pickle)


def savez_compressed(file, *args, allow_pickle=True, **kwds):
    """Save several arrays into a zip-compressed ``.npz`` archive."""
    _savez(file, args, kwds, True, allow_pickle)
