"""``affine_grid`` and ``grid_sample`` (spatial transformers), as PyTorch's: bilinear /
trilinear, nearest and bicubic sampling with zeros, border and reflection padding.

The sample coordinates are computed with trueno ops from the grid (so the grid gets its
gradient, clipping and reflection included), the corner values are read with ``gather``
from the flattened input (so the input gets its gradient) and weighted; they run on every
device."""

from __future__ import annotations

import itertools
import warnings

from trueno.amp import autocast_function
import trueno.torch as torch

from ._errors import ModuleValueError

__all__ = ["affine_grid", "grid_sample"]

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to "
                  "align_corners=False since 1.3.0. Please specify align_corners=True if the "
                  "old behavior is desired. See the documentation of grid_sample for details.")


def _linspace(n: int, align_corners: bool, like):
    """PyTorch's ``linspace_from_neg_one``: ``n`` points over [-1, 1] (pixel centres unless
    ``align_corners``)."""
    if n <= 1:
        return torch.zeros(1, dtype=like.dtype, device=like.device)
    r = torch.linspace(-1, 1, n, dtype=like.dtype, device=like.device)
    return r if align_corners else r * ((n - 1) / n)


def affine_grid(theta, size, align_corners=None):
    """The sampling grid ``(N, H, W, 2)`` (or ``(N, D, H, W, 3)``) of the affine maps
    ``theta`` ``(N, 2, 3)`` (``(N, 3, 4)``) over an output of ``size``, for ``grid_sample``.

    Parameters
    ----------
    theta : Tensor
        A batch of affine matrices (floating point).
    size : sequence of int
        ``(N, C, H, W)`` or ``(N, C, D, H, W)``.

    Returns
    -------
    Tensor
        Normalised ``(x, y[, z])`` coordinates in [-1, 1].
    """
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ModuleValueError(f"Expected theta to have floating point type, but got "
                               f"{theta.dtype}")
    size = [int(v) for v in size]
    if len(size) == 4:
        if theta.ndim != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ModuleValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for "
                                   f"size {size}. Got {tuple(theta.shape)}.")
    elif len(size) == 5:
        if theta.ndim != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ModuleValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for "
                                   f"size {size}. Got {tuple(theta.shape)}.")
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {size}.")
    spatial = size[2:]
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size "
                      "grids when align_corners=True. This is not an intended use case of "
                      "affine_grid. See the documentation of affine_grid for details.",
                      stacklevel=2)
    elif min(size) <= 0:
        raise ModuleValueError(f"Expected non-zero, positive output size. Got {size}")
    if theta.shape[0] != size[0]:
        raise ModuleValueError(f"affine_grid: theta has {theta.shape[0]} matrices but size "
                               f"asks for a batch of {size[0]}")
    nd = len(spatial)
    # coordinate j of the base grid varies along spatial dim nd-1-j (x along W, y along H, ...)
    axes = []
    for j in range(nd):
        dim = nd - 1 - j
        shape = [1] * nd
        shape[dim] = spatial[dim]
        axes.append(_linspace(spatial[dim], align_corners, theta).reshape(shape)
                    .expand(*spatial))
    axes.append(torch.ones(spatial, dtype=theta.dtype, device=theta.device))
    base = torch.stack(axes, -1).reshape(1, -1, nd + 1)
    grid = base @ theta.transpose(1, 2)
    return grid.reshape(size[0], *spatial, nd)


def _unnormalize(coord, n: int, align_corners: bool):
    """Normalised [-1, 1] coordinates to pixel coordinates (PyTorch's
    ``grid_sampler_unnormalize``)."""
    if align_corners:
        return (coord + 1) / 2 * (n - 1)
    return ((coord + 1) * n - 1) / 2


def _pad_coord(x, n: int, padding_mode: str, align_corners: bool):
    """PyTorch's ``compute_coordinates``: clip ('border') or reflect ('reflection') a pixel
    coordinate into the input; 'zeros' leaves it (out-of-range reads give zero)."""
    if padding_mode == "border":
        x = x.clamp(0, n - 1)
    elif padding_mode == "reflection":
        lo, hi = (0.0, 2.0 * (n - 1)) if align_corners else (-1.0, 2.0 * n - 1)
        if lo == hi:
            x = x * 0
        else:
            mn, span = lo / 2, (hi - lo) / 2
            x = (x - mn).abs()
            flips = torch.floor(x.detach() / span)
            extra = x - flips * span  # fmod for x >= 0
            odd = torch.remainder(flips, 2) == 1
            x = torch.where(odd, span - extra + mn, extra + mn)
        x = x.clamp(0, n - 1)
    return x


