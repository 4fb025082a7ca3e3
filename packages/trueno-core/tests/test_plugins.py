"""Plugin loading: broken plugins warn and never break ``import trueno``; pluggy stays off
the per-call path."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import trueno as tn
from trueno_core_helpers import plugin_row


def _run(code, extra_path=None, **env):
    e = {**os.environ, **env}
    e = {k: v for k, v in e.items() if v is not None}  # None: unset the variable
    if extra_path:
        e["PYTHONPATH"] = os.pathsep.join([str(extra_path), e.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-c", code], env=e, capture_output=True, text=True)


def test_broken_plugin_warns_with_its_name_and_reason(tmp_path):
    dist = tmp_path / "broken_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[trueno]\nbroken = no_such_module_for_trueno\n")
    code = textwrap.dedent("""
        import warnings
        warnings.simplefilter("always")
        import trueno as tn
        print((tn.ones(2) + 1).tolist())
        print(sorted(b["name"] for b in tn.backends()))
    """)
    r = _run(code, tmp_path)
    assert r.returncode == 0, r.stderr
    assert "[2.0, 2.0]" in r.stdout
    assert "broken" in r.stderr and "no_such_module_for_trueno" in r.stderr


def test_kernel_lookup_is_cached_and_pluggy_is_not_called_per_op(monkeypatch):
    a = tn.ones(4)
    a + a  # fill the cache
    import pluggy
    calls = []
    orig = pluggy.HookCaller.__call__

    def spy(self, *args, **kwargs):
        calls.append(self.name)
        return orig(self, *args, **kwargs)
    monkeypatch.setattr(pluggy.HookCaller, "__call__", spy)
    for _ in range(100):
        a = a + a
    assert calls == []
    assert tn.OPS["add"].kcache, "the add kernel should be cached"


def test_reference_backend_is_registered_through_the_hook():
    names = {b["name"]: b for b in tn.backends()}
    assert names["reference"]["priority"] == 0
    assert names["reference"]["devices"] == ("cpu",)
    assert names["reference"]["plugin"] == "reference"


def test_reference_backend_has_a_kernel_for_every_op():
    from trueno._registry import load_plugins
    import trueno.fft  # noqa: F401  (modules that add ops when imported)
    import trueno.linalg  # noqa: F401
    reg = load_plugins()
    ref = reg.backends["reference"]
    # views and device moves are metadata work done by core itself, not kernels
    # a plugin's rows (trueno-nn's) run their decomposition on every device, and so do
    # composite rows without a NumPy twin that have no NumPy kernel of their own (selu,
    # xlog1py: a row and a decomposition only; the generated tests compare them with their
    # ``reference`` or PyTorch twin)
    missing = [n for n, row in tn.OPS.items() if ref.kernel(n, "float64") is None
               and row.shape != "view" and n != "to_device" and not plugin_row(row)
               and not (row.numpy_name is None and row._decomposition is not None)]
    assert missing == []
    # a row with a NumPy twin always has it as its reference kernel
    assert all(ref.kernel(r.name, "float64") is not None for r in tn.OPS.values()
               if r.shape == "broadcast" and r.numpy_name is not None)
    assert reg.unknown_kernels() == {}


def test_use_backend_unknown_name_is_a_clear_error():
    with pytest.raises(tn.BackendError, match="unknown backend 'nope'"):
        with tn.use_backend("nope"):
            pass


def test_env_var_forces_reference_backend():
    r = _run("import trueno as tn, trueno._registry as R; print(R.forced_backend()); "
             "print((tn.ones(3) * 2).tolist())", TRUENO_BACKEND="reference")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["reference", "[2.0, 2.0, 2.0]"]


def test_missing_extra_errors_name_the_install_command():
    r = _run("import trueno as tn; tn.ones(2).requires_grad_()",
             TRUENO_BLOCK_PLUGINS="autograd")
    assert r.returncode != 0
    assert "pip install 'trueno[autograd]'" in r.stderr
    with pytest.raises(ImportError):
        import trueno.hub  # noqa: F401  (skeleton or missing: an ImportError either way)


def test_module_getattr_is_an_attribute_error_with_the_install_hint():
    """``hasattr(trueno, "gpu")``/``hasattr(trueno, "nn")`` are False, never an ImportError;
    the AttributeError says what to install, and ``import trueno.nn`` still raises the
    shim's ImportError."""
    assert not hasattr(tn, "gpu")
    with pytest.raises(AttributeError, match=r"device='gpu'.*pip install 'trueno\[gpu\]'"):
        tn.gpu  # noqa: B018
    code = textwrap.dedent("""
        import sys
        sys.modules['trueno_nn'] = None
        import trueno
        print(hasattr(trueno, 'nn'), hasattr(trueno, 'optim'), hasattr(trueno, 'linalg'))
        try:
            trueno.nn
        except AttributeError as e:
            print('AE', e)
        try:
            import trueno.nn
        except ImportError as e:
            print(type(e).__name__, e)
    """)
    r = _run(code)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "False False True"
    assert lines[1].startswith("AE module 'trueno' has no attribute 'nn'")
    assert "pip install 'trueno[nn]'" in lines[1]
    assert lines[2].startswith("MissingExtraError") and "pip install 'trueno[nn]'" in lines[2]


