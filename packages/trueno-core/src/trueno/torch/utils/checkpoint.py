"""``torch.utils.checkpoint`` on the PyTorch face: activation checkpointing.

``checkpoint(fn, *args)`` runs ``fn`` without recording a graph and keeps only its inputs;
backward runs ``fn`` again (with the random state it saw the first time, so dropout draws
the same mask) and backpropagates through the recomputation: memory for time, as PyTorch's.
Training checkpoints (saving a model to disk) are ``trueno.utils.checkpoint``, a different
module: PyTorch has no such module and this name is PyTorch's (docs/compat.md).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["checkpoint", "checkpoint_sequential"]

_REENTRANT_WARNING = (
    "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
    "Starting in PyTorch 2.9, calling checkpoint without use_reentrant will raise an "
    "exception. use_reentrant=False is recommended, but if you need to preserve the current "
    "default behavior, you can pass use_reentrant=True. Refer to docs for more details on "
    "the differences between the two variants.")


def _torch():
    import trueno.torch as torch

    return torch


def _is_tensor(x: Any) -> bool:
    return isinstance(x, _torch().Tensor)


def _function_class():
    """The autograd Function that recomputes ``run`` in backward (made on first use: the
    autograd engine is a plugin, installed when trueno loads its plugins)."""
    global _CHECKPOINT
    if _CHECKPOINT is None:
        torch = _torch()

        class CheckpointFunction(torch.autograd.Function):
            @staticmethod
            def forward(ctx, run, preserve_rng_state, anchor, *args):
                ctx.run = run
                ctx.rng_state = torch.get_rng_state() if preserve_rng_state else None
                ctx.args = args
                with torch.no_grad():
                    out = run(*args)
                ctx.tuple_out = isinstance(out, tuple)
                return out

            @staticmethod
            def backward(ctx, *grads):
                inputs = tuple(a.detach().requires_grad_(a.requires_grad) if _is_tensor(a)
                               else a for a in ctx.args)
                saved = None
                if ctx.rng_state is not None:
                    saved = torch.get_rng_state()
                    torch.set_rng_state(ctx.rng_state)
                try:
                    with torch.enable_grad():
                        out = ctx.run(*inputs)
                finally:
                    if saved is not None:
                        torch.set_rng_state(saved)
                outs = out if isinstance(out, tuple) else (out,)
                pairs = [(o, g) for o, g in zip(outs, grads)
                         if _is_tensor(o) and o.requires_grad and g is not None]
                if not pairs:
                    raise RuntimeError("none of output has requires_grad=True, this "
                                       "checkpoint() is not necessary")
                torch.autograd.backward([o for o, _ in pairs], [g for _, g in pairs])
                return (None, None, None) + tuple(
                    a.grad if _is_tensor(a) and a.requires_grad else None for a in inputs)

        _CHECKPOINT = CheckpointFunction
    return _CHECKPOINT


_CHECKPOINT = None


def checkpoint(function: Callable, *args: Any, use_reentrant: bool | None = None,
               context_fn: Callable | None = None, determinism_check: str = "default",
               debug: bool = False, preserve_rng_state: bool = True, early_stop: bool = True,
               **kwargs: Any) -> Any:
    """Run ``function(*args, **kwargs)`` without keeping its intermediate results; backward
    recomputes them.

    Parameters
    ----------
    function : the segment to run (a module or any callable of tensors).
    *args : its inputs; tensors among them receive gradients.
    use_reentrant : PyTorch's choice of implementation. ``True`` gives gradients only when an
        input requires grad (PyTorch's reentrant variant); ``False`` also gives the
        parameters inside ``function`` their gradients when no input requires grad, and
        accepts keyword arguments. None warns as PyTorch does and means True.
    preserve_rng_state : replay the random state in the recomputation (dropout masks match).

    Returns
    -------
    What ``function`` returns (a tensor or a tuple).
    """
    from .._unpickler import UnsupportedArgumentError

    torch = _torch()
    if use_reentrant is None:
        warnings.warn(_REENTRANT_WARNING, UserWarning, stacklevel=2)
        use_reentrant = True
    if context_fn is not None:
        raise UnsupportedArgumentError(
            "checkpoint: context_fn= is not supported; hint: wrap the function body in the "
            "context managers instead")
    if determinism_check not in ("default", "none"):
        raise ValueError(f"determinism_check should be one of ['default', 'none'], but got "
                         f"{determinism_check}")
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    run = function
    if kwargs:
        def run(*a):
            return function(*a, **kwargs)
    if use_reentrant:
        if torch.is_grad_enabled() and not any(_is_tensor(a) and a.requires_grad
                                               for a in args):
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be "
                          "None", UserWarning, stacklevel=2)
        anchor = None
    else:
        # An input that always requires grad, so that the parameters inside ``function``
        # get gradients even when no input does (PyTorch's non-reentrant behaviour).
        anchor = torch.empty((0,), requires_grad=True)
    return _function_class().apply(run, preserve_rng_state, anchor, *args)


def checkpoint_sequential(functions: Any, segments: int, input: Any,
                          use_reentrant: bool | None = None, **kwargs: Any) -> Any:
    """Checkpoint a sequential model in ``segments`` chunks (the last runs normally), as
    PyTorch's ``checkpoint_sequential``."""
    if use_reentrant is None:
        warnings.warn(_REENTRANT_WARNING, UserWarning, stacklevel=2)
        use_reentrant = True
    if hasattr(functions, "children") and not isinstance(functions, Sequence):
        functions = list(functions.children())
    functions = list(functions)
    segment_size = len(functions) // segments
    end = -1

    def run_segment(start: int, stop: int) -> Callable:
        def forward(x):
            for j in range(start, stop + 1):
                x = functions[j](x)
            return x
        return forward

    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        input = checkpoint(run_segment(start, end), input, use_reentrant=use_reentrant,
                           **kwargs)
    return run_segment(end + 1, len(functions) - 1)(input)
