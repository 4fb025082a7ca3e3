"""Train a small ResNet-style CNN on CIFAR-10: the python batches in a local folder
(``--cifar DIR`` holding ``cifar-10-batches-py``, as torchvision downloads them), or synthetic
32x32 images by default (nothing is downloaded).

A PyTorch script in which only the import lines marked ``# PyTorch`` differ: PyTorch's line is
the same without ``trueno.`` (or the one after ``# PyTorch:``), and
``python examples/run_with_pytorch.py examples/cifar_resnet.py`` runs this file that way.

    python examples/cifar_resnet.py --steps 50 --out cifar.png --checkpoint cifar.pt
    python examples/cifar_resnet.py --cifar ~/data --steps 500 --device gpu
"""

from __future__ import annotations

import argparse
import time

import matplotlib
from tqdm import tqdm

import trueno.torch as torch                                     # PyTorch
import trueno.torch.nn as nn                                     # PyTorch
import trueno.torch.nn.functional as F                           # PyTorch
import trueno.torch.optim as optim                               # PyTorch
from trueno.torch.utils.data import DataLoader, TensorDataset    # PyTorch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

MEAN, STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cifar", metavar="DIR", help="folder with cifar-10-batches-py")
    p.add_argument("--steps", type=int, default=30, help="training steps")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--width", type=int, default=16, help="channels of the first stage")
    p.add_argument("--synthetic", type=int, default=512, help="synthetic training images")
    p.add_argument("--device", default="cpu", help="cpu or gpu (trueno) / cuda (PyTorch)")
    p.add_argument("--out", default="cifar_resnet.png", help="where the loss plot goes")
    p.add_argument("--checkpoint", help="save the model's state_dict here (torch.save)")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def cifar(root: str) -> tuple:
    """CIFAR-10's 50000 training and 10000 test images, normalised, as (N, 3, 32, 32)."""
    from trueno.utils.data import CIFAR10   # PyTorch: from torchvision.datasets import CIFAR10

    def tensors(train: bool):
        ds = CIFAR10(root, train=train)
        x = torch.tensor(ds.data).permute(0, 3, 1, 2).float().div(255)
        x = (x - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)
        return x, torch.tensor(ds.targets)
    return (*tensors(True), *tensors(False))


def synthetic(n: int) -> tuple:
    """Ten classes of noisy images around ten random smooth templates (a learnable stand-in)."""
    templates = F.interpolate(torch.randn(10, 3, 4, 4), size=(32, 32), mode="bilinear",
                              align_corners=False)
    y = torch.randint(0, 10, (n + n // 4,))
    x = templates[y] + 0.8 * torch.randn(len(y), 3, 32, 32)
    return x[:n], y[:n], x[n:], y[n:]


class BasicBlock(nn.Module):
    """Two 3x3 conv-BatchNorm layers and a shortcut (a 1x1 conv when the shape changes)."""

    def __init__(self, cin: int, cout: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                          nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet(nn.Module):
    """A stem, three stages of one BasicBlock each (strides 1, 2, 2), pooling, a classifier."""

    def __init__(self, width: int = 16, classes: int = 10) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, 1, 1, bias=False),
                                  nn.BatchNorm2d(width), nn.ReLU(inplace=True))
        self.stages = nn.Sequential(BasicBlock(width, width), BasicBlock(width, 2 * width, 2),
                                    BasicBlock(2 * width, 4 * width, 2))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(4 * width, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.stages(self.stem(x))), 1))


def accuracy(model: nn.Module, x, y, device: str, batch: int = 256) -> float:
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            pred = model(x[i:i + batch].to(device)).argmax(dim=1).cpu()
            correct += (pred == y[i:i + batch]).sum().item()
    return correct / len(x)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    x_tr, y_tr, x_te, y_te = cifar(args.cifar) if args.cifar else synthetic(args.synthetic)
    print(f"{'CIFAR-10' if args.cifar else 'synthetic'}: {len(x_tr)} training and {len(x_te)} "
          f"test images, device {args.device}")
    loader = DataLoader(TensorDataset(x_tr, y_tr), batch_size=args.batch_size, shuffle=True,
                        drop_last=True)
    model = ResNet(args.width).to(args.device)
    print(f"ResNet with {sum(p.numel() for p in model.parameters())} parameters")
    opt = optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True,
                    weight_decay=5e-4)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.steps)
    losses, step, start = [], 0, time.perf_counter()
    bar = tqdm(total=args.steps, desc="training")
    while step < args.steps:
        model.train()
        for x, y in loader:
            x, y = x.to(args.device), y.to(args.device)
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            sched.step()
            losses.append(loss.item())
            step += 1
            bar.update()
            bar.set_postfix(loss=f"{losses[-1]:.4f}", lr=f"{sched.get_last_lr()[0]:.4f}")
            if step % 10 == 0 or step == args.steps:
                tqdm.write(f"step {step:5d}  loss {sum(losses[-10:]) / len(losses[-10:]):.4f}")
            if step == args.steps:
                break
    bar.close()
    acc = accuracy(model, x_te, y_te, args.device)
    print(f"test accuracy {100 * acc:.2f}% after {args.steps} steps "
          f"({time.perf_counter() - start:.1f} s)")
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(range(1, len(losses) + 1), losses)
    ax.set(title=f"ResNet training loss (test accuracy {100 * acc:.1f}%)", xlabel="step")
    fig.tight_layout()
    fig.savefig(args.out)
    print(f"plot saved to {args.out}")
    if args.checkpoint:
        torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "step": step},
                   args.checkpoint)
        print(f"checkpoint saved to {args.checkpoint}")


if __name__ == "__main__":
    main()
