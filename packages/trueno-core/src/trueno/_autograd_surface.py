"""The autograd surface of a tensor (``requires_grad``, ``.grad``, ``backward``, hooks).

Core owns only this surface and the per-tensor ``AutogradMeta``; the engine that records and
runs graphs is the trueno-autograd plugin, reached through ``_dispatch.STATE.autograd``.
"""

from __future__ import annotations

import warnings

from . import _dispatch as X
from ._errors import DTypeError, missing_extra

__all__ = ["AutogradMeta", "AutogradSurface"]

# PyTorch's warning (TensorBase::grad) when .grad of a non-leaf is read and will stay None
_NON_LEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
    "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
    "instead. See github.com/pytorch/pytorch/pull/30531 for more information.")


class AutogradMeta:
    """Autograd state of a tensor that requires grad (None on every other tensor).

    ``view_version`` is None unless the tensor is a view of a tensor that requires grad: then
    it is the version of the shared storage at which ``grad_fn`` was made. When the storage
    moved on (the base or another view of it changed in place), the engine remakes
    ``grad_fn`` as the view op applied to the base's new history before it is used.
    ``nograd_view`` is 1 for a view made in no_grad mode of a tensor that requires grad, 2 for
    a view of such a view (PyTorch's CreationMeta.NO_GRAD_MODE): writing to it in grad mode,
    or using it after its storage changed, raises.
    """

    __slots__ = ("requires_grad", "grad", "grad_fn", "retains_grad", "hooks", "output_nr",
                 "view_version", "nograd_view", "__weakref__")

    def __init__(self, requires_grad=True, grad_fn=None):
        self.requires_grad = requires_grad
        self.grad = None
        self.grad_fn = grad_fn
        self.retains_grad = False
        self.hooks = None
        self.output_nr = 0
        self.view_version = None
        self.nograd_view = 0


class AutogradSurface:
    """Mixin of ``Tensor``: the PyTorch autograd attributes and methods, over ``self._ag``."""

    __slots__ = ()

    @property
    def requires_grad(self) -> bool:
        return self._ag is not None and self._ag.requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad: bool = True):
        if not requires_grad:
            if self._ag is not None and self._ag.grad_fn is not None:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. "
                                   "Use .detach() to get a tensor that does not require grad")
            self._ag = None
            return self
        if X.STATE.autograd is None:
            from ._registry import load_plugins
            load_plugins()
            if X.STATE.autograd is None:
                raise missing_extra("requires_grad=True (trueno.autograd)", "autograd")
        if self._dtype.kind not in "fc":
            raise DTypeError(f"only tensors of floating point or complex dtype can require "
                             f"gradients; this one is {self._dtype.name}\n  hint: "
                             f"x.astype(trueno.float32).requires_grad_()")
        if self._ag is None:
            self._ag = AutogradMeta()
        return self

    @property
    def grad(self):
        m = self._ag
        if m is None:
            return None
        if m.grad is None and m.grad_fn is not None and not m.retains_grad and \
                self._face == "torch":
            warnings.warn(_NON_LEAF_GRAD, UserWarning, stacklevel=2)
        return m.grad

    @grad.setter
    def grad(self, value) -> None:
        if self._ag is None:
            if value is None:
                return
            raise RuntimeError("assigning .grad to a tensor that does not require grad")
        self._ag.grad = value

    @property
    def grad_fn(self):
        m = self._ag
        if m is None:
            return None
        v = m.view_version
        if v is not None and self._version[0] != v:  # a view whose base changed in place
            return X.STATE.autograd.grad_fn_of(self)
        return m.grad_fn

    @property
    def is_leaf(self) -> bool:
        return self._ag is None or self._ag.grad_fn is None

    def detach(self):
        return X.wrap(self.__class__, self._data, self._device, self._version, self._dtype)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        if self._ag is None:
            raise RuntimeError("element 0 of tensors does not require grad and does not have "
                               "a grad_fn")
        X.STATE.autograd.backward(self, gradient, retain_graph, create_graph, inputs)

    def retain_grad(self) -> None:
        if self._ag is None:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        self._ag.retains_grad = True
        engine = X.STATE.autograd
        if engine is not None:
            engine.retain_grad(self)  # the node keeps a reference to this tensor's state

    def register_hook(self, hook):
        if self._ag is None:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require "
                               "gradient")
        return X.STATE.autograd.register_hook(self, hook)

    @property
    def _version_count(self) -> int:
        return self._version[0]
