"""Readers for local dataset files, with no downloads and no code execution: the MNIST IDX
format (optionally gzip-compressed) and the CIFAR-10 "python version" batches (pickles, read
with an unpickler that admits only NumPy's array reconstruction)."""

from __future__ import annotations

import gzip
import io
import os
import pickle

import numpy as np

from trueno import TruenoError

__all__ = ["DataFileError", "DataFileNotFoundError", "read_idx", "read_cifar_batch"]

# IDX type byte -> NumPy dtype (big-endian as the format stores them)
_IDX_TYPES = {0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
              0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


class DataFileError(TruenoError, ValueError):
    """A dataset file that is malformed (bad magic number, truncated, unexpected content)."""


class DataFileNotFoundError(TruenoError, FileNotFoundError):
    """A dataset file that is not there; trueno never downloads at run time."""


def _open_bytes(path: str | os.PathLike, what: str) -> bytes:
    path = os.fspath(path)
    candidates = [path] if path.endswith(".gz") else [path, path + ".gz"]
    for p in candidates:
        if os.path.isfile(p):
            with open(p, "rb") as f:
                raw = f.read()
            if p.endswith(".gz"):
                try:
                    raw = gzip.decompress(raw)
                except (OSError, EOFError) as exc:
                    raise DataFileError(f"{what}: {p!r} is not a readable gzip file ({exc})\n"
                                        "  hint: the file may be truncated; fetch it again") \
                        from None
            return raw
    raise DataFileNotFoundError(
        f"{what}: no file {path!r} (nor {path + '.gz'!r})\n"
        "  hint: trueno does not download datasets; put the files there yourself")


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (MNIST's format: ``train-images-idx3-ubyte`` and the like).

    Parameters
    ----------
    path : str or PathLike
        The file; ``path + ".gz"`` is tried when ``path`` is missing.

    Returns
    -------
    numpy.ndarray
        The array in native byte order, e.g. ``(60000, 28, 28)`` uint8 for MNIST's images.
    """
    raw = _open_bytes(path, "read_idx")
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise DataFileError(
            f"read_idx: {os.fspath(path)!r} does not start with an IDX magic number "
            f"(got {raw[:4].hex() or 'an empty file'}; expected 00 00 <type> <ndim>)\n"
            "  hint: is this an MNIST idx file (not an HTML error page or an archive)?")
    dtype, ndim = _IDX_TYPES[raw[2]], raw[3]
    head = 4 + 4 * ndim
    if len(raw) < head:
        raise DataFileError(f"read_idx: {os.fspath(path)!r} is truncated in its header")
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    need = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - head != need:
        raise DataFileError(
            f"read_idx: {os.fspath(path)!r} holds {len(raw) - head} data bytes; its header "
            f"(shape {shape}, {dtype.name}) needs {need}\n"
            "  hint: the file is truncated or corrupt; fetch it again")
    return np.frombuffer(raw, dtype, offset=head).reshape(shape).astype(dtype.newbyteorder("="))


def _np_multiarray():
    try:
        from numpy._core import multiarray
    except ImportError:  # NumPy 1.x
        from numpy.core import multiarray
    return multiarray


def _latin1_encode(text: str, encoding: str = "latin1") -> bytes:
    if encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError(f"refusing _codecs.encode with encoding {encoding!r}")
    return text.encode("latin1")


class _ArrayUnpickler(pickle.Unpickler):
    """Admits only what a pickled NumPy array needs; anything else is refused unimported."""

    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray",
                                                             "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype"),
                ("_codecs", "encode")}  # how protocol 2 writes bytes from Python 3

    def find_class(self, module: str, name: str):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load global {module}.{name}")
        if name == "_reconstruct":
            return _np_multiarray()._reconstruct
        if name == "encode":
            return _latin1_encode
        return getattr(np, name)


def read_cifar_batch(path: str | os.PathLike) -> tuple[np.ndarray, list[int]]:
    """Read one CIFAR-10/100 "python version" batch (``data_batch_1``, ``test_batch``).

    Parameters
    ----------
    path : str or PathLike
        The batch file.

    Returns
    -------
    images : numpy.ndarray
        ``(N, 32, 32, 3)`` uint8, height-width-channel as torchvision's ``CIFAR10.data``.
    labels : list of int
        ``labels`` (CIFAR-10) or ``fine_labels`` (CIFAR-100).
    """
    raw = _open_bytes(path, "read_cifar_batch")
    where = f"read_cifar_batch: {os.fspath(path)!r}"
    try:
        entry = _ArrayUnpickler(io.BytesIO(raw), encoding="latin1").load()
    except Exception as exc:  # noqa: BLE001 - any failure of a malformed pickle
        raise DataFileError(f"{where} is not a CIFAR python batch ({type(exc).__name__}: "
                            f"{exc})\n  hint: use the 'python version' archive's files; "
                            "nothing in the file was executed") from None
    if not isinstance(entry, dict) or "data" not in entry:
        raise DataFileError(f"{where}: expected a dict with 'data' and 'labels', got "
                            f"{type(entry).__name__}")
    labels = entry.get("labels", entry.get("fine_labels"))
    data = entry["data"]
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 \
            or data.shape[1] != 3072 or not isinstance(labels, list) \
            or len(labels) != data.shape[0] or not all(isinstance(v, int) for v in labels):
        shape = getattr(data, "shape", None)
        raise DataFileError(f"{where}: expected 'data' a uint8 array (N, 3072) and N int "
                            f"labels; got data {type(data).__name__} {shape} and "
                            f"{len(labels) if isinstance(labels, list) else labels!r} labels")
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy(), [int(v) for v in labels]
