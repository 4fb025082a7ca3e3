"""``trueno.backend`` is the plugin API: every name is real and documented, and no plugin
package imports a private core module (``trueno._x``) -- checked on the source with ``ast``."""

from __future__ import annotations

import ast
import inspect
import pathlib

import numpy as np
import pytest

import trueno as tn
import trueno.backend as B

ROOT = pathlib.Path(__file__).resolve().parents[3]
CORE_SRC = ROOT / "packages" / "trueno-core" / "src" / "trueno"


def _plugin_sources() -> list[pathlib.Path]:
    """Every Python file of every plugin package: packages/*/src except trueno-core, and the
    example plugins under tools/example_plugins."""
    files = []
    for pkg in sorted((ROOT / "packages").iterdir()):
        if pkg.name != "trueno-core" and (pkg / "src").is_dir():
            files += sorted((pkg / "src").rglob("*.py"))
    files += sorted((ROOT / "tools" / "example_plugins").rglob("*.py"))
    return files


def _is_private(dotted: str) -> bool:
    """Whether a dotted name below ``trueno`` has a private part (``_x``, not ``__x__``)."""
    parts = dotted.split(".")
    return parts[0] == "trueno" and any(
        p.startswith("_") and not (p.startswith("__") and p.endswith("__")) for p in parts[1:])


def _is_core_module(dotted: str) -> bool:
    """Whether ``trueno.a.b`` is a module or package of trueno-core (by its file)."""
    parts = dotted.split(".")[1:]
    path = CORE_SRC.joinpath(*parts) if parts else CORE_SRC
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _dotted(node) -> str | None:
    """``a.b.c`` for a chain of attribute accesses on a name, else None."""
    names = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(names)])
    return None


def private_uses(source: str, filename: str = "<string>") -> list[tuple[int, str]]:
    """(line, what) for every use of a private trueno module or attribute in ``source``:
    ``import trueno._x``, ``from trueno._x import y``, ``from trueno import _x``,
    ``trueno._x`` / ``tn._x`` through a name bound to a trueno module, and
    ``importlib.import_module("trueno._x")``."""
    tree = ast.parse(source, filename)
    aliases: dict[str, str] = {}  # local name -> the trueno module it is bound to
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] != "trueno":
                    continue
                if _is_private(a.name):
                    found.append((node.lineno, f"import {a.name}"))
                if a.asname:
                    aliases[a.asname] = a.name
                else:
                    aliases["trueno"] = "trueno"
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and \
                node.module.split(".")[0] == "trueno":
            for a in node.names:
                full = f"{node.module}.{a.name}"
                if _is_private(full):
                    found.append((node.lineno, f"from {node.module} import {a.name}"))
                elif _is_core_module(full):
                    aliases[a.asname or a.name] = full
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            d = _dotted(node)
            head, _, rest = (d or "").partition(".")
            if head in aliases and _is_private(f"{aliases[head]}.{rest}"):
                parts = d.split(".")
                first = next(i for i, p in enumerate(parts) if i and p.startswith("_")
                             and not p.endswith("__"))
                found.append((node.lineno, ".".join(parts[:first + 1])))  # tn._x.y -> tn._x
        elif isinstance(node, ast.Call) and node.args and \
                isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            fn = _dotted(node.func) or ""
            if fn.split(".")[-1] in ("import_module", "__import__") and \
                    _is_private(node.args[0].value):
                found.append((node.lineno, f"{fn}({node.args[0].value!r})"))
    return sorted(set(found))


def test_the_scanner_finds_every_form_of_private_import():
    src = "\n".join([
        "import trueno._strided",                         # 1
        "import trueno._dispatch as X",                   # 2
        "from trueno._registry import load_plugins",      # 3
        "from trueno import _views as V, Tensor",         # 4
        "import trueno",                                  # 5
        "s = trueno._strided.contiguous_strides",         # 6
        "import trueno as tn",                            # 7
        "tn._dispatch.STATE.autograd = None",             # 8
        "from trueno.torch._tensor import Tensor",        # 9
        "import importlib",                               # 10
        "importlib.import_module('trueno._optable')",     # 11
        "from trueno import torch as tt",                 # 12
        "tt._functions",                                  # 13
        "x = tn.float32, tn.__version__, Tensor._view",   # 14  public, dunder, not a module
        "from trueno.backend import StridedArray",        # 15
        "y = tn.backend.MODES",                           # 16
    ])
    assert [ln for ln, _ in private_uses(src)] == [1, 2, 3, 4, 6, 8, 9, 11, 13]


