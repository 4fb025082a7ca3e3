"""F.interpolate, nn.Upsample, UpsamplingNearest2d and UpsamplingBilinear2d vs PyTorch 2.13:
every mode with size= and scale_factor= (integer and fractional, up and down),
align_corners both ways, recompute_scale_factor; forward and input gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T
from conftest import close

import trueno.nn as nn
import trueno.nn.functional as F
import trueno.torch as torch

CASES = [
    ("nearest2d_x2", dict(scale_factor=2), (2, 3, 3, 4)),
    ("nearest2d_size", dict(size=(5, 7)), (1, 2, 3, 4)),
    ("nearest2d_frac", dict(scale_factor=(1.7, 0.6)), (1, 2, 5, 7)),
    ("nearest1d_down", dict(size=4), (2, 2, 9)),
    ("nearest3d", dict(scale_factor=(2, 1.5, 0.5)), (1, 2, 2, 3, 4)),
    ("nearest_exact", dict(size=(5, 3), mode="nearest-exact"), (1, 2, 4, 7)),
    ("nearest_exact_scale", dict(scale_factor=1.3, mode="nearest-exact"), (1, 1, 6)),
    ("linear", dict(scale_factor=2.5, mode="linear"), (2, 3, 5)),
    ("linear_ac", dict(size=9, mode="linear", align_corners=True), (2, 2, 4)),
    ("linear_down", dict(size=3, mode="linear"), (1, 2, 8)),
    ("bilinear", dict(size=(6, 5), mode="bilinear"), (2, 2, 3, 4)),
    ("bilinear_ac", dict(scale_factor=(2, 3), mode="bilinear", align_corners=True),
     (1, 2, 3, 3)),
    ("bilinear_frac_scale", dict(scale_factor=1.7, mode="bilinear"), (1, 2, 4, 5)),
    ("bilinear_recompute", dict(scale_factor=1.7, mode="bilinear",
                                recompute_scale_factor=True), (1, 2, 4, 5)),
    ("bilinear_down", dict(size=(2, 3), mode="bilinear"), (1, 1, 7, 8)),
    ("bilinear_to_one_ac", dict(size=(1, 3), mode="bilinear", align_corners=True),
     (1, 1, 4, 5)),
    ("trilinear", dict(size=(3, 4, 2), mode="trilinear"), (1, 2, 2, 3, 3)),
    ("bicubic", dict(size=(7, 5), mode="bicubic"), (2, 2, 4, 3)),
    ("bicubic_ac", dict(scale_factor=(2, 1.5), mode="bicubic", align_corners=True),
     (1, 2, 3, 4)),
    ("bicubic_down", dict(scale_factor=0.6, mode="bicubic"), (1, 1, 7, 9)),
    ("bilinear_aa_down", dict(size=(3, 4), mode="bilinear", antialias=True), (2, 2, 9, 11)),
    ("bilinear_aa_up_down", dict(scale_factor=(1.6, 0.4), mode="bilinear", antialias=True),
     (1, 2, 5, 12)),
    ("bilinear_aa_ac", dict(size=(4, 3), mode="bilinear", antialias=True, align_corners=True),
     (1, 1, 9, 8)),
    ("bicubic_aa_down", dict(size=(4, 3), mode="bicubic", antialias=True), (1, 2, 11, 10)),
    ("bicubic_aa_up", dict(scale_factor=1.5, mode="bicubic", antialias=True), (1, 1, 4, 5)),
    ("lanczos_down", dict(size=(4, 5), mode="lanczos", antialias=True), (1, 2, 11, 13)),
    ("lanczos_up", dict(scale_factor=(1.8, 1.0), mode="lanczos", antialias=True),
     (2, 1, 5, 4)),
    ("area", dict(size=(3, 2), mode="area"), (1, 2, 7, 5)),
    ("area1d_scale", dict(scale_factor=0.5, mode="area"), (2, 2, 9)),
]


@pytest.mark.parametrize("name,kw,shape", CASES, ids=[c[0] for c in CASES])
def test_interpolate_matches_pytorch(name, kw, shape, dtype):
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    xa, xb = torch.tensor(x).requires_grad_(), T.tensor(x).requires_grad_()
    ya, yb = F.interpolate(xa, **kw), T.nn.functional.interpolate(xb, **kw)
    close(ya, yb, dtype, 10)
    g = np.random.default_rng(1).standard_normal(tuple(yb.shape)).astype(dtype)
    (ya * torch.tensor(g)).sum().backward()
    (yb * T.tensor(g)).sum().backward()
    close(xa.grad, xb.grad, dtype, 10)


MODULES = [
    ("upsample", lambda m: m.Upsample(scale_factor=2, mode="bilinear"), (1, 2, 3, 3)),
    ("upsample_size", lambda m: m.Upsample(size=(4, 5)), (1, 2, 2, 3)),
    ("upsample_tuple", lambda m: m.Upsample(scale_factor=(2, 1), mode="nearest"), (1, 1, 3, 3)),
    ("upsample_linear_ac", lambda m: m.Upsample(size=7, mode="linear", align_corners=True),
     (2, 1, 3)),
    ("nearest2d", lambda m: m.UpsamplingNearest2d(scale_factor=3), (1, 2, 2, 2)),
    ("bilinear2d", lambda m: m.UpsamplingBilinear2d(size=(5, 4)), (1, 2, 3, 2)),
]


@pytest.mark.parametrize("name,make,shape", MODULES, ids=[c[0] for c in MODULES])
def test_upsample_modules_match_pytorch(name, make, shape):
    a, b = make(nn), make(T.nn)
    assert repr(a) == repr(b)
    x = np.random.default_rng(2).standard_normal(shape)
    close(a(torch.tensor(x)), b(T.tensor(x)), "float64")


def test_errors_name_the_problem():
    x = torch.zeros(1, 1, 4, 4)
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        F.interpolate(x, size=3, scale_factor=2)
    with pytest.raises(ValueError, match="either size or scale_factor"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(x, size=3, align_corners=True)
    with pytest.raises(NotImplementedError, match="Got 4D input, but linear mode needs 3D"):
        F.interpolate(x, size=3, mode="linear")
    with pytest.raises(ValueError, match="Anti-alias option is restricted"):
        F.interpolate(x, size=3, antialias=True)
    with pytest.raises(ValueError, match="Lanczos mode requires antialias=True"):
        F.interpolate(x, size=3, mode="lanczos")
    with pytest.raises(ValueError, match="Lanczos mode does not support align_corners=True"):
        F.interpolate(x, size=3, mode="lanczos", antialias=True, align_corners=True)
    with pytest.raises(ValueError, match="same number of spatial dimensions"):
        F.interpolate(x, size=(2, 3, 4))


@pytest.mark.parametrize("name", ["upsample", "upsample_nearest", "upsample_bilinear"])
def test_deprecated_upsample_functions_warn_and_match_pytorch(name):
    x = np.random.default_rng(3).standard_normal((1, 2, 3, 3))
    with pytest.warns(UserWarning, match=f"nn.functional.{name} is deprecated"):
        got = getattr(F, name)(torch.tensor(x), scale_factor=2)
    with pytest.warns(UserWarning):
        want = getattr(T.nn.functional, name)(T.tensor(x), scale_factor=2)
    close(got, want, "float64")
