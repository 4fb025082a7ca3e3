"""The multi-tensor optimizer updates (``sgd_update.many``, ``adam_update.many``: several
parameters in one dispatch) vs the rows' formulas in NumPy, per parameter: sizes around the
workgroup, an empty one, more parameters than one launch takes (two launches), a strided
view (updated through the single-tensor kernel), float32 and float64."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DTYPES, KERNELS, down, up
from test_optim_updates import ADAM, _close, _rand, rt_count
from trueno._testing_optim import np_adam, np_sgd

from trueno_gpu import _optim_multi

FLOATS = [d for d in ("float32", "float64") if d in DTYPES]
SHAPES = [(5,), (256,), (0,), (3, 67), (1,), (300,), (257,), (2, 2), (9,), (70,), (4,),
          (513,)]  # 12: with momentum's 3 arrays, 10 per launch on lavapipe, then 2


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("opts", [dict(momentum=0.9), dict(momentum=0.9, init_buffer=True),
                                  dict(momentum=0.7, nesterov=True, weight_decay=0.1,
                                       maximize=True), dict(weight_decay=0.1)], ids=str)
def test_sgd_many(dtype, opts):
    rng = np.random.default_rng(3)
    mom = bool(opts.get("momentum"))
    host = [[_rand(s, dtype, rng) for _ in range(3)] for s in SHAPES]
    dev = [[up(a) for a in h] for h in host]
    n0 = rt_count()
    KERNELS["sgd_update"][dtype].many([[p, g, b if mom else None] for p, g, b in dev],
                                      lr=0.05, **opts)
    rt = _optim_multi.get_runtime(0)
    per = _optim_multi._per_launch(rt, 3 if mom else 2, 4, dtype == "float64")
    fitted = len(SHAPES) - 1  # the empty one records nothing
    assert rt_count() - n0 == -(-fitted // per)
    for (p0, g0, b0), (p, _, b) in zip(host, dev):
        want = [p0.copy(), g0, b0.copy()]
        np_sgd(*want, lr=0.05, **opts)
        _close(p, want[0], dtype)
        if mom:
            _close(b, want[2], dtype)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("opts", [dict(), dict(weight_decay=0.1, decoupled=True),
                                  dict(maximize=True, amsgrad=True, weight_decay=0.02)],
                         ids=str)
def test_adam_many(dtype, opts):
    rng = np.random.default_rng(4)
    host = [[_rand(s, dtype, rng, lo=lo) for lo in (-3.0, -3.0, -3.0, 0.0, 0.0)]
            for s in SHAPES[:9]]
    dev = [[up(a) for a in h] for h in host]
    n0 = rt_count()
    ams = opts.get("amsgrad", False)
    KERNELS["adam_update"][dtype].many([d[:4] + [d[4] if ams else None] for d in dev], step=3,
                                       **ADAM, **opts)
    per = _optim_multi._per_launch(_optim_multi.get_runtime(0), 5 if ams else 4, 8,
                                   dtype == "float64")
    assert rt_count() - n0 == -(-8 // per)
    for h, d in zip(host, dev):
        want = [a.copy() for a in h]
        np_adam(*want[:4], want[4] if ams else None, step=3, **ADAM, **opts)
        for k in (0, 2, 3) + ((4,) if ams else ()):
            _close(d[k], want[k], dtype)


def test_strided_parameter_takes_the_single_kernel():
    """A transposed view among dense parameters: its own (copy-through) update, the same
    values; the dense ones still share one launch."""
    rng = np.random.default_rng(5)
    base = _rand((6, 4), "float32", rng)
    host = [[base.T.copy(), _rand((4, 6), "float32", rng), _rand((4, 6), "float32", rng)]] + \
        [[_rand((33,), "float32", rng) for _ in range(3)] for _ in range(3)]
    dev = [[up(a) for a in h] for h in host]
    pt = up(base)
    dev[0][0] = pt.view(pt.offset, (4, 6), (1, 4))  # the transposed view of base
    KERNELS["sgd_update"]["float32"].many(dev, lr=0.1, momentum=0.5)
    for i, (h, d) in enumerate(zip(host, dev)):
        want = [a.copy() for a in h]
        np_sgd(*want, lr=0.1, momentum=0.5)
        got = down(pt).T if i == 0 else down(d[0])
        np.testing.assert_allclose(got, want[0], rtol=2e-6, atol=1e-6)
        np.testing.assert_allclose(down(d[2]), want[2], rtol=2e-6, atol=1e-6)
