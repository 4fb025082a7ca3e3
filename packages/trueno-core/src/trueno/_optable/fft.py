"""The rows of ``trueno.fft``: the n-dimensional transforms and the Hermitian pair (the 1-D and
2-D functions call the n-dimensional rows); reference kernels in ``_reference/_fft.py``."""

from __future__ import annotations

from ._row import Op, add_op

_FFTN = "x, /, *, s: tuple[int, ...] | None, axes: tuple[int, ...], norm: str | None"
_FFT1 = "x, /, *, n: int | None, axis: int, norm: str | None"

for _name, _accepts, _sig in (("fftn", "floating", _FFTN), ("ifftn", "floating", _FFTN),
                              ("rfftn", "real floating", _FFTN), ("irfftn", "floating", _FFTN),
                              ("hfft", "floating", _FFT1), ("ihfft", "real floating", _FFT1)):
    add_op(Op(f"fft_{_name}", 1, accepts=_accepts, shape="custom", numpy_name=None,
              differentiable=True, sig=_sig))
