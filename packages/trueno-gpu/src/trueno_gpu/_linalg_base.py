"""Shared plumbing of the linalg kernels: work copies, the WGSL prelude, launching, status.

Every linalg kernel runs one workgroup of ``LWG`` threads per matrix of the batch, on a
contiguous work copy of its input in a storage buffer (row-major, ``n`` the leading
dimension); threads cooperate over rows/columns and meet at ``storageBarrier()``. The
WGSL is written once over ``alias T = f32;`` or ``alias T = f64;`` (float64 kernels use only
+ - * / sqrt abs and comparisons, which naga lowers exactly).
"""

from __future__ import annotations

import math

import numpy as np
from trueno.backend import StridedArray, contiguous_strides

from ._codegen import LINEAR_ID, bcast_strides, header, scalar_bits
from ._elementwise import launch, rt_of

__all__ = ["LWG", "work_copy", "new", "prelude", "run_kernel", "raise_if", "matrix_batch",
           "eps_of", "fill", "scalar_words", "LOG_T", "MAX_LOOP_STEPS", "plan", "waves", "per"]

LWG = 64  # threads per workgroup (one workgroup per matrix)

# Loop iterations (all loops, nested included) one invocation may run in one dispatch.
# Lavapipe (Mesa's llvmpipe Vulkan driver, CI's and CPU-only users' device) silently ends every
# loop of an invocation once 65535 loop iterations in all have run (its loop limiter): no
# error, just wrong results. So every linalg kernel runs in resumable rounds (a range of
# "units": pivot columns, rotation steps, output elements ...; state in storage buffers) that
# the host sizes with ``plan`` from the per-thread loop counts of each unit. The ranges keep
# the order of the operations, so results do not depend on the split; small n is one dispatch.
# (A single unit, e.g. one pivot column of an n x n LU, is never split: the bound holds while
# one unit fits, roughly n <= 1000.)
MAX_LOOP_STEPS = 30000


