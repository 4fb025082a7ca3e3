"""How each NumPy dtype lives in a wgpu buffer and which WGSL type computes with it.

WGSL has 32-bit scalars (and ``f16`` behind the ``shader-f16`` feature), so the GPU keeps:

=========  ==============  ============  ===========================================
dtype      stored as       computed as   on the way in / out
=========  ==============  ============  ===========================================
float32    f32             f32           as is
float16    f16             f32           as is (needs the adapter's ``shader-f16``)
bfloat16   f32             f32           widened on upload; every store rounds the f32
                                         to the nearest bfloat16 (ties to even)
int32      i32             i32           as is
uint32     u32             u32           as is
int8/16    i32             i32           widened on upload; every store wraps to 8/16 bits
uint8/16   u32             u32           widened on upload; every store masks to 8/16 bits
bool       u32 (0 or 1)    u32           widened on upload
=========  ==============  ============  ===========================================

int64, uint64 and float64 live in i64 / u64 / f64 where the adapter has the ``shader-int64``
and ``shader-f64`` features (lavapipe and NVIDIA do; Metal does not). float64 gets only the
kernels that lower exactly (arithmetic, sqrt, rounding, comparisons, reductions, matmul,
sort, indexing): naga accepts ``exp(f64)`` but the SPIR-V it emits computes garbage, so
transcendental ops have no float64 kernel and core's error says which dtypes do.

==========  ==============  ============  ==========================================
complex64   vec2<f32>       vec2<f32>     as is (interleaved float32: re, im)
complex128  vec2<f64>       vec2<f64>     as is (interleaved float64; needs ``shader-f64``)
==========  ==============  ============  ==========================================

Element strides and offsets count whole complex elements. The complex dtypes are kept out of
``ALL_DTYPES`` (the real kernel families iterate it): they are ``COMPLEX_DTYPES``, with their
kernels in ``_complex`` and ``_fft``. complex128 computes only + - * / sqrt in f64 (naga
mis-lowers f64 transcendentals); FFT twiddles come from host-side float64 tables.
Note: differs from NumPy: narrow integer and bool tensors use 4 bytes per element on the GPU.
Note: differs from NumPy: on adapters whose f32 arithmetic flushes subnormals to zero
(NVIDIA's Vulkan driver; lavapipe keeps them) float32 and bfloat16 kernels read and produce
subnormal values as zero (float16 subnormals are normal numbers in the f32 it computes in).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

try:  # bfloat16 is optional: ml_dtypes provides NumPy's bfloat16 dtype
    import ml_dtypes

    BFLOAT16 = np.dtype(ml_dtypes.bfloat16)
except ImportError:  # pragma: no cover - depends on the environment
    BFLOAT16 = None

__all__ = ["DType", "dtype_info", "acc_dtype", "lit", "ALL_DTYPES", "FLOAT_DTYPES", "INT_DTYPES",
           "COMPLEX_DTYPES", "BFLOAT16", "WIDE", "real_dtype"]

WIDE = ("f64", "i64", "u64")
_ACC = {"f32": "float32", "f64": "float64", "i32": "int32", "i64": "int64", "u32": "uint32",
        "u64": "uint64"}
_SUFFIX = {"f32": "f", "f64": "lf", "i32": "i", "i64": "li", "u32": "u", "u64": "lu"}


@dataclass(frozen=True)
class DType:
    """The GPU layout of one NumPy dtype."""

    name: str
    storage: str  # WGSL element type in the buffer: f32, f16, i32, u32, vec2<f32>, ...
    compute: str  # WGSL type the kernels compute in: f32, i32, u32, vec2<f32>, ...
    kind: str  # "f" float, "i" signed int, "u" unsigned int, "b" bool, "c" complex
    host: np.dtype  # NumPy dtype of the buffer's bytes (what we upload and download)
    wrap: str = "{}"  # WGSL that narrows a computed value before it is stored

    @property
    def itemsize(self) -> int:
        """Bytes per element in the GPU buffer."""
        return {"f16": 2, "f64": 8, "i64": 8, "u64": 8, "vec2<f32>": 8,
                "vec2<f64>": 16}.get(self.storage, 4)

    @property
    def tkey(self) -> str:
        """Which expression of an op table applies: f (f32 math), d (f64), i / I (i32 / i64),
        u / U (u32 / u64), b (bool), c / z (complex64 / complex128)."""
        return {"f64": "d", "i64": "I", "u64": "U", "vec2<f64>": "z"}.get(self.compute,
                                                                          self.kind)

    @property
    def feature(self) -> str | None:
        """The adapter feature this dtype needs, if any."""
        return {"f16": "shader-f16", "f64": "shader-f64", "i64": "shader-int64",
                "u64": "shader-int64", "vec2<f64>": "shader-f64"}.get(self.storage)

    def store(self, value: str) -> str:
        """WGSL expression that stores compute-typed ``value`` into this dtype's buffer."""
        wrapped = self.wrap.format(value)
        return wrapped if self.storage == self.compute else f"{self.storage}({wrapped})"

    def load(self, value: str) -> str:
        """WGSL expression that turns a stored element into the compute type."""
        return value if self.storage == self.compute else f"{self.compute}({value})"


