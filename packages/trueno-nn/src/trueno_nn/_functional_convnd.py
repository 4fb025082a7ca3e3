"""Functional ``conv3d`` and the transposed convolutions ``conv_transpose1d/2d/3d``.

All are compositions of the ``conv2d`` row and views, so autograd differentiates them and
they run on every device. ``conv3d`` sums one ``conv2d`` per depth tap over the depth slices
(the batch and output depth folded together). A transposed convolution is computed by
phases: the outputs ``o`` with the same ``o mod stride`` are a stride-1 correlation of the
(padded) input with the channel-transposed weight's taps that reach them, in reverse order;
each phase fills its strided slice of the result (a differentiable slice assignment), so no
work is spent on the zeros a dilated input would hold."""

from __future__ import annotations

import itertools
import math

from trueno.amp import autocast_function
import trueno.torch as torch

from . import _functional_shape as FS
from ._errors import ModuleValueError
from ._functional_conv_norm import conv2d

__all__ = ["conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]


def _tup(v, n: int) -> tuple:
    if isinstance(v, (tuple, list)):
        if len(v) != n:
            raise ModuleValueError(f"expected {n} values, got {tuple(v)}")
        return tuple(int(e) for e in v)
    return (int(v),) * n


def _check(name: str, input, weight, nd: int, channels: int, groups: int):  # noqa: A002
    """Batch an unbatched input; check ranks and channels (PyTorch's wording)."""
    unbatched = input.ndim == nd + 1
    if unbatched:
        input = input.unsqueeze(0)  # noqa: A001
    if input.ndim != nd + 2 or weight.ndim != nd + 2:
        raise ModuleValueError(
            f"{name}: expected a {nd + 1}-D (unbatched) or {nd + 2}-D (batched) input and a "
            f"{nd + 2}-D weight, got {tuple(input.shape)} and {tuple(weight.shape)}")
    if groups <= 0:
        raise ModuleValueError(f"{name}: non-positive groups is not supported (got {groups})")
    if input.shape[1] != channels:
        raise ModuleValueError(
            f"{name}: expected input{tuple(input.shape)} to have {channels} channels, but got "
            f"{input.shape[1]} channels instead\n  hint: the weight {tuple(weight.shape)} "
            f"fixes the input channels")
    if weight.dtype != input.dtype:
        raise ModuleValueError(f"{name}: input ({input.dtype.name}) and weight "
                               f"({weight.dtype.name}) should be the same dtype")
    return input, unbatched


def _pad_zeros(x, pads):
    """Zero-pad dims ``2..`` of ``x`` by ``pads[i]`` on both sides (a slice assignment)."""
    if not any(pads):
        return x
    shape = tuple(x.shape[:2]) + tuple(n + 2 * p for n, p in zip(x.shape[2:], pads))
    out = torch.zeros(shape, dtype=x.dtype, device=x.device)
    out[(slice(None), slice(None)) + tuple(slice(p, p + n) for n, p in
                                           zip(x.shape[2:], pads))] = x
    return out


@autocast_function("conv3d")
def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1,  # noqa: A002
           groups: int = 1):
    """3-D cross-correlation of ``(N, C, D, H, W)`` with ``(O, C/groups, kd, kh, kw)``.

    Parameters
    ----------
    input, weight, bias : Tensor
        As PyTorch's ``F.conv3d``; ``padding`` may be an int, a triple, 'valid' or 'same'.

    Returns
    -------
    Tensor
        ``(N, O, D', H', W')`` (unbatched in, unbatched out).
    """
    input, unbatched = _check("conv3d", input, weight, 3,  # noqa: A001
                              weight.shape[1] * groups, groups)
    s, d = _tup(stride, 3), _tup(dilation, 3)
    k = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            p = (0, 0, 0)
        elif padding == "same":
            if s != (1, 1, 1):
                raise ModuleValueError("padding='same' is not supported for strided "
                                       "convolutions")
            totals = [dd * (kk - 1) for dd, kk in zip(d, k)]
            p = tuple(t // 2 for t in totals)
            extra = [t - 2 * pp for t, pp in zip(totals, p)]
            if any(extra):  # the odd one on the right, as PyTorch
                shape = list(input.shape)
                for i, e in enumerate(extra):
                    shape[2 + i] += e
                grown = torch.zeros(shape, dtype=input.dtype, device=input.device)
                grown[tuple(slice(0, n) for n in input.shape)] = input
                input = grown  # noqa: A001
        else:
            raise ModuleValueError(f"Invalid padding string {padding!r}, should be one of "
                                   f"{{'valid', 'same'}}")
    else:
        p = _tup(padding, 3)
    x = _pad_zeros(input, (p[0], 0, 0))
    n, c, depth = x.shape[0], x.shape[1], x.shape[2]
    od = (depth - d[0] * (k[0] - 1) - 1) // s[0] + 1
    if od <= 0:
        raise ModuleValueError(f"conv3d: the kernel {k} (dilation {d}) is larger than the "
                               f"padded input {tuple(x.shape[2:])}")
    out = None
    for i in range(k[0]):
        start = i * d[0]
        sl = x[:, :, start:start + s[0] * (od - 1) + 1:s[0]]  # (N, C, OD, H, W)
        sl = sl.permute(0, 2, 1, 3, 4).reshape(n * od, c, x.shape[3], x.shape[4])
        term = conv2d(sl, weight[:, :, i], None, s[1:], p[1:], d[1:], groups)
        out = term if out is None else out + term
    o = weight.shape[0]
    out = out.reshape(n, od, o, out.shape[2], out.shape[3]).permute(0, 2, 1, 3, 4)
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1, 1)
    return out.squeeze(0) if unbatched else out


