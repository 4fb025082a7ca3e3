"""Every elementwise row that a non-CPU device with the elementwise primitives (the GPU) has
no kernel for runs there through its decomposition, with the CPU reference backend's result,
in every dtype the row accepts and the device holds. Generated from the table
(``Op.decomposition``) and the devices' kernel tables, so a new composite row is covered on
every device with no edit here; rows with a device kernel are compared in
test_backend_equivalence.py."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import trueno as tn
from trueno._optable._faces import elementwise_rows
from trueno._registry import load_plugins, use_backend

from trueno_core_helpers import NP_DTYPES, assert_close, make_inputs

REG = load_plugins()


def _device_kernels(device) -> set[str]:
    return {n for b in REG.backends.values() if device in b.devices
            for n, k in b.kernels.items() if k}


def _cases():
    out = []
    prims = {r.name for r in elementwise_rows() if r.primitive}
    for device in sorted(REG.devices):
        have = _device_kernels(device)
        if not prims <= have:  # not a device a decomposition can run on (the toy device)
            continue
        for row in elementwise_rows():
            if row.name not in have and row.decomposition is not None:
                out.append(pytest.param(device, row, id=f"{device}-{row.name}"))
    return out


CASES = _cases()


def _stored_dtypes(device) -> list[str] | None:
    try:
        api = REG.devices[device]
        return list(api.dtypes(0)) if api.device_count() > 0 else None
    except Exception:  # no adapter (GPU tests need a Vulkan driver, e.g. lavapipe)
        return None


def test_cases_cover_the_rows_without_a_device_kernel():
    """The GPU runs the rows that have no GPU kernel (xlogy, i0e: a row and a decomposition
    only) through their decompositions."""
    if "gpu" not in REG.devices:
        pytest.skip("the GPU plugin is not installed")
    names = {p.values[1].name for p in CASES if p.values[0] == "gpu"}
    assert {"xlogy", "i0e"} <= names


@pytest.mark.parametrize("device,row", CASES)
def test_decomposition_on_device_matches_reference(device, row):
    stored = _stored_dtypes(device)
    if stored is None:
        pytest.skip(f"no '{device}' adapter on this machine")
    dtypes = [d for d in ("float32", "int32", "bool", "float16") if d in stored
              and getattr(tn, d if d != "bool" else "bool_") in row.accepts]
    assert dtypes, f"{row.name}: no dtype both the row accepts and '{device}' holds"
    fn = getattr(tn, row.name)
    for dt in dtypes:
        rng = np.random.default_rng(sum(map(ord, row.name + dt)))
        layouts = ("contiguous", "0d") if row.nin == 1 else ("contiguous", "broadcast_col_row")
        for layout in layouts:
            tins, _ = make_inputs(layout, [dt] * row.nin, row.domains_for(dt), rng)
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                with use_backend("reference"):
                    want = fn(*tins)
                got = fn(*[t.to_device(device) for t in tins])
            got = got if isinstance(got, tuple) else (got,)
            want = want if isinstance(want, tuple) else (want,)
            for g, w in zip(got, want):
                assert g.device.type == device
                w = np.asarray(w)
                assert_close(g.to_device("cpu"), w, NP_DTYPES[dt], check_dtype=True,
                             msg=f"{row.name}({dt}, {layout}) on {device} vs the reference")
