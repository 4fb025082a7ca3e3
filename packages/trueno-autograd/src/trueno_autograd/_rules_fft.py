"""Derivative rules of the ``trueno.fft`` ops (PyTorch's convention for complex gradients:
``dL/dRe + i dL/dIm``). The adjoint of a transform is the opposite transform with the dual
normalisation; zero-padding and cropping (``s``/``n``) swap places."""

from __future__ import annotations

import numpy as np

import trueno as tn
from trueno import backend as B

from ._graph import Rule

__all__ = ["fft_rules"]

_DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _fft():
    import trueno.fft as f
    return f


def _resize(t, axes, sizes):
    """Crop or zero-pad ``t`` along ``axes`` to ``sizes``."""
    for ax, n in zip(axes, sizes):
        m = t.shape[ax]
        if m > n:
            t = t[(slice(None),) * ax + (slice(0, n),)]
        elif m < n:
            shp = list(t.shape)
            shp[ax] = n - m
            pad = tn.zeros(tuple(shp), dtype=t.dtype, device=t.device, cls=t.__class__)
            t = tn.concat([t, pad], axis=ax)
    return t


def _in_sizes(ctx, axes):
    shape = ctx.shapes[0][0]
    return [shape[a] for a in axes]


def _fftn(ctx, g):
    p = ctx.params
    gx = _fft().ifftn(g, axes=p["axes"], norm=_DUAL[p["norm"]])
    return (_resize(gx, p["axes"], _in_sizes(ctx, p["axes"])),)


def _ifftn(ctx, g):
    p = ctx.params
    gx = _fft().fftn(g, axes=p["axes"], norm=_DUAL[p["norm"]])
    return (_resize(gx, p["axes"], _in_sizes(ctx, p["axes"])),)


def _rfftn(ctx, g):
    p = ctx.params
    axes = p["axes"]
    last = axes[-1]
    n = p["s"][-1] if p["s"] is not None else ctx.shapes[0][0][last]
    full = _resize(g, [last], [n])
    gx = _fft().ifftn(full, axes=axes, norm=_DUAL[p["norm"]]).real
    return (_resize(gx, axes, _in_sizes(ctx, axes)),)


def _double_inner(t, axis, n):
    """Entries 1 .. n - (n//2 + 1) along ``axis`` times 2 (the folded negative
    frequencies of a real signal)."""
    m = t.shape[axis]
    dl = n - m
    if dl <= 0:
        return t
    w = np.ones(m)
    w[1:1 + dl] = 2.0
    shape = [1] * t.ndim
    shape[axis] = m
    return t * tn.asarray(w.reshape(shape), dtype=t.real.dtype, device=t.device)


def _irfftn(ctx, g):
    p = ctx.params
    axes = p["axes"]
    n = g.shape[axes[-1]]
    gi = _fft().rfftn(g, axes=axes, norm=_DUAL[p["norm"]])
    gi = _double_inner(gi, axes[-1], n)
    return (_resize(gi, axes, _in_sizes(ctx, axes)),)


def _hfft(ctx, g):
    # hfft(x) = irfft(conj(x), norm=swap(norm)); the dual of the swapped norm is norm
    p = ctx.params
    ax = p["axis"]
    n = g.shape[ax]
    gi = _fft().rfft(g, axis=ax, norm=p["norm"])
    gi = _double_inner(gi, ax, n)
    return (_resize(gi, [ax], _in_sizes(ctx, [ax])).conj(),)


def _ihfft(ctx, g):
    # ihfft(x) = conj(rfft(x, norm=swap(norm)))
    p = ctx.params
    ax = p["axis"]
    n = p["n"] if p["n"] is not None else ctx.shapes[0][0][ax]
    full = _resize(g.conj(), [ax], [n])
    gx = _fft().ifft(full, axis=ax, norm=p["norm"]).real
    return (_resize(gx, [ax], _in_sizes(ctx, [ax])),)


_FFT = {"fft_fftn": (_fftn, "FftC2CBackward0"), "fft_ifftn": (_ifftn, "FftC2CBackward0"),
        "fft_rfftn": (_rfftn, "FftR2CBackward0"), "fft_irfftn": (_irfftn, "FftC2RBackward0"),
        "fft_hfft": (_hfft, "FftC2RBackward0"), "fft_ihfft": (_ihfft, "FftR2CBackward0")}


def fft_rules() -> dict[str, Rule]:
    """Rules for the fft ops that are in the op table now (``trueno.fft`` adds them)."""
    try:
        _fft()
    except ImportError:
        return {}
    return {name: Rule(fn, "none", False, node) for name, (fn, node) in _FFT.items()
            if B.has_op(name)}
