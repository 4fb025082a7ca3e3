"""trueno_gpu._crecord, the C accelerator of ``Runtime.record_new`` and of the planned
elementwise kernels (issue 18): built by the install, it records the same dispatches, leaves
the same runtime and pool state and hands out the same buffers as the Python paths over a
mixed sequence of ops, enters no Python frame for ``a + b``, stands aside for
``TRUENO_PURE_PYTHON=1``, and gives NumPy's results from two threads at once."""

from __future__ import annotations

import collections
import gc
import os
import subprocess
import sys
import textwrap
import threading
import types

import numpy as np
import pytest

import trueno_gpu
from trueno_gpu import _record
from trueno_gpu._runtime import Runtime, get_runtime

T = pytest.importorskip("trueno.torch")
RNG = np.random.default_rng(18)
H = {k: RNG.standard_normal(s).astype(np.float32)
     for k, s in (("a", 256), ("b", 256), ("col", (8, 1)), ("row", (1, 32)), ("m", (8, 8)))}


# the plugin registered by hand where trueno-gpu is not pip-installed (conftest)
pytestmark = pytest.mark.usefixtures("gpu_registered")

@pytest.fixture
def rt():
    rt = get_runtime(0)
    assert _record.c_record_on(rt), \
        "trueno_gpu._crecord was not built: pip install -e packages/trueno-gpu (needs a C compiler)"
    yield rt
    _record.use_c_record(rt, True)


def _gpu(name):
    return T.from_numpy(H[name]).to("gpu")


def _sequence(rt) -> tuple[list, list]:
    """A mixed run of small ops: freed and held results, scalars either side, broadcasting, a
    planned matmul, a lazy chain in between, a forced flush, early submissions (submit_every 4)
    and arena overflows (a small arena and a new scalar's metadata each op). Returns the
    results' buffer ids in order, and (result, NumPy value) pairs."""
    a, b, col, row, m = (_gpu(k) for k in ("a", "b", "col", "row", "m"))
    ha, hb = H["a"], H["b"]
    ids, checks = [], []
    held = collections.deque(maxlen=3)

    def keep(x, want):
        ids.append(id(x._data.storage.buffer))
        checks.append((x, want))
        return x

    for i in range(6):
        c = a + b  # the previous c is freed: its buffer comes back
        ids.append(id(c._data.storage.buffer))
        held.append(keep(a * b, ha * hb))
        keep(a * 2.0, ha * np.float32(2.0))
        keep(3.0 - a, np.float32(3.0) - ha)
        keep(col + row, H["col"] + H["row"])
        keep(-a, -ha)
        keep(m @ m, H["m"] @ H["m"])
        keep(m.sum(0), H["m"].sum(0))  # (record: no new result through record_new)
        keep(a.max(), ha.max())
        if i == 2:
            y = (a + b) * b - a  # a lazy chain from the eager result on
            checks.append((y, (ha + hb) * hb - ha))
            keep(a.exp(), np.exp(ha))
            rt.flush()
    checks.append((c, ha + hb))
    rt.submit_every = 4
    rt.ARENA_BYTES = 3 * rt.align  # two slices of META_BYTES fit, the third flushes
    try:
        for i in range(20):
            keep(a + float(i), ha + np.float32(i))
    finally:
        rt.submit_every = 0
        del rt.ARENA_BYTES
    return ids, checks


def _state(rt) -> dict:
    pool = rt.pool
    with rt.lock:
        pool._collect()
        return {"dispatches": rt.dispatches, "submissions": rt.submissions, "count": rt._count,
                "pending": rt._pending, "arena": len(rt._arena), "metas": len(rt._meta_offsets),
                "bind_groups": len(rt._bind_groups), "allocated": pool._allocated,
                "reserved": pool.reserved, "head": rt._head is not None,
                "free": {c: [id(b) for b in bufs] for c, bufs in pool._free.items() if bufs}}


