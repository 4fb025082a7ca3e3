"""``trueno.utils.data``: datasets, samplers, ``DataLoader`` and collation with PyTorch's names,
arguments and random streams (``import trueno.torch as torch``; the same seed gives the same
batch order as torch)."""

from __future__ import annotations

from ._collate import collate, default_collate, default_convert
from ._errors import DataRuntimeError, DataTypeError, DataValueError
from ._readers import DataFileError, DataFileNotFoundError, read_cifar_batch, read_idx
from ._worker import WorkerInfo, get_worker_info
from .dataloader import DataLoader
from .datasets import CIFAR10, MNIST
from .dataset import (
    ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset, Subset, TensorDataset,
    random_split,
)
from .sampler import (
    BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset",
           "ChainDataset",
           "Subset", "random_split", "Sampler", "SequentialSampler", "RandomSampler",
           "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler", "DataLoader",
           "default_collate", "default_convert", "collate", "get_worker_info", "WorkerInfo",
           "DataValueError", "DataTypeError", "DataRuntimeError", "MNIST", "CIFAR10", "read_idx",
           "read_cifar_batch", "DataFileError", "DataFileNotFoundError"]
