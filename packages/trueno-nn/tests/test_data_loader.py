"""``DataLoader`` and ``default_collate`` vs torch 2.13 (single process): batch contents and
order with and without shuffle for the same seed, drop_last, nested collation (types, shapes,
dtypes), iterable datasets, lengths and PyTorch's argument errors."""

from __future__ import annotations

import collections
import warnings

import numpy as np
import pytest
import torch as T
import torch.utils.data as TD

import trueno
import trueno.torch as torch
import trueno.utils.data as D

X = np.arange(46, dtype=np.float32).reshape(23, 2)
Y = np.arange(23, dtype=np.int64) % 5


def _pair():
    return (D.TensorDataset(torch.as_tensor(X), torch.as_tensor(Y)),
            TD.TensorDataset(T.as_tensor(X), T.as_tensor(Y)))


def _same(a, b):
    """A trueno batch structure equals a torch one: types, shapes, dtypes, values."""
    if isinstance(b, T.Tensor):
        assert isinstance(a, torch.Tensor), type(a)
        assert tuple(a.shape) == tuple(b.shape) and str(a.dtype) == str(b.dtype)
        np.testing.assert_array_equal(np.asarray(a), b.numpy())
    elif isinstance(b, dict):
        assert type(a) is type(b) and list(a) == list(b)
        for k in b:
            _same(a[k], b[k])
    elif isinstance(b, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), (type(a), type(b))
        for x, y in zip(a, b):
            _same(x, y)
    else:
        assert a == b and type(a) is type(b)


@pytest.mark.parametrize("bs,drop_last", [(4, False), (4, True), (5, False), (23, True),
                                          (30, False), (30, True)])
def test_sequential_batches_equal_torch(bs, drop_last):
    ours, theirs = _pair()
    a = list(D.DataLoader(ours, batch_size=bs, drop_last=drop_last))
    b = list(TD.DataLoader(theirs, batch_size=bs, drop_last=drop_last))
    assert len(a) == len(b) == len(D.DataLoader(ours, batch_size=bs, drop_last=drop_last))
    _same(a, b)


@pytest.mark.parametrize("seed", [0, 1234])
@pytest.mark.parametrize("drop_last", [False, True])
def test_shuffle_global_seed_order_equals_torch(seed, drop_last):
    ours, theirs = _pair()
    torch.manual_seed(seed)
    T.manual_seed(seed)
    dl = D.DataLoader(ours, batch_size=4, shuffle=True, drop_last=drop_last)
    tdl = TD.DataLoader(theirs, batch_size=4, shuffle=True, drop_last=drop_last)
    for _ in range(3):  # three epochs: each reshuffles from the global generator as torch
        _same(list(dl), list(tdl))
    # both advanced the global generator by the same draws
    assert torch.randperm(10).tolist() == T.randperm(10).tolist()


def test_shuffle_generator_order_equals_torch():
    ours, theirs = _pair()
    g, tg = torch.Generator().manual_seed(99), T.Generator().manual_seed(99)
    dl = D.DataLoader(ours, batch_size=3, shuffle=True, generator=g)
    tdl = TD.DataLoader(theirs, batch_size=3, shuffle=True, generator=tg)
    for _ in range(2):
        _same(list(dl), list(tdl))
    assert g.get_state().tolist() == tg.get_state().tolist()


def test_unshuffled_loader_draws_base_seed_like_torch():
    ours, theirs = _pair()
    torch.manual_seed(5)
    T.manual_seed(5)
    list(D.DataLoader(ours, batch_size=8))
    list(TD.DataLoader(theirs, batch_size=8))
    assert torch.get_rng_state().tolist() == T.get_rng_state().tolist()


def test_samplers_and_batch_sampler_in_loader():
    ours, theirs = _pair()
    g, tg = torch.Generator().manual_seed(2), T.Generator().manual_seed(2)
    w = np.linspace(0.1, 2.0, 23).tolist()
    a = list(D.DataLoader(ours, batch_size=5,
                          sampler=D.WeightedRandomSampler(w, 12, generator=g)))
    b = list(TD.DataLoader(theirs, batch_size=5,
                           sampler=TD.WeightedRandomSampler(w, 12, generator=tg)))
    _same(a, b)
    bs = [[0, 5], [22, 1, 3], [7]]
    _same(list(D.DataLoader(ours, batch_sampler=bs)), list(TD.DataLoader(theirs, batch_sampler=bs)))


def test_batch_size_none_converts_without_batching():
    ds = [np.array([i, i + 1]) for i in range(3)]
    a = list(D.DataLoader(ds, batch_size=None))
    b = list(TD.DataLoader(ds, batch_size=None))
    _same(a, b)


Point = collections.namedtuple("Point", ["x", "y"])


