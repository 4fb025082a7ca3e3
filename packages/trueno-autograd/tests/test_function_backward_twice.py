"""A custom Function's second backward, as PyTorch 2.13's: a backward without retain_graph
frees what the ctx saved, and ``ctx.saved_tensors`` raises from then on (the ctx of a call
that saved nothing too); a backward that never reads them runs again. Each case runs the same
code on trueno.torch and on torch and compares."""

import gc
import weakref

import numpy as np
import pytest
import torch

import trueno.torch as tt

MODS = [tt, torch]


def _fn(mod, save=True, read=True):
    """``x * x`` as a custom Function of ``mod``: its forward saves ``x`` (or nothing), its
    backward reads ``ctx.saved_tensors`` (or not); ``x`` is a ctx attribute where it is not
    both saved and read."""
    class Sq(mod.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            if save:
                ctx.save_for_backward(x)
            if not (save and read):
                ctx.x = x
            return x * x

        @staticmethod
        def backward(ctx, g):
            x = ctx.saved_tensors[0] if save and read else ctx.x
            if read and not save:
                assert ctx.saved_tensors == ()
            return 2 * x * g
    return Sq


def _grad(x) -> list:
    return x.grad.detach().cpu().numpy().tolist()


def _second(mod, **kw):
    """Two backwards of one graph: the error of the second (or None) and x's gradient."""
    x = mod.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = _fn(mod, **kw).apply(x).sum()
    y.backward()
    try:
        y.backward()
    except RuntimeError as e:
        return str(e), _grad(x)
    return None, _grad(x)


@pytest.mark.parametrize("save, read", [(True, True), (False, True), (True, False),
                                        (False, False)])
def test_second_backward_as_torch(save, read):
    """Raises (the same message) where the backward reads saved_tensors, saved or not; runs
    again and accumulates where it does not."""
    got = _second(tt, save=save, read=read)
    want = _second(torch, save=save, read=read)
    assert got == want
    assert (got[0] is None) == (not read)
    if read:
        assert got[0].startswith("Trying to backward through the graph a second time")
        assert got[1] == [2.0, -4.0, 6.0]
    else:
        assert got[1] == [4.0, -8.0, 12.0]


@pytest.mark.parametrize("mod", MODS)
def test_grad_twice_raises_and_retain_graph_keeps(mod):
    x = mod.tensor([0.5, 2.0], dtype=mod.float64, requires_grad=True)
    y = _fn(mod).apply(x).sum()
    (g,) = mod.autograd.grad(y, x)
    np.testing.assert_array_equal(g.numpy(), [1.0, 4.0])
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        mod.autograd.grad(y, x)
    z = _fn(mod).apply(x).sum()
    z.backward(retain_graph=True)
    z.backward(retain_graph=True)
    z.backward()  # the third frees
    assert _grad(x) == [3.0, 12.0]
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        z.backward()


@pytest.mark.parametrize("mod", MODS)
def test_saved_tensors_through_ctx_and_grad_fn(mod):
    """``saved_tensors`` before and after a backward, read through a kept ctx and through
    the output's ``grad_fn`` (PyTorch's node is the ctx); a saved None stays None."""
    kept = []

    class F(mod.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, None)
            kept.append(ctx)
            return x * 3

        @staticmethod
        def backward(ctx, g):
            return g * 3

    x = mod.tensor([1.0, 2.0], requires_grad=True)
    y = F.apply(x)
    for saved in (kept[0].saved_tensors, y.grad_fn.saved_tensors):
        assert saved[0] is x and saved[1] is None
    assert y.grad_fn.needs_input_grad == (True,)
    y.sum().backward()
    for holder in (kept[0], y.grad_fn):
        with pytest.raises(RuntimeError, match="directly access saved tensors after they"):
            _ = holder.saved_tensors


@pytest.mark.parametrize("mod", MODS)
def test_create_graph_double_backward_then_free(mod):
    """create_graph keeps the graph (retain_graph defaults to it): the gradient's backward
    and a second backward of the output run; a later plain backward frees."""
    x = mod.tensor([1.0, 3.0], dtype=mod.float64, requires_grad=True)
    y = _fn(mod).apply(x).sum()
    (g,) = mod.autograd.grad(y, x, create_graph=True)
    np.testing.assert_array_equal(g.detach().numpy(), [2.0, 6.0])
    g.sum().backward()
    assert _grad(x) == [2.0, 2.0]
    y.backward()
    assert _grad(x) == [4.0, 8.0]
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


@pytest.mark.parametrize("mod", MODS)
def test_saved_input_released_by_backward(mod):
    """What the ctx saved goes with a backward that keeps nothing, while the output (and its
    graph) lives on: its buffer is free for the next step, as PyTorch's."""
    gc.disable()
    try:
        w = mod.tensor([1.0, 2.0], requires_grad=True)
        x = w * 2
        ref = weakref.ref(x)
        y = _fn(mod).apply(x).sum()
        del x
        y.backward(retain_graph=True)
        assert ref() is not None
        y.backward()
        assert ref() is None and y.grad_fn is not None
        assert _grad(w) == [16.0, 32.0]
    finally:
        gc.enable()
