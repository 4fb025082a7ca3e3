"""Registers trueno-simd's kernels with trueno (entry point group ``trueno``).

Each op maps dtype name -> kernel; a dtype missing here falls back to the reference backend.
"""

import math

import numpy as np
import trueno

from trueno_simd import _core as k

FLOATS = ("float32", "float64")
HALVES = ("float16", "bfloat16")  # stored as 16 bits, computed in float32
INTS = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")

BINARY_ALL = ("add", "subtract", "multiply", "maximum", "minimum")
BINARY_FLOAT = ("divide", "pow")
COMPARE = ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal")
UNARY_FLOAT = ("exp", "log", "tanh", "sigmoid", "erf", "sin", "cos", "sqrt", "silu", "gelu")
UNARY_ALL = ("negative", "abs")
REDUCE_ALL = ("sum", "max", "min", "argmax", "argmin")
REDUCE_FLOAT = ("mean", "var", "vector_norm", "logsumexp")
COPIES = ("copy_", "contiguous", "concat")  # strided copies, threaded; any layout
FLOAT_ONLY = ("softmax", "log_softmax", "layer_norm", "layer_norm_backward", "addcmul", "matmul",
              "conv2d", "sgd_update", "adam_update")  # the optimizer updates: one pass, in place


def vector_norm(x, axis, keepdims, ord=2.0):
    """The C++ kernel covers ord 1, 2 and inf; other orders use NumPy (same semantics)."""
    if ord in (1.0, 2.0, math.inf):
        return k.vector_norm(x, axis, keepdims, ord)
    a = np.abs(x)
    if ord == -math.inf:
        out = np.min(a, axis=axis, keepdims=keepdims)
    elif ord == 0:
        out = np.sum(a != 0, axis=axis, keepdims=keepdims).astype(a.dtype)
    else:
        out = np.sum(a**ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)
    return np.asarray(out).astype(a.dtype, copy=False)


# GEMM chosen by measurement. On the 2-core AVX-512 machine (tools/bench/bench_simd.py) our
# blocked kernel matched NumPy's OpenBLAS up to about 128-192 per side and fell to 0.46-0.86x at
# 512-2048, so there larger products go to OpenBLAS. On the 2-core AVX2 (Zen 3) machine it is
# 0.7-1.2x of single-threaded OpenBLAS at every size from 10 to 2048 per side, and OpenBLAS's
# own threads fight this package's pool for the two cores: with both pools started, a
# (64, 1568) @ (1568, 10) product took 8 ms instead of 0.06 ms and the small CNN's training
# step 550-800 ms instead of 160-230 ms on a loaded machine. Without AVX-512 every product
# stays on our GEMM and our thread pool.
OWN_GEMM_MAX = 192 if k.cpu_features()["isa"] == "avx512" else None


def matmul(x, y):
    """Batched matmul: trueno-simd's GEMM; with AVX-512, NumPy's OpenBLAS for large ones."""
    if OWN_GEMM_MAX is None or max(x.shape[-2], x.shape[-1], y.shape[-1]) <= OWN_GEMM_MAX:
        return k.matmul(x, y)
    return np.matmul(x, y)


def relu(x):
    """max(x, 0) by the maximum kernel (NaN stays NaN, as the reference's np.maximum)."""
    return k.maximum(x, x.dtype.type(0))


def _each(name, dtypes):
    fn = {"vector_norm": vector_norm, "matmul": matmul, "relu": relu}.get(name) or \
        getattr(k, name)
    return {d: fn for d in dtypes}


def _kernels():
    table = {}
    for name in BINARY_ALL:
        table[name] = _each(name, FLOATS + HALVES + INTS)
    for name in BINARY_FLOAT:
        table[name] = _each(name, FLOATS + HALVES)
    for name in COMPARE:
        table[name] = _each(name, FLOATS + HALVES + INTS + ("bool",))
    table["maximum"]["bool"] = k.maximum
    table["minimum"]["bool"] = k.minimum
    for name in UNARY_FLOAT:
        table[name] = _each(name, FLOATS + HALVES)
    for name in UNARY_ALL:
        table[name] = _each(name, FLOATS + HALVES + INTS)
    for name in REDUCE_ALL:
        table[name] = _each(name, FLOATS + INTS)
    for name in REDUCE_FLOAT:
        table[name] = _each(name, FLOATS)
    for name in FLOAT_ONLY:
        table[name] = _each(name, FLOATS)
    table["where"] = _each("where", FLOATS + HALVES + INTS + ("bool",))
    table["relu"] = _each("relu", FLOATS + HALVES + INTS)
    for name in COPIES:
        table[name] = _each(name, FLOATS + HALVES + INTS + ("bool",))
    return table


def _cast_on_load(kernels):
    """The binary ops' kernels that read operands of mixed dtypes (``k.cast_on_load``): per
    op and compute dtype that has a same-dtype kernel here, the kernel and the operand dtypes
    it converts bit for bit as astype does (``k.cast_loads``); the dispatcher then passes
    ``i32 + f32``'s operands uncast instead of calling astype on each."""
    table = {}
    for name in BINARY_ALL + BINARY_FLOAT + COMPARE:
        table[name] = {dt: (k.cast_on_load(name, dt), tuple(k.cast_loads(dt)))
                       for dt in kernels[name] if dt != "bool"}
    return table


@trueno.hookimpl
def trueno_register_backends(registry):
    """Add the "simd" CPU backend. Called once per process by trueno's plugin manager."""
    kernels = _kernels()
    registry.add_backend("simd", devices=("cpu",), priority=20, kernels=kernels,
                         set_num_threads=k.set_num_threads,
                         cast_on_load=_cast_on_load(kernels))
