"""trueno-nn: ``nn.Module``, layers, losses, ``functional`` and ``init`` with PyTorch's names,
parameters and results (``import trueno.nn as nn``, ``import trueno.nn.functional as F``, or
``trueno.torch.nn``). Layers are compositions of trueno ops, so they run on every device and
autograd differentiates them."""

from __future__ import annotations

import sys as _sys

from . import functional, init, utils
from ._errors import (
    ModuleAttributeError, ModuleKeyError, ModuleTypeError, ModuleValueError, StateDictError,
)
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .attention import MultiheadAttention
from .layers import *  # noqa: F403
from .layers import __all__ as _layers
from .layers_conv_norm import *  # noqa: F403
from .layers_conv_norm import __all__ as _conv_norm
from .layers_extra import *  # noqa: F403
from .layers_extra import __all__ as _extra
from .loss import *  # noqa: F403
from .loss import __all__ as _losses
from .layers_spatial import *  # noqa: F403
from .layers_spatial import __all__ as _spatial
from .lazy import *  # noqa: F403
from .lazy import __all__ as _lazy
from .loss_pairwise import *  # noqa: F403
from .loss_pairwise import __all__ as _pairwise
from .module import Module, RemovableHandle
from .parameter import Buffer, Parameter
from .pooling import (
    AdaptiveAvgPool1d, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d,
)
from .recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from .transformer import (
    Transformer, TransformerDecoder, TransformerDecoderLayer, TransformerEncoder,
    TransformerEncoderLayer,
)

__version__ = "0.1.0"

__all__ = ["Module", "Parameter", "Buffer", "RemovableHandle", "Sequential", "ModuleList",
           "ModuleDict", "MultiheadAttention", "ParameterList", "ParameterDict", "functional",
           "init", "utils", "TransformerEncoderLayer", "TransformerEncoder",
           "TransformerDecoderLayer", "TransformerDecoder", "Transformer",
           "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d",
           "AdaptiveAvgPool2d", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell",
           "ModuleAttributeError", "ModuleKeyError", "ModuleTypeError", "ModuleValueError",
           "StateDictError"] + list(_layers) + list(_conv_norm) + list(_extra) + \
    list(_losses) + list(_spatial) + list(_pairwise) + list(_lazy)

# ``import trueno.nn.functional as F`` and ``import trueno.torch.nn.functional``: the shim
# modules are plain modules, so their submodules are named here once this package is imported.
for _face in ("trueno.nn", "trueno.torch.nn"):
    _sys.modules.setdefault(f"{_face}.functional", functional)
    _sys.modules.setdefault(f"{_face}.init", init)
    _sys.modules.setdefault(f"{_face}.utils", utils)
