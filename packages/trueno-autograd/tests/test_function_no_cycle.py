"""A custom Function's outputs are freed by reference counting, as PyTorch's: the recorded
backward must not hold them (a cycle output -> node -> rule -> output kept every output, its
ctx and its inputs alive until the cycle collector ran; on the GPU, new buffers each step)."""

import gc
import weakref

import numpy as np
import torch

import trueno.torch as tt


def _square(mod):
    """The same custom Function written against ``mod`` (trueno.torch or torch)."""
    class Square(mod.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x, x + 1

        @staticmethod
        def backward(ctx, g, g2):
            (x,) = ctx.saved_tensors
            return 2 * x * g + g2
    return Square


def test_outputs_are_freed_without_the_cycle_collector():
    gc.disable()
    try:
        x = tt.tensor([1.0, -2.0, 3.0], requires_grad=True)
        y, z = _square(tt).apply(x)
        refs = (weakref.ref(y), weakref.ref(z))
        y.sum().backward()  # z's gradient is missing: materialised as zeros
        np.testing.assert_allclose(x.grad.numpy(), [2.0, -4.0, 6.0])
        del y, z
        assert [r() for r in refs] == [None, None]
    finally:
        gc.enable()


def test_missing_gradient_is_zeros_of_the_output_as_torch():
    for mod in (tt, torch):
        x = mod.tensor([[1.0, -2.0], [0.5, 3.0]], dtype=mod.float64, requires_grad=True)
        y, z = _square(mod).apply(x)
        (z * 3).sum().backward()  # y's gradient is missing
        assert x.grad.dtype == mod.float64
        if mod is tt:
            got = x.grad.numpy()
        else:
            np.testing.assert_allclose(got, x.grad.numpy())
