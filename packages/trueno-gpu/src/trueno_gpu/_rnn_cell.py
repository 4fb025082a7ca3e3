"""The LSTM cell's pointwise part as one dispatch forward and one backward (rows
``lstm_cell_forward`` and ``lstm_cell_backward``, decompositions in core's
``_decompositions_rnn``; PyTorch's ``_thnn_fused_lstm_cell`` and its backward, without the
biases).

One thread per (batch row n, hidden unit j) reads the four gate pre-activations (i, f, g, o:
columns j, H + j, 2H + j, 3H + j) of both gate products, adds them, and writes h, c and the
four activations (the backward's workspace); the backward reads h's two gradients (the
recurrence's and the output's, added in the kernel), c's gradient, c_prev, c and the
workspace, and writes the gates' gradient and c_prev's. The time loop of trueno-nn's LSTM node
thus launches one cell kernel and one matmul per step each way, where the trueno-op
recurrence launched ~22 kernels forward. Inputs are read in place with their 2-D strides
(slices of the whole sequence's products, broadcast gradients), so nothing is copied;
outputs are new contiguous arrays. float16/bfloat16 compute in float32 (stored rounded);
float64 with the software ``exp`` of ``_f64math`` (shader-f64).
"""

from __future__ import annotations

from trueno.backend import StridedArray

from ._codegen import LINEAR_ID, WG, header, i32w, new_array
from ._dtypes import dtype_info, lit
from ._elementwise import rt_of
from ._runtime import meta_struct

__all__ = ["lstm_cell_forward", "lstm_cell_backward", "make_kernels"]

_FWD_IN = ("GX", "GH", "CX")  # metadata words 2 + 3k: offset, row stride, column stride
_BWD_IN = ("DH", "DO", "DC", "CX", "CY", "WS")


def _source(dt, outs: tuple[str, ...], ins: tuple[str, ...], body: list[str]) -> str:
    """WGSL: P (metadata [N, H, then offset and (row, column) strides of each input]), the
    outputs (new, contiguous), the inputs; one thread per (n, j) of the (N, H) cell."""
    st, F = dt.storage, dt.compute
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;"]
    lines += [f"@group(0) @binding({k + 1}) var<storage, read_write> {n}: array<{st}>;"
              for k, n in enumerate(outs)]
    lines += [f"@group(0) @binding({k + 1 + len(outs)}) var<storage, read> {n}: array<{st}>;"
              for k, n in enumerate(ins)]
    lines += ["fn at(b: u32, n: u32, j: u32) -> i32 {",
              "  return bitcast<i32>(P[b]) + i32(n) * bitcast<i32>(P[b + 1u]) + "
              "i32(j) * bitcast<i32>(P[b + 2u]);", "}",
              f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
              f"  let e = (wg.y * nwg.x + wg.x) * {WG}u + li;",
              "  let H = P[1];",
              "  if (e >= P[0] * H) { return; }",
              "  let n = e / H;", "  let j = e - n * H;",
              f"  let one = {lit(F, 1.0)};"]
    for k, name in enumerate(ins):
        lines.append(f"  let b{name} = {2 + 3 * k}u;")
    lines += ["  " + ln for ln in body] + ["}"]
    return header("\n".join(lines), st == "f16")


def _fns(dt) -> tuple[str, str]:
    return ("tn_sigmoid64", "tn_tanh64") if dt.compute == "f64" else ("tn_sigmoid", "tn_tanh")


def _forward_body(dt) -> list[str]:
    sig, tanh = _fns(dt)
    ld = dt.load

    def gate(q: int) -> str:
        col = f"j + {q}u * H" if q else "j"
        return f"{ld(f'GX[at(bGX, n, {col})]')} + {ld(f'GH[at(bGH, n, {col})]')}"

    return [f"let gi = {sig}({gate(0)});", f"let gf = {sig}({gate(1)});",
            f"let gg = {tanh}({gate(2)});", f"let go = {sig}({gate(3)});",
            f"let c = gf * {ld('CX[at(bCX, n, j)]')} + gi * gg;",
            f"let h = go * {tanh}(c);",
            "let w = n * 4u * H + j;",
            f"WS[w] = {dt.store('gi')};", f"WS[w + H] = {dt.store('gf')};",
            f"WS[w + 2u * H] = {dt.store('gg')};", f"WS[w + 3u * H] = {dt.store('go')};",
            f"HY[e] = {dt.store('h')};", f"CY[e] = {dt.store('c')};"]


