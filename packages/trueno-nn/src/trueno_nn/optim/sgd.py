"""``SGD``: stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import trueno.torch as torch

from ._fused import fused_step
from .optimizer import Optimizer, _value, check, no_differentiable

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
        dampening, nesterov = group["dampening"], group["nesterov"]
        for param, grad in self._grads(group):
            buf = None
            init = False
            if momentum != 0:
                state = self.state[param]
                buf = state.get("momentum_buffer")
                if buf is None:  # PyTorch's first step clones d into the new buffer
                    buf, init = torch.empty_like(param), True
            # one fused kernel per parameter (the sgd_update row), else the chain below
            if fused_step("sgd_update", [param, grad, buf],
                          {"lr": _value(lr), "momentum": momentum, "dampening": dampening,
                           "nesterov": nesterov, "weight_decay": wd,
                           "maximize": group["maximize"], "init_buffer": init}):
                if init:
                    state["momentum_buffer"] = buf
                continue
            self._chain_step(group, param, grad)

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
