"""The subgroup-tiled float16 matmul (``_matmul_subgroup``) against NumPy's float32 product
rounded to float16: every kernel shape that fits the adapter's subgroups, edges, batches,
offsets, B stored k-contiguous; the layouts it leaves to the tiled kernel; and the selection
(``_matmul_half.half_path``) with and without the ``subgroup`` feature."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import API, down, up, view_of

from trueno_gpu import _matmul, _matmul_half, get_runtime
from trueno_gpu._matmul_subgroup import SG_CONFIGS, group_fits, subgroup_source

RT = get_runtime(0)
HAS = RT.has_f16 and RT.has_subgroup
needs_sg = pytest.mark.skipif(not HAS, reason="the adapter lacks shader-f16 or subgroup")
FITTING = sorted(n for n, c in SG_CONFIGS.items() if group_fits(c, _matmul_half.min_subgroup(RT)))
EPS16 = float(np.finfo(np.float16).eps)
RNG = np.random.default_rng(18)
# (m, k, n): one element, partial tiles on every side, k below and above one k step, a
# tile's worth and more
SHAPES = [(1, 4, 4), (5, 8, 12), (64, 64, 64), (100, 36, 132), (130, 260, 68), (129, 20, 132),
          (257, 44, 136)]


@pytest.fixture
def pinned():
    """Pin the subgroup path (and a shape); restore the selection afterwards."""
    def pin(cfg=None, path="subgroup"):
        _matmul_half.HALF.update(path=path, cfg=cfg)
        _matmul._PLANS.clear()
    yield pin
    _matmul_half.HALF.update(path=None, cfg=None, min_subgroup=None)
    _matmul._PLANS.clear()


def _check(got, a, b):
    """Within one float16 rounding of the f32 product plus the f32 accumulation's error."""
    want = (a.astype(np.float32) @ b.astype(np.float32)).astype(np.float16).astype(np.float64)
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    rms = np.sqrt((a64 * a64) @ (b64 * b64))
    atol = 1e-6 * np.sqrt(a.shape[-1]) * rms + 1e-7
    assert got.dtype == np.float16 and got.shape == want.shape
    err = np.abs(np.asarray(got).astype(np.float64) - want)
    assert np.all(err <= EPS16 * np.abs(want) + atol), float(np.max(err - EPS16 * np.abs(want)))


def _mm(x, y):
    out = _matmul_half.matmul_f16(RT, x, y)
    assert out is not None, "the subgroup kernel did not take this product"
    return out


def _operands(shape_a, shape_b):
    return (RNG.uniform(-1, 1, shape_a).astype(np.float16),
            RNG.uniform(-1, 1, shape_b).astype(np.float16))


@needs_sg
@pytest.mark.parametrize("cfg", FITTING)
def test_shapes_and_kt_layout(cfg, pinned):
    pinned(cfg)
    for m, k, n in SHAPES:
        a, b = _operands((m, k), (k, n))
        _check(down(_mm(up(a), up(b))), a, b)
        bt = np.ascontiguousarray(b.T)  # B stored k-contiguous (x @ W.T)
        _check(down(_mm(up(a), view_of(up(bt), bt, bt.T))), a, b)


@needs_sg
@pytest.mark.parametrize("cfg", FITTING)
def test_batches_and_offsets(cfg, pinned):
    pinned(cfg)
    a, b = _operands((3, 1, 36, 20), (4, 20, 44))  # broadcast batch axes
    _check(down(_mm(up(a), up(b))), a, b)
    a, b = _operands((2, 68, 16), (16, 132))  # a batch against one matrix (stride 0)
    _check(down(_mm(up(a), up(b))), a, b)
    base = RNG.uniform(-1, 1, (40, 24)).astype(np.float16)  # views at offsets 4*24+4, 8
    av, bv = base[4:37, 4:24], base[:20, 8:24]
    _check(down(_mm(view_of(up(base), base, av), view_of(up(base), base, bv))), av, bv)


@needs_sg
def test_accumulates_in_f32(pinned):
    """Products past float16's range whose sum is in range come out exact (f32 sums)."""
    pinned("quad")
    a = np.full((4, 8), 300, np.float16)
    b = np.tile(np.array([[300], [-300]], np.float16), (4, 8))
    np.testing.assert_array_equal(down(_mm(up(a), up(b))), np.zeros((4, 8), np.float16))


@needs_sg
def test_leaves_other_layouts_to_the_tiled_kernel(pinned):
    pinned("quad")
    a, b = _operands((8, 12), (12, 8))
    at = np.ascontiguousarray(a.T)
    assert _matmul_half.matmul_f16(RT, view_of(up(at), at, at.T), up(b)) is None  # A m-major
    a6, b6 = _operands((8, 12), (12, 6))
    assert _matmul_half.matmul_f16(RT, up(a6), up(b6)) is None  # n % 4
    a32 = a.astype(np.float32)
    assert _matmul_half.matmul_f16(RT, up(a32), up(b.astype(np.float32))) is None
    # and the kernel table still computes them (tiled or generic kernel)
    got = API.to_numpy(_matmul.matmul(view_of(up(at), at, at.T), up(b)))
    _check(got, a, b)


