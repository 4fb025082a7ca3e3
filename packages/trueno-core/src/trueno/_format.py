"""repr/str of tensors: NumPy's format on the NumPy face, PyTorch's on the PyTorch face."""

from __future__ import annotations

import numpy as np

from ._device import CPU

_TORCH_DEFAULT = {"float32", "int64", "bool", "complex64"}


def tensor_repr(t) -> str:
    host = t._host()
    if t._face == "numpy":
        r = np.array_repr(host)
        if t._device is not CPU:
            r = r[:-1] + f", device='{t._device}')"
        return r
    mode = "maxprec"
    if host.dtype.kind in "fc" and host.size:
        vals = host[np.isfinite(host)]
        if vals.size and not np.all(vals == np.round(vals)):
            mode = "fixed"  # PyTorch prints 4 decimals unless every value is integral
    body = np.array2string(host, separator=", ", prefix="tensor(", precision=4,
                           floatmode=mode)
    extra = []
    if t._device is not CPU:
        extra.append(f"device='{t._device}'")
    if t._dtype.name not in _TORCH_DEFAULT or (host.size == 0 and t._dtype.name != "float32"):
        extra.append(f"dtype=torch.{t._dtype.name}")
    if t._ag is not None:
        fn = t._ag.grad_fn
        extra.append(f"grad_fn=<{type(fn).__name__}>" if fn is not None
                     else "requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extra) + ")"


def tensor_str(t) -> str:
    if t._face == "numpy":
        return np.array_str(t._host())
    return tensor_repr(t)
