"""Functional layers and activations (``F.linear``, ``F.relu``, ``F.gelu``, ``F.dropout``, ...).

Each composite is a small pure function of public trueno ops, so it runs on every device and
autograd differentiates it; fused rows (``gelu``, ``silu``, ``layer_norm``) are called through
the dispatcher (``trueno.backend.run``), which picks a backend's kernel or the decomposition.
``inplace=True`` writes the result into the input and returns the input, with PyTorch's
autograd checks (a leaf that requires grad raises; a tensor saved for backward that is
overwritten raises when backward runs).
"""

from __future__ import annotations

import warnings

from trueno.amp import autocast_function
import trueno.torch as torch
from trueno.backend import get_op, has_op, load_plugins, run

from ._errors import ModuleValueError
from ._linear_host import host_linear
from ._linear_device import device_linear

__all__ = ["linear", "bilinear", "relu", "relu6", "gelu", "silu", "sigmoid", "tanh",
           "softmax", "log_softmax", "softmin", "leaky_relu", "elu", "selu", "celu",
           "softplus", "softsign", "logsigmoid", "hardtanh", "hardsigmoid", "hardswish",
           "mish", "tanhshrink", "threshold", "dropout", "layer_norm", "embedding", "one_hot",
           "relu_", "elu_", "celu_", "selu_", "leaky_relu_", "hardtanh_", "threshold_"]

_Tensor = torch.Tensor


def _row(name: str, x, params: dict, inputs=None):
    """Op row ``name`` on float tensor ``x`` through the dispatcher (kernel or decomposition,
    recorded by autograd with ``inputs``)."""
    if not x.is_floating_point():
        raise ModuleValueError(f"{name}: expects a floating point input, got {x.dtype.name}\n"
                               f"  hint: x.float()")
    return run(get_op(name), inputs or (x,), (x._data,), params, x.__class__, x._device,
               x.dtype)


_NN_ROWS: dict = {}


def _nn_row(name: str):
    """trueno-nn's row ``name`` (registered by ``trueno_nn.plugin``), or None where the plugin
    is blocked or not installed as an entry point (the caller then runs the decomposition
    itself). Looked up once per name."""
    row = _NN_ROWS.get(name)
    if row is None:
        load_plugins()
        row = _NN_ROWS[name] = get_op(name) if has_op(name) else False
    return row or None


def call_row(name: str, decomposition, tensors: tuple, params: dict, extra: tuple = (),
             lead: int = 0):
    """trueno-nn's row ``name`` on ``tensors`` (the row's tensor inputs; ``tensors[lead]``
    sets the dtype and device) through the dispatcher: a backend's kernel, else
    ``decomposition``.

    ``extra`` are optional tensors (weight, bias, ...) that the decomposition reads as extra
    tensor inputs (so autograd records them); a kernel gets their device arrays under the
    same names in ``params``. Mixed dtypes or devices, or no row, run ``decomposition``
    directly (its ops promote and check as usual).
    """
    x = tensors[lead]
    row = _NN_ROWS.get(name)
    if row is None:
        row = _nn_row(name)
    dt, dev = x._dtype, x._device
    ok = row is not False and row is not None and dt.is_floating_point
    if ok:
        for t in tensors + extra:  # a loop, not any(<genexpr>): this is per call
            if t is not None and (t._device is not dev or (
                    t._dtype is not dt and t._dtype.is_floating_point)):
                ok = False
                break
    if not ok:
        return decomposition(*tensors, *extra, **params)
    ins = tensors + extra
    while len(ins) > len(tensors) and ins[-1] is None:
        ins = ins[:-1]
    return run(row, ins, tuple(t._data for t in tensors), params, x.__class__, dev, dt)


def _inplace(input, fn):  # noqa: A002
    """Write ``fn(input)`` into ``input`` and return ``input`` (PyTorch's ``op_``).

    The version counter and the autograd history move as with any in-place write
    (``copy_``); when autograd records, ``fn`` runs on a copy, so the ops inside it save the
    copy and not the tensor that is overwritten.
    """
    src = input.clone() if input.requires_grad and torch.is_grad_enabled() else input
    return input.copy_(fn(src))


