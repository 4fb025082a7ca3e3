"""Reading a PyTorch zip archive with a restricted unpickler (``torch.load``'s back half).

``find_class`` admits only the allow-list (the rebuild functions of plain tensors, the storage
types, dtypes, ``torch.Size``, ``collections.OrderedDict`` and a few builtins); anything else
raises :class:`UnpicklingError` before it is imported, so nothing in a file runs code. While
the pickle runs, tensors, storages and dtypes are immutable placeholders (tuple subclasses
without ``__dict__``), so ``BUILD``/``SETITEMS`` records cannot reach trueno's objects; the
result is then rebuilt from plain containers, and anything that is not a tensor, a container
or a plain scalar is refused.
"""

from __future__ import annotations

import io
import pickle
import sys
import zipfile
from collections import OrderedDict

import numpy as np

from .. import _dtypes as D
from .. import _dispatch as X
from .._device import CPU, Device
from .._errors import FormatError, TruenoError
from . import _dtype as _T
from ._tensor import Size, Tensor

__all__ = ["STORAGE_DTYPES", "V3_DTYPES", "SerializationError", "UnpicklingError",
           "UnsupportedArgumentError", "load_archive"]

# torch storage class name <-> dtype (torch/storage.py _dtype_to_storage_type_map)
STORAGE_DTYPES = {
    "FloatStorage": D.float32, "DoubleStorage": D.float64, "HalfStorage": D.float16,
    "BFloat16Storage": D.bfloat16, "ByteStorage": D.uint8, "CharStorage": D.int8,
    "ShortStorage": D.int16, "IntStorage": D.int32, "LongStorage": D.int64,
    "BoolStorage": D.bool_, "ComplexFloatStorage": D.complex64,
    "ComplexDoubleStorage": D.complex128,
}
# dtypes torch writes with an UntypedStorage and _rebuild_tensor_v3 (torch.storage._new_dtypes)
V3_DTYPES = (D.uint16, D.uint32, D.uint64)
_TORCH_DTYPES = {d.name: d for d in D.ALL}
_SCALARS = (type(None), bool, int, float, complex, str, bytes)


class SerializationError(FormatError, RuntimeError):
    """A file that is not a readable PyTorch archive (corrupt, truncated, tampered, legacy).
    A ``RuntimeError`` as PyTorch's reader raises for these."""


class UnpicklingError(SerializationError, pickle.UnpicklingError):
    """A ``data.pkl`` (or bare pickle) that trueno refuses to unpickle: a global outside the
    allow-list, or a record that is not a tensor or container. PyTorch's ``weights_only`` load
    raises ``pickle.UnpicklingError`` for these."""


class UnsupportedArgumentError(TruenoError, ValueError, TypeError):
    """An argument of ``torch.save``/``torch.load`` that trueno does not support."""


# --- placeholders: what the pickle sees of trueno's objects ---------------------------------
class _Ref(tuple):
    """Immutable: no ``__dict__``, no item assignment, so pickle records cannot change it."""

    __slots__ = ()


class _StorageType(_Ref):
    """``torch.FloatStorage`` etc.: (name, dtype), dtype None for ``UntypedStorage``."""

    __slots__ = ()


class _StorageRef(_Ref):
    """A loaded storage: (key,)."""

    __slots__ = ()


class _TensorRef(_Ref):
    """A tensor to build: (index into the loader's records,)."""

    __slots__ = ()


class _DTypeRef(_Ref):
    __slots__ = ()


class _SizeRef(_Ref):
    __slots__ = ()


class _DeviceRef(_Ref):
    """``torch.device(type[, index])``: (type, index or None)."""

    __slots__ = ()


class _Call:
    """An allow-listed function; attributes cannot be set from a pickle."""

    __slots__ = ("_fn",)

    def __init__(self, fn) -> None:
        object.__setattr__(self, "_fn", fn)

    def __setattr__(self, name, value):
        raise AttributeError(f"cannot set {name!r}")

    def __call__(self, *args):
        return self._fn(*args)