@needs_sg
def test_wider_groups_than_the_adapter_guarantees_are_refused(pinned):
    """A group must fit in the smallest subgroup the adapter may run: sg_config says None
    for wider ones, so the product goes to the tiled kernel."""
    lo = _matmul_half.min_subgroup(RT)
    wide = [n for n, c in SG_CONFIGS.items() if c.g > lo]
    for name in wide:
        pinned(name)
        assert _matmul_half.sg_config(RT, 256, 256, 1) is None
        a, b = _operands((8, 12), (12, 8))
        assert _matmul_half.matmul_f16(RT, up(a), up(b)) is None
    assert group_fits(SG_CONFIGS["quad"], 4)  # quads fit every WebGPU adapter


def _subgroup_sizes() -> set:
    """The subgroup sizes a 256-invocation pipeline of this adapter runs with (a probe)."""
    import trueno_gpu
    from trueno_gpu._codegen import new_array

    src = ("@group(0) @binding(0) var<storage, read> P: array<u32>;\n"
           "@group(0) @binding(1) var<storage, read_write> Y: array<u32>;\n"
           "@compute @workgroup_size(256)\n"
           "fn main(@builtin(local_invocation_index) t: u32, "
           "@builtin(subgroup_size) s: u32) { Y[t] = s + 0u * P[0]; }")
    kernel = RT.kernel(("test_subgroup_size_probe",), lambda: src, (True,))
    out = new_array(RT, (256,), np.uint32)
    RT.dispatch(kernel, [0], [out.storage.buffer], 1)
    return set(trueno_gpu.GpuDeviceAPI().to_numpy(out).tolist())


@needs_sg
@pytest.mark.parametrize("cfg", ["oct", "oct_t128"])
def test_wider_groups_where_the_subgroups_are_wide_enough(cfg, pinned):
    """Groups of 8 (subgroupShuffle within the group) on an adapter whose pipelines run
    subgroups of at least 8 lanes (lavapipe: 8), allowed by the min_subgroup override."""
    sizes = _subgroup_sizes()
    if min(sizes) < SG_CONFIGS[cfg].g:
        pytest.skip(f"this adapter runs subgroups of {sorted(sizes)} lanes")
    pinned(cfg)
    _matmul_half.HALF["min_subgroup"] = min(sizes)
    for m, k, n in SHAPES[1:]:
        a, b = _operands((m, k), (k, n))
        _check(down(_mm(up(a), up(b))), a, b)
        bt = np.ascontiguousarray(b.T)
        _check(down(_mm(up(a), view_of(up(bt), bt, bt.T))), a, b)
    a, b = _operands((3, 1, 36, 20), (4, 20, 44))
    _check(down(_mm(up(a), up(b))), a, b)


def test_source_uses_the_subgroup_builtins():
    """The roles come from subgroup_id/subgroup_invocation_id; g = 4 shares by
    quadBroadcast, wider groups by subgroupShuffle within the group."""
    quad = subgroup_source(0, SG_CONFIGS["quad"])
    assert "quadBroadcast(" in quad and "subgroupShuffle(" not in quad
    assert "let role = sgid * sgs + sid;" in quad
    oct_ = subgroup_source(1, SG_CONFIGS["oct"], tb=True)
    assert "subgroupShuffle(" in oct_ and "gbase + 7u" in oct_
    sm16 = subgroup_source(0, SG_CONFIGS["sm16"])  # the control: no subgroup operation
    assert "subgroup" not in sm16 and "quad" not in sm16 and "var<workgroup> As" in sm16


def _fake_rt(subgroup, f16=True, features=(), adapter_type="DiscreteGPU", vendor_id=0x1002):
    return SimpleNamespace(has_subgroup=subgroup, has_f16=f16, features=frozenset(features),
                           info={"adapter_type": adapter_type, "stackgroup_min_size": 32,
                                 "vendor_id": vendor_id})


def test_adapter_kinds_and_shapes(pinned):
    pinned(path=None)
    assert _matmul_half.adapter_kind(_fake_rt(True, vendor_id=0x10DE)) == "nvidia"
    assert _matmul_half.adapter_kind(_fake_rt(True)) == "default"
    assert _matmul_half.adapter_kind(_fake_rt(True, adapter_type="CPU")) == "CPU"
    gpu = _fake_rt(True)
    big, small = _matmul_half.SG_SHAPES["default"]
    assert _matmul_half.sg_config(gpu, 4096, 4096, 1) == SG_CONFIGS[big]  # 1024 tiles
    assert _matmul_half.sg_config(gpu, 128, 256, 1) == SG_CONFIGS[small]  # 2 tiles
    assert _matmul_half.sg_config(gpu, 128, 256, 64) == SG_CONFIGS[big]  # 128 tiles


