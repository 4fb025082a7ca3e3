"""The values of each kind of summary, as PyTorch's ``torch.utils.tensorboard.summary``
computes them: histograms cut to their support, images scaled to 8 bits and laid out HWC,
precision-recall curves, 16-bit WAV audio; and the conversion of tensors to NumPy."""

from __future__ import annotations

import io
import wave

import numpy as np

from trueno import TruenoError

from . import _records as R

__all__ = ["SummaryWriterError", "SummaryWriterNotSupportedError", "default_bins", "numpy_of",
           "scalar_of", "histogram", "to_hwc", "figure_pixels", "pr_curve", "audio"]


class SummaryWriterError(TruenoError, ValueError):
    """A bad value for a summary (an empty histogram, an image of the wrong shape)."""


def default_bins() -> list[float]:
    """TensorFlow's default histogram bucket limits, as PyTorch's SummaryWriter builds them."""
    v = 1e-12
    buckets, neg = [], []
    while v < 1e20:
        buckets.append(v)
        neg.append(-v)
        v *= 1.1
    return neg[::-1] + [0] + buckets


def numpy_of(v, func: str) -> np.ndarray:
    """A NumPy array of a trueno tensor (either face, any device), NumPy array or number."""
    if hasattr(v, "detach") and hasattr(v, "cpu") and not isinstance(v, np.ndarray):
        v = v.detach().cpu()
    try:
        return np.asarray(v)
    except (TypeError, ValueError, RuntimeError) as e:
        raise SummaryWriterError(f"{func}: cannot read {type(v).__name__} values ({e})\n  "
                                 f"hint: pass a tensor, array or number") from None


def scalar_of(v, func: str) -> float:
    a = numpy_of(v, func)
    if a.size != 1:
        raise SummaryWriterError(f"{func}: expected one value, got shape {a.shape}\n  hint: "
                                 f"log loss.item(), or add_histogram for many values")
    return float(a.reshape(()))


class SummaryWriterNotSupportedError(TruenoError, NotImplementedError):
    """A ``SummaryWriter`` method of PyTorch's that trueno does not write."""


def histogram(values: np.ndarray, bins, max_bins, func: str) -> bytes:
    """PyTorch's ``make_histogram``: counts of ``numpy.histogram`` cut to their support, with
    one empty bucket on the left (TensorBoard stores right limits only)."""
    if values.size == 0:
        raise SummaryWriterError(f"{func}: the input has no element\n  hint: log a "
                                 f"histogram of a non-empty tensor")
    counts, limits = np.histogram(values, bins=bins)
    if max_bins is not None and len(counts) > max_bins:
        sub = len(counts) // max_bins
        rem = len(counts) % sub
        if rem:
            counts = np.pad(counts, [[0, sub - rem]], mode="constant", constant_values=0)
        counts = counts.reshape(-1, sub).sum(axis=-1)
        new_limits = np.empty((counts.size + 1,), limits.dtype)
        new_limits[:-1] = limits[:-1:sub]
        new_limits[-1] = limits[-1]
        limits = new_limits
    cum = np.cumsum(np.greater(counts, 0))
    start, end = np.searchsorted(cum, [0, cum[-1] - 1], side="right")
    start, end = int(start), int(end) + 1
    counts = counts[start - 1:end] if start > 0 else np.concatenate([[0], counts[:end]])
    limits = limits[start:end + 1]
    if counts.size == 0 or limits.size == 0:
        raise SummaryWriterError(f"{func}: no value falls in the bins\n  hint: widen bins")
    return R.histogram_proto(values.min(), values.max(), len(values), values.sum(),
                             values.dot(values), limits.tolist(), counts.tolist())


