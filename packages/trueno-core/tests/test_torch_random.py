"""The PyTorch face's random streams are torch 2.13's CPU streams, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

import trueno.torch as tt

torch = pytest.importorskip("torch")

SIZES = [1, 7, 15, 16, 17, 100, 1000]
SHAPE2 = (13, 9)  # 117 elements: normal_fill with a tail block
DTYPES = [("float32", np.float32), ("float64", np.float64)]


def same(ours, theirs) -> None:
    """Bit-identical values, dtype and shape."""
    a = ours._host() if isinstance(ours, tt.Tensor) else np.asarray(ours)
    b = theirs.numpy()
    assert a.dtype == b.dtype and a.shape == b.shape
    assert torch.equal(torch.from_numpy(np.ascontiguousarray(a)), theirs), (a, b)


def both(seed: int):
    tt.manual_seed(seed)
    torch.manual_seed(seed)


@pytest.mark.parametrize("n", SIZES + [SHAPE2])
@pytest.mark.parametrize("dname,_np", DTYPES)
def test_rand_randn(n, dname, _np):
    both(n if isinstance(n, int) else 5)
    shape = n if isinstance(n, tuple) else (n,)
    for _ in range(2):  # twice: the second call starts mid-stream
        same(tt.rand(*shape, dtype=getattr(tt, dname)), torch.rand(*shape,
                                                                   dtype=getattr(torch, dname)))
        same(tt.randn(*shape, dtype=getattr(tt, dname)), torch.randn(*shape,
                                                                     dtype=getattr(torch, dname)))


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dname,_np", DTYPES)
def test_normal_uniform_inplace(n, dname, _np):
    both(3)
    a = tt.zeros(n, dtype=getattr(tt, dname))
    b = torch.zeros(n, dtype=getattr(torch, dname))
    same(a.normal_(0.3, 2.5), b.normal_(0.3, 2.5))
    same(a.uniform_(-1.7, 3.1), b.uniform_(-1.7, 3.1))
    same(a.normal_(), b.normal_())
    same(tt.normal(-2.0, 0.5, (n,), dtype=getattr(tt, dname)),
         torch.normal(-2.0, 0.5, (n,), dtype=getattr(torch, dname)))


def test_normal_tensor_arguments():
    both(11)
    m, s = np.linspace(-3, 3, 20, dtype=np.float32), np.linspace(0.1, 2, 20, dtype=np.float32)
    same(tt.normal(tt.tensor(m), tt.tensor(s)), torch.normal(torch.tensor(m), torch.tensor(s)))
    same(tt.normal(tt.tensor(m), 2.0), torch.normal(torch.tensor(m), 2.0))
    same(tt.normal(0.5, tt.tensor(s)), torch.normal(0.5, torch.tensor(s)))


def test_scalar_normal_cache_carries_over():
    """Small randn caches its second Box-Muller value in the generator, as PyTorch does."""
    both(7)
    for n in (1, 3, 16, 1, 2, 5):
        same(tt.randn(n, dtype=tt.float64), torch.randn(n, dtype=torch.float64))
        same(tt.randn(n), torch.randn(n))


@pytest.mark.parametrize("n", SIZES)
def test_randint_randperm(n):
    both(n)
    same(tt.randint(0, 10, (n,)), torch.randint(0, 10, (n,)))
    same(tt.randint(-5, 1 << 40, (n,)), torch.randint(-5, 1 << 40, (n,)))
    same(tt.randint(3, (n, 2)), torch.randint(3, (n, 2)))
    same(tt.randint(0, 100, (n,), dtype=tt.float32),
         torch.randint(0, 100, (n,), dtype=torch.float32))
    same(tt.randperm(n), torch.randperm(n))
    same(tt.rand(3), torch.rand(3))  # the state advanced the same


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dname,_np", DTYPES)
def test_bernoulli(n, dname, _np):
    both(n + 1)
    p = np.linspace(0, 1, n).astype(_np)
    same(tt.bernoulli(tt.tensor(p)), torch.bernoulli(torch.tensor(p)))
    x, y = tt.zeros(n, dtype=getattr(tt, dname)), torch.zeros(n, dtype=getattr(torch, dname))
    same(x.bernoulli_(0.3), y.bernoulli_(0.3))  # the dropout mask's draw
    same(x.bernoulli_(tt.tensor(p)), y.bernoulli_(torch.tensor(p)))
    same(tt.bernoulli(x, 0.7), torch.bernoulli(y, 0.7))
    same(tt.rand(2), torch.rand(2))


@pytest.mark.parametrize("dname,_np", DTYPES)
@pytest.mark.parametrize("k,replacement", [(1, False), (1, True), (4, False), (5, True),
                                           (40, True)])
def test_multinomial(dname, _np, k, replacement):
    both(k)
    w = np.linspace(0.1, 3.0, 12).astype(_np)
    same(tt.multinomial(tt.tensor(w), k, replacement),
         torch.multinomial(torch.tensor(w), k, replacement))
    w2 = np.abs(np.sin(np.arange(30.0))).reshape(3, 10).astype(_np)
    same(tt.multinomial(tt.tensor(w2), k if k <= 10 or replacement else 10, replacement),
         torch.multinomial(torch.tensor(w2), k if k <= 10 or replacement else 10,
                           replacement))
    same(tt.rand(2), torch.rand(2))


def test_exponential():
    both(2)
    same(tt.zeros(50).exponential_(), torch.zeros(50).exponential_())
    same(tt.zeros(9, dtype=tt.float64).exponential_(2.5),
         torch.zeros(9, dtype=torch.float64).exponential_(2.5))


def test_like_and_interleaved_sequence():
    both(2024)
    for i in range(3):
        same(tt.rand_like(tt.zeros(5, 4)), torch.rand_like(torch.zeros(5, 4)))
        same(tt.randn_like(tt.zeros(33, dtype=tt.float64)),
             torch.randn_like(torch.zeros(33, dtype=torch.float64)))
        same(tt.randn(3), torch.randn(3))
        same(tt.randint(0, 7, (i + 1,)), torch.randint(0, 7, (i + 1,)))
        same(tt.randperm(10 + i), torch.randperm(10 + i))
        same(tt.rand(700), torch.rand(700))  # crosses the 624-word twist


def test_generator_objects_and_state():
    g1, g2 = tt.Generator().manual_seed(42), torch.Generator().manual_seed(42)
    assert tt.Generator().initial_seed() == torch.Generator().initial_seed()
    same(tt.randn(20, generator=g1), torch.randn(20, generator=g2))
    same(tt.rand(5, generator=g1), torch.rand(5, generator=g2))
    # the state bytes are PyTorch's layout: they move both ways
    assert np.array_equal(g1.get_state()._host(), g2.get_state().numpy())
    tt.randn(3, generator=g1)  # leaves a cached normal in the state
    torch.randn(3, generator=g2)
    state = g2.get_state()
    assert np.array_equal(g1.get_state()._host(), state.numpy())
    g3 = tt.Generator().set_state(tt.tensor(state.numpy()))
    same(tt.randn(5, generator=g3), torch.randn(5, generator=g2))
    # the global generator is untouched by the others
    both(5)
    tt.rand(3, generator=g1)
    same(tt.rand(4), torch.rand(4))
    tt.set_rng_state(tt.tensor(torch.get_rng_state().numpy()))
    same(tt.randn(17), torch.randn(17))
    assert tt.manual_seed(-1).initial_seed() == torch.manual_seed(-1).initial_seed()
    same(tt.rand(3), torch.rand(3))


def test_errors():
    with pytest.raises(RuntimeError):
        tt.manual_seed(1 << 64)
    with pytest.raises(RuntimeError):
        tt.Generator().set_state(tt.zeros(10, dtype=tt.uint8))
    with pytest.raises(RuntimeError):
        tt.randint(5, 5, (2,))
    with pytest.raises(RuntimeError):
        tt.multinomial(tt.tensor([0.5, 0.5]), 3)
    with pytest.raises(ValueError):
        tt.zeros(3).bernoulli_(1.5)


_DEFAULT_BUILD_SCRIPT = """
import numpy as np, torch, trueno.torch as tt
from trueno.torch import _random_engine as E
assert E.CAPABILITY == "default" and torch.backends.cpu.get_cpu_capability() == "DEFAULT"
bad = []
def same(name, a, b):
    if not np.array_equal(a._host().view(np.uint8), b.numpy().view(np.uint8)):
        bad.append(name)
