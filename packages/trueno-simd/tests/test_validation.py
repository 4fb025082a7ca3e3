"""Bad arguments to every exported kernel raise a clear exception, never crash or misread.

`trueno_simd._core` is public (README.md documents it), so each function checks its
arguments at the C++ boundary: a table of bad calls, then out= overlapping an input, which
must give NumPy's result.
"""

import numpy as np
import pytest

import trueno
from trueno_simd import KernelArgumentError
from trueno_simd import _core as k

f32 = np.ones((2, 3), np.float32)
f64 = np.ones((2, 3), np.float64)
x4 = np.ones((1, 2, 5, 5), np.float32)
w4 = np.ones((3, 2, 3, 3), np.float32)
big_endian = np.ones(4, ">f4")
obj = np.array([1, None, 3], dtype=object)
ro = np.ones((2, 3), np.float32)
ro.flags.writeable = False
fortran = np.ones((3, 2), np.float32).T
wide = np.broadcast_to(np.float32(1), (2,) * 33)  # 2**33 elements, all one

BINARY = ("add", "subtract", "multiply", "divide", "maximum", "minimum", "pow", "equal",
          "not_equal", "less", "less_equal", "greater", "greater_equal")
UNARY = ("exp", "log", "tanh", "sigmoid", "erf", "sin", "cos", "sqrt", "negative", "abs",
         "silu", "gelu")
REDUCE = ("sum", "mean", "max", "min", "argmax", "argmin", "var", "vector_norm", "logsumexp")

# (function, args, kwargs, exception, message pattern)
CASES = []
for name in BINARY:
    CASES += [
        (name, (f32, np.ones(4, np.float32)), {}, trueno.ShapeError, r"\(2, 3\) \(4,\) do not"),
        (name, (f32, f64), {}, trueno.DTypeError, "one dtype, got float32 and float64"),
        (name, (f32, f32), {"out": np.empty((3, 2), bool if name in BINARY[7:] else "f4")},
         trueno.ShapeError, r"out= has shape \(3, 2\), expected \(2, 3\)"),
        (name, (f32, f32), {"out": np.empty((2, 3), "f8")}, trueno.DTypeError,
         "out= has dtype float64"),
        (name, (f32, f32), {"out": [0.0] * 6}, trueno.DTypeError, "must be a numpy.ndarray"),
        (name, (obj, obj), {}, trueno.DTypeError, "no kernel for dtype object"),
        (name, (big_endian, big_endian), {}, trueno.DTypeError, "no kernel for dtype >f4"),
        (name, (wide, wide), {}, KernelArgumentError, "at most 32 dimensions"),
    ]
for name in UNARY:
    dt = "float32"
    CASES += [
        (name, (f32,), {"out": ro}, KernelArgumentError, "out= is read-only"),
        (name, (f32,), {"out": np.empty((2, 3), dt)[:, ::1].T.copy().T}, KernelArgumentError,
         "must be C-contiguous"),
        (name, (f32,), {"out": np.empty((2, 2), dt)}, trueno.ShapeError, r"expected \(2, 3\)"),
        (name, (np.ones(3, np.complex64),), {}, trueno.DTypeError, "no kernel for dtype"),
        (name, (wide,), {}, KernelArgumentError, "more than 32 dimensions other than 1"),
        (name, ("abc",), {}, trueno.DTypeError, "no kernel for dtype <U3"),
    ]
