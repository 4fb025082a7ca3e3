"""``SummaryWriter``: PyTorch's ``torch.utils.tensorboard.SummaryWriter`` API, writing
TensorBoard event files with trueno's own encoder (:mod:`._records`, :mod:`._png`).

Events are written by the calling thread under a lock (no background thread): each ``add_*``
appends one record to a buffer that goes to the file after ``max_queue`` events, after
``flush_secs`` seconds, on :meth:`SummaryWriter.flush` and on :meth:`SummaryWriter.close`.
"""

from __future__ import annotations

import itertools
import os
import socket
import threading
import time
import weakref
from datetime import datetime

import numpy as np

from trueno import TruenoError

from . import _records as R
from ._hparams import hparams_summaries
from ._png import encode_png

__all__ = ["SummaryWriter", "FileWriter", "SummaryWriterError"]

_UID = itertools.count()


class SummaryWriterError(TruenoError, ValueError):
    """A bad value for a summary (an empty histogram, an image of the wrong shape)."""


def _default_bins() -> list[float]:
    """TensorFlow's default histogram bucket limits, as PyTorch's SummaryWriter builds them."""
    v = 1e-12
    buckets, neg = [], []
    while v < 1e20:
        buckets.append(v)
        neg.append(-v)
        v *= 1.1
    return neg[::-1] + [0] + buckets


def _numpy(v, func: str) -> np.ndarray:
    """A NumPy array of a trueno tensor (either face, any device), NumPy array or number."""
    if hasattr(v, "detach") and hasattr(v, "cpu") and not isinstance(v, np.ndarray):
        v = v.detach().cpu()
    try:
        return np.asarray(v)
    except (TypeError, ValueError, RuntimeError) as e:
        raise SummaryWriterError(f"{func}: cannot read {type(v).__name__} values ({e})\n  "
                                 f"hint: pass a tensor, array or number") from None


def _scalar(v, func: str) -> float:
    a = _numpy(v, func)
    if a.size != 1:
        raise SummaryWriterError(f"{func}: expected one value, got shape {a.shape}\n  hint: "
                                 f"log loss.item(), or add_histogram for many values")
    return float(a.reshape(()))


class FileWriter:
    """One event file in ``log_dir``: its records, buffered, and flushed by time and count."""

    def __init__(self, log_dir: str, max_queue: int = 10, flush_secs: int = 120,
                 filename_suffix: str = "") -> None:
        self.log_dir = str(log_dir)
        os.makedirs(self.log_dir, exist_ok=True)
        name = (f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}."
                f"{os.getpid()}.{next(_UID)}{filename_suffix}")
        self.path = os.path.join(self.log_dir, name)
        self._file = open(self.path, "wb")  # noqa: SIM115  (closed by close())
        self._lock = threading.Lock()
        self._queue: list[bytes] = []
        self._max_queue = max(1, int(max_queue))
        self._flush_secs = flush_secs
        self._last_flush = time.monotonic()
        # A writer that is never closed still gets its queued events to disk: when it is
        # collected, or at interpreter exit.
        self._finalizer = weakref.finalize(self, _drain, self._queue, self._file)
        self.add_event(R.Event(time.time(), file_version="brain.Event:2"))
        self.flush()

    def get_logdir(self) -> str:
        return self.log_dir

    def add_event(self, event: bytes) -> None:
        with self._lock:
            if self._file is None:
                raise SummaryWriterError(f"SummaryWriter({self.log_dir!r}) is closed\n  hint: "
                                         f"make a new SummaryWriter")
            self._queue.append(R.record(event))
            due = len(self._queue) >= self._max_queue or \
                time.monotonic() - self._last_flush >= self._flush_secs
        if due:
            self.flush()

    def add_summary(self, summary: bytes, global_step: int | None, walltime: float | None):
        self.add_event(R.Event(time.time() if walltime is None else walltime,
                               int(global_step or 0), summary=summary))

    def flush(self) -> None:
        with self._lock:
            if self._file is None:
                return
            self._file.write(b"".join(self._queue))
            self._queue.clear()
            self._file.flush()
            self._last_flush = time.monotonic()

    def close(self) -> None:
        self.flush()
        with self._lock:
            if self._file is not None:
                self._finalizer.detach()
                self._file.close()
                self._file = None


