"""The fused optimizer updates (sgd_update, adam_update: one pass, in place) vs the formulas of
trueno's rows computed with NumPy in the same order and dtype, for every option, memory
layout and size (threaded chunks included); the kernel is built without FMA contraction, so
the values are NumPy's, bit for bit."""

import numpy as np
import pytest
from conftest import FLOATS, rand, views

from trueno._testing_optim import np_adam, np_sgd

SGD_OPTS = [dict(), dict(momentum=0.9), dict(momentum=0.9, init_buffer=True),
            dict(momentum=0.9, dampening=0.25, weight_decay=0.1),
            dict(momentum=0.7, nesterov=True, maximize=True), dict(weight_decay=0.1),
            dict(maximize=True, momentum=0.5, nesterov=True, weight_decay=0.01,
                 init_buffer=True)]
ADAM_OPTS = [dict(), dict(weight_decay=0.1), dict(weight_decay=0.1, decoupled=True),
             dict(amsgrad=True), dict(maximize=True, amsgrad=True, weight_decay=0.02),
             dict(maximize=True, decoupled=True, weight_decay=0.3, amsgrad=True)]
ADAM = dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("opts", SGD_OPTS, ids=str)
def test_sgd_update(k, dtype, opts):
    rng = np.random.default_rng(5)
    for shape in [(0,), (1,), (7,), (33,), (3, 67), (2, 4, 129), (300, 1000)]:
        p0, g0, b0 = (rand(shape, dtype, rng) for _ in range(3))
        want = [p0.copy(), g0, b0.copy()]
        np_sgd(*want, lr=0.05, **opts)
        for i, (name, _) in enumerate(views(p0)):
            # fresh copies in layout i (a view of a 1-element array may alias its base)
            p, g, b = (views(a.copy())[i][1] for a in (p0, g0, b0))
            buf = b if opts.get("momentum") else None
            out = k.sgd_update(p, g, buf, lr=0.05, **opts)
            assert out is p or (out.__array_interface__["data"] == p.__array_interface__["data"])
            np.testing.assert_array_equal(p, want[0], err_msg=f"{shape} {name}")
            np.testing.assert_array_equal(b, want[2] if buf is not None else b0)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("opts", ADAM_OPTS, ids=str)
def test_adam_update(k, dtype, opts):
    rng = np.random.default_rng(6)
    for shape in [(0,), (1,), (9,), (65,), (3, 67), (2, 4, 129), (300, 1000)]:
        p0, g0, m0 = (rand(shape, dtype, rng) for _ in range(3))
        v0, x0 = (rand(shape, dtype, rng, 0.0, 2.0) for _ in range(2))
        for step in (1.0, 6.0):
            want = [p0.copy(), g0, m0.copy(), v0.copy(), x0.copy()]
            np_adam(*want, **ADAM, step=step, **opts)
            for i, (name, _) in enumerate(views(p0)):
                p, g, m, v, x = (views(a.copy())[i][1] for a in (p0, g0, m0, v0, x0))
                mx = x if opts.get("amsgrad") else None
                k.adam_update(p, g, m, v, mx, **ADAM, step=step, **opts)
                for got, w in zip((p, m, v, x), want[:1] + want[2:]):
                    if got is x and mx is None:
                        np.testing.assert_array_equal(x, x0)  # untouched
                        continue
                    np.testing.assert_array_equal(got, w, err_msg=f"{shape} {name} {step}")


def test_nan_and_inf_propagate_as_in_numpy(k):
    p = np.array([1.0, np.nan, 2.0, np.inf], np.float32)
    g = np.array([np.nan, 1.0, np.inf, 1.0], np.float32)
    m, v, mx = np.zeros(4, np.float32), np.zeros(4, np.float32), np.array([0, 0, np.nan, 0],
                                                                           np.float32)
    want = [p.copy(), g, m.copy(), v.copy(), mx.copy()]
    with np.errstate(all="ignore"):
        np_adam(*want, **ADAM, step=1.0, amsgrad=True, weight_decay=0.1)
    k.adam_update(p, g, m, v, mx, **ADAM, step=1.0, amsgrad=True, weight_decay=0.1)
    for got, w in zip((p, m, v, mx), want[:1] + want[2:]):
        np.testing.assert_array_equal(got, w)


def test_errors_name_the_argument(k):
    import trueno
    p = np.zeros(4, np.float32)
    with pytest.raises(trueno.DTypeError, match="grad has dtype float64"):
        k.adam_update(p, np.zeros(4), p.copy(), p.copy(), None, **ADAM, step=1.0)
    with pytest.raises(trueno.ShapeError, match=r"exp_avg has shape \(5,\)"):
        k.adam_update(p, p.copy(), np.zeros(5, np.float32), p.copy(), None, **ADAM, step=1.0)
    with pytest.raises(ValueError, match="max_exp_avg_sq is None but amsgrad"):
        k.adam_update(p, p.copy(), p.copy(), p.copy(), None, **ADAM, step=1.0, amsgrad=True)
    with pytest.raises(ValueError, match="momentum_buffer is None"):
        k.sgd_update(p, p.copy(), None, lr=0.1, momentum=0.9)
    with pytest.raises(trueno.DTypeError, match="param has dtype int32"):
        k.sgd_update(np.zeros(3, np.int32), np.zeros(3, np.int32), None, lr=0.1)
    ro = np.zeros(4, np.float32)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only|writeable"):
        k.sgd_update(ro, p, None, lr=0.1)


def test_equal_dtypes_from_another_object(k):
    """An unpickled array's dtype equals the param's without being the same object (a copied
    optimizer's state): accepted."""
    import pickle
    p = np.ones(5, np.float64)
    state = pickle.loads(pickle.dumps([np.zeros(5), np.zeros(5)]))
    g = pickle.loads(pickle.dumps(np.full(5, 2.0)))
    k.adam_update(p, g, state[0], state[1], None, **ADAM, step=1.0)
    np.testing.assert_allclose(p, 1 - ADAM["lr"], rtol=1e-6)
