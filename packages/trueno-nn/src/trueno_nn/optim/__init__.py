"""``trueno.optim`` (and ``trueno.torch.optim``): PyTorch's optimizers, learning-rate
schedulers and gradient clipping, running their single-tensor algorithms in place with trueno
ops (so on every device).

Gradient accumulation works as in PyTorch: ``backward`` adds into ``.grad``, so call it on
several micro-batches (each loss divided by their number) before one ``optimizer.step()`` and
``optimizer.zero_grad()``; the step equals the step on the whole batch::

    for i, (x, y) in enumerate(loader):
        (loss_fn(model(x), y) / accum).backward()
        if (i + 1) % accum == 0:
            optimizer.step()
            optimizer.zero_grad()
"""

from __future__ import annotations

import sys as _sys

from . import lr_scheduler, optimizer, swa_utils
from ._clip import (
    clip_grad_norm, clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm,
    parameters_to_vector, vector_to_parameters,
)
from ._step_hooks import register_optimizer_step_post_hook, register_optimizer_step_pre_hook
from ._errors import OptimizerKeyError, OptimizerTypeError, OptimizerValueError
from .adafactor import Adafactor
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adam_variants import Adamax, NAdam, RAdam
from .early_stopping import EarlyStopping
from .lbfgs import LBFGS
from .optimizer import Optimizer
from .rmsprop import Adadelta, RMSprop
from .rprop_asgd import ASGD, Rprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax",
           "NAdam", "RAdam", "Rprop", "ASGD", "Adafactor",
           "LBFGS", "EarlyStopping", "lr_scheduler", "swa_utils", "optimizer",
           "clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "clip_grads_with_norm_",
           "get_total_norm", "parameters_to_vector", "vector_to_parameters",
           "register_optimizer_step_pre_hook", "register_optimizer_step_post_hook",
           "OptimizerKeyError", "OptimizerTypeError", "OptimizerValueError"]

# ``import trueno.optim.lr_scheduler`` and ``trueno.torch.optim.lr_scheduler``: the shim
# modules are plain modules, so the submodule is named here once this package is imported.
for _face in ("trueno.optim", "trueno.torch.optim"):
    _sys.modules.setdefault(f"{_face}.lr_scheduler", lr_scheduler)
    _sys.modules.setdefault(f"{_face}.swa_utils", swa_utils)
    _sys.modules.setdefault(f"{_face}.optimizer", optimizer)
