"""Shared helper of the test_torch_api_* files: run one snippet on trueno.torch and on torch
2.13, and compare the results (values, dtype, shape; tuples, named tuples, Python scalars)."""

import numpy as np

import trueno.torch as tt


def to_np(x):
    if hasattr(x, "detach") and not isinstance(x, np.ndarray):
        x = x.detach()
        if not isinstance(x, tt.Tensor):  # torch's lazy conjugate/negative bits
            x = x.resolve_conj().resolve_neg()
        return np.asarray(x.cpu().numpy() if hasattr(x, "cpu") else x.numpy())
    return x


def same(got, want, rtol=1e-5, atol=1e-6, path="result"):
    """Assert ``got`` (trueno.torch) matches ``want`` (torch)."""
    import torch
    if isinstance(want, torch.Tensor):
        assert isinstance(got, tt.Tensor), f"{path}: {type(got).__name__}, want a Tensor"
        assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1], \
            f"{path}: dtype {got.dtype} != {want.dtype}"
        assert tuple(got.shape) == tuple(want.shape), \
            f"{path}: shape {tuple(got.shape)} != {tuple(want.shape)}"
        g, w = to_np(got), to_np(want)
        if w.dtype.kind in "fc":
            np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, equal_nan=True,
                                       err_msg=path)
        else:
            np.testing.assert_array_equal(g, w, err_msg=path)
    elif isinstance(want, (tuple, list)):
        assert isinstance(got, (tuple, list)), f"{path}: {type(got).__name__}"
        assert len(got) == len(want), f"{path}: length {len(got)} != {len(want)}"
        for f in getattr(want, "_fields", ()):
            same(getattr(got, f), getattr(want, f), rtol, atol, f"{path}.{f}")
        for i, (g, w) in enumerate(zip(got, want)):
            same(g, w, rtol, atol, f"{path}[{i}]")
    elif isinstance(want, torch.Size):
        assert tuple(got) == tuple(want)
    elif isinstance(want, float):
        assert np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True), f"{path}"
    else:
        assert got == want and type(got) is type(want), f"{path}: {got!r} != {want!r}"


def check(case, rtol=1e-5, atol=1e-6):
    """``case(m)`` builds its inputs with ``m.tensor`` and returns a result; compare both
    libraries' results, or that both raise (trueno's error also a RuntimeError where
    torch's is)."""
    import torch
    try:
        want = case(torch)
    except Exception as exc:  # torch refuses: so must trueno, with a matching builtin class
        kinds = [k for k in (RuntimeError, TypeError, ValueError, IndexError)
                 if isinstance(exc, k)]
        try:
            case(tt)
        except Exception as mine:
            assert any(isinstance(mine, k) for k in kinds), \
                f"torch raised {type(exc).__name__}, trueno {type(mine).__mro__}"
            return
        raise AssertionError(f"torch raised {exc!r}; trueno did not") from None
    same(case(tt), want, rtol, atol)
