"""``torch.random``: the default generator's seed and state, and ``fork_rng``."""

from __future__ import annotations

import contextlib

from ._random import (
    Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed,
    set_rng_state,
)

__all__ = ["Generator", "default_generator", "fork_rng", "get_rng_state", "initial_seed",
           "manual_seed", "seed", "set_rng_state"]


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices",
             device_type="cuda"):
    """Run the block with the CPU generator's state saved and restored afterwards (GPU
    tensors here draw from the same CPU generator, so ``devices`` needs no state of its
    own)."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
