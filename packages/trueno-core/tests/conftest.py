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
