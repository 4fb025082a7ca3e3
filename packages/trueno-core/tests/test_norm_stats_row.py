"""The row ``batch_norm_update_stats`` (batch_norm's running statistics moved in place): the
decomposition (primitives only) and the reference kernel vs PyTorch's running_mean and
running_var after a training batch_norm (torch==2.13.0), with one buffer left out, float16
(in float32, rounded once), float32 and float64; the int64 counter num_batches_tracked (or
None) counted up by one."""

from __future__ import annotations

import numpy as np
import pytest
from decomposition_checks import _prims_only_result, spy_kernels

import trueno as tn
from trueno import _decompositions_norm_stats as DS
from trueno._reference import _norm_stats as R

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(37)
TOL = {"float16": dict(rtol=1e-3, atol=1e-3), "float32": dict(rtol=1e-6, atol=1e-7),
       "float64": dict(rtol=1e-14, atol=1e-15)}


@pytest.fixture
def kernels_used(monkeypatch):
    return spy_kernels(monkeypatch)


def _torch(x, rm, rv, momentum):
    """PyTorch's running buffers after one training batch_norm of ``x`` (float64)."""
    trm, trv = torch.tensor(rm, dtype=torch.float64), torch.tensor(rv, dtype=torch.float64)
    torch.nn.functional.batch_norm(torch.tensor(x, dtype=torch.float64), trm, trv,
                                   training=True, momentum=momentum)
    return trm.numpy(), trv.numpy()


@pytest.mark.parametrize("keep", ["both", "mean", "var"])
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("impl", ["decomposition", "reference"])
def test_update_stats_row_matches_torch(impl, dtype, keep, kernels_used):
    x = RNG.standard_normal((6, 4, 3, 5)) * 2 + 1
    rm, rv = RNG.standard_normal(4), RNG.random(4) + 0.5
    want_m, want_v = _torch(x, rm, rv, 0.3)
    mean, var = x.mean((0, 2, 3)), x.var((0, 2, 3))
    n = x.size // 4
    args = [a.astype(dtype) for a in (rm, rv, mean, var)]
    if keep == "mean":
        args[1] = None
    if keep == "var":
        args[0] = None
    args.append(np.array(5, np.int64) if keep != "var" else None)
    if impl == "reference":
        R.batch_norm_update_stats(*args, momentum=0.3, factor=n / (n - 1))
        got, count = args[:2], args[4]
    else:
        ts = [None if a is None else tn.asarray(a) for a in args]
        _prims_only_result(lambda *t: DS.batch_norm_update_stats(
            *t, momentum=0.3, factor=n / (n - 1)), ts, kernels_used)
        got = [None if t is None else np.asarray(t) for t in ts[:2]]
        count = None if ts[4] is None else np.asarray(ts[4])
    assert count is None if keep == "var" else (count.dtype == np.int64 and int(count) == 6)
    for g, w, kept in zip(got, (want_m, want_v), (keep != "var", keep != "mean"), strict=True):
        if kept:
            assert g.dtype == np.dtype(dtype)
            np.testing.assert_allclose(g.astype(np.float64), w, **TOL[dtype])
        else:
            assert g is None
