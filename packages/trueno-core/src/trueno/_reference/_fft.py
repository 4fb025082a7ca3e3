"""Reference kernels of the ``trueno.fft`` ops: calls into ``numpy.fft`` (pocketfft).

``s`` and ``axes`` arrive normalised (tuples of the same length, axes non-negative); ``norm``
is "backward", "ortho" or "forward". One axis goes through NumPy's 1-D function.
"""

from __future__ import annotations

import numpy as np

_F = np.fft


def _nd(one, many):
    def kernel(x, s, axes, norm):
        if len(axes) == 1:
            return one(x, n=None if s is None else s[0], axis=axes[0], norm=norm)
        return many(x, s=s, axes=axes, norm=norm)
    kernel.__name__ = f"fft_{many.__name__}"
    return kernel


def fft_hfft(x, n, axis, norm):
    return _F.hfft(x, n=n, axis=axis, norm=norm)


def fft_ihfft(x, n, axis, norm):
    return _F.ihfft(x, n=n, axis=axis, norm=norm)


KERNELS = {
    "fft_fftn": _nd(_F.fft, _F.fftn),
    "fft_ifftn": _nd(_F.ifft, _F.ifftn),
    "fft_rfftn": _nd(_F.rfft, _F.rfftn),
    "fft_irfftn": _nd(_F.irfft, _F.irfftn),
    "fft_hfft": fft_hfft,
    "fft_ihfft": fft_ihfft,
}
