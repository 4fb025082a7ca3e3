"""Index bounds checked on the device, reported at the next sync (PyTorch CUDA's way).

``gather`` and ``take_along_axis`` (and the advanced-indexing decompositions core records
for autograd, whose keys hold the device index) read their index only on the GPU: checking
it on the host would download it, a stall inside every training step that uses
``cross_entropy``. Instead a checked kernel that meets an index out of range reads 0 for it
and records the offending index in a small flag buffer of its runtime; the next sync point
that already waits for the GPU (a download: ``float(loss)``, ``.numpy()``, ``.item()``; or
``synchronize``) reads the flags in the same submission and raises ``GpuIndexError``, which
is an IndexError and a RuntimeError, as PyTorch raises its device-side assert at the next
synchronizing call. Results computed from the bad call are not meaningful.

Each distinct check (its message: op, axis, size) has a slot of two words: the largest
too-large index + 1 and the largest ``-index`` of a negative one (0: none). Slots are
handed out until ``SLOTS - 1`` are in use; later checks share the last slot, whose message
does not name the call. The flags are cleared after each read.
"""

from __future__ import annotations

import numpy as np
import wgpu

from ._errors import GpuIndexError

__all__ = ["IndexChecks"]


class IndexChecks:
    """The flag buffer of one runtime and the messages of the checks recorded since the last
    read. Every method runs with the runtime's lock held."""

    SLOTS = 64

    def __init__(self, device) -> None:
        nbytes = 8 * self.SLOTS
        self.nbytes = nbytes
        self.flags = device.create_buffer(
            size=nbytes,
            usage=wgpu.BufferUsage.STORAGE | wgpu.BufferUsage.COPY_SRC | wgpu.BufferUsage.COPY_DST)
        self.stage = device.create_buffer(
            size=nbytes, usage=wgpu.BufferUsage.MAP_READ | wgpu.BufferUsage.COPY_DST)
        self._slots: dict[str, int] = {}
        self._messages: list[str] = []
        self._read = False  # whether the flags were copied into ``stage`` for this wait

    @property
    def pending(self) -> bool:
        """Whether a checked kernel was recorded since the flags were last read."""
        return bool(self._messages)

    def slot(self, message: str) -> int:
        """The slot of the check described by ``message`` (with ``{}`` for the index)."""
        s = self._slots.get(message)
        if s is None:
            s = len(self._messages)
            if s >= self.SLOTS - 1:
                s = self.SLOTS - 1
                if len(self._messages) == self.SLOTS - 1:
                    self._messages.append("an index op (one of several since the last sync): "
                                          "index {} is out of bounds\n  hint: synchronize "
                                          "more often to find which")
                return s
            self._slots[message] = s
            self._messages.append(message)
        return s

    def record_read(self, encoder) -> None:
        """Before the submission that a wait follows: copy the flags into the staging buffer
        (the same submission, no extra round trip)."""
        if self._messages:
            encoder.copy_buffer_to_buffer(self.flags, 0, self.stage, 0, self.nbytes)
            self._read = True

    def collect(self, rt) -> GpuIndexError | None:
        """After the wait: the error of the first flagged check (None if none), the flags
        cleared (recorded ahead of any later kernel) and the messages forgotten."""
        if not self._read:
            return None
        self._read = False
        # through the C API (the stage is idle: the wait covered its copy), not wgpu-py's
        # map_async: a training step's loss.item() reads the flags whenever the step
        # gathered (cross_entropy), 83 -> ~10 us on lavapipe's host
        words = np.frombuffer(rt._read_idle(self.stage, self.nbytes), np.uint32)
        messages, self._messages, self._slots = self._messages, [], {}
        if not words.any():
            return None
        rt.encoder().clear_buffer(self.flags, 0, self.nbytes)
        for s, message in enumerate(messages):
            big, neg = int(words[2 * s]), int(words[2 * s + 1])
            if big or neg:
                bad = -neg if neg else big - 1
                return GpuIndexError(
                    message.format(bad) + "\n  note: found by the GPU kernel and raised at the "
                    "first sync after the call (a download or synchronize), as PyTorch CUDA's "
                    "device-side assert; results computed from that call are not meaningful "
                    "(an index out of range read 0)")
        return None