def test_bad_trueno_num_threads_warns_by_name_and_never_breaks_import():
    code = ("import warnings; warnings.simplefilter('always')\n"
            "import os, trueno as tn\n"
            "print(tn.get_num_threads(), min(os.cpu_count() or 1, 1024), "
            "(tn.ones(3) * 2).tolist())")
    cases = (("abc", None), ("-1", None), ("2.5", None), ("99999", 1024), ("3", 3), ("0", None))
    # The six imports run at once: each is a second or more of single-threaded start-up.
    procs = [subprocess.Popen([sys.executable, "-c", code], text=True, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE,
                              env={**os.environ, "TRUENO_NUM_THREADS": value})
             for value, _ in cases]
    outs = [p.communicate(timeout=300) for p in procs]
    for (value, want), p, (stdout, stderr) in zip(cases, procs, outs, strict=True):
        r = subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr)
        assert r.returncode == 0, (value, r.stderr)
        got, default, result = r.stdout.split(" ", 2)
        assert result.strip() == "[2.0, 2.0, 2.0]"
        assert int(got) == (want if want is not None else int(default)), value
        if value in ("3", "0"):
            assert "TRUENO_NUM_THREADS" not in r.stderr
        else:
            assert f"TRUENO_NUM_THREADS={value!r}" in r.stderr, (value, r.stderr)


def test_set_num_threads_rejects_bad_counts():
    before = tn.get_num_threads()
    try:
        for bad in (0, -1, 2**31, tn._threads.MAX_THREADS + 1):
            with pytest.raises(ValueError, match="n must be from 1 to 1024") as e:
                tn.set_num_threads(bad)
            assert isinstance(e.value, tn.TruenoError)
        for bad in (2.0, "3", True, None):
            with pytest.raises(TypeError, match="n must be an integer") as e:
                tn.set_num_threads(bad)
            assert isinstance(e.value, tn.TruenoError)
        assert tn.get_num_threads() == before
        tn.set_num_threads(np.int64(1))
        assert tn.get_num_threads() == 1
        np.testing.assert_array_equal((tn.ones(5000) * 2).numpy(), np.full(5000, 2.0))
    finally:
        tn.set_num_threads(before)


# --- all-or-nothing registration, misspelled hooks, the first-result check ------------------


def _plugin(name, **hooks):
    """A plugin module whose hooks are the given functions (as an entry point would load)."""
    import types
    mod = types.ModuleType(name)
    for hook, fn in hooks.items():
        setattr(mod, hook, tn.hookimpl(fn))
    return mod


