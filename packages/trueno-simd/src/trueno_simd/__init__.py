"""trueno-simd: trueno's C++ CPU backend (runtime-dispatched AVX2 / AVX-512 kernels).

The kernels live in the extension module ``trueno_simd._core`` and are registered with trueno
by ``trueno_simd.plugin``. This namespace exposes only the runtime controls.

Examples
--------
>>> import trueno_simd
>>> trueno_simd.cpu_features()["isa"] in ("avx512", "avx2", "baseline", "neon")
True
"""

from trueno_simd._core import cpu_features, get_num_threads, set_num_threads
from trueno_simd._errors import KernelArgumentError

__all__ = ["cpu_features", "set_num_threads", "get_num_threads", "KernelArgumentError"]
__version__ = "0.1.0"
