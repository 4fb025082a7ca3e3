"""``SGD``: stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import trueno.torch as torch

from ._fused import fused_steps
from .optimizer import Optimizer, ParamState, _value, check, no_differentiable

__all__ = ["SGD"]


class SGD(Optimizer):
    """PyTorch's ``torch.optim.SGD`` (its single-tensor algorithm, updates in place).

    Parameters
    ----------
    params : iterable
        Parameters or parameter groups.
    lr, momentum, dampening, weight_decay : float
        Learning rate, momentum factor, dampening of the momentum, L2 penalty.
    nesterov, maximize : bool
        Nesterov momentum; maximize the objective instead of minimizing it.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        check(_value(lr) >= 0.0, f"Invalid learning rate: {lr}")
        check(momentum >= 0.0, f"Invalid momentum value: {momentum}")
        check(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        no_differentiable(differentiable)
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        check(not (nesterov and (momentum <= 0 or dampening != 0)),
              "Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _group_step(self, group: dict[str, Any]) -> None:
        lr = group["lr"]   # a float, or a 0-d tensor kept as in PyTorch
        wd, momentum = group["weight_decay"], group["momentum"]
        params = {"lr": _value(lr), "momentum": momentum, "dampening": group["dampening"],
                  "nesterov": group["nesterov"], "weight_decay": wd,
                  "maximize": group["maximize"], "init_buffer": False}
        # the fused sgd_update row for the whole group (one launch for many parameters on a
        # device with a multi-tensor kernel); parameters whose momentum buffer is new (PyTorch's
        # first step clones d into it) go in a call of their own
        items: tuple[list, list] = ([], [])
        state = self.state
        # the state dicts by parameter id (ParamState's own table: no key tuple built by a
        # method call per parameter), else through the mapping
        table = state._d if state.__class__ is ParamState else None
        for param, grad in self._grads(group):
            buf = None
            if momentum != 0:
                if table is not None:
                    hit = table.get(("t", id(param)))
                    buf = None if hit is None else hit[1].get("momentum_buffer")
                else:
                    buf = state[param].get("momentum_buffer")
                if buf is None:
                    items[1].append([param, grad, torch.empty_like(param)])
                    continue
            items[0].append([param, grad, buf])
        for init, lists in enumerate(items):
            if not lists:
                continue
            rest = set(fused_steps("sgd_update", lists, {**params, "init_buffer": bool(init)}))
            for i, (param, grad, buf) in enumerate(lists):
                if i in rest:
                    self._chain_step(group, param, grad)
                elif init:
                    self.state[param]["momentum_buffer"] = buf

    def _chain_step(self, group: dict[str, Any], param: Any, grad: Any) -> None:
        """The update as a chain of in-place ops (parameters the fused row does not take)."""
        wd, momentum = group["weight_decay"], group["momentum"]
        dampening, nesterov = group["dampening"], group["nesterov"]
        if group["maximize"]:
            grad = -grad
        if wd != 0:
            grad = grad.add(param, alpha=wd)
        if momentum != 0:
            state = self.state[param]
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = grad.detach().clone()
                state["momentum_buffer"] = buf
            else:
                buf.mul_(momentum).add_(grad, alpha=1 - dampening)
            grad = grad.add(buf, alpha=momentum) if nesterov else buf
        param.add_(grad, alpha=-_value(group["lr"]))
