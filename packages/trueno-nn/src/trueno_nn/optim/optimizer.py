"""``Optimizer``: PyTorch's optimizer base (param groups, per-parameter state, state dicts)."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from typing import Any

import numpy as np
import trueno.torch as torch

from ..module import _zero_
from ._errors import OptimizerKeyError, OptimizerTypeError, OptimizerValueError
from ._step_hooks import HookMixin

__all__ = ["Optimizer", "ParamState", "required"]


class _RequiredParameter:
    """Singleton marking a hyperparameter a parameter group must give."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj: Any) -> str:
    if isinstance(obj, torch.Tensor):
        return obj.type()
    return type(obj).__qualname__


def _is_foreign_tensor(value: Any) -> bool:
    """A PyTorch (or other array library's) tensor: it has ``detach``, ``cpu`` and ``numpy``."""
    return all(callable(getattr(value, a, None)) for a in ("detach", "cpu", "numpy"))


def _scalar_step() -> Any:
    """A fresh ``step`` counter as PyTorch keeps it: a float32 scalar tensor."""
    return torch.tensor(0.0, dtype=torch.float32)


def _advance_step(step: Any) -> float:
    """``step.add_(1)`` then its value as a float, for the ``step`` counter (a float32 0-d
    CPU tensor, PyTorch's layout). Its own NumPy scalar is incremented in place (float32
    arithmetic, as ``add_`` does) and the version bumped: the tensor method's dispatch was
    ~20 us of an Adam step per parameter. Any other counter takes ``add_``."""
    d = getattr(step, "_data", None)
    if d.__class__ is np.ndarray and d.shape == () and d.dtype == np.float32 and \
            step._ag is None and d.flags.writeable:
        np.add(d, np.float32(1), out=d)
        step._version[0] += 1
        return float(d)
    step.add_(1)
    return _value(step)


def _value(x: Any) -> float:
    """A Python number from a scalar tensor (``step``, ``mu_product``) or a number."""
    return x.item() if isinstance(x, torch.Tensor) else x


class ParamState(MutableMapping):
    """``optimizer.state``: per-parameter state dicts keyed by the tensor itself.

    PyTorch's is a ``defaultdict(dict)`` keyed by tensors, which hash by identity; trueno's
    tensors are not hashable, so this mapping keys them by ``id`` (holding the tensor) and,
    like the defaultdict, makes an empty dict for a parameter read the first time. Keys that
    are not tensors (state of a PyTorch state dict that matched no parameter) are kept as is.
    """

    def __init__(self) -> None:
        self._d: dict[Any, tuple[Any, Any]] = {}

    @staticmethod
    def _key(k: Any) -> Any:
        return ("t", id(k)) if isinstance(k, torch.Tensor) else ("k", k)

    def __getitem__(self, k: Any) -> Any:
        key = self._key(k)
        if key not in self._d:
            self._d[key] = (k, {})
        return self._d[key][1]

    def get(self, k: Any, default: Any = None) -> Any:
        hit = self._d.get(self._key(k))
        return default if hit is None else hit[1]

    def __contains__(self, k: Any) -> bool:
        return self._key(k) in self._d

    def __setitem__(self, k: Any, v: Any) -> None:
        self._d[self._key(k)] = (k, v)

    def __delitem__(self, k: Any) -> None:
        del self._d[self._key(k)]

    def __iter__(self) -> Iterator[Any]:
        return (k for k, _ in self._d.values())

    def __len__(self) -> int:
        return len(self._d)

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{k!r}: {v!r}" for k, v in self._d.values()) + "}"

    def __reduce__(self) -> tuple[Any, tuple[list[tuple[Any, Any]]]]:
        # copied or unpickled, the tensors get new ids: rebuild the keys from the pairs
        return _param_state_from_items, (list(self._d.values()),)


def _param_state_from_items(items: list[tuple[Any, Any]]) -> ParamState:
    out = ParamState()
    for k, v in items:
        out[k] = v
    return out


def check(cond: bool, message: str) -> None:
    """Raise PyTorch's ``ValueError`` message for a bad hyperparameter when ``cond`` fails."""
    if not cond:
        raise OptimizerValueError(message)