# --- the archive -----------------------------------------------------------------------------
def load_archive(zf: zipfile.ZipFile, name: str, place, pickle_load_args: dict, size: int):
    """The object in the open archive ``zf`` of ``size`` bytes; ``place(location) -> Device``."""
    infos = {i.filename: i for i in zf.infolist()}
    if not infos:
        raise SerializationError(f"torch.load({name}): the zip archive is empty")
    first = next(iter(infos))
    if "/" not in first:
        raise SerializationError(
            f"torch.load({name}): the archive's first record {first!r} is not in a folder, so "
            f"it is not a PyTorch file\n  hint: torch.load reads files written by torch.save")
    prefix = first.split("/", 1)[0] + "/"
    if prefix + "constants.pkl" in infos:
        raise SerializationError(
            f"torch.load({name}): the file is a TorchScript archive (torch.jit.save), which "
            f"trueno does not load\n  hint: in PyTorch, torch.save(model.state_dict(), path)")
    loader = _Loader(zf, infos, prefix, name, place, size)
    pkl = loader.record("data.pkl")
    version = loader.record("version", optional=True)
    if version is None:
        version = loader.record(".data/version", optional=True)
    if version is None or not version.strip().isdigit():
        raise SerializationError(
            f"torch.load({name}): the archive has no valid version record ({prefix}version); "
            f"it is truncated or was not written by torch.save")
    order = loader.record("byteorder", optional=True)
    if order not in (None, b"little", b"big"):
        raise SerializationError(f"torch.load({name}): unknown byte order {order!r}")
    loader.swap = order is not None and order.decode() != sys.byteorder
    unpickler = _RestrictedUnpickler(io.BytesIO(pkl), loader, **pickle_load_args)
    try:
        result = unpickler.load()
    except TruenoError:
        raise
    except Exception as exc:  # anything a malformed pickle makes the unpickler raise
        raise UnpicklingError(
            f"torch.load({name}): data.pkl is corrupt or holds something other than tensors "
            f"and containers ({type(exc).__name__}: {exc})") from None
    try:
        return loader.materialize(result, {})
    except TruenoError:
        raise
    except (RecursionError, TypeError) as exc:  # nested too deeply, an unhashable key
        raise UnpicklingError(f"torch.load({name}): the object in data.pkl cannot be rebuilt "
                              f"({type(exc).__name__}: {exc})") from None


