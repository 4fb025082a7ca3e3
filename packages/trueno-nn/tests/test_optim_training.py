"""Training equivalence with PyTorch 2.13: an MLP from the same initial weights on the same
batches, each optimizer with a scheduler and gradient clipping, 50 steps: losses step by step
and final weights agree (float64 to 1e-10, float32 to 1e-4 as issue 17 asks)."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T

import trueno.nn as nn
import trueno.optim as optim
import trueno.torch as torch

STEPS = 50
_rng = np.random.default_rng(11)
XS = _rng.standard_normal((STEPS, 16, 8))
YS = np.argmax(XS @ _rng.standard_normal((8, 3)), axis=-1)    # a learnable labelling

SETUPS = [
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
     "CosineAnnealingLR", dict(T_max=STEPS)),
    ("Adam", dict(lr=0.01, weight_decay=1e-3), "StepLR", dict(step_size=10, gamma=0.5)),
    ("AdamW", dict(lr=0.01), "OneCycleLR", dict(max_lr=0.02, total_steps=STEPS)),
    ("RMSprop", dict(lr=0.003, momentum=0.5, centered=True), "LinearLR",
     dict(start_factor=0.5, total_iters=20)),
]


def _models(dtype: str):
    T.manual_seed(0)
    ref = T.nn.Sequential(T.nn.Linear(8, 16), T.nn.Tanh(), T.nn.Linear(16, 16), T.nn.ReLU(),
                          T.nn.Linear(16, 3)).to(getattr(T, dtype))
    mine = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 16), nn.ReLU(),
                         nn.Linear(16, 3)).to(getattr(torch, dtype))
    mine.load_state_dict({k: torch.tensor(v.detach().numpy().copy())
                          for k, v in ref.state_dict().items()})
    return ref, mine


def _run(mod, nn_mod, model, opt_name, opt_kw, sched_name, sched_kw, dtype):
    opt = getattr(mod.optim, opt_name)(model.parameters(), **opt_kw)
    sched = getattr(mod.optim.lr_scheduler, sched_name)(opt, **sched_kw)
    loss_fn = nn_mod.CrossEntropyLoss()
    clip = optim.clip_grad_norm_ if mod is torch else T.nn.utils.clip_grad_norm_
    losses = []
    for x, y in zip(XS, YS):
        opt.zero_grad()
        loss = loss_fn(model(mod.tensor(x.astype(dtype))), mod.tensor(y))
        loss.backward()
        clip(model.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
    return losses, [np.asarray(p.detach()) if mod is torch else p.detach().numpy()
                    for p in model.parameters()]


@pytest.mark.parametrize(("opt_name", "opt_kw", "sched_name", "sched_kw"), SETUPS,
                         ids=[s[0] for s in SETUPS])
def test_mlp_training_matches_torch(opt_name, opt_kw, sched_name, sched_kw, dtype) -> None:
    ref, mine = _models(dtype)
    want_losses, want_w = _run(T, T.nn, ref, opt_name, opt_kw, sched_name, sched_kw, dtype)
    got_losses, got_w = _run(torch, nn, mine, opt_name, opt_kw, sched_name, sched_kw, dtype)
    tol = 1e-10 if dtype == "float64" else 1e-4
    np.testing.assert_allclose(got_losses, want_losses, rtol=tol)
    assert np.mean(want_losses[-5:]) < 0.7 * np.mean(want_losses[:5])     # it did train
    for a, b in zip(got_w, want_w):
        np.testing.assert_allclose(a, b, rtol=0, atol=tol * float(np.abs(b).max()))
