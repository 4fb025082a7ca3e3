"""Worker processes of ``DataLoader(num_workers > 0)``: the loop each worker runs, and
``get_worker_info``. Spawn-safe: everything a worker gets is pickled (dataset, collate_fn,
worker_init_fn), so under "spawn" they must be importable, module-level objects."""

from __future__ import annotations

import random
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["WorkerInfo", "get_worker_info"]

_worker_info: WorkerInfo | None = None


@dataclass(frozen=True)
class WorkerInfo:
    """What ``get_worker_info()`` returns inside a worker process."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


def get_worker_info() -> WorkerInfo | None:
    """In a ``DataLoader`` worker process: its id, the number of workers, its seed and its copy
    of the dataset; ``None`` in the main process."""
    return _worker_info


class ResumeIteration:
    """Sent to persistent workers at each new epoch: restart an iterable dataset's iterator."""


class IterableEnd:
    """A worker's answer once its copy of an iterable dataset is exhausted."""

    def __init__(self, worker_id: int) -> None:
        self.worker_id = worker_id


class ExceptionWrapper:
    """An exception raised in a worker, carried back with its traceback as text."""

    def __init__(self, exc: BaseException, where: str) -> None:
        self.exc_type = type(exc)
        self.msg = f"Caught {type(exc).__name__} {where}.\nOriginal {traceback.format_exc()}"

    def reraise(self) -> None:
        try:
            exc = self.exc_type(self.msg)
        except Exception:  # noqa: BLE001 - constructors with other signatures
            exc = RuntimeError(self.msg)
        raise exc


def _numpy_seed(base_seed: int, worker_id: int) -> list[int]:
    """PyTorch's ``_generate_state``: NumPy's seed for a worker (SeedSequence-like mixing)."""
    mult_a, mult_b, mix_l, mix_r = 0x931E8875, 0x58F38DED, 0xCA01F9DD, 0x4973F715
    xor_shift = 4 * 8 // 2
    mask32 = 0xFFFFFFFF
    entropy = [worker_id, base_seed & mask32, base_seed >> 32, 0]
    pool = [0] * 4
    hash_const_a = 0x43B0D7E5

    def hash_(value: int) -> int:
        nonlocal hash_const_a
        value = (value ^ hash_const_a) & mask32
        hash_const_a = (hash_const_a * mult_a) & mask32
        value = (value * hash_const_a) & mask32
        value = (value ^ (value >> xor_shift)) & mask32
        return value

    def mix(x: int, y: int) -> int:
        r = (x * mix_l - y * mix_r) & mask32
        return (r ^ (r >> xor_shift)) & mask32

    for i in range(4):
        pool[i] = hash_(entropy[i])
    for i_src in range(4):
        for i_dst in range(4):
            if i_src != i_dst:
                pool[i_dst] = mix(pool[i_dst], hash_(pool[i_src]))
    hash_const_b = 0x8B51F9DD
    state = []
    for i_dst in range(4):
        data_val = pool[i_dst]
        data_val = (data_val ^ hash_const_b) & mask32
        hash_const_b = (hash_const_b * mult_b) & mask32
        data_val = (data_val * hash_const_b) & mask32
        data_val = (data_val ^ (data_val >> xor_shift)) & mask32
        state.append(data_val)
    return state


def _fetch(dataset, it, kind_iterable: bool, auto_collation: bool, collate_fn, index,
           drop_last: bool):
    if kind_iterable:
        if auto_collation:
            data = []
            for _ in index:
                try:
                    data.append(next(it))
                except StopIteration:
                    break
            if not data or (drop_last and len(data) < len(index)):
                raise StopIteration
        else:
            data = next(it)
        return collate_fn(data)
    if auto_collation:
        getitems = getattr(dataset, "__getitems__", None)
        data = getitems(index) if callable(getitems) else [dataset[i] for i in index]
    else:
        data = dataset[index]
    return collate_fn(data)


def worker_loop(dataset, kind_iterable: bool, auto_collation: bool, collate_fn, drop_last: bool,
                index_queue, result_queue, worker_init_fn, base_seed: int, worker_id: int,
                num_workers: int) -> None:
    """The body of one worker process: answer ``(task_id, index)`` messages until ``None``."""
    global _worker_info
    import trueno.torch as torch

    seed = base_seed + worker_id
    random.seed(seed)
    torch.manual_seed(seed)
    np.random.seed(_numpy_seed(base_seed, worker_id))
    _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
    init_error = None
    try:
        if worker_init_fn is not None:
            worker_init_fn(worker_id)
    except Exception as exc:  # noqa: BLE001 - sent to the main process
        init_error = ExceptionWrapper(exc, f"in DataLoader worker process {worker_id}")
    it = iter(dataset) if kind_iterable and init_error is None else None
    ended = False
    while True:
        msg = index_queue.get()
        if msg is None:
            break
        if isinstance(msg, ResumeIteration):
            it = iter(dataset) if kind_iterable else None
            ended = False
            continue
        task_id, index = msg
        if init_error is not None:
            result_queue.put((task_id, init_error))
            continue
        if ended:
            result_queue.put((task_id, IterableEnd(worker_id)))
            continue
        try:
            out = _fetch(dataset, it, kind_iterable, auto_collation, collate_fn, index, drop_last)
        except StopIteration:
            ended = True
            out = IterableEnd(worker_id)
        except Exception as exc:  # noqa: BLE001 - sent to the main process
            out = ExceptionWrapper(exc, f"in DataLoader worker process {worker_id}")
        result_queue.put((task_id, out))
