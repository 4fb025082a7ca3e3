"""``torch.stft`` and ``torch.istft``: short-time Fourier transforms with PyTorch's
framing (``center`` padding, windows shorter than ``n_fft`` centred, ``normalized``,
``onesided``) over trueno's FFT engine; and ``as_strided`` (the windows' view)."""

from __future__ import annotations

import trueno as _tn

from .. import _creation as C
from .. import _dtypes as D
from .. import _elementwise as E
from .. import _manipulation as M
from .. import fft as _F
from ._errors import TorchArgumentError, TorchShapeError
from ._functions import _t
from ._tensor import Tensor

__all__ = ["stft", "istft", "as_strided", "as_strided_copy", "as_strided_scatter",
           "as_strided_"]


def _window(window, win_length, n_fft, like):
    if window is None:
        w = C.ones((win_length,), like.dtype if like.dtype.kind == "f" else like.real.dtype,
                   device=like._device, cls=Tensor)
    else:
        w = _t(window)
        if w.ndim != 1 or w.shape[0] != win_length:
            raise TorchShapeError(f"stft: expected a 1D window tensor of size equal to "
                                  f"win_length={win_length}, but got window with size "
                                  f"{list(w.shape)}")
    left = (n_fft - win_length) // 2
    if left or n_fft - win_length - left:
        w = _tn.pad(w, ((left, n_fft - win_length - left),))
    return w


def stft(input, n_fft, hop_length=None, win_length=None, window=None,  # noqa: A002
         center=True, pad_mode="reflect", normalized=False, onesided=None,
         return_complex=None):
    """Frames of ``n_fft`` samples every ``hop_length``, windowed and Fourier transformed:
    ``(..., n_fft // 2 + 1, frames)`` complex for real input (``onesided``)."""
    x = _t(input)
    if return_complex is None:
        raise TorchArgumentError("stft requires the return_complex parameter be given for "
                                 "real inputs, and will further require that "
                                 "return_complex=True in a future PyTorch release.")
    if not return_complex:
        raise TorchArgumentError("stft: return_complex=False is deprecated in PyTorch and "
                                 "not supported here\n  hint: torch.view_as_real(stft(..., "
                                 "return_complex=True))")
    if x.ndim not in (1, 2):
        raise TorchShapeError(f"stft: expected a 1D or 2D tensor, got {x.ndim}D")
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    if not 0 < win <= n_fft or hop <= 0:
        raise TorchArgumentError(f"stft: expected 0 < win_length <= n_fft and hop_length > "
                                 f"0, got win_length={win}, n_fft={n_fft}, hop_length={hop}")
    batched = x.ndim == 2
    x2 = x if batched else x.reshape(1, -1)
    if center:
        p = n_fft // 2
        mode = {"reflect": "reflect", "constant": "constant", "replicate": "edge",
                "circular": "wrap"}[pad_mode]
        x2 = _tn.pad(x2, ((0, 0), (p, p)), mode=mode)
    if x2.shape[-1] < n_fft:
        raise TorchShapeError(f"stft: input of length {x2.shape[-1]} is shorter than "
                              f"n_fft={n_fft}")
    frames = x2.unfold(-1, n_fft, hop)  # (batch, n_frames, n_fft)
    frames = E.multiply(frames, _window(window, win, n_fft, x))
    one = onesided if onesided is not None else x.dtype.kind != "c"
    spec = _F.rfft(frames, axis=-1) if one else _F.fft(frames, axis=-1)
    if normalized:
        spec = E.multiply(spec, n_fft ** -0.5).astype(spec.dtype, copy=False)
    spec = spec.swapaxes(-1, -2)
    return spec if batched else spec[0]


def istft(input, n_fft, hop_length=None, win_length=None, window=None,  # noqa: A002
          center=True, normalized=False, onesided=None, length=None, return_complex=False):
    """The inverse of ``stft``: inverse transforms of the frames, overlap-added and divided
    by the summed squared window."""
    spec = _t(input)
    if spec.dtype.kind != "c":
        raise TorchArgumentError("istft requires a complex-valued input tensor")
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    batched = spec.ndim == 3
    s = spec if batched else spec.reshape((1,) + tuple(spec.shape))
    if normalized:
        s = E.multiply(s, n_fft ** 0.5).astype(s.dtype, copy=False)
    one = onesided if onesided is not None else s.shape[-2] != n_fft
    s = s.swapaxes(-1, -2)  # (batch, frames, freq)
    frames = _F.irfft(s, n=n_fft, axis=-1) if one and not return_complex else \
        _F.ifft(s, axis=-1)
    w = _window(window, win, n_fft, frames)
    frames = E.multiply(frames, w)
    n_frames = frames.shape[-2]
    total = n_fft + hop * (n_frames - 1)
    out = C.zeros((frames.shape[0], total), frames.dtype, device=frames._device, cls=Tensor)
    env = C.zeros((total,), w.dtype, device=frames._device, cls=Tensor)
    w2 = E.square(w)
    for i in range(n_frames):
        out[:, i * hop:i * hop + n_fft] += frames[:, i]
        env[i * hop:i * hop + n_fft] += w2
    start = n_fft // 2 if center else 0
    end = total - n_fft // 2 if center else total
    if length is not None:
        end = start + length
    out, env = out[:, start:end], env[start:end]
    if env.numel() and float(E.abs(env).amin().item()) < 1e-11:
        raise TorchArgumentError("istft: window overlap add min: 1e-11 is too small; the "
                                 "window does not satisfy the NOLA condition")
    out = E.divide(out, env).astype(out.dtype, copy=False)
    if length is not None and out.shape[-1] < length:
        out = M.concat([out, C.zeros((out.shape[0], length - out.shape[-1]), out.dtype,
                                     device=out._device, cls=Tensor)], axis=-1)
    return out if batched else out[0]