def _register(mod, name):
    import warnings

    from trueno._registry import register_plugin
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ok = register_plugin(mod, name)
    return ok, [str(w.message) for w in caught]


def _neg_spy(calls, fn=np.negative):
    def negative(x):
        calls.append(x.dtype)
        return fn(x)
    return negative


def test_plugin_that_raises_half_way_leaves_nothing_behind(unforced):
    from trueno._registry import registry, unregister_plugin
    calls = []
    exp_rule = registry.gradients.get("exp")

    def ops(registry):
        registry.add_op(tn.Op("_tx_only_op", 1))

    def backends(registry):
        registry.add_backend("tx_half", devices=("cpu",), priority=99,
                             kernels={"negative": {"float64": _neg_spy(calls)}})

    def gradients(registry):
        registry.add_gradient("exp", lambda *a: None)  # replaces a rule, then fails
        raise RuntimeError("boom after registering")
    mod = _plugin("tx_half_mod", trueno_register_ops=ops, trueno_register_backends=backends,
                  trueno_register_gradients=gradients)
    try:
        ok, warned = _register(mod, "tx_half")
        assert ok is False
        assert any("'tx_half'" in w and "skipped" in w and "boom after registering" in w
                   for w in warned), warned
        assert "tx_half" not in registry.backends and "tx_half" not in registry.plugins
        assert "_tx_only_op" not in tn.OPS
        assert registry.gradients.get("exp") is exp_rule
        assert "boom" in registry.failed["tx_half"]
        np.testing.assert_array_equal((-tn.asarray([1.0, -2.0])).numpy(), [-1.0, 2.0])
        assert calls == []  # the skipped plugin's kernel never runs
    finally:
        unregister_plugin("tx_half")


def test_plugin_that_registers_fully_is_active_and_can_be_removed(unforced):
    from trueno._registry import registry, unregister_plugin
    calls = []

    def backends(registry):
        registry.add_backend("tx_ok", devices=("cpu",), priority=99,
                             kernels={"negative": {"float64": _neg_spy(calls)}})
    try:
        ok, warned = _register(_plugin("tx_ok_mod", trueno_register_backends=backends), "tx_ok")
        assert ok and warned == []
        np.testing.assert_array_equal((-tn.asarray([1.0, -2.0])).numpy(), [-1.0, 2.0])
        assert len(calls) == 1
    finally:
        unregister_plugin("tx_ok")
    assert "tx_ok" not in registry.backends
    -tn.asarray([1.0])
    assert len(calls) == 1


def test_misspelled_hook_skips_the_plugin_with_a_warning(unforced):
    from trueno._registry import registry, unregister_plugin
    calls = []

    def trueno_register_backend(registry):  # missing "s": pluggy's check_pending catches it
        registry.add_backend("tx_typo", devices=("cpu",), priority=99,
                             kernels={"negative": _neg_spy(calls)})
    mod = _plugin("tx_typo_mod", trueno_register_backend=trueno_register_backend)
    try:
        ok, warned = _register(mod, "tx_typo")
        assert ok is False
        assert any("'tx_typo'" in w and "trueno_register_backend" in w and "skipped" in w
                   for w in warned), warned
        assert "tx_typo" not in registry.backends and "tx_typo" not in registry.plugins
        -tn.asarray([1.0])
        assert calls == []
    finally:
        unregister_plugin("tx_typo")


def _dist(tmp_path, name, source):
    """A throwaway installed plugin: a module and a dist-info with its entry point."""
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
    dist = tmp_path / f"{name}-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[trueno]\n{name} = {name}\n")


_PROBE = textwrap.dedent("""
    import warnings
    warnings.simplefilter("always")
    import trueno as tn
    print((-tn.asarray([1.0, -2.0])).tolist())
    print(sorted(b["name"] for b in tn.backends()))
    import trueno._registry as R
    print("_half_op" in tn.OPS, sorted(R.registry.failed))
""")


