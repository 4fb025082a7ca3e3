"""``torch.backends``: which of PyTorch's vendor libraries trueno has (none but its own GPU).

The flags scripts set (``torch.backends.cudnn.benchmark = True``, ``.deterministic``,
``.enabled``, ``cuda.matmul.allow_tf32``) are plain settable attributes; trueno's kernels do
not read them (its results do not depend on them).
"""

from __future__ import annotations

__all__ = ["cuda", "cudnn", "mkldnn", "mps", "openmp"]


class _Backend:
    """One ``torch.backends.<name>`` namespace: ``is_available()`` plus settable flags."""

    def __init__(self, name: str, available, **flags) -> None:
        self._name = name
        self._available = available
        self.__dict__.update(flags)

    def is_available(self) -> bool:
        """Whether trueno can run this backend's work here."""
        return bool(self._available())

    def __repr__(self) -> str:
        return f"<trueno.torch.backends.{self._name}>"


def _cuda_available() -> bool:
    from .cuda import is_available
    return is_available()


class _Matmul:
    """``torch.backends.cuda.matmul``: precision flags, accepted and not read."""

    def __init__(self) -> None:
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True


class _Cuda(_Backend):
    """``torch.backends.cuda``: available as ``torch.cuda.is_available()`` is."""

    def __init__(self) -> None:
        super().__init__("cuda", _cuda_available, matmul=_Matmul())

    def is_built(self) -> bool:
        """True: trueno's "cuda" (its GPU backend) is part of this build when installed."""
        try:
            import trueno_gpu  # noqa: F401
        except ImportError:
            return False
        return True


# cuDNN, MPS and oneDNN (mkldnn) are libraries trueno does not use: never available.
cuda = _Cuda()
cudnn = _Backend("cudnn", lambda: False, enabled=True, benchmark=False, deterministic=False,
                 allow_tf32=True, version=lambda: None)
mps = _Backend("mps", lambda: False)
mkldnn = _Backend("mkldnn", lambda: False, enabled=True)
openmp = _Backend("openmp", lambda: False)
