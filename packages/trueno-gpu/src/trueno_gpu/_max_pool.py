"""2-D max pooling in one dispatch forward and one backward (rows ``max_pool2d_forward`` and
``max_pool2d_backward``; decompositions and PyTorch's semantics in core's
``_decompositions_pool``).

Forward: one thread per output element scans its window's in-bounds taps in row-major order
from ``-inf`` and the first in-bounds position, a tap winning when greater or NaN (bits
tested, as ``tn_isnan``), and writes the value and the flat index ``row * W + col`` (the
adapter's index dtype). Backward: one thread per input element visits the windows that can
hold it in row-major order (tap rows downward are window rows upward) and adds the gradient
of each whose index is its own: PyTorch's sums in PyTorch's order, no atomics, deterministic.
The input, gradient and indices are read with their strides (views, no copy). The trueno-op
path this replaces took ~30 launches and 6 uploads per layer and step.

float32 and float64 (float16/bfloat16 run the decomposition).
"""

from __future__ import annotations

from ._codegen import LINEAR_ID, WG, header, i32w, index_dtype, new_array
from ._dtypes import dtype_info
from ._elementwise import rt_of
from ._runtime import meta_struct

__all__ = ["max_pool2d_forward", "max_pool2d_backward", "make_kernels"]

# P[0..13]: N, C, H, W, OH, OW, kh, kw, sh, sw, ph, pw, dh, dw (then per-kernel words)
_GEOM = 14


def _neg_inf_isnan(F: str) -> tuple[str, str]:
    return ("-tn_inf()", "tn_isnan") if F == "f32" else ("-tn_inf64()", "tn_isnan64")


def _at(base: int, a: str, b: str, c: str, d: str) -> str:
    """Offset of element (a, b, c, d) of the array whose offset and 4 strides sit at
    P[base..base + 4]."""
    return (f"(bitcast<i32>(P[{base}]) + i32({a}) * bitcast<i32>(P[{base + 1}]) + i32({b}) * "
            f"bitcast<i32>(P[{base + 2}]) + i32({c}) * bitcast<i32>(P[{base + 3}]) + "
            f"i32({d}) * bitcast<i32>(P[{base + 4}]))")


def _prologue() -> list[str]:
    return [f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
            f"  let e = (wg.y * nwg.x + wg.x) * {WG}u + li;",
            "  let H = i32(P[2]);", "  let W = i32(P[3]);", "  let OH = P[4];", "  let OW = P[5];",
            "  let kh = i32(P[6]);", "  let kw = i32(P[7]);", "  let sh = i32(P[8]);",
            "  let sw = i32(P[9]);", "  let ph = i32(P[10]);", "  let pw = i32(P[11]);",
            "  let dh = i32(P[12]);", "  let dw = i32(P[13]);"]


def _forward_source(dt, it) -> str:
    """Metadata: geometry, x_off, x strides (n, c, h, w)."""
    st, F = dt.storage, dt.compute
    ninf, isnan = _neg_inf_isnan(F)
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;",
             f"@group(0) @binding(1) var<storage, read_write> Y: array<{st}>;",
             f"@group(0) @binding(2) var<storage, read_write> I: array<{it.storage}>;",
             f"@group(0) @binding(3) var<storage, read> X: array<{st}>;"]
    lines += _prologue() + [
        "  if (e >= P[0] * P[1] * OH * OW) { return; }",
        "  let ow = i32(e % OW);", "  let oh = i32((e / OW) % OH);", "  let nc = e / (OH * OW);",
        "  let n = nc / P[1];", "  let c = nc % P[1];",
        "  let h0 = oh * sh - ph;", "  let w0 = ow * sw - pw;",
        "  var hs = h0;", "  while (hs < 0) { hs = hs + dh; }",
        "  var ws = w0;", "  while (ws < 0) { ws = ws + dw; }",
        f"  var m = {ninf};", "  var at = hs * W + ws;",
        "  for (var i = 0; i < kh; i = i + 1) {",
        "    let r = h0 + i * dh;",
        "    if (r < 0 || r >= H) { continue; }",
        "    for (var j = 0; j < kw; j = j + 1) {",
        "      let q = w0 + j * dw;",
        "      if (q < 0 || q >= W) { continue; }",
        f"      let v = {dt.load('X[' + _at(_GEOM, 'n', 'c', 'r', 'q') + ']')};",
        f"      if (v > m || {isnan}(v)) {{ m = v; at = r * W + q; }}",
        "    }", "  }",
        f"  Y[e] = {dt.store('m')};", f"  I[e] = {it.compute}(at);", "}"]
    return header("\n".join(lines), st == "f16")