CASES += [
    ("gelu", (f32, "erf"), {}, KernelArgumentError, "approximate must be 'none' or 'tanh'"),
    ("where", (np.ones(3, bool), obj, obj), {}, trueno.DTypeError, "dtype object"),
    ("where", (np.ones(3, bool), np.ones(3), np.ones(4)), {}, trueno.ShapeError, "broadcast"),
    ("where", (np.ones(3, bool), np.ones(3, "c16"), np.ones(3, "c16")), {}, trueno.DTypeError,
     "complex128"),
    ("addcmul", (f32, f32, np.ones(2, np.float32)), {}, trueno.ShapeError, "do not broadcast"),
    ("addcmul", (f32, f32, f64), {}, trueno.DTypeError, "one dtype"),
    ("addcmul", (np.ones(3, "i4"),) * 3, {}, trueno.DTypeError, "no kernel for dtype int32"),
    ("softmax", (f32, 2), {}, trueno.ShapeError, "axis 2 is out of bounds"),
    ("log_softmax", (f32, -3), {}, trueno.ShapeError, "axis -3 is out of bounds"),
    ("softmax", (np.ones(3, "i8"),), {}, trueno.DTypeError, "expected float32 or float64"),
    ("layer_norm", (f32, 3), {}, KernelArgumentError, r"normalized_ndim must be in \[0, 2\]"),
    ("layer_norm", (f32, 1, np.ones(2, np.float32)), {}, trueno.ShapeError,
     r"weight has shape \(2,\), expected \(3,\)"),
    ("layer_norm", (f32, 1, None, np.ones(4, np.float32)), {}, trueno.ShapeError,
     r"bias has shape \(4,\)"),
    ("layer_norm", (f32, 1, obj[:3]), {}, trueno.DTypeError, "weight has dtype object"),
    ("layer_norm", (f32, 1, None, None, -1.0), {}, KernelArgumentError, "eps must be"),
    ("layer_norm", (f32, 1, None, None, float("nan")), {}, KernelArgumentError, "eps must be"),
    ("layer_norm_backward", (f32, f64), {}, trueno.DTypeError, "g has dtype float64"),
    ("matmul", (f32, f32), {}, trueno.ShapeError, r"inner dimensions do not match \(3 != 2\)"),
    ("matmul", (np.ones(3, np.float32), f32), {}, trueno.ShapeError, "at least 2 dimensions"),
    ("matmul", (f32, f64.T), {}, trueno.DTypeError, "one dtype"),
    ("matmul", (np.ones((2, 2), "i4"),) * 2, {}, trueno.DTypeError, "x1 has dtype int32"),
    ("matmul", (np.ones((2, 2, 2), np.float32), np.ones((3, 2, 2), np.float32)), {},
     trueno.ShapeError, "do not broadcast"),
    ("conv2d", (x4, w4), {"stride": 0}, KernelArgumentError, "stride must be positive"),
    ("conv2d", (x4, w4), {"stride": (1, 0)}, KernelArgumentError, "stride must be positive"),
    ("conv2d", (x4, w4), {"stride": (1, 1, 1)}, trueno.DTypeError, "stride must be an int or"),
    ("conv2d", (x4, w4), {"stride": 1.5}, trueno.DTypeError, "stride must be an int or"),
    ("conv2d", (x4, w4), {"dilation": 0}, KernelArgumentError, "dilation must be positive"),
    ("conv2d", (x4, w4), {"padding": -1}, KernelArgumentError, "padding must be non-negative"),
    ("conv2d", (x4, w4), {"padding": 2**40}, KernelArgumentError, "below 2\\*\\*31"),
    ("conv2d", (x4, w4), {"groups": 0}, KernelArgumentError, "groups must be >= 1"),
    ("conv2d", (x4, w4), {"groups": 2}, trueno.ShapeError, "channels"),
    ("conv2d", (x4, w4), {"groups": 2**70}, KernelArgumentError, "out of range"),
    ("conv2d", (x4, w4, np.ones(2, np.float32)), {}, trueno.ShapeError,
     r"bias has shape \(2,\), expected \(3,\)"),
    ("conv2d", (x4, w4, np.ones((3, 1), np.float32)), {}, trueno.ShapeError, "bias has shape"),
    ("conv2d", (x4, w4, np.float32(1)), {}, trueno.ShapeError, r"bias has shape \(\)"),
    ("conv2d", (x4, w4, obj), {}, trueno.DTypeError, "bias has dtype object"),
    ("conv2d", (x4, np.ones((3, 2, 9, 9), np.float32)), {}, trueno.ShapeError,
     "larger than the padded input"),
    ("conv2d", (x4, np.ones((3, 2, 0, 3), np.float32)), {}, trueno.ShapeError, "non-zero"),
    ("conv2d", (x4[0], w4), {}, trueno.ShapeError, "4-d NCHW"),
    ("conv2d", (x4, w4.astype(np.float64)), {}, trueno.DTypeError, "one dtype"),
    ("conv2d", (x4, w4), {"out": np.empty((1, 3, 2, 2), np.float32)}, trueno.ShapeError,
     r"expected \(1, 3, 3, 3\)"),
    ("vector_norm", (f32, None, False, 3.0), {}, KernelArgumentError, "ord must be 1, 2 or inf"),
]
for name in REDUCE:
    CASES += [
        (name, (f32, 2), {}, trueno.ShapeError, "axis 2 is out of bounds"),
        (name, (f32, (0, 0)), {}, KernelArgumentError, "duplicate value in axis"),
        (name, (f32, 1.0), {}, trueno.DTypeError, "axis must be None, an int or a tuple"),
        (name, (f32, (0, "a")), {}, trueno.DTypeError, "axis must be an int"),
        (name, (f32, 0), {"out": np.empty(2, "i8" if name.startswith("arg") else "f4")},
         trueno.ShapeError, r"out= has shape \(2,\), expected \(3,\)"),
        (name, (f32, 0), {"out": np.empty(3, "i2")}, trueno.DTypeError, "out= has dtype int16"),
    ]