def _samples(i):
    return {
        "t": (T.arange(3) + i).float(), "np": np.full((2, 2), i, dtype=np.float64),
        "f": float(i) / 2, "i": i, "b": bool(i % 2), "s": f"s{i}", "np32": np.float32(i),
        "nt": Point(i, np.int16(i)), "tup": (i, [float(i), i]), "lst": [np.arange(2) + i],
    }


def _to_trueno(x):
    if isinstance(x, T.Tensor):
        return torch.as_tensor(x.numpy())
    if isinstance(x, dict):
        return {k: _to_trueno(v) for k, v in x.items()}
    return x


def test_default_collate_nested_equals_torch():
    batch_t = [_samples(i) for i in range(4)]
    batch_n = [_to_trueno(s) for s in batch_t]
    _same(D.default_collate(batch_n), TD.default_collate(batch_t))


def test_default_collate_loader_on_nested_dataset():
    data = [_samples(i) for i in range(7)]
    ours = [_to_trueno(s) for s in data]
    _same(list(D.DataLoader(ours, batch_size=3)), list(TD.DataLoader(data, batch_size=3)))


def test_default_convert_equals_torch():
    sample = {"a": np.arange(3), "b": (np.float32(2), 3), "c": Point(np.ones(2), "z")}
    _same(D.default_convert(sample), TD.default_convert(sample))


def test_collate_errors():
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        D.default_collate([object(), object()])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        D.default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal"):
        D.default_collate([[1, 2], [3]])
    with pytest.raises(RuntimeError, match="equal size"):
        D.default_collate([torch.zeros(2), torch.zeros(3)])
    with pytest.raises(trueno.TruenoError):
        D.default_collate([[1, 2], [3]])


def test_custom_collate_fn():
    ours, theirs = _pair()

    def first_only(batch):
        return [b[1] for b in batch]
    a = list(D.DataLoader(ours, batch_size=10, collate_fn=first_only))
    assert [[int(v) for v in b] for b in a] == [Y[i:i + 10].tolist() for i in (0, 10, 20)]


class Count(D.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


class TCount(TD.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


@pytest.mark.parametrize("bs,drop_last", [(3, False), (3, True), (None, False), (5, False)])
def test_iterable_dataset_equals_torch(bs, drop_last):
    a = list(D.DataLoader(Count(10), batch_size=bs, drop_last=drop_last))
    b = list(TD.DataLoader(TCount(10), batch_size=bs, drop_last=drop_last))
    _same(a, b)
    assert len(D.DataLoader(Count(10), batch_size=bs, drop_last=drop_last)) == \
        len(TD.DataLoader(TCount(10), batch_size=bs, drop_last=drop_last))


@pytest.mark.parametrize("kw,msg", [
    (dict(num_workers=-1), "num_workers option should be non-negative"),
    (dict(timeout=-1), "timeout option should be non-negative"),
    (dict(prefetch_factor=2), "prefetch_factor option could only be specified"),
    (dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
    (dict(shuffle=True, sampler=[0, 1]), "sampler option is mutually exclusive with shuffle"),
    (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler=[[0]], drop_last=True), "batch_sampler option is mutually exclusive"),
    (dict(batch_size=None, drop_last=True), "batch_size=None option disables auto-batching"),
    (dict(multiprocessing_context="spawn"), "multiprocessing_context can only be used"),
    (dict(num_workers=1, multiprocessing_context="nope"), "should specify a valid start"),
])
def test_loader_errors_like_torch(kw, msg):
    ours, theirs = _pair()
    with pytest.raises(ValueError, match=msg.replace("(", r"\(")) as ei:
        D.DataLoader(ours, **kw)
    assert isinstance(ei.value, trueno.TruenoError)
    with pytest.raises(ValueError):
        TD.DataLoader(theirs, **kw)


def test_timeout_without_workers_is_refused():
    # PyTorch fails too (an assert when iterating); trueno says so when the loader is made
    ours, _ = _pair()
    with pytest.raises(ValueError, match="worker processes only"):
        D.DataLoader(ours, timeout=1)


def test_iterable_dataset_refuses_shuffle_and_samplers():
    for kw in (dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])):
        with pytest.raises(ValueError, match="expected unspecified"):
            D.DataLoader(Count(3), **kw)
    assert len(list(D.DataLoader(Count(3), shuffle=False))) == 3


def test_attributes_frozen_and_pin_memory_warns():
    ours, _ = _pair()
    dl = D.DataLoader(ours, batch_size=2)
    with pytest.raises(ValueError, match="batch_size attribute should not be set"):
        dl.batch_size = 3
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        D.DataLoader(ours, pin_memory=True)
    assert any("pin_memory" in str(x.message) for x in w)