def test_entry_point_plugin_failing_half_way_or_misspelled_is_skipped_whole(tmp_path):
    _dist(tmp_path, "half_plugin", """
        import numpy as np
        import trueno

        @trueno.hookimpl
        def trueno_register_ops(registry):
            registry.add_op(trueno.Op("_half_op", 1))

        @trueno.hookimpl
        def trueno_register_backends(registry):
            registry.add_backend("half", devices=("cpu",), priority=99,
                                 kernels={"negative": lambda x: np.zeros_like(x)})
            raise ValueError("half way")
    """)
    _dist(tmp_path, "typo_plugin", """
        import numpy as np
        import trueno

        @trueno.hookimpl
        def trueno_register_backend(registry):
            registry.add_backend("typo", devices=("cpu",), priority=99,
                                 kernels={"negative": lambda x: np.zeros_like(x)})
    """)
    r = _run(_PROBE, tmp_path, TRUENO_BACKEND=None)
    assert r.returncode == 0, r.stderr
    out = r.stdout.splitlines()
    assert out[0] == "[-1.0, 2.0]"  # neither plugin's kernel is active
    assert "half" not in out[1] and "typo" not in out[1] and "reference" in out[1]
    assert out[2] == "False ['half_plugin', 'typo_plugin']"
    assert "'half_plugin'" in r.stderr and "half way" in r.stderr
    assert "'typo_plugin'" in r.stderr and "trueno_register_backend" in r.stderr


@pytest.mark.parametrize("wrong", ["shape", "dtype"])
def test_a_kernel_whose_first_result_breaks_the_row_rule_is_an_error(wrong, unforced):
    from trueno._registry import unregister_plugin
    bad = (lambda x: np.negative(x)[:1]) if wrong == "shape" else \
        (lambda x: np.negative(x).astype(np.float32))

    def backends(registry):
        registry.add_backend("tx_bad", devices=("cpu",), priority=99,
                             kernels={"negative": {"float64": bad}})
    try:
        assert _register(_plugin("tx_bad_mod", trueno_register_backends=backends), "tx_bad")[0]
        with pytest.raises(tn.BackendError) as e:
            -tn.asarray([1.0, -2.0, 3.0])
        msg = str(e.value)
        assert "negative" in msg and "'tx_bad'" in msg and "'cpu'" in msg
        assert "float64" in msg
        if wrong == "shape":
            assert "returned shape (1,)" in msg and "give shape (3,)" in msg
        else:
            assert "dtype float32" in msg and "dtype float64" in msg
        with pytest.raises(tn.BackendError):  # still refused on the next call
            -tn.asarray([1.0, -2.0, 3.0])
        np.testing.assert_array_equal((-tn.asarray([1, 2])).numpy(), [-1, -2])  # other dtype
    finally:
        unregister_plugin("tx_bad")


def test_the_result_check_runs_once_per_op_device_dtype(monkeypatch, unforced):
    """After the first good result the cache holds the kernel itself: no per-call check."""
    import trueno._registry as R
    from trueno._registry import unregister_plugin
    checks = []
    real_check = R.check_result
    monkeypatch.setattr(R, "check_result", lambda *a: (checks.append(a[0].name),
                                                       real_check(*a)))
    calls = []
    good = _neg_spy(calls)

    def backends(registry):
        registry.add_backend("tx_once", devices=("cpu",), priority=99,
                             kernels={"negative": {"float64": good, "float32": good}})
    try:
        assert _register(_plugin("tx_once_mod", trueno_register_backends=backends),
                         "tx_once")[0]
        x = tn.asarray([1.0, -2.0])
        for _ in range(5):
            np.testing.assert_array_equal((-x).numpy(), [-1.0, 2.0])
        assert checks == ["negative"] and len(calls) == 5
        from trueno._device import CPU
        key = CPU._code | tn.float64._code
        assert tn.OPS["negative"].kcache[key] is good
        -tn.asarray([1.0], dtype=tn.float32)
        -tn.asarray([1.0], dtype=tn.float32)
        assert checks == ["negative", "negative"]  # once more, for the new dtype
    finally:
        unregister_plugin("tx_once")


