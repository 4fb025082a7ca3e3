"""Host-side copies of large transfers, spread over threads.

One core cannot saturate the memory bus, least of all on mapped staging memory, and NumPy
releases the GIL while copying: uploads and downloads of at least ``_PAR_MIN`` bytes copy in
``_PAR_CHUNK``-sized parts on a small thread pool (``PAR_THREADS[0]`` threads at most,
benchmarks change it in place).
"""

from __future__ import annotations

import os
import threading

import numpy as np

__all__ = ["PAR_THREADS", "par_copy", "host_array"]

_PAR_MIN = 8 << 20  # host copies of at least this many bytes use several threads
_PAR_CHUNK = 2 << 20
# threads per large host copy (a 64 MiB download on the H100: 8 -> 10.0, 16 -> 11.3 GB/s)
PAR_THREADS = [16]
_pool_threads: list = []
_lock = threading.Lock()  # creates the copy pool once


def par_copy(dst: np.ndarray, src: np.ndarray) -> None:
    """``dst[...] = src`` for flat uint8 arrays; large copies are split over up to 16 threads
    (NumPy releases the GIL while copying; one core cannot saturate the memory bus, least of
    all on mapped staging memory)."""
    n = dst.nbytes
    if n < _PAR_MIN:  # (before os.cpu_count, which took ~15 us a call on the H100's host)
        np.copyto(dst, src)
        return
    k = min(PAR_THREADS[0], os.cpu_count() or 1, n // _PAR_CHUNK)
    if k < 2:
        np.copyto(dst, src)
        return
    step = (-(-n // k) + 4095) // 4096 * 4096
    parts = [(dst[i:i + step], src[i:i + step]) for i in range(0, n, step)]
    for f in [_copy_pool().submit(np.copyto, d, s_) for d, s_ in parts]:
        f.result()


def _copy_pool():
    if not _pool_threads:
        from concurrent.futures import ThreadPoolExecutor

        with _lock:
            if not _pool_threads:
                _pool_threads.append(ThreadPoolExecutor(16, thread_name_prefix="trueno-gpu-copy"))
    return _pool_threads[0]


def host_array(count: int, dtype) -> tuple[np.ndarray, list]:
    """A new host array, and for a large one the futures of threads that are touching its
    pages meanwhile: first-touch page faults of fresh memory cost as much as the copy itself
    (64 MiB on the H100's host: 5.3 ms into fresh memory, 2.4 ms into touched memory), so they
    run while the GPU is still copying into the staging buffer."""
    host = np.empty(count, dtype)
    n = host.nbytes
    if n < _PAR_MIN:
        return host, []
    flat = host.view(np.uint8)
    k = min(PAR_THREADS[0], os.cpu_count() or 1, n // _PAR_CHUNK)
    if k < 2:
        return host, []
    step = (-(-n // k) + 4095) // 4096 * 4096
    return host, [_copy_pool().submit(np.copyto, flat[i:i + step], 0)
                  for i in range(0, n, step)]

