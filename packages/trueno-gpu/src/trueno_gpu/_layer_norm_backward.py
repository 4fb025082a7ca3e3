"""layer_norm's gradients in three launches (row ``layer_norm_backward``; its decomposition in
core's ``_decompositions_nn``), where autograd's trueno-op expression takes ~24 and its weight
and bias gradients went through a (1, rows) @ (rows, L) matmul (a shape no GPU matmul tiles
well: ~9 of an H100's 10 ms for LayerNorm(256) on (32, 128, 256)).

x and g are read as (R, L) rows (the trailing ``normalized_ndim`` axes collapsed; contiguous
copies where they are not laid out so).

1. Rows: one workgroup per row, as the forward's generic kernel: the mean, then the biased
   variance around it (two passes, as the decomposition), then ``a = sum(h)`` and ``b =
   sum(h xhat)`` (``h = g w``, ``xhat = (x - mean) rstd``) in one workgroup tree, then ``gx =
   rstd (h - a / L - xhat b / L)``. The row's mean and rstd go to a (2, R) stats array.
2. Columns: workgroups of 32 columns x 8 row lanes over chunks of rows, each lane over every
   8th row of its chunk (neighbouring threads read neighbouring addresses), the lanes added
   in a fixed tree: per chunk, ``sum(g xhat)`` (the weight's gradient) and ``sum(g)`` (the
   bias's).
3. The chunks' partials added in order per column (skipped when one chunk covers the rows:
   step 2 then writes the results).

Sums run in the compute type (float32 for float16/bfloat16 storage, rounded once on the
store, as the decomposition does; float64 for float64) and in an order fixed by the shape,
so results are the same bits in every run and on every adapter.
"""

from __future__ import annotations

import math

from ._api import contiguous
from ._codegen import LINEAR_ID, WG, header, i32w, new_array, scalar_bits, scalar_load
from ._dtypes import dtype_info
from ._elementwise import rt_of
from ._wg_reduce import wg_reductions

__all__ = ["layer_norm_backward", "make_kernels", "plan_chunks"]

_COLS = 32  # columns per workgroup of the column pass
_LANES = WG // _COLS  # row lanes per column
_TARGET_GROUPS = 512  # column-pass workgroups to aim for (an H100 has 132 SMs)
_MIN_CHUNK = 64  # rows per chunk at least (8 per lane)
_MAX_CHUNKS = 64  # chunks at most (the finishing pass adds this many partials per column)
_LONG_ROWS, _LONG = 64, 16384  # fewer rows than this, each at least this long: _long_rows


