"""``pad`` with ``reflect_type="odd"`` on the GPU against ``np.pad``, bit for bit: 1-d to 3-d,
pads wider than the axis (NumPy's rounds, whose values compound), views, every dtype
(integers wrap, float16's ``2 * edge`` overflows, bool is ``edge | value``)."""

from __future__ import annotations

import numpy as np
import pytest
import trueno as tn
from conftest import DTYPES, KERNELS, down, layouts, np_dtype, up

pytestmark = pytest.mark.usefixtures("gpu_registered")

RNG = np.random.default_rng(15)
CASES = [((5,), [3, (0, 9), (13, 2)]),
         ((3, 4), [1, ((4, 7), (0, 9))]),
         ((2, 3, 2), [((1, 3), (0, 5), (4, 1))]),
         ((1, 3), [((2, 2), (3, 1))])]  # a singleton axis: NumPy's edge padding


def sample(dt: np.dtype, shape) -> np.ndarray:
    """Values over the dtype's whole range (integers: 2 * edge - value wraps), floats of
    mixed magnitudes (the subtraction rounds) with a value near the top (2 * edge
    overflows to inf), 0.1 and -0.0."""
    if dt.kind == "b":
        return RNG.integers(0, 2, shape).astype(bool)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return RNG.integers(info.min, info.max, shape, dtype=dt, endpoint=True)
    x = (RNG.normal(size=shape) * 10.0 ** RNG.integers(-3, 4, shape)).astype(np.float32)
    x = x.astype(dt)
    x.flat[0] = {"float16": 40000.0, "bfloat16": 3e38, "float32": 3e38}.get(dt.name, 1e308)
    x.flat[1] = 0.1
    x.flat[-1] = -0.0
    return x


def bits(a: np.ndarray) -> np.ndarray:
    """The values' bits (signed zeros and the last ulp count); for floats, with the mask of
    NaNs, whose bits are zeroed (inf - inf in the compounding rounds: a NaN's sign and
    payload are the hardware's)."""
    u = a.view({1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}[a.dtype.itemsize])
    if a.dtype.kind in "biu":
        return u
    nan = np.isnan(a.astype(np.float64))
    return np.where(nan, u.dtype.type(0), u), nan


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's own inf and NaN
@pytest.mark.parametrize("dtype", DTYPES)
def test_pad_odd_reflection_as_numpy(dtype):
    dt = np_dtype(dtype)
    for shape, pws in CASES:
        x = sample(dt, shape)
        for _, xv, dx in layouts(x) if len(shape) == 2 else [(None, x, up(x))]:
            for mode in ("reflect", "symmetric"):
                for pw in pws:
                    want = np.pad(xv, pw, mode=mode, reflect_type="odd")
                    got = down(KERNELS["pad"][dtype](dx, np.asarray(pw), mode,
                                                     reflect_type="odd"))
                    assert got.dtype == want.dtype and got.shape == want.shape
                    for g, w in zip(*(b if isinstance(b, tuple) else (b,)
                                      for b in (bits(got), bits(want)))):
                        np.testing.assert_array_equal(g, w, err_msg=f"{mode} {pw} {shape}")


def test_pad_odd_through_trueno_and_errors():
    """The public ``pad`` on a GPU array; an empty axis raises NumPy's error (as trueno's
    ShapeError); a callable mode keeps its clear error, in trueno and in the kernel."""
    x = np.array([[1.5, -2.0, 4.0], [0.25, 8.0, -1.0]], np.float32)
    g = tn.asarray(x, device="gpu")
    got = tn.pad(g, ((3, 1), (4, 5)), mode="symmetric", reflect_type="odd")
    assert got.device.type == "gpu"
    np.testing.assert_array_equal(np.asarray(got.to_device("cpu")),
                                  np.pad(x, ((3, 1), (4, 5)), mode="symmetric",
                                         reflect_type="odd"))
    with pytest.raises(ValueError, match="can't extend empty axis"):
        tn.pad(tn.asarray(np.zeros((0, 2), np.float32), device="gpu"), 1, mode="reflect",
               reflect_type="odd")
    with pytest.raises(TypeError, match="callable mode"):
        tn.pad(g, 1, mode=lambda v, w, i, k: None)
    from trueno_gpu._errors import GpuDtypeError
    with pytest.raises(GpuDtypeError, match="has no GPU kernel"):
        KERNELS["pad"]["float32"](up(x), np.asarray(1), lambda v, w, i, k: None)
