"""Helpers of ``Module``: hook handles, the load report, repr indentation."""

from __future__ import annotations

import threading
import warnings
import weakref
from collections import OrderedDict, namedtuple

import trueno.torch as torch

__all__ = ["RemovableHandle", "register_module_forward_pre_hook", "register_module_forward_hook",
           "register_module_full_backward_pre_hook", "register_module_full_backward_hook"]


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class RemovableHandle:
    """The handle a ``register_*_hook`` returns: ``handle.remove()`` unregisters the hook.

    It holds weak references to the hook dicts; copied or pickled (with the module whose
    dicts it points at, e.g. a lazy module's own handle), the copy points at the copied
    dicts, as PyTorch's ``torch.utils.hooks.RemovableHandle``."""

    _next_id = 0
    _id_lock = threading.Lock()

    def __init__(self, *dicts) -> None:
        with RemovableHandle._id_lock:
            self.id = RemovableHandle._next_id
            RemovableHandle._next_id += 1
        self._dicts = tuple(weakref.ref(d) for d in dicts)

    def remove(self) -> None:
        for ref in self._dicts:
            d = ref()
            if d is not None:
                d.pop(self.id, None)

    def __getstate__(self) -> tuple:
        # the dicts themselves (None for one already collected): deepcopy's memo and pickle
        # then map them to the copies of the module's dicts
        return (self.id, tuple(ref() for ref in self._dicts))

    def __setstate__(self, state: tuple) -> None:
        self.id, dicts = state
        with RemovableHandle._id_lock:  # ids stay unique in the process that loads it
            RemovableHandle._next_id = max(RemovableHandle._next_id, self.id + 1)
        # a dict that was gone when copied gives a dead reference
        self._dicts = tuple(weakref.ref(_HookDict() if d is None else d) for d in dicts)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


class _HookDict(OrderedDict):
    """An OrderedDict that a weakref can point to (plain dicts cannot be weakly referenced)."""


def _addindent(s: str, n: int) -> str:
    lines = s.split("\n")
    if len(lines) == 1:
        return s
    return lines[0] + "\n" + "\n".join(" " * n + line for line in lines[1:])


# -- global module hooks (torch.nn.modules.module.register_module_*_hook) --------------------
_global_forward_pre_hooks = _HookDict()
_global_forward_hooks = _HookDict()
_global_forward_hooks_with_kwargs = _HookDict()
_global_forward_hooks_always_called = _HookDict()
_global_backward_pre_hooks = _HookDict()
_global_backward_hooks = _HookDict()


def any_global_hooks() -> bool:
    return bool(_global_forward_pre_hooks or _global_forward_hooks or
                _global_backward_pre_hooks or _global_backward_hooks)


def register_module_forward_pre_hook(hook) -> RemovableHandle:
    """``hook(module, args)`` before every module's ``forward`` (before its own hooks)."""
    handle = RemovableHandle(_global_forward_pre_hooks)
    _global_forward_pre_hooks[handle.id] = hook
    return handle


def register_module_forward_hook(hook, *, with_kwargs: bool = False,
                                 always_call: bool = False) -> RemovableHandle:
    """``hook(module, args, output)`` after every module's ``forward`` (before its own)."""
    handle = RemovableHandle(_global_forward_hooks, _global_forward_hooks_with_kwargs,
                             _global_forward_hooks_always_called)
    _global_forward_hooks[handle.id] = hook
    if with_kwargs:
        _global_forward_hooks_with_kwargs[handle.id] = True
    if always_call:
        _global_forward_hooks_always_called[handle.id] = True
    return handle


def register_module_full_backward_pre_hook(hook) -> RemovableHandle:
    """``hook(module, grad_output)`` for every module, before its own backward pre-hooks."""
    handle = RemovableHandle(_global_backward_pre_hooks)
    _global_backward_pre_hooks[handle.id] = hook
    return handle


