"""The GRU cell kernels (``_gru_cell``: rows ``gru_cell_forward`` / ``gru_cell_backward``) vs
PyTorch's autograd of the cell (torch==2.13.0, float64 on the CPU): h, the workspace (r, z, n,
h_n), the gradients of both gate products and h_prev's direct part, for every float dtype the
adapter has, with and without the hidden bias (a strided row), gates far into the tails,
outputs written into views of one array that h_prev is read from, and an empty batch; one
launch each."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DTYPES, down, up, view_of

from trueno_gpu import _gru_cell, _runtime

torch = pytest.importorskip("torch")

TOL = {"float32": dict(rtol=1e-5, atol=1e-5),  # exp and tanh to a few ulp on any driver
       "float64": dict(rtol=1e-12, atol=1e-13),
       "float16": dict(rtol=2e-2, atol=1e-2), "bfloat16": dict(rtol=5e-2, atol=5e-2)}
FLOAT_DTYPES = [d for d in ("float32", "float16", "bfloat16", "float64") if d in DTYPES]


def _torch(gx, gh, b, hp, dh, do):
    """torch's (h, workspace, d_gates_x, d_gates_h, dh_prev's direct part), float64."""
    f = lambda a: np.asarray(a, np.float64)  # noqa: E731
    tx, th = (torch.tensor(f(a), requires_grad=True) for a in (gx, gh))
    hid = hp.shape[1]
    hh = th + (0 if b is None else torch.tensor(f(b)))
    r = (tx[:, :hid] + hh[:, :hid]).sigmoid()
    z = (tx[:, hid:2 * hid] + hh[:, hid:2 * hid]).sigmoid()
    n = (tx[:, 2 * hid:] + r * hh[:, 2 * hid:]).tanh()
    h = (1 - z) * n + z * torch.tensor(f(hp))
    d = torch.tensor(f(dh) + f(do))
    dgx, dgh = torch.autograd.grad(h, (tx, th), d)
    ws = torch.cat([r, z, n, hh[:, 2 * hid:]], 1)
    return [t.detach().numpy() for t in (h, ws, dgx, dgh, d * z)]


def _check(got, want, dtype):
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(np.asarray(down(g), np.float64), w, **TOL[dtype])


@pytest.mark.parametrize("n,hid,bias", [(3, 5, True), (7, 41, False), (0, 4, True)])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_gru_cell_kernels_match_torch(dtype, n, hid, bias):
    rng = np.random.default_rng(5 + n)
    gx, gh = (rng.standard_normal((n, 3 * hid)) * 2 for _ in range(2))
    if n:
        gx[0, :3] = (40.0, -40.0, 25.0)
    hp, dh, do = (rng.standard_normal((n, hid)) for _ in range(3))
    b2 = rng.standard_normal((2, 3 * hid)).astype(dtype)  # the bias: a column of b2.T
    b2t = np.ascontiguousarray(b2.T)
    b = view_of(up(b2t), b2t, b2t[:, 1]) if bias else None
    vals = [a.astype(dtype) for a in (gx, gh, hp, dh, do)]
    gx, gh, hp, dh, do = vals
    want = _torch(gx, gh, b2[1] if bias else None, hp, dh, do)
    rt = _runtime.get_runtime(0)
    d0 = rt.dispatches
    h, ws = _gru_cell.gru_cell_forward(up(gx), up(gh), up(hp), b)
    got_b = _gru_cell.gru_cell_backward(up(dh), up(do), up(hp), ws)
    assert rt.dispatches - d0 == (2 if n else 0)
    _check((h, ws), want[:2], dtype)
    _check(got_b, want[2:], dtype)


def test_gru_cell_kernels_write_into_views():
    """h_prev read from the array h is written into (another step's rows); the given views
    are the results; dh_prev_add is added to h_prev's direct part."""
    rng = np.random.default_rng(12)
    n, hid = 3, 5
    gx, gh = (rng.standard_normal((n, 3 * hid)).astype("float32") for _ in range(2))
    dh, do = (rng.standard_normal((n, hid)).astype("float32") for _ in range(2))
    seq = rng.standard_normal((2, n, hid)).astype("float32")
    want = _torch(gx, gh, None, seq[0], dh, do)
    hs = up(seq)
    ws_np = np.zeros((n, 4 * hid), "float32")
    ws_out = view_of(up(ws_np), ws_np, ws_np)
    h0, h1 = (view_of(hs, seq, seq[t]) for t in (0, 1))
    h, ws = _gru_cell.gru_cell_forward(up(gx), up(gh), h0, None, h1, ws_out)
    assert h is h1 and ws is ws_out
    _check((h, ws), want[:2], "float32")
    grads = np.zeros((2, n, 7 * hid), "float32")
    g = up(grads)
    outs = [view_of(g, grads, v) for v in (grads[0, :, :3 * hid], grads[1, :, :3 * hid],
                                             grads[0, :, 3 * hid:4 * hid])]
    da = rng.standard_normal((n, hid)).astype("float32")  # dh_prev_add
    got = _gru_cell.gru_cell_backward(up(dh), up(do), h0, ws, up(da), *outs)
    assert all(a is b for a, b in zip(got, outs, strict=True))
    _check(got, want[2:4] + [want[4] + da], "float32")