class _Loader:
    def __init__(self, zf, infos, prefix, name, place, size) -> None:
        self.zf, self.infos, self.prefix, self.name, self.place = zf, infos, prefix, name, place
        self.archive_size = size
        self.swap = False
        self.storages: dict[str, tuple] = {}  # key -> (raw uint8 array, dtype, version, location)
        self.records: list[tuple] = []
        self.tensors: dict[int, Tensor] = {}

    def fail(self, what: str, cls=SerializationError) -> TruenoError:
        return cls(f"torch.load({self.name}): {what}")

    def record(self, rec: str, optional: bool = False) -> bytes | None:
        info = self.infos.get(self.prefix + rec)
        if info is None:
            if optional:
                return None
            raise self.fail(f"the archive has no record {self.prefix}{rec}; it is truncated "
                            f"or was not written by torch.save")
        self._fits(info)
        return self._read(info, np.empty(info.file_size, np.uint8)).tobytes()

    def _read(self, info, out: np.ndarray) -> np.ndarray:
        # NOTE: sizes are checked against the archive before ``out`` is allocated by callers
        # through _fits, so that a record claiming gigabytes cannot make us allocate them.
        try:
            with self.zf.open(info) as r:
                view, done = memoryview(out), 0
                while done < out.nbytes:
                    n = r.readinto(view[done:])
                    if not n:
                        break
                    done += n
                if done < out.nbytes or r.read(1):
                    raise zipfile.BadZipFile(f"{done} bytes read, {out.nbytes} expected")
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError) as exc:
            raise self.fail(f"record {info.filename} is truncated or corrupt ({exc})") from None
        except Exception as exc:  # zlib.error, NotImplementedError (compression), ...
            raise self.fail(f"record {info.filename} cannot be read ({type(exc).__name__}: "
                            f"{exc})") from None
        return out

    def _fits(self, info) -> None:
        """Refuse a record whose sizes the archive cannot hold (before allocating them)."""
        if info.compress_type == zipfile.ZIP_STORED:
            bad = info.compress_size != info.file_size
        else:  # deflate expands at most ~1032x: more is a zip bomb or a lie
            bad = info.file_size > 1100 * max(info.compress_size, 1)
        if bad or info.header_offset + info.compress_size > self.archive_size:
            raise self.fail(f"record {info.filename} claims {info.file_size} bytes, which the "
                            f"archive of {self.archive_size} bytes cannot hold; it is truncated "
                            f"or was tampered with")

    # -- persistent ids: storages ----------------------------------------------------------
    def storage(self, pid) -> _StorageRef:
        if type(pid) is not tuple or len(pid) != 5 or pid[0] not in ("storage", b"storage"):
            raise self.fail(f"unexpected persistent id {pid!r:.200}; trueno loads only "
                            f"('storage', type, key, location, numel)", UnpicklingError)
        _, stype, key, location, numel = pid
        if isinstance(key, bytes):
            key = key.decode("ascii", "replace")
        if isinstance(location, bytes):
            location = location.decode("ascii", "replace")
        if type(stype) is not _StorageType or type(key) is not str or \
                type(location) is not str or type(numel) is not int or numel < 0:
            raise self.fail(f"malformed storage record {pid!r:.200}", UnpicklingError)
        dtype = stype[1]
        nbytes = numel * (1 if dtype is None else dtype.itemsize)
        have = self.storages.get(key)
        if have is not None:
            if have[1] is not dtype or have[0].nbytes != nbytes:
                raise self.fail(f"storage {key} is referenced as {stype[0]} of {numel} elements "
                                f"and differently elsewhere; the archive was tampered with")
            return _StorageRef((key,))
        rec = f"{self.prefix}data/{key}"
        info = self.infos.get(rec)
        if info is None:
            raise self.fail(f"the storage record {rec} is missing; the archive is truncated or "
                            f"was tampered with")
        if info.file_size != nbytes:
            raise self.fail(f"the storage record {rec} holds {info.file_size} bytes, but "
                            f"data.pkl says {numel} x {stype[0]} = {nbytes} bytes; the archive "
                            f"was tampered with or is truncated")
        self._fits(info)
        raw = self._read(info, np.empty(nbytes, np.uint8))
        if self.swap and dtype is not None and dtype.itemsize > 1:
            item = dtype.itemsize // (2 if dtype.kind == "c" else 1)
            raw.view(f"u{item}").byteswap(inplace=True)
        self.storages[key] = (raw, dtype, [0], location)
        return _StorageRef((key,))

    # -- the allow-listed functions --------------------------------------------------------
    def rebuild_v2(self, storage, offset, size, stride, requires_grad, hooks=None,
                   metadata=None) -> _TensorRef:
        if type(storage) is not _StorageRef:
            raise self.fail("_rebuild_tensor_v2 got something other than a storage",
                            UnpicklingError)
        dtype = self.storages[storage[0]][1]
        if dtype is None:
            raise self.fail("_rebuild_tensor_v2 got an untyped storage", UnpicklingError)
        return self._add(storage[0], dtype, offset, size, stride, requires_grad, hooks, metadata)

    def rebuild_v3(self, storage, offset, size, stride, requires_grad, hooks, dtype,
                   metadata=None) -> _TensorRef:
        if type(storage) is not _StorageRef or type(dtype) is not _DTypeRef:
            raise self.fail("_rebuild_tensor_v3 needs a storage and a dtype", UnpicklingError)
        return self._add(storage[0], dtype[0], offset, size, stride, requires_grad, hooks,
                         metadata)

    def rebuild_parameter(self, data, requires_grad, hooks=None) -> _TensorRef:
        if type(data) is not _TensorRef or type(requires_grad) is not bool:
            raise self.fail("_rebuild_parameter needs a tensor and a flag", UnpicklingError)
        arr, dtype, key, _, meta = self.records[data[0]]
        if requires_grad and dtype.kind not in "fc":
            raise self.fail(f"a {dtype.name} parameter requires grad", UnpicklingError)
        self.records.append((arr, dtype, key, requires_grad, meta))
        return _TensorRef((len(self.records) - 1,))

    def _add(self, key, dtype, offset, size, stride, requires_grad, hooks, metadata):
        raw, sdtype, _, _ = self.storages[key]
        if type(size) is _SizeRef:
            size = size[0]
        if type(offset) is not int or type(size) is not tuple or type(stride) is not tuple or \
                len(size) != len(stride) or len(size) > 64 or \
                not all(type(v) is int for v in size + stride) or \
                type(requires_grad) is not bool or not (hooks is None or (
                    type(hooks) is OrderedDict and not hooks)):
            raise self.fail(f"malformed tensor record (offset={offset!r:.80}, size="
                            f"{size!r:.80}, stride={stride!r:.80})", UnpicklingError)
        if requires_grad and dtype.kind not in "fc":
            raise self.fail(f"a {dtype.name} tensor record requires grad; only floating "
                            f"point and complex tensors can", UnpicklingError)
        flags = {}
        if metadata:
            if type(metadata) is not dict or not set(metadata) <= {"conj", "neg"}:
                raise self.fail(f"unknown tensor metadata {metadata!r:.100}", UnpicklingError)
            flags = {k: bool(v) for k, v in metadata.items()}
        item = dtype.itemsize
        if raw.nbytes % item:
            raise self.fail(f"storage {key} of {raw.nbytes} bytes is not a whole number of "
                            f"{dtype.name} elements")
        numel = raw.nbytes // item
        if offset < 0 or any(n < 0 for n in size) or any(s < 0 for s in stride):
            raise self.fail(f"negative offset, size or stride in a tensor record (offset="
                            f"{offset}, size={size}, stride={stride})")
        empty = any(n == 0 for n in size)
        last = offset + sum((n - 1) * s for n, s in zip(size, stride))
        if (offset > numel) if empty else (last >= numel):
            raise self.fail(f"a tensor of size {size}, stride {stride} at offset {offset} "
                            f"reaches beyond its storage {key} of {numel} elements; the "
                            f"archive was tampered with")
        if empty:
            arr = np.empty(size, dtype.numpy)
        else:
            arr = np.ndarray(size, dtype.numpy, buffer=raw, offset=offset * item,
                             strides=tuple(s * item for s in stride))
        self.records.append((arr, dtype, key, requires_grad, flags))
        return _TensorRef((len(self.records) - 1,))

    def size(self, dims) -> _SizeRef:
        if type(dims) is not tuple or not all(type(d) is int for d in dims):
            raise self.fail("torch.Size needs a tuple of ints", UnpicklingError)
        return _SizeRef((dims,))

    def device(self, kind, index=None) -> _DeviceRef:
        if type(kind) is not str or not (index is None or type(index) is int):
            raise self.fail("torch.device needs a type string and an optional index",
                            UnpicklingError)
        if index is None and ":" in kind:
            kind, _, idx = kind.partition(":")
            if not idx.isdigit():
                raise self.fail(f"bad device string {kind}:{idx!r:.20}", UnpicklingError)
            index = int(idx)
        return _DeviceRef((kind, index))

    @staticmethod
    def encode(text, encoding="utf-8") -> bytes:
        if type(text) is not str or encoding not in ("latin1", "latin-1"):
            raise pickle.UnpicklingError("_codecs.encode is admitted only for bytes records")
        return text.encode("latin-1")

    # -- after the pickle ran --------------------------------------------------------------
    def tensor(self, i: int) -> Tensor:
        t = self.tensors.get(i)
        if t is not None:
            return t
        arr, dtype, key, requires_grad, flags = self.records[i]
        _, _, version, location = self.storages[key]
        if flags.get("conj"):
            arr = np.conj(arr)
        if flags.get("neg"):
            arr = np.negative(arr)
        t = X.wrap(Tensor, arr, CPU, version if arr.base is not None else None, dtype)
        dev = self.place(location)
        if dev is not CPU:
            t = t.to_device(dev)
        if requires_grad:
            t.requires_grad_(True)
        self.tensors[i] = t
        return t

    def materialize(self, obj, memo: dict):
        """``obj`` with placeholders replaced; refuses everything outside the allow-list."""
        kind = type(obj)
        if kind in _SCALARS:
            return obj
        if kind is _TensorRef:
            return self.tensor(obj[0])
        if kind is _DTypeRef:  # the face's twin: a loaded dtype ``is torch.float16``
            return _T.of(obj[0])
        if kind is _SizeRef:
            return Size(obj[0])
        if kind is _DeviceRef:  # "cuda" is trueno's GPU device, as everywhere on this face
            return CPU if obj[0] == "cpu" else \
                Device("gpu" if obj[0] == "cuda" else obj[0], obj[1])
        got = memo.get(id(obj))
        if got is not None:
            return got
        if kind is tuple:
            out = tuple(self.materialize(v, memo) for v in obj)
        elif kind is list:
            out = memo[id(obj)] = []
            out.extend(self.materialize(v, memo) for v in obj)
        elif kind is dict or kind is OrderedDict:
            out = memo[id(obj)] = kind()
            for k, v in obj.items():
                out[self.materialize(k, memo)] = self.materialize(v, memo)
            for k, v in getattr(obj, "__dict__", {}).items():  # a state_dict's _metadata
                if type(k) is not str or k.startswith("__"):
                    raise self.fail(f"unexpected attribute {k!r:.80} on an OrderedDict",
                                    UnpicklingError)
                setattr(out, k, self.materialize(v, memo))
        elif kind is set or kind is frozenset:
            out = kind(self.materialize(v, memo) for v in obj)
        else:
            what = {_StorageRef: "a bare storage", _StorageType: "a storage type",
                    _Call: "a function"}.get(kind, f"an object of type {kind.__name__}")
            raise self.fail(f"the file holds {what}; trueno loads only tensors, containers "
                            f"and plain values\n  hint: save tensors, not storages or other "
                            f"objects", UnpicklingError)
        memo[id(obj)] = out
        return out


