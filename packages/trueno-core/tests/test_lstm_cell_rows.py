"""The LSTM cell rows ``lstm_cell_forward`` and ``lstm_cell_backward`` (PyTorch's fused cell
without biases, which trueno-nn's LSTM node runs off the CPU): the decomposition (primitives
only), the reference kernel and the row through the dispatcher vs PyTorch's autograd of the
cell (torch==2.13.0, float64), for float16, float32 and float64, with gates far into
sigmoid's and tanh's tails, operands that are strided views, and results written into given
``*_out`` views of one larger array (returned as those views)."""

from __future__ import annotations

import numpy as np
import pytest
from decomposition_checks import _prims_only_result, spy_kernels

import trueno as tn
from trueno import _decompositions_rnn as DR
from trueno._dispatch import run
from trueno._reference import _rnn as R

torch = pytest.importorskip("torch")

N, H = 3, 4
TOL = {"float16": dict(rtol=2e-2, atol=1e-2), "float32": dict(rtol=1e-5, atol=1e-6),
       "float64": dict(rtol=1e-12, atol=1e-13)}


@pytest.fixture
def kernels_used(monkeypatch):
    return spy_kernels(monkeypatch)


def _inputs(seed: int):
    """Gate products (with a few far into the tails: +-40), c_prev and the three gradients."""
    rng = np.random.default_rng(seed)
    gx, gh = rng.standard_normal((2, N, 4 * H)) * 2
    gx[0, :4] = (40.0, -40.0, 25.0, -25.0)
    gx[1, 2 * H:2 * H + 2] = (-30.0, 30.0)
    cp, dh, do, dc = rng.standard_normal((4, N, H))
    return gx, gh, cp, dh, do, dc


def _want(gx, gh, cp, dh, do, dc):
    """torch's (h, c, workspace, d_gates, dc_prev), float64."""
    g, c0 = (torch.tensor(a, requires_grad=True) for a in ((gx + gh), cp))
    i, f, gg, o = g.chunk(4, 1)
    i, f, gg, o = i.sigmoid(), f.sigmoid(), gg.tanh(), o.sigmoid()
    c = f * c0 + i * gg
    h = o * c.tanh()
    dg, dcp = torch.autograd.grad((h, c), (g, c0), (torch.tensor(dh + do), torch.tensor(dc)))
    return [t.detach().numpy() for t in (h, c, torch.cat([i, f, gg, o], 1), dg, dcp)]


def _row(name, ts):
    return run(tn.OPS[name], ts, tuple(None if t is None else t._data for t in ts), {},
               ts[0].__class__, ts[0].device, ts[0].dtype)


def _strided(a, dtype):
    """``a`` as a transposed view of a (cols, rows) array (strides (1, rows))."""
    return tn.asarray(np.ascontiguousarray(a.T).astype(dtype)).mT


def _outs(dtype, into: bool):
    """None for each result, or views of one (2, N, 8H) array: h, c, the workspace, then
    d_gates and dc_prev (strided: columns of a row block)."""
    if not into:
        return [None] * 5
    base = tn.asarray(np.zeros((2, N, 8 * H), dtype))
    return [base[0, :, :H], base[0, :, H:2 * H], base[0, :, 4 * H:], base[1, :, :4 * H],
            base[1, :, 4 * H:8 * H:4]]


@pytest.mark.parametrize("into", [False, True], ids=["new", "into"])
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("impl", ["decomposition", "reference", "dispatch"])
def test_lstm_cell_rows_match_torch(impl, dtype, into, kernels_used):
    gx, gh, cp, dh, do, dc = vals = _inputs(5)
    want = _want(*vals)
    # the backward reads the forward's c and workspace: torch's, in the tested dtype
    c, ws = want[1], want[2]
    fwd_in = [a.astype(dtype) for a in (gx, gh, cp)]
    bwd_in = [a.astype(dtype) for a in (dh, do, dc, cp, c, ws)]
    outs = _outs(dtype, into)
    if impl == "reference":
        arr = [None if o is None else o._data for o in outs]
        got = (*R.lstm_cell_forward(*fwd_in, *arr[:3]),
               *R.lstm_cell_backward(*bwd_in, *arr[3:]))
        if into:
            assert all(g is a for g, a in zip(got, arr, strict=True))
    else:
        fwd_t = [tn.asarray(a) for a in fwd_in]
        fwd_t[1] = _strided(fwd_in[1], dtype)
        bwd_t = [tn.asarray(a) for a in bwd_in]
        bwd_t[4] = _strided(bwd_in[4], dtype)
        fwd_t += outs[:3]
        bwd_t += outs[3:]
        if impl == "decomposition":
            got = (*_prims_only_result(DR.lstm_cell_forward, fwd_t, kernels_used),
                   *_prims_only_result(DR.lstm_cell_backward, bwd_t, kernels_used))
        else:
            got = (*_row("lstm_cell_forward", fwd_t), *_row("lstm_cell_backward", bwd_t))
    if into:  # the results are the given views, which hold them
        got = [o.numpy() for o in outs]
    shapes = [(N, H), (N, H), (N, 4 * H), (N, 4 * H), (N, H)]
    for g, w, s in zip(got, want, shapes, strict=True):
        g = np.asarray(g)
        assert g.dtype == np.dtype(dtype) and g.shape == s
        np.testing.assert_allclose(g.astype(np.float64), w, **TOL[dtype])


def test_lstm_cell_rows_declaration():
    for name, nin in (("lstm_cell_forward", 6), ("lstm_cell_backward", 8)):
        row = tn.OPS[name]
        assert row.nin == nin and not row.differentiable and row.decomposition is not None