def plan_chunks(R: int, L: int) -> tuple[int, int]:
    """(K chunks, RC rows per chunk) of the column pass for R rows of L columns."""
    blocks = -(-L // _COLS)
    K = max(1, min(_MAX_CHUNKS, -(-_TARGET_GROUPS // blocks), R // _MIN_CHUNK))
    RC = -(-R // K)
    return -(-R // RC), RC


def _row_source(dt, has_w: bool) -> str:
    """Metadata: [R, L, x_off, g_off, w_off, eps (one word; f64: two)]."""
    st, F = dt.storage, dt.compute
    z = "lf" if F == "f64" else ""
    x, g = dt.load("X[xb + j]"), dt.load("G[gb + j]")
    h = f"{g} * {dt.load('W[P[4] + j]')}" if has_w else g
    loop = f"  for (var j = li; j < L; j = j + {WG}u) {{"
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;",
             f"@group(0) @binding(1) var<storage, read_write> GX: array<{st}>;",
             f"@group(0) @binding(2) var<storage, read_write> ST: array<{F}>;",
             f"@group(0) @binding(3) var<storage, read> X: array<{st}>;",
             f"@group(0) @binding(4) var<storage, read> G: array<{st}>;",
             f"@group(0) @binding(5) var<storage, read> W: array<{st}>;",
             wg_reductions(F, "sum", "sum2"),
             f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
             "  let row = wg.y * nwg.x + wg.x;",
             "  if (row >= P[0]) { return; }",  # the same for the whole workgroup
             "  let L = P[1];", "  let xb = P[2] + row * L;", "  let gb = P[3] + row * L;",
             f"  let n = {F}(L);",
             f"  var s = 0.0{z};", loop, f"    s += {x};", "  }",
             "  let mean = wg_sum(s, li) / n;",
             f"  var s2 = 0.0{z};", loop, f"    let d = {x} - mean;", "    s2 += d * d;", "  }",
             f"  let rstd = 1.0{z} / sqrt(wg_sum(s2, li) / n + {scalar_load(dt, 5)});",
             f"  var a = 0.0{z};", f"  var b = 0.0{z};", loop, f"    let h = {h};",
             "    a += h;", f"    b += h * (({x} - mean) * rstd);", "  }",
             "  let ab = wg_sum2(a, b, li) / n;",
             loop, f"    let h = {h};", f"    let xh = ({x} - mean) * rstd;",
             f"    GX[row * L + j] = {dt.store('rstd * (h - ab.x - xh * ab.y)')};", "  }",
             "  if (li == 0u) { ST[row] = mean; ST[P[0] + row] = rstd; }", "}"]
    return header("\n".join(lines), st == "f16")


def _col_source(dt, final: bool) -> str:
    """Metadata: [R, L, K, RC, x_off, g_off]. Workgroup (column block, chunk): lane ``li /
    32`` of column ``li % 32`` adds rows chunk * RC + lane, + 8, ... (four loads in flight,
    added in row order); the lanes' sums are added in a fixed tree. ``final``: one chunk,
    results (2, L) in the storage type; else partials (2, K, L) in the compute type."""
    st, F = dt.storage, dt.compute
    z = "lf" if F == "f64" else ""
    ot = st if final else F
    put = dt.store if final else (lambda v: v)
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;",
             f"@group(0) @binding(1) var<storage, read_write> O: array<{ot}>;",
             f"@group(0) @binding(2) var<storage, read> X: array<{st}>;",
             f"@group(0) @binding(3) var<storage, read> G: array<{st}>;",
             f"@group(0) @binding(4) var<storage, read> ST: array<{F}>;",
             f"var<workgroup> rw: array<{F}, {WG}>;", f"var<workgroup> rb: array<{F}, {WG}>;",
             f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
             "  let R = P[0];", "  let L = P[1];",
             f"  let blocks = (L + {_COLS - 1}u) / {_COLS}u;",
             "  let id = wg.y * nwg.x + wg.x;",
             "  let k = id / blocks;",
             f"  let c = (id % blocks) * {_COLS}u + li % {_COLS}u;",
             f"  let lane = li / {_COLS}u;",
             "  let ok = k < P[2] && c < L;",  # no early return: every thread meets the barriers
             "  let r1 = min((k + 1u) * P[3], R);",
             f"  var sw = 0.0{z};", f"  var sb = 0.0{z};",
             "  if (ok) {",
             "    var r = k * P[3] + lane;",
             f"    for (; r + {3 * _LANES}u < r1; r = r + {4 * _LANES}u) {{"]
    for u in range(4):
        lines += [f"      let r{u} = r + {u * _LANES}u;",
                  f"      let g{u} = {dt.load(f'G[P[5] + r{u} * L + c]')};",
                  f"      let x{u} = {dt.load(f'X[P[4] + r{u} * L + c]')};",
                  f"      let m{u} = ST[r{u}];", f"      let q{u} = ST[R + r{u}];"]
    for u in range(4):
        lines += [f"      sw += g{u} * ((x{u} - m{u}) * q{u});", f"      sb += g{u};"]
    lines += ["    }",
              f"    for (; r < r1; r = r + {_LANES}u) {{",
              f"      let gv = {dt.load('G[P[5] + r * L + c]')};",
              f"      sw += gv * (({dt.load('X[P[4] + r * L + c]')} - ST[r]) * ST[R + r]);",
              "      sb += gv;", "    }", "  }",
              "  rw[li] = sw;", "  rb[li] = sb;", "  workgroupBarrier();",
              f"  for (var s = {WG // 2}u; s >= {_COLS}u; s = s >> 1u) {{",
              "    if (li < s) { rw[li] = rw[li] + rw[li + s]; rb[li] = rb[li] + rb[li + s]; }",
              "    workgroupBarrier();", "  }",
              f"  if (ok && li < {_COLS}u) {{",
              f"    O[k * L + c] = {put('rw[li]')};",
              f"    O[(P[2] + k) * L + c] = {put('rb[li]')};", "  }", "}"]
    return header("\n".join(lines), st == "f16")


def _finish_source(dt) -> str:
    """Metadata: [L, K]. Thread t < 2L adds partials (t / L, 0..K-1, t % L) in chunk order."""
    st, F = dt.storage, dt.compute
    z = "lf" if F == "f64" else ""
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;",
             f"@group(0) @binding(1) var<storage, read_write> O: array<{st}>;",
             f"@group(0) @binding(2) var<storage, read> Q: array<{F}>;",
             f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
             f"  let t = (wg.y * nwg.x + wg.x) * {WG}u + li;",
             "  let L = P[0];", "  let K = P[1];",
             "  if (t >= 2u * L) { return; }",
             "  let base = (t / L) * K * L + t % L;",
             f"  var acc = 0.0{z};", "  var k = 0u;",
             "  for (; k + 3u < K; k = k + 4u) {",
             "    let a = Q[base + k * L];", "    let b = Q[base + (k + 1u) * L];",
             "    let c = Q[base + (k + 2u) * L];", "    let d = Q[base + (k + 3u) * L];",
             "    acc += a;", "    acc += b;", "    acc += c;", "    acc += d;", "  }",
             "  for (; k < K; k = k + 1u) { acc += Q[base + k * L]; }",
             f"  O[t] = {dt.store('acc')};", "}"]
    return header("\n".join(lines), st == "f16")


def _rows_view(a):
    """``a`` as contiguous (R, L) rows: itself when laid out so, else a contiguous copy."""
    return a if a.is_contiguous() else contiguous(a)


def layer_norm_backward(x, g, weight=None, *, normalized_ndim, eps=1e-5):
    """``(gx, gw, gb)`` of layer_norm over the trailing ``normalized_ndim`` axes of ``x`` for
    the output gradient ``g``: the input's gradient and the sums over the leading axes of ``g
    * xhat`` and of ``g`` (the weight's and bias's gradients; computed with or without a
    weight)."""
    rt = rt_of(x)
    dt = dtype_info(x.dtype)
    tail = tuple(x.shape[x.ndim - normalized_ndim:])
    L = math.prod(tail)
    R = x.size // L if L else 0
    if 0 < R < _LONG_ROWS and L >= _LONG:
        return _long_rows(x, g, weight, normalized_ndim, eps)
    gx = new_array(rt, tuple(x.shape), x.dtype)
    sums = new_array(rt, (2,) + tail, x.dtype)
    gw = sums.view(sums.offset, tail, sums.strides[1:])
    gb = sums.view(sums.offset + L, tail, sums.strides[1:])
    if L == 0:
        return gx, gw, gb
    if R == 0:  # no rows: the sums are zeros
        return gx, *_zeros(rt, dt, sums, tail, L)
    xa, ga = _rows_view(x), _rows_view(g)
    w = None if weight is None else weight if weight.is_contiguous() else contiguous(weight)
    stats = new_array(rt, (2, R), "float64" if dt.compute == "f64" else "float32")
    has_w = w is not None
    k1 = rt.kernel(("layer_norm_backward_rows", dt.name, has_w), lambda: _row_source(dt, has_w),
                   (True, True, False, False, False))
    meta = [R, L, i32w(xa.offset), i32w(ga.offset), i32w(w.offset) if has_w else 0]
    meta += scalar_bits(eps, dt)
    nbytes = R * L * dt.itemsize
    rt.dispatch(k1, meta, [gx.storage.buffer, stats.storage.buffer, xa.storage.buffer,
                           ga.storage.buffer, (w if has_w else xa).storage.buffer], R,
                5 * nbytes)
    K, RC = plan_chunks(R, L)
    final = K == 1
    part = sums if final else new_array(rt, (2, K, L), stats.dtype)
    k2 = rt.kernel(("layer_norm_backward_cols", dt.name, final), lambda: _col_source(dt, final),
                   (True, False, False, False))
    rt.dispatch(k2, [R, L, K, RC, i32w(xa.offset), i32w(ga.offset)],
                [part.storage.buffer, xa.storage.buffer, ga.storage.buffer,
                 stats.storage.buffer], K * -(-L // _COLS), 2 * nbytes)
    if not final:
        k3 = rt.kernel(("layer_norm_backward_finish", dt.name), lambda: _finish_source(dt),
                       (True, False))
        rt.dispatch(k3, [L, K], [sums.storage.buffer, part.storage.buffer], -(-2 * L // WG),
                    2 * K * L * 4)
    return gx, gw, gb


def _long_rows(x, g, weight, nd, eps):
    """Few long rows: a workgroup per row would idle the GPU, and on lavapipe its four loops
    over a row pass the 65,535 loop iterations per invocation after which the driver silently
    stops looping (rows of ~4M elements). The chunked reductions and elementwise kernels
    instead (~11 launches, all of them wide), as the forward's ``_long_layer_norm``."""
    from ._reduce import _as_f32, _ew, reduce

    axes = tuple(range(x.ndim - nd, x.ndim))
    lead = tuple(range(x.ndim - nd))
    xf, gf = _as_f32(x), _as_f32(g)
    ft = xf.dtype
    m = reduce("mean", xf, axes, True, ft)
    v = reduce("mean", _ew("(x0 - x1) * (x0 - x1)", [xf, m], ft, "sqdev"), axes, True, ft)
    xhat = _ew("(x0 - x1) / sqrt(x2 + x3)", [xf, m, v, (eps, ft)], ft, "lnb_xhat")
    h = gf if weight is None else _ew("x0 * x1", [gf, _as_f32(weight)], ft, "lnb_mul")
    a = reduce("mean", h, axes, True, ft)
    b = reduce("mean", _ew("x0 * x1", [h, xhat], ft, "lnb_mul"), axes, True, ft)
    gx = _ew("(x0 - x1 - x2 * x3) / sqrt(x4 + x5)", [h, a, xhat, b, v, (eps, ft)], x.dtype,
             ("lnb_gx", x.dtype.name))
    gxh = _ew("x0 * x1", [gf, xhat], ft, "lnb_mul")
    if not lead:  # one row: the sums over no axes are the terms themselves
        return (gx, _ew("x0", [gxh], x.dtype, ("lnb_cast", x.dtype.name)),
                _ew("x0", [gf], x.dtype, ("lnb_cast", x.dtype.name)))
    return gx, reduce("sum", gxh, lead, False, x.dtype), reduce("sum", gf, lead, False, x.dtype)


def _zeros(rt, dt, sums, tail, L):
    """(gw, gb) of no rows: zeros (the finishing kernel over zero chunks writes them)."""
    k3 = rt.kernel(("layer_norm_backward_finish", dt.name), lambda: _finish_source(dt),
                   (True, False))
    dummy = new_array(rt, (1,), "float64" if dt.compute == "f64" else "float32")
    rt.dispatch(k3, [L, 0], [sums.storage.buffer, dummy.storage.buffer], -(-2 * L // WG))
    return (sums.view(sums.offset, tail, sums.strides[1:]),
            sums.view(sums.offset + L, tail, sums.strides[1:]))


def make_kernels(all_dtypes) -> dict:
    floats = [d for d in all_dtypes if dtype_info(d).tkey in "fd"]
    return {"layer_norm_backward": dict.fromkeys(floats, layer_norm_backward)}
