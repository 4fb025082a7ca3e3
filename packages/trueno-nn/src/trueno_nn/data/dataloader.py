"""``DataLoader``: batches from a dataset with PyTorch's arguments, checks and random stream.

Each ``iter(loader)`` first draws a base seed from ``generator`` (or the global generator)
with ``torch.empty((), dtype=torch.int64).random_()``, exactly as torch 2.13 does, so with
``shuffle=True`` and the same seed the batches come in PyTorch's order.
"""

from __future__ import annotations

import multiprocessing
import queue
import warnings
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

import trueno.torch as torch

from . import _worker as W
from ._collate import default_collate, default_convert
from ._errors import DataRuntimeError, DataValueError
from .dataset import Dataset, IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader"]

T_co = TypeVar("T_co", covariant=True)
_FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
           "persistent_workers")


class _InfiniteConstantSampler(Sampler):
    """For iterable datasets: yields ``None`` forever (the dataset decides when to stop)."""

    def __iter__(self):
        while True:
            yield None


class DataLoader(Generic[T_co]):
    """Iterate over ``dataset`` in batches (PyTorch's ``torch.utils.data.DataLoader``).

    Parameters
    ----------
    dataset : Dataset or IterableDataset
        Where samples come from.
    batch_size : int or None
        Samples per batch (``None`` turns auto-batching off: one sample at a time).
    shuffle : bool, optional
        Reshuffle each epoch with a :class:`RandomSampler` (PyTorch's order for the same seed).
    sampler, batch_sampler : Sampler, optional
        Custom index order / index batches (mutually exclusive with the options they replace).
    num_workers : int
        Worker processes loading batches (0: in the main process).
    collate_fn : callable, optional
        Turns a list of samples into a batch (default :func:`default_collate`).
    pin_memory : bool
        Accepted for compatibility; with no accelerator it warns, as PyTorch does.
    drop_last : bool
        Drop the last incomplete batch.
    timeout : float
        Seconds to wait for a worker's batch (0: forever).
    worker_init_fn : callable, optional
        Called with the worker id in each worker, after its seeding.
    multiprocessing_context : str or context, optional
        "fork", "spawn" or "forkserver" (default: the platform's).
    generator : torch.Generator, optional
        Draws the base seed and, with ``shuffle``, the permutation.
    prefetch_factor : int, optional
        Batches in flight per worker (default 2 with workers).
    persistent_workers : bool
        Keep the workers between epochs.

    Examples
    --------
    >>> import trueno.torch as torch
    >>> from trueno_nn.data import TensorDataset
    >>> dl = DataLoader(TensorDataset(torch.arange(5)), batch_size=2)
    >>> [b[0].tolist() for b in dl]
    [[0, 1], [2, 3], [4]]
    """

    _initialized = False

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | Iterable | None = None,
                 batch_sampler: Sampler | Iterable | None = None, num_workers: int = 0,
                 collate_fn: Callable[[list], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable[[int], None] | None = None,
                 multiprocessing_context=None, generator=None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True) -> None:
        if num_workers < 0:
            raise DataValueError("DataLoader(num_workers): num_workers option should be "
                                 "non-negative; use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise DataValueError("DataLoader(timeout): timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise DataValueError(
                "DataLoader(prefetch_factor): prefetch_factor option could only be specified in "
                "multiprocessing. let num_workers > 0 to enable multiprocessing, otherwise set "
                "prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise DataValueError("DataLoader(prefetch_factor): prefetch_factor option should be "
                                 "non-negative")
        if persistent_workers and num_workers == 0:
            raise DataValueError("DataLoader(persistent_workers): persistent_workers option "
                                 "needs num_workers > 0")
        if not in_order:
            raise DataValueError("DataLoader(in_order=False): only in-order delivery is "
                                 "implemented (issue 17)\n  hint: leave in_order=True")
        if multiprocessing_context is not None:
            if num_workers == 0:
                raise DataValueError(
                    "DataLoader: multiprocessing_context can only be used with multi-process "
                    f"loading (num_workers > 0), but got num_workers={num_workers}")
            methods = multiprocessing.get_all_start_methods()
            if isinstance(multiprocessing_context, str) and multiprocessing_context not in methods:
                raise DataValueError(
                    "DataLoader: multiprocessing_context option should specify a valid start "
                    f"method in {methods!r}, but got "
                    f"multiprocessing_context={multiprocessing_context!r}")
        if timeout and num_workers == 0:
            raise DataValueError(
                f"DataLoader(timeout={timeout}): the timeout applies to worker processes only "
                "(PyTorch asserts timeout == 0 without workers)\n"
                "  hint: pass num_workers > 0 or leave timeout=0")
        if pin_memory:
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, "
                          "then device pinned memory won't be used.", stacklevel=2)
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        if isinstance(dataset, IterableDataset):
            self._dataset_kind = "iterable"
            for name, val in (("shuffle", shuffle if shuffle not in (False, None) else None),
                              ("sampler", sampler), ("batch_sampler", batch_sampler)):
                if val is not None:
                    raise DataValueError(
                        f"DataLoader with IterableDataset: expected unspecified {name} option, "
                        f"but got {name}={val}\n  hint: an iterable dataset sets its own order")
        else:
            shuffle = bool(shuffle)
            self._dataset_kind = "map"
        if sampler is not None and shuffle:
            raise DataValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise DataValueError("DataLoader: batch_sampler option is mutually exclusive "
                                     "with batch_size, shuffle, sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise DataValueError("DataLoader: batch_size=None option disables auto-batching and "
                                 "is mutually exclusive with drop_last")
        if sampler is None:
            if self._dataset_kind == "iterable":
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.collate_fn = collate_fn if collate_fn is not None else (
            default_collate if batch_sampler is not None else default_convert)
        self.persistent_workers = persistent_workers
        self._iterator = None
        self._initialized = True

    def __setattr__(self, attr: str, val) -> None:
        if self._initialized and attr in _FROZEN:
            raise DataValueError(f"{attr} attribute should not be set after "
                                 f"{type(self).__name__} is initialized")
        super().__setattr__(attr, val)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __iter__(self):
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        if self.persistent_workers:
            if self._iterator is None:
                self._iterator = _MultiProcessIter(self)
            else:
                self._iterator._reset()
            return self._iterator
        return _MultiProcessIter(self)

    def __len__(self) -> int:
        if self._dataset_kind == "iterable":
            length = len(self.dataset)
            if self.batch_size is not None:
                if self.drop_last:
                    return length // self.batch_size
                return -(-length // self.batch_size)
            return length
        return len(self._index_sampler)


def _draw_base_seed(generator) -> int:
    return int(torch.empty((), dtype=torch.int64).random_(generator=generator).item())


class _SingleProcessIter:
    def __init__(self, loader: DataLoader) -> None:
        self._loader = loader
        self._sampler_iter = iter(loader._index_sampler)
        self._base_seed = _draw_base_seed(loader.generator)
        self._it = iter(loader.dataset) if loader._dataset_kind == "iterable" else None
        self._done = False

    def __iter__(self):
        return self

    def __len__(self) -> int:
        return len(self._loader._index_sampler)

    def __next__(self):
        if self._done:
            raise StopIteration
        ld = self._loader
        index = next(self._sampler_iter)
        try:
            return W._fetch(ld.dataset, self._it, ld._dataset_kind == "iterable",
                            ld._auto_collation, ld.collate_fn, index, ld.drop_last)
        except StopIteration:
            self._done = True
            raise


class _MultiProcessIter:
    """Sends index batches round-robin to the workers and yields the results in order."""

    def __init__(self, loader: DataLoader) -> None:
        self._loader = loader
        ctx = loader.multiprocessing_context
        if ctx is None or isinstance(ctx, str):
            ctx = multiprocessing.get_context(ctx)
        self._base_seed = _draw_base_seed(loader.generator)
        self._result_queue = ctx.Queue()
        self._index_queues = []
        self._workers = []
        iterable = loader._dataset_kind == "iterable"
        for wid in range(loader.num_workers):
            iq = ctx.Queue()
            p = ctx.Process(target=W.worker_loop, daemon=True, args=(
                loader.dataset, iterable, loader._auto_collation, loader.collate_fn,
                loader.drop_last, iq, self._result_queue, loader.worker_init_fn,
                self._base_seed, wid, loader.num_workers))
            p.start()
            self._index_queues.append(iq)
            self._workers.append(p)
        self._shutdown = False
        self._start_epoch(first=True)

    def _start_epoch(self, first: bool) -> None:
        self._sampler_iter = iter(self._loader._index_sampler)
        self._active = [True] * len(self._workers)
        self._next_worker = 0
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_worker: dict[int, int] = {}
        self._results: dict[int, Any] = {}
        self._sampler_done = False
        if not first:
            for iq in self._index_queues:
                iq.put(W.ResumeIteration())
        for _ in range(self._loader.prefetch_factor * len(self._workers)):
            self._try_put()

    def _reset(self) -> None:
        self._start_epoch(first=False)

    def __iter__(self):
        return self

    def __len__(self) -> int:
        return len(self._loader._index_sampler)

    def _try_put(self) -> None:
        if self._sampler_done or not any(self._active):
            return
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            self._sampler_done = True
            return
        n = len(self._workers)
        while not self._active[self._next_worker % n]:
            self._next_worker += 1
        wid = self._next_worker % n
        self._next_worker += 1
        self._index_queues[wid].put((self._send_idx, index))
        self._task_worker[self._send_idx] = wid
        self._send_idx += 1

    def _get(self):
        timeout = self._loader.timeout
        waited = 0.0
        while True:
            try:
                return self._result_queue.get(timeout=1.0 if not timeout else min(timeout, 1.0))
            except queue.Empty:
                waited += 1.0
                dead = [p.pid for p in self._workers if not p.is_alive()]
                if dead:
                    self._shutdown_workers()
                    raise DataRuntimeError(
                        f"DataLoader worker (pid(s) {dead}) exited unexpectedly\n"
                        "  hint: a worker crashed or was killed (out of memory?); try "
                        "num_workers=0 to see the error in the main process") from None
                if timeout and waited >= timeout:
                    self._shutdown_workers()
                    raise DataRuntimeError(
                        f"DataLoader timed out after {timeout} seconds\n"
                        "  hint: raise timeout= or make the dataset faster") from None

    def __next__(self):
        while True:
            if self._rcvd_idx == self._send_idx:  # nothing outstanding: the epoch is over
                if not self._loader.persistent_workers:
                    self._shutdown_workers()
                raise StopIteration
            while self._rcvd_idx not in self._results:
                task_id, data = self._get()
                self._results[task_id] = data
            data = self._results.pop(self._rcvd_idx)
            self._task_worker.pop(self._rcvd_idx, None)
            self._rcvd_idx += 1
            if isinstance(data, W.IterableEnd):
                self._active[data.worker_id] = False
                continue
            self._try_put()
            if isinstance(data, W.ExceptionWrapper):
                data.reraise()
            return data

    def _shutdown_workers(self) -> None:
        if self._shutdown:
            return
        self._shutdown = True
        for iq in self._index_queues:
            try:
                iq.put(None)
            except (OSError, ValueError):
                pass
        for p in self._workers:
            p.join(timeout=5)
            if p.is_alive():
                p.terminate()
                p.join(timeout=1)
        for q in [*self._index_queues, self._result_queue]:
            q.cancel_join_thread()
            q.close()

    def __del__(self) -> None:
        try:
            self._shutdown_workers()
        except Exception:  # noqa: BLE001, S110 - interpreter shutdown
            pass