def _drain(queue: list[bytes], file) -> None:
    """Write what is queued and close ``file`` (the finalizer of a FileWriter)."""
    if not file.closed:
        file.write(b"".join(queue))
        queue.clear()
        file.close()


class SummaryWriter:
    """Write TensorBoard event files, with PyTorch's ``SummaryWriter`` arguments.

    Parameters
    ----------
    log_dir : str, optional
        The run's directory; default ``runs/<Mon><DD>_<HH-MM-SS>_<hostname><comment>``.
    comment : str
        Appended to the default ``log_dir``.
    purge_step : int, optional
        Start with a marker that makes TensorBoard hide the events of an earlier run in the
        same ``log_dir`` at steps >= ``purge_step`` (resuming after a crash).
    max_queue, flush_secs : int
        Flush after this many events or seconds.
    filename_suffix : str
        Appended to the event file names.

    Examples
    --------
    >>> import tempfile
    >>> with SummaryWriter(tempfile.mkdtemp()) as w:
    ...     for step in range(3):
    ...         w.add_scalar("loss", 1.0 / (step + 1), step)
    """

    def __init__(self, log_dir: str | os.PathLike | None = None, comment: str = "",
                 purge_step: int | None = None, max_queue: int = 10, flush_secs: int = 120,
                 filename_suffix: str = "") -> None:
        if not log_dir:
            now = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", now + "_" + socket.gethostname() + comment)
        self.log_dir = os.fspath(log_dir)
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self.default_bins = _default_bins()
        self._lock = threading.Lock()
        self.file_writer: FileWriter | None = None
        self.all_writers: dict[str, FileWriter] | None = None
        self._get_file_writer()

    def _get_file_writer(self) -> FileWriter:
        with self._lock:
            if self.all_writers is None or self.file_writer is None:
                self.file_writer = FileWriter(self.log_dir, self.max_queue, self.flush_secs,
                                              self.filename_suffix)
                self.all_writers = {self.log_dir: self.file_writer}
                if self.purge_step is not None:
                    self.file_writer.add_event(R.Event(time.time(), int(self.purge_step),
                                                       session_log=R.session_log_start()))
                    self.purge_step = None
            return self.file_writer

    def get_logdir(self) -> str:
        """The directory the event files go to."""
        return self.log_dir

    def _summary(self, value: bytes, global_step, walltime) -> None:
        self._get_file_writer().add_summary(R.Summary([value]), global_step, walltime)

    def add_scalar(self, tag: str, scalar_value, global_step: int | None = None,
                   walltime: float | None = None, new_style: bool = False,
                   double_precision: bool = False) -> None:
        """Log one number (a float, or a one-element tensor/array) at ``global_step``."""
        v = _scalar(scalar_value, f"add_scalar({tag!r})")
        if new_style:
            meta = R.plugin_metadata("scalars")
            t = R.tensor_proto(R.DT_DOUBLE, (), double_val=[v]) if double_precision else \
                R.tensor_proto(R.DT_FLOAT, (), float_val=[v])
            self._summary(R.Value(tag, tensor=t, metadata=meta), global_step, walltime)
        else:
            self._summary(R.Value(tag, simple_value=v), global_step, walltime)

    def add_scalars(self, main_tag: str, tag_scalar_dict: dict, global_step: int | None = None,
                    walltime: float | None = None) -> None:
        """Log several numbers in one chart: each goes to ``log_dir/<main_tag>_<tag>`` under
        the tag ``main_tag``, as PyTorch does."""
        walltime = time.time() if walltime is None else walltime
        base = self._get_file_writer().get_logdir()
        for tag, value in tag_scalar_dict.items():
            v = _scalar(value, f"add_scalars({main_tag!r}, {tag!r})")
            key = base + "/" + main_tag.replace("/", "_") + "_" + tag
            with self._lock:
                fw = self.all_writers.get(key)
                if fw is None:
                    fw = FileWriter(key, self.max_queue, self.flush_secs, self.filename_suffix)
                    self.all_writers[key] = fw
            fw.add_summary(R.Summary([R.Value(main_tag, simple_value=v)]), global_step,
                           walltime)

    def add_histogram(self, tag: str, values, global_step: int | None = None,
                      bins="tensorflow", walltime: float | None = None,
                      max_bins: int | None = None) -> None:
        """Log a histogram of ``values`` (bins as ``numpy.histogram``, or ``"tensorflow"``:
        TensorFlow's exponential default bucket limits), as PyTorch does."""
        if isinstance(bins, str) and bins == "tensorflow":
            bins = self.default_bins
        v = _numpy(values, f"add_histogram({tag!r})").astype(float).reshape(-1)
        histo = _histogram(v, bins, max_bins, f"add_histogram({tag!r})")
        self._summary(R.Value(tag, histo=histo), global_step, walltime)

    def add_image(self, tag: str, img_tensor, global_step: int | None = None,
                  walltime: float | None = None, dataformats: str = "CHW") -> None:
        """Log an image: ``uint8`` values as they are, floats in [0, 1] scaled by 255;
        ``dataformats`` is ``"CHW"``, ``"HWC"`` or ``"HW"`` (1, 3 or 4 channels)."""
        img = _numpy(img_tensor, f"add_image({tag!r})")
        self._image(tag, _to_hwc(img, dataformats, f"add_image({tag!r})"), global_step,
                    walltime)

    def add_images(self, tag: str, img_tensor, global_step: int | None = None,
                   walltime: float | None = None, dataformats: str = "NCHW") -> None:
        """Log a batch of images as one grid of 8 columns (PyTorch's ``make_grid``)."""
        img = _numpy(img_tensor, f"add_images({tag!r})")
        self._image(tag, _to_hwc(img, dataformats, f"add_images({tag!r})"), global_step,
                    walltime)

    def _image(self, tag: str, hwc: np.ndarray, global_step, walltime) -> None:
        scale = 1 if hwc.dtype == np.uint8 else 255
        img = (hwc.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)
        h, w, c = img.shape
        self._summary(R.Value(tag, image=R.image_proto(h, w, c, encode_png(img))),
                      global_step, walltime)

    def add_text(self, tag: str, text_string: str, global_step: int | None = None,
                 walltime: float | None = None) -> None:
        """Log text (Markdown) under ``<tag>/text_summary``, TensorBoard's text plugin."""
        t = R.tensor_proto(R.DT_STRING, (1,), string_val=[str(text_string).encode("utf-8")])
        self._summary(R.Value(tag + "/text_summary", tensor=t,
                              metadata=R.plugin_metadata("text")), global_step, walltime)

    def add_figure(self, tag: str, figure, global_step: int | None = None,
                   close: bool = True, walltime: float | None = None) -> None:
        """Log a matplotlib figure (or a list of them, as a grid) rendered to RGB pixels."""
        figs = figure if isinstance(figure, list) else [figure]
        images = np.stack([_figure_pixels(f, close) for f in figs])  # (N, H, W, 3)
        if isinstance(figure, list):
            self.add_images(tag, images, global_step, walltime, dataformats="NHWC")
        else:
            self.add_image(tag, images[0], global_step, walltime, dataformats="HWC")

    def add_hparams(self, hparam_dict: dict, metric_dict: dict,
                    hparam_domain_discrete: dict | None = None, run_name: str | None = None,
                    global_step: int | None = None) -> None:
        """Log a run's hyper-parameters and metrics for TensorBoard's HPARAMS tab, in a
        sub-run ``log_dir/<run_name>`` (default: the time), as PyTorch does."""
        exp, ssi, sei = hparams_summaries(hparam_dict, metric_dict, hparam_domain_discrete)
        logdir = os.path.join(self._get_file_writer().get_logdir(),
                              run_name or str(time.time()))
        with SummaryWriter(log_dir=logdir) as w:
            fw = w._get_file_writer()
            for summary in (exp, ssi, sei):
                fw.add_summary(summary, global_step, None)
            for k, v in metric_dict.items():
                w.add_scalar(k, v, global_step)

    def flush(self) -> None:
        """Write every pending event to disk."""
        for fw in list((self.all_writers or {}).values()):
            fw.flush()

    def close(self) -> None:
        """Flush and close every event file; a later ``add_*`` opens a new one."""
        with self._lock:
            writers = list((self.all_writers or {}).values())
            self.all_writers = self.file_writer = None
        for fw in writers:
            fw.close()

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _histogram(values: np.ndarray, bins, max_bins, func: str) -> bytes:
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


def _figure_pixels(figure, close: bool) -> np.ndarray:
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


def _to_hwc(img: np.ndarray, fmt: str, func: str) -> np.ndarray:
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
