"""sort and argsort along one axis: a bitonic sorting network on (key, index) pairs.

Each row is padded to a power of two P in scratch buffers; log2(P) * (log2(P) + 1) / 2
compare-exchange passes follow, each one dispatch over all rows. Ties are broken by the
original index, so the result is stable (as NumPy's kind="stable"), and NaN sorts last
(first when descending, as torch does). Indices come back as int32.

Indices are int64 where the adapter has ``shader-int64``, else int32 (Note: differs from
NumPy there).
"""

from __future__ import annotations

import math

from trueno.backend import StridedArray

from ._codegen import LINEAR_ID, WG, collapse, header, i32w, index_dtype, new_array
from ._dtypes import dtype_info
from ._elementwise import rt_of

__all__ = ["sort", "argsort", "make_kernels"]


def _after(acc, descending):
    """WGSL: should (a, ia) come after (b, ib)? Padding (index >= L) goes last."""
    gt = "<" if descending else ">"
    nan = ""
    isnan = {"f32": "tn_isnan", "f64": "tn_isnan64"}.get(acc)
    if isnan:
        pick = "bn" if descending else "an"
        nan = (f"  let an = {isnan}(a);\n  let bn = {isnan}(b);\n"
               f"  if (an || bn) {{ if (an && bn) {{ return ia > ib; }} return {pick}; }}\n")
    return (f"fn after(a: {acc}, ia: u32, b: {acc}, ib: u32, L: u32) -> bool {{\n"
            "  if (ia >= L || ib >= L) { return ia >= L && (ib < L || ia > ib); }\n"
            f"{nan}  if (a != b) {{ return a {gt} b; }}\n  return ia > ib;\n}}")


_HEAD = """@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read_write> K: array<{acc}>;
@group(0) @binding(2) var<storage, read_write> I: array<u32>;
@group(0) @binding(3) var<storage, read_write> X: array<{st}>;
"""


def _rowaddr(nk, at):
    """WGSL: offsets ``xb`` and ``yb`` of row ``row``; metadata from word ``at``: shape[nk],
    x strides[nk], y strides[nk]."""
    return [f"  for (var d: i32 = {nk - 1}; d >= 0; d = d - 1) {{",
            f"    let n = P[{at}u + u32(d)];", "    let c = i32(q % n);", "    q = q / n;",
            f"    xb += c * bitcast<i32>(P[{at + nk}u + u32(d)]);",
            f"    yb += c * bitcast<i32>(P[{at + 2 * nk}u + u32(d)]);", "  }"]


def _source(stage, dt, acc, nk, descending, out_index, index_type="i32"):
    """stage "init": [n, P, L, x_off, x_stride, y_stride, rows...] fills K, I from X;
    "step": [n/2, P, k, j, L] one compare-exchange pass;
    "final": like init, writes X (the output) from K or I."""
    head = _HEAD.format(acc=acc, st=index_type if out_index else dt.storage)
    body = [f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
            f"  let t = (wg.y * nwg.x + wg.x) * {WG}u + li;", "  if (t >= P[0]) { return; }"]
    if stage == "step":
        head += _after(acc, descending) + "\n"
        body += ["  let half = P[1] / 2u;", "  let row = t / half;", "  let p = t % half;",
                 "  let k = P[2];", "  let j = P[3];",
                 "  let i = row * P[1] + 2u * j * (p / j) + (p % j);", "  let l = i + j;",
                 "  let up = ((i - row * P[1]) & k) == 0u;",
                 "  let ka = K[i];", "  let kb = K[l];", "  let ia = I[i];", "  let ib = I[l];",
                 "  if (after(ka, ia, kb, ib, P[4]) == up) {",
                 "    K[i] = kb;", "    K[l] = ka;", "    I[i] = ib;", "    I[l] = ia;", "  }"]
    else:
        body += ["  let row = t / P[1];", "  let j = t % P[1];", "  let L = P[2];",
                 "  var xb = bitcast<i32>(P[3]);", "  var yb = 0;", "  var q = row;"]
        body += _rowaddr(nk, 6)
        if stage == "init":
            load = dt.load("X[xb + i32(j) * bitcast<i32>(P[4])]")
            conv = load if dt.compute == acc else f"{acc}({load})"
            body += ["  I[t] = j;", "  if (j < L) {", f"    K[t] = {conv};", "  }"]
        else:
            body += ["  if (j >= L) { return; }",
                     "  let at = yb + i32(j) * bitcast<i32>(P[5]);"]
            if out_index:
                body.append(f"  X[at] = {index_type}(I[t]);")
            else:
                body.append(f"  X[at] = {dt.store('K[t]')};")
    body.append("}")
    return header(head + "\n".join(body), dt.storage == "f16" and not out_index)


def _sort(x: StridedArray, axis: int, descending: bool, want_index: bool):
    rt = rt_of(x)
    dt = dtype_info(x.dtype)
    if x.ndim == 0:
        x = x.view(x.offset, (1,), (1,))
        axis = 0
        scalar = True
    else:
        scalar = False
    axis %= x.ndim
    idt = index_dtype(rt)
    out = new_array(rt, x.shape, idt if want_index else x.dtype)
    if out.size == 0:
        return out
    L = x.shape[axis]
    P = 1 << max(0, (L - 1).bit_length())
    kept = [d for d in range(x.ndim) if d != axis]
    kshape, (kx, ky) = collapse(tuple(x.shape[d] for d in kept),
                                [tuple(x.strides[d] for d in kept),
                                 tuple(out.strides[d] for d in kept)])
    rows = math.prod(x.shape[d] for d in kept)
    nk = len(kshape)
    acc = dt.compute
    keys = rt.alloc(rows * P * dt.itemsize if dt.storage != "f16" else rows * P * 4)
    idx = rt.alloc(rows * P * 4)
    rowmeta = list(kshape) + [i32w(s) for s in kx] + [i32w(s) for s in ky]
    base = [rows * P, P, L, i32w(x.offset), i32w(x.strides[axis]), i32w(out.strides[axis])]

    def kern(stage, out_index=False):
        it = dtype_info(idt).compute
        key = ("sort", stage, dt.name, nk if stage != "step" else 0, descending, out_index, it)
        return rt.kernel(key, lambda: _source(stage, dt, acc, nk, descending, out_index, it),
                         (True, True, True))

    rt.dispatch(kern("init"), base + rowmeta, [keys.buffer, idx.buffer, x.storage.buffer],
                -(-rows * P // WG))
    if P > 1:
        step = kern("step")
        n_pairs = rows * P // 2
        k = 2
        while k <= P:
            j = k // 2
            while j >= 1:
                rt.dispatch(step, [n_pairs, P, k, j, L], [keys.buffer, idx.buffer,
                                                          x.storage.buffer],
                            -(-n_pairs // WG))
                j //= 2
            k *= 2
    final_meta = [rows * P, P, L, 0, 0, i32w(out.strides[axis])] + rowmeta
    rt.dispatch(kern("final", want_index), final_meta,
                [keys.buffer, idx.buffer, out.storage.buffer], -(-rows * P // WG))
    if scalar:
        out = out.view(0, (), ())
    return out


def sort(x, axis=-1, descending=False, stable=True):
    return _sort(x, axis, bool(descending), False)


def argsort(x, axis=-1, descending=False, stable=True):
    return _sort(x, axis, bool(descending), True)


def make_kernels(all_dtypes) -> dict:
    """sort and argsort (partition / argpartition are their decompositions: a stable sort)."""
    return {"sort": dict.fromkeys(all_dtypes, sort), "argsort": dict.fromkeys(all_dtypes, argsort)}