def register_module_full_backward_hook(hook) -> RemovableHandle:
    """``hook(module, grad_input, grad_output)`` for every module, before its own."""
    handle = RemovableHandle(_global_backward_hooks)
    _global_backward_hooks[handle.id] = hook
    return handle


# -- full backward hooks -------------------------------------------------------------------
class _HookIdentity(torch.autograd.Function):
    """Identity on a module's input (or output) tensors whose backward hands the gradients of
    those tensors to ``on_grad`` and returns what it gives back (PyTorch's
    ``BackwardHookFunction``)."""

    @staticmethod
    def forward(ctx, *tensors, on_grad=None, materialize=False):
        ctx.set_materialize_grads(False)
        ctx.materialize = materialize
        outs = tuple(t.detach() for t in tensors)
        ctx.diff = tuple(t.requires_grad and t.is_floating_point() for t in tensors)
        ctx.mark_non_differentiable(*(o for o, d in zip(outs, ctx.diff) if not d))
        ctx.on_grad = on_grad
        ctx.like = tuple((tuple(t.shape), t.dtype, t.device) if t.is_floating_point() else None
                         for t in tensors)
        return outs

    @staticmethod
    def backward(ctx, *grads):
        # on the input side, the gradients PyTorch's Function materialises: zeros for float
        # tensors that got none (e.g. inputs that do not require grad); the output side
        # passes None for an output that got no gradient, as PyTorch's node hook does
        full, it = [], iter(grads)
        for d, like in zip(ctx.diff, ctx.like):
            g = next(it) if d else None
            if g is None and like is not None and ctx.materialize:
                g = torch.zeros(like[0], dtype=like[1], device=like[2])
            full.append(g)
        out = ctx.on_grad(tuple(full))
        return tuple(g if d else None for g, d in zip(out, ctx.diff))


def _pack(indices, values, size: int) -> tuple:
    res = [None] * size
    for i, v in zip(indices, values):
        res[i] = v
    return tuple(res)


class BackwardHook:
    """One module call's full backward hooks (PyTorch's ``torch.utils.hooks.BackwardHook``):
    the output side captures ``grad_output`` (running the pre-hooks), the input side calls
    ``hook(module, grad_input, grad_output)`` once the inputs' gradients are known."""

    def __init__(self, module, user_hooks, user_pre_hooks) -> None:
        self.module = module
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.grad_outputs = None
        self.n_inputs = self.n_outputs = -1
        self.input_index = self.output_index = None

    @staticmethod
    def _apply(args, on_grad, materialize: bool):
        idx = [i for i, a in enumerate(args) if isinstance(a, torch.Tensor)]
        if not (torch.is_grad_enabled() and any(args[i].requires_grad for i in idx)):
            return args, None
        new = _HookIdentity.apply(*(args[i] for i in idx), on_grad=on_grad,
                                  materialize=materialize)
        out = list(args)
        for i, v in zip(idx, new):
            out[i] = v
        return tuple(out), idx

    def _on_input_grad(self, grads: tuple) -> tuple:
        if self.grad_outputs is None:  # reached without passing through the outputs
            return grads
        res = _pack(self.input_index, grads, self.n_inputs)
        for hook in self.user_hooks:
            out = hook(self.module, res, self.grad_outputs)
            if out is None:
                continue
            if len(out) != len(res):
                raise RuntimeError(f"Backward hook returned an invalid number of grad_input, "
                                   f"got {len(out)}, but expected {len(res)}")
            res = tuple(out)
        self.grad_outputs = None
        return tuple(res[i] for i in self.input_index)

    def _on_output_grad(self, grads: tuple) -> tuple:
        self.grad_outputs = _pack(self.output_index, grads, self.n_outputs)
        for hook in self.user_pre_hooks:
            out = hook(self.module, self.grad_outputs)
            if out is None:
                continue
            if len(out) != len(self.grad_outputs):
                raise RuntimeError(f"Backward pre hook returned an invalid number of "
                                   f"grad_output, got {len(out)}, but expected "
                                   f"{len(self.grad_outputs)}")
            self.grad_outputs = tuple(out)
        local = self.grad_outputs
        if self.input_index is None:
            warnings.warn("Full backward hook is firing when gradients are computed with "
                          "respect to module outputs since no inputs require gradients.",
                          stacklevel=2)
            none = (None,) * self.n_inputs
            for hook in self.user_hooks:
                res = hook(self.module, none, self.grad_outputs)
                if res is not None and not (isinstance(res, tuple) and
                                            all(r is None for r in res)):
                    raise RuntimeError("Backward hook for Modules where no input requires "
                                       "gradient should always return None or None for all "
                                       "gradients.")
            self.grad_outputs = None
        return tuple(local[i] for i in self.output_index)

    def setup_input_hook(self, args: tuple) -> tuple:
        res, self.input_index = self._apply(args, self._on_input_grad, True)
        self.n_inputs = len(args)
        return res

    def setup_output_hook(self, result):
        is_tuple = isinstance(result, tuple)
        args = result if is_tuple else (result,)
        res, self.output_index = self._apply(args, self._on_output_grad, False)
        self.n_outputs = len(args)
        return res if is_tuple else res[0]


