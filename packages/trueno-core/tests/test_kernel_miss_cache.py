"""A row with no kernel for a (device, dtype) is looked up once: the miss is cached beside the
kernels (``Op.kmiss``), so a composite that runs its decomposition does not search the
backends on every call, and every change of the backends forgets it."""

from __future__ import annotations

import types
import warnings

import numpy as np

import trueno as tn
import trueno._registry as R
from trueno.backend import get_op, run


def _plugin(name, **hooks):
    mod = types.ModuleType(name)
    for hook, fn in hooks.items():
        setattr(mod, hook, tn.hookimpl(fn))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert R.register_plugin(mod, name)


def _twice_plus_one(x):
    return x * 2.0 + 1.0


def test_a_miss_is_looked_up_once_and_forgotten_when_backends_change(unforced, monkeypatch):
    _plugin("miss_rows", trueno_register_ops=lambda registry: registry.add_op(
        tn.Op("_miss_op", 1, accepts="real floating", shape="same", numpy_name=None,
              decomposition=_twice_plus_one)))
    try:
        row = get_op("_miss_op")
        x = tn.asarray([1.0, 2.0])
        lookups = []
        real = R.load_plugins
        monkeypatch.setattr(R, "load_plugins", lambda: lookups.append(1) or real())

        def call():
            return run(row, (x,), (x._data,), {}, x.__class__, x._device, x._dtype)

        np.testing.assert_array_equal(call().numpy(), [3.0, 5.0])
        first = len(lookups)
        assert first >= 1 and len(row.kmiss) == 1
        for _ in range(3):
            np.testing.assert_array_equal(call().numpy(), [3.0, 5.0])
        assert len(lookups) == first  # the cached miss: no more searches

        # a backend that brings a kernel clears the miss: the kernel runs from then on
        _plugin("miss_kernel", trueno_register_backends=lambda registry: registry.add_backend(
            "miss_kernel", devices=("cpu",), priority=99,
            kernels={"_miss_op": {"float64": lambda a: np.full_like(a, 7.0)}}))
        try:
            assert not row.kmiss
            np.testing.assert_array_equal(call().numpy(), [7.0, 7.0])
        finally:
            R.unregister_plugin("miss_kernel")
        assert not row.kcache and not row.kmiss
        np.testing.assert_array_equal(call().numpy(), [3.0, 5.0])
    finally:
        R.unregister_plugin("miss_rows")


def test_primitives_only_does_not_leave_misses_behind(unforced):
    """Inside primitives_only a composite with a kernel runs its decomposition; nothing of it
    is cached, so outside the kernel is found again."""
    row = get_op("logaddexp")
    a = tn.asarray([0.0, 1.0])
    with R.primitives_only():
        tn.logaddexp(a, a)
        assert not row.kmiss
    tn.logaddexp(a, a)
    assert not row.kmiss and row.kcache
