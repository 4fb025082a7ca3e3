"""``trueno.utils.safetensors``: Hugging Face's safetensors format, read and written by
trueno's own code (no dependency on the ``safetensors`` package), with its API:
:func:`save_file` / :func:`load_file` for files, :func:`save` / :func:`load` for bytes and
:func:`safe_open` to read single tensors of a large file.

A file is an 8-byte little-endian header length ``N``, ``N`` bytes of JSON (``{"name":
{"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, "__metadata__": {str:
str}}``, padded with spaces to a multiple of 8) and the tensors' bytes, little-endian and
C-contiguous, back to back, in the reference writer's order (the same bytes as the
``safetensors`` package writes, up to the order of metadata keys). Reading checks what the
reference implementation checks (header size limit, JSON that starts with ``{``, known
dtypes, offsets that cover the data with no hole and no overlap, sizes that agree with dtype
and shape) and raises ``trueno.FormatError`` naming the file and the tensor; nothing in a
file is ever executed.
Files are written through core's atomic save (``trueno._io_files.writing``): a save that
fails leaves the previous file as it was.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import struct
import sys
from collections.abc import Iterator, Mapping

import numpy as np

from .. import _dtypes as D
from .._creation import _place, default_class
from .._errors import DTypeError, FormatError, TruenoError
from .._io_files import display_name, writing
from .._tensor import Tensor

__all__ = ["save", "save_file", "load", "load_file", "safe_open", "save_model", "load_model",
           "SafetensorsTypeError", "MAX_HEADER_SIZE", "DTYPE_CODES"]

#: The largest header the reference implementation accepts (100 MB).
MAX_HEADER_SIZE = 100_000_000

#: trueno dtype -> safetensors dtype code, for every trueno dtype the format has.
DTYPE_CODES: dict[D.DType, str] = {
    D.bool_: "BOOL", D.uint8: "U8", D.int8: "I8", D.int16: "I16", D.uint16: "U16",
    D.float16: "F16", D.bfloat16: "BF16", D.int32: "I32", D.uint32: "U32", D.float32: "F32",
    D.int64: "I64", D.uint64: "U64", D.float64: "F64", D.complex64: "C64",
}
_BY_CODE = {code: dt for dt, code in DTYPE_CODES.items()}
# Codes of the format that trueno has no dtype for: read as an error that says so.
_FOREIGN = {"F8_E4M3", "F8_E5M2", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "F8_E8M0", "F6_E2M3",
            "F6_E3M2", "F4"}
_LITTLE = sys.byteorder == "little"
# The reference writer's dtype order (its Dtype enum); tensors are laid out by it, largest
# first, then by name, so our files are byte for byte the reference's and every tensor starts
# at a multiple of its item size from the 8-aligned data start.
_RANK = {code: i for i, code in enumerate(
    ["BOOL", "U8", "I8", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "C64", "F64",
     "I64", "U64"])}


class SafetensorsTypeError(TruenoError, TypeError):
    """A bad argument to a safetensors writer: not a dict of str -> tensor, bad metadata."""


# --- writing ---------------------------------------------------------------------------------
def save(tensors: Mapping[str, object], metadata: Mapping[str, str] | None = None) -> bytes:
    """The safetensors bytes of ``tensors`` (name -> trueno or NumPy array).

    Examples
    --------
    >>> import trueno as tn
    >>> data = save({"w": tn.ones((2, 2), dtype=tn.float32)}, metadata={"format": "np"})
    >>> load(data)["w"].shape
    (2, 2)
    """
    buf = io.BytesIO()
    _write(buf, tensors, metadata, "save")
    return buf.getvalue()


def save_file(tensors: Mapping[str, object], filename: str | os.PathLike,
              metadata: Mapping[str, str] | None = None) -> None:
    """Write ``tensors`` (name -> trueno or NumPy array) to the safetensors file ``filename``.

    Non-contiguous tensors are written contiguously and GPU tensors are downloaded. The file
    is replaced atomically: a failure leaves the old file (or none) and no temporary.

    Parameters
    ----------
    tensors : dict of str -> array
        The tensors to write, by name.
    filename : str or os.PathLike
        The file to write.
    metadata : dict of str -> str, optional
        Free-form text stored in the header (``__metadata__``).
    """
    arrays = _arrays(tensors, f"save_file({display_name(filename)})")
    header = _header(arrays, metadata, f"save_file({display_name(filename)})")
    with writing(filename) as f:
        _write_arrays(f, header, arrays)


def _write(f, tensors, metadata, func: str) -> None:
    arrays = _arrays(tensors, func)
    _write_arrays(f, _header(arrays, metadata, func), arrays)


def _arrays(tensors, func: str) -> dict[str, np.ndarray]:
    if not isinstance(tensors, Mapping):
        raise SafetensorsTypeError(f"{func}: tensors is a {type(tensors).__name__}; expected "
                                   f"a dict of name -> tensor\n  hint: model.state_dict()")
    out = {}
    for name, t in tensors.items():
        where = f"{func}: tensor {name!r}"
        if not isinstance(name, str):
            raise SafetensorsTypeError(f"{func}: the key {name!r} is a {type(name).__name__}; "
                                       f"safetensors names tensors by str\n  hint: str(key)")
        if name == "__metadata__":
            raise SafetensorsTypeError(f"{where}: the name '__metadata__' is the header's "
                                       f"metadata slot\n  hint: pass it as metadata=")
        if isinstance(t, Tensor):
            dt = t.dtype
            host = t._host()
        elif isinstance(t, np.ndarray):
            host = t
            try:
                dt = D.BY_NUMPY[host.dtype.newbyteorder("=")]
            except KeyError:
                dt = None
        else:
            raise SafetensorsTypeError(f"{where} is a {type(t).__name__}; expected a trueno "
                                       f"or NumPy array\n  hint: trueno.asarray(value)")
        if dt not in DTYPE_CODES:
            raise DTypeError(f"{where}: dtype {dt or host.dtype} has no safetensors code "
                             f"(the format has {', '.join(sorted(_BY_CODE))})\n  hint: "
                             f"complex128 as two float64 tensors (real, imag), or cast")
        host = host if host.flags.c_contiguous else host.copy(order="C")  # keeps 0-d
        if not host.dtype.isnative:
            host = host.astype(host.dtype.newbyteorder("="))
        if not _LITTLE and host.dtype.itemsize > 1:
            host = host.byteswap()  # the data little-endian; the dtype stays native
        out[name] = host
    return out


def _header(arrays: dict[str, np.ndarray], metadata, func: str) -> bytes:
    head: dict[str, object] = {}
    if metadata is not None:
        if not isinstance(metadata, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise SafetensorsTypeError(f"{func}: metadata must be a dict of str -> str, got "
                                       f"{metadata!r}\n  hint: json.dumps(value) for "
                                       f"structured values")
        head["__metadata__"] = dict(metadata)
    offset = 0
    for name in _layout(arrays):
        a = arrays[name]
        head[name] = {"dtype": _code(a), "shape": list(a.shape),
                      "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    text = json.dumps(head, separators=(",", ":"), ensure_ascii=False).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text


def _code(a: np.ndarray) -> str:
    return DTYPE_CODES[D.BY_NUMPY[a.dtype.newbyteorder("=")]]


def _layout(arrays: dict[str, np.ndarray]) -> list[str]:
    """The names in file order: the reference writer's dtype order, then by name."""
    return sorted(arrays, key=lambda n: (-_RANK[_code(arrays[n])], n))


