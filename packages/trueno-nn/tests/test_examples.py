"""The scripts in examples/ run end to end with tiny settings, on trueno and (through
examples/run_with_pytorch.py, which swaps only their marked import lines) on PyTorch 2.13: the
exit code, the printed loss/accuracy lines, a valid PNG plot, and a checkpoint PyTorch loads;
the README's demo (tools/demo.py) trains the digit classifier to 95%."""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch as T

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(EXAMPLES))
from run_with_pytorch import to_pytorch  # noqa: E402

# One thread each for OpenBLAS (trueno-simd hands large GEMMs to NumPy's) and PyTorch's OpenMP:
# on a busy 2-core machine their spinning thread pools make a step many times slower.
ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


def run(script: str, *args: str, torch: bool = False) -> str:
    """Run ``examples/script`` (with PyTorch's imports if ``torch``); its stdout."""
    cmd = [sys.executable]
    cmd += [str(EXAMPLES / "run_with_pytorch.py")] if torch else []
    cmd += [str(EXAMPLES / script), *args]
    done = subprocess.run(cmd, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{cmd} exited {done.returncode}:\n{done.stderr[-3000:]}"
    return done.stdout


def assert_png(path: Path) -> None:
    """``path`` is a PNG whose chunks all check out (CRCs, IHDR first, image data, IEND last)."""
    raw = path.read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    pos, kinds, idat = 8, [], b""
    while pos < len(raw):
        (length,) = struct.unpack(">I", raw[pos:pos + 4])
        kind, body = raw[pos + 4:pos + 8], raw[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", raw[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, kind
        kinds.append(kind)
        idat += body if kind == b"IDAT" else b""
        pos += 12 + length
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and b"IDAT" in kinds
    width, height = struct.unpack(">II", raw[16:24])
    assert width > 100 and height > 100
    assert len(zlib.decompress(idat)) >= height * width       # at least one byte a pixel


EPOCH = re.compile(r"^epoch +(\d+) +loss (\d+\.\d{4}) +test accuracy (\d+\.\d{2})%", re.M)


def epochs(out: str) -> list[tuple[int, float, float]]:
    return [(int(e), float(loss), float(acc)) for e, loss, acc in EPOCH.findall(out)]


def test_demo_trains_the_digits_cnn_to_95_percent(tmp_path) -> None:
    """The README's demo (tools/demo.py: the tour, then examples/digits_cnn.py in-process)."""
    png = tmp_path / "digits.png"
    cmd = [sys.executable, str(ROOT / "tools" / "demo.py"), "--epochs", "3", "--out", str(png)]
    done = subprocess.run(cmd, cwd=tmp_path, env=ENV, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "== the PyTorch face" in out and "same as NumPy: True" in out     # the tour ran
    assert "1437 training and 360 test images of (1, 8, 8), device cpu" in out
    got = epochs(out)
    assert [e for e, _, _ in got] == [1, 2, 3]
    assert got[-1][1] < got[0][1] < 2.6                 # the loss fell (from about ln 10)
    assert got[-1][2] >= 95.0, out
    assert f"final test accuracy {got[-1][2]:.2f}%; plot saved to {png}" in out
    assert_png(png)


def _check_logs_and_checkpoint(out: str, logdir: Path, ckpt: Path, n_epochs: int) -> None:
    """The TensorBoard scalars (read by TensorBoard's own reader) are the printed epochs', and
    the checkpoint loads in PyTorch with weights_only=True."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    acc = EventAccumulator(str(logdir))
    acc.Reload()
    printed = epochs(out)
    assert len(printed) == n_epochs
    losses = [(e.step, e.value) for e in acc.Scalars("train/loss")]
    accuracy = [(e.step, e.value) for e in acc.Scalars("test/accuracy")]
    assert [s for s, _ in losses] == [e for e, _, _ in printed]
    np.testing.assert_allclose([v for _, v in losses], [loss for _, loss, _ in printed],
                               atol=5e-5)
    np.testing.assert_allclose([100 * v for _, v in accuracy], [a for _, _, a in printed],
                               atol=5e-3)
    assert len(acc.Scalars("train/lr")) == n_epochs
    state = T.load(ckpt, weights_only=True)
    assert state["epoch"] == n_epochs
    assert {"features.0.weight", "features.1.running_mean", "head.1.bias"} <= set(state["model"])
    assert state["optimizer"]["param_groups"][0]["weight_decay"] == 1e-4
    assert state["scheduler"]["last_epoch"] > 0


@pytest.mark.parametrize("on_torch", [False, True], ids=["trueno", "pytorch"])
def test_digits_cnn_logs_and_checkpoints(tmp_path, on_torch) -> None:
    """The same script, unchanged but for its import lines, logs TensorBoard scalars and saves
    checkpoints in PyTorch's format, on trueno and on PyTorch."""
    logdir, ckpt = tmp_path / "runs", tmp_path / "ckpt.pt"
    out = run("digits_cnn.py", "--epochs", "2", "--limit", "320", "--out",
              str(tmp_path / "d.png"), "--logdir", str(logdir), "--checkpoint", str(ckpt),
              torch=on_torch)
    _check_logs_and_checkpoint(out, logdir, ckpt, 2)


def test_digits_cnn_runs_on_pytorch(tmp_path) -> None:
    png = tmp_path / "digits.png"
    out = run("digits_cnn.py", "--epochs", "1", "--limit", "320", "--out", str(png),
              torch=True)
    assert "320 training and 360 test images of (1, 8, 8), device cpu" in out
    [(epoch, loss, acc)] = epochs(out)
    assert epoch == 1 and 0.5 < loss < 2.6 and 0.0 <= acc <= 100.0
    assert f"final test accuracy {acc:.2f}%; plot saved to {png}" in out
    assert_png(png)


def _gpu_available() -> bool:
    try:
        import trueno_gpu
    except ImportError:
        return False
    return bool(trueno_gpu.is_available())


@pytest.mark.skipif(not _gpu_available(), reason="trueno-gpu finds no GPU adapter")
def test_digits_cnn_on_the_gpu_device_gives_the_cpu_run(tmp_path) -> None:
    """Without dropout the GPU run is the CPU run; with it the GPU draws its own masks (its
    Philox generator, as CUDA's differ from PyTorch's CPU stream), so only the loss is near."""
    args = ("--limit", "32", "--batch-size", "16", "--epochs", "1")
    gpu = run("digits_cnn.py", *args, "--dropout", "0", "--device", "gpu",
              "--out", str(tmp_path / "g.png"))
    cpu = run("digits_cnn.py", *args, "--dropout", "0", "--out", str(tmp_path / "c.png"))
    assert "device gpu" in gpu
    [(_, gpu_loss, gpu_acc)], [(_, cpu_loss, cpu_acc)] = epochs(gpu), epochs(cpu)
    assert abs(gpu_loss - cpu_loss) <= 2e-4 and abs(gpu_acc - cpu_acc) <= 0.3   # 1 of 360
    assert_png(tmp_path / "g.png")
    dropped = run("digits_cnn.py", *args, "--device", "gpu", "--out", str(tmp_path / "d.png"))
    [(_, loss, _)] = epochs(dropped)
    assert loss != gpu_loss and abs(loss - cpu_loss) < 0.1


def _write_idx(path: Path, array: np.ndarray) -> None:
    code = {np.dtype(np.uint8): 0x08}[array.dtype]
    head = struct.pack(">BBBB", 0, 0, code, array.ndim) + struct.pack(f">{array.ndim}I",
                                                                       *array.shape)
    path.write_bytes(head + array.tobytes())


def test_digits_cnn_on_mnist_idx_files(tmp_path) -> None:
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 48), ("t10k", 16)):
        _write_idx(tmp_path / f"{prefix}-images-idx3-ubyte",
                   rng.integers(0, 256, (n, 28, 28)).astype(np.uint8))
        _write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte",
                   rng.integers(0, 10, n).astype(np.uint8))
    out = run("digits_cnn.py", "--mnist", str(tmp_path), "--epochs", "1", "--batch-size", "16",
              "--out", str(tmp_path / "m.png"))
    assert "48 training and 16 test images of (1, 28, 28), device cpu" in out
    assert len(epochs(out)) == 1
    assert_png(tmp_path / "m.png")


