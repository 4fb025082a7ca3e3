"""Tensor printing on the PyTorch face: ``repr``/``str`` byte for byte as torch 2.13 prints
the same tensor (notation, widths, summarisation, wrapping, suffixes), and
``torch.set_printoptions``."""

import math

import pytest

import trueno.torch as tt

torch = pytest.importorskip("torch", reason="needs torch (the tests session installs "
                            "torch==2.13.0)")

CASES = {
    "fixed": lambda m: m.tensor([1.5, -2.25, 3.0]),
    "sci-range": lambda m: m.tensor([1.0, 2.0, 1e5]),
    "sci-small": lambda m: m.tensor([1e-5, 1.0]),
    "sci-big-ints": lambda m: m.tensor([1.0, 3e9]),
    "int-floats": lambda m: m.tensor([[1.0, -20.0], [300.0, 0.0]]),
    "summarised": lambda m: m.arange(2000.0).reshape(40, 50) / 7,
    "summarised-1d": lambda m: m.arange(1001),
    "ints": lambda m: m.tensor([[1, 2], [300, -4]]),
    "bools": lambda m: m.tensor([True, False]),
    "scalar": lambda m: m.tensor(3.5), "scalar-int": lambda m: m.tensor(-7),
    "empty-int": lambda m: m.tensor([], dtype=m.int64), "empty-2d": lambda m: m.zeros(0, 3),
    "empty-float": lambda m: m.tensor([]),
    "complex": lambda m: m.tensor([1 + 2j, -3.5j]),
    "complex-wide": lambda m: m.tensor([1e-6 + 2j, 300 - 1j]),
    "float64": lambda m: m.tensor([1.0, 2.0], dtype=m.float64),
    "nonfinite": lambda m: m.tensor([float("nan"), float("inf"), -1.0]),
    "nonfinite-only": lambda m: m.tensor([float("nan"), 0.0]),
    "3d": lambda m: m.ones(2, 3, 4),
    "wrap": lambda m: m.arange(30.0).reshape(2, 15) * 1.123,
    "wrap-ints": lambda m: m.arange(100) * 1000,
    "requires_grad": lambda m: m.tensor([1.0, 2.0], requires_grad=True),
    "grad_fn": lambda m: m.tensor([1.0, 2.0], requires_grad=True) * 2,
    "half": lambda m: m.tensor([0.1, 0.2], dtype=m.float16),
    "int32": lambda m: m.tensor([1, 2], dtype=m.int32),
    "uint8": lambda m: m.tensor([[1, 255]], dtype=m.uint8),
    "negative-zero": lambda m: m.tensor([-0.0, 1.5]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_repr_matches_torch(name):
    got, want = CASES[name](tt), CASES[name](torch)
    assert repr(got) == repr(want)
    assert str(got) == str(want)


@pytest.mark.parametrize("opts", [
    {"precision": 2}, {"precision": 6}, {"sci_mode": True}, {"sci_mode": False},
    {"threshold": 5}, {"threshold": 5, "edgeitems": 1}, {"linewidth": 40},
    {"profile": "short"}, {"profile": "full"}, {"threshold": 5, "edgeitems": 0},
])
def test_set_printoptions_matches_torch(opts):
    values = [[0.123456, -12.5, 3.0, 1e-3, 7.75, 100.0, 2.5, -0.5]] * 3
    try:
        for m in (tt, torch):
            m.set_printoptions(**opts)
        for build in (lambda m: m.tensor(values), lambda m: m.tensor([1e-7, math.pi]),
                      lambda m: m.arange(12).reshape(3, 4)):
            assert repr(build(tt)) == repr(build(torch)), opts
    finally:
        for m in (tt, torch):
            m.set_printoptions(profile="default")


def test_unknown_profile_is_refused():
    with pytest.raises(ValueError, match="profile"):
        tt.set_printoptions(profile="long")