def _write_arrays(f, header: bytes, arrays: dict[str, np.ndarray]) -> None:
    f.write(header)
    for name in _layout(arrays):
        a = arrays[name]
        if a.size:
            f.write(a.reshape(-1).view(np.uint8).data)


# --- reading ---------------------------------------------------------------------------------
def load(data: bytes, device: str = "cpu", *, framework: str = "np") -> dict[str, Tensor]:
    """The tensors of the safetensors bytes ``data``, as trueno arrays on ``device``
    (``framework="pt"``: tensors of the PyTorch face, as ``safetensors.torch.load``)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise SafetensorsTypeError(f"load(data): data is a {type(data).__name__}; expected "
                                   f"bytes\n  hint: load_file(path) reads a file")
    f = io.BytesIO(data)
    with _Reader(f, len(data), "<bytes>", "load", _face(framework), device) as r:
        return {name: r.get_tensor(name) for name in r.keys()}


def load_file(filename: str | os.PathLike, device: str = "cpu", *,
              framework: str = "np") -> dict[str, Tensor]:
    """The tensors of the safetensors file ``filename``, as trueno arrays on ``device``
    (``framework="pt"``: tensors of the PyTorch face, as ``safetensors.torch.load_file``).

    Raises ``trueno.FormatError`` (a ``ValueError``) for a file that is not valid
    safetensors, naming the file and the tensor, and ``FileNotFoundError`` for a missing one.

    Examples
    --------
    >>> import os, tempfile, trueno as tn
    >>> path = os.path.join(tempfile.mkdtemp(), "w.safetensors")
    >>> save_file({"b": tn.arange(3, dtype=tn.int64)}, path)
    >>> load_file(path)["b"].tolist()
    [0, 1, 2]
    """
    with safe_open(filename, framework=framework, device=device) as r:
        return {name: r.get_tensor(name) for name in r.keys()}


def save_model(model, filename: str | os.PathLike,
               metadata: Mapping[str, str] | None = None) -> None:
    """Save ``model.state_dict()`` to a safetensors file (``safetensors.torch.save_model``)."""
    save_file(dict(model.state_dict()), filename, metadata=metadata)


def load_model(model, filename: str | os.PathLike, strict: bool = True,
               device: str = "cpu"):
    """Load a safetensors state dict into ``model`` (``safetensors.torch.load_model``);
    returns what ``model.load_state_dict`` returns (the missing and unexpected keys)."""
    return model.load_state_dict(load_file(filename, device, framework="pt"), strict=strict)


@contextlib.contextmanager
def safe_open(filename: str | os.PathLike, framework: str = "np",
              device: str = "cpu") -> Iterator[_Reader]:
    """Open a safetensors file to read its names, metadata and single tensors lazily.

    ``framework`` is ``"np"``/``"numpy"`` (trueno arrays, the NumPy face) or
    ``"pt"``/``"torch"`` (tensors of the PyTorch face, ``trueno.torch.Tensor``).

    Examples
    --------
    >>> import os, tempfile, trueno as tn
    >>> path = os.path.join(tempfile.mkdtemp(), "w.safetensors")
    >>> save_file({"a": tn.zeros(2), "b": tn.ones(3)}, path, metadata={"step": "7"})
    >>> with safe_open(path) as f:
    ...     f.keys(), f.metadata(), f.get_tensor("b").tolist()
    (['a', 'b'], {'step': '7'}, [1.0, 1.0, 1.0])
    """
    cls = _face(framework)
    name = display_name(filename)
    with open(filename, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        with _Reader(f, size, name, "load_file", cls, device) as r:
            yield r


def _face(framework: str):
    """The tensor class of a ``framework`` name."""
    if framework in ("np", "numpy"):
        return default_class()
    if framework in ("pt", "torch"):
        from ..torch import Tensor
        return Tensor
    raise SafetensorsTypeError(f"framework={framework!r}: expected 'np' or 'pt'\n  hint: "
                               f"framework='pt' gives trueno.torch tensors")


class _Reader:
    """The validated header of one safetensors buffer, and its tensors on demand."""

    def __init__(self, f, size: int, name: str, func: str, cls=None, device="cpu") -> None:
        self._f = f
        self._name = name
        self._func = func
        self._cls = cls or default_class()
        self._device = device
        self._entries, self._metadata, self._start = _parse(f, size, self._where())

    def _where(self, tensor: str | None = None) -> str:
        return f"{self._func}({self._name})" + ("" if tensor is None else f": tensor {tensor!r}")

    def __enter__(self) -> _Reader:
        return self

    def __exit__(self, *exc) -> None:
        self._f = None

    def keys(self) -> list[str]:
        """The tensor names, sorted."""
        return sorted(self._entries)

    def metadata(self) -> dict[str, str] | None:
        """The header's ``__metadata__`` (None when it has none)."""
        return None if self._metadata is None else dict(self._metadata)

    def get_tensor(self, name: str) -> Tensor:
        """The tensor ``name``, read from the file."""
        return self.tensor(name, self._device)

    def get_slice(self, name: str) -> _Slice:
        """A lazy tensor ``name``: ``get_shape()``, ``get_dtype()``, and indexing that reads
        only the rows of the first axis it needs (``f.get_slice("w")[2:4]``)."""
        self._entry(name)
        return _Slice(self, name)

    def tensor(self, name: str, device) -> Tensor:
        shape = self._entry(name)[1]
        return _place(self._cls, self.rows(name, 0, shape[0] if shape else 1), device)

    def _entry(self, name: str):
        if self._f is None:
            raise FormatError(f"{self._where(name)}: the file is closed\n  hint: read "
                              f"tensors inside the 'with safe_open(...)' block")
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            raise KeyError(f"{self._where()}: no tensor named {name!r}; the file has "
                           f"{self.keys()[:10]}") from None

    def rows(self, name: str, first: int, last: int) -> np.ndarray:
        """Rows ``first:last`` of the first axis of tensor ``name`` (all of a 0-d one)."""
        dt, shape, begin, end = self._entry(name)
        row = math.prod(shape[1:]) * dt.numpy.itemsize
        nbytes = (last - first) * row if shape else end - begin
        host = np.empty(nbytes // dt.numpy.itemsize,
                        dtype=np.uint8 if dt is D.bool_ else dt.numpy)
        self._f.seek(self._start + begin + first * row)
        got = self._f.readinto(host.view(np.uint8)) if host.size else 0
        if got != nbytes:
            raise FormatError(f"{self._where(name)}: the file ended after {got} of "
                              f"{nbytes} bytes\n  hint: the file is truncated; save it again")
        if dt is D.bool_:
            host = host != 0
        elif not _LITTLE and host.dtype.itemsize > 1:
            host = host.byteswap()
        return host.reshape((last - first, *shape[1:]) if shape else ())


