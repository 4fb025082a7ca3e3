"""``torch.save`` / ``torch.load`` in PyTorch's own file format (torch >= 1.6).

The file is a zip archive (stored, not compressed) of records under one folder:

- ``archive/data.pkl``: a pickle (protocol 2) of the object, in which each tensor is the call
  ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)``
  (``_rebuild_tensor_v3(..., dtype)`` for uint16/32/64) and each storage a persistent id
  ``("storage", torch.FloatStorage, key, location, numel)``;
- ``archive/data/<key>``: the raw bytes of each storage, in the byte order of
  ``archive/byteorder``;
- ``archive/version`` and ``archive/.data/serialization_id``.

Writing emits the pickle opcodes directly (no object of the user's is ever pickled by
Python's pickler, and torch need not be installed). Reading uses a restricted unpickler (the
idea of PyTorch's ``weights_only``): ``find_class`` admits only tensor, storage, dtype and
container records, every other global raises :class:`UnpicklingError`, and nothing in the
file can run code. The loader's own objects are immutable placeholders while the pickle runs,
so that ``BUILD`` records cannot reach trueno's tensors or dtypes.
"""

from __future__ import annotations

import io
import pickle
import sys
import zipfile
from collections import OrderedDict

import numpy as np

from .. import _dtypes as D
from .._device import CPU, Device
from .._errors import DeviceError
from .._io_files import display_name, is_path, writing
from .._tensor import Tensor as _BaseTensor
from ._unpickler import (
    STORAGE_DTYPES, V3_DTYPES, SerializationError, UnpicklingError, UnsupportedArgumentError,
    load_archive,
)
from ._tensor import Size

__all__ = ["save", "load", "SerializationError", "UnpicklingError", "UnsupportedArgumentError"]

_ARCHIVE = "archive"
_ALIGN = 64
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_STAMP = (1980, 1, 1, 0, 0, 0)
_STORAGE_OF = {dt: name for name, dt in STORAGE_DTYPES.items()}

# --- save ------------------------------------------------------------------------------------
def save(obj, f, pickle_module=None, pickle_protocol: int = 2,
         _use_new_zipfile_serialization: bool = True,
         _disable_byteorder_record: bool = False) -> None:
    """Save ``obj`` to ``f`` in PyTorch's zip format; ``torch.load`` reads the file.

    ``obj`` may nest dicts, OrderedDicts, lists, tuples and sets of tensors, ints, floats,
    complex numbers, strings, bytes, bools, None, dtypes, devices and ``torch.Size``. Views of one
    tensor keep sharing their storage, as in PyTorch; a GPU tensor is written as a CPU tensor.

    Parameters
    ----------
    obj : object
        What to save.
    f : str, os.PathLike or binary file object
        Where to save it. A path is written through a temporary file, so a failing save leaves
        the old file (or none) behind.

    Examples
    --------
    >>> import io, trueno.torch as torch
    >>> buf = io.BytesIO()
    >>> torch.save({"w": torch.arange(3)}, buf)
    >>> _ = buf.seek(0)
    >>> torch.load(buf)["w"].tolist()
    [0, 1, 2]
    """
    if pickle_module is not None:
        raise UnsupportedArgumentError(
            "torch.save(pickle_module=...): trueno writes data.pkl itself and takes no pickle "
            "module\n  hint: leave pickle_module out")
    if pickle_protocol != 2:
        raise UnsupportedArgumentError(
            f"torch.save(pickle_protocol={pickle_protocol!r}): trueno writes protocol 2, "
            f"as torch.save does by default\n  hint: leave pickle_protocol out")
    if not _use_new_zipfile_serialization:
        raise UnsupportedArgumentError(
            "torch.save(_use_new_zipfile_serialization=False): trueno does not write the "
            "legacy (pre-1.6) format\n  hint: leave the argument out; torch >= 1.6 reads zip")
    pickler = _Pickler()
    pickler.dump(obj)
    if is_path(f):
        with writing(f) as fh:
            _write_archive(fh, pickler, not _disable_byteorder_record)
    elif hasattr(f, "write"):
        _write_archive(f, pickler, not _disable_byteorder_record)
    else:
        raise UnsupportedArgumentError(
            f"torch.save(obj, f): f must be a path or a binary file object, not "
            f"{type(f).__name__}")