# -- as_strided: a view with explicit sizes, strides and storage offset -----------------------
def as_strided(input, size, stride, storage_offset=None):  # noqa: A002
    """A view of ``input``'s storage with ``size``, ``stride`` (elements) and
    ``storage_offset`` (default: ``input``'s). Shares memory and the version counter.

    On a contiguous tensor that autograd records (grad mode on), the result is the same
    elements gathered from ``input`` (a copy, not a view), whose gradient adds up in
    ``input`` where windows overlap, as PyTorch's."""
    import numpy as np

    from .._dispatch import wrap
    from .._grad_mode import is_grad_enabled
    x = _t(input)
    size, stride = tuple(int(n) for n in size), tuple(int(s) for s in stride)
    if x._ag is not None and is_grad_enabled() and len(size) == len(stride) and \
            all(s >= 0 for s in stride):
        return _as_strided_recorded(x, size, stride, storage_offset)
    if len(size) != len(stride):
        raise TorchShapeError(f"mismatch in length of strides and shape: {len(stride)} vs "
                              f"{len(size)}")
    if any(s < 0 for s in stride):
        raise TorchArgumentError(f"as_strided: Negative strides are not supported at the "
                                 f"moment, got strides: {list(stride)}")
    off = x.offset if storage_offset is None else int(storage_offset)
    d = x._data
    last = off + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else off - 1
    if isinstance(d, np.ndarray):
        flat = x.storage.reshape(-1)
        if off < 0 or last >= flat.size:
            raise TorchShapeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, "
                                  f"storage offset {off} need a storage of {last + 1} "
                                  f"elements, but it has {flat.size}")
        start = flat[off:] if off < flat.size else flat[:0]
        arr = np.lib.stride_tricks.as_strided(start, size, tuple(s * flat.itemsize
                                                                 for s in stride))
    else:
        arr = d.view(off, size, stride)
    return wrap(x.__class__, arr, x._device, x._version, x._dtype)


def _as_strided_recorded(x, size, stride, storage_offset):
    """``as_strided`` of a tensor that requires grad: a differentiable gather from its
    elements (PyTorch's gradient: the sum over every window an element appears in)."""
    import numpy as np

    if not x.is_contiguous():
        raise TorchArgumentError("as_strided: a non-contiguous tensor that requires grad is "
                                 "not supported (its storage order is not its element "
                                 "order)\n  hint: x.contiguous().as_strided(...)")
    base = x.offset
    off = base if storage_offset is None else int(storage_offset)
    pos = np.full(size, off - base, np.int64)
    for k, (n, st) in enumerate(zip(size, stride)):
        pos = pos + (np.arange(n, dtype=np.int64) * st).reshape(
            [n if i == k else 1 for i in range(len(size))])
    if pos.size and (pos.min() < 0 or pos.max() >= x.numel()):
        raise TorchShapeError(f"as_strided: sizes {list(size)}, strides {list(stride)}, "
                              f"storage offset {off} reach elements outside the tensor that "
                              f"requires grad ({x.numel()} elements from offset {base})\n  "
                              f"hint: x.detach().as_strided(...) for a view without gradients")
    return x.reshape(-1)[C.asarray(pos, dtype=D.int64, device=x._device, cls=Tensor)]


def as_strided_copy(input, size, stride, storage_offset=None):  # noqa: A002
    return as_strided(input, size, stride, storage_offset).clone()


def as_strided_scatter(input, src, size, stride, storage_offset=None):  # noqa: A002
    """A copy of ``input`` with ``src`` written into its ``as_strided`` view."""
    out = _t(input).detach().clone()
    view = as_strided(out, size, stride, storage_offset)
    s = _t(src)
    if tuple(s.shape) != tuple(view.shape):
        raise TorchShapeError(f"as_strided_scatter: expected src to have a size equal to the "
                              f"view, src size = {list(s.shape)}, view size = {list(size)}")
    view[...] = s
    return out


def as_strided_(input, size, stride, storage_offset=None):  # noqa: A002
    """Make ``input`` itself the ``as_strided`` view of its storage."""
    x = _t(input)
    x._data = as_strided(x, size, stride, storage_offset)._data
    return x