@autocast_function("linear")
def linear(input, weight, bias=None):  # noqa: A002
    """``input @ weight.T + bias``: ``(*, in) x (out, in) -> (*, out)``."""
    if input.shape[-1:] != weight.shape[-1:]:
        raise ModuleValueError(f"linear: input's last dimension {tuple(input.shape)} does not "
                               f"match weight {tuple(weight.shape)} (expected (*, in) and "
                               f"(out, in))\n  hint: the layer's in_features must equal "
                               f"input.shape[-1]")
    if input.ndim == 2:  # one node, the same kernels (CPU: _linear_host, else _linear_device)
        out = host_linear(input, weight, bias)
        if out is None:
            out = device_linear(input, weight, bias)
        if out is not None:
            return out
    if input.ndim > 2 and weight.ndim == 2:
        # NOTE: one 2-D product, not a batch of them: NumPy's matmul of a stack with a
        # broadcast 2-D operand runs 10-17x slower than the same product on the flattened
        # rows (measured on (16, 64, 256) x (256, 1024)), in the forward and the backward
        lead = tuple(input.shape[:-1])
        out = torch.matmul(input.reshape(-1, input.shape[-1]), weight.t())
        out = out.reshape(*lead, weight.shape[0])
    else:
        out = torch.matmul(input, weight.t() if weight.ndim == 2 else weight)
    return out if bias is None else out + bias


@autocast_function("bilinear")
def bilinear(input1, input2, weight, bias=None):
    """``x1^T A x2 + b`` for each output feature: ``weight`` is ``(out, in1, in2)``."""
    out = torch.einsum("...i,oij,...j->...o", input1, weight, input2)
    return out if bias is None else out + bias


def relu(input, inplace: bool = False):  # noqa: A002
    return input.relu_() if inplace else torch.relu(input)


def relu_(input):  # noqa: A002
    return input.relu_()


def relu6(input, inplace: bool = False):  # noqa: A002
    return hardtanh(input, 0.0, 6.0, inplace)


def gelu(input, approximate: str = "none"):  # noqa: A002
    """``x Phi(x)``; ``approximate="tanh"`` uses the tanh formula (the ``gelu`` row)."""
    if approximate not in ("none", "tanh"):
        raise ModuleValueError(f"gelu: approximate must be 'none' or 'tanh', got "
                               f"{approximate!r}")
    return _row("gelu", input, {"approximate": approximate})


def silu(input, inplace: bool = False):  # noqa: A002
    if inplace:
        return _inplace(input, silu)
    return _row("silu", input, {})


def sigmoid(input):  # noqa: A002
    return torch.sigmoid(input)


def tanh(input):  # noqa: A002
    return torch.tanh(input)


def _softmax_dim(ndim: int) -> int:
    warnings.warn("Implicit dimension choice for softmax has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel: int = 3, dtype=None):  # noqa: A002
    if dim is None:
        dim = _softmax_dim(input.ndim)
    return torch.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel: int = 3, dtype=None):  # noqa: A002
    if dim is None:
        dim = _softmax_dim(input.ndim)
    return torch.log_softmax(input, dim, dtype=dtype)


def softmin(input, dim=None, _stacklevel: int = 3, dtype=None):  # noqa: A002
    if dim is None:
        dim = _softmax_dim(input.ndim)
    return torch.softmax(-input, dim, dtype=dtype)


def leaky_relu(input, negative_slope: float = 0.01, inplace: bool = False):  # noqa: A002
    """``x`` where ``x > 0``, else ``negative_slope * x``."""
    if inplace:
        return _inplace(input, lambda x: leaky_relu(x, negative_slope))
    return call_row("leaky_relu", _leaky_relu_row, (input,),
                    {"negative_slope": float(negative_slope)})


def _leaky_relu_row(x, *, negative_slope: float = 0.01):
    """The ``leaky_relu`` row's decomposition."""
    return torch.where(x > 0, x, x * negative_slope)


def leaky_relu_(input, negative_slope: float = 0.01):  # noqa: A002
    return leaky_relu(input, negative_slope, True)


def elu(input, alpha: float = 1.0, inplace: bool = False):  # noqa: A002
    """``x`` where ``x > 0``, else ``alpha (exp(x) - 1)`` (expm1 of ``min(x, 0)``, so the
    unused branch never overflows into the gradient)."""
    if inplace:
        return _inplace(input, lambda x: elu(x, alpha))
    return call_row("elu", _elu_row, (input,), {"alpha": float(alpha)})


def _elu_row(x, *, alpha: float = 1.0):
    """The ``elu`` row's decomposition."""
    return torch.where(x > 0, x, torch.expm1(torch.clamp(x, max=0.0)) * alpha)


def elu_(input, alpha: float = 1.0):  # noqa: A002
    return elu(input, alpha, True)


def selu(input, inplace: bool = False):  # noqa: A002
    if inplace:
        return _inplace(input, selu)
    return elu(input, 1.6732632423543772848170429916717) * 1.0507009873554804934193349852946


