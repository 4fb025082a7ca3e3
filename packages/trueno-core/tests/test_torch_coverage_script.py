"""tools/torch_coverage.py: the measure of how much of torch 2.13's tensor-level API exists."""

from __future__ import annotations

import importlib.util
import pathlib
import re
import subprocess
import sys
import types

import pytest

import trueno.torch as tt

torch = pytest.importorskip("torch", reason="needs torch (the tests session installs it)")

SCRIPT = pathlib.Path(__file__).resolve().parents[3] / "tools" / "torch_coverage.py"


def _load():
    spec = importlib.util.spec_from_file_location("torch_coverage", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_script_runs_and_prints_percentages():
    proc = subprocess.run([sys.executable, str(SCRIPT), "--missing"], capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = dict(re.findall(r"^\s+(functions|Tensor methods|dtypes)\s+(\d+/\d+\s+[\d.]+)%",
                           proc.stdout, re.M))
    assert set(rows) == {"functions", "Tensor methods", "dtypes"}, proc.stdout[:2000]
    for text in rows.values():
        have, total, pct = re.match(r"(\d+)/(\d+)\s+([\d.]+)", text).groups()
        assert 0 < int(have) <= int(total) and 0.0 < float(pct) <= 100.0
        assert float(pct) == pytest.approx(100 * int(have) / int(total), abs=0.05)
    missing = set(re.findall(r"^  (torch\.\S+)$", proc.stdout, re.M))
    assert "torch.zeros" not in missing and "torch.Tensor.add" not in missing
    # A name trueno.torch lacks is listed: every one listed is really absent, and only those.
    for name in missing:
        where = tt.Tensor if name.startswith("torch.Tensor.") else tt
        short = name.split(".")[-1]
        if where is tt:
            assert not hasattr(tt, short), name
        else:
            assert all(short not in vars(k) for k in tt.Tensor.__mro__[:-1]), name


def test_present_names_are_counted_and_missing_ones_listed():
    cov = _load()
    face = types.SimpleNamespace(**{n: getattr(tt, n) for n in ("zeros", "ones", "float32")})
    face.Tensor = type("T", (), {"add": None})
    result = cov.measure(torch, face)
    assert "zeros" in result["functions"]["covered"] and "ones" in result["functions"]["covered"]
    assert "arange" in result["functions"]["missing"]
    assert "add" not in result["functions"]["covered"]
    assert result["Tensor methods"]["covered"] == ["add"]
    assert "float32" in result["dtypes"]["covered"] and "float64" in result["dtypes"]["missing"]
    text = cov.report(result, torch.__version__, missing=True, excluded=True)
    assert re.search(r"functions\s+2/\d+\s+0\.\d%", text)
    assert "\n  torch.arange\n" in text and "\n  torch.Tensor.sub\n" in text
    # Subsystems with their own issue are left out, with the reason given.
    assert "torch.nn: a subsystem" in text and "torch.conv2d: nn/optim/data" in text
    assert "torch.quantize_per_tensor: quantization" in text
    assert "nn" not in result["functions"]["missing"] + result["functions"]["covered"]


def test_names_left_out_as_removed_really_raise_in_torch():
    cov = _load()
    rules = dict(cov.FUNCTION_RULES)
    removed = rules["removed in PyTorch 2 (calling them raises in torch 2.13)"]
    x = torch.ones(2, 2)
    for name in removed:
        if hasattr(torch, name):
            with pytest.raises(RuntimeError):
                getattr(torch, name)(x, x) if name != "matrix_rank" else torch.matrix_rank(x)
    for name in dict(cov.METHOD_RULES)["removed in PyTorch 2 (calling them raises in torch "
                                       "2.13)"]:
        with pytest.raises(RuntimeError):
            getattr(x, name)(x) if name != "symeig" else x.symeig()
    with pytest.raises(NotImplementedError):
        torch.native_norm(x)
    _, excluded = cov.classify_methods(torch)
    assert excluded["lstsq"].startswith("removed in PyTorch 2")
