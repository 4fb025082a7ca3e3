"""Registers the reference backend through the same hook as any plugin."""

from __future__ import annotations

from ..hookspecs import hookimpl
from . import _elementwise, _linalg, _reduce


def kernels() -> dict:
    out = {}
    for mod in (_elementwise, _reduce, _linalg):
        out.update(mod.KERNELS)
    return out


@hookimpl
def trueno_register_backends(registry):
    registry.add_backend("reference", devices=("cpu",), priority=0, kernels=kernels())
