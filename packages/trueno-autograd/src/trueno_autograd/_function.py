"""Custom autograd functions (``torch.autograd.Function``): a forward and a backward written
by the user, recorded as one node."""

from __future__ import annotations

from trueno import Tensor
from trueno import backend as B

from ._graph import FREED_MSG, RUNNING, Node, Rule

__all__ = ["Function", "FunctionCtx"]

MODES = B.MODES  # the calling thread's grad mode
_new = object.__new__


class FunctionCtx:
    """The ``ctx`` a custom Function's forward and backward share.

    Its defaults are class attributes (immutable values: a ``ctx`` is made per call and most
    keep most of them), so ``apply`` makes one without an ``__init__`` call."""

    _saved: tuple = ()
    _versions: tuple = ()
    _freed = False
    needs_input_grad: tuple = ()
    materialize_grads = True
    non_differentiable: tuple = ()

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
        ctx = _new(FunctionCtx)
        # which arguments need a gradient, and the tensor inputs the node records (one loop:
        # a comprehension is a frame of its own on Python 3.11)
        needs_l: list = []
        ins: list = []
        for a in args:
            if isinstance(a, Tensor):
                needs_l.append(a._ag is not None)
                ins.append(a)
            else:
                needs_l.append(False)
                ins.append(None)
        needs = ctx.needs_input_grad = tuple(needs_l)
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
            if isinstance(o, Tensor):
                if o._ag is not None:
                    o = o.detach()  # never rewrite the history of an input
                else:
                    for a in args:
                        if a is o:
                            o = o.detach()
                            break
            fixed.append(o)
        # a saved output would make a cycle (output -> node -> ctx -> output)
        saved = ctx._saved
        if saved:
            for s in saved:
                if _among(s, outs):
                    ctx._saved = tuple([s.detach() if isinstance(s, Tensor) and
                                        _among(s, outs) else s for s in saved])
                    break
        nondiff = ctx.non_differentiable
        tens_l: list = []
        like: list = []
        for o in fixed:
            if isinstance(o, Tensor) and o._dtype.kind in "fc" and \
                    not (nondiff and _among(o, nondiff)):
                tens_l.append(o)
                like.append((o._data.shape, o._dtype, o._device, o.__class__))
        result = tuple(fixed) if multi else fixed[0]
        if not tens_l:
            return result
        # the node's params: what its backward reads (never the outputs: holding them would
        # make a cycle output -> node -> params -> output that frees the outputs, ctx and
        # inputs only when the cycle collector runs; on the GPU, new buffers every step)
        call = _new(_Call)
        call.cls = cls
        call.ctx = ctx
        call.n_args = len(args)
        n_out = call.n_out = len(tens_l)
        call.like = tuple(like)
        entry = _ENTRIES.get(cls)
        if entry is None:
            entry = _entry(cls)
        (_ENGINE or _engine()).record_function(entry, tuple(ins), call,
                                               tuple(tens_l) if n_out > 1 else tens_l[0])
        return result


class _Call:
    """One ``apply``'s state that its node's backward reads (the node's ``params``)."""

    __slots__ = ("cls", "ctx", "n_args", "n_out", "like")


def _backward(node, g):
    """The rule of every custom Function's node: ``cls.backward(ctx, *grads)``, missing
    gradients materialised as zeros (unless the ctx says not to), one result per input,
    non-tensor results dropped."""
    call = node.params
    ctx = call.ctx
    gs = g if call.n_out > 1 else (g,)
    if ctx.materialize_grads:
        for gi in gs:
            if gi is None:
                from trueno import zeros
                gs = tuple([zeros(sh, dt, device=dev, cls=c) if gi is None else gi
                            for (sh, dt, dev, c), gi in zip(call.like, gs)])
                break
    res = call.cls.backward(ctx, *gs)
    if not RUNNING.keep:
        # PyTorch's release of a node's variables once it ran without retain_graph: the
        # saved tensors go now, and ctx.saved_tensors raises from here on (also for a ctx
        # that saved nothing; a backward that never reads them runs again, as PyTorch's)
        ctx._freed = True
        ctx._saved = ctx._versions = ()
    if res.__class__ is not tuple:  # (a tuple subclass, as a namedtuple, as a plain tuple)
        res = tuple(res) if isinstance(res, tuple) else (res,)
    n_args = call.n_args
    if len(res) < n_args:
        res = res + (None,) * (n_args - len(res))
    for r in res:  # (a new tuple only where a result is dropped)
        if r is not None and not isinstance(r, Tensor):
            return tuple([r if r is None or isinstance(r, Tensor) else None for r in res])
    return res


# a Function class -> ((node class, rule), name) of its nodes: one rule for every call (each
# node's state is its params), made on the class's first recorded call
_ENTRIES: dict = {}
_ENTRIES_MAX = 1024  # classes kept (a test suite makes classes per test); then starts over


def _entry(cls):
    name = cls.__name__
    rule = Rule(_backward, "none", False, f"{name}Backward")
    if len(_ENTRIES) >= _ENTRIES_MAX:
        _ENTRIES.clear()
    node_cls = _NODE_CLASSES.get(rule.name)
    if node_cls is None:
        node_cls = _NODE_CLASSES[rule.name] = type(rule.name, (_FunctionNode,),
                                                   {"__slots__": ()})
        node_cls.__module__ = "trueno_autograd"
    entry = _ENTRIES[cls] = ((node_cls, rule), name)
    return entry


class _FunctionNode(Node):
    """The node of a custom Function's call. It reads as the call's ctx, as PyTorch's (whose
    node is the ctx): ``y.grad_fn.saved_tensors``, ``needs_input_grad`` and what forward set
    on ctx (public names only: the node's own private slots never reach the ctx)."""

    __slots__ = ()

    def __getattr__(self, name: str):
        if name[:1] == "_" or name == "params":
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
        try:
            return getattr(self.params.ctx, name)
        except AttributeError:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute "
                                 f"'{name}'") from None


_NODE_CLASSES: dict = {}  # a node class name -> its _FunctionNode subclass


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
