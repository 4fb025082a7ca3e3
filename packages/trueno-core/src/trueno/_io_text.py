"""Text and raw binary files with NumPy's names: ``savetxt``/``loadtxt``/``genfromtxt``,
``fromfile``/``tofile``, ``fromstring`` and ``fromregex``.

Parsing is NumPy's; a malformed file raises ``trueno.FormatError`` naming it. Writing a path
goes through :func:`trueno._io_files.writing` (no partial file, NumPy's file semantics).
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import lzma
import os
import shutil
import tempfile

import numpy as np

from . import _dtypes as D
from ._errors import FormatError
from ._io_files import display_name, host, is_path, is_stream, wrap, writing

_CHUNK = 1 << 20

__all__ = ["savetxt", "loadtxt", "genfromtxt", "fromfile", "tofile", "fromstring",
           "fromregex"]


def _compressor(path: str, f):
    """The compressed stream ``numpy.savetxt`` would write for ``path``'s suffix, over ``f``
    (gzip records ``path``'s name, as ``gzip.open(path)`` does), or ``f`` itself."""
    ext = os.path.splitext(path)[1]
    if ext == ".gz":
        return gzip.GzipFile(filename=path, mode="wb", fileobj=f)
    if ext == ".bz2":
        return bz2.BZ2File(f, "wb")
    if ext in (".xz", ".lzma"):
        return lzma.LZMAFile(f, "wb")  # NOTE: xz format for ".lzma" too, as lzma.open
    return f


def savetxt(fname, X, fmt="%.18e", delimiter=" ", newline="\n", header="", footer="",  # noqa: N803
            comments="# ", encoding=None) -> None:
    """Write a 1-D or 2-D array to a text file (NumPy's ``savetxt``; ``.gz``, ``.bz2``,
    ``.xz`` and ``.lzma`` compress).

    Examples
    --------
    >>> import io, trueno as tn
    >>> buf = io.StringIO()
    >>> tn.savetxt(buf, tn.asarray([[1, 2], [3, 4]]), fmt="%d")
    >>> buf.getvalue()
    '1 2\\n3 4\\n'
    """
    arr = host(X, "savetxt")
    kw = {"fmt": fmt, "delimiter": delimiter, "newline": newline, "header": header,
          "footer": footer, "comments": comments, "encoding": encoding}
    if not is_path(fname):
        np.savetxt(fname, arr, **kw)
        return
    path = os.fsdecode(os.fspath(fname))
    with writing(path) as f:
        stream = _compressor(path, f)
        # numpy.savetxt opens a path as open(path, "wt", encoding=encoding) does
        text = io.TextIOWrapper(stream, encoding=encoding)
        try:
            np.savetxt(text, arr, **kw)
            text.flush()
        finally:
            with contextlib.suppress(ValueError, OSError):
                text.detach()  # leave ``f`` open for writing() to finish or discard
            if stream is not f:
                stream.close()  # writes the trailer; ``f`` stays open


def _np_dtype(dtype):
    if isinstance(dtype, D.DType):
        return dtype.numpy
    return dtype


def _text_result(out, unpack):
    if unpack and isinstance(out, (list, tuple)):
        return [wrap(np.asarray(o)) for o in out]
    if isinstance(out, np.ndarray) and out.dtype.fields is None:
        # np.asarray(order="C"), not ascontiguousarray: a 0-d result (one value) stays 0-d;
        # unpack=True gives the transposed array, as NumPy (one row: unpacked to scalars)
        return wrap(np.asarray(out, order="C"))
    return out


def loadtxt(fname, dtype=float, comments="#", delimiter=None, converters=None, skiprows=0,
            usecols=None, unpack=False, ndmin=0, encoding=None, max_rows=None, *,
            quotechar=None):
    """Load numbers from a text file (NumPy's ``loadtxt``); bad text raises FormatError."""
    try:
        out = np.loadtxt(fname, dtype=_np_dtype(dtype), comments=comments, delimiter=delimiter,
                         converters=converters, skiprows=skiprows, usecols=usecols,
                         unpack=False, ndmin=ndmin, encoding=encoding, max_rows=max_rows,
                         quotechar=quotechar)
    except ValueError as e:
        raise FormatError(f"loadtxt({display_name(fname)}): {e}") from None
    return _text_result(out.T if unpack else out, unpack)


def genfromtxt(fname, dtype=float, comments="#", delimiter=None, skip_header=0,
               skip_footer=0, converters=None, missing_values=None, filling_values=None,
               usecols=None, names=None, unpack=None, **kwargs):
    """Load text with missing values (NumPy's ``genfromtxt``); missing numbers become nan."""
    try:
        out = np.genfromtxt(fname, dtype=_np_dtype(dtype), comments=comments,
                            delimiter=delimiter, skip_header=skip_header,
                            skip_footer=skip_footer, converters=converters,
                            missing_values=missing_values, filling_values=filling_values,
                            usecols=usecols, names=names, **kwargs)
    except ValueError as e:
        raise FormatError(f"genfromtxt({display_name(fname)}): {e}") from None
    if isinstance(out, np.ma.MaskedArray):
        out = out.filled()
    return _text_result(out.T if unpack and out.dtype.fields is None else out, bool(unpack))
def fromfile(file, dtype=float, count=-1, sep="", offset=0):
    """Read raw binary (``sep=""``) or text values from a file, as ``numpy.fromfile``.

    # Note: differs from NumPy: a binary file with fewer bytes than ``count`` items, or with
    # a trailing partial item, raises FormatError instead of returning fewer items.
    """
    dt = D.as_dtype(dtype).numpy if not isinstance(dtype, np.dtype) else dtype
    name = display_name(file)
    if not sep:
        size = None
        if isinstance(file, (str, os.PathLike)):
            size = os.path.getsize(file) - offset
        elif hasattr(file, "fileno"):
            with contextlib.suppress(OSError, io.UnsupportedOperation):
                size = os.fstat(file.fileno()).st_size - file.tell() - offset
        if size is not None:
            want = size if count < 0 else count * dt.itemsize
            if size < 0 or want > size or (count < 0 and size % dt.itemsize):
                raise FormatError(
                    f"fromfile({name}): the file holds {max(size, 0)} bytes after offset "
                    f"{offset}, which is not {'a whole number of' if count < 0 else count} "
                    f"{dt} items ({dt.itemsize} bytes each)")
    try:
        out = np.fromfile(file, dtype=dt, count=count, sep=sep, offset=offset)
    except ValueError as e:
        raise FormatError(f"fromfile({name}): {e}") from None
    return wrap(out)


def fromstring(string, dtype=float, count=-1, *, sep):
    """Values parsed from a text string separated by ``sep`` (NumPy's ``fromstring``)."""
    dt = D.as_dtype(dtype).numpy if not isinstance(dtype, np.dtype) else dtype
    try:
        out = np.fromstring(string, dtype=dt, count=count, sep=sep)
    except (ValueError, DeprecationWarning) as e:
        raise FormatError(f"fromstring: {e}") from None
    return wrap(out)


def fromregex(file, regexp, dtype, encoding=None):
    """An array from the groups of a regular expression matched over a text file."""
    try:
        out = np.fromregex(file, regexp, _np_dtype(dtype), encoding=encoding)
    except ValueError as e:
        raise FormatError(f"fromregex({display_name(file)}): {e}") from None
    return wrap(out)


def tofile(arr, fid, sep="", format="%s") -> None:  # noqa: A002
    """Write the array's values to a file as raw bytes (``sep=""``) or text, in C order.

    Examples
    --------
    >>> import trueno as tn, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "a.bin")
    >>> tn.arange(3, dtype=tn.int16).tofile(path)
    >>> open(path, "rb").read()
    b'\\x00\\x00\\x01\\x00\\x02\\x00'
    """
    data = np.ascontiguousarray(host(arr, "tofile"))
    if not is_path(fid):
        data.tofile(fid, sep=sep, format=format)
        return
    with writing(fid) as f:
        _tofile(data, f, sep, format)


def _tofile(data: np.ndarray, f, sep: str, format: str) -> None:  # noqa: A002
    """``data.tofile(f)`` also for a stream without a descriptor (a FIFO), which
    ``ndarray.tofile`` cannot write: raw bytes go out in chunks, text is staged first."""
    if not is_stream(f):
        data.tofile(f, sep=sep, format=format)
        return
    if not sep and not data.dtype.hasobject:
        view = memoryview(data.reshape(-1).view(np.uint8)) if data.nbytes else b""
        for at in range(0, len(view), _CHUNK):
            f.write(view[at:at + _CHUNK])
        return
    with tempfile.TemporaryFile() as tmp:
        data.tofile(tmp, sep=sep, format=format)
        tmp.seek(0)
        shutil.copyfileobj(tmp, f, _CHUNK)
