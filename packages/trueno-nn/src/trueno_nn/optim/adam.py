"""``Adam`` and ``AdamW`` (amsgrad, coupled or decoupled weight decay, maximize)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import trueno.torch as torch

from ._fused import fused_steps
from .optimizer import (Optimizer, _advance_step, _scalar_step, _value, check, check_betas,
                        no_differentiable)

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """PyTorch's ``torch.optim.Adam`` (its single-tensor algorithm, updates in place).

    Parameters
    ----------
    params : iterable
        Parameters or parameter groups.
    lr, eps, weight_decay : float
        Learning rate, denominator term, weight decay (an L2 penalty, or decoupled as AdamW's
        when ``decoupled_weight_decay``).
    betas : (float, float)
        Decay rates of the first and second moment averages.
    amsgrad, maximize : bool
        Use the maximum of past second moments; maximize the objective.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False) -> None:
        check(0.0 <= _value(lr), f"Invalid learning rate: {lr}")
        check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        check_betas(betas)
        check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        no_differentiable(differentiable)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable,
                    "fused": fused, "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def _group_step(self, group: dict[str, Any]) -> None:
        lr = group["lr"]   # a float, or a 0-d tensor kept as in PyTorch
        # (a tensor lr makes PyTorch compute lr / bias_correction1 in float32: the chain does)
        fused = not isinstance(lr, torch.Tensor)
        beta1, beta2 = (_value(b) for b in group["betas"])
        wd, eps, amsgrad = group["weight_decay"], group["eps"], group["amsgrad"]
        by_step: dict[float, list] = {}  # the fused adam_update row per step count
        for param, grad in self._grads(group):
            state = self.state[param]
            if len(state) == 0:
                state["step"] = _scalar_step()
                state["exp_avg"] = torch.zeros_like(param)
                state["exp_avg_sq"] = torch.zeros_like(param)
                if amsgrad:
                    state["max_exp_avg_sq"] = torch.zeros_like(param)
            step = _advance_step(state["step"])
            if not fused:
                self._chain_step(group, param, grad, state, beta1, beta2)
                continue
            by_step.setdefault(step, []).append(
                [param, grad, state["exp_avg"], state["exp_avg_sq"],
                 state["max_exp_avg_sq"] if amsgrad else None])
        # a group's parameters in one call (one launch for several on a device with a
        # multi-tensor kernel); the ones the row does not take run the chain below
        for step, lists in by_step.items():
            rest = fused_steps(
                "adam_update", lists,
                {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps, "step": step,
                 "weight_decay": wd, "decoupled": group["decoupled_weight_decay"],
                 "amsgrad": amsgrad, "maximize": group["maximize"]})
            for i in rest:
                param, grad = lists[i][:2]
                self._chain_step(group, param, grad, self.state[param], beta1, beta2)

    def _chain_step(self, group: dict[str, Any], param: Any, grad: Any, state: dict[str, Any],
                    beta1: float, beta2: float) -> None:
        """The update as a chain of in-place ops (parameters the fused row does not take)."""
        lr = group["lr"]
        wd, eps, amsgrad = group["weight_decay"], group["eps"], group["amsgrad"]
        if group["maximize"]:
            grad = -grad
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        if wd != 0:
            if group["decoupled_weight_decay"]:
                param.mul_(_value(1 - lr * wd))
            else:
                grad = grad.add(param, alpha=wd)
        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        step = _value(state["step"])
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2**0.5
        if amsgrad:
            state["max_exp_avg_sq"].copy_(torch.maximum(state["max_exp_avg_sq"], exp_avg_sq))
            denom = (state["max_exp_avg_sq"].sqrt() / bias_correction2_sqrt).add_(eps)
        else:
            denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
        param.addcdiv_(exp_avg, denom, value=_value(-step_size))


class AdamW(Adam):
    """PyTorch's ``torch.optim.AdamW``: Adam with decoupled weight decay (default 1e-2)."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
