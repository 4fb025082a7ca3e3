"""pytest configuration of trueno-core's tests: the ``backend`` fixture, and the shared helpers
of ``trueno_core_helpers`` re-exported (``assert_close``, ``sample``, ``make_inputs``, ...)."""

from __future__ import annotations

import pytest

import trueno as tn
from trueno_core_helpers import *  # noqa: F403  (the shared helpers, for ``from conftest import``)
from trueno_core_helpers import CPU_BACKENDS


@pytest.fixture(params=CPU_BACKENDS)
def backend(request):
    """Each installed CPU backend in turn, forced with ``trueno.use_backend``."""
    with tn.use_backend(request.param):
        yield request.param


@pytest.fixture
def unforced(monkeypatch):
    """No process-wide forced backend (as if TRUENO_BACKEND were unset), so that a test
    plugin's high-priority CPU kernel is the one dispatch picks."""
    import trueno._registry as R
    monkeypatch.setattr(R, "_DEFAULT_FORCED", None)
    R.clear_kernel_cache()
    yield
    monkeypatch.undo()
    R.clear_kernel_cache()
