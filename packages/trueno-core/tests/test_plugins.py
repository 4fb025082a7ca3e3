"""Plugin loading: broken plugins warn and never break ``import trueno``; pluggy stays off
the per-call path."""

import os
import subprocess
import sys
import textwrap

import numpy as np

import trueno as tn


def _run(code, extra_path=None, **env):
    e = {**os.environ, **env}
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
    missing = [n for n, row in tn.OPS.items() if ref.kernel(n, "float64") is None
               and row.shape != "view" and n != "to_device"]
    assert missing == []
    assert reg.unknown_kernels() == {}


def test_use_backend_unknown_name_is_a_clear_error():
    import pytest
    with pytest.raises(tn.BackendError, match="unknown backend 'nope'"):
        with tn.use_backend("nope"):
            pass


def test_env_var_forces_reference_backend():
    r = _run("import trueno as tn, trueno._registry as R; print(R.forced_backend()); "
             "print((tn.ones(3) * 2).tolist())", TRUENO_BACKEND="reference")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["reference", "[2.0, 2.0, 2.0]"]


def test_missing_extra_errors_name_the_install_command():
    import pytest
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
    import pytest
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
    for value, want in (("abc", None), ("-1", None), ("2.5", None), ("99999", 1024),
                        ("3", 3), ("0", None)):
        r = _run(code, TRUENO_NUM_THREADS=value)
        assert r.returncode == 0, (value, r.stderr)
        got, default, result = r.stdout.split(" ", 2)
        assert result.strip() == "[2.0, 2.0, 2.0]"
        assert int(got) == (want if want is not None else int(default)), value
        if value in ("3", "0"):
            assert "TRUENO_NUM_THREADS" not in r.stderr
        else:
            assert f"TRUENO_NUM_THREADS={value!r}" in r.stderr, (value, r.stderr)


def test_set_num_threads_rejects_bad_counts():
    import pytest
    before = tn.get_num_threads()
    try:
        for bad in (0, -1, 2**31, tn._registry.MAX_THREADS + 1):
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