def _run(rt, c_path: bool, monkeypatch) -> tuple:
    """One run of ``_sequence`` from a synchronized state, on the C or the Python path, with
    the Python methods' calls (record_new, record) and the bind-group cache misses counted."""
    calls, misses = [0], [0]
    python_record_new, python_record, miss = Runtime.record_new, Runtime.record, \
        Runtime._bind_group

    def counted(self, *args):
        calls[0] += 1
        return python_record_new(self, *args)

    def counted_record(self, *args):
        calls[0] += 1
        return python_record(self, *args)

    def counted_miss(self, *args):
        misses[0] += 1
        return miss(self, *args)

    monkeypatch.setattr(Runtime, "record_new", counted)
    monkeypatch.setattr(Runtime, "record", counted_record)
    monkeypatch.setattr(Runtime, "_bind_group", counted_miss)
    assert _record.use_c_record(rt, c_path) is c_path  # (its fallback: the counted method)
    trueno_gpu.synchronize()
    gc.collect()
    gc.disable()  # every result is freed by its last reference, at the same point each run
    try:
        before = _state(rt)
        ids, checks = _sequence(rt)
        after = _state(rt)
        values = [(np.asarray(x.cpu()), want) for x, want in checks]
        del checks
    finally:
        gc.enable()
        monkeypatch.undo()
    for got, want in values:
        np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-6)
    delta = {k: after.pop(k) - before[k] for k in ("dispatches", "submissions")}
    return ids, delta, after, calls[0], misses[0]


def test_c_and_python_paths_record_the_same(rt, monkeypatch):
    for _ in range(2):  # warm-up: plans, pipelines, buffers (inputs too), bind groups made
        _run(rt, False, monkeypatch)
    py = _run(rt, False, monkeypatch)
    c = _run(rt, True, monkeypatch)
    py2 = _run(rt, False, monkeypatch)
    assert c[0] == py[0] == py2[0]  # the same buffers, in the same order
    assert c[1] == py[1] == py2[1]  # dispatches and submissions
    assert c[2] == py[2] == py2[2]  # arena, counters, pool (free lists by id), bind groups
    assert c[4] == py[4] == py2[4]  # bind-group cache misses
    # the Python method ran only for what the C path hands over (a batch's first dispatch,
    # a full arena, a pending chain, a missing buffer): most calls stayed in C
    assert py[3] == py2[3] > 50
    assert 0 < c[3] < py[3] // 3, (c[3], py[3])


def _python_calls(fn, times: int) -> collections.Counter:
    """The Python functions ``fn()`` enters, counted by name over ``times`` calls."""
    calls: collections.Counter = collections.Counter()

    def prof(frame, event, arg):
        if event == "call":
            calls[frame.f_code.co_name] += 1

    sys.setprofile(prof)
    try:
        for _ in range(times):
            fn()
    finally:
        sys.setprofile(None)
    return calls


def test_planned_kernels_and_record_new_stay_in_c(rt):
    """``a + b``, ``-a``, ``a * 2.0``, ``3.0 - a`` and ``a.max()``: no Python frame of the
    planned kernel (``Planned``), of ``record_new``/``record`` or of the scalar conversion
    (kept per scalar object) on the C path; the closures' and the methods' on the Python
    path."""
    a, b = _gpu("a"), _gpu("b")
    ops = lambda: (a + b, -a, a * 2.0, 3.0 - a, a.max())  # noqa: E731
    ops()
    c_calls = _python_calls(ops, 5)
    _record.use_c_record(rt, False)
    ops()
    py_calls = _python_calls(ops, 5)
    _record.use_c_record(rt, True)
    names = ("binary", "unary", "record_new", "record", "_words")
    assert [c_calls[n] for n in names] == [0, 0, 0, 0, 0], c_calls
    assert [py_calls[n] for n in names] == [15, 5, 20, 5, 0], py_calls
    for got, want in zip(ops(), (H["a"] + H["b"], -H["a"], H["a"] * np.float32(2.0),
                                 np.float32(3.0) - H["a"], H["a"].max())):
        np.testing.assert_allclose(np.asarray(got.cpu()), want, rtol=1e-6)


