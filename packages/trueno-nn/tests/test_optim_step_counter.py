"""Adam's ``step`` counter advances in place (``_advance_step``: its float32 NumPy scalar, the
version bumped) with PyTorch's values and results; counters of another layout take
``add_``."""

from __future__ import annotations

import numpy as np
import torch as T

import trueno.torch as torch
from trueno_nn.optim.optimizer import _advance_step


def _adam(lib, steps, **kw):
    rng = np.random.default_rng(3)
    p0 = rng.standard_normal((6, 5))
    grads = [rng.standard_normal((6, 5)) for _ in range(steps)]
    p = lib.tensor(p0, dtype=lib.float32, requires_grad=True)
    opt = lib.optim.Adam([p], lr=0.01, **kw)
    for g in grads:
        p.grad = lib.tensor(g, dtype=lib.float32)
        opt.step()
    return p, opt


def test_adam_counter_and_result_match_torch():
    for kw in ({}, {"amsgrad": True, "weight_decay": 0.1}):
        p, opt = _adam(torch, 7, **kw)
        tp, topt = _adam(T, 7, **kw)
        step, tstep = opt.state[p]["step"], topt.state[tp]["step"]
        assert step.dtype == torch.float32 and step.shape == () and step.item() == 7.0
        assert step.item() == tstep.item()
        np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-6,
                                   atol=1e-7)


def test_advance_step_in_place_and_versioned():
    s = torch.tensor(0.0, dtype=torch.float32)
    data, v = s._data, s._version[0]
    assert _advance_step(s) == 1.0 and _advance_step(s) == 2.0
    assert s._data is data and s._version[0] == v + 2 and s.item() == 2.0
    s2 = torch.tensor(float(2**24), dtype=torch.float32)  # float32 arithmetic, as add_'s
    assert _advance_step(s2) == float(np.float32(2**24) + np.float32(1))


def test_advance_step_other_counters_take_add_():
    for s in (torch.tensor(4.0, dtype=torch.float64), torch.tensor([4.0]),
              torch.tensor(4, dtype=torch.int64)):
        assert _advance_step(s) == 5.0
        assert s.reshape(()).item() == 5
