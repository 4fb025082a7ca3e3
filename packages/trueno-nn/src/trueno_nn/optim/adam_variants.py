"""``Adamax``, ``NAdam`` and ``RAdam``: Adam variants with PyTorch's update formulas."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import trueno.torch as torch

from .optimizer import Optimizer, _scalar_step, _value, check, check_betas, no_differentiable

__all__ = ["Adamax", "NAdam", "RAdam"]


def _checks(lr: Any, eps: float, betas: Any, weight_decay: float) -> None:
    check(0.0 <= _value(lr), f"Invalid learning rate: {lr}")
    check(0.0 <= eps, f"Invalid epsilon value: {eps}")
    check_betas(betas)
    check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")


def _steps(opt: Optimizer, group: dict[str, Any], second: str, **extra: Any):
    """``(param, grad, state)`` for each parameter of ``group`` that has a gradient: ``grad``
    negated with ``maximize``; ``state`` made on the first step as PyTorch's (the step counter,
    ``extra``'s entries made by calling them, ``exp_avg`` and the second moment ``second``),
    its step counter advanced."""
    for param, grad in opt._grads(group):
        state = opt.state[param]
        if len(state) == 0:
            state["step"] = _scalar_step()
            state.update({k: make() for k, make in extra.items()})
            state["exp_avg"] = torch.zeros_like(param)
            state[second] = torch.zeros_like(param)
        if group["maximize"]:
            grad = -grad
        state["step"].add_(1)
        yield param, grad, state


def _decay(param: Any, grad: Any, lr: float, wd: float, decoupled: bool) -> Any:
    """The gradient with L2 weight decay added, or (``decoupled``, AdamW's) the parameter
    shrunk in place and the gradient unchanged."""
    if wd != 0:
        if decoupled:
            param.mul_(_value(1 - lr * wd))
        else:
            grad = grad.add(param, alpha=wd)
    return grad


class Adamax(Optimizer):
    """PyTorch's ``torch.optim.Adamax``: Adam with the infinity norm of past gradients."""

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        _checks(lr, eps, betas, weight_decay)
        no_differentiable(differentiable)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def _group_step(self, group: dict[str, Any]) -> None:
        lr = group["lr"]
        beta1, beta2 = group["betas"]
        eps, wd = group["eps"], group["weight_decay"]
        for param, grad, state in _steps(self, group, "exp_inf"):
            exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
            if wd != 0:
                grad = grad.add(param, alpha=wd)
            exp_avg.lerp_(grad, 1 - beta1)
            exp_inf.copy_(torch.maximum(exp_inf.mul_(beta2), grad.abs().add_(eps)))
            clr = lr / (1 - beta1 ** _value(state["step"]))
            param.addcdiv_(exp_avg, exp_inf, value=_value(-clr))


class NAdam(Optimizer):
    """PyTorch's ``torch.optim.NAdam``: Adam with Nesterov momentum and momentum decay."""

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        _checks(lr, eps, betas, weight_decay)
        check(0.0 <= momentum_decay, f"Invalid momentum_decay value: {momentum_decay}")
        no_differentiable(differentiable)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _group_step(self, group: dict[str, Any]) -> None:
        lr = group["lr"]
        beta1, beta2 = group["betas"]
        eps, wd, momentum_decay = group["eps"], group["weight_decay"], group["momentum_decay"]
        for param, grad, state in _steps(
                self, group, "exp_avg_sq",
                mu_product=lambda: torch.tensor(1.0, dtype=torch.float32)):
            exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
            mu_product = state["mu_product"]
            step = _value(state["step"])
            bias_correction2 = 1 - beta2**step
            grad = _decay(param, grad, lr, wd, group["decoupled_weight_decay"])
            mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
            mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
            mu_product.mul_(mu)
            exp_avg.lerp_(grad, 1 - beta1)
            exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            denom = exp_avg_sq.div(bias_correction2).sqrt()
            mu_product_next = _value(mu_product) * mu_next
            denom.add_(eps)
            param.addcdiv_(grad, denom,
                           value=_value(-lr * (1.0 - mu) / (1.0 - _value(mu_product))))
            param.addcdiv_(exp_avg, denom,
                           value=_value((-lr * mu_next) / (1.0 - mu_product_next)))


class RAdam(Optimizer):
    """PyTorch's ``torch.optim.RAdam``: Adam with a rectified adaptive learning rate."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False) -> None:
        _checks(lr, eps, betas, weight_decay)
        no_differentiable(differentiable)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "decoupled_weight_decay": decoupled_weight_decay,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _group_step(self, group: dict[str, Any]) -> None:
        lr = group["lr"]
        beta1, beta2 = group["betas"]
        eps, wd = group["eps"], group["weight_decay"]
        for param, grad, state in _steps(self, group, "exp_avg_sq"):
            exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
            step = _value(state["step"])
            grad = _decay(param, grad, lr, wd, group["decoupled_weight_decay"])
            exp_avg.lerp_(grad, 1 - beta1)
            exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            bias_correction1 = 1 - beta1**step
            bias_correction2 = 1 - beta2**step
            bias_corrected_exp_avg = exp_avg / bias_correction1
            rho_inf = 2 / (1 - beta2) - 1
            rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
            if rho_t > 5.0:
                rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                        / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                adaptive = (bias_correction2**0.5) / exp_avg_sq.sqrt().add_(eps)
                param.add_(bias_corrected_exp_avg * lr * adaptive * rect, alpha=-1.0)
            else:
                param.add_(bias_corrected_exp_avg * lr, alpha=-1.0)