def _cubic_coefficients(t):
    """PyTorch's ``get_cubic_upsample_coefficients`` (``A = -0.75``) for taps -1, 0, 1, 2."""
    a = -0.75

    def near(x):
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


@autocast_function("grid_sampler")
def grid_sample(input, grid, mode: str = "bilinear", padding_mode: str = "zeros",  # noqa: A002
                align_corners=None):
    """Sample ``input`` ``(N, C, H, W)`` (or ``(N, C, D, H, W)``) at the normalised
    coordinates of ``grid`` ``(N, Ho, Wo, 2)`` (``(N, Do, Ho, Wo, 3)``; ``x`` first).

    Parameters
    ----------
    mode : str
        'bilinear' (trilinear for 5-D input), 'nearest' (half to even, as PyTorch) or
        'bicubic' (4-D input).
    padding_mode : str
        'zeros', 'border' or 'reflection' for coordinates outside the input.

    Returns
    -------
    Tensor
        ``(N, C, Ho, Wo)`` (``(N, C, Do, Ho, Wo)``).
    """
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ModuleValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                               f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ModuleValueError(f"nn.functional.grid_sample(): expected padding_mode to be "
                               f"'zeros', 'border', or 'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    nd = input.ndim - 2
    if nd not in (2, 3) or grid.ndim != input.ndim or grid.shape[-1] != nd or \
            grid.shape[0] != input.shape[0]:
        raise ModuleValueError(
            f"grid_sample(): expected a 4-D input with a (N, H, W, 2) grid or a 5-D input with "
            f"a (N, D, H, W, 3) grid of the same batch, got input {tuple(input.shape)} and "
            f"grid {tuple(grid.shape)}")
    if grid.dtype != input.dtype:
        raise ModuleValueError(f"grid_sample(): expected grid to have the input's dtype "
                               f"({input.dtype}), got {grid.dtype}")
    n, c = input.shape[0], input.shape[1]
    sizes = tuple(input.shape[2:])  # (H, W) or (D, H, W)
    out_sp = tuple(grid.shape[1:-1])
    if mode == "bicubic" and nd != 2:
        raise ModuleValueError("grid_sampler(): bicubic interpolation only supports 4D input")
    # coordinate j of the grid indexes spatial dim nd-1-j
    raw = [_unnormalize(grid[..., nd - 1 - i], sizes[i], align_corners) for i in range(nd)]
    flat = input.reshape(n, c, -1)
    strides = [1] * nd
    for i in range(nd - 2, -1, -1):
        strides[i] = strides[i + 1] * sizes[i + 1]

    def read(corner):
        """Values at integer-valued coordinates ``corner`` (zero where outside)."""
        valid = None
        idx = None
        for i, (ci, size) in enumerate(zip(corner, sizes)):
            inside = (ci >= 0) & (ci <= size - 1)
            valid = inside if valid is None else valid & inside
            term = ci.clamp(0, size - 1) * strides[i]
            idx = term if idx is None else idx + term
        idx = idx.to(torch.int64).reshape(n, 1, -1).expand(n, c, idx[0].numel())
        vals = torch.gather(flat, 2, idx).reshape(n, c, *out_sp)
        return vals, valid.to(input.dtype).unsqueeze(1)

    if mode == "bicubic":  # 4 x 4 taps, each padded on its own, as PyTorch's
        lo = [torch.floor(r.detach()) for r in raw]
        coef = [_cubic_coefficients(r - f) for r, f in zip(raw, lo)]
        out = None
        for i, j in itertools.product(range(4), range(4)):
            corner = [_pad_coord(lo[0] + (i - 1), sizes[0], padding_mode, align_corners),
                      _pad_coord(lo[1] + (j - 1), sizes[1], padding_mode, align_corners)]
            vals, valid = read(corner)
            term = vals * ((coef[0][i] * coef[1][j]).unsqueeze(1) * valid)
            out = term if out is None else out + term
        return out
    src = [_pad_coord(r, n, padding_mode, align_corners) for r, n in zip(raw, sizes)]
    if mode == "nearest":
        vals, valid = read([torch.round(s.detach()) for s in src])
        return vals * valid
    lo = [torch.floor(s.detach()) for s in src]
    out = None
    for bits in itertools.product((0, 1), repeat=nd):
        corner = [lo[i] + b for i, b in enumerate(bits)]
        w = None
        for i, b in enumerate(bits):
            wi = (src[i] - lo[i]) if b else (lo[i] + 1 - src[i])
            w = wi if w is None else w * wi
        vals, valid = read(corner)
        term = vals * (w.unsqueeze(1) * valid)
        out = term if out is None else out + term
    return out
