"""The bytes of a TensorBoard event file: TFRecord framing with masked CRC32C checksums, and
the protobuf messages (``Event``, ``Summary``, ``HistogramProto``, ``TensorProto``, ...)
encoded by hand from their ``.proto`` field numbers, so no protobuf or tensorboard package is
needed to write them.

A record is ``uint64 length | uint32 masked_crc32c(length) | data | uint32
masked_crc32c(data)``, all little-endian (tensorflow/core/lib/io/record_writer.cc).
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Iterable

import numpy as np

__all__ = ["crc32c", "masked_crc32c", "record", "Event", "Summary", "Value", "histogram_proto",
           "image_proto", "tensor_proto", "plugin_metadata", "session_log_start"]

_CRC_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1  # Castagnoli, reflected
    _CRC_TABLE.append(_c)
del _i, _c


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli) of ``data``, as TensorFlow's ``crc32c::Value``.

    Examples
    --------
    >>> hex(crc32c(b"123456789"))
    '0xe3069283'
    """
    if len(data) >= 4 * _CHUNK:
        return _crc_chunked(data)
    return _crc_update(0xFFFFFFFF, data) ^ 0xFFFFFFFF


def _crc_update(crc: int, data) -> int:
    table = _CRC_TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


# Large payloads (images): the CRC is linear over GF(2), so the CRCs of many chunks are
# computed side by side with NumPy and combined, crc(A + B) = shift(crc(A), len(B)) ^ crc(B),
# where shift runs the register over len(B) zero bytes (4 byte tables of that linear map).
_CHUNK = 256


@functools.cache
def _shift_tables() -> np.ndarray:
    cols = []
    for bit in range(32):
        c = 1 << bit
        for _ in range(_CHUNK):
            c = _CRC_TABLE[c & 0xFF] ^ (c >> 8)
        cols.append(c)
    b = np.arange(256)
    tables = np.zeros((4, 256), dtype=np.int64)
    for k in range(4):
        for bit in range(8):
            tables[k] ^= np.where(b >> bit & 1, cols[8 * k + bit], 0)
    return tables


