"""The PyTorch face's GPU generators: one counter-based Philox4x32-10 generator per GPU device,
as PyTorch draws CUDA tensors' numbers on the device.

A generator's state is ``(seed, offset)``; each draw runs the row ``philox_uniform``,
``philox_bernoulli`` or ``philox_normal`` (``trueno._optable.random``: a pure function of the
seed, the offset and the shape) and moves the offset past the counters it used, so a value
depends only on the seed and the sequence of draws, never on the adapter or driver (normals:
up to the last bits of the device's log/sin/cos). ``torch.manual_seed`` seeds these and the
CPU generator (as PyTorch); ``torch.cuda.manual_seed`` / ``manual_seed_all`` only these.
Their values differ from the CPU generator's, as PyTorch's CUDA values differ from its CPU
values. ``get_state``'s 16 bytes are PyTorch's layout of a CUDA generator state (the seed
and the offset, little-endian uint64).
"""

from __future__ import annotations

import math
import os
import threading

import numpy as np

from .. import _dtypes as D
from .._creation import empty
from .._decompositions_random import blocks
from .._device import Device
from .._dispatch import run
from .._optable import OPS
from . import _random_engine as E
from ._tensor import Tensor

__all__ = ["ENABLED", "PhiloxGenerator", "generator", "manual_seed_all", "uses_philox",
           "uniform", "bernoulli", "normal", "NORMAL_DTYPES", "get_state", "set_state",
           "state_bytes", "load_state_bytes"]


class PhiloxGenerator:
    """One GPU device's generator: the seed and the next free counter (``offset``)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed & 0xFFFFFFFFFFFFFFFF
        self.offset = 0
        self.lock = threading.Lock()

    def manual_seed(self, seed: int) -> None:
        with self.lock:
            self.seed, self.offset = int(seed) & 0xFFFFFFFFFFFFFFFF, 0

    def reserve(self, nblocks: int) -> tuple[int, int]:
        """``(seed, offset)`` of a draw of ``nblocks`` counters, and the offset moved past
        them."""
        with self.lock:
            off = self.offset
            self.offset = off + nblocks
            return self.seed, off


_GENS: dict[int, PhiloxGenerator] = {}
_ALL_SEED = [E.DEFAULT_SEED]  # PyTorch's default seed for a generator never seeded
_LOCK = threading.Lock()


def generator(index: int) -> PhiloxGenerator:
    """The generator of GPU device ``index`` (made on first use with the last seed given to
    every device)."""
    g = _GENS.get(index)
    if g is None:
        with _LOCK:
            g = _GENS.setdefault(index, PhiloxGenerator(_ALL_SEED[0]))
    return g


def manual_seed_all(seed: int) -> None:
    """Seed every GPU device's generator (and those made later) with ``seed``, offset 0."""
    with _LOCK:
        _ALL_SEED[0] = int(seed) & 0xFFFFFFFFFFFFFFFF
        gens = list(_GENS.values())
    for g in gens:
        g.manual_seed(seed)


def state_bytes(g: PhiloxGenerator) -> np.ndarray:
    """``g``'s state as 16 bytes: seed and offset, little-endian uint64 (PyTorch's CUDA
    generator state)."""
    with g.lock:
        return np.array([g.seed, g.offset], "<u8").view(np.uint8)


def load_state_bytes(g: PhiloxGenerator, state: np.ndarray) -> None:
    """Restore ``g`` from :func:`state_bytes`' 16 bytes."""
    seed, off = np.ascontiguousarray(state, np.uint8).view("<u8").tolist()
    with g.lock:
        g.seed, g.offset = int(seed), int(off)


def get_state(index: int) -> np.ndarray:
    """The 16 bytes of device ``index``'s generator state (:func:`state_bytes`)."""
    return state_bytes(generator(index))


def set_state(index: int, state: np.ndarray) -> None:
    """Restore device ``index``'s generator from :func:`get_state`'s 16 bytes."""
    load_state_bytes(generator(index), state)


# ``TRUENO_GPU_PHILOX=0`` (or ``ENABLED["on"] = False``): GPU tensors draw on the CPU
# generator and move the values, as before the GPU generators (an A/B switch for benchmarks;
# tools/bench/ab_dropout_gpu.py).
ENABLED = {"on": os.environ.get("TRUENO_GPU_PHILOX", "1") != "0"}


def uses_philox(device: Device, generator_arg) -> bool:
    """Whether a draw on ``device`` takes a Philox generator: any device but the CPU, with
    no ``generator=`` (the device's) or a ``torch.Generator("cuda")`` (its own); a CPU
    ``generator=`` keeps its stream (drawn on the host and moved)."""
    return device.type != "cpu" and ENABLED["on"] and (
        generator_arg is None or getattr(generator_arg, "_philox", None) is not None)


def _philox(device: Device, generator_arg) -> PhiloxGenerator:
    if generator_arg is None:
        return generator(device.index)
    return generator_arg._philox


def _draw(name: str, shape: tuple, dt, device: Device, uniform_words: bool, params: dict,
          gen=None):
    """Run row ``name`` for a new ``shape`` tensor of ``dt`` on ``device``, reserving its
    counters on the device's generator (or ``gen``'s: a ``torch.Generator("cuda")``). The
    row's input is a one-element tensor expanded to
    ``shape`` (only its shape, dtype and device are read)."""
    dt = D.as_dtype(dt)
    n = math.prod(shape)
    seed, off = _philox(device, gen).reserve(blocks(n, dt.name, uniform_words))
    x = empty((), dt, device=device, cls=Tensor)
    if shape:
        x = x.expand(*shape)
    return run(OPS[name], (x,), (x._data,), {"seed": seed, "offset": off, **params}, Tensor,
               device, dt)


def uniform(shape: tuple, dt, device: Device, low: float = 0.0, high: float = 1.0,
            gen=None) -> Tensor:
    """A new tensor of uniform ``[low, high)`` values drawn on ``device``'s generator."""
    return _draw("philox_uniform", shape, dt, device, True,
                 {"low": float(low), "high": float(high)}, gen)


NORMAL_DTYPES = ("float32", "float16", "bfloat16")  # float64 normals stay on the CPU stream


def normal(shape: tuple, dt, device: Device, mean: float = 0.0, std: float = 1.0,
           gen=None) -> Tensor:
    """A new tensor of normal values (Box-Muller) drawn on ``device``'s generator."""
    return _draw("philox_normal", shape, dt, device, True,
                 {"mean": float(mean), "std": float(std)}, gen)


def bernoulli(shape: tuple, dt, device: Device, p: float, value: float = 1.0,
              gen=None) -> Tensor:
    """A new tensor of ``value`` with probability ``p`` (else 0) drawn on ``device``'s
    generator."""
    return _draw("philox_bernoulli", shape, dt, device, False,
                 {"p": float(p), "value": float(value)}, gen)