def call_with_hooks(module, args: tuple, kwargs: dict):
    """``Module.__call__`` when the module or the process has hooks: global then module
    forward pre-hooks, the input side of the backward hooks, ``forward``, global then module
    forward hooks, the output side of the backward hooks (PyTorch's ``_call_impl``)."""
    d = module.__dict__
    pre = [*_global_backward_pre_hooks.values(), *d["_backward_pre_hooks"].values()]
    full = [*_global_backward_hooks.values(), *d["_backward_hooks"].values()]
    with_kw_pre = d["_forward_pre_hooks_with_kwargs"]
    with_kw = d["_forward_hooks_with_kwargs"]
    always = d["_forward_hooks_always_called"]
    called = set()
    result = None
    try:
        for hid, hook in (*_global_forward_pre_hooks.items(),
                          *d["_forward_pre_hooks"].items()):
            if hid in with_kw_pre:
                res = hook(module, args, kwargs)
                if res is not None:
                    if not (isinstance(res, tuple) and len(res) == 2):
                        raise RuntimeError("forward pre-hook must return None or a tuple of "
                                           f"(new_args, new_kwargs), but got {res}.")
                    args, kwargs = res
            else:
                res = hook(module, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)
        bw = None
        if full or pre:
            bw = BackwardHook(module, full, pre)
            args = bw.setup_input_hook(args)
        result = module.forward(*args, **kwargs)
        for hid, hook in (*_global_forward_hooks.items(), *d["_forward_hooks"].items()):
            if hid in always or hid in _global_forward_hooks_always_called:
                called.add(hid)
            if hid in with_kw or hid in _global_forward_hooks_with_kwargs:
                res = hook(module, args, kwargs, result)
            else:
                res = hook(module, args, result)
            if res is not None:
                result = res
        if bw is not None:
            if not isinstance(result, (torch.Tensor, tuple)):
                warnings.warn(f"For backward hooks to be called, module output should be a "
                              f"Tensor or a tuple of Tensors but received {type(result)}",
                              stacklevel=3)
            else:
                result = bw.setup_output_hook(result)
        return result
    except Exception:
        for hid, hook in (*_global_forward_hooks.items(), *d["_forward_hooks"].items()):
            if (hid in always or hid in _global_forward_hooks_always_called) and \
                    hid not in called:
                try:
                    if hid in with_kw or hid in _global_forward_hooks_with_kwargs:
                        res = hook(module, args, kwargs, result)
                    else:
                        res = hook(module, args, result)
                    if res is not None:
                        result = res
                except Exception as e:  # noqa: BLE001
                    warnings.warn(f"module forward hook with ``always_call=True`` raised an "
                                  f"exception that was silenced as another error was raised "
                                  f"in forward: {e}", stacklevel=3)
        raise
