"""Every op of core's op table runs on "gpu" tensors: through a GPU kernel, a decomposition into
ops that have one, or (views and device moves) core's metadata-only code, which never calls a
kernel. Generated from the table, so a new op without a GPU path fails here."""

from __future__ import annotations

import numpy as np
import pytest

tn = pytest.importorskip("trueno")

# Ops core computes on StridedArray metadata for every device (no kernel involved), and the
# device move itself, which goes through the device API's from_numpy / to_numpy.
CORE_HANDLED = {"reshape", "permute_dims", "expand", "getitem", "diagonal", "to_device"}


# the plugin registered by hand where trueno-gpu is not pip-installed (conftest)
pytestmark = pytest.mark.usefixtures("gpu_registered")

def test_every_op_has_a_gpu_path():
    import trueno.fft  # noqa: F401  (these modules add their ops to the table)
    import trueno.linalg  # noqa: F401
    from trueno import _optable
    from trueno._registry import load_plugins

    kernels = load_plugins().backends["gpu"].kernels
    no_path = sorted(name for name, op in _optable.OPS.items()
                     if not kernels.get(name) and op.decomposition is None
                     and name not in CORE_HANDLED)
    assert no_path == []
    views = {op.name for op in _optable.VIEWS}
    assert views <= CORE_HANDLED  # a new view op must be checked below


def test_core_handled_ops_on_gpu():
    """The view ops and the device move on GPU tensors equal the CPU results, and stay views."""
    h = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    for dev in ("cpu", "gpu"):
        x = tn.asarray(h, device=dev)
        outs = [tn.reshape(x, (6, 4)), tn.permute_dims(x, (2, 0, 1)),
                tn.broadcast_to(x[:, :1], (2, 5, 4)), x[1, ::-2, 1:3],
                tn.diagonal(x, axis1=1, axis2=2)]
        got = [np.asarray(o.to_device("cpu")) for o in outs]
        if dev == "cpu":
            want = got
            continue
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w)
        y = tn.permute_dims(x, (2, 0, 1))
        y[0, 0, 0] = -1.0  # a view: the write lands in x
        assert float(x[0, 0, 0]) == -1.0
        assert all(o.device.type == "gpu" for o in outs)
