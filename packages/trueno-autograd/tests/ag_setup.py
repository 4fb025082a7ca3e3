"""Test setup shared by the autograd tests (imported by each module; no conftest.py, so that
collecting every package's tests in one run cannot mix up conftest modules).

Makes sure the autograd engine is registered: through the entry point when the package is
installed, directly when only PYTHONPATH points at the sources.
"""

from __future__ import annotations

import pytest

from trueno import _dispatch as X
from trueno._registry import load_plugins, registry


def _ensure_engine() -> None:
    import importlib
    for mod in ("trueno.linalg", "trueno.fft", "trueno.torch"):  # they add op-table rows
        try:
            importlib.import_module(mod)
        except ImportError:
            pass
    load_plugins()
    if X.STATE.autograd is None:  # running from a source checkout without the entry point
        from trueno_autograd import plugin
        plugin.trueno_register_gradients(registry)


_ensure_engine()


@pytest.fixture(autouse=True)
def grad_mode_restored():
    """Every test leaves grad mode and anomaly mode as it found them."""
    prev_grad, prev_anomaly = X.STATE.grad_enabled, X.STATE.anomaly
    yield
    X.STATE.grad_enabled, X.STATE.anomaly = prev_grad, prev_anomaly
