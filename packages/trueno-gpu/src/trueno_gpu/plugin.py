"""trueno plugin entry point (``[project.entry-points.trueno] gpu = "trueno_gpu.plugin"``).

Registration never touches the GPU: the device API finds an adapter on first use, so
``import trueno`` works on machines without one. The kernel table declares, per op, the
dtypes the adapters have (``registered_table``): it is narrowed to their features when they
are enumerated, which happens before the first GPU array exists.
"""

from __future__ import annotations

import trueno

from . import _random
from ._adapters import when_adapters_known
from ._api import GpuDeviceAPI
from ._dtypes import ALL_DTYPES
from ._kernels import narrow, registered_table

__all__ = ["trueno_register_backends"]


@trueno.hookimpl
def trueno_register_backends(registry):
    """Add the "gpu" device and the "gpu" backend with the WGSL kernels of every dtype the
    adapters have."""
    registry.add_device(GpuDeviceAPI())
    kernels = registered_table()
    # The philox rows (``_random``), narrowed like the table's. (Their place is
    # ``_kernels.kernels_table``, edited by another change this session: to move there.)
    philox = _random.make_kernels(ALL_DTYPES)
    when_adapters_known(lambda features: narrow(philox, features))
    kernels.update(philox)
    registry.add_backend("gpu", devices=("gpu",), priority=10, kernels=kernels,
                         tolerances=TOLERANCES)


# Widened tolerances, with the reason: the float64 result of a mean/var/std of an integer
# array is accumulated in float32 on the GPU (WGSL has no f64 arithmetic on most adapters),
# so it agrees with the reference's float64 to float32 precision only.
_INTS = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
TOLERANCES = {op: {d: (1e-6, 1e-6) for d in _INTS}
              for op in ("mean", "var", "std", "nanmean", "nanvar", "nanstd")}