def figure_pixels(figure, close: bool) -> np.ndarray:
    """The RGB pixels (H, W, 3) of a matplotlib figure, drawn with the Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    w, h = canvas.get_width_height()
    rgba = np.frombuffer(canvas.buffer_rgba(), dtype=np.uint8).reshape(h, w, 4)
    if close:
        import matplotlib.pyplot as plt
        plt.close(figure)
    return rgba[:, :, :3].copy()


def to_hwc(img: np.ndarray, fmt: str, func: str) -> np.ndarray:
    fmt = fmt.upper()
    if len(set(fmt)) != len(fmt) or img.ndim != len(fmt) or fmt not in (
            "NCHW", "NHWC", "CHW", "HWC", "HW", "WH", "CWH", "WHC", "NWHC", "NCWH"):
        raise SummaryWriterError(f"{func}: an image of shape {img.shape} with dataformats="
                                 f"{fmt!r}; expected one of CHW, HWC, HW (NCHW, NHWC for "
                                 f"add_images) with as many letters as dimensions")
    if len(fmt) == 4:
        img = img.transpose([fmt.find(c) for c in "NCHW"])
        if img.shape[1] == 1:
            img = np.concatenate([img, img, img], 1)
        if img.shape[1] not in (3, 4):
            raise SummaryWriterError(f"{func}: images with {img.shape[1]} channels; expected "
                                     f"1, 3 or 4")
        n, c, h, w = img.shape
        ncols = min(n, 8)
        nrows = -(-n // ncols)
        canvas = np.zeros((c, h * nrows, w * ncols), dtype=img.dtype)
        for i in range(n):
            y, x = divmod(i, ncols)
            canvas[:, y * h:(y + 1) * h, x * w:(x + 1) * w] = img[i]
        return canvas.transpose(1, 2, 0)
    if len(fmt) == 3:
        img = img.transpose([fmt.find(c) for c in "HWC"])
        if img.shape[2] == 1:
            img = np.concatenate([img, img, img], 2)
        if img.shape[2] not in (3, 4):
            raise SummaryWriterError(f"{func}: an image with {img.shape[2]} channels; "
                                     f"expected 1, 3 or 4\n  hint: dataformats='HWC' for "
                                     f"channels-last images")
        return img
    img = img.transpose([fmt.find(c) for c in "HW"])
    return np.stack([img, img, img], 2)


def pr_curve(labels: np.ndarray, predictions: np.ndarray, num_thresholds: int,
             weights=None) -> tuple[bytes, bytes]:
    """(tensor, metadata) of a precision-recall curve: PyTorch's ``compute_curve``, the
    (6, num_thresholds) rows TP, FP, TN, FN, precision, recall, for the pr_curves plugin."""
    num_thresholds = min(int(num_thresholds), 127)  # as PyTorch
    w = 1.0 if weights is None else weights
    buckets = np.int32(np.floor(predictions * (num_thresholds - 1)))
    labels = labels.astype(np.float64)
    rng = (0, num_thresholds - 1)
    tp_b, _ = np.histogram(buckets, bins=num_thresholds, range=rng, weights=labels * w)
    fp_b, _ = np.histogram(buckets, bins=num_thresholds, range=rng, weights=(1.0 - labels) * w)
    tp = np.cumsum(tp_b[::-1])[::-1]
    fp = np.cumsum(fp_b[::-1])[::-1]
    tn = fp[0] - fp
    fn = tp[0] - tp
    precision = tp / np.maximum(1e-7, tp + fp)
    recall = tp / np.maximum(1e-7, tp + fn)
    data = np.stack((tp, fp, tn, fn, precision, recall))
    tensor = R.tensor_proto(R.DT_FLOAT, data.shape, float_val=data.reshape(-1).tolist())
    return tensor, R.plugin_metadata("pr_curves", R._int(2, num_thresholds))


def audio(values: np.ndarray, sample_rate: int, func: str) -> bytes:
    """A ``Summary.Audio`` of mono samples in [-1, 1] (clipped), as 16-bit PCM WAV."""
    a = values.squeeze()
    if a.ndim != 1:
        raise SummaryWriterError(f"{func}: audio of shape {values.shape}; expected one "
                                 f"channel (L,) of samples in [-1, 1]")
    a = (np.clip(a, -1, 1) * np.iinfo(np.int16).max).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(a.tobytes())
    return (R._float(1, sample_rate) + R._int(2, 1) + R._int(3, a.shape[-1])
            + R._bytes(4, buf.getvalue()) + R._bytes(5, "audio/wav"))
