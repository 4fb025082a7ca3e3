"""The GRU cell's pointwise part as one dispatch forward and one backward (rows
``gru_cell_forward`` and ``gru_cell_backward``, decompositions in core's
``_decompositions_rnn``; PyTorch's ``_thnn_fused_gru_cell`` and its backward).

One thread per (batch row n, hidden unit j) reads the gate products' columns j, H + j, 2H + j
(r, z, n) and the hidden bias where there is one (read as a broadcast row, stride 0), and
writes h and the workspace (r, z, n, h_n); the backward writes the gradients of both gate
products and h_prev's direct part ``(dh + dh_out) z`` (plus ``dh_prev_add``: the GRU node
passes the previous step's output gradient). Operands are read and written in place
with their 2-D strides, every binding ``read_write`` (as the LSTM cell's, ``_rnn_cell``).
"""

from __future__ import annotations

from trueno.backend import StridedArray

from ._dtypes import dtype_info
from ._elementwise import rt_of
from ._rnn_cell import _fns, _launch, _out

__all__ = ["gru_cell_forward", "gru_cell_backward", "make_kernels"]

_FWD = ("HY", "WS", "GX", "GH", "HP")
_BWD = ("DGX", "DGH", "DHP", "DH", "DO", "HP", "WS")


def _col(q: int) -> str:
    return f"j + {q}u * H" if q else "j"


def _forward_body(dt, has_bias: bool):
    sig, tanh = _fns(dt)
    ld = dt.load

    def hid(q: int) -> str:
        v = ld(f"GH[at(bGH, n, {_col(q)})]")
        return f"{v} + {ld(f'BH[at(bBH, n, {_col(q)})]')}" if has_bias else v

    def inp(q: int) -> str:
        return ld(f"GX[at(bGX, n, {_col(q)})]")

    return [f"let r = {sig}({inp(0)} + {hid(0)});", f"let z = {sig}({inp(1)} + {hid(1)});",
            f"let hn = {hid(2)};", f"let nn = {tanh}({inp(2)} + r * hn);",
            f"let h = (one - z) * nn + z * {ld('HP[at(bHP, n, j)]')};",
            f"WS[at(bWS, n, j)] = {dt.store('r')};",
            f"WS[at(bWS, n, j + H)] = {dt.store('z')};",
            f"WS[at(bWS, n, j + 2u * H)] = {dt.store('nn')};",
            f"WS[at(bWS, n, j + 3u * H)] = {dt.store('hn')};",
            f"HY[at(bHY, n, j)] = {dt.store('h')};"]


def _backward_body(dt, has_add: bool):
    ld = dt.load
    lines = [f"let d = {ld('DH[at(bDH, n, j)]')} + {ld('DO[at(bDO, n, j)]')};"]
    lines += [f"let {v} = {ld(f'WS[at(bWS, n, {_col(q)})]')};"
              for q, v in enumerate(("r", "z", "nn", "hn"))]
    lines += ["let dn = d * (one - z) * (one - nn * nn);",
              "let dr = dn * hn * r * (one - r);",
              f"let dz = d * ({ld('HP[at(bHP, n, j)]')} - nn) * z * (one - z);"]
    for name, vals in (("DGX", ("dr", "dz", "dn")), ("DGH", ("dr", "dz", "dn * r"))):
        lines += [f"{name}[at(b{name}, n, {_col(q)})] = {dt.store(v)};"
                  for q, v in enumerate(vals)]
    add = f" + {ld('DA[at(bDA, n, j)]')}" if has_add else ""
    return lines + [f"DHP[at(bDHP, n, j)] = {dt.store(f'd * z{add}')};"]


def gru_cell_forward(gates_x: StridedArray, gates_h: StridedArray, h_prev: StridedArray,
                     bias_h: StridedArray | None = None, h_out: StridedArray | None = None,
                     workspace_out: StridedArray | None = None):
    """``(h, workspace)`` of the GRU cell for the gate products ``gates_x`` and ``gates_h``
    ((N, 3H), r, z, n), the hidden bias ``bias_h`` ((3H,) or None) and ``h_prev`` (N, H);
    ``workspace`` (N, 4H) = r, z, n, h_n. Written into ``*_out`` where given."""
    rt = rt_of(gates_x)
    dt = dtype_info(gates_x.dtype)
    n, hid = h_prev.shape
    h = _out(rt, h_out, (n, hid), gates_x.dtype)
    ws = _out(rt, workspace_out, (n, 4 * hid), gates_x.dtype)
    if n * hid:
        arrays = [h, ws, gates_x, gates_h, h_prev]
        has_bias = bias_h is not None
        if has_bias:  # the (3H,) row read as an (N, 3H) broadcast view
            arrays.append(bias_h.view(bias_h.offset, (n, 3 * hid), (0, bias_h.strides[0])))
        _launch(rt, dt, ("gru_cell_forward", dt.name, has_bias),
                lambda d: _forward_body(d, has_bias), _FWD + ("BH",) * has_bias, arrays, 2,
                n, hid)
    return h, ws


def gru_cell_backward(dh: StridedArray, dh_out: StridedArray, h_prev: StridedArray,
                      workspace: StridedArray, dh_prev_add: StridedArray | None = None,
                      d_gates_x_out: StridedArray | None = None,
                      d_gates_h_out: StridedArray | None = None,
                      dh_prev_out: StridedArray | None = None):
    """``(d_gates_x, d_gates_h, dh_prev)`` ((N, 3H), (N, 3H), (N, H)) of the cell for h's
    gradient ``dh + dh_out``; ``dh_prev`` is its direct part ``(dh + dh_out) z`` plus
    ``dh_prev_add`` (where given)."""
    rt = rt_of(dh)
    dt = dtype_info(dh.dtype)
    n, hid = h_prev.shape
    dgx = _out(rt, d_gates_x_out, (n, 3 * hid), dh.dtype)
    dgh = _out(rt, d_gates_h_out, (n, 3 * hid), dh.dtype)
    dhp = _out(rt, dh_prev_out, (n, hid), dh.dtype)
    if n * hid:
        has_add = dh_prev_add is not None
        arrays = (dgx, dgh, dhp, dh, dh_out, h_prev, workspace) + (dh_prev_add,) * has_add
        _launch(rt, dt, ("gru_cell_backward", dt.name, has_add),
                lambda d: _backward_body(d, has_add), _BWD + ("DA",) * has_add, arrays, 3, n,
                hid)
    return dgx, dgh, dhp


def make_kernels(all_dtypes) -> dict:
    """Every float dtype (narrowed to the adapter's features at registration)."""
    floats = [d for d in all_dtypes if dtype_info(d).kind == "f"]
    return {"gru_cell_forward": dict.fromkeys(floats, gru_cell_forward),
            "gru_cell_backward": dict.fromkeys(floats, gru_cell_backward)}
