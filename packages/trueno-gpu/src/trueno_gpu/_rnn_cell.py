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
recurrence launched ~22 kernels forward. Every operand is read or written in place with its
2-D strides (slices of the whole sequence's arrays, broadcast gradients), so nothing is
copied; an output not given is a new contiguous array. Every binding is ``read_write``:
WebGPU lets one buffer back several writable bindings of a dispatch but not a writable and a
read-only one, and a step reads c_prev from the same (T, N, H) array it writes c into.
float16/bfloat16 compute in float32 (stored rounded); float64 with the software ``exp`` of
``_f64math`` (shader-f64).
"""

from __future__ import annotations

from trueno.backend import StridedArray

from ._codegen import LINEAR_ID, WG, header, i32w, new_array
from ._dtypes import dtype_info, lit
from ._elementwise import rt_of
from ._runtime import meta_struct

__all__ = ["lstm_cell_forward", "lstm_cell_backward", "make_kernels"]

# bindings 1.. in this order; metadata words 2 + 3k: offset, row stride, column stride
_FWD = ("HY", "CY", "WS", "GX", "GH", "CX")
_BWD = ("DG", "DCX", "DH", "DO", "DC", "CX", "CY", "WS")


def _source(dt, names: tuple[str, ...], body: list[str]) -> str:
    """WGSL: P (metadata [N, H, then the offset and (row, column) strides of each array]),
    then the outputs and inputs; one thread per (n, j) of the (N, H) cell."""
    st, F = dt.storage, dt.compute
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;"]
    lines += [f"@group(0) @binding({k + 1}) var<storage, read_write> {n}: array<{st}>;"
              for k, n in enumerate(names)]
    lines += ["fn at(b: u32, n: u32, j: u32) -> i32 {",
              "  return bitcast<i32>(P[b]) + i32(n) * bitcast<i32>(P[b + 1u]) + "
              "i32(j) * bitcast<i32>(P[b + 2u]);", "}",
              f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
              f"  let e = (wg.y * nwg.x + wg.x) * {WG}u + li;",
              "  let H = P[1];",
              "  if (e >= P[0] * H) { return; }",
              "  let n = e / H;", "  let j = e - n * H;",
              f"  let one = {lit(F, 1.0)};"]
    for k, name in enumerate(names):
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
            f"WS[at(bWS, n, j)] = {dt.store('gi')};",
            f"WS[at(bWS, n, j + H)] = {dt.store('gf')};",
            f"WS[at(bWS, n, j + 2u * H)] = {dt.store('gg')};",
            f"WS[at(bWS, n, j + 3u * H)] = {dt.store('go')};",
            f"HY[at(bHY, n, j)] = {dt.store('h')};", f"CY[at(bCY, n, j)] = {dt.store('c')};"]


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
            f"let cx = {ld('CX[at(bCX, n, j)]')};",
            f"DG[at(bDG, n, j)] = {dt.store('dc * gg * gi * (one - gi)')};",
            f"DG[at(bDG, n, j + H)] = {dt.store('dc * cx * gf * (one - gf)')};",
            f"DG[at(bDG, n, j + 2u * H)] = {dt.store('dc * gi * (one - gg * gg)')};",
            f"DG[at(bDG, n, j + 3u * H)] = {dt.store('dh * tc * go * (one - go)')};",
            f"DCX[at(bDCX, n, j)] = {dt.store('dc * gf')};"]


def _strides(arrays) -> list[int]:
    meta: list[int] = []
    for a in arrays:
        s = a.strides
        meta += [i32w(a.offset), i32w(s[0]), i32w(s[1])]
    return meta


def _launch(rt, dt, key, body, names, arrays, nout: int, n: int, hid: int) -> None:
    kernel = rt._kernels.get(key)
    if kernel is None:
        kernel = rt.kernel(key, lambda: _source(dt, names, body(dt)), (True,) * len(names))
    meta = [n, hid] + _strides(arrays)
    buffers = [a.storage.buffer for a in arrays]
    cost = len(arrays) * 4 * n * hid * dt.itemsize
    rt.record(kernel, meta_struct(len(meta)).pack(*meta), buffers,
              rt.grid(-(-(n * hid) // WG)), cost)
    for a in arrays[:nout]:
        a.storage.version += 1


def _out(rt, given, shape, dtype):
    return new_array(rt, shape, dtype) if given is None else given


def lstm_cell_forward(gates_x: StridedArray, gates_h: StridedArray, c_prev: StridedArray,
                      h_out: StridedArray | None = None, c_out: StridedArray | None = None,
                      workspace_out: StridedArray | None = None):
    """``(h, c, workspace)`` of the LSTM cell for the gate pre-activations ``gates_x +
    gates_h`` ((N, 4H), PyTorch's order i, f, g, o) and the previous cell state ``c_prev``
    (N, H); ``workspace`` (N, 4H) holds sigmoid(i), sigmoid(f), tanh(g), sigmoid(o). Each
    result is written into its ``*_out`` array where one is given (and is that array)."""
    rt = rt_of(gates_x)
    dt = dtype_info(gates_x.dtype)
    n, hid = c_prev.shape
    npdt = gates_x.dtype
    h = _out(rt, h_out, (n, hid), npdt)
    c = _out(rt, c_out, (n, hid), npdt)
    ws = _out(rt, workspace_out, (n, 4 * hid), npdt)
    if n * hid:
        _launch(rt, dt, ("lstm_cell_forward", dt.name), _forward_body, _FWD,
                (h, c, ws, gates_x, gates_h, c_prev), 3, n, hid)
    return h, c, ws


def lstm_cell_backward(dh: StridedArray, dh_out: StridedArray, dc: StridedArray,
                       c_prev: StridedArray, c: StridedArray, workspace: StridedArray,
                       d_gates_out: StridedArray | None = None,
                       dc_prev_out: StridedArray | None = None):
    """``(d_gates (N, 4H), dc_prev (N, H))`` of the cell for h's gradient ``dh + dh_out`` and
    c's gradient ``dc``, from the forward's ``c_prev``, ``c`` and ``workspace``; written into
    ``d_gates_out`` / ``dc_prev_out`` where given."""
    rt = rt_of(dh)
    dt = dtype_info(dh.dtype)
    n, hid = c.shape
    dg = _out(rt, d_gates_out, (n, 4 * hid), dh.dtype)
    dcx = _out(rt, dc_prev_out, (n, hid), dh.dtype)
    if n * hid:
        _launch(rt, dt, ("lstm_cell_backward", dt.name), _backward_body, _BWD,
                (dg, dcx, dh, dh_out, dc, c_prev, c, workspace), 2, n, hid)
    return dg, dcx


def make_kernels(all_dtypes) -> dict:
    """Every float dtype (narrowed to the adapter's features at registration)."""
    floats = [d for d in all_dtypes if dtype_info(d).kind == "f"]
    return {"lstm_cell_forward": dict.fromkeys(floats, lstm_cell_forward),
            "lstm_cell_backward": dict.fromkeys(floats, lstm_cell_backward)}
