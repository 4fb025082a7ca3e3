"""trueno.optim.swa_utils vs PyTorch 2.13: SWA and EMA averages, SWALR, update_bn."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T

import trueno.nn as nn
import trueno.optim as optim
import trueno.torch as torch
from trueno.optim import swa_utils

_rng = np.random.default_rng(8)
XS = _rng.standard_normal((8, 10, 4))


def _pair(dtype: str):
    T.manual_seed(1)
    ref = T.nn.Sequential(T.nn.Linear(4, 6), T.nn.BatchNorm1d(6), T.nn.ReLU(),
                          T.nn.Linear(6, 2)).to(getattr(T, dtype))
    mine = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(),
                         nn.Linear(6, 2)).to(getattr(torch, dtype))
    mine.load_state_dict({k: torch.tensor(v.numpy().copy())
                          for k, v in ref.state_dict().items()})
    return ref, mine


def _train(mod, model, averaged, opt, sched, dtype) -> list:
    for i, x in enumerate(XS):
        opt.zero_grad()
        out = model(mod.tensor(x.astype(dtype)))
        (out * out).mean().backward()
        opt.step()
        if i >= 3:
            averaged.update_parameters(model)
            sched.step()
    return [np.asarray(p.detach()) if mod is torch else p.detach().numpy()
            for p in averaged.parameters()]


@pytest.mark.parametrize("kind", ["swa", "ema", "ema_multi", "swa_buffers"])
def test_averaged_model_and_swalr_match_torch(kind: str, dtype: str) -> None:
    ref, mine = _pair(dtype)
    results = []
    for mod, utils, model in ((T, T.optim.swa_utils, ref), (torch, swa_utils, mine)):
        kw = {"ema": dict(avg_fn=utils.get_ema_avg_fn(0.9)),
              "ema_multi": dict(multi_avg_fn=utils.get_ema_multi_avg_fn(0.8)),
              "swa_buffers": dict(use_buffers=True)}.get(kind, {})
        averaged = utils.AveragedModel(model, **kw)
        opt = mod.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        sched = utils.SWALR(opt, swa_lr=0.02, anneal_epochs=4,
                            anneal_strategy="linear" if kind == "ema" else "cos")
        weights = _train(mod, model, averaged, opt, sched, dtype)
        buffers = [np.asarray(b) if mod is torch else b.numpy()
                   for b in averaged.module.buffers()]
        results.append((weights, buffers, sched.get_last_lr(), int(averaged.n_averaged)))
    (w_pt, b_pt, lr_pt, n_pt), (w_tr, b_tr, lr_tr, n_tr) = results
    tol = 1e-12 if dtype == "float64" else 1e-5
    assert n_tr == n_pt == len(XS) - 3 and lr_tr == lr_pt
    for a, b in zip(w_tr + b_tr, w_pt + b_pt):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def test_update_bn_matches_torch() -> None:
    ref, mine = _pair("float64")
    loader_pt = [(T.tensor(x), 0) for x in XS[:5]]
    loader_tr = [(torch.tensor(x), 0) for x in XS[:5]]
    T.optim.swa_utils.update_bn(loader_pt, ref)
    swa_utils.update_bn(loader_tr, mine)
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        np.testing.assert_allclose(np.asarray(getattr(mine[1], name)),
                                   getattr(ref[1], name).numpy(), rtol=1e-12)
    assert mine[1].momentum == ref[1].momentum == 0.1


def test_swa_errors() -> None:
    with pytest.raises(ValueError, match="Invalid decay value 1.5"):
        swa_utils.get_ema_avg_fn(1.5)
    opt = optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="anneal_strategy must be one of"):
        swa_utils.SWALR(opt, swa_lr=0.01, anneal_strategy="step")
    assert torch.optim.swa_utils.AveragedModel is swa_utils.AveragedModel
