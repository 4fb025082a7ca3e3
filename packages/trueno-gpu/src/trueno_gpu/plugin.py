"""trueno plugin entry point (``[project.entry-points.trueno] gpu = "trueno_gpu.plugin"``).

Registration never touches the GPU: the device API finds an adapter on first use, so
``import trueno`` works on machines without one.
"""

from __future__ import annotations

import trueno

from ._api import GpuDeviceAPI
from ._kernels import kernels_table

__all__ = ["trueno_register_backends"]


@trueno.hookimpl
def trueno_register_backends(registry):
    """Add the "gpu" device and the "gpu" backend with every WGSL kernel."""
    registry.add_device(GpuDeviceAPI())
    registry.add_backend("gpu", devices=("gpu",), priority=10, kernels=kernels_table())
