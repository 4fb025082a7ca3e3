"""trueno.random: every Generator method a NumPy user reaches for gives NumPy's exact values
for the same seed, returns trueno arrays, and accepts trueno arrays as parameters."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_close

import trueno as tn

# method: (args, kwargs); array arguments are NumPy arrays here and trueno arrays for trueno
P = np.array([0.2, 0.3, 0.5])
MEAN = np.array([1.0, -1.0])
COV = np.array([[2.0, 0.3], [0.3, 1.0]])
DISTS = {
    "random": ((5,), {}),
    "standard_normal": ((5,), {}),
    "normal": ((np.array([0.0, 10.0]), 2.0, (3, 2)), {}),
    "uniform": ((-1.0, np.array([1.0, 5.0]), (4, 2)), {}),
    "integers": ((0, 10, 6), {}),
    "integers_array_bounds": ((np.array([0, 5]), np.array([3, 50]), (4, 2)), {}),
    "beta": ((np.array([0.5, 2.0]), 3.0, (5, 2)), {}),
    "gamma": ((np.array([1.0, 4.0]), 2.0), {"size": (3, 2)}),
    "standard_gamma": ((2.5, 7), {}),
    "binomial": ((10, np.array([0.1, 0.9]), (4, 2)), {}),
    "negative_binomial": ((5, 0.5, 6), {}),
    "poisson": ((np.array([1.0, 30.0]), (5, 2)), {}),
    "exponential": ((2.0, 8), {}),
    "standard_exponential": ((8,), {}),
    "multinomial": ((20, P), {"size": 4}),
    "multivariate_normal": ((MEAN, COV), {"size": 5}),
    "multivariate_normal_method": ((MEAN, COV), {"size": 5, "method": "cholesky"}),
    "standard_t": ((np.array([1.0, 10.0]), (4, 2)), {}),
    "lognormal": ((0.5, 0.25, 6), {}),
    "dirichlet": ((np.array([1.0, 2.0, 3.0]), 4), {}),
    "chisquare": ((3.0, 5), {}),
    "f": ((3.0, 7.0, 5), {}),
    "geometric": ((0.3, 6), {}),
    "gumbel": ((0.0, 1.0, 5), {}),
    "laplace": ((0.0, 2.0, 5), {}),
    "logistic": ((1.0, 0.5, 5), {}),
    "logseries": ((0.6, 5), {}),
    "hypergeometric": ((10, 5, 7, 6), {}),
    "noncentral_chisquare": ((3.0, 1.5, 5), {}),
    "noncentral_f": ((3.0, 5.0, 1.0, 5), {}),
    "pareto": ((3.0, 5), {}),
    "power": ((2.0, 5), {}),
    "rayleigh": ((1.5, 5), {}),
    "standard_cauchy": ((5,), {}),
    "triangular": ((0.0, 0.5, 2.0, 5), {}),
    "vonmises": ((0.0, 4.0, 5), {}),
    "wald": ((1.0, 2.0, 5), {}),
    "weibull": ((1.5, 5), {}),
    "zipf": ((2.0, 5), {}),
    "choice": ((np.arange(10), 4), {"replace": False}),
    "choice_p": ((3, 6), {"p": P}),
    "permutation": ((np.arange(8),), {}),
    "permutation_int": ((7,), {}),
    "permuted": ((np.arange(12).reshape(3, 4),), {"axis": 1}),
    "multivariate_hypergeometric": ((np.array([5, 3, 2]), 4), {"size": 3}),
    "random_float32": ((5,), {"dtype": "float32"}),
    "standard_normal_float32": ((5,), {"dtype": "float32"}),
    "standard_gamma_float32": ((2.0, 4), {"dtype": "float32"}),
}


def _method(name):
    for suffix in ("_array_bounds", "_method", "_p", "_int", "_float32"):
        if name.endswith(suffix) and name[: -len(suffix)] in DISTS:
            return name[: -len(suffix)]
    return name


def _tn_arg(v):
    if isinstance(v, np.ndarray):
        return tn.asarray(v)
    return v


@pytest.mark.parametrize("case", DISTS)
@pytest.mark.parametrize("trueno_params", [False, True])
def test_generator_matches_numpy_for_the_same_seed(case, trueno_params):
    args, kwargs = DISTS[case]
    name = _method(case)
    want = getattr(np.random.default_rng(42), name)(*args, **kwargs)
    targs = [_tn_arg(a) for a in args] if trueno_params else args
    tkw = {k: _tn_arg(v) for k, v in kwargs.items()} if trueno_params else kwargs
    if trueno_params and "dtype" in tkw:
        tkw["dtype"] = getattr(tn, tkw["dtype"])
    got = getattr(tn.random.default_rng(42), name)(*targs, **tkw)
    assert isinstance(got, tn.ndarray), f"{case}: got {type(got)}"
    assert_close(got, want, rtol=0, atol=0)
    again = getattr(tn.random.default_rng(42), name)(*targs, **tkw)
    assert_close(again, want, rtol=0, atol=0)


def test_scalar_draws_equal_numpy():
    # NumPy gives Python scalars; trueno gives the same scalar or a 0-d trueno array.
    for name, args in (("poisson", (3.0,)), ("gamma", (2.0,)), ("random", ()),
                       ("normal", ()), ("integers", (0, 100)), ("binomial", (5, 0.5))):
        got = getattr(tn.random.default_rng(1), name)(*args)
        want = getattr(np.random.default_rng(1), name)(*args)
        if isinstance(got, tn.ndarray):
            assert got.shape == ()
            got = got.item()
        assert got == want


def test_shuffle_in_place_matches_numpy():
    for axis in (0, 1):
        a = np.arange(12.0).reshape(4, 3)
        t = tn.asarray(a.copy())
        assert tn.random.default_rng(3).shuffle(t, axis=axis) is None
        np.random.default_rng(3).shuffle(a, axis=axis)
        assert_close(t, a, rtol=0, atol=0)
    lst = list(range(10))
    want = list(range(10))
    tn.random.default_rng(5).shuffle(lst)
    np.random.default_rng(5).shuffle(want)
    assert lst == want


def test_permuted_out_and_spawn_and_bit_generators():
    x = np.arange(12).reshape(3, 4)
    out = tn.zeros((3, 4), dtype=tn.int64)
    res = tn.random.default_rng(9).permuted(tn.asarray(x), axis=0, out=out)
    assert res is out
    assert_close(out, np.random.default_rng(9).permuted(x, axis=0), rtol=0, atol=0)
    kids = tn.random.default_rng(7).spawn(2)
    nkids = np.random.default_rng(7).spawn(2)
    assert all(isinstance(k, tn.random.Generator) for k in kids)
    assert_close(kids[1].random(3), nkids[1].random(3), rtol=0, atol=0)
    g = tn.random.Generator(tn.random.PCG64(11))
    assert_close(g.normal(size=3), np.random.Generator(np.random.PCG64(11)).normal(size=3))
    g = tn.random.default_rng(tn.random.SeedSequence(5))
    assert_close(g.random(2), np.random.default_rng(np.random.SeedSequence(5)).random(2))
    assert isinstance(tn.random.default_rng(0).bytes(4), bytes)
    assert isinstance(tn.random.default_rng(0).bit_generator, np.random.PCG64)


LEGACY = [("rand", (2, 3), {}), ("randn", (4,), {}), ("randint", (0, 10, 5), {}),
          ("random", ((2, 2),), {}), ("normal", (0.0, 1.0, 3), {}), ("uniform", (0, 1, 3), {}),
          ("beta", (2.0, 3.0, 4), {}), ("gamma", (2.0, 1.0, 4), {}), ("poisson", (4.0, 5), {}),
          ("binomial", (10, 0.3, 5), {}), ("exponential", (1.0, 3), {}),
          ("multivariate_normal", (MEAN, COV, 3), {}), ("dirichlet", ([1.0, 2.0], 3), {}),
          ("choice", (5, 3), {}), ("permutation", (6,), {}), ("standard_t", (3.0, 4), {}),
          ("lognormal", (0.0, 1.0, 3), {}), ("multinomial", (10, [0.5, 0.5], 2), {})]


@pytest.mark.parametrize("name,args,kwargs", LEGACY, ids=[c[0] for c in LEGACY])
def test_legacy_module_functions_match_numpy(name, args, kwargs):
    tn.random.seed(123)
    np.random.seed(123)
    got = getattr(tn.random, name)(*[_tn_arg(a) for a in args], **kwargs)
    want = getattr(np.random, name)(*args, **kwargs)
    assert isinstance(got, tn.ndarray)
    assert_close(got, np.asarray(want), rtol=0, atol=0)
    rs = tn.random.RandomState(7)
    assert_close(getattr(rs, name)(*args, **kwargs),
                 np.asarray(getattr(np.random.RandomState(7), name)(*args, **kwargs)),
                 rtol=0, atol=0)


def test_legacy_shuffle_and_state():
    tn.random.seed(1)
    np.random.seed(1)
    t = tn.arange(10)
    a = np.arange(10)
    tn.random.shuffle(t)
    np.random.shuffle(a)
    assert_close(t, a, rtol=0, atol=0)
    state = tn.random.get_state()
    x = tn.random.rand(3)
    tn.random.set_state(state)
    assert_close(tn.random.rand(3), x.numpy(), rtol=0, atol=0)
