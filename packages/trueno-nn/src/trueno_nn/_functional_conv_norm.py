"""Functional convolution and normalisation: ``conv1d``/``conv2d`` (the ``conv2d`` row, its
bias given to the kernel and recorded by autograd as the row's third input), ``batch_norm``,
``group_norm``, ``rms_norm``."""

from __future__ import annotations

from trueno import TruenoError
from trueno.amp import autocast_function
import trueno.torch as torch
from trueno.backend import get_op, kernel, run

from ._errors import ModuleValueError
from ._functional_act import call_row

__all__ = ["conv1d", "conv2d", "batch_norm", "group_norm", "rms_norm"]


def _pair(v, n: int = 2) -> tuple:
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def _pad_after(x, dim: int, n: int):
    """``x`` with ``n`` zeros appended along ``dim`` (differentiable: a concatenation)."""
    if n <= 0:
        return x
    shape = list(x.shape)
    shape[dim] = n
    return torch.cat([x, torch.zeros(shape, dtype=x.dtype, device=x.device)], dim)


def _same_padding(kernel, dilation, x, first_dim: int):
    """PyTorch's ``padding='same'``: total ``d (k - 1)`` per dim, the odd one extra on the
    right (done by padding the input), the rest symmetric."""
    pad = []
    for i, (k, d) in enumerate(zip(kernel, dilation)):
        total = d * (k - 1)
        left = total // 2
        x = _pad_after(x, first_dim + i, total - 2 * left)
        pad.append(left)
    return x, tuple(pad)


@autocast_function("conv2d")
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1,  # noqa: A002
           groups: int = 1):
    """2-D cross-correlation of ``(N, C, H, W)`` with ``(O, C/groups, kh, kw)``."""
    # (shapes and dtypes read from the tensors' fields: the face's properties build a Size
    # or look a dtype up per read, and a training step calls this per layer)
    xs, ws = input._data.shape, weight._data.shape
    unbatched = len(xs) == 3
    if unbatched:
        input = input.unsqueeze(0)  # noqa: A001
        xs = input._data.shape
    if len(xs) != 4 or len(ws) != 4:
        raise ModuleValueError(f"conv2d: expected a 3-D or 4-D input and a 4-D weight, got "
                               f"{tuple(input.shape)} and {tuple(weight.shape)}")
    if xs[1] != ws[1] * groups:
        raise ModuleValueError(
            f"conv2d: expected input{tuple(input.shape)} to have "
            f"{weight.shape[1] * groups} channels, but got {input.shape[1]} channels instead\n"
            f"  hint: the weight is (out, in/groups, kh, kw)")
    stride, dilation = _pair(stride), _pair(dilation)
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0, 0)
        elif padding == "same":
            if stride != (1, 1):
                raise ModuleValueError("padding='same' is not supported for strided "
                                       "convolutions")
            input, padding = _same_padding(weight.shape[2:], dilation, input, 2)  # noqa: A001
        else:
            raise ModuleValueError(f"Invalid padding string {padding!r}, should be one of "
                                   f"{{'valid', 'same'}}")
    params = {"stride": stride, "padding": _pair(padding), "dilation": dilation,
              "groups": groups}
    if weight._dtype is not input._dtype and weight.dtype != input.dtype:
        raise ModuleValueError(f"conv2d: input ({input.dtype.name}) and weight "
                               f"({weight.dtype.name}) should be the same dtype")
    row = _CONV2D
    if bias is not None and _kernel_takes_bias(row, input, weight, bias):
        # one pass: the kernel adds the bias, and autograd records it as the row's third
        # input (the conv2d rule's bias gradient is the output gradient's channel sums)
        params["bias"] = bias._data
        out = run(row, (input, weight, bias), (input._data, weight._data), params,
                  input.__class__, input._device, input.dtype)
        return out.squeeze(0) if unbatched else out
    out = run(row, (input, weight), (input._data, weight._data), params, input.__class__,
              input._device, input.dtype)
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1)
    return out.squeeze(0) if unbatched else out


_CONV2D = get_op("conv2d")


def _kernel_takes_bias(row, input, weight, bias) -> bool:  # noqa: A002
    """True where the device has a conv2d kernel for the input's dtype (it adds a bias of
    that dtype and device). Elsewhere (no kernel: the row's decomposition, primitives-only
    mode; a bias of another dtype, which promotes) the bias is added as a separate op."""
    if (bias._dtype is not input._dtype and bias.dtype != input.dtype) or \
            bias._device is not input._device or \
            tuple(bias._data.shape) != (weight._data.shape[0],):
        return False
    try:
        kernel(row, input._device, input.dtype)
    except TruenoError:
        return False
    return True


