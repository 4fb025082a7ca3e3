"""conv2d as one direct kernel for a short reduction (``C/groups * KH * KW`` <=
``DIRECT_MAX_K``): one thread per output element sums its window's products in (channel,
row, column) order, the input and the weight read with their strides (a permuted, sliced or
flipped view costs no copy: the input gradient's flipped, channel-swapped weight), the bias
added at the end. One launch where im2col + the tiled matmul + the layout copy take three,
and no patch matrix in memory; a long reduction (wide layers, the weight gradient's conv)
keeps the im2col path, whose tiles reuse operands through workgroup memory.
"""

from __future__ import annotations

import os

from ._codegen import LINEAR_ID, WG, header, i32w
from ._dtypes import dtype_info
from ._elementwise import rt_of
from ._runtime import meta_struct

__all__ = ["DIRECT_MAX_K", "conv2d_direct", "conv2d_direct_split"]

# 64 channels of 3x3 taps; TRUENO_GPU_CONV_DIRECT_MAX_K=0 turns the direct kernel off (A/B)
DIRECT_MAX_K = int(os.environ.get("TRUENO_GPU_CONV_DIRECT_MAX_K", "576"))

# P: [total, OH, OW, OG, CPG, KH, KW, sh, sw, ph, pw, dh, dw, H, W, C_out,
#     x_off, x strides (4), w_off, w strides (4), b_off, b_stride, y_off, y strides (n, o)]
_X, _W, _B, _Y = 16, 21, 26, 28


def _i(k: int) -> str:
    return f"bitcast<i32>(P[{k}])"


def _source(dt, bias: bool, split: bool = False) -> str:
    """Strides are read once into locals and the offsets advanced by them: no metadata load
    in the inner loop (lavapipe does not hoist them). ``split``: each thread sums one slice
    of the channels (metadata words [S, channels per slice, N] after the output's) and
    writes its partial sum to R[((s N + n) P + p) O + o] (the split-K sum's layout)."""
    st, F = dt.storage, dt.compute
    z = "lf" if F == "f64" else ""
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;",
             f"@group(0) @binding(1) var<storage, read_write> Y: array<{st}>;",
             f"@group(0) @binding(2) var<storage, read> X: array<{st}>;",
             f"@group(0) @binding(3) var<storage, read> Wt: array<{st}>;"]
    if bias:
        lines.append(f"@group(0) @binding(4) var<storage, read> Bs: array<{st}>;")
    lines += [
        f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
        f"  let e = (wg.y * nwg.x + wg.x) * {WG}u + li;", "  if (e >= P[0]) { return; }"]
    if split:
        lines += ["  let o = e % P[15];", "  let pix = (e / P[15]) % (P[1] * P[2]);",
                  "  let ow = pix % P[2];", "  let oh = pix / P[2];",
                  f"  let n = (e / (P[15] * P[1] * P[2])) % P[{_Y + 5}];",
                  f"  let c0 = (e / (P[15] * P[1] * P[2] * P[{_Y + 5}])) * P[{_Y + 4}];",
                  f"  let cpg = min(P[4], c0 + P[{_Y + 4}]);"]
    else:
        lines += ["  let ow = e % P[2];", "  let oh = (e / P[2]) % P[1];",
                  "  let o = (e / (P[1] * P[2])) % P[15];", "  let n = e / (P[1] * P[2] * P[15]);",
                  "  let c0 = 0u;", "  let cpg = P[4];"]
    lines += [
        "  let g = o / P[3];",
        "  let h0 = i32(oh * P[7]) - i32(P[9]);", "  let w0 = i32(ow * P[8]) - i32(P[10]);",
        "  let H = i32(P[13]);", "  let Wd = i32(P[14]);",
        "  let kh = i32(P[5]);", "  let kw = i32(P[6]);",
        "  let dh = i32(P[11]);", "  let dw = i32(P[12]);",
        f"  let sxc = {_i(_X + 2)};", f"  let sxh = {_i(_X + 3)} * dh;",
        f"  let sxw = {_i(_X + 4)} * dw;",
        f"  let swc = {_i(_W + 2)};", f"  let swh = {_i(_W + 3)};", f"  let sww = {_i(_W + 4)};",
        f"  var xc = {_i(_X)} + i32(n) * {_i(_X + 1)} + i32(g * P[4] + c0) * sxc"
        f" + h0 * {_i(_X + 3)} + w0 * {_i(_X + 4)};",
        f"  var wc = {_i(_W)} + i32(o) * {_i(_W + 1)} + i32(c0) * swc;",
        # the taps in bounds: i in [i0, i1), j in [j0, j1)
        "  let i0 = select(0, (-h0 + dh - 1) / dh, h0 < 0);",
        "  let i1 = min(kh, (H - h0 + dh - 1) / dh);",
        "  let j0 = select(0, (-w0 + dw - 1) / dw, w0 < 0);",
        "  let j1 = min(kw, (Wd - w0 + dw - 1) / dw);",
        f"  var acc = 0.0{z};",
        "  for (var c = c0; c < cpg; c = c + 1u) {",
        "    for (var i = i0; i < i1; i = i + 1) {",
        "      let xr = xc + i * sxh;", "      let wr = wc + i * swh;",
        "      for (var j = j0; j < j1; j = j + 1) {",
        f"        acc = acc + {dt.load('X[xr + j * sxw]')} * {dt.load('Wt[wr + j * sww]')};",
        "      }", "    }",
        "    xc = xc + sxc;", "    wc = wc + swc;", "  }"]
    if bias:
        b = dt.load(f"Bs[{_i(_B)} + i32(o) * {_i(_B + 1)}]")
        lines.append(f"  acc = acc + {b};")
    if split:
        lines += [f"  Y[e] = {dt.store('acc')};", "}"]
        return header("\n".join(lines), st == "f16")
    # the output's (n, o) strides: contiguous, or its (1, 0, 2, 3) permutation (the weight
    # gradient's conv writes (O, C, KH, KW) directly); each (OH, OW) plane dense
    lines += [f"  Y[P[{_Y}] + n * P[{_Y + 1}] + o * P[{_Y + 2}] + oh * P[2] + ow] = "
              f"{dt.store('acc')};", "}"]
    return header("\n".join(lines), st == "f16")


