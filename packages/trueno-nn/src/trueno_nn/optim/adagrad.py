"""``Adagrad`` (learning-rate decay, initial accumulator value, weight decay)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import trueno.torch as torch

from .optimizer import Optimizer, _scalar_step, _value, check, no_differentiable

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """PyTorch's ``torch.optim.Adagrad`` (its single-tensor algorithm, updates in place).

    Parameters
    ----------
    params : iterable
        Parameters or parameter groups.
    lr, lr_decay, weight_decay, initial_accumulator_value, eps : float
        Learning rate, its decay per step, L2 penalty, start of the sum of squared
        gradients, denominator term.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        check(0.0 <= _value(lr), f"Invalid learning rate: {lr}")
        check(0.0 <= lr_decay, f"Invalid lr_decay value: {lr_decay}")
        check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        check(0.0 <= initial_accumulator_value,
              f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        no_differentiable(differentiable)
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value,
                    "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p: Any, group: dict[str, Any]) -> dict[str, Any]:
        state = self.state[p]
        if len(state) == 0:
            state["step"] = _scalar_step()
            state["sum"] = torch.full_like(p, group["initial_accumulator_value"])
        return state

    def _group_step(self, group: dict[str, Any]) -> None:
        lr = group["lr"]
        wd, lr_decay, eps = group["weight_decay"], group["lr_decay"], group["eps"]
        for param, grad in self._grads(group):
            state = self._init_state(param, group)
            state["step"].add_(1)
            step = _value(state["step"])
            if group["maximize"]:
                grad = -grad
            if wd != 0:
                grad = grad.add(param, alpha=wd)
            clr = lr / (1 + (step - 1) * lr_decay)
            state["sum"].addcmul_(grad, grad, value=1)
            std = state["sum"].sqrt().add_(eps)
            param.addcdiv_(grad, std, value=_value(-clr))