_P, _ADAM = np.zeros(4, np.float32), {"lr": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
                                      "step": 1.0}
CASES += [  # the strided copies (test_copy.py has the rest)
    ("copy_", ([1.0, 2.0], f32), {}, trueno.DTypeError, "dst must be a numpy array"),
    ("copy_", (np.zeros((2, 3), np.float32), np.zeros(4, np.float32)), {}, trueno.ShapeError,
     "do not broadcast"),
    ("contiguous", ([1.0, 2.0],), {}, trueno.DTypeError, "x must be a numpy array or scalar"),
    ("concat", (np.zeros((2, 3)), np.zeros(3)), {"axis": 0}, trueno.ShapeError,
     "same number of dimensions"),
    ("concat", (np.zeros((2, 3)),), {"axis": 2}, trueno.ShapeError, "axis 2 is out of bounds"),
]
CASES += [  # the cast-on-load kernels (test_cast_on_load.py has their operands' errors)
    ("cast_on_load", ("hypot", "float64"), {}, KernelArgumentError,
     "no binary kernel named 'hypot'"),
    ("cast_on_load", ("add", "complex64"), {}, trueno.DTypeError, "unknown dtype 'complex64'"),
    ("cast_on_load", ("divide", "int32"), {}, trueno.DTypeError,
     "divide has no kernel that casts operands to int32"),
    ("cast_on_load", ("maximum", "bool"), {}, trueno.DTypeError, "no kernel that casts"),
    ("cast_loads", ("float128",), {}, trueno.DTypeError, "unknown dtype 'float128'"),
]
CASES += [  # the optimizer updates (test_optim.py has the rest)
    ("sgd_update", (_P, _P.copy(), None), {"lr": 0.1, "momentum": 0.9}, KernelArgumentError,
     "momentum_buffer is None"),
    ("sgd_update", (_P, np.zeros(4), None), {"lr": 0.1}, trueno.DTypeError,
     "grad has dtype float64"),
    ("adam_update", (_P, _P.copy(), _P.copy(), np.zeros(5, np.float32), None), _ADAM,
     trueno.ShapeError, r"exp_avg_sq has shape \(5,\)"),
    ("adam_update", (np.zeros(4, "i4"),) * 4 + (None,), _ADAM, trueno.DTypeError,
     "param has dtype int32"),
]


