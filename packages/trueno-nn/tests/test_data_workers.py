"""``DataLoader(num_workers=2)``: worker processes give the single-process batches in order,
workers are seeded as torch's (``base_seed + worker_id`` for random/torch, torch's NumPy seed),
``worker_init_fn``, ``get_worker_info`` sharding of iterable datasets, persistent workers and
errors raised in a worker. Light: 2 workers, tiny data."""

from __future__ import annotations

import os
import random

import numpy as np
import pytest
import torch as T
import torch.utils.data as TD

import trueno.torch as torch
import trueno.utils.data as D

X = np.arange(26, dtype=np.float32).reshape(13, 2)


def test_worker_batches_in_order_and_shuffle_equals_torch():
    ds = D.TensorDataset(torch.as_tensor(X))
    torch.manual_seed(3)
    T.manual_seed(3)
    a = [b[0].tolist() for b in D.DataLoader(ds, batch_size=3, shuffle=True, num_workers=2)]
    b = [b[0].tolist() for b in TD.DataLoader(TD.TensorDataset(T.as_tensor(X)), batch_size=3,
                                              shuffle=True, num_workers=2)]
    assert a == b and len(a) == 5


class SeedProbe(D.Dataset):
    """Each sample reports what the worker that loaded it sees."""

    def __len__(self):
        return 4

    def __getitem__(self, i):
        info = D.get_worker_info()
        return (info.id, info.num_workers, info.seed, torch.initial_seed(),
                random.random(), float(np.random.random()), os.environ.get("PROBE", ""))


class TSeedProbe(TD.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        info = TD.get_worker_info()
        return (info.id, info.num_workers, info.seed, T.initial_seed(),
                random.random(), float(np.random.random()), os.environ.get("PROBE", ""))


def _init(worker_id):
    os.environ["PROBE"] = f"w{worker_id}"


def test_worker_seeds_and_init_fn_equal_torch():
    def run(mod, ds):
        mod.manual_seed(8)
        dl = (D if mod is torch else TD).DataLoader(ds, batch_size=None, num_workers=2,
                                                    worker_init_fn=_init)
        return list(dl)
    ours, theirs = run(torch, SeedProbe()), run(T, TSeedProbe())
    assert ours == theirs
    assert [r[0] for r in ours] == [0, 1, 0, 1] and ours[0][6] == "w0" and ours[1][6] == "w1"
    assert D.get_worker_info() is None


def test_numpy_worker_seed_is_torchs():
    from torch.utils.data._utils.worker import _generate_state

    from trueno_nn.data._worker import _numpy_seed
    for base, wid in [(0, 0), (2**63 - 1, 1), (123456789012345, 3)]:
        assert _numpy_seed(base, wid) == _generate_state(base, wid)


class Shard(D.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = D.get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))


class TShard(TD.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = TD.get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))


@pytest.mark.parametrize("n,bs", [(11, 2), (7, 3)])
def test_iterable_sharded_by_worker_equals_torch(n, bs):
    a = [b.tolist() for b in D.DataLoader(Shard(n), batch_size=bs, num_workers=2)]
    b = [b.tolist() for b in TD.DataLoader(TShard(n), batch_size=bs, num_workers=2)]
    assert a == b


class Pid(D.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return (i, os.getpid())


def test_persistent_workers_are_reused_across_epochs():
    dl = D.DataLoader(Pid(), batch_size=2, num_workers=2, persistent_workers=True)
    e1, e2 = list(dl), list(dl)
    assert [b[0].tolist() for b in e1] == [b[0].tolist() for b in e2] == [[0, 1], [2, 3]]
    pids1 = {p for b in e1 for p in b[1].tolist()}
    assert pids1 == {p for b in e2 for p in b[1].tolist()} and len(pids1) == 2
    assert os.getpid() not in pids1
    dl._iterator._shutdown_workers()


class Boom(D.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 2:
            raise KeyError(f"bad sample {i}")
        return i


def test_worker_exception_is_reraised_with_its_type():
    with pytest.raises(KeyError, match="bad sample 2"):
        list(D.DataLoader(Boom(), batch_size=1, num_workers=2))


def test_worker_arguments_pickle_for_spawn():
    # A spawned worker gets its arguments pickled; running one costs a fresh interpreter's
    # import of trueno (seconds here), so the test checks the round trip of what it is sent.
    import pickle

    from trueno_nn.data import _worker as W
    ds = D.TensorDataset(torch.as_tensor(X))
    args = (ds, False, True, D.default_collate, False, W.worker_loop, _init)
    back = pickle.loads(pickle.dumps(args))
    assert back[3] is D.default_collate and back[5] is W.worker_loop
    assert back[0][4][0].tolist() == X[4].tolist()
    dl = D.DataLoader(ds, batch_size=5, num_workers=2, multiprocessing_context="fork")
    assert [b[0].tolist() for b in dl] == [X[i:i + 5].tolist() for i in (0, 5, 10)]


def test_early_break_shuts_workers_down():
    dl = D.DataLoader(Pid(), batch_size=1, num_workers=2)
    it = iter(dl)
    next(it)
    workers = list(it._workers)
    assert all(p.is_alive() for p in workers)
    del it
    import gc
    gc.collect()
    assert not any(p.is_alive() for p in workers)


def test_dead_worker_is_reported():
    dl = D.DataLoader(Pid(), batch_size=1, num_workers=2, prefetch_factor=1)
    it = iter(dl)
    next(it)
    for p in it._workers:
        p.kill()
        p.join()
    with pytest.raises(RuntimeError, match="exited unexpectedly"):
        for _ in range(4):
            next(it)


def test_persistent_workers_restart_iterable_dataset():
    dl = D.DataLoader(Shard(5), batch_size=2, num_workers=2, persistent_workers=True)
    e1, e2 = [b.tolist() for b in dl], [b.tolist() for b in dl]
    assert e1 == e2 == [b.tolist() for b in TD.DataLoader(TShard(5), batch_size=2,
                                                          num_workers=2)]
    dl._iterator._shutdown_workers()


def test_persistent_shuffled_epochs_equal_torch():
    ds = D.TensorDataset(torch.as_tensor(X))
    tds = TD.TensorDataset(T.as_tensor(X))
    torch.manual_seed(21)
    T.manual_seed(21)
    dl = D.DataLoader(ds, batch_size=4, shuffle=True, num_workers=2, persistent_workers=True)
    tdl = TD.DataLoader(tds, batch_size=4, shuffle=True, num_workers=2, persistent_workers=True)
    for _ in range(2):  # the base seed is drawn once; each epoch reshuffles
        assert [b[0].tolist() for b in dl] == [b[0].tolist() for b in tdl]
    assert torch.get_rng_state().tolist() == T.get_rng_state().tolist()
    dl._iterator._shutdown_workers()
