"""The PyTorch face's generator objects and the global seed: ``torch.Generator`` (PyTorch's
CPU generator, or with ``device="cuda"`` a GPU Philox generator of its own), ``manual_seed``,
``seed``, ``initial_seed``, ``get_rng_state``/``set_rng_state`` (PyTorch's 5056-byte CPU
state), and the argument checks the samplers (``_random``) share.
"""

from __future__ import annotations

import os
import threading

import numpy as np

from .. import _dtypes as D
from .._creation import _place
from .._device import Device, device as as_device
from .._errors import TruenoError
from . import _random_engine as E
from . import _random_gpu as G
from ._tensor import Tensor

__all__ = ["Generator", "RandomArgumentError", "default_generator", "get_rng_state",
           "initial_seed", "manual_seed", "seed", "set_rng_state"]


class RandomArgumentError(TruenoError, ValueError, RuntimeError):
    """A bad argument to a sampler (PyTorch raises these as RuntimeError)."""


def _fail(func: str, got: str, expected: str, hint: str = ""):
    msg = f"{func}: got {got}; expected {expected}"
    raise RandomArgumentError(msg + (f". Hint: {hint}" if hint else ""))


class Generator:
    """``torch.Generator``: PyTorch's CPU generator (mt19937), seeded with 67280421310721, or
    with ``device="cuda"`` a GPU generator of its own (Philox4x32-10, ``_random_gpu``) for
    draws on that device."""

    _philox = None  # a GPU generator's state (``_random_gpu.PhiloxGenerator``)

    def __init__(self, device="cpu") -> None:
        self._lock = threading.Lock()
        if str(device) in ("cpu", "cpu:0"):
            self.device = Device("cpu")
            self._eng = E.Engine()
            return
        try:
            dev = as_device(device)
        except TruenoError:
            dev = None
        if dev is None or dev.type != "gpu":
            _fail("torch.Generator(device)", repr(device), "'cpu' or 'cuda'")
        from ._device import device as torch_device
        self.device = torch_device(dev)  # device(type='cuda', index=0), as PyTorch's
        self._eng = None
        self._philox = G.PhiloxGenerator(E.DEFAULT_SEED)

    def manual_seed(self, seed: int) -> Generator:
        seed = _check_seed(seed)
        if self._philox is not None:
            self._philox.manual_seed(seed)
            return self
        with self._lock:
            self._eng.manual_seed(seed)
        return self

    def seed(self) -> int:
        s = int.from_bytes(os.urandom(8), "little")
        if self._philox is not None:
            self._philox.manual_seed(s)
            return s
        with self._lock:
            self._eng.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._philox.seed if self._philox is not None else self._eng.initial_seed()

    def get_state(self) -> Tensor:
        if self._philox is not None:
            return _place(Tensor, G.state_bytes(self._philox), None, D.uint8)
        with self._lock:
            return _place(Tensor, self._eng.get_state(), None, D.uint8)

    def set_state(self, new_state) -> Generator:
        host = new_state._host() if isinstance(new_state, Tensor) else np.asarray(new_state)
        if self._philox is not None:
            if host.dtype != np.uint8 or host.size != 16:
                _fail("Generator.set_state(new_state)", f"{host.size} values of {host.dtype}",
                      "the 16 uint8 of a GPU generator state", "pass what get_state() returns")
            G.load_state_bytes(self._philox, host.ravel())
            return self
        if host.dtype != np.uint8:
            _fail("Generator.set_state(new_state)", f"a tensor of dtype {host.dtype}",
                  "a uint8 (ByteTensor) state", "pass what get_state()/get_rng_state() return")
        try:
            with self._lock:
                self._eng.set_state(host.ravel())
        except ValueError as exc:
            _fail("Generator.set_state(new_state)", str(exc),
                  f"the {E.STATE_SIZE} bytes of a CPU generator state",
                  "pass what get_state()/torch.get_rng_state() return")
        return self


default_generator = Generator()
default_generator._eng.manual_seed(int.from_bytes(os.urandom(8), "little"))


def _check_seed(seed) -> int:
    try:
        s = int(seed)
    except (TypeError, ValueError):
        _fail("manual_seed(seed)", repr(seed), "an int")
    if not -(1 << 63) <= s < (1 << 64):
        _fail("manual_seed(seed)", str(s), "a seed in [-0x8000_0000_0000_0000, "
              "0xffff_ffff_ffff_ffff]", "negative seeds wrap to 2**64 + seed as in PyTorch")
    return s & 0xFFFFFFFFFFFFFFFF


def manual_seed(seed: int) -> Generator:
    """Seed the global generator and every GPU device's (``torch.manual_seed``); returns
    ``torch.default_generator``."""
    g = default_generator.manual_seed(seed)
    G.manual_seed_all(_check_seed(seed))
    return g


def seed() -> int:
    """Seed the global generator and the GPU devices' from the OS entropy source and return
    the seed."""
    s = default_generator.seed()
    G.manual_seed_all(s)
    return s


def initial_seed() -> int:
    """The seed the global generator was last seeded with."""
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The global generator's state as PyTorch's 5056-byte ``ByteTensor``."""
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    """Restore a state from :func:`get_rng_state` (trueno's or real PyTorch's)."""
    default_generator.set_state(new_state)


def _gen(generator) -> Generator:
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        _fail("generator=", type(generator).__name__, "a torch.Generator",
              "create one with torch.Generator().manual_seed(seed)")
    if generator._philox is not None:
        _fail("generator=", f"a generator of device {generator.device}",
              "a 'cpu' generator for this draw (a CPU tensor, or a sampler that draws on "
              "the host)", "draw on the generator's device, or use torch.Generator('cpu')")
    return generator