def _phases(n: int, k: int, s: int, d: int) -> list:
    """Along one dim of a transposed convolution (input ``n``, kernel ``k``, stride ``s``,
    dilation ``d``), for each output phase ``r`` of the full result that any tap reaches:
    ``(r, taps, spacing, left, right, count)``: the taps reaching it in correlation order
    (reversed), their spacing in the input, the input's padding (negative crops) and the
    number of outputs ``r, r + s, ...``."""
    length = (n - 1) * s + d * (k - 1) + 1
    spacing = d // math.gcd(d, s)
    out = []
    for r in range(s):
        taps = [t for t in range(k) if (t * d) % s == r]
        count = -(-(length - r) // s)
        if not taps or count <= 0:
            continue  # no tap reaches this phase: it stays zero
        left = (taps[-1] * d - r) // s
        right = count + (len(taps) - 1) * spacing - left - n
        out.append((r, taps[::-1], spacing, left, right, count))
    return out


def _transpose_weight(weight, groups: int):
    """``(Cin, Cout/g, *k)`` -> ``(Cout, Cin/g, *k)``: each group's channels swapped."""
    cin, og = weight.shape[0], weight.shape[1]
    k = tuple(weight.shape[2:])
    nd = len(k)
    w = weight.reshape((groups, cin // groups, og) + k)
    w = w.permute(*((0, 2, 1) + tuple(range(3, 3 + nd))))
    return w.reshape((groups * og, cin // groups) + k)


def _conv_transpose(name: str, nd: int, input, weight, bias, stride, padding,  # noqa: A002
                    output_padding, groups: int, dilation):
    if not isinstance(groups, int) or isinstance(groups, bool):
        raise ModuleValueError(f"{name}: groups must be an int, got {groups!r}")
    input, unbatched = _check(name, input, weight, nd, weight.shape[0], groups)  # noqa: A001
    if isinstance(padding, str):
        raise ModuleValueError(f"{name}: padding={padding!r} is not supported for "
                               f"transposed convolutions\n  hint: give the padding as ints")
    s, p, d = _tup(stride, nd), _tup(padding, nd), _tup(dilation, nd)
    op = _tup(output_padding, nd)
    if any(v <= 0 for v in s + d):
        raise ModuleValueError(f"{name}: stride {s} and dilation {d} must be positive")
    if any(v < 0 for v in p + op):
        raise ModuleValueError(f"{name}: negative padding {p} or output_padding {op}")
    for oo, ss, dd in zip(op, s, d):
        if oo >= max(ss, dd):
            raise ModuleValueError(
                f"{name}: output padding must be smaller than either stride or dilation, but "
                f"got output_padding={op}, stride={s}, dilation={d}")
    k = tuple(weight.shape[2:])
    sizes = tuple(input.shape[2:])
    lead = tuple(dd * (kk - 1) for dd, kk in zip(d, k))
    outs = tuple((n - 1) * ss - 2 * pp + ll + oo + 1
                 for n, ss, pp, ll, oo in zip(sizes, s, p, lead, op))
    if any(o <= 0 for o in outs):
        raise ModuleValueError(f"{name}: the output size {outs} is not positive (input "
                               f"{sizes}, padding {p})")
    # polyphase: output position o = i s + t d of the full (uncropped) result; the outputs of
    # one phase o mod s are a stride-1 correlation of the input with the taps reaching them
    w = _transpose_weight(weight, groups)
    full = tuple(n_out + 2 * pp for n_out, pp in zip(outs, p))
    conv = conv3d if nd == 3 else conv2d
    phases = [_phases(n, kk, ss, dd) for n, kk, ss, dd in zip(sizes, k, s, d)]
    if all(ss == 1 for ss in s) and full == tuple(ph[0][5] for ph in phases):
        canvas = None  # one phase covering the whole result: no canvas to fill
    else:
        canvas = torch.zeros(tuple(input.shape[:1]) + (w.shape[0],) + full, dtype=input.dtype,
                             device=input.device)
    for combo in itertools.product(*phases):
        sub = w
        for i, (_, taps, _, _, _, _) in enumerate(combo):
            if taps != list(range(k[i])):
                sub = sub.index_select(2 + i, torch.tensor(taps, dtype=torch.int64,
                                                           device=w.device))
        pads = []
        for _, _, _, left, right, _ in reversed(combo):
            pads += [left, right]
        y = conv(FS.pad(input, pads), sub, None, 1, 0, tuple(c[2] for c in combo), groups)
        if canvas is None:
            canvas = y
        else:
            canvas[(slice(None), slice(None)) + tuple(
                slice(r, r + ss * (m - 1) + 1, ss) for (r, _, _, _, _, m), ss in
                zip(combo, s))] = y
    out = canvas[(slice(None), slice(None)) + tuple(slice(pp, pp + o) for pp, o in zip(p, outs))]
    if bias is not None:
        out = out + bias.reshape((1, -1) + (1,) * nd)
    return out.squeeze(0) if unbatched else out


@autocast_function("conv_transpose2d")
def conv_transpose2d(input, weight, bias=None, stride=1, padding=0,  # noqa: A002
                     output_padding=0, groups: int = 1, dilation=1):
    """2-D transposed convolution of ``(N, Cin, H, W)`` with ``(Cin, Cout/groups, kh, kw)``:
    the gradient of ``conv2d`` with respect to its input, as PyTorch's ``F.conv_transpose2d``.

    Returns
    -------
    Tensor
        ``(N, Cout, (H-1) s - 2 p + d (kh-1) + output_padding + 1, ...)``.
    """
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


@autocast_function("conv_transpose3d")
def conv_transpose3d(input, weight, bias=None, stride=1, padding=0,  # noqa: A002
                     output_padding=0, groups: int = 1, dilation=1):
    """3-D transposed convolution of ``(N, Cin, D, H, W)`` with ``(Cin, Cout/groups, *k)``,
    as PyTorch's ``F.conv_transpose3d``."""
    return _conv_transpose("conv_transpose3d", 3, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


@autocast_function("conv_transpose1d")
def conv_transpose1d(input, weight, bias=None, stride=1, padding=0,  # noqa: A002
                     output_padding=0, groups: int = 1, dilation=1):
    """1-D transposed convolution of ``(N, Cin, L)`` with ``(Cin, Cout/groups, k)`` (a 2-D one
    of height one), as PyTorch's ``F.conv_transpose1d``."""
    if input.ndim not in (2, 3) or weight.ndim != 3:
        raise ModuleValueError(
            f"conv_transpose1d: expected a 2-D (unbatched) or 3-D (batched) input and a 3-D "
            f"weight, got {tuple(input.shape)} and {tuple(weight.shape)}")

    def two(v, fill):
        return (fill,) + _tup(v, 1)
    out = _conv_transpose("conv_transpose1d", 2, input.unsqueeze(-2), weight.unsqueeze(-2),
                          bias, two(stride, 1), two(padding, 0), two(output_padding, 0),
                          groups, two(dilation, 1))
    return out.squeeze(-2)
