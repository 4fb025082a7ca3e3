"""PNG encoding of 8-bit images with zlib only (no PIL): greyscale, RGB or RGBA rows, each
with filter type 0, in one IDAT chunk (the PNG specification, ISO/IEC 15948)."""

from __future__ import annotations

import struct
import zlib

import numpy as np

__all__ = ["encode_png"]

_COLOR_TYPE = {1: 0, 2: 4, 3: 2, 4: 6}  # channels -> grey, grey+alpha, RGB, RGBA


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def encode_png(image: np.ndarray) -> bytes:
    """The PNG bytes of a ``uint8`` image of shape (H, W) or (H, W, C), C in 1..4.

    Examples
    --------
    >>> encode_png(np.zeros((2, 3, 3), dtype=np.uint8))[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
    img = np.asarray(image)
    if img.dtype != np.uint8:
        raise TypeError(f"encode_png: the image has dtype {img.dtype}; expected uint8")
    if img.ndim == 2:
        img = img[:, :, None]
    if img.ndim != 3 or img.shape[2] not in _COLOR_TYPE:
        raise ValueError(f"encode_png: the image has shape {img.shape}; expected (H, W) or "
                         f"(H, W, C) with 1 to 4 channels")
    h, w, c = img.shape
    rows = np.zeros((h, 1 + w * c), dtype=np.uint8)  # filter byte 0 (None) on each row
    rows[:, 1:] = img.reshape(h, w * c)
    header = struct.pack(">IIBBBBB", w, h, 8, _COLOR_TYPE[c], 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)) + _chunk(b"IEND", b""))
