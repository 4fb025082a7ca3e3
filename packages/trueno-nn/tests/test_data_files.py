"""Local dataset files: MNIST IDX (plain and gzip) and CIFAR-10 python batches, written here
in their formats; clear errors for missing, truncated and malformed files; a pickle that
asks for any other global is refused before anything runs."""

from __future__ import annotations

import gzip
import os
import pickle
import struct

import numpy as np
import pytest

import trueno
import trueno.utils.data as D


def _idx(arr: np.ndarray, code: int) -> bytes:
    head = bytes([0, 0, code, arr.ndim]) + b"".join(struct.pack(">I", s) for s in arr.shape)
    return head + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


def _mnist(root, n=5, gz=False):
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    lbls = rng.integers(0, 10, n).astype(np.uint8)
    for name, blob in (("train-images-idx3-ubyte", _idx(imgs, 0x08)),
                       ("train-labels-idx1-ubyte", _idx(lbls, 0x08))):
        if gz:
            (raw / (name + ".gz")).write_bytes(gzip.compress(blob))
        else:
            (raw / name).write_bytes(blob)
    return imgs, lbls


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_reads_idx(tmp_path, gz):
    imgs, lbls = _mnist(tmp_path, gz=gz)
    ds = D.MNIST(tmp_path, train=True)
    assert len(ds) == 5
    img, target = ds[3]
    assert tuple(img.shape) == (28, 28) and str(img.dtype) == "torch.uint8"  # as torchvision
    np.testing.assert_array_equal(np.asarray(img), imgs[3])
    assert target == int(lbls[3]) and isinstance(target, int)
    batch = next(iter(D.DataLoader(ds, batch_size=4)))
    assert tuple(batch[0].shape) == (4, 28, 28) and batch[1].tolist() == lbls[:4].tolist()


@pytest.mark.parametrize("arr,code", [(np.arange(6, dtype=np.int32).reshape(2, 3), 0x0C),
                                      (np.linspace(0, 1, 4), 0x0E),
                                      (np.array([-3, 4], np.int16), 0x0B)])
def test_read_idx_dtypes(tmp_path, arr, code):
    p = tmp_path / "f.idx"
    p.write_bytes(_idx(arr, code))
    got = D.read_idx(p)
    assert got.dtype == arr.dtype and got.dtype.isnative
    np.testing.assert_array_equal(got, arr)


def test_idx_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not download") as ei:
        D.MNIST(tmp_path)
    assert isinstance(ei.value, trueno.TruenoError)
    p = tmp_path / "bad"
    p.write_bytes(b"<html>not found</html>")
    with pytest.raises(ValueError, match="IDX magic number"):
        D.read_idx(p)
    good = _idx(np.arange(10, dtype=np.uint8), 0x08)
    p.write_bytes(good[:-3])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        D.read_idx(p)
    p.write_bytes(good[:6])
    with pytest.raises(ValueError, match="truncated in its header"):
        D.read_idx(p)
    (tmp_path / "g.gz").write_bytes(gzip.compress(good)[:-8])
    with pytest.raises(ValueError, match="gzip"):
        D.read_idx(tmp_path / "g.gz")
    with pytest.raises(ValueError, match="never downloads"):
        D.MNIST(tmp_path, download=True)


def _cifar_blob(n, seed, py2_names=True):
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
    labels = [int(v) for v in rng.integers(0, 10, n)]
    blob = pickle.dumps({"batch_label": "b", "data": data, "labels": labels}, protocol=2)
    if py2_names:  # the real files name NumPy 1's module
        blob = blob.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
    return blob, data, labels


def _cifar(root):
    folder = root / "cifar-10-batches-py"
    folder.mkdir()
    datas, labels = [], []
    for i, name in enumerate([f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]):
        blob, d, lab = _cifar_blob(3, i)
        (folder / name).write_bytes(blob)
        datas.append(d)
        labels.append(lab)
    return datas, labels


def test_cifar10_reads_python_batches(tmp_path):
    datas, labels = _cifar(tmp_path)
    train, test = D.CIFAR10(tmp_path), D.CIFAR10(tmp_path, train=False)
    assert len(train) == 15 and len(test) == 3
    assert train.data.shape == (15, 32, 32, 3) and train.data.dtype == np.uint8
    want = datas[1].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    img, target = train[4]
    np.testing.assert_array_equal(np.asarray(img), want[1])
    assert target == labels[1][1] and train.targets[:3] == labels[0]
    assert test.targets == labels[5]
    tr = D.CIFAR10(tmp_path, train=False, transform=lambda x: x.float() / 255,
                   target_transform=lambda t: t + 100)
    x, t = tr[0]
    assert str(x.dtype) == "torch.float32" and t == labels[5][0] + 100


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


def test_cifar_batch_refuses_other_globals_and_malformed(tmp_path, monkeypatch):
    p = tmp_path / "evil"
    p.write_bytes(pickle.dumps({"data": _Evil(), "labels": []}, protocol=2))
    ran = []
    monkeypatch.setattr(os, "system", lambda *a: ran.append(a))
    with pytest.raises(ValueError, match="not a CIFAR python batch") as ei:
        D.read_cifar_batch(p)
    assert "refusing to load global" in str(ei.value) and ran == []
    p.write_bytes(_cifar_blob(2, 0)[0][:-40])
    with pytest.raises(ValueError, match="not a CIFAR python batch"):
        D.read_cifar_batch(p)
    p.write_bytes(pickle.dumps({"data": np.zeros((2, 5), np.uint8), "labels": [1, 2]}))
    with pytest.raises(ValueError, match=r"uint8 array \(N, 3072\)"):
        D.read_cifar_batch(p)
    with pytest.raises(FileNotFoundError, match="does not download"):
        D.CIFAR10(tmp_path)
    with pytest.raises(ValueError, match="never downloads"):
        D.CIFAR10(tmp_path, download=True)
