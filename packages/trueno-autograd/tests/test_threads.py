"""Grad mode and anomaly mode are per thread (issue 12, item 3), as in PyTorch: one thread's
``no_grad``, ``set_grad_enabled`` or ``backward()`` never changes what another thread records,
and every new thread starts with grad mode on and anomaly mode off.

The threads are sequenced with events, so each test checks one fixed interleaving."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from ag_setup import grad_mode_restored  # noqa: F401  (autouse fixture)

import trueno as tn
from trueno import _dispatch as X
from trueno_autograd import detect_anomaly, is_anomaly_enabled

TIMEOUT = 60  # seconds a thread waits for its partner before the test fails


class Worker(threading.Thread):
    """A thread that runs ``fn`` and keeps its result or exception for the test to check."""

    def __init__(self, fn):
        super().__init__(daemon=True)
        self.fn = fn
        self.result = None
        self.error = None

    def run(self):
        try:
            self.result = self.fn()
        except BaseException as exc:  # re-raised in the test's thread by finish()
            self.error = exc

    def finish(self):
        self.join(TIMEOUT)
        assert not self.is_alive(), "worker thread did not finish"
        if self.error is not None:
            raise self.error
        return self.result


def wait(event):
    assert event.wait(TIMEOUT), "timed out waiting for the other thread"


def leaf(values):
    return tn.asarray(values, dtype=tn.float64).requires_grad_()


def test_no_grad_in_one_thread_leaves_another_recording():
    a_inside, b_done = threading.Event(), threading.Event()

    def thread_a():
        with tn.no_grad():
            a_inside.set()
            wait(b_done)
            x = leaf([1.0, 2.0])
            y = x * 2.0  # A is still in no_grad: nothing recorded
            return tn.is_grad_enabled(), y.requires_grad, y.tolist()

    def thread_b():
        wait(a_inside)
        try:
            x = leaf([1.0, 2.0, 3.0])
            y = (x * x).sum()
            y.backward()
            return tn.is_grad_enabled(), y.requires_grad, y.grad_fn is not None, x.grad.tolist()
        finally:
            b_done.set()

    a, b = Worker(thread_a), Worker(thread_b)
    a.start()
    b.start()
    assert b.finish() == (True, True, True, [2.0, 4.0, 6.0])
    assert a.finish() == (False, False, [2.0, 4.0])
    assert tn.is_grad_enabled()


@pytest.mark.parametrize("shared", [False, True], ids=["own-objects", "one-shared-object"])
def test_interleaved_no_grad_exits_restore_each_thread(shared):
    """A enters, B enters, A exits, B exits, B having turned grad mode off before. With one
    process-wide flag, or one stack of previous modes per object, the exits restore each
    other's modes: grad mode ends off in A (and everywhere) and on in B."""
    ng = tn.no_grad()
    steps = [threading.Event() for _ in range(3)]

    def thread_a():
        with (ng if shared else tn.no_grad()):
            steps[0].set()
            wait(steps[1])
            inside = tn.is_grad_enabled()
        after = tn.is_grad_enabled()
        steps[2].set()
        return inside, after, (leaf([1.0]) * 3.0).requires_grad

    def thread_b():
        tn.set_grad_enabled(False)
        wait(steps[0])
        with (ng if shared else tn.no_grad()):
            steps[1].set()
            wait(steps[2])
            inside = tn.is_grad_enabled()
        after = tn.is_grad_enabled()
        return inside, after, (leaf([1.0, 2.0]) * 3.0).requires_grad

    a, b = Worker(thread_a), Worker(thread_b)
    a.start()
    b.start()
    assert a.finish() == (False, True, True)
    assert b.finish() == (False, False, False)
    assert tn.is_grad_enabled()
    x = leaf([1.0, 2.0])
    (x * 5.0).sum().backward()
    assert x.grad.tolist() == [5.0, 5.0]


