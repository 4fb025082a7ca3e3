"""The engine the dispatcher calls, put together from its parts:

- ``Recorder`` (``_record.py``): ``record``/``record_binary`` after a differentiable op,
  ``retain_grad``;
- ``GraphRunner`` (``_backward.py``): ``backward``/``grad`` run the graph;
- ``ViewHistory`` (``_view_history.py``): the hooks for views and in-place writes
  (``record_view``, ``check_inplace``, ``inplace``, ``setitem``, ``grad_fn_of``).
"""

from __future__ import annotations

from ._backward import GraphRunner, as_tuple
from ._graph import RemovableHandle
from ._inplace import PRIVATE_RULES, apply_view, fit_shape
from ._record import Recorder, _LeafSlot, node_name
from ._view_history import ViewHistory

__all__ = ["ENGINE", "Engine", "apply_view", "fit_shape", "PRIVATE_RULES", "as_tuple",
           "node_name"]


class Engine(Recorder, GraphRunner, ViewHistory):
    """Records nodes while ops run and runs them backward. One instance per process."""

    def __init__(self):
        self._table: dict = {}  # op name -> (node class, rule)

    def register_hook(self, t, hook):
        """``t.register_hook(hook)``: on a leaf, runs before its gradient is accumulated; on a
        non-leaf, a pre-hook of its node for its output."""
        m = t._ag
        if self.grad_fn_of(t) is None:
            slot = m.hooks
            if slot is None:
                slot = m.hooks = _LeafSlot()
            slot.hooks.append(hook)
            return RemovableHandle(slot.hooks, hook)
        return m.grad_fn._add_pre_hook(m.output_nr, hook)


ENGINE = Engine()
