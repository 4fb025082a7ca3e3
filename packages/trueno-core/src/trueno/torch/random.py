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
    """Run the block with the CPU generator's state, and the GPU generators' of ``devices``
    (default: every GPU generator in use), saved and restored afterwards."""
    if not enabled:
        yield
        return
    from . import _random_gpu as G
    state = get_rng_state()
    indices = list(G._GENS) if devices is None else [
        d if isinstance(d, int) else (getattr(d, "index", None) or int(
            str(d).partition(":")[2] or 0)) for d in devices]
    gpu = [(i, G.get_state(i)) for i in indices]
    try:
        yield
    finally:
        set_rng_state(state)
        for i, st in gpu:
            G.set_state(i, st)