def test_backward_in_one_thread_while_another_records():
    """backward() turns grad mode off while it runs (create_graph=False); only for its thread."""
    in_backward, b_done = threading.Event(), threading.Event()

    def thread_a():
        x = leaf([1.0, 2.0, 3.0])

        def hook(g):
            in_backward.set()
            wait(b_done)  # B records while A is inside backward
            return g

        x.register_hook(hook)
        (x * x * 0.5).sum().backward()
        return x.grad.tolist(), tn.is_grad_enabled()

    def thread_b():
        wait(in_backward)
        try:
            x = leaf([3.0, 4.0])
            y = (x ** 2).sum()
            rec = (tn.is_grad_enabled(), y.requires_grad, y.grad_fn is not None)
            y.backward()
            return rec, x.grad.tolist()
        finally:
            b_done.set()

    a, b = Worker(thread_a), Worker(thread_b)
    a.start()
    b.start()
    assert b.finish() == ((True, True, True), [6.0, 8.0])
    assert a.finish() == ([1.0, 2.0, 3.0], True)


def test_new_thread_starts_with_grad_mode_on_and_anomaly_off():
    with tn.no_grad(), detect_anomaly():
        assert not tn.is_grad_enabled() and is_anomaly_enabled()

        def fn():
            x = leaf([2.0])
            y = x * x
            y.backward()
            return (tn.is_grad_enabled(), is_anomaly_enabled(), X.STATE.autograd is not None,
                    y.requires_grad, x.grad.tolist())

        w = Worker(fn)
        w.start()
        assert w.finish() == (True, False, True, True, [4.0])
        assert not tn.is_grad_enabled() and is_anomaly_enabled()  # this thread unchanged
        assert not (leaf([1.0]) * 2.0).requires_grad
    assert tn.is_grad_enabled() and not is_anomaly_enabled()


def test_set_grad_enabled_call_in_a_thread_stays_there():
    def fn():
        tn.set_grad_enabled(False)  # a plain call, never restored: the thread's own business
        return tn.is_grad_enabled(), (leaf([1.0]) * 2.0).requires_grad

    w = Worker(fn)
    w.start()
    assert w.finish() == (False, False)
    assert tn.is_grad_enabled()
    assert (leaf([1.0]) * 2.0).requires_grad


def test_anomaly_mode_in_one_thread_only():
    a_inside, b_done = threading.Event(), threading.Event()

    def thread_a():
        with detect_anomaly():
            a_inside.set()
            wait(b_done)
            return is_anomaly_enabled()

    def thread_b():
        wait(a_inside)
        try:
            x = leaf([0.0])
            y = tn.sqrt(x) * 0.0  # 0 * inf = nan in the gradient: anomaly mode would raise
            y.backward()
            return is_anomaly_enabled(), np.isnan(x.grad.tolist()[0])
        finally:
            b_done.set()

    a, b = Worker(thread_a), Worker(thread_b)
    a.start()
    b.start()
    assert b.finish() == (False, True)
    assert a.finish() is True


def test_many_threads_record_and_run_their_own_graphs():
    """8 threads, each toggling no_grad in a loop while the others record: every gradient is
    its own thread's, and every thread ends with grad mode on."""
    start = threading.Barrier(8, timeout=TIMEOUT)

    def fn(k):
        def run():
            start.wait()
            grads = []
            for i in range(30):
                with tn.no_grad():
                    skipped = (leaf([1.0]) * 2.0).requires_grad
                x = leaf([float(k), float(i)])
                (x * x * float(k + 1)).sum().backward()
                grads.append((skipped, x.grad.tolist()))
            return tn.is_grad_enabled(), grads
        return run

    workers = [Worker(fn(k)) for k in range(8)]
    for w in workers:
        w.start()
    for k, w in enumerate(workers):
        on, grads = w.finish()
        assert on
        assert grads == [(False, [2.0 * k * (k + 1), 2.0 * i * (k + 1)]) for i in range(30)]
    assert tn.is_grad_enabled()
