"""``trueno.optim.lr_scheduler``: PyTorch 2.13's learning-rate schedulers."""

from __future__ import annotations

from ._lr_base import (
    ConstantLR, CosineAnnealingLR, ExponentialLR, LambdaLR, LinearLR, LRScheduler,
    MultiplicativeLR, MultiStepLR, PolynomialLR, StepLR,
)
from ._lr_more import (
    ChainedScheduler, CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR, ReduceLROnPlateau,
    SequentialLR,
)

_LRScheduler = LRScheduler

__all__ = ["LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR",
           "ConstantLR", "LinearLR", "ExponentialLR", "PolynomialLR", "CosineAnnealingLR",
           "SequentialLR", "ChainedScheduler", "ReduceLROnPlateau", "CyclicLR",
           "CosineAnnealingWarmRestarts", "OneCycleLR"]
