"""Datasets with PyTorch's semantics: ``Dataset``, ``IterableDataset``, ``TensorDataset``,
``ConcatDataset``, ``ChainDataset``, ``Subset`` and ``random_split``."""

from __future__ import annotations

import bisect
import itertools
import math
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

import trueno.torch as torch

from ._errors import DataTypeError, DataValueError

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset",
           "ChainDataset", "Subset", "random_split"]

T_co = TypeVar("T_co", covariant=True)


class Dataset(Generic[T_co]):
    """A map-style dataset: subclasses define ``__getitem__`` (and usually ``__len__``).

    ``a + b`` concatenates two datasets into a :class:`ConcatDataset`.
    """

    def __getitem__(self, index) -> Any:
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co]):
    """A dataset that is an iterable of samples (subclasses define ``__iter__``).

    With worker processes each worker iterates its own copy; use ``get_worker_info()`` in
    ``__iter__`` to split the work. ``a + b`` chains two iterable datasets.
    """

    def __iter__(self) -> Iterator:
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other: Dataset) -> ChainDataset:
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Samples are the ``i``-th rows of the given tensors, as a tuple.

    Examples
    --------
    >>> import trueno.torch as torch
    >>> ds = TensorDataset(torch.arange(3), torch.arange(3) * 2)
    >>> [int(v) for v in ds[2]]
    [2, 4]
    """

    def __init__(self, *tensors) -> None:
        sizes = [int(t.shape[0]) if len(t.shape) else None for t in tensors]
        if not tensors or None in sizes or any(s != sizes[0] for s in sizes):
            raise DataValueError(
                "TensorDataset(*tensors): Size mismatch between tensors\n"
                f"  got first-dimension sizes {sizes}\n"
                "  hint: every tensor needs at least one dimension, all of the same length")
        self.tensors = tuple(tensors)

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return int(self.tensors[0].shape[0])


class StackDataset(Dataset):
    """Samples of several datasets of one length, stacked as a tuple (positional arguments) or
    a dict (keyword arguments)."""

    def __init__(self, *args: Dataset, **kwargs: Dataset) -> None:
        if args and kwargs:
            raise DataValueError("StackDataset: Supported either ``tuple``- (via ``args``) or"
                                 "``dict``- (via ``kwargs``) like input/output, but both types "
                                 "are given.")
        datasets = list(args) or list(kwargs.values())
        if not datasets:
            raise DataValueError("StackDataset: At least one dataset should be passed")
        self._length = len(datasets[0])
        if any(self._length != len(d) for d in datasets):
            raise DataValueError("StackDataset: Size mismatch between datasets\n"
                                 f"  got lengths {[len(d) for d in datasets]}")
        self.datasets: tuple | dict = tuple(args) if args else dict(kwargs)

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self) -> int:
        return self._length


class ConcatDataset(Dataset):
    """The concatenation of map-style datasets; index ``i`` runs through them in order."""

    @staticmethod
    def cumsum(sequence: Sequence) -> list[int]:
        r, s = [], 0
        for e in sequence:
            s += len(e)
            r.append(s)
        return r

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise DataValueError("ConcatDataset(datasets): datasets should not be an empty "
                                 "iterable\n  hint: pass at least one dataset")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise DataTypeError("ConcatDataset(datasets): ConcatDataset does not support "
                                    "IterableDataset\n  hint: use ChainDataset for those")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int):
        if idx < 0:
            if -idx > len(self):
                raise DataValueError(
                    f"ConcatDataset[{idx}]: absolute value of index should not exceed dataset "
                    f"length ({len(self)})")
            idx = len(self) + idx
        dataset_idx = bisect.bisect_right(self.cumulative_sizes, idx)
        sample_idx = idx if dataset_idx == 0 else idx - self.cumulative_sizes[dataset_idx - 1]
        return self.datasets[dataset_idx][sample_idx]


class ChainDataset(IterableDataset):
    """Iterable datasets chained one after the other."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = datasets

    def __iter__(self) -> Iterator:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise DataTypeError("ChainDataset only supports IterableDataset; got "
                                    f"{type(d).__name__}\n  hint: use ConcatDataset")
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise DataTypeError("ChainDataset only supports IterableDataset; got "
                                    f"{type(d).__name__}\n  hint: use ConcatDataset")
            total += len(d)
        return total


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list[int]) -> list:
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[idx] for idx in indices])
        return [self.dataset[self.indices[idx]] for idx in indices]

    def __len__(self) -> int:
        return len(self.indices)


def random_split(dataset: Dataset, lengths: Sequence[int | float],
                 generator: torch.Generator | None = None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets (PyTorch's ``random_split``).

    Parameters
    ----------
    dataset : Dataset
        A sized dataset.
    lengths : sequence of int or float
        The subsets' lengths, or fractions summing to 1: each gets ``floor(frac * len)`` and the
        remainder is dealt out one by one, round-robin, from the first subset.
    generator : torch.Generator, optional
        The permutation's generator (default: the global one, ``torch.manual_seed``); the same
        seed gives PyTorch's indices.

    Returns
    -------
    list of Subset

    Examples
    --------
    >>> import trueno.torch as torch
    >>> a, b = random_split(range(10), [3, 7], generator=torch.Generator().manual_seed(42))
    >>> len(a), len(b)
    (3, 7)
    """
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        subset_lengths: list[int] = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise DataValueError(f"random_split(lengths): Fraction at index {i} is not "
                                     f"between 0 and 1 (got {frac})")
            subset_lengths.append(math.floor(len(dataset) * frac))
        remainder = len(dataset) - sum(subset_lengths)
        for i in range(remainder):
            subset_lengths[i % len(subset_lengths)] += 1
        lengths = subset_lengths
        for i, length in enumerate(lengths):
            if length == 0:
                warnings.warn(f"Length of split at index {i} is 0. "
                              "This might result in an empty dataset.", stacklevel=2)
    if sum(lengths) != len(dataset):
        raise DataValueError(
            "random_split(dataset, lengths): Sum of input lengths does not equal the length of "
            f"the input dataset! (sum {sum(lengths)} != len {len(dataset)})\n"
            "  hint: pass lengths that add up to len(dataset), or fractions that sum to 1")
    indices = torch.randperm(sum(lengths), generator=generator).tolist()
    return [Subset(dataset, indices[offset - length:offset])
            for offset, length in zip(itertools.accumulate(lengths), lengths)]
