"""conv2d as im2col + the tiled matmul, per group; a short reduction (``C/groups * KH * KW``
<= ``DIRECT_MAX_K``) as one direct kernel (``_conv_direct``).

An im2col kernel gathers the (n, oh*ow, c*kh*kw) patch matrix of one group straight from the
strided input (zero padding and dilation in the index math, no padded copy); the group's
weights are read as a transposed (c*kh*kw, c_out/groups) view; the (n, oh*ow, c_out/groups)
product is written into its channel slice of the NCHW result with the bias added.

A product of few output tiles over a long K (conv2d's weight gradient taken as a conv: the
output gradient as a kernel as large as the output, K = N * OH * OW) is split along K into
S equal slices computed as one batched matmul (or, for at most ``_DOTS_MAX`` outputs per
matrix, one workgroup of plain dot products per slice), whose S partial products one kernel
sums straight into the NCHW result (with the bias): S times as many workgroups, and the sum
replaces the layout copy, so no launch is added. The dot kernel reads a weight whose taps are
contiguous but whose channels are strided (the weight gradient's channel-swapped output
gradient) in place: no contiguous copy of it.
"""

from __future__ import annotations

import os

import numpy as np
from trueno.backend import StridedArray

from ._api import contiguous
from ._codegen import LINEAR_ID, WG, header, i32w, new_array
from ._conv_direct import DIRECT_MAX_K, conv2d_direct, conv2d_direct_split
from ._dtypes import dtype_info
from ._elementwise import launch, rt_of
from ._matmul import matmul

__all__ = ["conv2d", "make_kernels"]


def _im2col_source(dt):
    """Metadata: [total, x_off, sn, sc, sh, sw, H, W, OH, OW, C, KH, KW, strh, strw, padh,
    padw, dilh, dilw, c0]; output cols[n][oh][ow][c][i][j], contiguous."""
    zero = "f16(0.0)" if dt.storage == "f16" else {"f32": "0.0", "f64": "0.0lf"}.get(
        dt.storage, "0")
    src = f"""@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read_write> Y: array<{dt.storage}>;
@group(0) @binding(2) var<storage, read> X: array<{dt.storage}>;
@compute @workgroup_size({WG})
fn main({LINEAR_ID}) {{
  let t = (wg.y * nwg.x + wg.x) * {WG}u + li;
  if (t >= P[0]) {{ return; }}
  var r = t;
  let j = r % P[12]; r = r / P[12];
  let i = r % P[11]; r = r / P[11];
  let c = r % P[10]; r = r / P[10];
  let ow = r % P[9]; r = r / P[9];
  let oh = r % P[8]; r = r / P[8];
  let n = r;
  let h = i32(oh * P[13] + i * P[17]) - i32(P[15]);
  let w = i32(ow * P[14] + j * P[18]) - i32(P[16]);
  var v = {zero};
  if (h >= 0 && h < i32(P[6]) && w >= 0 && w < i32(P[7])) {{
    let off = bitcast<i32>(P[1]) + i32(n) * bitcast<i32>(P[2])
      + i32(P[19] + c) * bitcast<i32>(P[3]) + h * bitcast<i32>(P[4]) + w * bitcast<i32>(P[5]);
    v = X[off];
  }}
  Y[t] = v;
}}"""
    return header(src, dt.storage == "f16")


def _splitsum_source(dt, bias: bool):
    """Metadata: [total, S, N, P, OG, out_off, out_n, b_off, b_stride, out_o];
    Y[out_off + n out_n + o out_o + p] = sum_s R[((s N + n) P + p) OG + o] (+ B[b_off + o
    b_st]), accumulated in order of s."""
    st = dt.storage
    bind = f"@group(0) @binding(3) var<storage, read> B: array<{st}>;\n" if bias else ""
    add = f"  acc = acc + {dt.load('B[P[7] + o * P[8]]')};\n" if bias else ""
    src = f"""@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read_write> Y: array<{st}>;
@group(0) @binding(2) var<storage, read> R: array<{st}>;
{bind}@compute @workgroup_size({WG})
fn main({LINEAR_ID}) {{
  let t = (wg.y * nwg.x + wg.x) * {WG}u + li;
  if (t >= P[0]) {{ return; }}
  let p = t % P[3];
  let o = (t / P[3]) % P[4];
  let n = t / (P[3] * P[4]);
  let step = P[2] * P[3] * P[4];
  var i = (n * P[3] + p) * P[4] + o;
  var acc = {dt.load('R[i]')};
  for (var s = 1u; s < P[1]; s = s + 1u) {{
    i = i + step;
    acc = acc + {dt.load('R[i]')};
  }}
{add}  Y[P[5] + n * P[6] + o * P[9] + p] = {dt.store('acc')};
}}"""
    return header(src, st == "f16")


