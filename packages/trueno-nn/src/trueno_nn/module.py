"""``nn.Module``: parameters, buffers and submodules registered by attribute, as PyTorch's."""

from __future__ import annotations


import trueno.torch as torch

from ._errors import (
    ModuleAttributeError, ModuleKeyError, ModuleTypeError, ModuleValueError, typename,
)
from . import _hooks as _hooks_module
from ._hooks import (
    RemovableHandle, _addindent, _HookDict, call_with_hooks,
    register_module_forward_hook, register_module_forward_pre_hook,
    register_module_full_backward_hook, register_module_full_backward_pre_hook,
)
from ._module_state import StateDictMixin, _swap_data
from .parameter import Buffer, Parameter, share

_G_FWD_PRE = _hooks_module._global_forward_pre_hooks
_G_FWD = _hooks_module._global_forward_hooks
_G_BWD_PRE = _hooks_module._global_backward_pre_hooks
_G_BWD = _hooks_module._global_backward_hooks

__all__ = ["Module", "RemovableHandle", "register_module_forward_pre_hook",
           "register_module_forward_hook", "register_module_full_backward_pre_hook",
           "register_module_full_backward_hook"]

_Tensor = torch.Tensor


def _zero_(g, zeros: dict) -> None:
    """``g.zero_()`` by copying a 0-d zero made once per (device, dtype) in ``zeros`` (the
    caller's, one per zero_grad call): ``zero_`` uploads a host zero per tensor on a device."""
    key = (str(g.device), g.dtype)
    z = zeros.get(key)
    if z is None:
        z = zeros[key] = torch.full((), 0, dtype=g.dtype, device=g.device)
    with torch.no_grad():
        g.copy_(z)


