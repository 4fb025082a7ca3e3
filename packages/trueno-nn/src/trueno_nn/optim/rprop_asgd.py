"""``Rprop`` (resilient backpropagation) and ``ASGD`` (averaged SGD), PyTorch's formulas."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import trueno.torch as torch

from .optimizer import Optimizer, _scalar_step, _value, check, no_differentiable

__all__ = ["Rprop", "ASGD"]


class Rprop(Optimizer):
    """PyTorch's ``torch.optim.Rprop``: per-element step sizes grown by ``etas[1]`` while the
    gradient keeps its sign, shrunk by ``etas[0]`` when it flips, within ``step_sizes``."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-2,
                 etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        check(0.0 <= _value(lr), f"Invalid learning rate: {lr}")
        check(0.0 < etas[0] < 1.0 < etas[1], f"Invalid eta values: {etas[0]}, {etas[1]}")
        no_differentiable(differentiable)
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def _group_step(self, group: dict[str, Any]) -> None:
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        for param, grad in self._grads(group):
            state = self.state[param]
            if len(state) == 0:
                state["step"] = _scalar_step()
                state["prev"] = torch.zeros_like(param)
                state["step_size"] = torch.full_like(grad, _value(group["lr"]))
            if group["maximize"]:
                grad = -grad
            prev, step_size = state["prev"], state["step_size"]
            state["step"].add_(1)
            sign = grad.mul(prev).sign()
            sign = torch.where(sign > 0, torch.full_like(sign, etaplus),
                               torch.where(sign < 0, torch.full_like(sign, etaminus),
                                           torch.ones_like(sign)))
            step_size.mul_(sign).clamp_(step_size_min, step_size_max)
            grad = torch.where(sign == etaminus, torch.zeros_like(grad), grad)
            param.addcmul_(grad.sign(), step_size, value=-1)
            prev.copy_(grad)


class ASGD(Optimizer):
    """PyTorch's ``torch.optim.ASGD``: SGD with decaying step ``eta`` and a running average
    ``ax`` of the iterates from step ``t0`` on."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        check(0.0 <= _value(lr), f"Invalid learning rate: {lr}")
        check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        no_differentiable(differentiable)
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def _group_step(self, group: dict[str, Any]) -> None:
        lr = group["lr"]
        lambd, alpha, t0, wd = group["lambd"], group["alpha"], group["t0"], group["weight_decay"]
        for param, grad in self._grads(group):
            state = self.state[param]
            if len(state) == 0:
                state["step"] = _scalar_step()
                state["eta"] = torch.tensor(_value(lr), dtype=torch.float32)
                state["mu"] = torch.tensor(1.0, dtype=torch.float32)
                state["ax"] = torch.zeros_like(param)
            if group["maximize"]:
                grad = -grad
            mu, ax, eta = state["mu"], state["ax"], state["eta"]
            state["step"].add_(1)
            if wd != 0:
                grad = grad.add(param, alpha=wd)
            eta_value = _value(eta)
            param.mul_(1 - lambd * eta_value)
            param.add_(grad, alpha=-eta_value)
            if mu.item() != 1:
                ax.add_(param.sub(ax).mul_(mu))
            else:
                ax.copy_(param)
            step = _value(state["step"])
            # PyTorch makes these float32 tensors (its default dtype) and copies them in, so
            # the values are float32-rounded even where loading made eta/mu float64
            eta.copy_(torch.tensor(_value(lr / ((1 + lambd * lr * step) ** alpha)),
                                   dtype=torch.float32))
            mu.copy_(torch.tensor(1 / max(1, step - t0), dtype=torch.float32))