def test_no_plugin_package_imports_a_private_core_module():
    files = _plugin_sources()
    assert len(files) > 50, "the plugin sources were not found"
    bad = [f"{f.relative_to(ROOT)}:{ln}: {what}"
           for f in files for ln, what in private_uses(f.read_text(), str(f))]
    assert not bad, ("plugins must import only public trueno modules (trueno, trueno.backend, "
                     "...); private imports:\n  " + "\n  ".join(bad))


def test_every_backend_name_exists_and_is_documented():
    doc = B.__doc__
    assert len(B.__all__) == len(set(B.__all__))
    for name in B.__all__:
        obj = getattr(B, name)  # AttributeError names the missing one
        assert f"``{name}" in doc, f"trueno.backend.{name} is not described in the module doc"
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert obj.__module__.startswith("trueno"), (name, obj.__module__)
            assert (obj.__doc__ or "").strip(), f"trueno.backend.{name} has no docstring"


def test_backend_reexports_core_objects_not_copies():
    for name in ("StridedArray", "DType", "Device", "DeviceAPI", "Op", "TruenoError",
                 "DeviceError", "BackendError", "DTypeError", "ShapeError", "hookimpl",
                 "broadcast_shapes"):
        assert getattr(B, name) is getattr(tn, name), name
    assert B.CPU is tn.device("cpu")
    assert B.get_op("add") is tn.OPS["add"]


def test_op_table_access():
    assert B.has_op("add") and not B.has_op("no_such_op")
    assert "matmul" in B.op_names() and len(B.op_names()) == len(tn.OPS)
    with pytest.raises(tn.BackendError, match=r"get_op\('no_such_op'\).*\n  hint: op_names"):
        B.get_op("no_such_op")
    with pytest.raises(RuntimeError):  # BackendError is also the builtin a user catches
        B.get_op("no_such_op")


def test_dtype_lookup():
    assert B.dtype_of(np.dtype("float32")) is tn.float32
    assert B.dtype_of(np.dtype("int8")) is tn.int8
    assert B.as_dtype("complex64") is tn.complex64
    assert [d.name for d in B.all_dtypes()][:2] == ["bool", "int8"]
    assert len(B.all_dtypes()) == 15 and tn.bfloat16 in B.all_dtypes()
    assert B.promote(tn.int8, tn.float32) is tn.float32
    with pytest.raises(tn.DTypeError):
        B.dtype_of(np.dtype("S3"))


def test_stride_helpers_on_a_strided_array():
    a = B.StridedArray(bytearray(96), 0, (3, 4), B.contiguous_strides((3, 4)), np.float64)
    assert a.strides == (4, 1) and B.is_contiguous(a.shape, a.strides)
    t = B.diagonal(a, 0, 0, 1)
    assert (t.offset, t.shape, t.strides) == (0, (3,), (5,))
    v = B.basic_index(a, (slice(None), slice(1, None, 2)))
    assert (v.offset, v.shape, v.strides) == (1, (3, 2), (4, 2))
    assert not B.is_contiguous(v.shape, v.strides)
    assert B.reshape_strides(v.shape, v.strides, (6,)) == (2,)  # evenly spaced: one stride
    w = B.basic_index(a, (slice(None), slice(0, 3)))
    assert (w.offset, w.shape, w.strides) == (0, (3, 3), (4, 1))
    assert B.reshape_strides(w.shape, w.strides, (9,)) is None  # needs a copy
    assert B.reshape_strides((3, 4), (4, 1), (2, 6)) == (6, 1)
    assert B.is_basic_key((0, slice(None), None, Ellipsis))
    assert not B.is_basic_key([0, 1])


def test_device_api_of_an_unknown_device_names_the_installed_ones():
    with pytest.raises(tn.DeviceError, match="unknown device 'nodevice:0'; available: cpu"):
        B.device_api(tn.Device("nodevice"))


def test_autograd_hooks_read_what_the_plugin_installed():
    reg = B.load_plugins()
    assert B.autograd_engine() is reg.autograd
    if reg.autograd is not None:  # trueno-autograd installed: its rules are registered
        assert B.gradient_rule("multiply") is reg.gradients["multiply"]
    assert B.gradient_rule("no_such_op") is None


def test_modes_are_the_calling_threads():
    import threading
    assert B.MODES.grad_enabled
    with tn.no_grad():
        assert not B.MODES.grad_enabled
        seen = []
        th = threading.Thread(target=lambda: seen.append(B.MODES.grad_enabled))
        th.start()
        th.join()
        assert seen == [True]
    assert B.MODES.grad_enabled


def test_trueno_backend_is_an_attribute_without_an_import():
    import os
    import subprocess
    import sys
    code = ("import trueno as tn, sys; assert 'trueno.backend' not in sys.modules; "
            "print(tn.backend.StridedArray is tn.StridedArray)")
    env = {**os.environ, "TRUENO_DISABLE_PLUGIN_AUTOLOAD": "1"}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "True"
