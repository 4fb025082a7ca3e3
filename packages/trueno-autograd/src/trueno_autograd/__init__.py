"""trueno-autograd: reverse-mode automatic differentiation for trueno (``trueno.autograd``).

Installing it registers the engine with the dispatcher (entry point ``trueno.autograd``), so
``requires_grad_()``, ``.backward()`` and ``trueno.autograd.grad`` work on both faces.
"""

from __future__ import annotations

from ._anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from . import functional
from ._api import backward, grad
from ._checkpoint import checkpoint, checkpoint_sequential
from ._function import Function, FunctionCtx
from ._graph import Node
from ._gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["grad", "backward", "gradcheck", "gradgradcheck", "GradcheckError", "checkpoint",
           "checkpoint_sequential", "detect_anomaly", "set_detect_anomaly",
           "is_anomaly_enabled", "Function", "FunctionCtx", "Node", "functional"]