class _RestrictedUnpickler(pickle.Unpickler):
    """``pickle.Unpickler`` whose globals come from the allow-list only."""

    def __init__(self, file, loader: _Loader, **kwargs) -> None:
        super().__init__(file, **kwargs)
        self._loader = loader
        self._allowed = {
            ("torch._utils", "_rebuild_tensor_v2"): _Call(loader.rebuild_v2),
            ("torch._utils", "_rebuild_tensor_v3"): _Call(loader.rebuild_v3),
            ("torch._utils", "_rebuild_parameter"): _Call(loader.rebuild_parameter),
            ("torch", "Size"): _Call(loader.size),
            ("torch", "device"): _Call(loader.device),
            ("torch", "UntypedStorage"): _StorageType(("UntypedStorage", None)),
            ("torch.storage", "UntypedStorage"): _StorageType(("UntypedStorage", None)),
            ("collections", "OrderedDict"): OrderedDict,
            ("builtins", "complex"): complex,
            ("builtins", "set"): set,
            ("builtins", "frozenset"): frozenset,
            ("_codecs", "encode"): _Call(loader.encode),
        }

    def find_class(self, module, name):
        module = "builtins" if module == "__builtin__" else module
        found = self._allowed.get((module, name))
        if found is not None:
            return found
        if module == "torch" and name in STORAGE_DTYPES:
            return _StorageType((name, STORAGE_DTYPES[name]))
        if module == "torch" and name in _TORCH_DTYPES:
            return _DTypeRef((_TORCH_DTYPES[name],))
        raise self._loader.fail(
            f"the file asks for the global {module}.{name}, which is not on trueno's "
            f"allow-list (tensors, storages, dtypes, torch.Size, torch.device, OrderedDict "
            f"and builtin containers, as torch.load(weights_only=True)); nothing in the file "
            f"was run\n"
            f"  hint: if you trust the file, load it in PyTorch and save only tensors and "
            f"containers (e.g. model.state_dict())", UnpicklingError)

    def persistent_load(self, pid):
        return self._loader.storage(pid)
