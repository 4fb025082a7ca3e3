"""The thread pool under process limits: it runs with the threads it could start, never hangs.

Each case runs in a subprocess with a timeout: before the fix, a pool that could not start all
its threads left the started ones waiting on a destroyed condition variable and the next
parallel kernel hung forever.
"""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from trueno_simd import _core

# Runs in the child: counts the threads, checks parallel kernels give NumPy's results, and
# that set_num_threads rejects a huge request without breaking the next op.
CHILD = r"""
import resource, sys, warnings
import numpy as np
from trueno_simd import _core as k

a = np.arange(1 << 19, dtype=np.float64)   # above the elementwise and reduction grains
out = np.empty_like(a)
x = np.linspace(-3, 3, 1 << 18)
ex = np.empty_like(x)
if sys.argv[1] == "as":
    # Leave ~96 MiB of address space: a few 8 MiB thread stacks fit, 199 do not.
    vm = [l for l in open("/proc/self/status") if l.startswith("VmSize:")][0]
    limit = int(vm.split()[1]) * 1024 + (96 << 20)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    n = k.get_num_threads()
for _ in range(3):
    assert np.array_equal(k.add(a, a, out=out), a + a)
    assert float(k.sum(a)) == float(a.sum())
    assert np.allclose(k.exp(x, out=ex), np.exp(x))
try:
    k.set_num_threads(2**31)
except ValueError as e:
    assert "2147483648" in str(e) and "set_num_threads" in str(e), e
else:
    raise AssertionError("set_num_threads(2**31) was accepted")
assert k.get_num_threads() == n
assert np.array_equal(k.add(a, a, out=out), a + a)
with warnings.catch_warnings(record=True):
    warnings.simplefilter("always")
    k.set_num_threads(200)           # asks again under the same limit: degrades again
    m = k.get_num_threads()
assert np.array_equal(k.add(a, a, out=out), a + a)
print(n, m, "|".join(str(w.message) for w in caught))
"""


def run_child(mode, prefix=(), preexec_fn=None):
    """Run CHILD with TRUENO_NUM_THREADS=200; returns (threads, threads again, warnings)."""
    env = dict(os.environ, TRUENO_NUM_THREADS="200", OPENBLAS_NUM_THREADS="1",
               OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    proc = subprocess.run([*prefix, sys.executable, "-c", CHILD, mode], env=env, cwd="/",
                          capture_output=True, text=True, timeout=120, preexec_fn=preexec_fn)
    assert proc.returncode == 0, proc.stderr
    n, m, notes = proc.stdout.strip().split(" ", 2)
    return int(n), int(m), notes


def test_pool_degrades_when_address_space_runs_out():
    # RLIMIT_AS applies to every user, root included, so this case runs everywhere.
    n, m, notes = run_child("as")
    assert 1 <= n < 200 and 1 <= m < 200
    assert f"could start only {n} of 200 threads" in notes


def pids_cgroup():
    """A fresh cgroup-v1 pids group this (root) process may create, else None."""
    root = "/sys/fs/cgroup/pids"
    if not os.access(root, os.W_OK):
        return None
    path = os.path.join(root, f"trueno-test-{os.getpid()}")
    try:
        os.mkdir(path)
    except OSError:
        return None
    return path


def test_pool_degrades_under_a_pids_limit():
    # The repro is `prlimit --nproc`. NOTE: RLIMIT_NPROC never applies to root (the
    # kernel exempts uid 0 and CAP_SYS_RESOURCE), and the interpreter may sit in a directory
    # only root can read, so as root the child joins a cgroup whose pids.max is 4 instead
    # (its main thread and up to 3 workers). As another user, `prlimit --nproc=1` is already
    # reached by the user's other processes, so no worker starts.
    if os.geteuid() != 0:
        if shutil.which("prlimit") is None:
            pytest.skip("prlimit (util-linux) is not installed")
        n, m, notes = run_child("nproc", ("prlimit", "--nproc=1"))
        assert n == 1 and m == 1
    else:
        group = pids_cgroup()
        if group is None:
            pytest.skip("root without a writable cgroup-v1 pids hierarchy")
        try:
            with open(os.path.join(group, "pids.max"), "w") as f:
                f.write("4")

            def join():
                with open(os.path.join(group, "cgroup.procs"), "w") as f:
                    f.write(str(os.getpid()))

            n, m, notes = run_child("nproc", preexec_fn=join)
        finally:
            os.rmdir(group)
        assert 1 <= n <= 4 and 1 <= m <= 4
    assert f"could start only {n} of 200 threads" in notes


@pytest.mark.parametrize("bad", [0, -1, 2**31, 10**30, 1025])
def test_set_num_threads_rejects_out_of_range(bad):
    before = _core.get_num_threads()
    with pytest.raises(ValueError, match=r"set_num_threads\(n\): n must be between 1 and 1024"):
        _core.set_num_threads(bad)
    assert _core.get_num_threads() == before
    a = np.arange(1 << 18, dtype=np.float32)
    np.testing.assert_array_equal(_core.add(a, a), a + a)


@pytest.mark.parametrize("bad", [2.5, "4", None, True])
def test_set_num_threads_rejects_non_integers(bad):
    with pytest.raises(TypeError, match=r"set_num_threads\(n\): n must be an int"):
        _core.set_num_threads(bad)


def test_set_num_threads_round_trip():
    before = _core.get_num_threads()
    try:
        _core.set_num_threads(3)
        assert _core.get_num_threads() == 3
        a = np.arange(1 << 19, dtype=np.float64)
        np.testing.assert_array_equal(_core.multiply(a, a), a * a)
    finally:
        _core.set_num_threads(before)
