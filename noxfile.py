"""Sessions people run: ``nox -s demo``, ``tests``, ``lint``, ``build``, ``bench``, ``tier1``,
``latest``.

Every session installs the whole checkout into a fresh virtual environment (pip, nox's default
virtualenv backend), so a missing install step fails here as it would on a new machine.
"""

from __future__ import annotations

import os
import pathlib

import nox

ROOT = pathlib.Path(__file__).parent
# Every install in every session is pinned by this one file (docs/design.md §9). Set as
# PIP_CONSTRAINT so that pip's isolated build environments (hatchling, scikit-build-core,
# pybind11, cmake) are pinned too, not only the packages named on the command line.
CONSTRAINTS = ROOT / "constraints.txt"
nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = False

# Torch is a test/benchmark dependency only, pinned exactly: any other spec downloads
# gigabytes of CUDA packages. It is installed before anything that could pull it in.
TORCH = "torch==2.13.0"
PURE = ["packages/trueno-core", "packages/trueno-autograd", "packages/trueno-gpu",
        "packages/trueno-nn", "packages/trueno-hub"]
# safetensors and tensorboard cross-check the checkpoint and SummaryWriter files; scikit-learn
# (its bundled digits), tqdm and matplotlib run the examples.
TEST_DEPS = ["pytest>=8", "pytest-xdist", "hypothesis>=6.100", "scipy", "safetensors",
             "tensorboard", "scikit-learn", "tqdm", "matplotlib"]
# The big pure-Python suites (core twice, nn) run in this many pytest-xdist workers: CI has 2
# cores, and each suite is minutes of single-threaded Python. The others stay in one process
# (a worker's start-up, ~10 s of imports, would cost more than it saves; lavapipe already
# runs a GPU test's kernels on every core).
WORKERS = os.environ.get("TRUENO_TEST_WORKERS", "2")
CORE_TESTS = "packages/trueno-core/tests"


def pin(session: nox.Session) -> None:
    """Make every pip command of this session honour constraints.txt."""
    session.env["PIP_CONSTRAINT"] = str(CONSTRAINTS)


def install_trueno(session: nox.Session, *extra: str) -> None:
    """The whole checkout in one pip command: pure packages editable, the C++ one built."""
    pin(session)
    args = []
    for p in PURE:
        args += ["-e", p]
    session.install(*args, "./packages/trueno-simd", "-e", ".[all]", *extra)


@nox.session
def demo(session: nox.Session) -> None:
    """Install trueno and run the demo (NumPy-style work, both faces, the backends found), then
    train a CNN on handwritten digits (examples/digits_cnn.py); ``-- --device gpu`` trains on
    the GPU backend."""
    install_trueno(session, "scikit-learn", "tqdm", "matplotlib")
    session.run("python", "tools/demo.py", *session.posargs)


def _pytest(session: nox.Session, *paths: str, backend: str | None = None,
            env: dict | None = None, workers: str | None = None) -> None:
    env = {**(env or {}), **({"TRUENO_BACKEND": backend} if backend else {})}
    spread = ["-n", workers] if workers and workers not in ("0", "1") else []
    session.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", *spread, *paths,
                *session.posargs, env=env)


@nox.session
def tests(session: nox.Session) -> None:
    """Everything CI runs (tier 2): core twice (reference and SIMD forced), then each package."""
    pin(session)
    session.install(TORCH)
    install_trueno(session, *TEST_DEPS, "-e", "tools/example_plugins/trueno-toy",
                   "-e", "tools/example_plugins/trueno-example-override")
    session.run("python", "tools/check_env.py")
    _pytest(session, CORE_TESTS, backend="reference", workers=WORKERS)
    _pytest(session, CORE_TESTS, "-m", "not slow", backend="simd", workers=WORKERS)
    # One pytest run per package: each has its own conftest.py (test helpers), and
    # pytest imports every conftest under the same module name.
    for tests_dir in ("packages/trueno-simd/tests", "packages/trueno-autograd/tests",
                      "packages/trueno-gpu/tests", "packages/trueno-nn/tests",
                      "packages/trueno-hub/tests", "tools/example_plugins/tests"):
        _pytest(session, tests_dir, workers=WORKERS if tests_dir.endswith("nn/tests") else None)
    # Mesa's lavapipe compiles shaders differently with LP_FORCE_SSE2=1 (as on another CPU):
    # the GPU numerics must not depend on it (docs/design.md §10). Real GPUs ignore it.
    _pytest(session, "packages/trueno-gpu/tests", env={"LP_FORCE_SSE2": "1"})


@nox.session
def tier1(session: nox.Session) -> None:
    """Fast unit tests of core only (under a minute)."""
    pin(session)
    session.install("-e", "packages/trueno-core", *TEST_DEPS)
    _pytest(session, CORE_TESTS, "-x", "-m", "not slow")


@nox.session
def latest(session: nox.Session) -> None:
    """Tier 1 against the newest releases the declared ranges allow (no constraints file)."""
    session.install("-e", "packages/trueno-core", *TEST_DEPS)
    _pytest(session, CORE_TESTS, "-m", "not slow")


@nox.session
def lint(session: nox.Session) -> None:
    pin(session)
    session.install("ruff")
    session.run("ruff", "check", ".")


@nox.session
def build(session: nox.Session) -> None:
    """Build a wheel and an sdist of every package into dist/."""
    pin(session)
    session.install("build")
    out = ROOT / "dist"
    for p in [".", *PURE, "packages/trueno-simd"]:
        session.run("python", "-m", "build", "--outdir", str(out), p)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks (not tests): ratios against NumPy and PyTorch measured side by side."""
    pin(session)
    session.install(TORCH)
    install_trueno(session, "matplotlib")
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    session.run("python", "tools/bench/bench_overhead.py", "--json", str(out / "overhead.json"))
    for name in ("bench_simd", "bench_autograd"):
        script = ROOT / "tools" / "bench" / f"{name}.py"
        if script.exists():
            session.run("python", str(script), "--json", str(out / f"{name}.json"),
                        env={"OMP_NUM_THREADS": str(os.cpu_count() or 1)})
