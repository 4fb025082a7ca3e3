"""Graph nodes: one node per recorded op, named like PyTorch's (``MulBackward0``, ...).

A node holds the edges to the nodes that made its inputs (``next_functions``), the rule that
turns the gradient of its output(s) into gradients of its inputs, and the tensors that rule
needs ("saved tensors"). Saved tensors remember the version counter of their storage at save
time, so that an in-place change made after the forward is caught in backward.

No reference cycle: a tensor points to its node, a node points to the nodes of its inputs and
to saved *inputs*; a saved *output* is kept as a detached tensor (no ``_ag``) and outputs are
referenced weakly (only where backward must reach them: ``retain_grad`` or several outputs).

A node is written once per recorded op, so it holds only what backward reads: slots that are
rarely used stay unset (``_trace``, ``_out``, ``_metadata``) or share one slot (``_hooks``
holds a node's pre- and post-hooks), and a node whose saved tensors were freed by backward
has ``_saved`` set to ``FREED``.
"""

from __future__ import annotations

import threading

from trueno import backend as B
from trueno.backend import AutogradMeta

__all__ = ["Node", "AccumulateGrad", "Rule", "RemovableHandle", "NodeHooks", "node_class",
           "FREED", "FREED_MSG", "RUNNING"]

FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward.")



class _Freed(tuple):
    """The type of ``FREED``: an empty tuple (so code that scans ``_saved`` finds nothing)
    that no saved tuple can be."""

    __slots__ = ()


FREED = _Freed()  # ``node._saved`` once backward freed what the node saved


class _Running(threading.local):
    """The calling thread's running backward: ``keep`` is its ``retain_graph`` (True while
    none runs). Read by rules that free what they hold themselves (a custom Function's ctx,
    whose ``saved_tensors`` raise ``FREED_MSG`` once a backward that kept nothing ran it)."""

    keep = True


RUNNING = _Running()


class Rule:
    """A derivative rule: ``fn(ctx, grad_output) -> grads per input`` and what it saves.

    Parameters
    ----------
    fn : called with the node (``ctx.inputs``, ``ctx.output``, ``ctx.params``, ``ctx.needs``,
        ``ctx.shapes``) and the output gradient (a tuple for ops with several outputs).
        Returns one gradient (or None) per input; broadcast dims and dtype are fixed by the
        engine.
    save : which inputs to save: "all", "none", or a function ``needs -> tuple[bool]``.
    save_output : whether the rule reads ``ctx.output``.
    name : the node class name (PyTorch's, e.g. ``"MulBackward0"``).
    """

    __slots__ = ("fn", "save", "save_output", "name", "kept")

    def __init__(self, fn, save="all", save_output=False, name=None):
        self.fn = fn
        self.save = save
        self.save_output = save_output
        self.name = name
        self.kept: dict = {}  # needs -> save(needs), filled by ``keep``

    def keep(self, needs: tuple) -> tuple:
        """Which inputs to save for ``needs`` (a function ``save``'s answer, computed once per
        ``needs``: the recording hot path reads ``kept`` first)."""
        k = self.kept.get(needs)
        if k is None:
            k = self.kept[needs] = tuple(self.save(needs))
        return k


class RemovableHandle:
    """Returned by ``register_hook``; ``remove()`` takes the hook out again."""

    __slots__ = ("_list", "_hook")

    def __init__(self, lst, hook):
        self._list = lst
        self._hook = hook

    def remove(self) -> None:
        try:
            self._list.remove(self._hook)
        except ValueError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class NodeHooks:
    """A node's hooks, made on the first ``register_hook``/``register_prehook``: ``pre`` maps
    an output number (-1: all gradients at once) to its pre-hooks, ``post`` lists the hooks
    that run after the node computed its gradients."""

    __slots__ = ("pre", "post")

    def __init__(self):
        self.pre: dict = {}
        self.post: list = []