@pytest.mark.parametrize("name, args, kwargs, exc, match", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_bad_arguments_raise(name, args, kwargs, exc, match):
    with pytest.raises(exc, match=match) as info:
        getattr(k, name)(*args, **kwargs)
    assert isinstance(info.value, trueno.TruenoError)
    assert f"trueno_simd.{name}" in str(info.value)


def test_every_exported_kernel_has_a_bad_call():
    exported = {n for n in dir(k) if not n.startswith("_") and callable(getattr(k, n))}
    runtime = {"cpu_features", "get_num_threads", "set_num_threads"}  # test_threads.py
    assert exported - runtime <= {c[0] for c in CASES}


def test_conv2d_short_bias_is_rejected_not_read_past_its_end():
    # bias of 1 element for 3 output channels: before, the kernel read 2 floats past its end
    with pytest.raises(trueno.ShapeError, match="bias has shape"):
        k.conv2d(x4, w4, np.ones(1, np.float32))


# out= sharing memory with an input: the result must be NumPy's (computed into a temporary
# and copied when the kernel cannot run in place).
def shifted(n=300_000, dtype=np.float64):
    """n + 1 random values; views [:-1] and [1:] overlap by all but one element."""
    return np.random.default_rng(1).uniform(1, 2, n + 1).astype(dtype)


@pytest.mark.parametrize("name", ["add", "multiply", "maximum", "pow"])
def test_binary_out_overlapping_an_input_by_one_element(name):
    a = shifted()
    want = getattr(np, {"pow": "power"}.get(name, name))(a[:-1], a[:-1])
    got = getattr(k, name)(a[:-1], a[:-1], out=a[1:])
    assert got is not None and np.shares_memory(got, a)
    np.testing.assert_array_equal(a[1:], want)


@pytest.mark.parametrize("name", ["exp", "negative", "sqrt"])
def test_unary_out_overlapping_its_input(name):
    a = shifted(5000)
    want = getattr(np, name)(a[1:])
    getattr(k, name)(a[1:], out=a[:-1])
    np.testing.assert_allclose(a[:-1], want, rtol=1e-15)  # exp: within 1.5 ulp of NumPy


def test_binary_out_broadcast_input_overlap():
    a = shifted(1000)
    row = a[:1]  # broadcast over out, which starts at the same address
    want = a[:1000] + row
    k.add(a[:1000], row, out=a[:1000])
    np.testing.assert_array_equal(a[:1000], want)


def test_in_place_elementwise_still_writes_through():
    a = np.arange(1 << 18, dtype=np.float32)
    want = a * 2
    res = k.add(a, a, out=a)
    assert res is a
    np.testing.assert_array_equal(a, want)


def test_matmul_out_is_an_input():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((64, 64))
    b = rng.standard_normal((64, 64))
    want = a @ b
    k.matmul(a, b, out=a)
    np.testing.assert_allclose(a, want, rtol=1e-12, atol=1e-12)


def test_softmax_out_overlapping_the_input_rows():
    rng = np.random.default_rng(3)
    buf = rng.standard_normal((5, 8))
    x = buf[1:].copy()
    want = np.exp(x - x.max(1, keepdims=True))
    want /= want.sum(1, keepdims=True)
    k.softmax(buf[1:], 1, out=buf[:-1])
    np.testing.assert_allclose(buf[:-1], want, rtol=1e-12)


def test_reduction_out_inside_its_input():
    a = np.arange(12, dtype=np.float64).reshape(3, 4)
    want = a.sum(0)
    k.sum(a, 0, out=a[0])
    np.testing.assert_array_equal(a[0], want)


def test_conv2d_out_overlapping_the_input():
    rng = np.random.default_rng(4)
    buf = rng.standard_normal(2 * 3 * 6 * 6)
    x = buf.reshape(2, 3, 6, 6)
    w = rng.standard_normal((3, 3, 1, 1))
    want = np.einsum("nchw,oc->nohw", x, w[:, :, 0, 0])
    k.conv2d(x, w, out=x)
    np.testing.assert_allclose(x, want, rtol=1e-12, atol=1e-12)


def test_overlap_with_a_wrong_out_still_raises():
    a = shifted(100)
    with pytest.raises(trueno.ShapeError, match="out= has shape"):
        k.sum(a.reshape(101, 1)[:100], 0, out=a[:3])
