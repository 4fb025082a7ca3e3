"""Datasets and samplers of ``trueno.utils.data`` vs torch 2.13: random_split indices, sampler
index streams for the same seed, ConcatDataset/Subset indexing and PyTorch's errors."""

from __future__ import annotations

import warnings

import pytest
import torch as T
import torch.utils.data as TD

import trueno
import trueno.torch as torch
import trueno.utils.data as D


def _gens(seed):
    return torch.Generator().manual_seed(seed), T.Generator().manual_seed(seed)


def test_shim_is_trueno_nn_data():
    import trueno_nn.data as nd
    assert D.DataLoader is nd.DataLoader and set(D.__all__) == set(nd.__all__)
    assert D.DataValueError.__mro__[1] is trueno.TruenoError


def test_tensor_dataset_rows_and_len():
    x = torch.arange(12).reshape(6, 2)
    y = torch.arange(6) * 10
    ds = D.TensorDataset(x, y)
    assert len(ds) == 6
    a, b = ds[4]
    assert a.tolist() == [8, 9] and int(b) == 40
    with pytest.raises(ValueError, match="Size mismatch"):
        D.TensorDataset(x, torch.arange(5))


def test_concat_dataset_indexing_like_torch():
    parts = [list(range(3)), list(range(10, 15)), list(range(20, 22))]
    ours, theirs = D.ConcatDataset(parts), TD.ConcatDataset(parts)
    assert len(ours) == len(theirs) == 10
    assert ours.cumulative_sizes == theirs.cumulative_sizes
    for i in range(-10, 10):
        assert ours[i] == theirs[i]
    with pytest.raises(ValueError, match="absolute value of index"):
        ours[-11]
    with pytest.raises(ValueError, match="empty"):
        D.ConcatDataset([])

    class It(D.IterableDataset):
        def __iter__(self):
            return iter(range(3))
    with pytest.raises(TypeError, match="IterableDataset"):
        D.ConcatDataset([It()])
    assert list(It() + It()) == [0, 1, 2, 0, 1, 2]


def test_dataset_add_and_abstract():
    class Sq(D.Dataset):
        def __init__(self, n):
            self.n = n

        def __getitem__(self, i):
            return i * i

        def __len__(self):
            return self.n
    both = Sq(3) + Sq(2)
    assert isinstance(both, D.ConcatDataset) and [both[i] for i in range(5)] == [0, 1, 4, 0, 1]
    with pytest.raises(NotImplementedError):
        D.Dataset()[0]


def test_subset_getitem_and_getitems():
    base = list(range(100, 110))
    sub = D.Subset(base, [3, 1, 7])
    assert len(sub) == 3 and sub[0] == 103 and sub[2] == 107
    assert sub.__getitems__([2, 0]) == [107, 103]


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.3, 0.4], [0.5, 0.5], [1, 2, 7],
                                     [0.33, 0.33, 0.34]])
@pytest.mark.parametrize("seed", [0, 42])
def test_random_split_indices_equal_torch(lengths, seed):
    g, tg = _gens(seed)
    ours = D.random_split(range(10), lengths, generator=g)
    theirs = TD.random_split(range(10), lengths, generator=tg)
    assert [list(s.indices) for s in ours] == [list(s.indices) for s in theirs]
    assert [list(s) for s in ours] == [list(s) for s in theirs]


def test_random_split_global_generator_and_fraction_rounding():
    torch.manual_seed(7)
    T.manual_seed(7)
    ours = D.random_split(range(11), [0.25, 0.25, 0.5])
    theirs = TD.random_split(range(11), [0.25, 0.25, 0.5])
    assert [len(s) for s in ours] == [len(s) for s in theirs] == [3, 3, 5]
    assert [s.indices for s in ours] == [s.indices for s in theirs]


def test_random_split_errors():
    with pytest.raises(ValueError, match="Sum of input lengths"):
        D.random_split(range(10), [3, 6])
    with pytest.raises(ValueError, match="Fraction at index 0"):
        D.random_split(range(10), [1.5, -0.5])
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        D.random_split(range(1), [0.5, 0.5], generator=torch.Generator().manual_seed(0))
    assert any("Length of split at index" in str(x.message) for x in w)


@pytest.mark.parametrize("kw", [{}, {"replacement": True}, {"num_samples": 23},
                                {"replacement": True, "num_samples": 70}])
