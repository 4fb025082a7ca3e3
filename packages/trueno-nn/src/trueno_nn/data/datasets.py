"""Map-style datasets over local files with torchvision's names and layout: ``MNIST`` (IDX
files) and ``CIFAR10`` (python batches). Nothing is downloaded."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np
import trueno.torch as torch

from ._errors import DataValueError
from ._readers import DataFileError, read_cifar_batch, read_idx
from .dataset import Dataset

__all__ = ["MNIST", "CIFAR10"]


def _no_download(name: str, download: bool) -> None:
    if download:
        raise DataValueError(f"{name}(download=True): trueno never downloads at run time\n"
                             "  hint: fetch the files once yourself and pass their root")


class MNIST(Dataset):
    """MNIST from ``root/MNIST/raw`` (torchvision's layout) or ``root`` itself.

    Samples are ``(image, target)``: a ``(28, 28)`` uint8 tensor and an int (torchvision gives
    a PIL image), passed through ``transform`` / ``target_transform`` when given.
    """

    files = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
             False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}

    def __init__(self, root: str | os.PathLike, train: bool = True,
                 transform: Callable | None = None, target_transform: Callable | None = None,
                 download: bool = False) -> None:
        _no_download("MNIST", download)
        root = os.fspath(root)
        raw = os.path.join(root, "MNIST", "raw")
        base = raw if os.path.isdir(raw) else root
        img_name, lbl_name = self.files[bool(train)]
        images = read_idx(os.path.join(base, img_name))
        labels = read_idx(os.path.join(base, lbl_name))
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise DataFileError(f"MNIST({root!r}): images {images.shape} and labels "
                                f"{labels.shape} do not pair up (expected (N, H, W) and (N,))")
        self.root, self.train = root, bool(train)
        self.transform, self.target_transform = transform, target_transform
        self.data = torch.as_tensor(np.ascontiguousarray(images, dtype=np.uint8))
        self.targets = torch.as_tensor(labels.astype(np.int64))

    def __len__(self) -> int:
        return int(self.data.shape[0])

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img, target = self.data[index], int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target


class CIFAR10(Dataset):
    """CIFAR-10 from ``root/cifar-10-batches-py`` (the python version's batches).

    ``data`` is ``(N, 32, 32, 3)`` uint8 (NumPy, as torchvision), ``targets`` a list of ints;
    samples are ``(image, target)`` with the image a ``(32, 32, 3)`` uint8 tensor.
    """

    base_folder = "cifar-10-batches-py"
    train_list = [f"data_batch_{i}" for i in range(1, 6)]
    test_list = ["test_batch"]

    def __init__(self, root: str | os.PathLike, train: bool = True,
                 transform: Callable | None = None, target_transform: Callable | None = None,
                 download: bool = False) -> None:
        _no_download("CIFAR10", download)
        self.root, self.train = os.fspath(root), bool(train)
        self.transform, self.target_transform = transform, target_transform
        folder = os.path.join(self.root, self.base_folder)
        parts = [read_cifar_batch(os.path.join(folder, name))
                 for name in (self.train_list if self.train else self.test_list)]
        self.data = np.concatenate([p[0] for p in parts])
        self.targets = [t for p in parts for t in p[1]]

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img, target = torch.as_tensor(self.data[index]), self.targets[index]
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target