_TABLE = {
    "float32": DType("float32", "f32", "f32", "f", np.dtype(np.float32)),
    "float16": DType("float16", "f16", "f32", "f", np.dtype(np.float16)),
    "int32": DType("int32", "i32", "i32", "i", np.dtype(np.int32)),
    "uint32": DType("uint32", "u32", "u32", "u", np.dtype(np.uint32)),
    "int16": DType("int16", "i32", "i32", "i", np.dtype(np.int32), "(({}) << 16u) >> 16u"),
    "int8": DType("int8", "i32", "i32", "i", np.dtype(np.int32), "(({}) << 24u) >> 24u"),
    "uint16": DType("uint16", "u32", "u32", "u", np.dtype(np.uint32), "(({}) & 0xFFFFu)"),
    "uint8": DType("uint8", "u32", "u32", "u", np.dtype(np.uint32), "(({}) & 0xFFu)"),
    "bool": DType("bool", "u32", "u32", "b", np.dtype(np.uint32)),
    "float64": DType("float64", "f64", "f64", "f", np.dtype(np.float64)),
    "int64": DType("int64", "i64", "i64", "i", np.dtype(np.int64)),
    "uint64": DType("uint64", "u64", "u64", "u", np.dtype(np.uint64)),
}
if BFLOAT16 is not None:
    _TABLE["bfloat16"] = DType("bfloat16", "f32", "f32", "f", np.dtype(np.float32), "tn_bf16({})")

ALL_DTYPES = tuple(_TABLE)
_TABLE["complex64"] = DType("complex64", "vec2<f32>", "vec2<f32>", "c", np.dtype(np.complex64))
_TABLE["complex128"] = DType("complex128", "vec2<f64>", "vec2<f64>", "c",
                             np.dtype(np.complex128))
COMPLEX_DTYPES = ("complex64", "complex128")
FLOAT_DTYPES = tuple(n for n, d in _TABLE.items() if d.kind == "f")
INT_DTYPES = tuple(n for n, d in _TABLE.items() if d.kind in "iu")


def real_dtype(dt: DType) -> DType:
    """The real DType of a complex one's parts (float32 / float64)."""
    return _TABLE["float64" if dt.compute == "vec2<f64>" else "float32"]


_BY_DTYPE: dict = {}


def dtype_info(dtype) -> DType | None:
    """The GPU layout of ``dtype`` (a NumPy dtype or its name), or None when unsupported."""
    dt = _BY_DTYPE.get(dtype)
    if dt is None:
        dt = _TABLE.get(dtype if isinstance(dtype, str) else np.dtype(dtype).name)
        if dt is not None:
            _BY_DTYPE[dtype] = dt
    return dt


def acc_dtype(compute: str) -> DType:
    """The DType whose storage and compute type are the WGSL type ``compute``."""
    return _TABLE[_ACC[compute]]


def lit(compute: str, value) -> str:
    """A WGSL literal of type ``compute`` (typed, so select() and var inits get the type)."""
    if compute in ("f32", "f64"):
        if value != value:
            return "tn_nan()" if compute == "f32" else "tn_nan64()"
        if value in (float("inf"), float("-inf")):
            inf = "tn_inf()" if compute == "f32" else "tn_inf64()"
            return inf if value > 0 else f"(-{inf})"
        return f"{float(value)!r}{_SUFFIX[compute]}".replace("e+", "e")
    v = int(value)
    if compute in ("i32", "i64") and v < 0:
        return f"({v + 1}{_SUFFIX[compute]} - 1{_SUFFIX[compute]})"
    return f"{v}{_SUFFIX[compute]}"
