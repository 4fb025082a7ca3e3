"""The row ``threshold_backward`` (relu's gradient from its output, which autograd's relu rule
calls off the CPU): the decomposition (primitives only), the reference kernel and the row
through the dispatcher vs PyTorch's ``aten.threshold_backward`` (torch==2.13.0) bit for bit,
signed zeros and NaN included (a NaN ``x`` passes the gradient on), for float16, float32 and
float64, thresholds 0 and 0.5, and operands that broadcast."""

from __future__ import annotations

import numpy as np
import pytest
from decomposition_checks import _prims_only_result, spy_kernels

import trueno as tn
from trueno import _decompositions_nn as DN
from trueno._dispatch import run
from trueno._reference import _nn as R

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(41)


@pytest.fixture
def kernels_used(monkeypatch):
    return spy_kernels(monkeypatch)


def _inputs(dtype, gshape=(5, 8), xshape=(5, 8)):
    """A gradient with signed zeros and a NaN, and an ``x`` with zeros of both signs, values at
    the threshold 0.5, a NaN and an infinity."""
    g = RNG.standard_normal(gshape).astype(dtype)
    g.flat[:2] = (0.0, -0.0)
    g.flat[-1] = np.nan
    x = np.round(RNG.standard_normal(xshape) * 2) / 4
    x.flat[:6] = (0.0, -0.0, 0.5, np.nan, -np.inf, np.inf)
    return g, x.astype(dtype)


def _want(g, x, threshold):
    gb, xb = np.broadcast_arrays(g, x)
    tg, tx = torch.tensor(gb.copy()), torch.tensor(xb.copy())
    return torch.ops.aten.threshold_backward(tg, tx, threshold).numpy()


def _same(got, want):
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)  # NaN where NaN
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


@pytest.mark.parametrize("shapes", [((5, 8), (5, 8)), ((1, 8), (5, 8)), ((5, 8), (8,))])
@pytest.mark.parametrize("threshold", [0.0, 0.5])
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("impl", ["decomposition", "reference", "dispatch"])
def test_threshold_backward_matches_torch(impl, dtype, threshold, shapes, kernels_used):
    g, x = _inputs(dtype, *shapes)
    want = _want(g, x, threshold)
    if impl == "reference":
        got = R.threshold_backward(g, x, threshold=threshold)
    elif impl == "decomposition":
        got = np.asarray(_prims_only_result(
            lambda tg, tx: DN.threshold_backward(tg, tx, threshold=threshold),
            [tn.asarray(g), tn.asarray(x)], kernels_used))
    else:
        tg, tx = tn.asarray(g), tn.asarray(x)
        got = np.asarray(run(tn.OPS["threshold_backward"], (tg, tx), (tg._data, tx._data),
                             {"threshold": threshold}, tg.__class__, tg.device, tg.dtype))
    _same(np.asarray(got), want)


def test_threshold_backward_row_declaration():
    row = tn.OPS["threshold_backward"]
    assert row.nin == 2 and not row.differentiable and row.decomposition is not None
