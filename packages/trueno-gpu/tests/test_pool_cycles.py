"""A result's storage that dies in one garbage cycle with its wgpu buffer: the cycle collector
may finalize the buffer (release its handle) before the storage's ``__del__`` returns it to
the pool, which must then drop it instead of handing a dead buffer to the next allocation
(that crashed wgpu-native, an abort of the process, in a full test run and on the H200).
Run in a child process, since the failure is an abort."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import trueno_gpu

if not trueno_gpu.is_available():
    pytest.skip("no GPU adapter for trueno-gpu", allow_module_level=True)

_CHILD = textwrap.dedent("""
    import gc
    import numpy as np
    import trueno as tn
    a = tn.asarray(np.arange(1000, dtype=np.float32)).to_device("gpu")
    b = a + 1.0                  # a planned launch: a pooled storage released by __del__
    st = b._data.storage
    held = [st, st.buffer]
    held.append(held)            # one garbage cycle holding the storage and its buffer
    del b, st
    held[1]._release()           # the collector finalizes the buffer first ...
    del held
    gc.collect()                 # ... then the storage's __del__ queues it for the pool
    for _ in range(3):           # the next results of that size class get live buffers
        c = a + 2.0
        assert np.array_equal(np.asarray(c.to_device("cpu")), np.arange(1000) + 2.0)
    print("ok")
""")


def test_a_buffer_finalized_in_a_cycle_is_not_reused():
    r = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0 and r.stdout.strip().endswith("ok"), r.stderr[-2000:]