class Module(StateDictMixin):
    """Base class of every layer and model (PyTorch's ``torch.nn.Module``).

    Assigning a ``Parameter``, a ``Module`` or (through ``register_buffer``) a tensor to an
    attribute registers it; ``parameters()``, ``state_dict()``, ``to()``, ``train()`` and the
    other methods walk the registered tree in registration order.
    """

    training: bool
    _version = 1
    call_super_init = False

    def __init__(self, *args, **kwargs) -> None:
        if args or kwargs:
            raise ModuleTypeError(f"{type(self).__name__}.__init__() got unexpected arguments "
                                  f"{args} {kwargs}\n  hint: Module.__init__ takes none")
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = {}
        d["_buffers"] = {}
        d["_non_persistent_buffers_set"] = set()
        d["_modules"] = {}
        d["_forward_hooks"] = _HookDict()
        d["_forward_hooks_with_kwargs"] = _HookDict()
        d["_forward_hooks_always_called"] = _HookDict()
        d["_forward_pre_hooks"] = _HookDict()
        d["_forward_pre_hooks_with_kwargs"] = _HookDict()
        d["_backward_pre_hooks"] = _HookDict()
        d["_backward_hooks"] = _HookDict()

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required '
                                  f'"forward" function')

    # -- registration ----------------------------------------------------------------------
    def register_buffer(self, name: str, tensor, persistent: bool = True) -> None:
        """Add a tensor that is state but not a parameter (saved in ``state_dict`` unless
        ``persistent=False``)."""
        if "_buffers" not in self.__dict__:
            raise ModuleAttributeError("cannot assign buffer before Module.__init__() call")
        if not isinstance(name, str):
            raise ModuleTypeError(f"buffer name should be a string. Got {typename(name)}")
        if "." in name:
            raise ModuleKeyError('buffer name can\'t contain "."')
        if name == "":
            raise ModuleKeyError('buffer name can\'t be empty string ""')
        if hasattr(self, name) and name not in self._buffers:
            raise ModuleKeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, _Tensor):
            raise ModuleTypeError(f"cannot assign '{typename(tensor)}' object to buffer "
                                  f"'{name}' (torch Tensor or None required)")
        if isinstance(tensor, Buffer):
            tensor = share(_Tensor, tensor)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def register_parameter(self, name: str, param) -> None:
        """Add a parameter (a ``Parameter`` or None) under ``name``."""
        if "_parameters" not in self.__dict__:
            raise ModuleAttributeError("cannot assign parameter before Module.__init__() call")
        if not isinstance(name, str):
            raise ModuleTypeError(f"parameter name should be a string. Got {typename(name)}")
        if "." in name:
            raise ModuleKeyError('parameter name can\'t contain "."')
        if name == "":
            raise ModuleKeyError('parameter name can\'t be empty string ""')
        if hasattr(self, name) and name not in self._parameters:
            raise ModuleKeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise ModuleTypeError(f"cannot assign '{typename(param)}' object to parameter "
                                  f"'{name}' (torch.nn.Parameter or None required)")
        if param is not None and param.grad_fn is not None:
            raise ModuleValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be "
                f"created explicitly. To express '{name}' as a function of another Tensor, "
                f"compute the value in the forward() method.")
        self._parameters[name] = param

    def add_module(self, name: str, module) -> None:
        """Add a submodule (a ``Module`` or None) under ``name``."""
        if module is not None and not isinstance(module, Module):
            raise ModuleTypeError(f"{typename(module)} is not a Module subclass")
        if not isinstance(name, str):
            raise ModuleTypeError(f"module name should be a string. Got {typename(name)}")
        if hasattr(self, name) and name not in self._modules:
            raise ModuleKeyError(f"attribute '{name}' already exists")
        if "." in name:
            raise ModuleKeyError(f'module name can\'t contain ".", got: {name}')
        if name == "":
            raise ModuleKeyError('module name can\'t be empty string ""')
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target: str) -> Module:
        """The submodule at dotted path ``target`` (``""`` is this module)."""
        mod = self
        for item in target.split(".") if target else ():
            if not hasattr(mod, item):
                raise ModuleAttributeError(f"{mod._get_name()} has no attribute `{item}`")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise ModuleAttributeError(f"`{item}` is not an nn.Module")
        return mod

    def get_parameter(self, target: str):
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        if not hasattr(mod, name):
            raise ModuleAttributeError(f"{mod._get_name()} has no attribute `{name}`")
        p = getattr(mod, name)
        if not isinstance(p, Parameter):
            raise ModuleAttributeError(f"`{name}` is not an nn.Parameter")
        return p

    # -- attributes ------------------------------------------------------------------------
    def __getattr__(self, name: str):
        d = self.__dict__
        # the three stores in order, unrolled (a layer reads its weight, bias and buffers here
        # on every call)
        s = d.get("_parameters")
        if s is not None and name in s:
            return s[name]
        s = d.get("_buffers")
        if s is not None and name in s:
            return s[name]
        s = d.get("_modules")
        if s is not None and name in s:
            return s[name]
        raise ModuleAttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name: str, value) -> None:
        d = self.__dict__

        def remove_from(*stores):
            for s in stores:
                if name in s:
                    if isinstance(s, dict):
                        del s[name]
                    else:
                        s.discard(name)

        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise ModuleAttributeError("cannot assign parameters before Module.__init__() "
                                           "call")
            remove_from(d, self._buffers, self._modules, self._non_persistent_buffers_set)
            self.register_parameter(name, value)
            return
        if params is not None and name in params:
            if value is not None:
                raise ModuleTypeError(f"cannot assign '{typename(value)}' as parameter '{name}' "
                                      "(torch.nn.Parameter or None expected)")
            self.register_parameter(name, value)
            return
        modules = d.get("_modules")
        if isinstance(value, Module):
            if modules is None:
                raise ModuleAttributeError("cannot assign module before Module.__init__() call")
            remove_from(d, self._parameters, self._buffers, self._non_persistent_buffers_set)
            modules[name] = value
            return
        if modules is not None and name in modules:
            if value is not None:
                raise ModuleTypeError(f"cannot assign '{typename(value)}' as child module "
                                      f"'{name}' (torch.nn.Module or None expected)")
            modules[name] = value
            return
        buffers = d.get("_buffers")
        if isinstance(value, Buffer) or (buffers is not None and name in buffers):
            if value is not None and not isinstance(value, _Tensor):
                raise ModuleTypeError(f"cannot assign '{typename(value)}' as buffer '{name}' "
                                      "(torch.nn.Buffer, torch.Tensor or None expected)")
            if isinstance(value, Buffer):
                persistent = value.persistent
            else:
                persistent = name not in self._non_persistent_buffers_set
            remove_from(d, self._parameters, self._modules)
            self.register_buffer(name, value, persistent)
            return
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        d = self.__dict__
        if name in d["_parameters"]:
            del d["_parameters"][name]
        elif name in d["_buffers"]:
            del d["_buffers"][name]
            d["_non_persistent_buffers_set"].discard(name)
        elif name in d["_modules"]:
            del d["_modules"][name]
        else:
            object.__delattr__(self, name)

    def __dir__(self):
        keys = (dir(self.__class__) + list(self.__dict__) + list(self._parameters)
                + list(self._modules) + list(self._buffers))
        return sorted(k for k in keys if not k[0].isdigit())

    def __setstate__(self, state) -> None:
        self.__dict__.update(state)
        for key in ("_backward_pre_hooks", "_backward_hooks"):
            self.__dict__.setdefault(key, _HookDict())

    # -- iteration -------------------------------------------------------------------------
    def _named_members(self, get_members, prefix="", recurse=True, remove_duplicate=True):
        memo = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) \
            if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for k, v in get_members(module):
                if v is None or id(v) in memo:
                    continue
                if remove_duplicate:
                    memo.add(id(v))
                yield module_prefix + ("." if module_prefix else "") + k, v

    def parameters(self, recurse: bool = True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True):
        """``(name, parameter)`` pairs, dotted names, each parameter once unless
        ``remove_duplicate=False``."""
        yield from self._named_members(lambda m: m._parameters.items(), prefix, recurse,
                                       remove_duplicate)

    def buffers(self, recurse: bool = True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True):
        yield from self._named_members(lambda m: m._buffers.items(), prefix, recurse,
                                       remove_duplicate)

    def children(self):
        for _, m in self.named_children():
            yield m

    def named_children(self):
        memo = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in memo:
                memo.add(id(m))
                yield name, m

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_modules(self, memo=None, prefix: str = "", remove_duplicate: bool = True):
        """This module and every submodule, depth first, with dotted names."""
        if memo is None:
            memo = set()
        if id(self) in memo:
            return
        if remove_duplicate:
            memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is None:
                continue
            yield from m.named_modules(memo, prefix + ("." if prefix else "") + name,
                                       remove_duplicate)

    # -- modes and gradients ---------------------------------------------------------------
    def train(self, mode: bool = True):
        if not isinstance(mode, bool):
            raise ModuleValueError("training mode is expected to be boolean")
        self.training = mode
        for m in self.children():
            m.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the parameters' gradients: to ``None`` (default) or to zeros in place."""
        zeros: dict = {}
        for p in self.parameters():
            g = p.grad
            if g is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                if g.grad_fn is not None:
                    g = p.grad = g.detach()
                else:
                    g.requires_grad_(False)
                _zero_(g, zeros)

    def apply(self, fn):
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # -- conversion ------------------------------------------------------------------------
    def _apply(self, fn, floats_only: bool = False):
        for m in self.children():
            m._apply(fn, floats_only)
        with torch.no_grad():
            for p in self._parameters.values():
                if p is None or (floats_only and not p.is_floating_point()):
                    continue
                new = fn(p)
                if new is not p:
                    _swap_data(p, new)
                g = p.grad
                if g is not None:
                    p.grad = fn(g)
            for k, b in self._buffers.items():
                if b is not None and not (floats_only and not b.is_floating_point()):
                    self._buffers[k] = fn(b)
        return self

    def to(self, *args, **kwargs):
        """Move/cast parameters and buffers in place: ``to(device)``, ``to(dtype)``,
        ``to(device, dtype)``, ``to(tensor)``; dtypes apply to floating tensors only."""
        device = kwargs.pop("device", None)
        dtype = kwargs.pop("dtype", None)
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        if kwargs:
            raise ModuleTypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, _Tensor):
                device, dtype = a.device, a.dtype
            elif isinstance(a, bool):
                continue
            elif isinstance(a, (str, torch.device)) or type(a).__name__ == "Device":
                device = a
            elif a is not None:
                dtype = a
        if dtype is not None:
            if not (dtype.kind in "fc" if hasattr(dtype, "kind") else True):
                raise ModuleTypeError(f"nn.Module.to only accepts floating point or complex "
                                      f"dtypes, but got desired dtype={dtype}")

        def convert(t):
            out = t
            if device is not None:
                out = out.to(device)
            if dtype is not None and out.is_floating_point():
                out = out.to(dtype)
            return out
        return self._apply(convert)

    def cpu(self):
        return self._apply(lambda t: t.to("cpu"))

    def cuda(self, device=None):
        return self._apply(lambda t: t.cuda(device))

    def _cast(self, dtype):
        return self._apply(lambda t: t.to(dtype) if t.is_floating_point() else t)

    def float(self):
        return self._cast(torch.float32)

    def double(self):
        return self._cast(torch.float64)

    def half(self):
        return self._cast(torch.float16)

    def bfloat16(self):
        return self._cast(torch.bfloat16)

    def type(self, dst_type):
        return self._apply(lambda t: t.to(dst_type))

    # -- hooks and calling -----------------------------------------------------------------
    def register_forward_pre_hook(self, hook, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """``hook(module, args)`` (or ``(module, args, kwargs)``) before ``forward``; a
        non-None result replaces the arguments."""
        handle = RemovableHandle(self._forward_pre_hooks, self._forward_pre_hooks_with_kwargs)
        self._forward_pre_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[handle.id] = True
        if prepend:
            self._forward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_hook(self, hook, *, prepend: bool = False, with_kwargs: bool = False,
                              always_call: bool = False) -> RemovableHandle:
        """``hook(module, args, output)`` after ``forward``; a non-None result replaces the
        output."""
        handle = RemovableHandle(self._forward_hooks, self._forward_hooks_with_kwargs,
                                 self._forward_hooks_always_called)
        self._forward_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_hooks_with_kwargs[handle.id] = True
        if always_call:
            self._forward_hooks_always_called[handle.id] = True
        if prepend:
            self._forward_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_pre_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        """``hook(module, grad_output)`` when the gradients of the module's outputs are known;
        a non-None result (a tuple) replaces ``grad_output``."""
        handle = RemovableHandle(self._backward_pre_hooks)
        self._backward_pre_hooks[handle.id] = hook
        if prepend:
            self._backward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        """``hook(module, grad_input, grad_output)`` when the gradients of the module's
        positional tensor inputs are known (``None`` for the others); a non-None result (a
        tuple) replaces ``grad_input``."""
        handle = RemovableHandle(self._backward_hooks)
        self._backward_hooks[handle.id] = hook
        if prepend:
            self._backward_hooks.move_to_end(handle.id, last=False)
        return handle

    def __call__(self, *args, **kwargs):
        d = self.__dict__
        # (any_global_hooks(), inlined: the global hook dicts are filled in place, never
        # rebound)
        if not (d["_forward_hooks"] or d["_forward_pre_hooks"] or d["_backward_hooks"]
                or d["_backward_pre_hooks"] or _G_FWD_PRE or _G_FWD or _G_BWD_PRE or _G_BWD):
            return self.forward(*args, **kwargs)
        return call_with_hooks(self, args, kwargs)

    # -- printing --------------------------------------------------------------------------
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The text inside this module's parentheses in its repr (override in subclasses)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({k}): " + _addindent(repr(m), 2) for k, m in self._modules.items()]
        lines = extra_lines + child_lines
        main = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main += extra_lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"
