"""``trueno.torch.random``, ``.special`` and ``.testing`` against torch 2.13."""

import math

import pytest
from torch_diff import check

import trueno.torch as tt

torch = pytest.importorskip("torch", reason="needs torch (the tests session installs "
                            "torch==2.13.0)")

X = [-3.0, -0.5, 0.0, 0.25, 1.0, 2.5, 7.0]
P = [0.0, 0.1, 0.5, 0.9, 1.0, 2.0, -1.0]

SPECIAL = {
    **{n: (lambda fn: lambda m: getattr(m.special, fn)(m.tensor(X)))(n)
       for n in ("erf", "erfc", "expit", "expm1", "exp2", "gammaln", "i0", "log1p", "ndtr",
                 "sinc", "digamma", "psi", "round")},
    "log_ndtr": lambda m: m.special.log_ndtr(m.tensor(X[:5])),
    "erfinv": lambda m: m.special.erfinv(m.tensor([-0.5, 0.0, 0.7])),
    "entr": lambda m: m.special.entr(m.tensor(P)),
    "logit": lambda m: m.special.logit(m.tensor(P[:5]), eps=1e-3),
    "xlogy": lambda m: m.special.xlogy(m.tensor(P), m.tensor(X)),
    "xlog1py": lambda m: m.special.xlog1py(m.tensor([0.0, 1.0, 2.0]),
                                           m.tensor([-1.0, 0.5, float("nan")])),
    "multigammaln": lambda m: m.special.multigammaln(m.tensor([2.5, 4.0]), 2),
    "round-decimals": lambda m: m.special.round(m.tensor([1.2345, -2.5551]), decimals=2),
    "round-negative-decimals": lambda m: m.special.round(m.tensor([1234.5678, -35.0, 1250.0]),
                                                         decimals=-2),
    "round-int-decimals": lambda m: m.special.round(m.tensor([15, 25]), decimals=-1),  # refused
    "softmax": lambda m: m.special.softmax(m.tensor([X, X]), 1),
    "log_softmax": lambda m: m.special.log_softmax(m.tensor([X, X]), 0),
    "logsumexp": lambda m: m.special.logsumexp(m.tensor([X, X]), 1),
    "int-input": lambda m: m.special.expit(m.tensor([0, 1, -2])),
}


@pytest.mark.parametrize("name", list(SPECIAL))
def test_special_matches_torch(name):
    check(SPECIAL[name], rtol=2e-5, atol=1e-6)


def test_random_module_seeds_and_forks_as_torch():
    for m in (tt, torch):
        m.random.manual_seed(7)
        assert m.random.initial_seed() == 7
    assert tt.rand(3).tolist() == torch.rand(3).tolist()
    for m in (tt, torch):
        with m.random.fork_rng():
            m.rand(5)
    assert tt.rand(2).tolist() == torch.rand(2).tolist()  # the fork left no trace
    state = tt.random.get_rng_state()
    a = tt.randn(4).tolist()
    tt.random.set_rng_state(state)
    assert tt.randn(4).tolist() == a
    with tt.random.fork_rng(enabled=False):
        tt.rand(1)
    assert tt.random.default_generator is tt.default_generator


def test_assert_close_passes_and_fails_as_torch():
    a = [1.0, 2.0, 3.0]
    near = [1.0, 2.0, 3.0 + 1e-6]
    far = [1.0, 2.0, 3.1]
    for m in (tt, torch):
        m.testing.assert_close(m.tensor(a), m.tensor(near))
        m.testing.assert_close(m.tensor([1, 2]), m.tensor([1, 2]))
        m.testing.assert_close(m.tensor([math.nan]), m.tensor([math.nan]), equal_nan=True)
        m.testing.assert_close(m.tensor(a), m.tensor(far), rtol=0.1, atol=0.0)
        m.testing.assert_close([m.tensor(a), m.tensor([1])], [m.tensor(near), m.tensor([1])])
        for bad, kw in ((m.tensor(far), {}), (m.tensor(a).double(), {}),
                        (m.tensor([1.0, 2.0]), {}), (m.tensor([math.nan] * 3), {})):
            with pytest.raises(AssertionError):
                m.testing.assert_close(m.tensor(a), bad, **kw)
        m.testing.assert_close(m.tensor(a), m.tensor(a).double(), check_dtype=False)
        with pytest.raises(ValueError):
            m.testing.assert_close(m.tensor(a), m.tensor(a), rtol=0.1)
    with pytest.raises(AssertionError, match="Mismatched elements: 1 / 3"):
        tt.testing.assert_close(tt.tensor(a), tt.tensor(far))