def test_random_sampler_with_generator_equals_torch(kw):
    g, tg = _gens(3)
    ours = D.RandomSampler(range(10), generator=g, **kw)
    theirs = TD.RandomSampler(range(10), generator=tg, **kw)
    assert len(ours) == len(theirs)
    for _ in range(2):  # the generator advances across epochs as in torch
        assert list(ours) == list(theirs)


def test_random_sampler_global_seed_equals_torch():
    torch.manual_seed(11)
    T.manual_seed(11)
    ours, theirs = D.RandomSampler(range(9)), TD.RandomSampler(range(9))
    assert [list(ours) for _ in range(3)] == [list(theirs) for _ in range(3)]
    # the draw of the private generator's seed advances the global one as in torch
    assert torch.rand(3).tolist() == pytest.approx(T.rand(3).tolist(), abs=0)


def test_sampler_errors():
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        D.RandomSampler(range(3), num_samples=0)
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        D.RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        D.BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        D.BatchSampler(range(3), 2, 0)
    with pytest.raises(ValueError, match="weights should be a 1d sequence"):
        D.WeightedRandomSampler([[0.1, 0.2]], 2)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        D.WeightedRandomSampler([0.1, 0.2], -1)


def test_sequential_and_subset_random_sampler_equal_torch():
    assert list(D.SequentialSampler(range(5))) == list(TD.SequentialSampler(range(5)))
    idx = [5, 9, 2, 8, 1, 0]
    g, tg = _gens(5)
    ours = D.SubsetRandomSampler(idx, generator=g)
    theirs = TD.SubsetRandomSampler(idx, generator=tg)
    assert [list(ours) for _ in range(2)] == [list(theirs) for _ in range(2)]
    assert len(ours) == 6


@pytest.mark.parametrize("replacement", [True, False])
def test_weighted_random_sampler_equals_torch(replacement):
    w = [0.1, 0.9, 0.4, 0.7, 3.0, 0.2]
    g, tg = _gens(1)
    ours = D.WeightedRandomSampler(w, 5, replacement=replacement, generator=g)
    theirs = TD.WeightedRandomSampler(w, 5, replacement=replacement, generator=tg)
    assert [list(ours) for _ in range(2)] == [list(theirs) for _ in range(2)]
    assert ours.weights.dtype == torch.float64 and len(ours) == 5


@pytest.mark.parametrize("drop_last", [True, False])
@pytest.mark.parametrize("n,bs", [(10, 3), (9, 3), (2, 5), (0, 2)])
def test_batch_sampler_equals_torch(n, bs, drop_last):
    ours = D.BatchSampler(D.SequentialSampler(range(n)), bs, drop_last)
    theirs = TD.BatchSampler(TD.SequentialSampler(range(n)), bs, drop_last)
    assert list(ours) == list(theirs)
    assert len(ours) == len(theirs)


def test_errors_are_trueno_errors():
    with pytest.raises(trueno.TruenoError):
        D.BatchSampler(range(3), -1, False)


def test_stack_dataset_equals_torch():
    a, b = list(range(4)), [f"s{i}" for i in range(4)]
    assert [D.StackDataset(a, b)[i] for i in range(4)] == [TD.StackDataset(a, b)[i]
                                                           for i in range(4)]
    assert D.StackDataset(x=a, y=b)[2] == TD.StackDataset(x=a, y=b)[2] == {"x": 2, "y": "s2"}
    assert len(D.StackDataset(a, b)) == 4
    with pytest.raises(ValueError, match="Size mismatch"):
        D.StackDataset(a, b[:3])
    with pytest.raises(ValueError, match="both types"):
        D.StackDataset(a, y=b)


def test_generic_subscripting_as_in_torch_scripts():
    class Evens(D.Sampler[int]):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(0, self.n, 2))

        def __len__(self):
            return (self.n + 1) // 2

    class Sq(D.Dataset[int]):
        def __getitem__(self, i):
            return i * i

        def __len__(self):
            return 6
    dl: D.DataLoader[int] = D.DataLoader(Sq(), batch_size=2, sampler=Evens(6))
    assert [b.tolist() for b in dl] == [[0, 4], [16]]
    assert D.IterableDataset[int] is not None


def test_shim_raises_missing_extra_without_trueno_nn(monkeypatch):
    import importlib
    import sys
    monkeypatch.setitem(sys.modules, "trueno_nn.data", None)
    monkeypatch.delitem(sys.modules, "trueno.utils.data")
    with pytest.raises(ImportError, match=r"trueno.utils.data needs the 'nn' extra"):
        importlib.import_module("trueno.utils.data")
    monkeypatch.undo()
    assert importlib.import_module("trueno.utils.data").DataLoader is D.DataLoader