def _backward_source(dt, it) -> str:
    """Metadata: geometry, g_off, g strides, idx_off, idx strides (n, c, oh, ow)."""
    st, F = dt.storage, dt.compute
    z = "lf" if F == "f64" else ""
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;",
             f"@group(0) @binding(1) var<storage, read_write> GX: array<{st}>;",
             f"@group(0) @binding(2) var<storage, read> G: array<{st}>;",
             f"@group(0) @binding(3) var<storage, read> I: array<{it.storage}>;"]
    g = dt.load("G[" + _at(_GEOM, "n", "c", "a", "b") + "]")
    lines += _prologue() + [
        "  if (e >= P[0] * P[1] * P[2] * P[3]) { return; }",
        "  let w = i32(e % P[3]);", "  let h = i32((e / P[3]) % P[2]);",
        "  let nc = e / (P[2] * P[3]);", "  let n = nc / P[1];", "  let c = nc % P[1];",
        f"  let mine = {it.compute}(h * W + w);", f"  var acc = 0.0{z};",
        "  for (var i = kh - 1; i >= 0; i = i - 1) {",
        "    let u = h + ph - i * dh;",
        "    if (u < 0 || u % sh != 0 || u / sh >= i32(OH)) { continue; }",
        "    let a = u / sh;",
        "    for (var j = kw - 1; j >= 0; j = j - 1) {",
        "      let v = w + pw - j * dw;",
        "      if (v < 0 || v % sw != 0 || v / sw >= i32(OW)) { continue; }",
        "      let b = v / sw;",
        f"      if (I[{_at(_GEOM + 5, 'n', 'c', 'a', 'b')}] == mine) {{ acc = acc + {g}; }}",
        "    }", "  }",
        f"  GX[e] = {dt.store('acc')};", "}"]
    return header("\n".join(lines), st == "f16")


def _words(a) -> list[int]:
    return [i32w(a.offset)] + [i32w(s) for s in a.strides]


def _out_size(size, k, s, p, d, ceil_mode) -> int:
    num = size + 2 * p - d * (k - 1) - 1
    out = (-(-num // s) if ceil_mode else num // s) + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


# (dtype, shape, strides, offset, geometry) -> (packed metadata, output shape, groups): the
# per-step call of a training loop is a dict hit, no metadata list, no struct packing
_PLANS: dict = {}


def _plan(kind, a, extra, geom_fn):
    key = (kind, a.dtype, a.shape, a.strides, a.offset, extra)
    p = _PLANS.get(key)
    if p is None:
        if len(_PLANS) > 1024:
            _PLANS.clear()
        p = _PLANS[key] = geom_fn()
    return p


def max_pool2d_forward(x, *, kernel_size, stride, padding, dilation, ceil_mode=False):
    """``(values, indices)`` of 2-D max pooling of ``x`` (N, C, H, W)."""
    rt = rt_of(x)
    geom = (tuple(kernel_size), tuple(stride), tuple(padding), tuple(dilation), bool(ceil_mode))

    def make():
        n, c, h, w = x.shape
        out = tuple(_out_size(m, k, s, p, d, ceil_mode) for m, k, s, p, d in
                    zip((h, w), *geom[:4]))
        meta = [n, c, h, w, *out] + [v for pair in geom[:4] for v in pair] + _words(x)
        return meta_struct(len(meta)).pack(*meta), (n, c) + out, n * c * out[0] * out[1]

    data, shape, total = _plan("fwd", x, geom, make)
    dt, idt = dtype_info(x.dtype), index_dtype(rt)
    it = dtype_info(idt)
    values, idx = new_array(rt, shape, x.dtype), new_array(rt, shape, idt)
    if total:
        kernel = rt.kernel(("max_pool2d_forward", dt.name, it.name),
                           lambda: _forward_source(dt, it), (True, True, False))
        rt.record(kernel, data, (values.storage.buffer, idx.storage.buffer,
                                 x.storage.buffer), rt.grid(-(-total // WG)),
                  cost=(x.size + total) * dt.itemsize)
    return values, idx


def max_pool2d_backward(g, indices, *, input_size, kernel_size, stride, padding, dilation):
    """The input gradient (N, C, H, W) of max pooling for ``g`` (N, C, OH, OW) and the
    forward's ``indices``."""
    rt = rt_of(g)
    geom = (tuple(input_size), tuple(kernel_size), tuple(stride), tuple(padding),
            tuple(dilation), indices.strides, indices.offset)

    def make():
        n, c, oh, ow = g.shape
        h, w = input_size
        meta = [n, c, h, w, oh, ow] + [v for pair in geom[1:5] for v in pair]
        meta += _words(g) + _words(indices)
        return meta_struct(len(meta)).pack(*meta), (n, c, h, w), n * c * h * w

    data, shape, total = _plan("bwd", g, geom, make)
    dt, it = dtype_info(g.dtype), dtype_info(indices.dtype)
    gx = new_array(rt, shape, g.dtype)
    if total:
        kernel = rt.kernel(("max_pool2d_backward", dt.name, it.name),
                           lambda: _backward_source(dt, it), (True, False, False))
        rt.record(kernel, data, (gx.storage.buffer, g.storage.buffer,
                                 indices.storage.buffer), rt.grid(-(-total // WG)),
                  cost=(total + g.size) * dt.itemsize)
    return gx


def make_kernels(all_dtypes) -> dict:
    """float32, and float64 where the adapter has shader-f64 (narrowed at registration)."""
    floats = [d for d in all_dtypes if d in ("float32", "float64")]
    return {"max_pool2d_forward": dict.fromkeys(floats, max_pool2d_forward),
            "max_pool2d_backward": dict.fromkeys(floats, max_pool2d_backward)}