class Node:
    """A recorded op in the graph. Subclasses are made per op with PyTorch's names.

    Slots backward reads: ``_next`` (per input: None, the node that made it when it is that
    node's output 0, or ``(node, output_nr)``: no tuple per edge in the common case),
    ``needs`` (which inputs get a gradient), ``shapes`` (``(shape, dtype, class, device)``
    per input), ``params``, ``_rule``, ``_saved`` (the saved inputs, None where nothing is
    saved, ``FREED`` after backward freed them) with ``_versions``, ``_out_refs`` (None, a
    weak reference to the output's ``AutogradMeta`` once ``retain_grad`` asked for it, or a
    tuple of them for several outputs) and ``_hooks`` (None or ``NodeHooks``).
    """

    __slots__ = ("_next", "_rule", "params", "needs", "shapes", "_saved", "_versions",
                 "_out", "_out_version", "_out_refs", "_hooks", "_trace", "_op", "_metadata",
                 "__weakref__")

    def name(self) -> str:
        return type(self).__name__

    @property
    def next_functions(self):
        """``((node, output_nr), ...)`` per input; ``(None, 0)`` for an input without grad."""
        return tuple((None, 0) if e is None else e if e.__class__ is tuple else (e, 0)
                     for e in self._next)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {id(self):#x}>"

    @property
    def metadata(self) -> dict:
        try:
            return self._metadata
        except AttributeError:
            self._metadata = {}
            return self._metadata

    # -- what rules read ----------------------------------------------------------------------
    @property
    def inputs(self):
        """The saved inputs (None where not saved); raises if one was changed in place."""
        saved = self._saved
        if saved is None:
            return ()
        if saved is FREED:
            raise RuntimeError(FREED_MSG)
        vs = self._versions
        if len(saved) == 2:  # binary ops, the common case: no zip
            a, b = saved
            if a is not None and a._version[0] != vs[0]:
                raise RuntimeError(_version_msg(self, a, vs[0]))
            if b is not None and b._version[0] != vs[1]:
                raise RuntimeError(_version_msg(self, b, vs[1]))
            return saved
        for t, v in zip(saved, vs):
            if t is not None and t._version[0] != v:
                raise RuntimeError(_version_msg(self, t, v))
        return saved

    @property
    def output(self):
        """The saved output; re-attached to this node when building a graph of the backward."""
        if self._saved is FREED:
            raise RuntimeError(FREED_MSG)
        out = getattr(self, "_out", None)
        if out is None:
            return None
        if out.__class__ is tuple:
            return tuple(self._unpack_out(o, v, i)
                         for i, (o, v) in enumerate(zip(out, self._out_version)))
        if out._version[0] != self._out_version or B.MODES.grad_enabled:
            return self._unpack_out(out, self._out_version, 0)
        return out  # (the one-output case of _unpack_out, inlined: once per node in backward)

    def _unpack_out(self, o, v, i):
        if o._version[0] != v:
            raise RuntimeError(_version_msg(self, o, v, f"output {i} of {self.name()}"))
        if B.MODES.grad_enabled:
            t = B.wrap(o.__class__, o._data, o._device, o._version, o._dtype)
            m = AutogradMeta(True, self)
            m.output_nr = i
            t._ag = m
            return t
        return o

    # -- hooks (PyTorch's Node.register_hook / register_prehook) ------------------------------
    def _hook_lists(self) -> NodeHooks:
        h = self._hooks
        if h is None:
            h = self._hooks = NodeHooks()
        return h

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after this node computed its gradients."""
        lst = self._hook_lists().post
        lst.append(fn)
        return RemovableHandle(lst, fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before this node; it may return replacement gradients."""
        return self._add_pre_hook(-1, fn)

    def _add_pre_hook(self, nr, fn):
        lst = self._hook_lists().pre.setdefault(nr, [])
        lst.append(fn)
        return RemovableHandle(lst, fn)


def _describe(t) -> str:
    return f"[{type(t).__name__} {t._dtype.name} {list(t.shape)}]"


def _version_msg(node, t, expected, which=None) -> str:
    if which is None:
        m = t._ag
        if m is not None and m.grad_fn is not None:
            which = f"output {m.output_nr} of {m.grad_fn.name()}"
    where = f", which is {which}," if which else ""
    return ("one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: {_describe(t)}{where} is at version {t._version[0]}; expected "
            f"version {expected} instead. (needed by {node.name()} for the forward op "
            f"'{node._op}'.) Hint: the forward computation used this tensor before it was "
            "changed in place; use an out-of-place op (x = x + y) or .clone() it first.")


class AccumulateGrad(Node):
    """The node of a leaf tensor (``variable``): adds the incoming gradient into its ``.grad``.
    """

    __slots__ = ("variable",)


_CLASSES: dict[str, type] = {}


def node_class(name: str) -> type:
    """The node subclass called ``name`` (one per name, made on first use)."""
    cls = _CLASSES.get(name)
    if cls is None:
        cls = type(name, (Node,), {"__slots__": ()})
        cls.__module__ = "trueno_autograd"
        _CLASSES[name] = cls
    return cls


def make_accumulate(t):
    """The ``AccumulateGrad`` node of leaf ``t``."""
    n = object.__new__(AccumulateGrad)
    n._op = "leaf"
    n._hooks = n._saved = n._rule = n._out_refs = n.params = None
    n._next = n.needs = n.shapes = ()
    n.variable = t
    return n
