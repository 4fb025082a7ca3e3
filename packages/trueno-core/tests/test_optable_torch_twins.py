"""Each row names its PyTorch twin (``Op.torch_name``), which the gradient tests vs torch read
to build their cases: check the names resolve, from the table."""

from __future__ import annotations

import pytest

from trueno._optable import OPS

torch = pytest.importorskip("torch", reason="torch is not importable (CI installs "
                                            "torch==2.13.0 for the differential tests)")


@pytest.mark.parametrize("row", [r for r in OPS.values() if r.shape == "broadcast"], ids=str)
def test_elementwise_twin_resolves(row):
    """Every elementwise row has a PyTorch twin except those whose row says it has none
    (``torch_name=None``: cbrt, divmod, ...)."""
    fn = row.torch_fn(torch)
    if row.torch_name is None:
        assert fn is None and not hasattr(torch, row.name), row.name
    else:
        assert callable(fn), (row.name, row.torch_name)


def test_renamed_twins():
    assert OPS["negative"].torch_fn(torch) is torch.neg
    assert OPS["i0e"].torch_fn(torch) is torch.special.i0e
    assert OPS["gelu"].torch_fn(torch) is torch.nn.functional.gelu
    assert OPS["linalg_svd"].torch_fn(torch) is torch.linalg.svd
    assert OPS["expand"].torch_fn(torch) is torch.Tensor.expand
    assert OPS["index"].torch_fn(torch) is None and OPS["index"].torch_name is None
    assert OPS["nanvar"].torch_fn(torch) is None  # NumPy only