for seed, n in [(0, 16), (1, 17), (2, 100), (3, 1000), (4, 5)]:
    tt.manual_seed(seed); torch.manual_seed(seed)
    same(f"randn {n}", tt.randn(n), torch.randn(n))
    same(f"randn64 {n}", tt.randn(n, dtype=tt.float64), torch.randn(n, dtype=torch.float64))
    for dt in ("float32", "float64"):
        a, b = tt.zeros(n, dtype=getattr(tt, dt)), torch.zeros(n, dtype=getattr(torch, dt))
        same(f"uniform_ {dt} {n}", a.uniform_(-1.7, 3.1), b.uniform_(-1.7, 3.1))
        same(f"normal_ {dt} {n}", a.normal_(0.3, 2.5), b.normal_(0.3, 2.5))
print("BAD", bad)
"""


def test_default_capability_build(tmp_path):
    """With ATEN_CPU_CAPABILITY=default torch runs its generic kernels (libm logf/cosf/sinf,
    no fused multiply-adds); trueno follows the same variable."""
    import os
    import subprocess
    import sys
    env = dict(os.environ, ATEN_CPU_CAPABILITY="default")
    res = subprocess.run([sys.executable, "-c", _DEFAULT_BUILD_SCRIPT], env=env,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "BAD []" in res.stdout, res.stdout


@pytest.mark.parametrize("n", [7, 100, 1000])
def test_dropout_mask(n):
    """F.dropout on CPU is ``x * empty_like(x).bernoulli_(1 - p).div_(1 - p)``: the same
    mask comes from bernoulli_(1 - p) here."""
    both(n)
    ref = torch.nn.functional.dropout(torch.ones(n), 0.3, training=True)
    mask = tt.zeros(n).bernoulli_(0.7)
    assert np.array_equal(mask._host() != 0, ref.numpy() != 0)
    same(tt.ones(n) * (mask / 0.7), ref)


def test_randint_like_and_generator_device():
    both(8)
    same(tt.randint_like(tt.zeros(4, 3), 0, 9), torch.randint_like(torch.zeros(4, 3), 0, 9))
    same(tt.randint_like(tt.zeros(6), 5), torch.randint_like(torch.zeros(6), 5))
    assert str(tt.Generator().device) == str(torch.Generator().device) == "cpu"


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_half_precision_streams(name):
    """half/bfloat16 draw float32 uniforms and run the float32 Box-Muller per block of 16."""
    both(1)
    for n in (5, 16, 40):
        a = tt.randn(n, dtype=getattr(tt, name))._host().astype(np.float32)
        assert np.array_equal(a, torch.randn(n, dtype=getattr(torch, name)).float().numpy())
        a = tt.rand(n, dtype=getattr(tt, name))._host().astype(np.float32)
        assert np.array_equal(a, torch.rand(n, dtype=getattr(torch, name)).float().numpy())
        a = tt.zeros(n, dtype=getattr(tt, name)).uniform_(-1.7, 3.1)._host().astype(np.float32)
        b = torch.zeros(n, dtype=getattr(torch, name)).uniform_(-1.7, 3.1).float().numpy()
        assert np.array_equal(a, b)


@pytest.mark.parametrize("dname", ["float32", "float64"])
def test_inplace_on_non_contiguous_views(dname):
    """A strided view is filled in memory order, and normal_ takes the scalar path there."""
    both(9)
    a, b = tt.zeros(6, 5, dtype=getattr(tt, dname)), torch.zeros(6, 5, dtype=getattr(torch, dname))
    same(a.t().normal_(1.0, 2.0), b.t().normal_(1.0, 2.0))
    same(a, b)
    same(a.t().uniform_(-2.0, 2.0), b.t().uniform_(-2.0, 2.0))
    same(a[:, ::2].bernoulli_(0.4), b[:, ::2].bernoulli_(0.4))
    p = np.linspace(0, 1, 30).reshape(5, 6).astype(dname)
    same(a.t().bernoulli_(tt.tensor(p)), b.t().bernoulli_(torch.tensor(p)))
    same(a.t().exponential_(), b.t().exponential_())
    same(a, b)
    same(tt.randn(4), torch.randn(4))


@pytest.mark.parametrize("n", [1, 7, 16, 100, 1000])
@pytest.mark.parametrize("dname,_np", DTYPES)
def test_other_inplace_distributions(n, dname, _np):
    both(n)
    a, b = tt.zeros(n, dtype=getattr(tt, dname)), torch.zeros(n, dtype=getattr(torch, dname))
    same(a.cauchy_(1.3, 0.7), b.cauchy_(1.3, 0.7))
    same(a.log_normal_(0.2, 0.7), b.log_normal_(0.2, 0.7))
    same(a.geometric_(0.3), b.geometric_(0.3))
    same(a.random_(), b.random_())
    same(a.random_(-3, 70), b.random_(-3, 70))
    same(a.random_(10), b.random_(10))
    same(tt.rand(3), torch.rand(3))


@pytest.mark.parametrize("dname", ["int64", "int32", "int16", "uint8", "bool"])
def test_random_on_integer_dtypes(dname):
    both(4)
    a, b = tt.zeros(50, dtype=getattr(tt, dname)), torch.zeros(50, dtype=getattr(torch, dname))
    same(a.random_(), b.random_())
    same(a.random_(0, 2), b.random_(0, 2))


def test_tensor_methods_bernoulli_multinomial():
    both(6)
    p = np.linspace(0.05, 0.95, 20).astype(np.float32)
    same(tt.tensor(p).bernoulli(), torch.tensor(p).bernoulli())
    same(tt.tensor(p).multinomial(3), torch.tensor(p).multinomial(3))
