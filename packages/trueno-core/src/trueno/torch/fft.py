"""``torch.fft`` on the PyTorch face: PyTorch's ``dim``/``s``/``norm`` arguments over
trueno's FFT engine; integer inputs transform in the default float precision."""

from __future__ import annotations

from .. import _creation as C
from .. import _dtypes as D
from .. import fft as _F
from ._functions import _t, get_default_dtype
from ._tensor import Tensor

__all__ = [
    "fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2",
    "fftn", "ifftn", "rfftn", "irfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift",
]


def _in(x):
    t = _t(x)
    return t.astype(get_default_dtype()) if t.dtype.kind in "iub" else t


def _one(name):
    engine = getattr(_F, name)

    def f(input, n=None, dim=-1, norm=None):  # noqa: A002
        return engine(_in(input), n=n, axis=dim, norm=norm)
    f.__name__ = name
    f.__doc__ = f"``torch.fft.{name}(input, n=None, dim=-1, norm=None)``."
    return f


def _many(name, default_dim):
    engine = getattr(_F, name)

    def f(input, s=None, dim=default_dim, norm=None):  # noqa: A002
        x = _in(input)
        axes = None if dim is None else ((dim,) if isinstance(dim, int) else tuple(dim))
        if axes is None and s is not None:
            axes = tuple(range(-len(s), 0))
        return engine(x, s=None if s is None else tuple(s), axes=axes, norm=norm)
    f.__name__ = name
    f.__doc__ = f"``torch.fft.{name}(input, s=None, dim={default_dim}, norm=None)``."
    return f


fft, ifft, rfft, irfft = (_one(n) for n in ("fft", "ifft", "rfft", "irfft"))
hfft, ihfft = _one("hfft"), _one("ihfft")
fft2, ifft2 = _many("fft2", (-2, -1)), _many("ifft2", (-2, -1))
rfft2, irfft2 = _many("rfft2", (-2, -1)), _many("irfft2", (-2, -1))
fftn, ifftn = _many("fftn", None), _many("ifftn", None)
rfftn, irfftn = _many("rfftn", None), _many("irfftn", None)


def fftfreq(n, d=1.0, *, dtype=None, device=None, requires_grad=False):
    """The sample frequencies of an ``n``-point FFT (the default float dtype)."""
    out = C.asarray(_F.fftfreq(n, d, dtype=D.as_dtype(dtype or get_default_dtype()),
                              device=device), cls=Tensor)
    return out.requires_grad_() if requires_grad else out


def rfftfreq(n, d=1.0, *, dtype=None, device=None, requires_grad=False):
    out = C.asarray(_F.rfftfreq(n, d, dtype=D.as_dtype(dtype or get_default_dtype()),
                              device=device), cls=Tensor)
    return out.requires_grad_() if requires_grad else out


def fftshift(input, dim=None):  # noqa: A002
    return _F.fftshift(_t(input), axes=dim)


def ifftshift(input, dim=None):  # noqa: A002
    return _F.ifftshift(_t(input), axes=dim)
