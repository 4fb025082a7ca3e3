"""Checks that several of trueno-nn's test modules share: a module built by trueno and by
PyTorch from the same seed, and forward/backward of both on the same inputs.

Import them from here (``from nn_checks import same_seed_pair``); ``close`` is conftest's.
"""

from __future__ import annotations

import numpy as np
import torch as T
from conftest import close

import trueno.nn as nn
import trueno.torch as torch


def same_seed_pair(make, *, same_values: bool = True):
    """``(make(trueno.nn), make(torch.nn))``, each built after ``manual_seed(0)``: the same
    repr and state_dict keys and, with ``same_values``, the same initial values."""
    torch.manual_seed(0)
    a = make(nn)
    T.manual_seed(0)
    b = make(T.nn)
    assert repr(a) == repr(b)
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    if same_values:
        for k in sa:
            np.testing.assert_array_equal(np.asarray(sa[k]), sb[k].numpy(), err_msg=k)
    return a, b


def backward_pair(ya, yb, dtype: str, rng) -> None:
    """``sum(y * g)`` backward through trueno's ``ya`` and PyTorch's ``yb`` with the same
    random ``g`` (standard normal, drawn from ``rng``)."""
    g = rng.standard_normal(tuple(yb.shape)).astype(dtype)
    (ya * torch.tensor(g)).sum().backward()
    (yb * T.tensor(g)).sum().backward()


def grads_match(a, b, dtype: str, scale: float = 100.0) -> None:
    """The parameters of modules ``a`` (trueno) and ``b`` (PyTorch) have the same names and
    gradients; the gradients are cleared for the next step."""
    for (ka, pa), (kb, pb) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        assert ka == kb
        close(pa.grad, pb.grad, dtype, scale)
        pa.grad = pb.grad = None


def train_eval_steps_match(a, b, shape, dtype: str) -> None:
    """Two training steps and one in eval mode on the same inputs: outputs, input and
    parameter gradients, and buffers (running statistics) match PyTorch's."""
    if dtype == "float64":
        a.double()
        b.double()
    rng = np.random.default_rng(1)
    for step, training in enumerate((True, True, False)):
        a.train(training)
        b.train(training)
        x = rng.standard_normal(shape).astype(dtype) * 2 + step
        xa, xb = torch.tensor(x).requires_grad_(), T.tensor(x).requires_grad_()
        ya, yb = a(xa), b(xb)
        close(ya, yb, dtype, 10)
        backward_pair(ya, yb, dtype, rng)
        close(xa.grad, xb.grad, dtype, 100)
        grads_match(a, b, dtype)
        for (ka, ba), (kb, bb) in zip(a.named_buffers(), b.named_buffers(), strict=True):
            assert ka == kb
            if ba.is_floating_point():
                close(ba, bb, dtype, 10)
            else:
                assert int(ba) == int(bb)


def check_fn(fn_tn, fn_t, arrays, dtype: str, const=(), scale: float = 1.0,
             g_range: float = 3.0) -> None:
    """Forward of trueno's ``fn_tn`` and PyTorch's ``fn_t`` on the same inputs, then the
    gradients of ``sum(out * g)`` (``g`` uniform in ``[-g_range, g_range)``) wrt every float
    input whose index is not in ``const`` (PyTorch's non-differentiable arguments)."""
    diff = [a.dtype.kind == "f" and i not in const for i, a in enumerate(arrays)]
    tn_in = [torch.tensor(a).requires_grad_(d) for a, d in zip(arrays, diff)]
    t_in = [T.tensor(a).requires_grad_(d) for a, d in zip(arrays, diff)]
    out, want = fn_tn(*tn_in), fn_t(*t_in)
    close(out, want, dtype, scale)
    g = np.random.default_rng(99).uniform(-g_range, g_range, tuple(want.shape)).astype(dtype)
    (out * torch.tensor(g)).sum().backward()
    (want * T.tensor(g)).sum().backward()
    for a, b in zip(tn_in, t_in):
        if b.requires_grad:
            close(a.grad, b.grad, dtype, 10 * scale)


def pool_matches(a, b, x, dtype: str, grad_scale: float = 1.0) -> None:
    """Pooling modules ``a`` (trueno) and ``b`` (PyTorch) on the NumPy input ``x``: the same
    output, the same int64 indices where they return them, and the same input gradient of
    ``sum(out * g)``."""
    xa, xb = torch.tensor(x).requires_grad_(), T.tensor(x).requires_grad_()
    ya, yb = a(xa), b(xb)
    if isinstance(yb, tuple):
        np.testing.assert_array_equal(np.asarray(ya[1]), yb[1].numpy())
        assert ya[1].dtype == torch.int64
        ya, yb = ya[0], yb[0]
    close(ya, yb, dtype)
    backward_pair(ya, yb, dtype, np.random.default_rng(1))
    close(xa.grad, xb.grad, dtype, grad_scale)
