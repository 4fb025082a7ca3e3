"""Activation checkpointing: run a segment without saving its intermediates and run it again
in backward (``torch.utils.checkpoint.checkpoint``, reentrant flavour)."""

from __future__ import annotations

from trueno import Tensor, enable_grad

from ._function import Function

__all__ = ["checkpoint", "checkpoint_sequential"]


class _Checkpoint(Function):
    @staticmethod
    def forward(ctx, run_fn, *args):
        ctx.run_fn = run_fn
        ctx.args = args
        ctx.save_for_backward(*[a for a in args if isinstance(a, Tensor)])
        return run_fn(*args)

    @staticmethod
    def backward(ctx, *grads):
        from ._api import backward
        saved = iter(ctx.saved_tensors)
        args = []
        for a in ctx.args:
            if isinstance(a, Tensor):
                t = next(saved)
                d = t.detach()
                if t._ag is not None:
                    d.requires_grad_()
                args.append(d)
            else:
                args.append(a)
        with enable_grad():
            outs = ctx.run_fn(*args)
        outs = outs if isinstance(outs, tuple) else (outs,)
        pairs = [(o, g) for o, g in zip(outs, grads)
                 if isinstance(o, Tensor) and o._ag is not None and g is not None]
        if pairs:
            backward([o for o, _ in pairs], [g for _, g in pairs])
        return (None,) + tuple(a.grad if isinstance(a, Tensor) and a._ag is not None else None
                               for a in args)


def checkpoint(function, *args, use_reentrant=None, preserve_rng_state=True, **kwargs):
    """Run ``function(*args)`` without keeping its intermediate values; they are recomputed
    during backward. Parameters used inside ``function`` get their ``.grad`` as usual.

    Examples
    --------
    >>> import trueno as tn
    >>> x = tn.asarray([1.0, 2.0]).requires_grad_()
    >>> y = tn.autograd.checkpoint(lambda t: tn.sin(t) * t, x)
    >>> y.sum().backward()
    >>> bool(tn.allclose(x.grad, tn.cos(x.detach()) * x.detach() + tn.sin(x.detach())))
    True
    """
    if kwargs:
        raise TypeError(f"checkpoint: unexpected keyword arguments {sorted(kwargs)}")
    # NOTE: random ops inside `function` draw new numbers when recomputed.
    return _Checkpoint.apply(function, *args)


def checkpoint_sequential(functions, segments, input, use_reentrant=None):  # noqa: A002
    """Run a sequence of functions in ``segments`` checkpointed chunks."""
    functions = list(functions)
    n = len(functions)
    size = max(1, -(-n // max(1, segments)))

    def run(start, end):
        def f(x):
            for fn in functions[start:end]:
                x = fn(x)
            return x
        return f

    x = input
    for start in range(0, n, size):
        end = min(start + size, n)
        if end == n:
            x = run(start, end)(x)
        else:
            x = checkpoint(run(start, end), x)
    return x