class _Slice:
    """``safe_open(...).get_slice(name)``: a tensor read on indexing, rows at a time."""

    def __init__(self, reader: _Reader, name: str) -> None:
        self._r = reader
        self._name = name

    def get_shape(self) -> list[int]:
        return list(self._r._entry(self._name)[1])

    def get_dtype(self) -> str:
        return DTYPE_CODES[self._r._entry(self._name)[0]]

    def __getitem__(self, key) -> Tensor:
        shape = self._r._entry(self._name)[1]
        key = key if isinstance(key, tuple) else (key,)
        first = key[0] if key else slice(None)
        if shape and isinstance(first, (int, np.integer)) and not isinstance(first, bool):
            i = int(first) + shape[0] if first < 0 else int(first)
            if not 0 <= i < shape[0]:
                raise IndexError(f"get_slice({self._name!r})[{first}]: index out of range "
                                 f"for an axis of size {shape[0]}")
            host = self._r.rows(self._name, i, i + 1)[(0, *key[1:])]
        elif shape and isinstance(first, slice) and (first.step or 1) > 0:
            start, stop, step = first.indices(shape[0])
            stop = max(start, stop)
            host = self._r.rows(self._name, start, stop)[(slice(None, None, step), *key[1:])]
        else:
            host = self._r.rows(self._name, 0, shape[0] if shape else 1)[key]
        host = np.asarray(host)
        host = np.ascontiguousarray(host) if host.ndim else host.copy()
        return _place(self._r._cls, host, self._r._device)


