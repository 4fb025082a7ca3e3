"""``RMSprop`` (centered, momentum) and ``Adadelta``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import trueno.torch as torch

from .optimizer import Optimizer, _scalar_step, _value, check, no_differentiable

__all__ = ["RMSprop", "Adadelta"]


class RMSprop(Optimizer):
    """PyTorch's ``torch.optim.RMSprop`` (its single-tensor algorithm, updates in place).

    Parameters
    ----------
    params : iterable
        Parameters or parameter groups.
    lr, alpha, eps, weight_decay, momentum : float
        Learning rate, smoothing constant, denominator term, L2 penalty, momentum factor.
    centered, maximize : bool
        Normalize by an estimate of the gradient's variance; maximize the objective.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        check(0.0 <= _value(lr), f"Invalid learning rate: {lr}")
        check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        check(0.0 <= momentum, f"Invalid momentum value: {momentum}")
        check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        check(0.0 <= alpha, f"Invalid alpha value: {alpha}")
        no_differentiable(differentiable)
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay,
                    "capturable": capturable, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _group_step(self, group: dict[str, Any]) -> None:
        lr = group["lr"]
        alpha, eps, wd = group["alpha"], group["eps"], group["weight_decay"]
        momentum, centered = group["momentum"], group["centered"]
        for param, grad in self._grads(group):
            state = self.state[param]
            if len(state) == 0:
                state["step"] = _scalar_step()
                state["square_avg"] = torch.zeros_like(param)
                if momentum > 0:
                    state["momentum_buffer"] = torch.zeros_like(param)
                if centered:
                    state["grad_avg"] = torch.zeros_like(param)
            if group["maximize"]:
                grad = -grad
            square_avg = state["square_avg"]
            state["step"].add_(1)
            if wd != 0:
                grad = grad.add(param, alpha=wd)
            square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
            if centered:
                grad_avg = state["grad_avg"]
                grad_avg.lerp_(grad, 1 - alpha)
                avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
            else:
                avg = square_avg.sqrt()
            avg = avg.add_(eps)
            if momentum > 0:
                buf = state["momentum_buffer"]
                buf.mul_(momentum).addcdiv_(grad, avg)
                param.add_(buf, alpha=-_value(lr))
            else:
                param.addcdiv_(grad, avg, value=-_value(lr))


class Adadelta(Optimizer):
    """PyTorch's ``torch.optim.Adadelta`` (its single-tensor algorithm, updates in place).

    Parameters
    ----------
    params : iterable
        Parameters or parameter groups.
    lr, rho, eps, weight_decay : float
        Scale of the delta, decay of the running averages, denominator term, L2 penalty.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1.0, rho: float = 0.9,
                 eps: float = 1e-6, weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        check(0.0 <= _value(lr), f"Invalid learning rate: {lr}")
        check(0.0 <= rho <= 1.0, f"Invalid rho value: {rho}")
        check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        no_differentiable(differentiable)
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "capturable": capturable, "foreach": foreach,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _group_step(self, group: dict[str, Any]) -> None:
        lr = group["lr"]
        rho, eps, wd = group["rho"], group["eps"], group["weight_decay"]
        for param, grad in self._grads(group):
            state = self.state[param]
            if len(state) == 0:
                state["step"] = _scalar_step()
                state["square_avg"] = torch.zeros_like(param)
                state["acc_delta"] = torch.zeros_like(param)
            square_avg, acc_delta = state["square_avg"], state["acc_delta"]
            state["step"].add_(1)
            if group["maximize"]:
                grad = -grad
            if wd != 0:
                grad = grad.add(param, alpha=wd)
            square_avg.mul_(rho).addcmul_(grad, grad, value=1 - rho)
            std = square_avg.add(eps).sqrt_()
            delta = acc_delta.add(eps).sqrt_()
            delta.div_(std).mul_(grad)
            acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
            param.add_(delta, alpha=-_value(lr))