# A product of few outputs over a long K (the dot kernel's case, groups 1) takes the direct
# kernel over slices of the input channels, enough of them for about this many threads;
# TRUENO_GPU_CONV_DIRECT_SPLIT=0 keeps im2col and the dot kernel (A/B). H100, weight-gradient
# convs, ms at 16K / 64K / 256K threads (probe_conv_weight_grad.py --threads, 5 alternated
# rounds): the CNN's conv2 at batch 64 0.394 / 0.183 / 0.194, conv1 0.189 / 0.168 / 0.182,
# bench_nn's conv2d 0.682 / 0.667 / 0.542; lavapipe unchanged (conv2: 435 / 421 ms)
_SPLIT_THREADS = 65536
_DIRECT_SPLIT = os.environ.get("TRUENO_GPU_CONV_DIRECT_SPLIT", "1") != "0"

# Split K when the product has fewer output tiles (64 x 64) than this and K is at least
# _SPLIT_MIN_K; each slice keeps at least _SLICE_MIN of K.
_FEW_TILES = 64
_SPLIT_MIN_K = 2048
_SLICE_MIN = 512


def k_slices(n: int, p: int, og: int, k: int, dt) -> int:
    """How many equal K slices (a divisor of ``k`` whose slices stay 4-aligned) the product
    of ``n`` (p, k) @ (k, og) matrices is split into: about 256 workgroups in all. 1 (no
    split) for products with enough tiles, a short K, or float16/bfloat16 (whose matmul
    rounds each stored partial product)."""
    tiles = n * -(-p // 64) * -(-og // 64)
    if k < _SPLIT_MIN_K or tiles >= _FEW_TILES or dt.name not in ("float32", "float64"):
        return 1
    for s in range(min(k // _SLICE_MIN, -(-256 // tiles)), 1, -1):
        if k % s == 0 and (k // s) % 4 == 0:
            return s
    return 1


def _pair(v):
    if v.__class__ is tuple and len(v) == 2 and v[0].__class__ is int and \
            v[1].__class__ is int:
        return v  # the autograd rule's and nn's spelling (np.isscalar costs ~1.5 us)
    return (int(v), int(v)) if np.isscalar(v) else (int(v[0]), int(v[1]))


def conv2d(x, weight, bias=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1,
           swap01=False):
    """NCHW convolution with OIHW weights (PyTorch's layout and arguments). ``swap01``: the
    result's first two axes swapped, (O, N, OH, OW) contiguous (the weight gradient's conv
    gives (C, O, KH, KW) and wants (O, C, KH, KW): written so, no copy)."""
    rt = rt_of(x)
    dt = dtype_info(x.dtype)
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride), _pair(padding), _pair(dilation)
    n, c_in, H, W = x.shape
    c_out, cpg, kh, kw = weight.shape
    oh = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    oh, ow = max(oh, 0), max(ow, 0)
    if swap01:
        res = new_array(rt, (c_out, n, oh, ow), x.dtype)
        out = res.view(res.offset, (n, c_out, oh, ow), (oh * ow, n * oh * ow, ow, 1))
    else:
        res = out = new_array(rt, (n, c_out, oh, ow), x.dtype)
    if out.size == 0:
        return res
    K = cpg * kh * kw
    same = (bias is None or bias.dtype == x.dtype) and weight.dtype == x.dtype
    if same and K <= DIRECT_MAX_K:  # one launch, views read in place (_conv_direct)
        conv2d_direct(x, weight, bias, out, (sh, sw), (ph, pw), (dh, dw), groups)
        return res
    P_ = oh * ow
    og = c_out // groups
    key = ("im2col", dt.name)
    kernel = rt.kernel(key, lambda: _im2col_source(dt), (True, False))
    slices = k_slices(n, P_, og, K, dt) if same else 1
    # a long K into few outputs takes the dot kernel even unsplit (no idle tile lanes)
    dots = same and P_ * og <= _DOTS_MAX and K >= _DOTS_MIN_K and \
        dt.name in ("float32", "float64")
    if same and groups == 1 and (dots or slices > 1) and P_ * og <= _DOTS_MAX and \
            dt.name in ("float32", "float64") and _DIRECT_SPLIT:
        # few outputs over a long K: the direct kernel over channel slices, then their sum
        # (two launches, no im2col matrix)
        per = -(-cpg // min(cpg, max(1, -(-_SPLIT_THREADS // (n * P_ * og)))))
        parts = new_array(rt, (-(-cpg // per), n, P_, og), x.dtype)
        conv2d_direct_split(x, weight, parts, (oh, ow), (sh, sw), (ph, pw), (dh, dw), groups,
                            per)
        _splitsum(rt, dt, parts, parts.shape[0], n, P_, og, out, 0, bias)
        return res
    wc = weight
    if not weight.is_contiguous() and not (
            (dots or slices > 1) and P_ * og <= _DOTS_MAX and _blocked(weight)):
        wc = contiguous(weight)  # the dot kernel reads a blocked weight in place
    for g in range(groups):
        cols = new_array(rt, (n, P_, K), x.dtype)
        meta = [cols.size, i32w(x.offset)] + [i32w(s) for s in x.strides] + \
            [H, W, oh, ow, cpg, kh, kw, sh, sw, ph, pw, dh, dw, g * cpg]
        rt.dispatch(kernel, meta, [cols.storage.buffer, x.storage.buffer],
                    -(-cols.size // WG))
        if slices > 1 or dots:
            _split_product(rt, dt, cols, wc, bias, out, g, og, slices)
            continue
        wt = StridedArray(wc.storage, wc.offset + g * og * K, (K, og), (1, K), wc.dtype)
        prod = matmul(cols, wt)  # (n, P, og)
        so = out.strides[1]
        dst = out.view(out.offset + g * og * so, (n, og, P_), (out.strides[0], so, 1))
        src = prod.view(0, (n, og, P_), (P_ * og, 1, og))
        if bias is None:
            launch("copy", "x0", [src], dst, rt)
        else:
            b = bias.view(bias.offset + g * og * bias.strides[0], (og, 1), (bias.strides[0], 0))
            launch(("conv_bias", dt.name), "x0 + x1", [src, b], dst, rt)
    return res


def _dots_source(dt, blocked: bool = False) -> str:
    """Metadata: [S, N, P, OG, K, KC, a_off, b_off (, b_o, b_c, KK)]; workgroup (s, n) writes
    R[((s N + n) P + p) OG + o] = sum over k of slice s of A[a_off + (n P + p) K + k]
    B[b_off + o K + k], its threads taking the P * OG outputs in turn. ``blocked``: B is
    read as (OG, K / KK, KK) with strides (b_o, b_c, 1) (a weight whose taps are contiguous
    but whose channels are not, as the weight gradient's channel-swapped output gradient):
    no contiguous copy of it."""
    st, F = dt.storage, dt.compute
    z = "lf" if F == "f64" else ""
    if blocked:
        start = ["    let kk = P[10];", "    var r = k0 % kk;",
                 "    var b = P[7] + o * P[8] + (k0 / kk) * P[9] + r;",
                 "    let skip = P[9] - kk;"]
        step = ["      b = b + 1u;", "      r = r + 1u;",
                "      if (r == kk) { r = 0u; b = b + skip; }"]
        bidx = "B[b]"
    else:
        start, step, bidx = ["    let b = P[7] + o * K + k0;"], [], "B[b + k]"
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;",
             f"@group(0) @binding(1) var<storage, read_write> R: array<{st}>;",
             f"@group(0) @binding(2) var<storage, read> A: array<{st}>;",
             f"@group(0) @binding(3) var<storage, read> B: array<{st}>;",
             f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
             "  let w = wg.y * nwg.x + wg.x;", "  if (w >= P[0] * P[1]) { return; }",
             "  let s = w / P[1];", "  let n = w % P[1];", "  let K = P[4];",
             "  let k0 = s * P[5];",
             f"  for (var i = li; i < P[2] * P[3]; i = i + {WG}u) {{",
             "    let p = i / P[3];", "    let o = i % P[3];",
             "    let a = P[6] + (n * P[2] + p) * K + k0;", *start,
             f"    var acc = 0.0{z};",
             "    for (var k = 0u; k < P[5]; k = k + 1u) {",
             f"      acc = acc + {dt.load('A[a + k]')} * {dt.load(bidx)};", *step,
             "    }",
             "    R[(w * P[2] + p) * P[3] + o] = {};".format(dt.store("acc")),
             "  }", "}"]
    return header("\n".join(lines), st == "f16")


# A product of at most this many outputs per matrix (P * og) takes the dot kernel: one
# workgroup per (K slice, matrix) computing every output, none of a 64 x 64 tile's idle lanes
# (a weight gradient's 3x3 x 16 outputs fill 3.5% of one)
_DOTS_MAX = 1024
_DOTS_MIN_K = 1024  # ... when K is at least this long (unsplit too)


def _blocked(w) -> bool:
    """Whether weight ``w`` (O, C, KH, KW) has contiguous taps (each (KH, KW) block row-major
    and dense) and non-negative channel strides: the dot kernel then reads it in place."""
    so, sc, sh, sw = w.strides
    return (sw == 1 or w.shape[3] == 1) and (sh == w.shape[3] or w.shape[2] == 1) and \
        so >= 0 and sc >= 0


def _split_product(rt, dt, cols, wc, bias, out, g, og, slices) -> None:
    """Group ``g``'s product ``cols (n, P, K) @ W_g^T (K, og)`` as ``slices`` K slices (one
    batched matmul, or the dot kernel for small outputs), summed (plus the bias) into its
    channels of ``out`` (n, c_out, OH, OW)."""
    n, P_, K = cols.shape
    kc = K // slices
    if P_ * og <= _DOTS_MAX:
        res = new_array(rt, (slices, n, P_, og), cols.dtype)
        blocked = not wc.is_contiguous()  # (``_blocked``: taps contiguous, read in place)
        kernel = rt.kernel(("conv_dots", dt.name, blocked), lambda: _dots_source(dt, blocked),
                           (True, False, False))
        if blocked:
            so, sc = wc.strides[0], wc.strides[1]
            meta = [slices, n, P_, og, K, kc, cols.offset, wc.offset + g * og * so, so, sc,
                    wc.shape[2] * wc.shape[3]]
        else:
            meta = [slices, n, P_, og, K, kc, cols.offset, wc.offset + g * og * K]
        rt.dispatch(kernel, meta,
                    [res.storage.buffer, cols.storage.buffer, wc.storage.buffer], slices * n,
                    cost=2 * slices * n * P_ * og * kc // 12)
    else:
        a = cols.view(cols.offset, (slices, n, P_, kc), (kc, P_ * K, K, 1))
        b = StridedArray(wc.storage, wc.offset + g * og * K, (slices, 1, kc, og),
                         (kc, 0, 1, K), wc.dtype)
        res = matmul(a, b)  # (slices, n, P, og), contiguous
    _splitsum(rt, dt, res, slices, n, P_, og, out, g, bias)


def _splitsum(rt, dt, res, slices, n, P_, og, out, g, bias) -> None:
    """Sum the ``slices`` partial products ``res`` (slices, n, P, og) of group ``g`` (plus
    the bias) into its channels of ``out`` (n, c_out, OH, OW; planes dense)."""
    total = n * og * P_
    so = out.strides[1]
    meta = [total, slices, n, P_, og, out.offset + g * og * so, out.strides[0], 0, 0, so]
    buffers = [out.storage.buffer, res.storage.buffer]
    if bias is not None:
        meta[7:9] = [i32w(bias.offset + g * og * bias.strides[0]), i32w(bias.strides[0])]
        buffers.append(bias.storage.buffer)
    key = ("conv_splitsum", dt.name, bias is not None)
    kernel = rt.kernel(key, lambda: _splitsum_source(dt, bias is not None),
                       (True, False, False) if bias is not None else (True, False))
    rt.dispatch(kernel, meta, buffers, -(-total // WG))


conv2d.swap01 = True  # (the autograd rule's weight gradient asks for the swapped layout)


def make_kernels(all_dtypes) -> dict:
    floats = [d for d in all_dtypes if dtype_info(d).kind == "f"]
    return {"conv2d": dict.fromkeys(floats, conv2d)}

