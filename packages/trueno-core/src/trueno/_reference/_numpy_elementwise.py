"""Reference kernels of ``trueno._numpy_elementwise``: the NumPy functions of the same names."""

from __future__ import annotations

import numpy as np

from .. import _numpy_elementwise


def _kernel(name):
    f = getattr(np, name)

    def kernel(*xs, **params):
        out = f(*xs, **params)
        return tuple(np.asarray(o) for o in out) if isinstance(out, tuple) else np.asarray(out)
    kernel.__name__ = name
    return kernel


KERNELS = {name: _kernel(name) for name in _numpy_elementwise.UFUNCS}
