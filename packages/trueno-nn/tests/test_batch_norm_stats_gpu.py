"""batch_norm in training on the GPU device moves its running statistics and counts the batch
in one launch (the row ``batch_norm_update_stats``), no upload: running_mean, running_var and
num_batches_tracked vs PyTorch (torch==2.13.0) over several steps, for BatchNorm1d/2d,
momentum None (the cumulative average, through the tensor ops)."""

from __future__ import annotations

import numpy as np
import pytest

import trueno.torch as T

torch = pytest.importorskip("torch", reason="torch is not importable (CI installs "
                                            "torch==2.13.0 for the differential tests)")
trueno_gpu = pytest.importorskip("trueno_gpu")
if not trueno_gpu.is_available():
    pytest.skip("no GPU adapter for trueno-gpu", allow_module_level=True)

from trueno_gpu import _runtime  # noqa: E402

RNG = np.random.default_rng(41)


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
@pytest.mark.parametrize(("cls", "shape"), [("BatchNorm2d", (4, 3, 5, 6)),
                                            ("BatchNorm1d", (7, 5))], ids=str)
def test_running_stats_on_gpu_match_torch(cls, shape, momentum):
    want = getattr(torch.nn, cls)(shape[1], momentum=momentum)
    got = getattr(T.nn, cls)(shape[1], momentum=momentum).to("gpu")
    rt = _runtime.get_runtime(0)
    for _ in range(3):
        x = (RNG.standard_normal(shape) * 3 + 1).astype(np.float32)
        want(torch.tensor(x))
        xd = T.tensor(x).to("gpu")
        d0 = rt.dispatches
        got(xd)
        if momentum is not None:  # the forward's row + the running statistics' row (with
            assert rt.dispatches - d0 == 2  # num_batches_tracked counted in it)
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(np.asarray(getattr(got, name).to("cpu")),
                                   getattr(want, name).numpy(), rtol=1e-5, atol=1e-6)
    assert int(got.num_batches_tracked.to("cpu")) == int(want.num_batches_tracked) == 3


def test_running_stats_on_gpu_upload_nothing(monkeypatch):
    """A training forward and backward of BatchNorm2d on the GPU: no host-to-device copy."""
    m = T.nn.BatchNorm2d(3).to("gpu")
    x = T.tensor(RNG.standard_normal((2, 3, 4, 4)).astype(np.float32)).to("gpu")
    m(x).sum().backward()  # warm-up (first calls may create constants)
    n = [0]
    up = _runtime.Runtime.upload

    def upload(self, *a, **k):
        n[0] += 1
        return up(self, *a, **k)

    monkeypatch.setattr(_runtime.Runtime, "upload", upload)
    m(x).sum().backward()
    assert n[0] == 0