@pytest.mark.parametrize("torch", [False, True], ids=["trueno", "pytorch"])
def test_cifar_resnet_synthetic_steps_and_checkpoint(tmp_path, torch) -> None:
    ckpt = tmp_path / "ck.pt"
    out = run("cifar_resnet.py", "--steps", "3", "--synthetic", "48", "--batch-size", "16",
              "--width", "4", "--out", str(tmp_path / "c.png"), "--checkpoint", str(ckpt),
              torch=torch)
    assert "synthetic: 48 training and 12 test images, device cpu" in out
    (loss,) = re.findall(r"^step +3 +loss (\d+\.\d{4})$", out, re.M)
    assert 0.5 < float(loss) < 5.0
    assert re.search(r"^test accuracy \d+\.\d{2}% after 3 steps", out, re.M)
    assert_png(tmp_path / "c.png")
    state = T.load(ckpt, weights_only=True)      # PyTorch reads trueno's torch.save, no code run
    assert state["step"] == 3 and state["model"]["fc.weight"].shape == (10, 16)
    assert len(state["optimizer"]["state"]) == len(state["optimizer"]["param_groups"][0]["params"])


@pytest.mark.parametrize("torch", [False, True], ids=["trueno", "pytorch"])
def test_char_transformer_trains_and_samples(tmp_path, torch) -> None:
    out = run("char_transformer.py", "--steps", "4", "--dim", "16", "--heads", "2",
              "--layers", "1", "--block", "16", "--batch-size", "4", "--sample", "30",
              "--out", str(tmp_path / "z.png"), torch=torch)
    assert re.search(r"^\d+ characters, vocabulary \d+, device cpu$", out, re.M)
    (loss,) = re.findall(r"^step +4 +loss (\d+\.\d{4}) ", out, re.M)
    assert 2.0 < float(loss) < 5.0                  # about ln(vocabulary) at the start
    sample = out.split("sample:\n", 1)[1].split("\nfinal loss", 1)[0]
    assert sample.startswith("The Zen ") and len(sample) == 8 + 30
    assert_png(tmp_path / "z.png")