def _crc_chunked(data: bytes) -> int:
    n = len(data) // _CHUNK
    chunks = np.frombuffer(data, dtype=np.uint8, count=n * _CHUNK).reshape(n, _CHUNK)
    table = np.asarray(_CRC_TABLE, dtype=np.uint32)
    states = np.zeros(n, dtype=np.uint32)
    for j in range(_CHUNK):
        states = table[(states ^ chunks[:, j]) & 0xFF] ^ (states >> 8)
    t0, t1, t2, t3 = (t.tolist() for t in _shift_tables())
    crc = 0xFFFFFFFF
    for s in states.tolist():
        crc = t0[crc & 0xFF] ^ t1[crc >> 8 & 0xFF] ^ t2[crc >> 16 & 0xFF] ^ t3[crc >> 24] ^ s
    return _crc_update(crc, memoryview(data)[n * _CHUNK:]) ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """TFRecord's masked CRC: rotate right by 15 bits and add 0xa282ead8 (mod 2**32)."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def record(data: bytes) -> bytes:
    """One TFRecord holding ``data``."""
    length = struct.pack("<Q", len(data))
    return (length + struct.pack("<I", masked_crc32c(length)) + data
            + struct.pack("<I", masked_crc32c(data)))


# --- protobuf wire format --------------------------------------------------------------------
def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1  # negative int64s are ten-byte two's complement varints
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _key(field: int, wire: int) -> bytes:
    return _varint(field << 3 | wire)


def _int(field: int, v: int) -> bytes:
    return _key(field, 0) + _varint(int(v))


def _double(field: int, v: float) -> bytes:
    return _key(field, 1) + struct.pack("<d", float(v))


def _float(field: int, v: float) -> bytes:
    return _key(field, 5) + struct.pack("<f", float(v))


def _bytes(field: int, v: bytes | str) -> bytes:
    if isinstance(v, str):
        v = v.encode("utf-8")
    return _key(field, 2) + _varint(len(v)) + v


def _optional_bytes(fields: Iterable[tuple[int, bytes | str | None]]) -> bytes:
    """The length-delimited ``(field, value)`` pairs whose value is given, in order."""
    return b"".join(_bytes(n, v) for n, v in fields if v is not None)


def _packed_doubles(field: int, vs: Iterable[float]) -> bytes:
    vs = list(vs)
    return _bytes(field, struct.pack(f"<{len(vs)}d", *vs)) if vs else b""


# --- messages (field numbers from tensorflow/core/framework/*.proto, util/event.proto) --------
def Event(wall_time: float, step: int = 0, *, file_version: str | None = None,
          summary: bytes | None = None, session_log: bytes | None = None) -> bytes:
    """An ``Event``: wall_time=1 (double), step=2, file_version=3, summary=5, session_log=7."""
    out = _double(1, wall_time)
    if step:
        out += _int(2, step)
    return out + _optional_bytes(((3, file_version), (5, summary), (7, session_log)))


def Summary(values: Iterable[bytes]) -> bytes:
    """A ``Summary``: repeated Value value=1."""
    return b"".join(_bytes(1, v) for v in values)


def Value(tag: str, *, simple_value: float | None = None, image: bytes | None = None,
          histo: bytes | None = None, audio: bytes | None = None, tensor: bytes | None = None,
          metadata: bytes | None = None) -> bytes:
    """A ``Summary.Value``: tag=1, simple_value=2 (float), image=4, histo=5, audio=6,
    tensor=8, metadata=9."""
    out = _bytes(1, tag)
    if simple_value is not None:
        out += _float(2, simple_value)
    return out + _optional_bytes(((4, image), (5, histo), (6, audio), (8, tensor),
                                  (9, metadata)))


def histogram_proto(vmin: float, vmax: float, num: float, total: float, sum_squares: float,
                    bucket_limit: Iterable[float], bucket: Iterable[float]) -> bytes:
    """A ``HistogramProto``: min=1, max=2, num=3, sum=4, sum_squares=5 (doubles),
    bucket_limit=6 and bucket=7 (packed doubles)."""
    return (_double(1, vmin) + _double(2, vmax) + _double(3, num) + _double(4, total)
            + _double(5, sum_squares) + _packed_doubles(6, bucket_limit)
            + _packed_doubles(7, bucket))


def image_proto(height: int, width: int, colorspace: int, png: bytes) -> bytes:
    """A ``Summary.Image``: height=1, width=2, colorspace=3, encoded_image_string=4."""
    return _int(1, height) + _int(2, width) + _int(3, colorspace) + _bytes(4, png)


DT_FLOAT, DT_DOUBLE, DT_STRING = 1, 2, 7


def tensor_proto(dtype: int, shape: tuple[int, ...], *, float_val=(), double_val=(),
                 string_val=()) -> bytes:
    """A ``TensorProto``: dtype=1, tensor_shape=2 (TensorShapeProto: dim=2 {size=1}),
    float_val=5 / double_val=6 (packed), string_val=8."""
    dims = b"".join(_bytes(2, _int(1, n)) for n in shape)
    out = _int(1, dtype) + _bytes(2, dims)
    if float_val:
        vs = list(float_val)
        out += _bytes(5, struct.pack(f"<{len(vs)}f", *vs))
    out += _packed_doubles(6, double_val)
    for s in string_val:
        out += _bytes(8, s)
    return out


def plugin_metadata(plugin_name: str, content: bytes = b"") -> bytes:
    """A ``SummaryMetadata`` with plugin_data=1 (PluginData: plugin_name=1, content=2)."""
    data = _bytes(1, plugin_name) + (_bytes(2, content) if content else b"")
    return _bytes(1, data)


def session_log_start() -> bytes:
    """A ``SessionLog`` with status=1 START: TensorBoard drops the steps after it."""
    return _int(1, 1)
