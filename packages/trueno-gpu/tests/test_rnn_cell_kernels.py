"""The LSTM cell kernels (``_rnn_cell``: rows ``lstm_cell_forward`` / ``lstm_cell_backward``)
vs PyTorch's autograd of the cell (torch==2.13.0, float64 on the CPU): h, c, the workspace
of the four activations, the gates' and c_prev's gradients, for every float dtype the
adapter has, gates far into the activations' tails, operands read in place as views
(offset slices, transposed, negative strides, broadcast), a batch whose N * H is not a
multiple of the workgroup, and an empty batch; one launch each."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DTYPES, down, up, view_of

from trueno_gpu import _rnn_cell, _runtime

torch = pytest.importorskip("torch")

TOL = {"float32": dict(rtol=1e-5, atol=1e-5),  # exp and tanh to a few ulp on any driver
       "float64": dict(rtol=1e-12, atol=1e-13),
       "float16": dict(rtol=2e-2, atol=1e-2), "bfloat16": dict(rtol=5e-2, atol=5e-2)}
FLOAT_DTYPES = [d for d in ("float32", "float16", "bfloat16", "float64") if d in DTYPES]


def _torch(gx, gh, cp, dh, do, dc):
    """torch's (h, c, workspace, d_gates, dc_prev) in float64."""
    g, c0 = (torch.tensor(np.asarray(a, np.float64), requires_grad=True) for a in (gx + gh, cp))
    i, f, gg, o = g.chunk(4, 1)
    i, f, gg, o = i.sigmoid(), f.sigmoid(), gg.tanh(), o.sigmoid()
    c = f * c0 + i * gg
    h = o * c.tanh()
    d = [torch.tensor(np.asarray(a, np.float64)) for a in (dh + do, dc)]
    dg, dcp = torch.autograd.grad((h, c), (g, c0), d)
    return [t.detach().numpy() for t in (h, c, torch.cat([i, f, gg, o], 1), dg, dcp)]


def _values(rng, n, hid, dtype):
    gx, gh = (rng.standard_normal((n, 4 * hid)) * 2 for _ in range(2))
    if n * hid:
        gx[0, :4] = (40.0, -40.0, 25.0, -25.0)  # saturated gates (exp overflows on one side)
    cp, dh, do, dc = (rng.standard_normal((n, hid)) for _ in range(4))
    return [a.astype(dtype) for a in (gx, gh, cp, dh, do, dc)]


def _check(got, want, dtype):
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(np.asarray(down(g), np.float64), w, **TOL[dtype])


@pytest.mark.parametrize("n,hid", [(3, 5), (7, 41), (0, 4)])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_lstm_cell_kernels_match_torch(dtype, n, hid):
    rng = np.random.default_rng(3 + n)
    gx, gh, cp, dh, do, dc = vals = _values(rng, n, hid, dtype)
    want = _torch(*vals)
    rt = _runtime.get_runtime(0)
    d0 = rt.dispatches
    h, c, ws = _rnn_cell.lstm_cell_forward(up(gx), up(gh), up(cp))
    assert rt.dispatches - d0 == (1 if n else 0)
    # the backward from the kernel's own c and workspace (rounded as stored)
    dg, dcp = _rnn_cell.lstm_cell_backward(up(dh), up(do), up(dc), up(cp), c, ws)
    assert rt.dispatches - d0 == (2 if n else 0)
    _check((h, c, ws), want[:3], dtype)
    _check((dg, dcp), want[3:], dtype)
    assert down(dg).shape == (n, 4 * hid) and down(dcp).shape == (n, hid)


@pytest.mark.parametrize("dtype", ["float32"] + (["float64"] if "float64" in DTYPES else []))
def test_lstm_cell_kernels_read_views_in_place(dtype):
    """Every operand a view: a time step of a (T, N, 4H) product, a transposed array, a
    negative-stride one, a broadcast row; same values as contiguous operands."""
    rng = np.random.default_rng(9)
    n, hid = 4, 6
    gx, gh, cp, dh, do, dc = _values(rng, n, hid, dtype)
    want = _torch(gx, gh, cp, dh, do, dc[:1].repeat(n, 0))
    seq = rng.standard_normal((3, n, 4 * hid)).astype(dtype)
    seq[1] = gx
    gx_v = view_of(up(seq), seq, seq[1])
    ght = np.ascontiguousarray(gh.T)
    gh_v = view_of(up(ght), ght, ght.T)
    cpr = np.ascontiguousarray(cp[::-1])
    cp_v = view_of(up(cpr), cpr, cpr[::-1])
    h, c, ws = _rnn_cell.lstm_cell_forward(gx_v, gh_v, cp_v)
    _check((h, c, ws), want[:3], dtype)
    dc1 = np.ascontiguousarray(dc[:1])
    dc_v = view_of(up(dc1), dc1, np.broadcast_to(dc1, (n, hid)))
    cpr_dev = up(cpr)
    dg, dcp = _rnn_cell.lstm_cell_backward(up(dh), up(do), dc_v,
                                           view_of(cpr_dev, cpr, cpr[::-1]), c, ws)
    _check((dg, dcp), want[3:], dtype)


def test_lstm_cell_kernels_write_into_sequence_arrays():
    """Two steps writing into (T, N, ...) arrays as the LSTM node does: step 1 reads c_prev
    from the array it writes c into (one buffer bound twice, every binding read_write), the
    backward writes into its step of one d_gates array; the given views are the results,
    the other steps' rows stay untouched."""
    rng = np.random.default_rng(11)
    n, hid = 3, 5
    gx, gh, cp, dh, do, dc = _values(rng, n, hid, "float32")
    gx2, gh2 = (rng.standard_normal((n, 4 * hid)).astype("float32") for _ in range(2))
    want1 = _torch(gx, gh, cp, dh, do, dc)
    want2 = _torch(gx2, gh2, want1[1], dh, do, dc)
    hs_np = np.full((2, n, hid), 7.0, "float32")
    ws_np = np.full((2, n, 4 * hid), 7.0, "float32")
    hs, cs, ws = up(hs_np), up(hs_np), up(ws_np)
    step = [tuple(view_of(a, b, b[t]) for a, b in ((hs, hs_np), (cs, hs_np), (ws, ws_np)))
            for t in range(2)]
    h0, c0, w0 = step[0]
    got = _rnn_cell.lstm_cell_forward(up(gx), up(gh), up(cp), h0, c0, w0)
    assert got[0] is h0 and got[1] is c0 and got[2] is w0
    h1, c1, w1 = step[1]
    _rnn_cell.lstm_cell_forward(up(gx2), up(gh2), c0, h1, c1, w1)
    _check((h1, c1, w1), want2[:3], "float32")
    _check((h0, c0, w0), want1[:3], "float32")
    dgs = up(ws_np)
    dg1 = view_of(dgs, ws_np, ws_np[1])
    dg, dcp = _rnn_cell.lstm_cell_backward(up(dh), up(do), up(dc), c0, c1, w1, dg1)
    assert dg is dg1
    _check((dg, dcp), want2[3:], "float32")
    assert (down(dgs)[0] == 7.0).all()  # the other step's rows are not written