def test_run_with_pytorch_swaps_only_marked_imports() -> None:
    src = ("import numpy as np\n"
           "import trueno.torch as torch   # PyTorch\n"
           "    from trueno.torch.utils.data import DataLoader  # PyTorch\n"
           "from trueno.utils.data import MNIST  # PyTorch: from torchvision.datasets import MNIST"
           "\n"
           "x = 'trueno.torch'  # a comment\n")
    new, changes = to_pytorch(src)
    assert new == ("import numpy as np\n"
                   "import torch\n"
                   "    from torch.utils.data import DataLoader\n"
                   "from torchvision.datasets import MNIST\n"
                   "x = 'trueno.torch'  # a comment\n")
    assert [n for n, _, _ in changes] == [2, 3, 4]
    with pytest.raises(ValueError, match="line 1"):
        to_pytorch("import numpy as np  # PyTorch\n")
    for name in ("digits_cnn.py", "cifar_resnet.py", "char_transformer.py"):
        text = (EXAMPLES / name).read_text()
        _, changes = to_pytorch(text)
        assert len(changes) >= 4
        # every import of trueno is a marked one (the rest of the script is PyTorch's)
        marked = {n for n, _, _ in changes}
        imports = {n for n, line in enumerate(text.splitlines(), 1)
                   if re.match(r"\s*(import|from)\s+trueno\b", line)}
        assert imports == marked, name