class Optimizer(HookMixin):
    """Base class of all optimizers (PyTorch's ``torch.optim.Optimizer``).

    Parameters
    ----------
    params : iterable of Tensor, of dict or of (name, Tensor)
        The parameters to optimize, or parameter groups (dicts with a ``"params"`` key and
        per-group hyperparameters overriding ``defaults``).
    defaults : dict
        The default hyperparameters of each group.
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        if isinstance(params, torch.Tensor):
            raise OptimizerTypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {_typename(params)}\n  hint: pass model.parameters() or "
                "[tensor]")
        self.state: ParamState = ParamState()
        self.param_groups: list[dict[str, Any]] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise OptimizerValueError("optimizer got an empty parameter list\n  hint: the "
                                      "model has no parameters, or its iterator was consumed")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)
        self._patch_step_function()

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._patch_step_function()

    def __repr__(self) -> str:
        out = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            out += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    out += f"    {key}: {group[key]}\n"
        return out + ")"

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a parameter group (a dict with ``"params"`` and optional hyperparameters)."""
        if not isinstance(param_group, dict):
            raise OptimizerTypeError(f"param_group must be a dict, but got "
                                     f"{type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, torch.Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise OptimizerTypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list "
                "instead.")
        else:
            param_group["params"] = list(params)
        extracted, names = [], []
        for p in param_group["params"]:
            if isinstance(p, tuple) and len(p) == 2:
                names.append(p[0])
                extracted.append(p[1])
            else:
                extracted.append(p)
        if names and len(names) != len(extracted):
            raise OptimizerValueError("all optimizer params should be with/without names. "
                                      "Some param names are missing")
        if names:
            param_group["param_names"] = names
        param_group["params"] = extracted
        for p in extracted:
            if not isinstance(p, torch.Tensor):
                raise OptimizerTypeError("optimizer can only optimize Tensors, but one of the "
                                         f"params is {_typename(p)}")
            if not self.defaults.get("differentiable", None) and p.grad_fn is not None:
                raise OptimizerValueError("can't optimize a non-leaf Tensor\n  hint: optimize "
                                          "the leaf tensor (or t.detach().requires_grad_())")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise OptimizerValueError("parameter group didn't specify a value of required "
                                          f"optimization parameter {name}")
            param_group.setdefault(name, default)
        ids = [id(p) for p in extracted]
        if len(set(ids)) != len(ids):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in "
                          "future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if seen & set(ids):
            raise OptimizerValueError("some parameters appear in more than one parameter "
                                      "group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters: to ``None`` (default) or to zeros."""
        zeros: dict = {}
        for group in self.param_groups:
            for p in group["params"]:
                m = p._ag
                if m is not None and m.grad_fn is None:  # a leaf: its .grad slot, read and
                    if m.grad is None:  # cleared without the property's calls
                        continue
                    if set_to_none:
                        m.grad = None
                        continue
                elif p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    with torch.no_grad():
                        if p.grad.grad_fn is not None:
                            p.grad = torch.zeros_like(p.grad)
                        else:
                            p.grad.requires_grad_(False)
                            _zero_(p.grad, zeros)

    def _closure_loss(self, closure: Callable[[], Any] | None) -> Any:
        if closure is None:
            return None
        with torch.enable_grad():
            return closure()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step (and return ``closure()``'s loss if given)."""
        loss = self._closure_loss(closure)
        with torch.no_grad():
            for group in self.param_groups:
                self._group_step(group)
        return loss

    def _group_step(self, group: dict[str, Any]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} does not implement step")

    def state_dict(self) -> dict[str, Any]:
        """PyTorch's layout: ``{"state": {index: {...}}, "param_groups": [{..., "params":
        [indices]}]}``, parameters numbered in group order."""
        for hook in list(self._hooks("_optimizer_state_dict_pre_hooks").values()):
            hook(self)
        mapping: dict[int, int] = {}
        start = 0
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                mapping.setdefault(id(p), i)
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {(mapping[id(k)] if isinstance(k, torch.Tensor) else k): v
                 for k, v in self.state.items()}
        out = {"state": state, "param_groups": groups}
        for hook in list(self._hooks("_optimizer_state_dict_post_hooks").values()):
            result = hook(self, out)
            if result is not None:
                out = result
        return out

    @staticmethod
    def _cast(param: Any, value: Any, key: str | None) -> Any:
        if not isinstance(value, torch.Tensor) and _is_foreign_tensor(value):
            value = torch.tensor(value.detach().cpu().numpy())   # a PyTorch state dict
        if isinstance(value, torch.Tensor):
            if key == "step":
                return value.clone()
            if param.is_floating_point():
                return value.to(dtype=param.dtype, device=param.device)
            return value.to(device=param.device)
        if isinstance(value, dict):
            return {k: Optimizer._cast(param, v, k) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(Optimizer._cast(param, v, key) for v in value)
        return value

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state dict made by :meth:`state_dict` (of this or PyTorch's optimizer)."""
        state_dict = state_dict.copy()
        for hook in list(self._hooks("_optimizer_load_state_dict_pre_hooks").values()):
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        for key in ("state", "param_groups"):
            if key not in state_dict:
                raise OptimizerKeyError(f"load_state_dict(): the state dict has no {key!r} "
                                        "key\n  hint: pass optimizer.state_dict()")
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise OptimizerValueError("loaded state dict has a different number of parameter "
                                      "groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise OptimizerValueError("loaded state dict contains a parameter group that "
                                      "doesn't match the size of optimizer's group")
        id_map = {old: p for g, s in zip(groups, saved_groups)
                  for old, p in zip(s["params"], g["params"])}
        state = ParamState()
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = self._cast(param, v, None)
            else:
                state[k] = copy.deepcopy(v)
        new_groups = []
        for g, s in zip(groups, saved_groups):
            s["params"] = g["params"]
            if "param_names" in g and "param_names" not in s:
                s["param_names"] = g["param_names"]
            new_groups.append(s)
        self.state = state
        self.param_groups = new_groups
        for hook in list(self._hooks("_optimizer_load_state_dict_post_hooks").values()):
            hook(self)

    def _grads(self, group: dict[str, Any]) -> list[tuple[Any, Any]]:
        """The (parameter, gradient) pairs of a group, parameters without a grad skipped."""
        out = []
        for p in group["params"]:
            m = p._ag
            # a leaf's .grad from its slot (the property's warning is for non-leaves)
            g = m.grad if m is not None and m.grad_fn is None else p.grad
            if g is not None:
                if getattr(g, "is_sparse", False):
                    raise OptimizerValueError(f"{type(self).__name__} does not support sparse "
                                              "gradients")
                out.append((p, g))
        return out


def check_betas(betas: Any) -> None:
    """PyTorch's checks of ``betas``: both in [0, 1)."""
    check(0.0 <= _value(betas[0]) < 1.0, f"Invalid beta parameter at index 0: {betas[0]}")
    check(0.0 <= _value(betas[1]) < 1.0, f"Invalid beta parameter at index 1: {betas[1]}")


def no_differentiable(differentiable: bool) -> None:
    """``differentiable=True`` (autograd through the update) is not supported yet."""
    if differentiable:
        raise OptimizerValueError("differentiable=True is not supported by trueno's optimizers"
                                  "\n  hint: leave differentiable=False (the default)")
