"""Fixtures for the GPU tests: the device API, the kernel table, and hand-built views.

The tests run on whatever adapter wgpu finds (lavapipe on CPU-only machines) and are skipped
only when there is none, with the reason naming the missing driver.
"""

from __future__ import annotations

import importlib.util
import pathlib
import sys

import numpy as np
import pytest

# The checkout's sources where a package is not installed (an installed one is the one under
# test: a non-editable install holds the built C extension that the source tree lacks)
_HERE = pathlib.Path(__file__).resolve().parent
for name, p in (("trueno_gpu", _HERE.parent / "src"),
                ("trueno", _HERE.parents[1] / "trueno-core" / "src")):
    if importlib.util.find_spec(name) is None and p.is_dir() and str(p) not in sys.path:
        sys.path.insert(0, str(p))

from trueno._strided import StridedArray  # noqa: E402

import trueno_gpu  # noqa: E402

_REASON = None
if not trueno_gpu.is_available():
    try:
        trueno_gpu.get_runtime(0)
        _REASON = "no GPU adapter"
    except trueno_gpu.GpuUnavailableError as e:
        _REASON = str(e)


def pytest_collection_modifyitems(config, items):
    """Without an adapter every GPU test is skipped, the reason naming the missing driver."""
    if _REASON is None:
        return
    skip = pytest.mark.skip(reason=_REASON)
    for item in items:
        if pathlib.Path(str(item.fspath)).resolve().parent == _HERE:
            item.add_marker(skip)


def _check_pipeline_keys():
    """Regenerate the WGSL on every pipeline-cache hit and fail when one key names two
    different shaders (a key that forgot a parameter of the generated code)."""
    from trueno_gpu import _runtime

    seen: dict = {}
    original = _runtime.Runtime.kernel

    def kernel(self, key, make_source, writable):
        source = make_source()
        if seen.setdefault((id(self), key), source) != source:
            raise AssertionError(f"pipeline key {key!r} names two different shaders")
        return original(self, key, lambda: source, writable)

    _runtime.Runtime.kernel = kernel


_check_pipeline_keys()
API = trueno_gpu.GpuDeviceAPI()
KERNELS = trueno_gpu.kernels_table()
# Without an adapter the tests are still generated (and skipped) over the 32-bit dtypes.
# Complex dtypes have their own kernels and tests (test_complex_fft.py).
DTYPES = sorted(d for d in API.dtypes(0) if not d.startswith("complex")) if _REASON is None else \
    ["bool", "float32", "int16", "int32", "int8", "uint16", "uint32", "uint8"]
# Complex dtypes are kept out of DTYPES (the real kernel families' tests iterate it).
CDTYPES = [d for d in ("complex64", "complex128") if d in API.dtypes(0)] \
    if _REASON is None else ["complex64"]
FLOATS = [d for d in DTYPES if d in ("float32", "float16", "bfloat16")]
INTS = [d for d in DTYPES if d in ("int8", "int16", "int32", "int64", "uint8", "uint16",
                                   "uint32", "uint64")]
WIDE = [d for d in DTYPES if d in ("float64", "int64", "uint64")]  # no 64-bit atomics
# Index results (argmax, argsort, ...) and integer sums: 64-bit where the adapter has
# shader-int64, else 32-bit (Note: differs from NumPy there).
IDX = np.dtype(np.int64 if "int64" in DTYPES else np.int32)
UIDX = np.dtype(np.uint64 if "uint64" in DTYPES else np.uint32)


@pytest.fixture(scope="module")
def gpu_registered():
    """trueno's registry with the GPU backend: a checkout that is not pip-installed has no
    entry point, so the plugin registers by hand (``pytestmark = usefixtures(...)``)."""
    from trueno._registry import load_plugins

    reg = load_plugins()
    if "gpu" not in reg.devices:
        from trueno_gpu import plugin

        plugin.trueno_register_backends(reg)
    return reg


def np_dtype(name):
    if name == "bfloat16":
        import ml_dtypes

        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(name)


def up(x):
    return API.from_numpy(np.asarray(x), 0)


def down(a):
    return API.to_numpy(a)


def view_of(dev_base: StridedArray, np_base: np.ndarray, np_view: np.ndarray) -> StridedArray:
    """The StridedArray that views ``dev_base`` the way ``np_view`` views ``np_base``."""
    item = np_base.itemsize
    start = np_view.__array_interface__["data"][0] - np_base.__array_interface__["data"][0]
    return StridedArray(dev_base.storage, dev_base.offset + start // item, np_view.shape,
                        tuple(s // item for s in np_view.strides), np_view.dtype)


def layouts(x: np.ndarray):
    """(name, numpy array, device array) for x itself and views with the same values:
    transposed, negative-stride and offset views built by hand on a larger base."""
    out = [("contiguous", x, up(x))]
    if x.ndim >= 2:
        base = np.ascontiguousarray(np.swapaxes(x, -1, -2))
        v = np.swapaxes(base, -1, -2)
        out.append(("transposed", v, view_of(up(base), base, v)))
    if x.ndim >= 1:
        base = np.ascontiguousarray(np.flip(np.concatenate([x, x[..., :1]], axis=-1), -1))
        v = np.flip(base, -1)[..., : x.shape[-1]]
        out.append(("negative-stride", v, view_of(up(base), base, v)))
    return out


def tol(dtype_name):
    return {"float16": (2e-3, 2e-3), "bfloat16": (1.6e-2, 1.6e-2)}.get(dtype_name, (2e-5, 2e-6))


def assert_close(got, want, dtype_name, rtol=None, atol=None):
    r, a = tol(dtype_name)
    got = np.asarray(got)
    want = np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    if got.dtype.kind in "biu" or dtype_name in ("bool",):
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64),
                                   rtol=rtol or r, atol=atol or a, equal_nan=True)


@pytest.fixture(autouse=True)
def _sync():
    yield
    trueno_gpu.synchronize()
