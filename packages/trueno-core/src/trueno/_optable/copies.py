"""Casts, copies and device transfers: primitives every device implements, with no NumPy twin
(shape "custom": they sit on the hot path, where core builds the result itself)."""

from __future__ import annotations

from ._row import Op, add_op

add_op(Op("copy_", 2, accepts="any", shape="custom", differentiable=False, numpy_name=None,
          primitive=True, sig="dst, src, /"))
add_op(Op("astype", 1, accepts="any", shape="custom", numpy_name=None, primitive=True,
          sig="x, dtype: DType, /"))
add_op(Op("contiguous", 1, accepts="any", shape="custom", numpy_name=None, primitive=True))
add_op(Op("to_device", 1, accepts="any", shape="custom", numpy_name=None, primitive=True,
          sig="x, /, *, device: Device"))