def selu_(input):  # noqa: A002
    return selu(input, True)


def celu(input, alpha: float = 1.0, inplace: bool = False):  # noqa: A002
    if inplace:
        return _inplace(input, lambda x: celu(x, alpha))
    return torch.where(input > 0, input,
                       torch.expm1(torch.clamp(input, max=0.0) / alpha) * alpha)


def celu_(input, alpha: float = 1.0):  # noqa: A002
    return celu(input, alpha, True)


def softplus(input, beta: float = 1.0, threshold: float = 20.0):  # noqa: A002
    """``log(1 + exp(beta x)) / beta``, and ``x`` where ``beta x > threshold``."""
    return call_row("softplus", _softplus_row, (input,),
                    {"beta": float(beta), "threshold": float(threshold)})


def _softplus_row(x, *, beta: float = 1.0, threshold: float = 20.0):
    """The ``softplus`` row's decomposition."""
    bx = x * beta
    soft = torch.log1p(torch.exp(torch.clamp(bx, max=threshold))) / beta
    return torch.where(bx > threshold, x, soft)


def softsign(input):  # noqa: A002
    return input / (torch.abs(input) + 1)


def logsigmoid(input):  # noqa: A002
    """``-softplus(-x)``, stable on both tails: ``-log1p(exp(-x))`` for ``x >= 0`` and
    ``x - log1p(exp(x))`` below, each branch on its clamped half so that the gradient at 0
    is PyTorch's 1/2."""
    return call_row("logsigmoid", _logsigmoid_row, (input,), {})


def _logsigmoid_row(x):
    """The ``logsigmoid`` row's decomposition."""
    pos = torch.clamp(x, min=0.0)
    neg = torch.clamp(x, max=0.0)
    return torch.where(x >= 0, -torch.log1p(torch.exp(-pos)), neg - torch.log1p(torch.exp(neg)))


def _hard_clamp(x, lo: float, hi: float):
    """``clamp(x, lo, hi)`` whose gradient is 1 only strictly inside ``(lo, hi)``, as
    PyTorch's hardtanh backward (``clamp``'s passes the gradient at the bounds too)."""
    inside = (x > lo) & (x < hi)
    return torch.where(inside, x, torch.clamp(x.detach(), lo, hi))


def hardtanh(input, min_val: float = -1.0, max_val: float = 1.0,  # noqa: A002
             inplace: bool = False):
    """``clamp(x, min_val, max_val)``; no gradient at or beyond the bounds."""
    if inplace:
        return _inplace(input, lambda x: _hard_clamp(x, min_val, max_val))
    return call_row("hardtanh", _hardtanh_row, (input,),
                    {"min_val": float(min_val), "max_val": float(max_val)})


def _hardtanh_row(x, *, min_val: float = -1.0, max_val: float = 1.0):
    """The ``hardtanh`` row's decomposition."""
    return _hard_clamp(x, min_val, max_val)


def hardtanh_(input, min_val: float = -1.0, max_val: float = 1.0):  # noqa: A002
    return hardtanh(input, min_val, max_val, True)


def hardsigmoid(input, inplace: bool = False):  # noqa: A002
    """``clamp(x / 6 + 1/2, 0, 1)``; no gradient at or beyond ``|x| = 3``."""
    if inplace:
        return _inplace(input, hardsigmoid)
    return _hard_clamp(input / 6 + 0.5, 0.0, 1.0)


def hardswish(input, inplace: bool = False):  # noqa: A002
    if inplace:
        return _inplace(input, hardswish)
    return call_row("hardswish", _hardswish_row, (input,), {})


def _hardswish_row(x):
    """The ``hardswish`` row's decomposition."""
    return x * _hard_clamp(x + 3, 0.0, 6.0) / 6


def mish(input, inplace: bool = False):  # noqa: A002
    if inplace:
        return _inplace(input, mish)
    return call_row("mish", _mish_row, (input,), {})


def _mish_row(x):
    """The ``mish`` row's decomposition."""
    return x * torch.tanh(_softplus_row(x))


def tanhshrink(input):  # noqa: A002
    return input - torch.tanh(input)


def threshold(input, threshold: float, value: float, inplace: bool = False):  # noqa: A002
    if inplace:
        return _inplace(input, lambda x: torch.where(x > threshold, x,
                                                     torch.full_like(x, value)))
    return torch.where(input > threshold, input, torch.full_like(input, value))


_threshold = threshold  # the parameter of threshold_ shadows the function