# --- use_backend is the calling thread's ------------------------------------------------------

def test_use_backend_in_one_thread_leaves_other_threads_alone(unforced):
    """Thread A forces "reference"; thread B, running while A is inside the block and while A
    computes, keeps the highest-priority kernel (a spy that records its thread)."""
    import threading

    from trueno._registry import unregister_plugin
    ran = []  # thread ident of each call of the spy kernel

    def spy(x, y):
        ran.append(threading.get_ident())
        return np.multiply(x, y)

    def backends(registry):
        registry.add_backend("tx_spy", devices=("cpu",), priority=99,
                             kernels={"multiply": {"float64": spy}})
    assert _register(_plugin("tx_spy_mod", trueno_register_backends=backends), "tx_spy")[0]
    a = tn.asarray([1.0, 2.0, 3.0])
    inside, b_done, errors = threading.Event(), threading.Event(), []
    idents, n = {}, 200

    def thread_a():
        idents["a"] = threading.get_ident()
        with tn.use_backend("reference"):
            inside.set()
            b_done.wait(60)  # B's first half runs while A is inside, idle
            for _ in range(n):  # then both compute at once
                np.testing.assert_array_equal((a * a).numpy(), [1.0, 4.0, 9.0])

    def thread_b():
        idents["b"] = threading.get_ident()
        inside.wait(60)
        for i in range(2 * n):
            np.testing.assert_array_equal((a * a).numpy(), [1.0, 4.0, 9.0])
            if i == n:
                b_done.set()

    def guard(fn):
        def run():
            try:
                fn()
            except BaseException as exc:  # reported below
                errors.append(exc)
                inside.set()
                b_done.set()
        return run
    try:
        threads = [threading.Thread(target=guard(f)) for f in (thread_a, thread_b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert errors == []
        assert ran.count(idents["a"]) == 0  # A ran the reference kernel every time
        assert ran.count(idents["b"]) == 2 * n  # B ran the spy every time
        a * a  # with no thread inside use_backend, the shared cache fills again
        assert tn.OPS["multiply"].kcache
    finally:
        unregister_plugin("tx_spy")


def test_a_failing_models_hook_drops_only_that_plugins_models():
    import warnings

    from trueno._registry import load_models, registry, unregister_plugin

    def backends(registry):
        registry.add_backend("tx_models", devices=("cpu",), priority=1, kernels={})

    def models(registry):
        registry.add_model("tx_model", lambda: None)
        raise RuntimeError("no weights")
    mod = _plugin("tx_models_mod", trueno_register_backends=backends,
                  trueno_register_models=models)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ok, warned = _register(mod, "tx_models")
            load_models()
        warned += [str(w.message) for w in caught]
        assert ok
        assert any("'tx_models'" in w and "models" in w and "no weights" in w
                   for w in warned), warned
        assert "tx_model" not in registry.models
        assert "tx_models" in registry.backends  # its backend, already in use, stays
    finally:
        unregister_plugin("tx_models")
    assert "tx_models" not in registry.backends


def test_missing_kernel_hint_suggests_the_nearest_dtype():
    """The hint of a missing (op, device, dtype) kernel names the widest narrower dtype of the
    same kind (float64 -> float32, not the alphabetically first bfloat16), else a wider one."""
    from trueno import _dtypes as D
    from trueno._registry import _nearest_dtype

    gpu_sqrt = {"bfloat16", "complex64", "float16", "float32"}
    assert _nearest_dtype(D.float64, gpu_sqrt) == "float32"
    assert _nearest_dtype(D.complex128, gpu_sqrt) == "complex64"
    assert _nearest_dtype(D.int64, {"int8", "int32", "float32"}) == "int32"
    assert _nearest_dtype(D.float16, {"float32", "float64"}) == "float32"
    assert _nearest_dtype(D.uint64, {"float32"}) == "float32"
