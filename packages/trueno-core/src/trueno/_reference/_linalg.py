"""Reference matmul and conv2d."""

from __future__ import annotations

import numpy as np


def matmul(x, y):
    out = np.matmul(x, y)
    return out.astype(x.dtype, copy=False)


def conv2d(x, weight, bias=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
    out_dtype = x.dtype
    if out_dtype.name == "bfloat16":  # NumPy's einsum has no bfloat16 loop: accumulate in f32
        x, weight = x.astype(np.float32), weight.astype(np.float32)
        bias = None if bias is None else bias.astype(np.float32)
    n, c_in, h, w = x.shape
    c_out, c_per_group, kh, kw = weight.shape
    if padding != (0, 0):
        x = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    eff_h = (kh - 1) * dilation[0] + 1
    eff_w = (kw - 1) * dilation[1] + 1
    win = np.lib.stride_tricks.sliding_window_view(x, (eff_h, eff_w), axis=(2, 3))
    win = win[:, :, ::stride[0], ::stride[1], ::dilation[0], ::dilation[1]]
    # win: (n, c_in, oh, ow, kh, kw)
    outs = []
    og = c_out // groups
    for g in range(groups):
        wg = win[:, g * c_per_group:(g + 1) * c_per_group]
        kg = weight[g * og:(g + 1) * og]
        outs.append(np.einsum("nchwij,ocij->nohw", wg, kg, optimize=True))
    out = outs[0] if groups == 1 else np.concatenate(outs, axis=1)
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1)
    return np.ascontiguousarray(out, dtype=out_dtype)


KERNELS = {"matmul": matmul, "conv2d": conv2d}