def test_a_probe_wrapping_the_raw_calls_or_methods_sees_every_call(rt, monkeypatch):
    """The C path stands aside while ``_record``'s raw-call globals are wrapped, and while
    ``record_new``/``record`` are replaced on the class (as tests that count launches do)."""
    seen = collections.Counter()
    raw = _record._dispatch_workgroups
    methods = {n: getattr(Runtime, n) for n in ("record_new", "record")}

    def dispatch(*args):
        seen["raw"] += 1
        return raw(*args)

    def wrap(name):
        def method(self, *args):
            seen[name] += 1
            return methods[name](self, *args)
        return method

    a, b = _gpu("a"), _gpu("b")
    c = a + b
    monkeypatch.setattr(_record, "_dispatch_workgroups", dispatch)
    before = rt.dispatches
    for _ in range(5):
        c = a + b
    assert seen["raw"] == rt.dispatches - before == 5
    monkeypatch.undo()
    for name in methods:
        monkeypatch.setattr(Runtime, name, wrap(name))
    for _ in range(3):
        c, m = a + b, a.max()
    monkeypatch.undo()
    assert (seen["record_new"], seen["record"]) == (3, 3)
    np.testing.assert_allclose(np.asarray(c.cpu()), H["a"] + H["b"], rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(m.cpu()), H["a"].max())


def test_storage_finalizer_returns_the_buffer_unless_the_pool_is_closed():
    """``_Storage.__del__`` in C: the buffer goes onto its pool's released deque, as the
    Python method does, and nowhere once the pool is closed."""
    from trueno_gpu._transfers import _Storage

    assert type(_Storage.__del__).__name__ == "method_descriptor"
    for closed in (False, True):
        pool = types.SimpleNamespace(closed=closed, _released=collections.deque())
        st = object.__new__(_Storage)
        st.buffer, st.nbytes, st.device_index, st.version, st.pool = "buf", 4, 0, 0, pool
        del st
        assert list(pool._released) == ([] if closed else ["buf"])


def test_pure_python_forces_the_python_method():
    """``TRUENO_PURE_PYTHON=1`` (as for trueno-core's ``_cindex``): the extension is not
    imported, a runtime keeps the Python method and the storage its Python ``__del__`` (no
    adapter needed to check it)."""
    code = textwrap.dedent("""
        import types
        from trueno_gpu import _record
        from trueno_gpu._transfers import _Storage
        rt = types.SimpleNamespace()
        assert _record._crecord is None
        assert isinstance(_Storage.__del__, types.FunctionType)
        assert _record.use_c_record(rt, True) is False and not _record.c_record_on(rt)
        assert "record_new" not in vars(rt)
        print("pure ok")
    """)
    env = dict(os.environ, TRUENO_PURE_PYTHON="1")
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0 and "pure ok" in p.stdout, p.stderr[-3000:]


def test_two_threads_record_at_once(rt):
    """Two threads record small ops on the one runtime (one of them often holding the lock in
    a sync, so the other's C path stands aside); every result is NumPy's."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    barrier = threading.Barrier(2)
    errors: list = []

    def work(k: int) -> None:
        try:
            ha, hb = H["a"] * (k + 1), H["b"] - k
            a, b = T.from_numpy(ha).to("gpu"), T.from_numpy(hb).to("gpu")
            held = collections.deque(maxlen=4)
            barrier.wait()
            for i in range(150):
                c = a * b if k else a + b
                held.append(a - b)
                if i % 50 == 49:
                    trueno_gpu.synchronize()
            np.testing.assert_allclose(np.asarray(c.cpu()), ha * hb if k else ha + hb,
                                       rtol=1e-6)
            for x in held:
                np.testing.assert_allclose(np.asarray(x.cpu()), ha - hb, rtol=1e-6)
        except BaseException as e:  # reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert not errors, errors