def _write_archive(fh, pickler, byteorder: bool) -> None:
    payload = bytes(pickler.out)
    with zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED) as zf:
        _record(zf, "data.pkl", payload)
        if byteorder:
            _record(zf, "byteorder", sys.byteorder.encode())
        for key, raw in pickler.storages:
            _record(zf, f"data/{key}", raw, aligned=True)
        _record(zf, "version", b"3\n")
        _record(zf, ".data/serialization_id", _serialization_id(payload))


def _record(zf: zipfile.ZipFile, name: str, data, aligned: bool = False) -> None:
    info = zipfile.ZipInfo(f"{_ARCHIVE}/{name}", date_time=_STAMP)
    info.compress_type = zipfile.ZIP_STORED
    info.file_size = len(data) if isinstance(data, bytes) else data.nbytes
    if aligned:  # storages start on 64-byte boundaries, as PyTorch's writer puts them
        try:
            pos = zf.fp.tell()
        except (AttributeError, OSError):
            pos = None
        if pos is not None:
            zip64 = info.file_size * 1.05 > zipfile.ZIP64_LIMIT
            end = pos + 30 + len(info.filename.encode()) + (20 if zip64 else 0)
            pad = -end % _ALIGN
            if pad < 4:
                pad += _ALIGN
            info.extra = b"FB" + (pad - 4).to_bytes(2, "little") + b"Z" * (pad - 4)
    with zf.open(info, "w") as w:
        w.write(data if isinstance(data, bytes) else memoryview(data))


def _serialization_id(payload: bytes) -> bytes:
    import hashlib
    h = hashlib.blake2b(payload, digest_size=16).digest()
    a, b = int.from_bytes(h[:8], "little"), int.from_bytes(h[8:], "little")
    return f"{a:020d}{b:020d}".encode()


