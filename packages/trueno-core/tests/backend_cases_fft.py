"""Samples of the fft ops for test_backend_equivalence: op name -> [(fn, [numpy args])].

``v(shape, domain="real")`` makes values of the dtype under test. A fn may return a
canonical form of its result (e.g. eigenvectors with a fixed sign) where the op's result is
not unique, so every backend's kernel can be compared with the reference one.
"""

from __future__ import annotations

import numpy as np

import trueno as tn

F = tn.fft


def cases(v, dtype, rng) -> dict:
    """Lengths 1, 8, 12, 17, 64, 100 (powers of two, small and Bluestein lengths), several
    axes, ``s`` crops and pads, every norm."""
    real = np.dtype(dtype).kind != "c"
    c2c = [(lambda x, n=n, norm=norm: F.fft(x, norm=norm), [v((3, n))])
           for n, norm in ((1, None), (8, "ortho"), (12, None), (17, "forward"), (64, None),
                           (100, "ortho"))]
    c2c += [(lambda x: F.fft(x, n=20, axis=0), [v((12, 3))]),
            (lambda x: F.fft(x, n=5, axis=1, norm="forward"), [v((4, 8))]),
            (lambda x: F.fftn(x, s=(4, 9), axes=(2, 0)), [v((6, 3, 8))]),
            (lambda x: F.fft2(x, norm="ortho"), [v((2, 12, 17))])]
    ic2c = [(lambda x, n=n, norm=norm: F.ifft(x, norm=norm), [v((2, n))])
            for n, norm in ((1, None), (8, "forward"), (17, None), (100, "ortho"))]
    ic2c += [(lambda x: F.ifftn(x, s=(3, 70), axes=(0, 1)), [v((5, 64))]),
             (lambda x: F.ifft2(x, norm="forward"), [v((8, 12))])]
    irfft = [(lambda x, n=n: F.irfft(x, n=n), [v((3, m))])
             for m, n in ((5, None), (5, 9), (9, 12), (2, 1), (33, 64), (51, 100))]
    irfft += [(lambda x: F.irfftn(x, s=(6, 17), axes=(0, 1), norm="ortho"), [v((6, 9))]),
              (lambda x: F.irfft2(x, norm="forward"), [v((2, 8, 5))])]
    hfft = [(lambda x, n=n, norm=norm: F.hfft(x, n=n, norm=norm), [v((2, 9))])
            for n, norm in ((None, None), (17, "ortho"), (100, "forward"), (1, None))]
    hfft.append((lambda x: F.hfft(x, axis=0), [v((5, 3))]))
    out = {"fft_fftn": c2c, "fft_ifftn": ic2c, "fft_irfftn": irfft, "fft_hfft": hfft}
    if real:
        out["fft_rfftn"] = [(lambda x, n=n, norm=norm: F.rfft(x, norm=norm), [v((3, n))])
                            for n, norm in ((1, None), (8, None), (12, "ortho"), (17, None),
                                            (64, "forward"), (100, None))]
        out["fft_rfftn"] += [(lambda x: F.rfft(x, n=30, axis=0), [v((12, 2))]),
                             (lambda x: F.rfftn(x, s=(5, 16), axes=(0, 2)), [v((4, 3, 9))]),
                             (lambda x: F.rfft2(x, norm="ortho"), [v((8, 17))])]
        out["fft_ihfft"] = [(lambda x, n=n, norm=norm: F.ihfft(x, n=n, norm=norm),
                             [v((3, 12))])
                            for n, norm in ((None, None), (8, "ortho"), (100, "forward"),
                                            (1, None))]
        out["fft_ihfft"].append((lambda x: F.ihfft(x, axis=0), [v((17, 2))]))
    return out
