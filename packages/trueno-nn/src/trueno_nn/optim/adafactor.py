"""``Adafactor``: Adam-like steps with factored (row/column) second moments (PyTorch's)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import trueno.torch as torch

from .optimizer import Optimizer, _scalar_step, _value, check

__all__ = ["Adafactor"]


class Adafactor(Optimizer):
    """PyTorch's ``torch.optim.Adafactor`` (its single-tensor algorithm, updates in place).

    Parameters
    ----------
    params : iterable
        Parameters or parameter groups.
    lr, beta2_decay, d, weight_decay : float
        Learning rate (an upper bound of the relative step), decay exponent of the second
        moments' weight, update clipping threshold, decoupled weight decay.
    eps : (float or None, float)
        Floor of the second moments (None: the dtype's eps) and of the parameter scale.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, beta2_decay: float = -0.8,
                 eps: tuple[float | None, float] = (None, 1e-3), d: float = 1.0,
                 weight_decay: float = 0.0, *, foreach: bool | None = None,
                 maximize: bool = False) -> None:
        check(0.0 <= _value(lr), f"Learning rate should be >= 0 but is: {lr}")
        check(0.0 >= beta2_decay, f"beta2_decay should be <= 0 but is: {beta2_decay}")
        check(eps[0] is None or 0.0 <= eps[0], f"epsilon1 should be >= 0 but is: {eps[0]}")
        check(0.0 <= eps[1], f"epsilon2 should be >= 0 but is: {eps[1]}")
        check(1.0 <= d, f"Clipping threshold d should be >= 1 but is: {d}")
        check(0.0 <= weight_decay, f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = {"lr": lr, "beta2_decay": beta2_decay, "eps": eps, "d": d,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize}
        super().__init__(params, defaults)

    def _group_step(self, group: dict[str, Any]) -> None:
        lr = group["lr"]
        beta2_decay, d, wd = group["beta2_decay"], group["d"], group["weight_decay"]
        eps1, eps2 = group["eps"]
        for param, grad in self._grads(group):
            state = self.state[param]
            if len(state) == 0:
                state["step"] = _scalar_step()
                if grad.dim() > 1:
                    state["row_var"] = torch.zeros((*grad.shape[:-1], 1), dtype=grad.dtype,
                                                   device=grad.device)
                    state["col_var"] = torch.zeros((*grad.shape[:-2], 1, grad.shape[-1]),
                                                   dtype=grad.dtype, device=grad.device)
                else:
                    state["variance"] = torch.zeros_like(grad)
            if group["maximize"]:
                grad = -grad
            e1 = torch.finfo(param.dtype).eps if eps1 is None else eps1
            state["step"].add_(1)
            step = state["step"].item()
            one_minus_beta2_t = step**beta2_decay
            rho_t = min(lr, 1 / (step**0.5))
            alpha = max(eps2, param.norm(2).item() / (param.numel() ** 0.5)) * rho_t
            if wd != 0:
                param.mul_(_value(1 - lr * wd))
            if grad.dim() > 1:
                row_var, col_var = state["row_var"], state["col_var"]
                row_mean = torch.norm(grad, dim=-1, keepdim=True).square_().div_(grad.size(-1))
                row_var.lerp_(row_mean, one_minus_beta2_t)
                col_mean = torch.norm(grad, dim=-2, keepdim=True).square_().div_(grad.size(-2))
                col_var.lerp_(col_mean, one_minus_beta2_t)
                var_estimate = row_var @ col_var
                var_estimate.div_(row_var.mean(dim=-2, keepdim=True).clamp_(min=e1))
            else:
                variance = state["variance"]
                variance.lerp_(grad * grad, one_minus_beta2_t)
                var_estimate = variance.clone()
            update = var_estimate.clamp_(min=e1 * e1).rsqrt_()
            update.mul_(grad)
            denom = max(1.0, update.norm(2).item() / ((update.numel() ** 0.5) * d))
            param.add_(update, alpha=_value(-alpha / denom))
