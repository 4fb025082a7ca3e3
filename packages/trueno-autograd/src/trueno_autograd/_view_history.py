"""How views and in-place writes rewrite autograd history (PyTorch's view + version semantics).

A view made by ``Tensor._view`` remembers its base and the view op (``t._base``) and shares the
base's version counter. Three rules follow PyTorch:

- the base (or another view of it) changed in place: the view's ``grad_fn`` is remade, the
  next time it is used, as the view op applied to the base's new history;
- the view changed in place: its base's history becomes a ``CopySlices`` node (the old history
  with the view's new history written into the view's place), up the chain of bases;
- writes autograd cannot record raise: into a leaf that requires grad or a view of one, into a
  view made in no_grad mode of a tensor that requires grad (or using one after its storage
  changed). Saved tensors changed after they were saved are caught by the version check of
  ``Node.inputs``.

``Engine`` inherits these methods; core calls them only when a tensor involved requires grad.
"""

from __future__ import annotations

import traceback
import weakref

from trueno import TruenoError
from trueno import backend as B
from trueno.backend import AutogradMeta

from ._inplace import _COPY_SLICES
from ._record import anomaly_on

__all__ = ["ViewHistory", "InplaceViewError"]

MODES = B.MODES
_ref = weakref.ref


class InplaceViewError(TruenoError, RuntimeError):
    """An in-place write that autograd cannot record, where PyTorch raises ``RuntimeError``: on a
    leaf that requires grad, on a view of one, or on a view made in no_grad mode."""


def _nograd_message(meta, what) -> str:
    """PyTorch's message for a view made in no_grad mode (``meta.nograd_view`` 1) or a view of
    such a view (2)."""
    who = "A view was created" if meta.nograd_view == 1 else \
        f"Output 0 of {meta.grad_fn.name().split('Backward')[0]} is a view of a view which was "\
        "created"
    return (f"{who} in no_grad mode and {what} with grad mode enabled. Given that this use "
            "case is ambiguous and error-prone, it is forbidden. You can clarify your code by "
            "moving both the view and the inplace either both inside the no_grad block (if you "
            "don't want the inplace to be tracked) or both outside (if you want the inplace to "
            "be tracked).")


