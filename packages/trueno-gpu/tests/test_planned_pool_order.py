"""A planned elementwise launch takes its result's buffer from the pool inside
``Runtime.record_new``, which moves freed buffers to the free lists itself (``BufferPool._collect``
inlined): it keeps each free list in the pool's fixed order (by id), so results get the same
buffers back whatever order the previous ones were freed in (and their bind groups hit the
runtime's cache). Values are checked against NumPy."""

from __future__ import annotations

import gc

import numpy as np
from conftest import KERNELS, down, up

import trueno_gpu
from trueno_gpu import _lazy


def test_planned_results_reuse_free_buffers_in_a_fixed_order():
    trueno_gpu.synchronize()
    gc.collect()
    n = 5 << 16  # 1.25 MiB: a size class of its own in this file
    h = np.arange(n, dtype=np.float32)
    a, b = up(h), up(h[::-1].copy())
    add = KERNELS["add"]["float32"]
    saved, _lazy.ENABLED["on"] = _lazy.ENABLED["on"], False  # eager: one result buffer each
    try:
        xs = [add(a, b) for _ in range(4)]
        first = None
        for order in ([0, 1, 2, 3], [3, 1, 0, 2], [2, 3, 1, 0]):
            for i in order:
                xs[i] = None  # (freed at once: the storage's __del__ queues its buffer)
            xs = [add(a, b) for _ in range(4)]
            got = [id(x.storage.buffer) for x in xs]
            assert first is None or got == first, order
            first = got
        for x in xs:
            np.testing.assert_array_equal(down(x), h + h[::-1])
    finally:
        _lazy.ENABLED["on"] = saved
    del xs
    gc.collect()