def _words(a) -> list[int]:
    return [i32w(a.offset)] + [i32w(s) for s in a.strides]


_PLANS: dict = {}  # layouts and geometry -> packed metadata (a training step's calls hit it)


def conv2d_direct_split(x, weight, res, out_hw, stride, padding, dilation, groups,
                        per: int) -> None:
    """The partial sums of conv2d of ``x`` (N, C, H, W) with ``weight`` (O, C/groups, KH,
    KW) over slices of ``per`` input channels of a group each, into ``res`` (slices, N,
    OH * OW, O) (``_conv``'s split-K sum adds them up): a long reduction into few outputs
    without an im2col matrix. ``out_hw``: (OH, OW)."""
    rt = rt_of(x)
    key = ("split", x.shape, x.strides, x.offset, weight.shape, weight.strides, weight.offset,
           res.shape, stride, padding, dilation, groups, per)
    data = _PLANS.get(key)
    if data is None:
        n, _, h, w = x.shape
        c_out, cpg, kh, kw = weight.shape
        meta = [res.size, *out_hw, c_out // groups, cpg, kh, kw, *stride, *padding,
                *dilation, h, w, c_out] + _words(x) + _words(weight) + \
            [0, 0, 0, 0, 0, res.shape[0], per, n]
        if len(_PLANS) > 1024:
            _PLANS.clear()
        data = _PLANS[key] = meta_struct(len(meta)).pack(*meta)
    dt = dtype_info(x.dtype)
    kernel = rt.kernel(("conv2d_direct_split", dt.name), lambda: _source(dt, False, True),
                       (True, False, False))
    k = per * weight.shape[2] * weight.shape[3]
    rt.record(kernel, data, (res.storage.buffer, x.storage.buffer, weight.storage.buffer),
              rt.grid(-(-res.size // WG)), 2 * res.size * k // 12)


def conv2d_direct(x, weight, bias, out, stride, padding, dilation, groups) -> None:
    """Write conv2d of ``x`` (N, C, H, W) with ``weight`` (O, C/groups, KH, KW) (plus
    ``bias``, (O,) or None) into ``out`` (N, O, OH, OW), whose (OH, OW) planes are dense
    (a new array, or the (1, 0, 2, 3) view of one); all of one dtype."""
    rt = rt_of(x)
    key = (x.shape, x.strides, x.offset, weight.shape, weight.strides, weight.offset,
           None if bias is None else (bias.offset, bias.strides), stride, padding, dilation,
           groups, out.offset, out.strides)
    data = _PLANS.get(key)
    if data is None:
        n, _, h, w = x.shape
        c_out, cpg, kh, kw = weight.shape
        oh, ow = out.shape[2:]
        meta = [out.size, oh, ow, c_out // groups, cpg, kh, kw, *stride, *padding, *dilation,
                h, w, c_out] + _words(x) + _words(weight)
        meta += [0, 0] if bias is None else [i32w(bias.offset), i32w(bias.strides[0])]
        meta += [out.offset, out.strides[0], out.strides[1]]
        if len(_PLANS) > 1024:
            _PLANS.clear()
        data = _PLANS[key] = meta_struct(len(meta)).pack(*meta)
    dt = dtype_info(x.dtype)
    has_b = bias is not None
    kernel = rt.kernel(("conv2d_direct", dt.name, has_b), lambda: _source(dt, has_b),
                       (True, False, False) + (False,) * has_b)
    buffers = (out.storage.buffer, x.storage.buffer, weight.storage.buffer) + \
        ((bias.storage.buffer,) if has_b else ())
    k = weight.shape[1] * weight.shape[2] * weight.shape[3]
    rt.record(kernel, data, buffers, rt.grid(-(-out.size // WG)), 2 * out.size * k // 12)