class ViewHistory:
    """Mixin of ``Engine``: the view and in-place hooks core calls."""

    # -- views ------------------------------------------------------------------------------------
    def record_view(self, op, base, params, out):
        """``out`` is a view of ``base`` (which requires grad) made by ``op``; core calls this
        for every such view. In grad mode the view records its node; in no_grad mode it becomes
        a tensor that requires grad without history and remembers where it was made (PyTorch's
        CreationMeta.NO_GRAD_MODE), so that writing to it in grad mode raises."""
        if out._dtype.kind not in "fc":
            return
        bm = base._ag
        if MODES.grad_enabled:
            self.record(op, (base,), params, out)
            m = out._ag
            if bm.nograd_view:
                m.nograd_view = 2
        else:
            m = out._ag = AutogradMeta(True, None)
            m.nograd_view = 1
        m.view_version = out._version[0]

    def grad_fn_of(self, t):
        """``t``'s node, remade first if ``t`` is a view whose storage changed since."""
        m = t._ag
        v = m.view_version
        if v is not None and t._version[0] != v:
            return self._refresh(t)
        return m.grad_fn

    def _refresh(self, t):
        """The base of view ``t`` (or another view of it) changed in place after ``t``'s node
        was made: ``t``'s history is now its view op applied to the base's current history
        (PyTorch regenerates a view's grad_fn the same way). Keeps ``t``'s AutogradMeta, so
        ``retain_grad`` and ``.grad`` survive."""
        m = t._ag
        if m.nograd_view:
            raise InplaceViewError(_nograd_message(m, "its base or another view of its base has "
                                                      "been modified inplace"))
        m.view_version = t._version[0]
        b = getattr(t, "_base", None)
        if b is None or b[0]._ag is None:
            return m.grad_fn
        base, op_name, params = b
        op = B.get_op(op_name)
        entry = self._table.get(op_name)
        if entry is None:
            entry = self._lookup(op)
        node = self._new_node(entry[0], entry[1], op, (base,), params)  # refreshes base first
        if m.retains_grad:
            node._out_refs = _ref(m)
        if anomaly_on():
            node._trace = traceback.format_stack()[:-2]
        m.grad_fn = node
        m.output_nr = 0
        return node

    # -- in place ---------------------------------------------------------------------------------
    def check_inplace(self, t, out=None):
        """Called before ``t`` is overwritten in grad mode (by ``out`` for ``+=`` and friends).

        Raises where PyTorch does: ``t`` is a leaf that requires grad, a view of one, or a view
        made in no_grad mode of a tensor that requires grad."""
        if not MODES.grad_enabled:
            return
        if out is not None and out._ag is not None:
            node = out._ag.grad_fn
            if node is not None and node._saved and any(s is t for s in node._saved):
                # the op that made `out` saved `t`, which is about to change: save a
                # (differentiable) copy of the old value instead (PyTorch's "original self")
                node._saved = tuple(t.copy() if s is t else s for s in node._saved)
                node._versions = tuple(0 if s is None else s._version[0] for s in node._saved)
        m = t._ag
        if m is not None:
            if m.nograd_view:
                raise InplaceViewError(_nograd_message(m, "is being modified inplace"))
            if m.view_version is None:  # not a view of a tensor that requires grad
                if m.grad_fn is None and m.requires_grad:
                    raise InplaceViewError("a leaf Variable that requires grad is being used in "
                                           "an in-place operation.\n  hint: wrap the update in "
                                           "`with no_grad():`, or work on x.clone()")
                return
        b = getattr(t, "_base", None)
        while b is not None:
            bm = b[0]._ag
            if bm is not None and bm.grad_fn is None and bm.view_version is None:
                raise InplaceViewError("a view of a leaf Variable that requires grad is being "
                                       "used in an in-place operation.\n  hint: wrap the "
                                       "update in `with no_grad():`, or work on a clone of "
                                       "the leaf")
            b = getattr(b[0], "_base", None)

    def inplace(self, t, out):
        """``t`` now holds the values of ``out``: ``t`` takes over ``out``'s history, and if
        ``t`` is a view, its bases are rebased through it."""
        m = out._ag
        if m is None:
            t._ag = None
        else:
            node = m.grad_fn
            if node is not None and node._saved:
                # t is about to point to node; a saved reference to t would be a cycle (and is
                # stale: its version moved on), so keep a detached handle that fails the check.
                node._saved = tuple(s.detach() if s is t else s for s in node._saved)
            t._ag = m
        self._rebase(t)

    def setitem(self, t, key, value, accumulate=False):
        """``t[key] = value`` was written: ``t``'s history is the old one with a hole at
        ``key`` filled by ``value``."""
        if not MODES.grad_enabled:
            return
        view = "getitem" if B.is_basic_key(key) else "index"
        self.record(_COPY_SLICES, (t, value), {"view": view, "params": {"key": key},
                                               "accumulate": accumulate}, t)
        self._rebase(t)

    def _rebase(self, t):
        """``t`` changed in place and holds its new history. If ``t`` is a view, its base now
        holds ``t``'s values in the view's place (a ``CopySlices`` node over the base's old
        history and ``t``'s), and ``t``'s history is the view of the base's new history."""
        b = getattr(t, "_base", None)
        if b is None:
            return
        base, op_name, params = b
        if base._ag is None and t._ag is None:
            return
        self.record(_COPY_SLICES, (base, t), {"view": op_name, "params": params}, base)
        self._rebase(base)
        self.record(B.get_op(op_name), (base,), params, t)
        m = t._ag
        if m is not None:
            m.view_version = t._version[0]
