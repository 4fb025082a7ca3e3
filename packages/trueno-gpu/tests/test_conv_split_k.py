"""conv2d's product split along K: a product of few output tiles over a long K (conv2d's
weight gradient as a conv, K = N * OH * OW) runs as K slices of one batched matmul (or of
the dot kernel, for at most ``_DOTS_MAX`` outputs per matrix) whose partial products one
kernel sums into the NCHW result with the bias; with groups 1, the direct kernel over slices
of the input channels instead (no im2col). Values vs core's reference kernel in float64
(float32 and float64, bias, groups, a permuted input, a stride and dilation, every product
kernel), which slice counts are chosen, and that no launch is added."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import KERNELS, assert_close, down, up, view_of

from trueno_gpu import _conv, _runtime
from trueno_gpu._dtypes import dtype_info

RNG = np.random.default_rng(21)
# x shape, weight shape, stride, padding, dilation, groups: K = C/G * KH * KW >= 2048, few
# output tiles
CASES = [
    ((2, 3, 40, 40), (4, 3, 30, 30), (1, 1), (0, 0), (1, 1), 1),  # K 2700: 5 slices
    ((1, 4, 36, 37), (6, 2, 33, 32), (1, 2), (1, 0), (1, 1), 2),  # K 2112, groups 2
    ((16, 1, 30, 30), (2, 1, 8, 8), (1, 1), (1, 1), (4, 4), 1),  # K 64: not split
    # the weight gradient's conv of the benchmark CNN's first layer, batch 4: x (C=1, N=4,
    # 28, 28) with g (O=16, N=4, 28, 28) as the kernel, padding 1: K = 3136, a 3x3 output
    ((1, 4, 28, 28), (16, 4, 28, 28), (1, 1), (1, 1), (1, 1), 1),
    # K 1568 < 2048: not split, but 3x3 x 16 outputs over a long K: the dot kernel
    ((1, 2, 28, 28), (16, 2, 28, 28), (1, 1), (1, 1), (1, 1), 1),
    # 27 x 27 x 40 outputs: the batched matmul's slices (K 2304: 4 slices)
    ((1, 4, 50, 50), (40, 4, 24, 24), (1, 1), (0, 0), (1, 1), 1),
]


def _reference(*args):
    from trueno._reference._linalg import conv2d

    return conv2d(*args)


def test_slice_counts():
    f32, f16 = dtype_info("float32"), dtype_info("float16")
    assert _conv.k_slices(1, 9, 16, 50176, f32) == 98  # 98 slices of 512
    assert _conv.k_slices(16, 9, 32, 12544, f32) == 16  # 256 workgroups
    assert _conv.k_slices(1, 121, 4, 2700, f32) == 5
    assert _conv.k_slices(64, 784, 16, 9, f32) == 1  # a forward conv: short K
    assert _conv.k_slices(64, 784, 16, 4096, f32) == 1  # enough tiles
    assert _conv.k_slices(1, 9, 16, 50176, f16) == 1  # rounding per partial product
    assert _conv.k_slices(1, 9, 16, 4099, f32) == 1  # no 4-aligned divisor


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_conv2d_split_matches_reference(dtype, case):
    xs, ws, stride, pad, dil, groups = CASES[case]
    if dtype not in KERNELS["conv2d"]:
        pytest.skip(f"the adapter has no {dtype}")
    x = RNG.standard_normal(xs).astype(dtype)
    w = RNG.standard_normal(ws).astype(dtype)
    b = RNG.standard_normal(ws[0]).astype(dtype)
    k = ws[1] * ws[2] * ws[3]
    r = {"float32": 2e-6 * k ** 0.5, "float64": 1e-12}[dtype]
    for bias in (None, b):
        got = down(KERNELS["conv2d"][dtype](up(x), up(w), None if bias is None else up(bias),
                                            stride, pad, dil, groups))
        want = _reference(x.astype(np.float64), w.astype(np.float64),
                          None if bias is None else bias.astype(np.float64), stride, pad, dil,
                          groups)
        assert_close(got, want, dtype, rtol=r, atol=r)


def test_split_permuted_input_and_launches(monkeypatch):
    """A permuted (C, N, H, W) view of an NCHW input, as the weight gradient passes it: the
    same values, in as many launches as without the split (im2col, matmul, sum); with the
    direct kernel over channel slices (the default) in two."""
    monkeypatch.setattr(_conv, "_DIRECT_SPLIT", False)
    base = RNG.standard_normal((4, 1, 28, 28)).astype("float32")
    view = base.transpose(1, 0, 2, 3)
    g = RNG.standard_normal((16, 4, 28, 28)).astype("float32")
    keys, record = [], _runtime.Runtime.record

    def counted(rt, kernel, *a, **k):
        keys.append(next(key for key, v in rt._kernels.items() if v is kernel))
        return record(rt, kernel, *a, **k)

    monkeypatch.setattr(_runtime.Runtime, "record", counted)
    got = down(KERNELS["conv2d"]["float32"](view_of(up(base), base, view), up(g), None,
                                            (1, 1), (1, 1), (1, 1), 1))
    monkeypatch.setattr(_runtime.Runtime, "record", record)
    assert [k[0] for k in keys] == ["im2col", "conv_dots", "conv_splitsum"], keys
    want = _reference(view.astype(np.float64), g.astype(np.float64), None, (1, 1), (1, 1))
    assert_close(got, want, "float32", rtol=1e-4, atol=1e-4)
    monkeypatch.setattr(_conv, "_DIRECT_SPLIT", True)
    keys.clear()
    monkeypatch.setattr(_runtime.Runtime, "record", counted)
    got = down(KERNELS["conv2d"]["float32"](view_of(up(base), base, view), up(g), None,
                                            (1, 1), (1, 1), (1, 1), 1))
    monkeypatch.setattr(_runtime.Runtime, "record", record)
    assert [k[0] for k in keys] == ["conv2d_direct_split", "conv_splitsum"], keys
    assert_close(got, want, "float32", rtol=1e-4, atol=1e-4)


def test_split_matmul_path_launches(monkeypatch):
    """More outputs than the dot kernel takes: the slices run as one batched matmul."""
    keys, record = [], _runtime.Runtime.record

    def counted(rt, kernel, *a, **k):
        keys.append(next(key for key, v in rt._kernels.items() if v is kernel))
        return record(rt, kernel, *a, **k)

    x = RNG.standard_normal((1, 4, 50, 50)).astype("float32")
    w = RNG.standard_normal((40, 4, 24, 24)).astype("float32")
    assert _conv.k_slices(1, 27 * 27, 40, 2304, dtype_info("float32")) == 4
    monkeypatch.setattr(_runtime.Runtime, "record", counted)
    down(KERNELS["conv2d"]["float32"](up(x), up(w), None))
    monkeypatch.setattr(_runtime.Runtime, "record", record)
    # the batched product takes a fast kernel: the tiled one (software adapters) or the
    # register-blocked one (hardware GPUs: ``_matmul.fast_choice``; an H100 took it)
    names = [k[0] for k in keys]
    assert names[0] == "im2col" and names[2] == "conv_splitsum" and len(names) == 3, keys
    assert names[1] == ("matmul_fast" if _runtime.get_runtime(0).info.get("adapter_type") ==
                        "CPU" else "matmul_reg"), keys


def test_unsplit_long_k_takes_the_dot_kernel(monkeypatch):
    """A weight gradient's conv with K under the split threshold (1568): the dot kernel and
    the sum, not a matmul of 64 x 64 tiles with 9 x 16 of their lanes busy (with the direct
    kernel over channel slices off)."""
    monkeypatch.setattr(_conv, "_DIRECT_SPLIT", False)
    keys, record = [], _runtime.Runtime.record

    def counted(rt, kernel, *a, **k):
        keys.append(next(key for key, v in rt._kernels.items() if v is kernel))
        return record(rt, kernel, *a, **k)

    x = RNG.standard_normal((1, 2, 28, 28)).astype("float32")
    g = RNG.standard_normal((16, 2, 28, 28)).astype("float32")
    assert _conv.k_slices(1, 9, 16, 1568, dtype_info("float32")) == 1
    monkeypatch.setattr(_runtime.Runtime, "record", counted)
    got = down(KERNELS["conv2d"]["float32"](up(x), up(g), None, (1, 1), (1, 1)))
    monkeypatch.setattr(_runtime.Runtime, "record", record)
    assert [k[0] for k in keys] == ["im2col", "conv_dots", "conv_splitsum"], keys
    want = _reference(x.astype(np.float64), g.astype(np.float64), None, (1, 1), (1, 1))
    assert_close(got, want, "float32", rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("case", [0, 3, 5])
def test_direct_split_slices(monkeypatch, case):
    """The direct kernel over channel slices: slices of two channels and a shorter last one
    (case 0), one channel a slice (case 3), and the split-matmul case (its outputs past the
    dot kernel's, so still im2col and the matmul)."""
    xs, ws, stride, pad, dil, groups = CASES[case]
    monkeypatch.setattr(_conv, "_SPLIT_THREADS", 2 * xs[0] * ws[0] * 64)
    x = RNG.standard_normal(xs).astype("float32")
    w = RNG.standard_normal(ws).astype("float32")
    b = RNG.standard_normal(ws[0]).astype("float32")
    keys, record = [], _runtime.Runtime.record

    def counted(rt, kernel, *a, **k):
        keys.append(next(key for key, v in rt._kernels.items() if v is kernel))
        return record(rt, kernel, *a, **k)

    monkeypatch.setattr(_runtime.Runtime, "record", counted)
    got = down(KERNELS["conv2d"]["float32"](up(x), up(w), up(b), stride, pad, dil, groups))
    monkeypatch.setattr(_runtime.Runtime, "record", record)
    want = _reference(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64),
                      stride, pad, dil, groups)
    r = 2e-6 * (ws[1] * ws[2] * ws[3]) ** 0.5
    assert_close(got, want, "float32", rtol=r, atol=r)
    first = "im2col" if case == 5 else "conv2d_direct_split"
    assert keys[0][0] == first and keys[-1][0] == "conv_splitsum", keys
