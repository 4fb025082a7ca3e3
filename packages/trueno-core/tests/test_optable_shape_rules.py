"""Shape rules of the rows that are not elementwise, reductions or matmul (``Op.shape`` names a
rule of ``trueno._kernel_check.SHAPE_RULES``): the dispatcher checks a kernel's first result
against the rule, so a backend kernel that returns the wrong shape is caught, row by row.

Each row runs its samples from test_backend_equivalence (through the public function) on a
test backend whose kernel is the reference kernel, once as it is and once returning a wrong
shape.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

import trueno as tn
from trueno._kernel_check import SHAPE_RULES, expected
from trueno._registry import load_plugins

from test_backend_equivalence import _call, cases_for

RULE_ROWS = sorted(n for n, r in tn.OPS.items() if r.shape in SHAPE_RULES
                   and load_plugins().backends["reference"].kernels.get(n) is not None)


def _wrong(out):
    """``out`` with one more axis: a shape no rule gives for it."""
    if isinstance(out, tuple):
        return (np.asarray(out[0])[..., None],) + out[1:]
    return np.asarray(out)[..., None]


class _Spy:
    """The reference kernel of ``name``, recording its calls; ``wrong`` breaks its shape."""

    def __init__(self, name):
        self.name, self.calls, self.wrong = name, [], False
        self.ref = load_plugins().backends["reference"].kernels[name]

    def __call__(self, *args, **params):
        ref = self.ref
        if isinstance(ref, dict):
            ref = ref[next(a for a in args if hasattr(a, "dtype")).dtype.name]
        out = ref(*args, **params)
        self.calls.append((args, params, out))
        return _wrong(out) if self.wrong else out


def _with_spy(name, fn):
    from test_plugins import _plugin, _register

    from trueno._registry import unregister_plugin
    spy = _Spy(name)

    def backends(registry):
        registry.add_backend("tx_shape", devices=("cpu",), priority=99, kernels={name: spy})
    assert _register(_plugin("tx_shape_mod", trueno_register_backends=backends), "tx_shape")[0]
    try:
        return fn(spy)
    finally:
        unregister_plugin("tx_shape")


def _sym(shape):
    a = np.random.default_rng(3).standard_normal(shape)
    return a + np.swapaxes(a, -1, -2)


# Rows whose kernels no other backend registers, so test_backend_equivalence has no samples.
EXTRA_SAMPLES = {
    "linalg_eigvalsh": [(lambda x: tn.linalg.eigvalsh(x), [_sym((2, 3, 3))])],
    "linalg_svdvals": [(lambda x: tn.linalg.svdvals(x),
                        [np.random.default_rng(4).standard_normal((2, 4, 3))])],
}


def _samples(name):
    if name in EXTRA_SAMPLES:
        return EXTRA_SAMPLES[name]
    for dtype in ("float64", "int64"):
        cases = cases_for(name, dtype, np.random.default_rng(zlib.crc32(name.encode())))
        if cases:
            return cases
    pytest.fail(f"no samples for {name} in test_backend_equivalence.cases_for")


@pytest.mark.parametrize("name", RULE_ROWS)
def test_rule_gives_the_reference_kernels_shapes(name, unforced):
    """The rule computes the shape the reference kernel returns, for every sample call."""
    row = tn.OPS[name]

    def run(spy):
        for fn, args in _samples(name):
            _call(fn, args, "cpu")
        assert spy.calls, f"no sample of {name} reached its kernel"
        for args, params, out in spy.calls:
            want, _ = expected(row, tn.float64, args, params)
            assert want is not None, f"{name}: the rule does not cover {params}"
            for o in out if isinstance(out, tuple) else (out,):
                assert np.shape(o) == want, (name, params)
    _with_spy(name, run)


@pytest.mark.parametrize("name", RULE_ROWS)
def test_a_kernel_returning_a_wrong_shape_is_caught(name, unforced):
    def run(spy):
        spy.wrong = True
        fn, args = _samples(name)[0]
        with pytest.raises(tn.BackendError, match=f"{name}: the kernel of backend 'tx_shape'"
                                                  r"(.|\n)*returned shape"):
            _call(fn, args, "cpu")
        assert spy.calls
    _with_spy(name, run)


def test_custom_rows_are_data_dependent():
    """Rows left "custom" have results whose shape depends on the data (or are casts and
    copies on the dispatcher's hot path, or rows of other modules still without a rule)."""
    custom = {n for n, r in tn.OPS.items() if r.shape == "custom"}
    assert {"unique_all", "bincount", "trim_zeros", "histogram", "index"} <= custom
    assert not custom & {"where", "softmax", "take", "cumsum", "nansum", "fmod", "pad",
                         "conv2d", "concat", "topk", "sort"}