class _Pickler:
    """Writes pickle protocol 2 opcodes for the objects torch.save would write."""

    def __init__(self) -> None:
        self.out = bytearray(b"\x80\x02")
        self.memo: dict = {}
        self.keep: list = []  # objects whose id() is a memo key stay alive
        self.storages: list[tuple[str, np.ndarray]] = []
        self._storage_keys: dict = {}
        self._active: set[int] = set()

    def dump(self, obj) -> None:
        self.save(obj)
        self.out += b"."

    # -- memo ------------------------------------------------------------------------------
    def _put(self, key, obj=None) -> None:
        i = len(self.memo)
        self.memo[key] = i
        if obj is not None:
            self.keep.append(obj)
        self.out += b"q" + bytes([i]) if i < 256 else b"r" + i.to_bytes(4, "little")

    def _get(self, key) -> bool:
        i = self.memo.get(key)
        if i is None:
            return False
        self.out += b"h" + bytes([i]) if i < 256 else b"j" + i.to_bytes(4, "little")
        return True

    def _global(self, module: str, name: str) -> None:
        if not self._get(("global", module, name)):
            self.out += b"c" + module.encode() + b"\n" + name.encode() + b"\n"
            self._put(("global", module, name))

    # -- objects ---------------------------------------------------------------------------
    def save(self, obj) -> None:
        out = self.out
        if obj is None:
            out += b"N"
        elif obj is True or obj is False:
            out += b"\x88" if obj else b"\x89"
        elif type(obj) is int:
            if 0 <= obj < 256:
                out += b"K" + bytes([obj])
            elif 0 <= obj < 65536:
                out += b"M" + obj.to_bytes(2, "little")
            elif -(2 ** 31) <= obj < 2 ** 31:
                out += b"J" + obj.to_bytes(4, "little", signed=True)
            else:
                enc = pickle.encode_long(obj)
                out += (b"\x8a" + bytes([len(enc)]) if len(enc) < 256
                        else b"\x8b" + len(enc).to_bytes(4, "little")) + enc
        elif type(obj) is float:
            out += b"G" + np.array(obj, ">f8").tobytes()
        elif type(obj) is str:
            enc = obj.encode("utf-8", "surrogatepass")
            out += b"X" + len(enc).to_bytes(4, "little") + enc
        elif type(obj) is complex:
            self._global("builtins", "complex")
            self.save((obj.real, obj.imag))
            out += b"R"
        elif type(obj) is bytes:  # as Python's protocol 2 writes bytes
            self._global("_codecs", "encode")
            self.save((obj.decode("latin-1"), "latin1"))
            out += b"R"
        elif isinstance(obj, _BaseTensor):
            self._tensor(obj)
        elif isinstance(obj, D.DType):
            self._global("torch", obj.name)
        elif type(obj) is Size:
            self._global("torch", "Size")
            self.save(tuple(obj))
            out += b"\x85R"
        elif type(obj) in (list, dict, OrderedDict, tuple):
            self._container(obj)
        elif isinstance(obj, Device):  # trueno's "gpu" is PyTorch's "cuda"
            self._global("torch", "device")
            kind = "cuda" if obj.type == "gpu" else obj.type
            self.save((kind,) if kind == "cpu" else (kind, obj.index))
            out += b"R"
        elif type(obj) is set:  # as Python's protocol 2 writes a set
            self._global("builtins", "set")
            self.save(list(obj))
            out += b"\x85R"
        else:
            raise UnsupportedArgumentError(
                f"torch.save: cannot save an object of type {type(obj).__module__}."
                f"{type(obj).__qualname__}: trueno writes only what torch.load(weights_only="
                f"True) reads back: tensors, dicts, OrderedDicts, lists, tuples, sets, int, "
                f"float, complex, str, bytes, bool, None, dtypes, devices and torch.Size\n"
                f"  hint: convert it first (int(x) for a NumPy scalar, torch.tensor(x) for an "
                f"array)")

    def _container(self, obj) -> None:
        if self._get(id(obj)):
            return
        if id(obj) in self._active:
            raise UnsupportedArgumentError(
                "torch.save: the object contains itself through a tuple; trueno cannot save "
                "that cycle\n  hint: use a list for the recursive part")
        self._active.add(id(obj))
        out = self.out
        if type(obj) is tuple:
            if len(obj) <= 3:
                for v in obj:
                    self.save(v)
                out += (b")", b"\x85", b"\x86", b"\x87")[len(obj)]
            else:
                out += b"("
                for v in obj:
                    self.save(v)
                out += b"t"
        elif type(obj) is list:
            out += b"]"
            self._put(id(obj), obj)
            for i in range(0, len(obj), 1000):
                out += b"("
                for v in obj[i:i + 1000]:
                    self.save(v)
                out += b"e"
        else:
            if type(obj) is OrderedDict:
                self._global("collections", "OrderedDict")
                out += b")R"
            else:
                out += b"}"
            self._put(id(obj), obj)
            items = list(obj.items())
            for i in range(0, len(items), 1000):
                out += b"("
                for k, v in items[i:i + 1000]:
                    self.save(k)
                    self.save(v)
                out += b"u"
            state = getattr(obj, "__dict__", None)
            if state:  # a state_dict's _metadata, as PyTorch writes it
                self.save(dict(state))
                out += b"b"
        self._active.discard(id(obj))
        if type(obj) is tuple:
            self._put(id(obj), obj)

    def _tensor(self, t) -> None:
        if self._get(id(t)):
            return
        dt = t.dtype
        if dt not in _STORAGE_OF and dt not in V3_DTYPES:
            raise UnsupportedArgumentError(f"torch.save: dtype {dt.name} has no PyTorch storage")
        key, numel, offset, strides = self._storage(t)
        v3 = dt in V3_DTYPES
        self._global("torch._utils", "_rebuild_tensor_v3" if v3 else "_rebuild_tensor_v2")
        self.out += b"((X\x07\x00\x00\x00storage"
        if v3:
            self._global("torch.storage", "UntypedStorage")
            numel *= dt.itemsize
        else:
            self._global("torch", _STORAGE_OF[dt])
        self.save(key)
        self.save("cpu")
        self.save(numel)
        self.out += b"tQ"
        self.save(offset)
        self.save(tuple(t.shape))
        self.save(strides)
        self.save(bool(t.requires_grad))
        self._global("collections", "OrderedDict")
        self.out += b")R"
        if v3:
            self._global("torch", dt.name)
        self.out += b"tR"
        self._put(id(t), t)

    def _storage(self, t):
        """``(key, numel, offset, strides)`` of the storage ``t`` is written with: the whole
        buffer it views when it can be addressed in elements (views keep sharing), else a
        contiguous copy of its own."""
        host = t._data if t._device is CPU else t.cpu()._data
        item = t.dtype.itemsize
        root = host
        while isinstance(root.base, np.ndarray):
            root = root.base
        if host.size and root.flags.c_contiguous and root.nbytes % item == 0:
            start = root.__array_interface__["data"][0]
            delta = host.__array_interface__["data"][0] - start
            span = sum((n - 1) * s for n, s in zip(host.shape, host.strides))
            if delta % item == 0 and all(s >= 0 and s % item == 0 for s in host.strides) and \
                    0 <= delta and delta + span + item <= root.nbytes:
                ident = (id(root), t.dtype)
                key = self._storage_keys.get(ident)
                if key is None:
                    key = self._new_storage(root.reshape(-1).view(np.uint8), ident, root)
                return (key, root.nbytes // item, delta // item,
                        tuple(s // item for s in host.strides))
        flat = np.ascontiguousarray(host).reshape(-1)
        key = self._new_storage(flat.view(np.uint8), None, flat)
        shape = host.shape
        strides = [1] * len(shape)
        for i in range(len(shape) - 2, -1, -1):
            strides[i] = strides[i + 1] * max(shape[i + 1], 1)
        return key, flat.size, 0, tuple(strides)

    def _new_storage(self, raw: np.ndarray, ident, owner) -> str:
        # native byte order, named in the byteorder record (as torch.save does)
        key = str(len(self.storages))
        self.storages.append((key, raw))
        self.keep.append(owner)
        if ident is not None:
            self._storage_keys[ident] = key
        return key


# --- load ------------------------------------------------------------------------------------
def load(f, map_location=None, pickle_module=None, *, weights_only: bool | None = None,
         mmap: bool | None = None, **pickle_load_args):
    """Load an object that ``torch.save`` (PyTorch's or trueno's) wrote to ``f``.

    Only tensors and plain containers are read: the pickle inside the archive goes through an
    allow-list (PyTorch's ``weights_only=True``), and any other record raises
    :class:`UnpicklingError` without running code. Legacy (pre-1.6) files are refused with a
    hint on converting them.

    Parameters
    ----------
    f : str, os.PathLike or binary file object
        The file.
    map_location : None, str, device or dict, optional
        Where tensors go: None keeps the saved location ("cuda" means trueno's GPU device),
        ``"cpu"``/``"cuda"``/a device moves every tensor there, a dict maps saved location
        strings to new ones. A callable is not supported.
    weights_only : bool, optional
        True or None (trueno always loads weights only); False raises.

    Returns
    -------
    object
        The saved object with ``trueno.torch.Tensor`` in place of each tensor.
    """
    if weights_only is False:
        raise UnsupportedArgumentError(
            "torch.load(weights_only=False): trueno never unpickles arbitrary objects, it loads "
            "only tensors and plain containers (what weights_only=True admits)\n  hint: leave "
            "weights_only out, or in PyTorch re-save the file with only tensors and "
            "containers (e.g. model.state_dict())")
    if pickle_module is not None:
        raise UnsupportedArgumentError(
            "torch.load(pickle_module=...): trueno unpickles with its own restricted "
            "unpickler\n  hint: leave pickle_module out")
    if mmap:
        raise UnsupportedArgumentError(
            "torch.load(mmap=True) is not supported by trueno\n  hint: leave mmap out")
    extra = set(pickle_load_args) - {"encoding"}
    if extra:
        raise UnsupportedArgumentError(
            f"torch.load: unexpected keyword arguments {sorted(extra)}; only encoding= is "
            f"passed to the unpickler")
    name = display_name(f)
    place = _placement(map_location, name)
    if is_path(f):
        with open(f, "rb") as fh:
            return _load_stream(fh, name, place, pickle_load_args)
    if not hasattr(f, "read"):
        raise UnsupportedArgumentError(
            f"torch.load(f): f must be a path or a binary file object, not {type(f).__name__}")
    data = f.read()
    if not isinstance(data, (bytes, bytearray)):
        raise UnsupportedArgumentError(
            f"torch.load(f): {name} gave {type(data).__name__}, not bytes\n  hint: open the "
            f"file in binary mode ('rb')")
    return _load_stream(io.BytesIO(data), name, place, pickle_load_args)


def _load_stream(fh, name: str, place, pickle_load_args):
    size = fh.seek(0, 2)
    fh.seek(0)
    head = fh.read(1024)
    fh.seek(0)
    if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        raise _not_an_archive(head, name)
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise SerializationError(
            f"torch.load({name}): the file is not a readable zip archive ({exc}); it is "
            f"truncated or corrupt\n  hint: save it again") from None
    with zf:
        return load_archive(zf, name, place, pickle_load_args, size)


def _not_an_archive(head: bytes, name: str) -> SerializationError:
    legacy_magic = pickle.encode_long(_LEGACY_MAGIC)
    if (head[:1] == b"\x80" and head[2:4] == b"\x8a" + bytes([len(legacy_magic)])
            and head[4:4 + len(legacy_magic)] == legacy_magic) or head[257:262] == b"ustar":
        return SerializationError(
            f"torch.load({name}): the file is in PyTorch's legacy (pre-1.6, non-zip) format, "
            f"which trueno does not read\n  hint: convert it in PyTorch: torch.save(torch.load("
            f"path, weights_only=True), new_path) writes the zip format trueno loads")
    if head[:1] == b"\x80":
        return UnpicklingError(
            f"torch.load({name}): the file is a bare pickle, not a PyTorch zip archive; trueno "
            f"does not unpickle it (a pickle can run arbitrary code)\n  hint: save with "
            f"torch.save (torch >= 1.6) to get the zip format")
    return SerializationError(
        f"torch.load({name}): not a PyTorch file (no zip archive; the file starts with "
        f"{head[:8]!r})\n  hint: torch.load reads files written by torch.save")


def _placement(map_location, name: str):
    """A function ``saved location string -> Device`` for ``map_location``."""
    if map_location is None:
        where = _device_of
    elif isinstance(map_location, dict):
        table = {str(k): _device_of(v) for k, v in map_location.items()}
        where = lambda loc: table[loc] if loc in table else _device_of(loc)  # noqa: E731
    elif callable(map_location) and not isinstance(map_location, (str, Device)) and \
            not hasattr(map_location, "type"):
        raise UnsupportedArgumentError(
            "torch.load(map_location=<callable>): a function as map_location is not supported "
            "by trueno\n  hint: pass 'cpu', 'cuda', a device or a dict of locations")
    else:
        dev = _device_of(map_location)
        where = lambda loc: dev  # noqa: E731
    checked: dict = {}

    def place(location: str) -> Device:
        dev = checked.get(location)
        if dev is None:
            dev = where(location)
            if dev.type == "gpu" and dev.index >= _gpu_count():
                raise DeviceError(
                    f"torch.load({name}): attempting to load tensors saved on {location!r} "
                    f"onto trueno's {dev} ('cuda'), but there is no such GPU device\n  hint: "
                    f"torch.load(..., map_location='cpu')")
            checked[location] = dev
        return dev
    return place


def _device_of(spec) -> Device:
    if isinstance(spec, Device):
        return spec
    if not isinstance(spec, str):
        kind, index = getattr(spec, "type", None), getattr(spec, "index", None)
        if not isinstance(kind, str):
            raise UnsupportedArgumentError(
                f"torch.load: map_location must be a string, a device or a dict, not "
                f"{type(spec).__name__}")
        spec = kind if index is None else f"{kind}:{index}"
    kind, _, idx = spec.partition(":")
    if kind not in ("cpu", "cuda", "gpu") or (idx and not idx.isdigit()):
        raise UnsupportedArgumentError(
            f"torch.load: location {spec!r} is not a device trueno has\n  hint: "
            f"map_location='cpu'")
    if kind == "cpu":
        return CPU
    return Device("gpu", int(idx) if idx else 0)


def _gpu_count() -> int:
    try:
        from .._registry import load_plugins
        api = load_plugins().devices.get("gpu")
        return 0 if api is None else api.device_count()
    except Exception:  # no adapter or no driver: no GPU
        return 0
