"""``SummaryWriter``: PyTorch's ``torch.utils.tensorboard.SummaryWriter`` API, writing
TensorBoard event files with trueno's own encoder (:mod:`._records`, :mod:`._png`).

Each ``add_*`` encodes one record in the calling thread and appends it, under the file's
lock, to a queue that goes to the file after ``max_queue`` events, on
:meth:`SummaryWriter.flush` and :meth:`SummaryWriter.close`, when the writer is collected or
the interpreter exits, and after ``flush_secs`` seconds (one daemon thread per process
checks every second).
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

from . import _records as R
from ._hparams import hparams_summaries
from ._png import encode_png
from ._summaries import SummaryWriterError, SummaryWriterNotSupportedError
from ._summaries import audio as _audio
from ._summaries import default_bins as _default_bins
from ._summaries import figure_pixels as _figure_pixels
from ._summaries import histogram as _histogram
from ._summaries import numpy_of as _numpy
from ._summaries import pr_curve as _pr_curve
from ._summaries import scalar_of as _scalar
from ._summaries import to_hwc as _to_hwc

__all__ = ["SummaryWriter", "FileWriter", "SummaryWriterError", "SummaryWriterNotSupportedError"]

_UID = itertools.count()


class FileWriter:
    """One event file in ``log_dir``: its records, buffered, and flushed by time and count."""

    def __init__(self, log_dir: str, max_queue: int = 10, flush_secs: int = 120,
                 filename_suffix: str = "") -> None:
        self.log_dir = str(log_dir)
        os.makedirs(self.log_dir, exist_ok=True)
        # Note: differs from PyTorch: the counter is zero-padded. TensorBoard reads a
        # directory's files in name order, so a process's files are then read in the order
        # they were made (PyTorch's ".10" sorts before its ".9", and the steps of the later
        # file purge the earlier file's as a restart would).
        name = (f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}."
                f"{os.getpid()}.{next(_UID):06d}{filename_suffix}")
        self.path = os.path.join(self.log_dir, name)
        self._file = open(self.path, "wb")  # noqa: SIM115  (closed by close())
        self._lock = threading.Lock()
        self._queue: list[bytes] = []
        self._max_queue = max(1, int(max_queue))
        self._flush_secs = flush_secs
        self._last_flush = time.monotonic()
        # A writer that is never closed still gets its queued events to disk: when it is
        # collected, or at interpreter exit.
        self._finalizer = weakref.finalize(self, _drain, self._queue, self._file, self._lock)
        self.add_event(R.Event(time.time(), file_version="brain.Event:2"))
        self.flush()
        _FLUSHER.add(self)

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
            self._flush_locked()

    def _flush_locked(self) -> None:
        if self._file is None:
            return
        self._file.write(b"".join(self._queue))
        self._queue.clear()
        self._file.flush()
        self._last_flush = time.monotonic()

    def flush_if_due(self) -> None:
        """Flush when events have waited ``flush_secs`` (called by the flushing thread)."""
        with self._lock:
            if self._queue and time.monotonic() - self._last_flush >= self._flush_secs:
                self._flush_locked()

    def close(self) -> None:
        self.flush()
        with self._lock:
            if self._file is not None:
                self._finalizer.detach()
                self._file.close()
                self._file = None
        _FLUSHER.discard(self)


def _drain(queue: list[bytes], file, lock: threading.Lock) -> None:
    """Write what is queued and close ``file`` (the finalizer of a FileWriter)."""
    with lock:
        if not file.closed:
            file.write(b"".join(queue))
            queue.clear()
            file.close()


class _Flusher:
    """One daemon thread for all the event files of the process, started with the first:
    every second it flushes the files whose events have waited ``flush_secs``, so that
    TensorBoard shows them while training is quiet (PyTorch flushes on a timer too)."""

    TICK = 1.0

    def __init__(self) -> None:
        self._writers: weakref.WeakSet[FileWriter] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def add(self, fw: FileWriter) -> None:
        with self._lock:
            self._writers.add(fw)
            if self._thread is None or not self._thread.is_alive():  # also after a fork
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name="trueno-tensorboard-flush")
                self._thread.start()

    def discard(self, fw: FileWriter) -> None:
        with self._lock:
            self._writers.discard(fw)

    def _run(self) -> None:
        while True:
            time.sleep(self.TICK)
            with self._lock:
                writers = list(self._writers)
            for fw in writers:
                try:
                    fw.flush_if_due()
                except (OSError, ValueError):  # a full disk: the next flush()/close() raises
                    pass
            writers = fw = None  # no strong reference while sleeping


_FLUSHER = _Flusher()


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

    def add_histogram_raw(self, tag: str, min, max, num, sum, sum_squares,  # noqa: A002
                          bucket_limits, bucket_counts, global_step: int | None = None,
                          walltime: float | None = None) -> None:
        """Log a histogram from its statistics and buckets (right limits and counts)."""
        limits = _numpy(bucket_limits, f"add_histogram_raw({tag!r})").reshape(-1)
        counts = _numpy(bucket_counts, f"add_histogram_raw({tag!r})").reshape(-1)
        if len(limits) != len(counts):
            raise SummaryWriterError(f"add_histogram_raw({tag!r}): {len(limits)} bucket "
                                     f"limits but {len(counts)} bucket counts; expected as "
                                     f"many of each")
        histo = R.histogram_proto(min, max, num, sum, sum_squares, limits.tolist(),
                                  counts.tolist())
        self._summary(R.Value(tag, histo=histo), global_step, walltime)

    def add_pr_curve(self, tag: str, labels, predictions, global_step: int | None = None,
                     num_thresholds: int = 127, weights=None,
                     walltime: float | None = None) -> None:
        """Log a precision-recall curve of binary ``labels`` and ``predictions`` in [0, 1]."""
        func = f"add_pr_curve({tag!r})"
        w = None if weights is None else _numpy(weights, func)
        tensor, meta = _pr_curve(_numpy(labels, func), _numpy(predictions, func),
                                 num_thresholds, w)
        self._summary(R.Value(tag, tensor=tensor, metadata=meta), global_step, walltime)

    def add_audio(self, tag: str, snd_tensor, global_step: int | None = None,
                  sample_rate: int = 44100, walltime: float | None = None) -> None:
        """Log mono audio (samples in [-1, 1]) as a 16-bit WAV clip."""
        a = _numpy(snd_tensor, f"add_audio({tag!r})")
        self._summary(R.Value(tag, audio=_audio(a, sample_rate, f"add_audio({tag!r})")),
                      global_step, walltime)

    def add_graph(self, model, input_to_model=None, verbose: bool = False,
                  use_strict_trace: bool = True) -> None:
        """Not written by trueno: raises :class:`SummaryWriterNotSupportedError`."""
        _unsupported("add_graph", "print(model) shows the structure; log it with add_text")

    def add_embedding(self, mat, metadata=None, label_img=None, global_step=None, tag="default",
                      metadata_header=None) -> None:
        """Not written by trueno: raises :class:`SummaryWriterNotSupportedError`."""
        _unsupported("add_embedding", "save the matrix with numpy.savetxt for the projector")

    def add_video(self, tag, vid_tensor, global_step=None, fps=4, walltime=None) -> None:
        """Not written by trueno: raises :class:`SummaryWriterNotSupportedError`."""
        _unsupported("add_video", "log frames with add_images")

    def add_mesh(self, tag, vertices, colors=None, faces=None, config_dict=None,
                 global_step=None, walltime=None) -> None:
        """Not written by trueno: raises :class:`SummaryWriterNotSupportedError`."""
        _unsupported("add_mesh", "render the mesh with matplotlib and use add_figure")

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


def _unsupported(name: str, hint: str):
    raise SummaryWriterNotSupportedError(
        f"SummaryWriter.{name}: trueno's SummaryWriter does not write this summary (it writes "
        f"scalars, histograms, images, figures, text, audio, PR curves and hparams)\n  hint: "
        f"{hint}")
