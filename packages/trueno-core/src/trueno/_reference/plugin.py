"""Registers the reference backend through the same hook as any plugin.

Every module of this package that defines a ``KERNELS`` dict contributes to it, so adding a
reference kernel is adding it to a module's ``KERNELS``.
"""

from __future__ import annotations

import importlib
import pkgutil

from ..hookspecs import hookimpl


def kernels() -> dict:
    out: dict = {}
    pkg = importlib.import_module(__package__)
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.name == "plugin":
            continue
        mod = importlib.import_module(f"{__package__}.{info.name}")
        out.update(getattr(mod, "KERNELS", {}))
    return out


@hookimpl
def trueno_register_backends(registry):
    registry.add_backend("reference", devices=("cpu",), priority=0, kernels=kernels())


@hookimpl
def trueno_register_formats(registry):
    from .. import _io
    registry.add_format("npy", load=_io.load, save=_io.save, suffixes=(".npy",))
    registry.add_format("npz", load=_io.load, save=_io.savez, suffixes=(".npz",))