def per(count: int) -> int:
    """Iterations of ``for (var e = li; e < count; e += WG)`` for the busiest thread."""
    return -(-max(int(count), 0) // LWG)


def waves(count: int, cost: int) -> list[tuple[int, int]]:
    """Blocks for ``count`` independent elements strided over the workgroup, each element
    costing ``cost`` loop iterations: WG elements per block."""
    count = max(int(count), 0)
    return [(min(LWG, count - e), cost + 1) for e in range(0, count, LWG)]


def plan(blocks, fixed: int = 0) -> list[tuple[int, int]]:
    """Unit ranges [lo, hi) of consecutive ``(units, loop iterations)`` blocks, packed so a
    dispatch's busiest thread runs at most MAX_LOOP_STEPS iterations (``fixed`` per dispatch;
    a block is never split). At least one range, so zero blocks still give one dispatch."""
    out = []
    lo = pos = 0
    acc = fixed
    for units, cost in blocks:
        if pos > lo and acc + cost > MAX_LOOP_STEPS:
            out.append((lo, pos))
            lo, acc = pos, fixed
        acc += cost
        pos += units
    out.append((lo, pos))
    return out

# NOTE: naga accepts log(f64) but the SPIR-V it emits computes garbage, so the float64
# logarithm is built from + - * / on the exponent and mantissa bits: log(m * 2^e) =
# e * ln 2 + 2 atanh((m - 1) / (m + 1)), m in [sqrt(1/2), sqrt(2)), |z| < 0.172 (the series
# reaches 1e-17 by z^29).
_LOG64 = """fn lg(x0: T) -> T {
  if (!(x0 > T(0))) { return select(bitcast<T>(0xfff0000000000000lu), x0, x0 != x0); }
  if (x0 > T(1.7976931348623157e308)) { return x0; }
  var x = x0;
  var e = 0;
  if (x < T(2.2250738585072014e-308)) { x = x * T(18014398509481984.0); e = -54; }
  let u = bitcast<u64>(x);
  e += i32((u >> 52u) & 0x7fflu) - 1023;
  var m = bitcast<T>((u & 0x000ffffffffffffflu) | 0x3ff0000000000000lu);
  if (m > T(1.4142135623730951)) { m = m * T(0.5); e += 1; }
  let z = (m - T(1)) / (m + T(1));
  let z2 = z * z;
  var s = T(0);
  var term = z;
  for (var k = 0; k < 16; k++) { s += term / T(2 * k + 1); term *= z2; }
  return T(2) * s + T(e) * T(0.6931471805599453094);
}
"""
_LOG32 = "fn lg(x: T) -> T { return log(x); }\n"


def LOG_T(T: str) -> str:  # noqa: N802
    """WGSL ``fn lg(x: T) -> T``: natural log that lowers correctly for ``T``."""
    return _LOG64 if T == "f64" else _LOG32


def prelude(T: str, bindings: list[tuple[str, str, bool]]) -> str:
    """``alias T``, P, then ``(name, element type, writable)`` storage bindings 1.. ."""
    lines = [f"alias T = {T};", f"const WG: u32 = {LWG}u;",
             "@group(0) @binding(0) var<storage, read> P: array<u32>;"]
    for i, (name, ty, rw) in enumerate(bindings):
        mode = "read_write" if rw else "read"
        lines.append(f"@group(0) @binding({i + 1}) var<storage, {mode}> {name}: array<{ty}>;")
    return "\n".join(lines) + "\n"


ENTRY = ("@compute @workgroup_size(64)\n"
         f"fn main({LINEAR_ID}) {{\n"
         "  let b = wg.y * nwg.x + wg.x;\n"
         "  if (b >= P[0]) { return; }\n")


def new(rt, shape, dtype) -> StridedArray:
    """A contiguous array (at least 16 bytes of buffer, so empty arrays bind too)."""
    shape = tuple(int(n) for n in shape)
    dtype = np.dtype(dtype)
    storage = rt.alloc(max(math.prod(shape) * dtype.itemsize, 16))
    return StridedArray(storage, 0, shape, contiguous_strides(shape), dtype)


def work_copy(x: StridedArray, shape) -> StridedArray:
    """A fresh contiguous copy of ``x`` broadcast to ``shape`` (the kernels write into it)."""
    rt = rt_of(x)
    out = new(rt, shape, x.dtype)
    view = x.view(x.offset, tuple(shape), bcast_strides(x, tuple(shape)))
    launch("copy", "x0", [view], out, rt)
    return out


def fill(rt, shape, value, dtype) -> StridedArray:
    """A contiguous array of ``shape`` filled with ``value``."""
    out = new(rt, shape, dtype)
    launch("copy", "x0", [(value, np.dtype(dtype))], out, rt)
    return out


def matrix_batch(*xs: StridedArray) -> tuple[int, ...]:
    """The broadcast batch shape of stacks of matrices."""
    return tuple(np.broadcast_shapes(*(x.shape[:-2] for x in xs)))


def eps_of(dtype) -> float:
    return float(np.finfo(np.dtype(dtype)).eps)


def scalar_words(value: float, T: str) -> list[int]:
    """A float as two u32 words (one used for f32) of a ``T`` scalar, read back with
    ``scal(at)`` in WGSL."""
    from ._dtypes import dtype_info

    words = scalar_bits(value, dtype_info("float64" if T == "f64" else "float32"))
    return words + [0] * (2 - len(words))


def scal_fn(T: str) -> str:
    """WGSL ``fn scal(at: u32) -> T`` reading a scalar that ``scalar_words`` stored in P."""
    if T == "f64":
        return ("fn scal(at: u32) -> T { return bitcast<T>(u64(P[at]) | "
                "(u64(P[at + 1u]) << 32u)); }\n")
    return "fn scal(at: u32) -> T { return bitcast<T>(P[at]); }\n"


def run_kernel(rt, key, make_source, meta, arrays, groups: int) -> None:
    """Dispatch a linalg kernel over ``groups`` matrices; every binding is read_write."""
    kern = rt.kernel(("linalg",) + tuple(key), lambda: header(make_source(), False),
                     (True,) * len(arrays))
    rt.dispatch(kern, [int(w) & 0xFFFFFFFF for w in meta],
                [a.storage.buffer for a in arrays], groups)


def raise_if(status: StridedArray, message: str) -> None:
    """Read the per-matrix status flags back (one sync) and raise numpy's LinAlgError with
    ``message`` when any is set, as LAPACK's ``info > 0`` does on the CPU."""
    from ._api import GpuDeviceAPI

    if status.size and GpuDeviceAPI().to_numpy(status).any():
        raise np.linalg.LinAlgError(message)


def compute_type(x: StridedArray) -> str:
    """The WGSL float type of ``x`` (float32 -> f32, float64 -> f64); the registration
    declares float64 kernels only where the adapter has shader-f64."""
    from ._dtypes import dtype_info

    return dtype_info(x.dtype).compute