def _backward_body(dt) -> list[str]:
    _, tanh = _fns(dt)
    ld = dt.load
    return [f"let dh = {ld('DH[at(bDH, n, j)]')} + {ld('DO[at(bDO, n, j)]')};",
            f"let gi = {ld('WS[at(bWS, n, j)]')};",
            f"let gf = {ld('WS[at(bWS, n, j + H)]')};",
            f"let gg = {ld('WS[at(bWS, n, j + 2u * H)]')};",
            f"let go = {ld('WS[at(bWS, n, j + 3u * H)]')};",
            f"let tc = {tanh}({ld('CY[at(bCY, n, j)]')});",
            f"let dc = {ld('DC[at(bDC, n, j)]')} + dh * go * (one - tc * tc);",
            "let w = n * 4u * H + j;",
            f"DG[w] = {dt.store('dc * gg * gi * (one - gi)')};",
            f"let cx = {ld('CX[at(bCX, n, j)]')};",
            f"DG[w + H] = {dt.store('dc * cx * gf * (one - gf)')};",
            f"DG[w + 2u * H] = {dt.store('dc * gi * (one - gg * gg)')};",
            f"DG[w + 3u * H] = {dt.store('dh * tc * go * (one - go)')};",
            f"DCX[e] = {dt.store('dc * gf')};"]


def _strides(arrays) -> list[int]:
    meta: list[int] = []
    for a in arrays:
        s = a.strides
        meta += [i32w(a.offset), i32w(s[0]), i32w(s[1])]
    return meta


def _launch(rt, dt, key, body, outs, out_arrays, ins, in_arrays, n: int, hid: int) -> None:
    kernel = rt._kernels.get(key)
    if kernel is None:
        kernel = rt.kernel(key, lambda: _source(dt, outs, ins, body(dt)),
                           (True,) * len(outs) + (False,) * len(ins))
    meta = [n, hid] + _strides(in_arrays)
    buffers = [a.storage.buffer for a in out_arrays] + [a.storage.buffer for a in in_arrays]
    cost = (len(out_arrays) + len(in_arrays)) * 4 * n * hid * dt.itemsize
    rt.record(kernel, meta_struct(len(meta)).pack(*meta), buffers,
              rt.grid(-(-(n * hid) // WG)), cost)


def lstm_cell_forward(gates_x: StridedArray, gates_h: StridedArray, c_prev: StridedArray):
    """``(h, c, workspace)`` of the LSTM cell for the gate pre-activations ``gates_x +
    gates_h`` ((N, 4H), PyTorch's order i, f, g, o) and the previous cell state ``c_prev``
    (N, H); ``workspace`` (N, 4H) holds sigmoid(i), sigmoid(f), tanh(g), sigmoid(o)."""
    rt = rt_of(gates_x)
    dt = dtype_info(gates_x.dtype)
    n, hid = c_prev.shape
    h = new_array(rt, (n, hid), gates_x.dtype)
    c = new_array(rt, (n, hid), gates_x.dtype)
    ws = new_array(rt, (n, 4 * hid), gates_x.dtype)
    if n * hid:
        _launch(rt, dt, ("lstm_cell_forward", dt.name), _forward_body, ("HY", "CY", "WS"),
                (h, c, ws), _FWD_IN, (gates_x, gates_h, c_prev), n, hid)
    return h, c, ws


def lstm_cell_backward(dh: StridedArray, dh_out: StridedArray, dc: StridedArray,
                       c_prev: StridedArray, c: StridedArray, workspace: StridedArray):
    """``(d_gates (N, 4H), dc_prev (N, H))`` of the cell for h's gradient ``dh + dh_out`` and
    c's gradient ``dc``, from the forward's ``c_prev``, ``c`` and ``workspace``."""
    rt = rt_of(dh)
    dt = dtype_info(dh.dtype)
    n, hid = c.shape
    dg = new_array(rt, (n, 4 * hid), dh.dtype)
    dcx = new_array(rt, (n, hid), dh.dtype)
    if n * hid:
        _launch(rt, dt, ("lstm_cell_backward", dt.name), _backward_body, ("DG", "DCX"),
                (dg, dcx), _BWD_IN, (dh, dh_out, dc, c_prev, c, workspace), n, hid)
    return dg, dcx


def make_kernels(all_dtypes) -> dict:
    """Every float dtype (narrowed to the adapter's features at registration)."""
    floats = [d for d in all_dtypes if dtype_info(d).kind == "f"]
    return {"lstm_cell_forward": dict.fromkeys(floats, lstm_cell_forward),
            "lstm_cell_backward": dict.fromkeys(floats, lstm_cell_backward)}