def _parse(f, size: int, where: str):
    """(entries, metadata, data start) of a safetensors header, validated."""
    hint = "  hint: the file is not safetensors, or it is truncated or corrupt"
    if size < 8:
        raise FormatError(f"{where}: {size} bytes is too short for a safetensors header "
                          f"(8-byte length, then JSON)\n{hint}")
    (n,) = struct.unpack("<Q", f.read(8))
    if n > MAX_HEADER_SIZE:
        raise FormatError(f"{where}: the header length {n} exceeds the limit of "
                          f"{MAX_HEADER_SIZE} bytes\n{hint}")
    if 8 + n > size:
        raise FormatError(f"{where}: the header length {n} runs past the end of the "
                          f"{size}-byte file\n{hint}")
    raw = f.read(n)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FormatError(f"{where}: the header is not UTF-8 text\n{hint}") from None
    if not text.startswith("{"):
        raise FormatError(f"{where}: the header does not start with '{{'\n{hint}")
    try:
        head = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except (ValueError, RecursionError) as e:
        raise FormatError(f"{where}: the header is not valid JSON ({e})\n{hint}") from None
    if not isinstance(head, dict):
        raise FormatError(f"{where}: the header is not a JSON object\n{hint}")
    metadata = head.pop("__metadata__", None)
    if metadata is not None and not (isinstance(metadata, dict) and all(
            isinstance(v, str) for v in metadata.values())):
        raise FormatError(f"{where}: __metadata__ must map str -> str, got "
                          f"{str(metadata)[:80]}\n{hint}")
    entries = {name: _entry(info, f"{where}: tensor {name!r}", hint)
               for name, info in head.items()}
    data_size = size - 8 - n
    end = 0
    for name, (_, _, b, e) in sorted(entries.items(), key=lambda kv: (kv[1][2], kv[1][3])):
        if b != end:
            what = "overlaps the previous tensor" if b < end else "leaves a hole after the " \
                "previous tensor"
            raise FormatError(f"{where}: tensor {name!r}: data_offsets [{b}, {e}] {what} "
                              f"(which ends at {end})\n{hint}")
        end = e
    if end != data_size:
        raise FormatError(f"{where}: the tensors cover {end} bytes but the file has "
                          f"{data_size} bytes of data after the header\n{hint}")
    return entries, metadata, 8 + n


