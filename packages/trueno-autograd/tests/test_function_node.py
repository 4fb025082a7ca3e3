"""Custom Functions share one rule per class (the node's params carry each call's ctx): two
classes of one name, calls of different arity, materialised and unmaterialised missing
gradients behave as PyTorch's, each node with its own ctx."""

import numpy as np
import torch

import trueno.torch as tt


def _scale_class(mod, factor):
    """A Function named ``Scale`` (the same name for every factor) multiplying by
    ``factor``; its backward returns None for the optional argument."""
    class Scale(mod.autograd.Function):
        @staticmethod
        def forward(ctx, x, k=None):
            ctx.k = factor
            return x * factor

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None
    return Scale


def test_two_classes_of_one_name_keep_their_own_backward():
    for mod in (tt, torch):
        x = mod.tensor([1.0, -2.0], dtype=mod.float64, requires_grad=True)
        a, b = _scale_class(mod, 2.0), _scale_class(mod, 5.0)
        ya = a.apply(x)
        yb = b.apply(x, 3)  # another arity (the extra argument's gradient is None)
        assert type(ya.grad_fn).__name__ == type(yb.grad_fn).__name__ == "ScaleBackward"
        (ya.sum() + 10 * yb.sum()).backward()
        np.testing.assert_allclose(x.grad.detach().cpu().numpy(), [52.0, 52.0])


def _pair_class(mod, materialize):
    class Pair(mod.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(materialize)
            ctx.save_for_backward(x)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            (x,) = ctx.saved_tensors
            ctx.seen = (g1 is None, g2 is None)
            out = x * 0
            if g1 is not None:
                out = out + 2 * g1
            if g2 is not None:
                out = out + 3 * g2
            return out
    return Pair


def test_missing_gradients_materialised_or_none_as_torch():
    for materialize in (True, False):
        got = {}
        for mod in (tt, torch):
            x = mod.tensor([0.5, 4.0], dtype=mod.float32, requires_grad=True)
            y, z = _pair_class(mod, materialize).apply(x)
            (z * z).sum().backward()  # y's gradient is missing
            seen = z.grad_fn is not None and y.grad_fn is z.grad_fn
            got[mod.__name__] = (x.grad.detach().cpu().numpy(), seen)
        ours, theirs = got["trueno.torch"], got["torch"]
        np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)
        assert ours[1] == theirs[1]


def test_each_node_keeps_its_own_ctx():
    for mod in (tt, torch):
        cls = _scale_class(mod, 4.0)
        xs = [mod.tensor([float(i + 1)], requires_grad=True) for i in range(3)]
        ys = [cls.apply(x) * (i + 1) for i, x in enumerate(xs)]
        sum(y.sum() for y in ys).backward()
        assert [float(x.grad[0]) for x in xs] == [4.0, 8.0, 12.0]


def test_ctx_and_saved_inputs_go_with_the_graph_as_torch():
    """Nothing outside the node keeps a call's ctx: once the graph is gone, the tensors it
    saved are freed by reference counting (a GPU training step reuses their buffers)."""
    import gc
    import weakref

    gc.disable()
    try:
        for mod in (tt, torch):
            class Sq(mod.autograd.Function):
                @staticmethod
                def forward(ctx, x):
                    ctx.save_for_backward(x)
                    return x * x

                @staticmethod
                def backward(ctx, g):
                    (x,) = ctx.saved_tensors
                    return 2 * x * g

            w = mod.tensor([1.0, -3.0], requires_grad=True)
            x = w * 2  # a non-leaf input, saved by the Function
            ref = weakref.ref(x)
            y = Sq.apply(x)
            y.sum().backward()
            np.testing.assert_allclose(w.grad.detach().cpu().numpy(), [8.0, -24.0])
            del x, y
            assert ref() is None, mod.__name__
    finally:
        gc.enable()
