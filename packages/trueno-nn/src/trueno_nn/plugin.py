"""trueno-nn's op-table rows, registered through the public plugin API (entry point ``nn``).

Each functional composite of ``trueno.nn.functional`` that is a row here (losses,
normalisations, activations, embedding) is called through the dispatcher
(``trueno.backend.run``): a backend's fused kernel where one is registered, else the row's
decomposition, a lazy ``"module:function"`` into public trueno ops, which autograd
differentiates ("through the decomposition": no gradient rule). Loading this module imports
nothing but ``trueno.backend``.

Rows whose optional tensors (``weight``, ``bias``, ``pos_weight``) take part in autograd get
them twice, as the layer_norm row does: as extra tensor inputs (recorded by autograd and read
by the decomposition, ``*extra``, in the order weight, bias, pos_weight) and as the keyword
parameter of the same name (the device array a fused kernel reads).

Not rows (yet): ``instance_norm`` (its statistics are per instance; the running-stat update
needs them outside the row), and ``dropout``: its result depends on the RNG's state, which a
row's contract (the same inputs and parameters give the same result on every backend,
compared with PyTorch's) cannot state.
"""

from __future__ import annotations

from trueno.backend import Op, hookimpl

__all__ = ["ROWS", "trueno_register_ops"]

_F = "nn.functional."
_ACT = "trueno_nn._functional_act:"
_LOSS = "trueno_nn._functional_loss:"
_NORM = "trueno_nn._functional_conv_norm:"
_RED = "reduction: str = 'mean'"


def _act(name: str, params: str = "", domain: str = "real") -> Op:
    return Op(name, 1, accepts="real floating", shape="same", numpy_name=None,
              domain=domain, torch_name=_F + name, decomposition=f"{_ACT}_{name}_row",
              sig="x, /" + (", *, " + params if params else ""))


def _loss(name: str, params: str = "", domain: str = "real", after: str = "") -> Op:
    """A loss row: ``(input, target)`` and PyTorch's keywords in PyTorch's order (``params``
    before ``reduction``, ``after`` after it); the result's shape depends on ``reduction``."""
    return Op(name, 2, accepts="real floating", shape="custom", numpy_name=None, domain=domain,
              torch_name=_F + name, decomposition=f"{_LOSS}_{name}_row",
              sig="input, target, /, *, " + (params + ", " if params else "") + _RED
              + (", " + after if after else ""))


_W = "weight: Tensor | None = None"
_B = "bias: Tensor | None = None"
_IGNORE = "ignore_index: int = -100"

ROWS = (
    _act("leaky_relu", "negative_slope: float = 0.01"),
    _act("elu", "alpha: float = 1.0", domain="small"),
    _act("softplus", "beta: float = 1.0, threshold: float = 20.0"),
    _act("hardtanh", "min_val: float = -1.0, max_val: float = 1.0"),
    _act("hardswish"),
    _act("mish"),
    _act("logsigmoid"),
    _loss("mse_loss"),
    _loss("l1_loss"),
    _loss("smooth_l1_loss", "beta: float = 1.0"),
    _loss("huber_loss", "delta: float = 1.0"),
    _loss("kl_div", domain="positive", after="log_target: bool = False"),
    _loss("binary_cross_entropy", _W, domain="unit"),
    _loss("binary_cross_entropy_with_logits", _W,
          after="pos_weight: Tensor | None = None"),
    _loss("nll_loss", f"{_W}, {_IGNORE}"),
    _loss("cross_entropy", f"{_W}, {_IGNORE}", after="label_smoothing: float = 0.0"),
    # the normalisation given (C,) statistics; the running-stat update stays in Python
    Op("batch_norm", 3, accepts="real floating", shape="same", numpy_name=None,
       torch_name=_F + "batch_norm", decomposition=f"{_NORM}_batch_norm_row",
       sig=f"x, mean, var, /, *, {_W}, {_B}, eps: float = 1e-05"),
    Op("group_norm", 1, accepts="real floating", shape="same", numpy_name=None,
       torch_name=_F + "group_norm", decomposition=f"{_NORM}_group_norm_row",
       sig=f"x, /, *, num_groups: int, {_W}, {_B}, eps: float = 1e-05"),
    # integer indices and a float weight: the weight sets the dtype the row dispatches on
    Op("embedding", 2, accepts="real floating", shape="custom", numpy_name=None,
       torch_name=_F + "embedding", decomposition=f"{_ACT}_embedding_row",
       sig="input, weight, /, *, padding_idx: int | None = None"),
)


@hookimpl
def trueno_register_ops(registry) -> None:
    """Add trueno-nn's rows to the op table."""
    for row in ROWS:
        registry.add_op(row)