def _entry(info, where: str, hint: str):
    if not isinstance(info, dict) or not {"dtype", "shape", "data_offsets"} <= info.keys():
        raise FormatError(f"{where}: expected an object with dtype, shape and data_offsets, "
                          f"got {str(info)[:80]}\n{hint}")
    code, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    if code in _FOREIGN:
        raise DTypeError(f"{where}: dtype {code} has no trueno dtype\n  hint: convert the "
                         f"file's float8/float6/float4 tensors to F16/BF16/F32 first")
    if code not in _BY_CODE:
        raise FormatError(f"{where}: unknown dtype {code!r}\n{hint}")

    def ints(v) -> bool:
        return isinstance(v, list) and all(
            isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in v)

    if not ints(shape):
        raise FormatError(f"{where}: shape must be a list of non-negative ints, got "
                          f"{shape!r}\n{hint}")
    if not ints(offsets) or len(offsets) != 2 or offsets[0] > offsets[1]:
        raise FormatError(f"{where}: data_offsets must be [begin, end] with 0 <= begin <= "
                          f"end, got {offsets!r}\n{hint}")
    dt = _BY_CODE[code]
    nbytes = math.prod(shape) * dt.numpy.itemsize
    if nbytes != offsets[1] - offsets[0]:
        raise FormatError(f"{where}: {code} of shape {tuple(shape)} needs {nbytes} bytes but "
                          f"data_offsets {offsets} hold {offsets[1] - offsets[0]}\n{hint}")
    return dt, tuple(shape), offsets[0], offsets[1]


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise ValueError(f"the name {dup!r} appears twice")
    return dict(pairs)


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")
