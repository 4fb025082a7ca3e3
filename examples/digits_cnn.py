"""Classify handwritten digits with a small CNN: scikit-learn's bundled 8x8 ``load_digits``
(offline), or MNIST's IDX files with ``--mnist DIR``.

A PyTorch script in which only the import lines marked ``# PyTorch`` differ: PyTorch's line is
the same without ``trueno.`` (or the one after ``# PyTorch:``), and
``python examples/run_with_pytorch.py examples/digits_cnn.py`` runs this file that way.
Everything else is plain PyTorch.

    python examples/digits_cnn.py --epochs 10 --out digits.png
    python examples/digits_cnn.py --device gpu
    python examples/digits_cnn.py --mnist ~/data/mnist   # train-images-idx3-ubyte etc.
"""

from __future__ import annotations

import argparse
import time

import matplotlib
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from tqdm import tqdm

import trueno.torch as torch                                     # PyTorch
import trueno.torch.nn as nn                                     # PyTorch
import trueno.torch.optim as optim                               # PyTorch
from trueno.torch.utils.data import DataLoader, TensorDataset    # PyTorch
from trueno.torch.utils.tensorboard import SummaryWriter         # PyTorch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--device", default="cpu", help="cpu or gpu (trueno) / cuda (PyTorch)")
    p.add_argument("--out", default="digits_cnn.png", help="where the loss/accuracy plot goes")
    p.add_argument("--mnist", metavar="DIR", help="train on MNIST's IDX files in DIR instead")
    p.add_argument("--limit", type=int, default=0, help="use only this many training images")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dropout", type=float, default=0.1,
                   help="dropout before the linear layer (a GPU draws its own masks, as CUDA)")
    p.add_argument("--logdir", help="write TensorBoard scalars (loss, accuracy, lr) here")
    p.add_argument("--checkpoint", metavar="PATH",
                   help="save model, optimizer and scheduler state here after each epoch")
    return p.parse_args(argv)


def digits() -> tuple:
    """scikit-learn's 1797 digits (8x8, values 0..16): 80% to train, 20% to test."""
    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)[:, None]
    x_tr, x_te, y_tr, y_te = train_test_split(x, d.target, test_size=0.2, random_state=0,
                                              stratify=d.target)
    return (torch.tensor(x_tr), torch.tensor(y_tr), torch.tensor(x_te), torch.tensor(y_te))


def mnist(root: str) -> tuple:
    """MNIST from local IDX files (torchvision's ``MNIST`` class; trueno reads the same files)."""
    from trueno.utils.data import MNIST   # PyTorch: from torchvision.datasets import MNIST
    train, test = MNIST(root, train=True), MNIST(root, train=False)
    return (train.data.float().div(255).unsqueeze(1), train.targets,
            test.data.float().div(255).unsqueeze(1), test.targets)


class Net(nn.Module):
    """Two conv-BatchNorm-ReLU blocks, max pooling, global average pooling, a linear layer."""

    def __init__(self, classes: int = 10, dropout: float = 0.1) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(32, classes))

    def forward(self, x):
        return self.head(self.features(x))


def evaluate(model: nn.Module, x, y, device: str, batch: int = 500) -> float:
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            logits = model(x[i:i + batch].to(device))
            correct += int((logits.argmax(1).cpu() == y[i:i + batch]).sum())
    return correct / len(x)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    x_tr, y_tr, x_te, y_te = mnist(args.mnist) if args.mnist else digits()
    if args.limit:
        x_tr, y_tr = x_tr[:args.limit], y_tr[:args.limit]
    loader = DataLoader(TensorDataset(x_tr, y_tr), batch_size=args.batch_size, shuffle=True)
    model = Net(dropout=args.dropout).to(args.device)
    opt = optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr * 3, epochs=args.epochs,
                                          steps_per_epoch=len(loader))
    loss_fn = nn.CrossEntropyLoss()
    print(f"{len(x_tr)} training and {len(x_te)} test images of {tuple(x_tr.shape[1:])}, "
          f"device {args.device}")
    history = {"loss": [], "accuracy": []}
    writer = SummaryWriter(args.logdir) if args.logdir else None
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        model.train()
        total, seen = 0.0, 0
        bar = tqdm(loader, desc=f"epoch {epoch}/{args.epochs}", leave=False)
        for x, y in bar:
            x, y = x.to(args.device), y.to(args.device)
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(y)
            seen += len(y)
            bar.set_postfix(loss=f"{loss.item():.4f}")
        acc = evaluate(model, x_te, y_te, args.device)
        history["loss"].append(total / seen)
        history["accuracy"].append(acc)
        print(f"epoch {epoch:3d}  loss {total / seen:.4f}  test accuracy {100 * acc:.2f}%  "
              f"({time.perf_counter() - start:.1f} s)", flush=True)
        if writer is not None:
            writer.add_scalar("train/loss", total / seen, epoch)
            writer.add_scalar("test/accuracy", acc, epoch)
            writer.add_scalar("train/lr", sched.get_last_lr()[0], epoch)
        if args.checkpoint:
            torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                        "scheduler": sched.state_dict(), "epoch": epoch}, args.checkpoint)
    if writer is not None:
        writer.close()
    fig, ax = plt.subplots(1, 2, figsize=(9, 3.5))
    epochs = range(1, args.epochs + 1)
    ax[0].plot(epochs, history["loss"], marker="o")
    ax[0].set(title="training loss", xlabel="epoch")
    ax[1].plot(epochs, [100 * a for a in history["accuracy"]], marker="o", color="tab:green")
    ax[1].set(title="test accuracy (%)", xlabel="epoch")
    fig.tight_layout()
    fig.savefig(args.out)
    print(f"final test accuracy {100 * history['accuracy'][-1]:.2f}%; plot saved to {args.out}")


if __name__ == "__main__":
    main()
