"""Custom autograd functions (``torch.autograd.Function``): a forward and a backward written
by the user, recorded as one node."""

from __future__ import annotations

from trueno import Tensor
from trueno import backend as B

from ._graph import FREED_MSG, Rule

__all__ = ["Function", "FunctionCtx"]

MODES = B.MODES  # the calling thread's grad mode


class FunctionCtx:
    """The ``ctx`` a custom Function's forward and backward share."""

    def __init__(self):
        self._saved = ()
        self._versions = ()
        self._freed = False
        self.needs_input_grad = ()
        self.materialize_grads = True
        self.non_differentiable = ()

    def save_for_backward(self, *tensors) -> None:
        self._saved = tensors
        self._versions = tuple(t._version[0] if isinstance(t, Tensor) else 0 for t in tensors)

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(FREED_MSG)
        for t, v in zip(self._saved, self._versions):
            if isinstance(t, Tensor) and t._version[0] != v:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified "
                    f"by an inplace operation: [{t._dtype.name} {list(t.shape)}] is at version "
                    f"{t._version[0]}; expected version {v} instead.")
        return self._saved

    def mark_dirty(self, *tensors) -> None:
        pass

    def mark_non_differentiable(self, *tensors) -> None:
        self.non_differentiable = tensors

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = bool(value)


class Function:
    """Base class of custom differentiable functions.

    Examples
    --------
    >>> import trueno as tn
    >>> class Square(tn.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         (x,) = ctx.saved_tensors
    ...         return 2 * x * g
    >>> x = tn.asarray([3.0]).requires_grad_()
    >>> Square.apply(x).sum().backward()
    >>> x.grad.tolist()
    [6.0]
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a Function subclass must define forward(ctx, ...)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("a Function subclass must define backward(ctx, ...)")

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = FunctionCtx()
        needs = ctx.needs_input_grad = tuple([isinstance(a, Tensor) and a._ag is not None
                                              for a in args])
        # no_grad() around the forward, without the context manager object (grad mode is
        # the calling thread's own flag: saving and restoring it here is the same)
        modes = MODES
        prev = modes.grad_enabled
        modes.grad_enabled = False
        try:
            out = cls.forward(ctx, *args, **kwargs)
        finally:
            modes.grad_enabled = prev
        if not (prev and True in needs) or B.autograd_engine() is None:
            return out
        multi = out.__class__ is tuple or isinstance(out, tuple)
        outs = out if multi else (out,)
        fixed = []
        for o in outs:
            if isinstance(o, Tensor) and (o._ag is not None or _among(o, args)):
                o = o.detach()  # never rewrite the history of an input
            fixed.append(o)
        # a saved output would make a cycle (output -> node -> ctx -> output)
        if ctx._saved:
            ctx._saved = tuple([s.detach() if isinstance(s, Tensor) and _among(s, outs) else s
                                for s in ctx._saved])
        nondiff = ctx.non_differentiable
        tens = tuple([o for o in fixed if isinstance(o, Tensor) and o._dtype.kind in "fc"
                      and not (nondiff and _among(o, nondiff))])
        result = tuple(fixed) if multi else fixed[0]
        if not tens:
            return result
        n_out = len(tens)
        # the backward keeps what a missing gradient's zeros need, not the outputs: holding
        # them would make a cycle (output -> node -> rule -> fn -> output) that frees the
        # outputs, ctx and inputs only when the cycle collector runs (on the GPU: new buffers
        # and bind groups every training step)
        like = tuple([(t._data.shape, t._dtype, t._device, t.__class__) for t in tens])
        n_args = len(args)

        def fn(node, g):
            gs = g if n_out > 1 else (g,)
            if ctx.materialize_grads:
                from trueno import zeros
                gs = tuple(zeros(sh, dt, device=dev, cls=c) if gi is None else gi
                           for (sh, dt, dev, c), gi in zip(like, gs))
            res = cls.backward(ctx, *gs)
            res = res if isinstance(res, tuple) else (res,)
            if len(res) < n_args:
                res = res + (None,) * (n_args - len(res))
            return tuple(r if isinstance(r, Tensor) or r is None else None for r in res)

        name = cls.__name__
        inputs = tuple([a if isinstance(a, Tensor) else None for a in args])
        (_ENGINE or _engine()).record_custom(name, Rule(fn, "none", False, f"{name}Backward"),
                                             inputs, {}, tens if n_out > 1 else tens[0])
        return result


def _among(t, seq) -> bool:
    """Whether tensor ``t`` is one of ``seq`` (by identity: tensors compare elementwise)."""
    for x in seq:
        if x is t:
            return True
    return False


def _engine():
    """The engine (imported on first use, as before: importing the package does not load
    it)."""
    global _ENGINE
    if _ENGINE is None:
        from ._engine import ENGINE
        _ENGINE = ENGINE
    return _ENGINE


_ENGINE = None
