"""Every ISA path this CPU can run passes the same kernel tests (TRUENO_SIMD_ISA forces one)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import trueno_simd

HERE = Path(__file__).parent
FEATURES = trueno_simd.cpu_features()


def features_under(isa):
    env = dict(os.environ, TRUENO_SIMD_ISA=isa)
    code = "import trueno_simd; print(trueno_simd.cpu_features()['isa'])"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


def expected(isa):
    """A forced ISA the CPU lacks falls back to the best one it has."""
    if FEATURES["neon"]:
        return "neon"
    if isa == "avx512" and FEATURES["avx512"]:
        return "avx512"
    if isa in ("avx512", "avx2") and FEATURES["avx2"]:
        return "avx2"
    return "baseline"


@pytest.mark.parametrize("isa", ["avx512", "avx2", "baseline"])
def test_forced_isa_is_reported(isa):
    assert features_under(isa) == expected(isa)


@pytest.mark.parametrize("isa", ["avx2", "baseline"])
def test_kernels_under_forced_isa(isa):
    if expected(isa) == FEATURES["isa"]:
        # the default run of this suite already covers the path this forcing selects
        assert features_under(isa) == FEATURES["isa"]
        return
    env = dict(os.environ, TRUENO_SIMD_ISA=isa)
    args = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", str(HERE),
            "--ignore", str(HERE / "test_isa.py"), "-k", "not 10m"]
    r = subprocess.run(args, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]


def test_threads_roundtrip():
    n = trueno_simd.get_num_threads()
    try:
        trueno_simd.set_num_threads(1)
        assert trueno_simd.get_num_threads() == 1
        trueno_simd.set_num_threads(3)
        assert trueno_simd.get_num_threads() == 3
    finally:
        trueno_simd.set_num_threads(n)
    with pytest.raises(ValueError):
        trueno_simd.set_num_threads(0)


def test_results_independent_of_thread_count():
    import numpy as np

    from trueno_simd import _core as k

    x = np.random.default_rng(50).standard_normal((600, 700)).astype(np.float32)
    n = trueno_simd.get_num_threads()
    results = []
    try:
        for t in (1, 2, 3):
            trueno_simd.set_num_threads(t)
            results.append((k.add(x, x), k.exp(x), k.softmax(x, 1), k.max(x, (0,)),
                            k.argmax(x), k.matmul(x[:200], x.T[:, :300])))
    finally:
        trueno_simd.set_num_threads(n)
    for other in results[1:]:
        for a, b in zip(results[0], other, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_pool_survives_fork():
    """A forked child (multiprocessing 'fork', DataLoader-style) gets a working pool."""
    import multiprocessing as mp

    import numpy as np

    from trueno_simd import _core as k

    x = np.random.default_rng(51).standard_normal(2**19).astype(np.float32)
    k.exp(x)  # the parent's pool is running
    ctx = mp.get_context("fork")
    p = ctx.Process(target=_child_work, args=(x,))
    p.start()
    p.join(timeout=120)
    if p.is_alive():
        p.kill()
    assert p.exitcode == 0


def _child_work(x):
    import os

    import numpy as np

    from trueno_simd import _core as k

    ok = np.allclose(k.exp(x), np.exp(x), rtol=1e-6) and np.isclose(k.sum(x), x.sum(), rtol=1e-4)
    os._exit(0 if ok else 1)
