"""Samples of the optimizer-update rows (``sgd_update``, ``adam_update``) for
test_backend_equivalence: op name -> [(fn, [numpy args])].

Each fn updates copies of its inputs through the dispatcher (the row's kernel on the backend
under test, or its decomposition) and returns the parameter and the state tensors, so every
value an update writes is compared with the reference kernel's.
"""

from __future__ import annotations

import numpy as np

import trueno as tn
from trueno._dispatch import run


def run_row(name: str, tensors, **params):
    """Row ``name`` on ``tensors`` (None for an unused state tensor) through the dispatcher."""
    p = tensors[0]
    return run(tn.OPS[name], tuple(tensors), tuple(None if t is None else t._data
                                                   for t in tensors),
               params, p.__class__, p.device, p.dtype)


def _sgd(**params):
    def fn(p, g, b):
        p, b = p.copy(), b.copy()
        run_row("sgd_update", [p, g, b if params.get("momentum") else None], **params)
        return p, b
    return fn


def _adam(**params):
    def fn(p, g, m, v, mx):
        p, m, v, mx = p.copy(), m.copy(), v.copy(), mx.copy()
        run_row("adam_update", [p, g, m, v, mx if params.get("amsgrad") else None], **params)
        return p, m, v, mx
    return fn


SGD_OPTIONS = [dict(lr=0.1), dict(lr=0.1, momentum=0.9, init_buffer=True),
               dict(lr=0.05, momentum=0.9, dampening=0.2, weight_decay=0.1, maximize=True),
               dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01)]
ADAM_OPTIONS = [dict(step=1.0), dict(step=3.0, weight_decay=0.1),
                dict(step=7.0, weight_decay=0.1, decoupled=True, maximize=True),
                dict(step=2.0, amsgrad=True, weight_decay=0.05)]


def cases(v, dtype, rng) -> dict:
    """A few calls per row covering every option, for the floating dtypes the rows accept."""
    if np.dtype(dtype).kind != "f":
        return {}
    s = (4, 9)
    sgd = [(_sgd(**o), [v(s), v(s), v(s)]) for o in SGD_OPTIONS]
    adam = [(_adam(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8, **o),
             [v(s), v(s), v(s), v(s, "positive"), v(s, "positive")]) for o in ADAM_OPTIONS]
    return {"sgd_update": sgd, "adam_update": adam}
