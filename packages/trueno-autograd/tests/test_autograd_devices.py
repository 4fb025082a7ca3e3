"""Rules are written in trueno ops, so backward runs on any device: the GPU backend (wgpu;
lavapipe on CPU-only machines) gives the same gradients as the CPU."""

from __future__ import annotations

import numpy as np
import pytest
from ag_setup import grad_mode_restored  # noqa: F401  (autouse fixture)

import trueno as tn
from trueno import _dispatch as X
from trueno._optable import OPS
from trueno._registry import clear_kernel_cache, load_plugins, registry


def _gpu_or_skip():
    trueno_gpu = pytest.importorskip("trueno_gpu", reason="trueno-gpu is not installed")
    if not trueno_gpu.is_available():
        pytest.skip("trueno-gpu found no GPU adapter (no Vulkan/Metal/D3D12 driver)")
    load_plugins()
    if "gpu" not in registry.devices:  # a source checkout without the entry point
        from trueno_gpu import plugin
        plugin.trueno_register_backends(registry)
        clear_kernel_cache()


def _mlp(x, w, b):
    h = tn.tanh(x @ w + b)
    logp = X.unary(OPS["log_softmax"], h, axis=1)
    return -(logp[:, 0]).mean() + (h * h).sum() * 0.1


CASES = {
    "mlp": (_mlp, [(8, 5), (5, 3), (3,)], [False, True, True]),
    "reductions": (lambda x: (tn.max(x, axis=1) + tn.mean(x, axis=0)[:2]).sum()
                   + tn.logsumexp(x), [(2, 4)], [True]),
    "views": (lambda x: (x.mT[1:, ::2] * tn.broadcast_to(x[:, :1], (3, 2))).sum(), [(3, 4)],
              [True]),
    "indexing": (lambda x: (x[np.array([0, 2, 0])] * 2.0).sum() + x.diagonal().sum(),
                 [(3, 3)], [True]),
    "scans": (lambda x: (tn.cumsum(x, axis=1) * tn.sort(x, axis=1)).sum(), [(2, 5)], [True]),
    "softmax": (lambda x: (X.unary(OPS["softmax"], x, axis=1) ** 2.0).sum(), [(3, 4)], [True]),
    "elementwise": (lambda a, b: (tn.exp(a) * tn.sigmoid(b) / (1.0 + a * a)
                                  + tn.maximum(a, b)).sum(), [(3, 4), (4,)], [True, True]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_gpu_gradients_match_cpu(name):
    _gpu_or_skip()
    fn, shapes, req = CASES[name]
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]

    def run(device):
        ts = [tn.asarray(a.copy(), device=device) for a in arrays]
        ts = [t.requires_grad_() if r else t for t, r in zip(ts, req)]
        fn(*ts).backward()
        return [t.grad for t, r in zip(ts, req) if r]
    for g_gpu, g_cpu in zip(run("gpu"), run("cpu")):
        assert str(g_gpu.device) == "gpu:0"
        np.testing.assert_allclose(g_gpu.cpu()._host(), g_cpu._host(), rtol=1e-5, atol=1e-6)


def test_transfers_are_differentiable():
    _gpu_or_skip()
    x = tn.asarray(np.array([0.5, -1.0, 2.0], np.float32)).requires_grad_()
    y = tn.tanh(x.to_device("gpu") * 2.0).to_device("cpu")
    assert type(y.grad_fn).__name__ == "ToCopyBackward0"
    y.sum().backward()
    assert str(x.grad.device) == "cpu"
    np.testing.assert_allclose(x.grad._host(), 2.0 * (1 - np.tanh(2.0 * x.detach()._host()) ** 2),
                               rtol=1e-5)
