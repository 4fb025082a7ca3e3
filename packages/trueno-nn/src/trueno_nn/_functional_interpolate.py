"""``interpolate`` (``upsample``): nearest, nearest-exact, linear, bilinear, trilinear, bicubic
and area modes, with ``size=`` or ``scale_factor=``, ``align_corners``,
``recompute_scale_factor`` and ``antialias`` (bilinear, bicubic, lanczos).

Each spatial dim is resampled in turn (the modes are separable): the source indices (and,
for the linear and cubic modes, the weights) are computed once with NumPy as PyTorch's CPU
kernels compute them, in the input's precision, and applied with ``index_select`` and a
weighted sum, so autograd differentiates the result and it runs on every device."""

from __future__ import annotations

import math
import warnings

import numpy as np

from trueno.amp import autocast_function
import trueno.torch as torch

from ._errors import ModuleValueError
from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]

_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "bicubic", "lanczos",
          "area")
_LINEAR = {"linear": 1, "bilinear": 2, "trilinear": 3, "bicubic": 2, "lanczos": 2}
_CUBIC_A = -0.75  # PyTorch's (and OpenCV's) cubic convolution coefficient


def _sizes(input, size, scale_factor, recompute: bool):  # noqa: A002
    """The output sizes and the scales PyTorch's kernels are given (None: from the sizes)."""
    nd = input.ndim - 2
    if size is not None and scale_factor is not None:
        raise ModuleValueError("only one of size or scale_factor should be defined")
    if size is not None:
        out = list(size) if isinstance(size, (tuple, list)) else [size] * nd
        if len(out) != nd:
            raise ModuleValueError(
                f"Input and output must have the same number of spatial dimensions, but got "
                f"input with spatial dimensions of {list(input.shape[2:])} and output size of "
                f"{out}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                f"output size in (o1, o2, ...,oK) format.")
        return [int(o) for o in out], [None] * nd
    if scale_factor is None:
        raise ModuleValueError("either size or scale_factor should be defined")
    scales = list(scale_factor) if isinstance(scale_factor, (tuple, list)) else \
        [scale_factor] * nd
    if len(scales) != nd:
        raise ModuleValueError(
            f"Input and scale_factor must have the same number of spatial dimensions, but got "
            f"input with spatial dimensions of {list(input.shape[2:])} and scale_factor of "
            f"shape {scales}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
            f"scale_factor in (s1, s2, ...,sK) format.")
    out = [int(math.floor(float(n) * float(s))) for n, s in zip(input.shape[2:], scales)]
    return out, ([None] * nd if recompute else [float(s) for s in scales])


def _nearest_index(n_in: int, n_out: int, scale, exact: bool) -> np.ndarray:
    """PyTorch's ``nearest_idx`` / ``nearest_neighbor_exact_compute_source_index`` (float32
    arithmetic, as its kernels)."""
    if not exact and n_out == n_in:
        return np.arange(n_out)
    if not exact and n_out == 2 * n_in:
        return np.arange(n_out) >> 1
    s = np.float32(1.0 / scale) if scale and scale > 0 else np.float32(n_in) / np.float32(n_out)
    dst = np.arange(n_out, dtype=np.float32)
    if exact:
        dst = dst + np.float32(0.5)
    return np.minimum(np.floor(dst * s).astype(np.int64), n_in - 1)


def _linear_index(n_in: int, n_out: int, scale, align_corners: bool, dt):
    """PyTorch's ``area_pixel_compute_source_index`` for the linear modes, in the compute
    type of the input (float32 for float32 input): low and high indices and the weight."""
    if align_corners:
        s = dt(n_in - 1) / dt(n_out - 1) if n_out > 1 else dt(0)
        src = s * np.arange(n_out, dtype=dt)
    else:
        s = dt(1.0 / scale) if scale and scale > 0 else dt(n_in) / dt(n_out)
        src = s * (np.arange(n_out, dtype=dt) + dt(0.5)) - dt(0.5)
        src = np.maximum(src, dt(0))
    lo = np.minimum(src.astype(np.int64), n_in - 1)
    hi = lo + (lo < n_in - 1)
    lam = (src - lo.astype(dt)).astype(dt)
    return lo, hi, lam


def _cubic_index(n_in: int, n_out: int, scale, align_corners: bool, dt):
    """PyTorch's bicubic taps: the four clamped source indices of each output and their cubic
    convolution weights (``A = -0.75``), in the input's compute type."""
    if align_corners:
        s = dt(n_in - 1) / dt(n_out - 1) if n_out > 1 else dt(0)
        src = s * np.arange(n_out, dtype=dt)
    else:
        s = dt(1.0 / scale) if scale and scale > 0 else dt(n_in) / dt(n_out)
        src = s * (np.arange(n_out, dtype=dt) + dt(0.5)) - dt(0.5)  # not clamped at 0
    base = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    t = np.clip(src - base.astype(dt), dt(0), dt(1)).astype(dt)
    a = dt(_CUBIC_A)

    def near(x):  # |x| <= 1
        return ((a + dt(2)) * x - (a + dt(3))) * x * x + dt(1)

    def far(x):  # 1 < |x| < 2
        return ((a * x - dt(5) * a) * x + dt(8) * a) * x - dt(4) * a
    weights = [far(t + dt(1)), near(t), near(dt(1) - t), far(dt(2) - t)]
    idx = [np.clip(base - 1 + j, 0, n_in - 1) for j in range(4)]
    return idx, weights


def _aa_weights(n_in: int, n_out: int, scale, align_corners: bool, mode: str, dt):
    """PyTorch's antialiased resampling (``_compute_weights_aa``) as an ``(n_out, n_in)``
    matrix: a triangle (bilinear), Keys cubic (``a = -0.5``, bicubic) or Lanczos-3 filter
    stretched by the downscale factor, each row normalised."""
    if align_corners:
        s = dt(n_in - 1) / dt(n_out - 1) if n_out > 1 else dt(0)
    else:
        s = dt(1.0 / scale) if scale and scale > 0 else dt(n_in) / dt(n_out)
    size = {"bilinear": 2, "bicubic": 4, "lanczos": 6}[mode]
    support = dt(size * 0.5) * s if s >= 1.0 else dt(size * 0.5)
    inv = dt(1.0) / s if s >= 1.0 else dt(1.0)
    a = dt(-0.5)

    def filt(x):
        x = np.abs(x)
        if mode == "bilinear":
            return np.where(x < 1, dt(1) - x, dt(0)).astype(dt)
        if mode == "lanczos":
            return np.where(x < 3, np.sinc(x) * np.sinc(x / dt(3)), dt(0)).astype(dt)
        near = ((a + dt(2)) * x - (a + dt(3))) * x * x + dt(1)
        far = ((a * x - dt(5) * a) * x + dt(8) * a) * x - dt(4) * a
        return np.where(x < 1, near, np.where(x < 2, far, dt(0))).astype(dt)
    out = np.zeros((n_out, n_in), dtype=dt)
    for i in range(n_out):
        center = s * (dt(i) + dt(0.5))
        lo = max(int(center - support + dt(0.5)), 0)
        hi = min(int(center + support + dt(0.5)), n_in)
        w = filt((np.arange(lo, hi, dtype=dt) - center + dt(0.5)) * inv)
        total = w.sum(dtype=dt)
        out[i, lo:hi] = w / total if total != 0 else w
    return out


def _index(x, dim: int, idx: np.ndarray):
    return x.index_select(dim, torch.tensor(idx, dtype=torch.int64, device=x.device))


@autocast_function("interpolate")
def interpolate(input, size=None, scale_factor=None, mode: str = "nearest",  # noqa: A002
                align_corners=None, recompute_scale_factor=None, antialias: bool = False):
    """Resample ``(N, C, *spatial)`` to ``size`` or ``spatial * scale_factor``.

    Parameters
    ----------
    input : Tensor
        3-D (linear), 4-D (bilinear, bicubic) or 5-D (trilinear); any of them for
        'nearest', 'nearest-exact' and 'area'.
    size, scale_factor : int or tuple, float or tuple
        Exactly one of them, as PyTorch's ``F.interpolate``.
    mode : str
        'nearest', 'nearest-exact', 'linear', 'bilinear', 'trilinear', 'bicubic', 'lanczos'
        (with ``antialias``) or 'area'.
    align_corners : bool, optional
        For the linear modes only (default False).
    antialias : bool
        For 'bilinear', 'bicubic' and 'lanczos' on 4-D input: a filter widened by the
        downscale factor (PyTorch's, as PIL's), so downsampling averages rather than skips.

    Returns
    -------
    Tensor
        ``(N, C, *size)``.
    """
    if mode not in _MODES:
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) "
            f"for the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
            f"nearest-exact (got {mode})")
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.ndim == 4):
        raise ModuleValueError("Anti-alias option is restricted to bilinear, bicubic, and "
                               "lanczos modes and requires a 4-D tensor as input")
    if mode == "lanczos":
        if align_corners:
            raise ModuleValueError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise ModuleValueError("Lanczos mode requires antialias=True")
    if mode in _LINEAR:
        align_corners = bool(align_corners)
    elif align_corners is not None:
        raise ModuleValueError("align_corners option can only be set with the interpolating "
                               "modes: linear | bilinear | bicubic | trilinear")
    if input.ndim not in (3, 4, 5):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) "
            f"for the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
            f"nearest-exact (got {mode})")
    want = _LINEAR.get(mode)
    if want is not None and input.ndim != want + 2:
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs "
                                  f"{want + 2}D input")
    out, scales = _sizes(input, size, scale_factor, bool(recompute_scale_factor))
    if any(o <= 0 for o in out):
        raise ModuleValueError(f"interpolate: the output size {out} must be positive (input "
                               f"{list(input.shape[2:])})")
    if mode == "area":
        if input.ndim == 3:
            return adaptive_avg_pool1d(input, out[0])
        if input.ndim == 4:
            return adaptive_avg_pool2d(input, out)
        raise NotImplementedError("interpolate: mode 'area' supports 3-D and 4-D input")
    x = input
    dt = np.float64 if input.dtype == torch.float64 else np.float32
    for i, (n_out, scale) in enumerate(zip(out, scales)):
        dim, n_in = 2 + i, input.shape[2 + i]
        if mode in ("nearest", "nearest-exact"):
            x = _index(x, dim, _nearest_index(n_in, n_out, scale, mode == "nearest-exact"))
            continue
        shape = [1] * x.ndim
        shape[dim] = n_out
        if antialias:
            w = _aa_weights(n_in, n_out, scale, align_corners, mode, dt)
            wt = torch.tensor(np.ascontiguousarray(w.T), dtype=x.dtype, device=x.device)
            x = (x.movedim(dim, -1) @ wt).movedim(-1, dim)
            continue
        if mode == "bicubic":
            idx, weights = _cubic_index(n_in, n_out, scale, align_corners, dt)
            terms = [_index(x, dim, i) * torch.tensor(w.reshape(shape), dtype=x.dtype,
                                                      device=x.device)
                     for i, w in zip(idx, weights)]
            x = terms[0] + terms[1] + terms[2] + terms[3]
            continue
        lo, hi, lam = _linear_index(n_in, n_out, scale, align_corners, dt)
        w1 = torch.tensor(lam.reshape(shape), dtype=x.dtype, device=x.device)
        w0 = torch.tensor((dt(1) - lam).reshape(shape), dtype=x.dtype, device=x.device)
        x = _index(x, dim, lo) * w0 + _index(x, dim, hi) * w1
    return x


def upsample(input, size=None, scale_factor=None, mode: str = "nearest",  # noqa: A002
             align_corners=None):
    """PyTorch's deprecated ``F.upsample``: ``interpolate`` (with PyTorch's warning)."""
    warnings.warn("nn.functional.upsample is deprecated. Use nn.functional.interpolate "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):  # noqa: A002
    """PyTorch's deprecated ``F.upsample_nearest``: ``interpolate(mode='nearest')``."""
    warnings.warn("nn.functional.upsample_nearest is deprecated. Use "
                  "nn.functional.interpolate instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):  # noqa: A002
    """PyTorch's deprecated ``F.upsample_bilinear``: bilinear with ``align_corners=True``."""
    warnings.warn("nn.functional.upsample_bilinear is deprecated. Use "
                  "nn.functional.interpolate instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
