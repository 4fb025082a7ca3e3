"""Full backward hooks and backward pre-hooks of modules, and the global module hooks, against
PyTorch 2.13: the grad_input / grad_output tuples each hook sees, replacement gradients, the
order of the hooks, removable handles, and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T
import torch.nn as TN
import torch.nn.modules.module as TM

import trueno.nn as nn
import trueno_nn.module as NM
import trueno.torch as torch


def _np(g):
    return None if g is None else np.asarray(g.detach()).copy()


def _recorder(log, scale_in=None, scale_out=None):
    def full(mod, grad_input, grad_output):
        log.append(("full", type(mod).__name__.removesuffix("Ref"), [_np(g) for g in grad_input],
                    [_np(g) for g in grad_output]))
        if scale_in is not None:
            return tuple(None if g is None else g * scale_in for g in grad_input)
        return None

    def pre(mod, grad_output):
        log.append(("pre", type(mod).__name__.removesuffix("Ref"), [_np(g) for g in grad_output]))
        if scale_out is not None:
            return tuple(None if g is None else g * scale_out for g in grad_output)
        return None
    return full, pre


def _same_logs(got, want):
    assert [e[:2] for e in got] == [e[:2] for e in want]
    for g, w in zip(got, want):
        for gs, ws in zip(g[2:], w[2:]):
            assert len(gs) == len(ws)
            for a, b in zip(gs, ws):
                assert (a is None) == (b is None)
                if a is not None:
                    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def _copy_weights(ours, ref):
    ref.load_state_dict({k: T.tensor(np.asarray(v.detach()))
                         for k, v in ours.state_dict().items()})


def _run_pair(ours, ref, inputs, hook_on=lambda m: m, **scales):
    """Register recording hooks on both, run forward and backward, return the logs and the
    gradients of the inputs and parameters."""
    logs = ([], [])
    for m, log in ((ours, logs[0]), (ref, logs[1])):
        full, pre = _recorder(log, **scales)
        hook_on(m).register_full_backward_hook(full)
        hook_on(m).register_full_backward_pre_hook(pre)
    a = [torch.tensor(x).requires_grad_(rg) if isinstance(x, np.ndarray) else x
         for x, rg in inputs]
    b = [T.tensor(x).requires_grad_(rg) if isinstance(x, np.ndarray) else x
         for x, rg in inputs]
    g = np.linspace(-1, 1, 8).astype("float32")
    out_a, out_b = ours(*a), ref(*b)
    (out_a * torch.tensor(g[:out_a.shape[-1]])).sum().backward()
    (out_b * T.tensor(g[:out_b.shape[-1]])).sum().backward()
    _same_logs(*logs)
    for x, y in zip(a, b):
        if isinstance(y, T.Tensor) and y.requires_grad:
            np.testing.assert_allclose(np.asarray(x.grad), y.grad.numpy(), rtol=1e-5,
                                       atol=1e-6)
    for p, q in zip(ours.parameters(), ref.parameters()):
        np.testing.assert_allclose(np.asarray(p.grad), q.grad.numpy(), rtol=1e-5, atol=1e-6)
    return logs[0]


X = np.random.default_rng(0).standard_normal((4, 3)).astype("float32")


@pytest.mark.parametrize("scales", [{}, {"scale_in": 2.0}, {"scale_out": 3.0},
                                    {"scale_in": 0.5, "scale_out": -1.0}])
def test_linear(scales):
    torch.manual_seed(0)
    ours, ref = nn.Linear(3, 2), TN.Linear(3, 2)
    _copy_weights(ours, ref)
    log = _run_pair(ours, ref, [(X, True)], **scales)
    assert [e[0] for e in log] == ["pre", "full"]


def test_sequential_and_its_children():
    torch.manual_seed(0)
    ours = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))
    ref = TN.Sequential(TN.Linear(3, 5), TN.Tanh(), TN.Linear(5, 2))
    _copy_weights(ours, ref)
    logs = ([], [])
    for m, log in ((ours, logs[0]), (ref, logs[1])):
        for child in m:
            full, pre = _recorder(log, scale_in=1.5)
            child.register_full_backward_hook(full)
            child.register_full_backward_pre_hook(pre)
    log = _run_pair(ours, ref, [(X, True)], scale_out=2.0)
    _same_logs(*logs)
    assert [e[1] for e in logs[0] if e[0] == "full"] == ["Linear", "Tanh", "Linear"]
    assert [e[0] for e in log] == ["pre", "full"]


class _TwoInputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 3)

    def forward(self, a, scale, b):
        return self.lin(a) * scale + b * b


class _TwoInputsRef(TN.Module):
    def __init__(self):
        super().__init__()
        self.lin = TN.Linear(3, 3)

    def forward(self, a, scale, b):
        return self.lin(a) * scale + b * b


@pytest.mark.parametrize("b_grad", [True, False])
def test_module_with_two_tensor_inputs_and_a_float(b_grad):
    torch.manual_seed(0)
    ours, ref = _TwoInputs(), _TwoInputsRef()
    _copy_weights(ours, ref)
    log = _run_pair(ours, ref, [(X, True), (0.5, None), (X[::-1].copy(), b_grad)],
                    scale_in=2.0)
    grad_input = log[-1][2]
    assert len(grad_input) == 3 and grad_input[1] is None
    # PyTorch's hook function materialises zeros for an input that does not require grad
    assert b_grad or not grad_input[2].any()


def test_no_input_requires_grad_fires_with_none_and_warns():
    torch.manual_seed(0)
    ours, ref = nn.Linear(3, 2), TN.Linear(3, 2)
    _copy_weights(ours, ref)
    with pytest.warns(UserWarning, match="no inputs require gradients"):
        log = _run_pair(ours, ref, [(X, False)])
    assert log[-1][2] == [None]
    ours.register_full_backward_hook(lambda m, gi, go: (torch.ones(1),))
    with pytest.raises(RuntimeError, match="should always return None"), \
            pytest.warns(UserWarning):
        ours(torch.tensor(X)).sum().backward()


def test_handles_remove_and_prepend_orders():
    lin = nn.Linear(3, 2)
    calls = []
    h1 = lin.register_full_backward_hook(lambda m, gi, go: calls.append("a"))
    h2 = lin.register_full_backward_hook(lambda m, gi, go: calls.append("b"), prepend=True)
    h3 = lin.register_full_backward_pre_hook(lambda m, go: calls.append("pre"))
    x = torch.tensor(X).requires_grad_()
    lin(x).sum().backward()
    assert calls == ["pre", "b", "a"]
    h2.remove()
    h3.remove()
    calls.clear()
    lin(x).sum().backward()
    assert calls == ["a"]
    h1.remove()
    calls.clear()
    lin(x).sum().backward()
    assert calls == [] and not lin._backward_hooks and not lin._backward_pre_hooks


def test_wrong_number_of_gradients_raises():
    lin = nn.Linear(3, 2)
    lin.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
    with pytest.raises(RuntimeError, match="invalid number of grad_input, got 2, but "
                                           "expected 1"):
        lin(torch.tensor(X).requires_grad_()).sum().backward()
    lin = nn.Linear(3, 2)
    lin.register_full_backward_pre_hook(lambda m, go: ())
    with pytest.raises(RuntimeError, match="invalid number of grad_output"):
        lin(torch.tensor(X).requires_grad_()).sum().backward()


def test_global_module_hooks_match_pytorch():
    torch.manual_seed(0)
    ours = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
    ref = TN.Sequential(TN.Linear(3, 4), TN.ReLU())
    _copy_weights(ours, ref)
    logs = ([], [])
    handles = []
    for mod, log in ((NM, logs[0]), (TM, logs[1])):
        full, pre = _recorder(log)
        handles += [mod.register_module_full_backward_hook(full),
                    mod.register_module_full_backward_pre_hook(pre),
                    mod.register_module_forward_pre_hook(
                        lambda m, args, log=log: log.append(("fpre", type(m).__name__))),
                    mod.register_module_forward_hook(
                        lambda m, args, out, log=log: log.append(("fwd", type(m).__name__)))]
    try:
        a, b = torch.tensor(X).requires_grad_(), T.tensor(X).requires_grad_()
        ours(a).sum().backward()
        ref(b).sum().backward()
    finally:
        for h in handles:
            h.remove()
    _same_logs(*logs)
    assert ("full", "Linear") in [e[:2] for e in logs[0]]
    n = len(logs[0])
    ours(torch.tensor(X).requires_grad_()).sum().backward()
    assert len(logs[0]) == n  # removed


def test_forward_hook_always_call_runs_when_forward_raises():
    class Boom(nn.Module):
        def forward(self, x):
            raise ValueError("boom")
    seen = []
    m = Boom()
    m.register_forward_hook(lambda mod, args, out: seen.append(out), always_call=True)
    with pytest.raises(ValueError, match="boom"):
        m(torch.zeros(2))
    assert seen == [None]


class _TwoOutputs(nn.Module):
    def forward(self, x):
        return x * 2, x * 3


class _TwoOutputsRef(TN.Module):
    def forward(self, x):
        return x * 2, x * 3


def test_an_unused_output_has_grad_output_none():
    logs = ([], [])
    for m, lib, log in ((_TwoOutputs(), torch, logs[0]), (_TwoOutputsRef(), T, logs[1])):
        full, pre = _recorder(log, scale_out=2.0)
        m.register_full_backward_hook(full)
        m.register_full_backward_pre_hook(pre)
        x = lib.tensor(X).requires_grad_()
        m(x)[0].sum().backward()
        log.append(("grad", "x", [_np(x.grad)]))
    _same_logs(*logs)
    assert logs[0][0][2][1] is None
