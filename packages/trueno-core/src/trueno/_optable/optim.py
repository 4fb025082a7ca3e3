"""The optimizer-update rows ``sgd_update`` and ``adam_update`` (issue 17): one in-place update
of one parameter and its state tensors, which a backend fuses into one pass over memory.

Calling convention (the row's ``sig``): the tensors positionally, the state tensors that an
option leaves unused as None (``momentum_buffer`` when ``momentum == 0``,
``max_exp_avg_sq`` without ``amsgrad``), the hyper-parameters by keyword as Python numbers
(bias corrections are computed on the host from ``step``). Every tensor has the parameter's
shape, dtype and device. A kernel writes the new values into the parameter's and the state
tensors' device arrays in place and returns the parameter's array; the caller bumps the
version counters. float16/bfloat16 compute in float32 and round once per stored value. The
decompositions (``trueno._decompositions_optim``) are the semantic reference, written as
PyTorch's single-tensor algorithms compute.
"""

from __future__ import annotations

from ._row import Op, add_op

SGD_SIG = ("param, grad, momentum_buffer, /, *, lr: float, momentum: float = 0.0, "
           "dampening: float = 0.0, nesterov: bool = False, weight_decay: float = 0.0, "
           "maximize: bool = False, init_buffer: bool = False")
ADAM_SIG = ("param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, /, *, lr: float, beta1: float, "
            "beta2: float, eps: float, step: float, weight_decay: float = 0.0, "
            "decoupled: bool = False, amsgrad: bool = False, maximize: bool = False")

add_op(Op("sgd_update", 3, accepts="real floating", shape="same", differentiable=False,
          numpy_name=None, torch_name=None,
          decomposition="trueno._decompositions_optim:sgd_update", sig=SGD_SIG))
add_op(Op("adam_update", 5, accepts="real floating", shape="same", differentiable=False,
          numpy_name=None, torch_name=None,
          decomposition="trueno._decompositions_optim:adam_update", sig=ADAM_SIG))