def threshold_(input, threshold: float, value: float):  # noqa: A002
    return _threshold(input, threshold, value, True)


def dropout(input, p: float = 0.5, training: bool = True, inplace: bool = False):  # noqa: A002
    """Zero each element with probability ``p`` and scale the rest by ``1/(1-p)``.

    On the CPU, draws ``empty_like(input).bernoulli_(1 - p)`` from the PyTorch face's
    generator, as PyTorch's CPU dropout does, so the same seed gives the same mask. On a GPU
    the mask is drawn on the device's generator (``torch.bernoulli(input, 1 - p)``: one
    launch, no upload, as PyTorch's CUDA dropout) and scaled by the same ``1/(1-p)``; the
    scaling and the product make one fused launch where the GPU chains float32 ops.
    """
    if p < 0.0 or p > 1.0:
        raise ModuleValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if p == 1.0:
        zero = torch.zeros((), dtype=input.dtype, device=input.device)
        return input.mul_(zero) if inplace else input * zero
    if input.device.type != "cpu" and input.is_floating_point():
        # noise is 0 or 1, so noise * scale is 0 or scale exactly: the CPU path's div_ values
        noise = torch.bernoulli(input, 1 - p) * _dropout_scale(p, input.dtype)
        return input.mul_(noise) if inplace else input * noise
    noise = torch.empty_like(input).bernoulli_(1 - p)
    noise.div_(1 - p)
    return input.mul_(noise) if inplace else input * noise


_SCALES: dict = {}


def _dropout_scale(p: float, dtype) -> float:
    """``1/(1-p)`` as ``div_(1 - p)`` computes it in ``dtype`` (cached per (p, dtype))."""
    key = (p, dtype)
    s = _SCALES.get(key)
    if s is None:
        if len(_SCALES) > 256:
            _SCALES.clear()
        s = _SCALES[key] = float(torch.ones((), dtype=dtype).div_(1 - p))
    return s


def layer_norm(input, normalized_shape, weight=None, bias=None,  # noqa: A002
               eps: float = 1e-5):
    """Normalise over the last ``len(normalized_shape)`` dims (the ``layer_norm`` row)."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else \
        tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape):]) != shape or len(shape) > input.ndim:
        raise ModuleValueError(f"layer_norm: normalized_shape {list(shape)} does not match the "
                               f"last dimensions of the input, of shape {tuple(input.shape)}\n"
                               f"  hint: normalized_shape is the input's trailing shape")
    ins = [input]
    params = {"normalized_ndim": len(shape), "weight": None, "bias": None, "eps": float(eps)}
    for key, t in (("weight", weight), ("bias", bias)):
        if t is not None:
            t = t if t.dtype == input.dtype else t.to(input.dtype)
            params[key] = t._data
        ins.append(t)
    while ins and ins[-1] is None:
        ins.pop()
    return _row("layer_norm", input, params, tuple(ins))


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type: float = 2.0,  # noqa: A002
              scale_grad_by_freq: bool = False, sparse: bool = False):
    """Rows of ``weight`` picked by the integer ``input``; the row ``padding_idx`` gets no
    gradient (as PyTorch's)."""
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: max_norm, scale_grad_by_freq and sparse are not "
                                  "supported yet")
    if input.is_floating_point() or input.dtype == torch.bool:
        raise ModuleValueError(f"embedding: indices must be an integer tensor, got "
                               f"{input.dtype.name}\n  hint: input.long()")
    if padding_idx is not None:
        n = weight.shape[0]
        if padding_idx < 0:
            padding_idx += n
        padding_idx = int(padding_idx)
    return call_row("embedding", _embedding_row, (input, weight),
                    {"padding_idx": padding_idx}, lead=1)


def _embedding_row(input, weight, *, padding_idx: int | None = None):  # noqa: A002
    """The ``embedding`` row's decomposition (``padding_idx`` non-negative or None)."""
    if padding_idx is not None and weight.requires_grad:
        n = weight.shape[0]
        pad = torch.arange(n, device=weight.device) == padding_idx
        pad = pad.reshape(n, *([1] * (weight.ndim - 1)))
        weight = torch.where(pad, weight.detach(), weight)
    return weight[input]


def one_hot(tensor, num_classes: int = -1):
    """``(*,) int -> (*, num_classes) int64`` with a one at each index."""
    if num_classes < 0:
        num_classes = int(tensor.max()) + 1
    classes = torch.arange(num_classes, device=tensor.device)
    return (tensor.unsqueeze(-1) == classes).long()
