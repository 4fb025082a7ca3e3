"""trueno plugin entry point (``[project.entry-points.trueno] gpu = "trueno_gpu.plugin"``).

Registration never touches the GPU: the device API finds an adapter on first use, so
``import trueno`` works on machines without one. The kernel table declares, per op, the
dtypes the adapters have (``registered_table``): it is narrowed to their features when they
are enumerated, which happens before the first GPU array exists.
"""

from __future__ import annotations

import trueno

from ._api import GpuDeviceAPI
from ._kernels import registered_table

__all__ = ["trueno_register_backends"]


@trueno.hookimpl
def trueno_register_backends(registry):
    """Add the "gpu" device and the "gpu" backend with the WGSL kernels of every dtype the
    adapters have."""
    registry.add_device(GpuDeviceAPI())
    registry.add_backend("gpu", devices=("gpu",), priority=10, kernels=registered_table(),
                         tolerances=TOLERANCES)


# Widened tolerances, with the reason: the float64 result of a mean/var/std of an integer
# array is accumulated in float32 on the GPU (WGSL has no f64 arithmetic on most adapters),
# so it agrees with the reference's float64 to float32 precision only.
_INTS = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
TOLERANCES = {op: {d: (1e-6, 1e-6) for d in _INTS}
              for op in ("mean", "var", "std", "nanmean", "nanvar", "nanstd")}
