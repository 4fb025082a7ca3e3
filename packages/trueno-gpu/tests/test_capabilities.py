"""Device capabilities in dispatch: the GPU backend registers, per op, only the dtypes the
adapter has, so core's dispatcher (not the kernels) rejects the others with its DeviceError."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
from conftest import API, KERNELS

import trueno_gpu
from trueno_gpu._kernels import kernels_table, narrow

_FEATURED = {"float16": "shader-f16", "float64": "shader-f64", "complex128": "shader-f64",
             "int64": "shader-int64", "uint64": "shader-int64"}


def test_narrow_drops_the_dtypes_of_missing_features():
    table = narrow(kernels_table(), {"shader-int64"})
    assert set(table) == set(KERNELS)  # every op stays; only dtypes go
    for op, kernels in KERNELS.items():
        want = {d for d in kernels if _FEATURED.get(d, "shader-int64") == "shader-int64"}
        assert set(table[op]) == want, op
    assert {"float32", "int64", "uint64", "complex64", "int8"} <= set(table["add"])
    assert set(table["sqrt"]) & {"float16", "float64", "complex128"} == set()


def test_registered_dtypes_are_the_adapters():
    """On this adapter every op declares exactly its kernels' dtypes the adapter can hold."""
    import trueno as tn
    from trueno.backend import load_plugins

    tn.asarray(np.ones(1, np.float32), device="gpu")  # the adapters are known from here on
    have = API.dtypes(0)
    gpu = load_plugins().backends["gpu"]
    for op, kernels in KERNELS.items():
        assert set(gpu.dtypes_for(op)) == set(kernels) & have, op


_CHILD = r"""
import json, numpy as np, trueno as tn, trueno_gpu
from trueno.backend import DeviceError, as_dtype, get_op, kernel, load_plugins
x = tn.asarray(np.arange(4, dtype=np.int32), device="gpu")
gpu = load_plugins().backends["gpu"]
out = {"features": sorted(trueno_gpu.adapter_info()["features"]),
       "sqrt": gpu.dtypes_for("sqrt"), "add": gpu.dtypes_for("add"),
       "any_f64": sorted(op for op in gpu.kernels if "float64" in gpu.dtypes_for(op)),
       "f32_sum": float((x.astype(tn.float32) + 0.5).sum())}
try:
    kernel(get_op("sqrt"), x.device, as_dtype("float64"))
except DeviceError as e:
    out["resolve"] = str(e)
try:
    tn.sqrt(x)  # int32 -> float64: the cast to float64 is refused on this adapter
except DeviceError as e:
    out["user"] = [type(e).__name__, isinstance(e, TypeError), str(e)]
print("RESULT" + json.dumps(out))
"""


def test_no_f64_adapter_declares_no_float64_and_core_raises():
    """With shader-f64 off the backend declares no float64 (nor complex128) kernel for any
    op, and resolving sqrt for float64 on the GPU raises core's DeviceError naming float64
    and the dtypes the GPU has for sqrt."""
    env = dict(os.environ, TRUENO_GPU_DISABLE_FEATURES="shader-f64")
    r = subprocess.run([sys.executable, "-c", _CHILD], env=env, capture_output=True, text=True,
                       timeout=600)
    line = [s for s in r.stdout.splitlines() if s.startswith("RESULT")]
    assert r.returncode == 0 and line, r.stderr[-3000:]
    out = json.loads(line[0][len("RESULT"):])
    assert "shader-f64" not in out["features"]
    assert out["any_f64"] == []
    assert "float64" not in out["add"] and "complex128" not in out["add"]
    assert {"float32", "int32", "complex64"} <= set(out["add"])
    assert "float32" in out["sqrt"] and "float64" not in out["sqrt"]
    assert out["f32_sum"] == 8.0  # 0.5 + 1.5 + 2.5 + 3.5: the rest still runs
    msg = out["resolve"]
    assert msg.startswith("sqrt: device 'gpu:0' has no kernel for dtype float64"), msg
    assert f"dtypes 'gpu:0' has for sqrt: {', '.join(out['sqrt'])}" in msg, msg
    assert "hint: x.astype(trueno.float32) would work" in msg, msg  # same kind, narrower
    name, is_type_error, user = out["user"]
    assert name == "GpuDtypeError" and is_type_error
    assert "float64" in user and "shader-f64" in user and "float32" in user, user


def test_float64_declared_where_the_adapter_has_shader_f64():
    from trueno.backend import load_plugins

    has_f64 = "shader-f64" in trueno_gpu.get_runtime(0).features
    gpu = load_plugins().backends["gpu"]
    for op in ("add", "matmul", "sum", "sort"):
        assert ("float64" in gpu.dtypes_for(op)) == has_f64, op