@autocast_function("conv1d")
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1,  # noqa: A002
           groups: int = 1):
    """1-D cross-correlation of ``(N, C, L)`` with ``(O, C/groups, k)`` (a conv2d of height
    one)."""
    unbatched = input.ndim == 2
    if unbatched:
        input = input.unsqueeze(0)  # noqa: A001
    if isinstance(padding, str):
        pad = padding
    else:
        pad = (0, _pair(padding, 1)[0])
    out = conv2d(input.unsqueeze(2), weight.unsqueeze(2), bias, (1, _pair(stride, 1)[0]), pad,
                 (1, _pair(dilation, 1)[0]), groups).squeeze(2)
    return out.squeeze(0) if unbatched else out


def batch_norm(input, running_mean, running_var, weight=None, bias=None,  # noqa: A002
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5):
    """Normalise each channel (dim 1) by the batch's statistics (training) or the running
    ones; in training the running buffers move by ``momentum`` toward the batch mean and
    unbiased variance, in place. Training is one autograd node with PyTorch's closed-form
    backward (``_functional_batch_norm``, which the BatchNorm modules call too)."""
    from ._functional_batch_norm import batch_norm as impl  # (it imports this module)
    return impl(input, running_mean, running_var, weight, bias, training, momentum, eps)


def _data(t):
    """A tensor parameter's device array, as a row's kernel receives it (None stays)."""
    return None if t is None else t._data


def _batch_norm_row(x, mean, var, *extra, weight=None, bias=None, eps: float = 1e-5):
    """The ``batch_norm`` row's decomposition: ``(x - mean) / sqrt(var + eps) * weight +
    bias`` with ``(C,)`` statistics on dim 1 (weight and bias come as extra inputs)."""
    if extra:
        weight, bias = (tuple(extra) + (None,))[:2]
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    # the per-channel factors are folded first, so that the full-size tensor sees one
    # subtract, one multiply and one add
    scale = torch.rsqrt(var.reshape(shape) + eps)
    if weight is not None:
        scale = scale * weight.reshape(shape)
    out = (x - mean.reshape(shape)) * scale
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


@autocast_function("group_norm")
def group_norm(input, num_groups: int, weight=None, bias=None,  # noqa: A002
               eps: float = 1e-5):
    """Normalise each of ``num_groups`` channel groups per sample; then a per-channel
    affine."""
    c = input.shape[1]
    if c % num_groups:
        raise ModuleValueError(f"group_norm: num_channels ({c}) must be divisible by "
                               f"num_groups ({num_groups})")
    return call_row("group_norm", _group_norm_row, (input,),
                    {"num_groups": int(num_groups), "weight": _data(weight),
                     "bias": _data(bias), "eps": float(eps)}, (weight, bias))


def _group_norm_row(x, *extra, num_groups: int, weight=None, bias=None, eps: float = 1e-5):
    """The ``group_norm`` row's decomposition (weight and bias come as extra inputs)."""
    if extra:
        weight, bias = (tuple(extra) + (None,))[:2]
    input = x  # noqa: A001
    n, c = input.shape[0], input.shape[1]
    g = input.reshape(n, num_groups, -1)
    mean = g.mean(2, keepdim=True)
    var = ((g - mean) ** 2).mean(2, keepdim=True)
    out = ((g - mean) * torch.rsqrt(var + eps)).reshape(input.shape)
    shape = (1, c) + (1,) * (input.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def rms_norm(input, normalized_shape, weight=None, eps=None):  # noqa: A002
    """``x / sqrt(mean(x^2) + eps) * weight`` over the trailing ``normalized_shape``
    (``eps`` None: the dtype's machine epsilon, as PyTorch)."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else \
        tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape):]) != shape:
        raise ModuleValueError(f"rms_norm: normalized_shape {list(shape)} does not match the "
                               f"input's trailing shape {tuple(input.shape)}")
    if eps is None:
        eps = torch.finfo(input.dtype).eps
    axes = tuple(range(input.ndim - len(shape), input.ndim))
    out = input * torch.rsqrt((input * input).mean(axes, keepdim=True) + eps)
    return out if weight is None else out * weight