def test_selection_per_adapter(pinned, monkeypatch):
    monkeypatch.delenv("TRUENO_GPU_F16_MATMUL", raising=False)
    monkeypatch.setitem(_matmul_half.PREFER, "default", "subgroup")
    assert _matmul_half.half_path(_fake_rt(True)) == "subgroup"
    assert _matmul_half.half_path(_fake_rt(False)) == "tiled"  # no subgroup feature
    assert _matmul_half.half_path(_fake_rt(True, f16=False)) == "tiled"
    monkeypatch.setitem(_matmul_half.PREFER, "default", "tiled")
    assert _matmul_half.half_path(_fake_rt(True)) == "tiled"
    pinned(path="subgroup")  # a pinned path the adapter has wins; one it lacks does not
    assert _matmul_half.half_path(_fake_rt(True)) == "subgroup"
    assert _matmul_half.half_path(_fake_rt(False)) == "tiled"
    pinned(path=None)
    monkeypatch.setenv("TRUENO_GPU_F16_MATMUL", "subgroup")
    assert _matmul_half.half_path(_fake_rt(True)) == "subgroup"
    assert _matmul_half.min_subgroup(_fake_rt(True)) == 32
    monkeypatch.delenv("TRUENO_GPU_F16_MATMUL")
    # measured: software adapters (lavapipe) take the subgroup kernel, NVIDIA _matmul's
    cpu = _fake_rt(True, adapter_type="CPU")
    assert _matmul_half.half_path(cpu) == "subgroup"
    assert _matmul_half.half_path(_fake_rt(True, vendor_id=0x10DE)) == "tiled"
    # a kernel of _matmul's pinned through _FAST wins over the automatic choice, not over
    # an explicit HALF pin
    for knob, value in (("cfg", (64, 64, 16)), ("half", True), ("on", False)):
        monkeypatch.setitem(_matmul._FAST, knob, value)
        assert _matmul_half.half_path(cpu) == "tiled", knob
        pinned(path="subgroup")
        assert _matmul_half.half_path(cpu) == "subgroup", knob
        pinned(path=None)
        monkeypatch.undo()


def test_without_the_subgroup_feature_falls_back():
    """TRUENO_GPU_DISABLE_FEATURES=subgroup: the runtime has no subgroups, a pinned subgroup
    path gives way to the tiled kernel, and float16 products stay right."""
    code = textwrap.dedent("""
        import numpy as np
        import trueno_gpu
        from trueno_gpu import _matmul, _matmul_half
        rt = trueno_gpu.get_runtime(0)
        assert not rt.has_subgroup
        _matmul_half.HALF["path"] = "subgroup"
        assert _matmul_half.half_path(rt) == "tiled"
        api = trueno_gpu.GpuDeviceAPI()
        rng = np.random.default_rng(1)
        a = rng.uniform(-1, 1, (36, 20)).astype(np.float16)
        b = rng.uniform(-1, 1, (20, 44)).astype(np.float16)
        x, y = api.from_numpy(a, 0), api.from_numpy(b, 0)
        assert _matmul_half.matmul_f16(rt, x, y) is None
        got = api.to_numpy(_matmul.matmul(x, y)).astype(np.float64)
        want = (a.astype(np.float32) @ b.astype(np.float32)).astype(np.float16)
        assert np.allclose(got, want, rtol=2e-3, atol=1e-3), np.abs(got - want).max()
        print("fallback ok")
    """)
    here = os.path.dirname(__file__)
    path = os.pathsep.join([os.path.join(here, "..", "src"),
                            os.path.join(here, "..", "..", "trueno-core", "src"),
                            os.environ.get("PYTHONPATH", "")])
    env = dict(os.environ, TRUENO_GPU_DISABLE_FEATURES="subgroup", PYTHONPATH=path)
    if not RT.has_f16:
        pytest.skip("the adapter lacks shader-f16")
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0 and "fallback ok" in r.stdout, r.stderr[-2000:]


@needs_sg
def test_matmul_table_takes_the_pinned_subgroup_path(pinned, monkeypatch):
    """``_matmul``'s float16 hook: with the path pinned, the backend's matmul (2-D, batched,
    B k-contiguous) runs the subgroup kernel and matches NumPy."""
    from conftest import KERNELS

    keys = []
    kernel = RT.kernel

    def spy(key, make_source, writable):
        keys.append(key)
        return kernel(key, make_source, writable)

    monkeypatch.setattr(RT, "kernel", spy)
    pinned("quad_64")
    mm = KERNELS["matmul"]["float16"]
    a, b = _operands((36, 20), (20, 44))
    bt = np.ascontiguousarray(b.T)
    for x, y in ((up(a), up(b)), (up(a), view_of(up(bt), bt, bt.T))):
        _check(down(mm(x, y)), a, b)
        _check(down(mm(x, y)), a, b)  # a second call: no plan kept for the tiled kernel
    a3, b3 = _operands((2, 36, 20), (2, 20, 44))
    _check(down(mm(up(a3), up(b3))), a3, b3)
    cfg = SG_CONFIGS["quad_64"]
    for key in (("matmul_sg", 0, cfg, False), ("matmul_sg", 0, cfg, True),
                ("matmul_sg", 1, cfg, False)):
        assert key in keys, (key, keys)
