"""The GRU cell rows ``gru_cell_forward`` and ``gru_cell_backward`` (PyTorch's fused GRU cell,
which trueno-nn's GRU node runs off the CPU): the decomposition (primitives only), the
reference kernel and the row through the dispatcher vs PyTorch's autograd of the cell
(torch==2.13.0, float64), for float16, float32 and float64, with and without the hidden bias,
gates far into the activations' tails, and results written into given views (with a
``dh_prev_add``)."""

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
    rng = np.random.default_rng(seed)
    gx, gh = rng.standard_normal((2, N, 3 * H)) * 2
    gx[0, :3] = (40.0, -40.0, 25.0)
    gx[1, 2 * H:2 * H + 2] = (-30.0, 30.0)
    b = rng.standard_normal(3 * H)
    hp, dh, do, da = rng.standard_normal((4, N, H))
    return gx, gh, b, hp, dh, do, da


def _want(gx, gh, b, hp, dh, do, da):
    """torch's (h, workspace, d_gates_x, d_gates_h, dh_prev's direct part + da), float64."""
    tx, th = (torch.tensor(a, requires_grad=True) for a in (gx, gh))
    hpt = torch.tensor(hp)
    hh = th + (0 if b is None else torch.tensor(b))
    r = (tx[:, :H] + hh[:, :H]).sigmoid()
    z = (tx[:, H:2 * H] + hh[:, H:2 * H]).sigmoid()
    n = (tx[:, 2 * H:] + r * hh[:, 2 * H:]).tanh()
    h = (1 - z) * n + z * hpt
    d = torch.tensor(dh + do)
    dgx, dgh = torch.autograd.grad(h, (tx, th), d)
    ws = torch.cat([r, z, n, hh[:, 2 * H:]], 1)
    direct = (d * z).detach().numpy()
    return [t.detach().numpy() for t in (h, ws, dgx, dgh)] + [
        direct if da is None else direct + da]


def _row(name, ts):
    return run(tn.OPS[name], ts, tuple(None if t is None else t._data for t in ts), {},
               ts[0].__class__, ts[0].device, ts[0].dtype)


@pytest.mark.parametrize("bias,into", [(True, False), (False, True)],
                         ids=["bias-new", "nobias-into"])
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("impl", ["decomposition", "reference", "dispatch"])
def test_gru_cell_rows_match_torch(impl, dtype, bias, into, kernels_used):
    gx, gh, b, hp, dh, do, da = _inputs(8)
    b = b if bias else None
    da = da if into else None  # dh_prev_add with the outputs into views, None with new ones
    want = _want(gx, gh, b, hp, dh, do, da)
    ws = want[1]
    fwd_in = [None if a is None else a.astype(dtype) for a in (gx, gh, hp, b)]
    bwd_in = [None if a is None else a.astype(dtype) for a in (dh, do, hp, ws, da)]
    base = np.zeros((2, N, 10 * H), dtype)  # the outputs as column blocks of one array
    cols = [(0, 0, H), (0, H, 5 * H), (1, 0, 3 * H), (1, 3 * H, 6 * H), (1, 6 * H, 7 * H)]
    if impl == "reference":
        outs = [base[k, :, a:e] if into else None for k, a, e in cols]
        got = (*R.gru_cell_forward(*fwd_in, *outs[:2]), *R.gru_cell_backward(*bwd_in, *outs[2:]))
    else:
        tb = tn.asarray(base)
        outs = [tb[k, :, a:e] if into else None for k, a, e in cols]
        fwd_t = [None if a is None else tn.asarray(a) for a in fwd_in] + outs[:2]
        bwd_t = [None if a is None else tn.asarray(a) for a in bwd_in] + outs[2:]
        if impl == "decomposition":
            got = (*_prims_only_result(DR.gru_cell_forward, fwd_t, kernels_used),
                   *_prims_only_result(DR.gru_cell_backward, bwd_t, kernels_used))
        else:
            got = (*_row("gru_cell_forward", fwd_t), *_row("gru_cell_backward", bwd_t))
        if into:
            got = [o.numpy() for o in outs]
    shapes = [(N, H), (N, 4 * H), (N, 3 * H), (N, 3 * H), (N, H)]
    for g, w, s in zip(got, want, shapes, strict=True):
        g = np.asarray(g)
        assert g.dtype == np.dtype(dtype) and g.shape == s
        np.testing.assert_allclose(g.astype(np.float64), w, **TOL[dtype])


def test_gru_cell_rows_declaration():
    for name, nin in (("gru_cell_forward", 6), ("gru_cell_backward", 8)):
        row = tn.OPS[name]
        assert row.nin == nin and not row.differentiable and row.decomposition is not None
