"""A tiny character-level transformer language model, trained on a text that Python ships:
the Zen of Python (the ``this`` module) by default, or ``--text FILE``. Prints samples.

A PyTorch script in which only the import lines marked ``# PyTorch`` differ: PyTorch's line is
the same without ``trueno.``, and ``python examples/run_with_pytorch.py
examples/char_transformer.py`` runs this file that way.

    python examples/char_transformer.py --steps 300 --out zen.png
"""

from __future__ import annotations

import argparse
import codecs
import math
import time

import matplotlib
from tqdm import tqdm

import trueno.torch as torch                                     # PyTorch
import trueno.torch.nn as nn                                     # PyTorch
import trueno.torch.nn.functional as F                           # PyTorch
import trueno.torch.optim as optim                               # PyTorch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--text", help="train on this UTF-8 file instead of the Zen of Python")
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--block", type=int, default=32, help="context length in characters")
    p.add_argument("--dim", type=int, default=64)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--sample", type=int, default=200, help="characters to generate")
    p.add_argument("--device", default="cpu", help="cpu or gpu (trueno) / cuda (PyTorch)")
    p.add_argument("--out", default="char_transformer.png", help="where the loss plot goes")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def zen_of_python() -> str:
    """The text of ``import this``, read without printing it (it is stored ROT13-encoded)."""
    import importlib.util
    spec = importlib.util.find_spec("this")
    with open(spec.origin, encoding="utf-8") as f:
        source = f.read()
    encoded = source[source.index('"""') + 3:source.rindex('"""')]
    return codecs.decode(encoded, "rot13")


class CharTransformer(nn.Module):
    """Token and position embeddings, a causal pre-norm transformer encoder, a linear head."""

    def __init__(self, vocab: int, block: int, dim: int, layers: int, heads: int) -> None:
        super().__init__()
        self.block = block
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(block, dim)
        layer = nn.TransformerEncoderLayer(dim, heads, 4 * dim, dropout=0.0, batch_first=True,
                                           norm_first=True, activation="gelu")
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab)

    def forward(self, idx):
        n = idx.shape[1]
        mask = torch.triu(torch.full((n, n), float("-inf"), device=idx.device), diagonal=1)
        h = self.tok(idx) + self.pos(torch.arange(n, device=idx.device))
        return self.head(self.norm(self.encoder(h, mask=mask, is_causal=True)))

    @torch.no_grad()
    def generate(self, idx, count: int, temperature: float = 0.8):
        for _ in range(count):
            logits = self(idx[:, -self.block:])[:, -1] / temperature
            nxt = torch.multinomial(F.softmax(logits, dim=-1), 1)
            idx = torch.cat([idx, nxt], dim=1)
        return idx


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    if args.text:
        with open(args.text, encoding="utf-8") as f:
            text = f.read()
    else:
        text = zen_of_python()
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
    print(f"{len(text)} characters, vocabulary {len(chars)}, device {args.device}")

    model = CharTransformer(len(chars), args.block, args.dim, args.layers, args.heads)
    model = model.to(args.device)
    print(f"transformer with {sum(p.numel() for p in model.parameters())} parameters")
    opt = optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    warmup = max(1, args.steps // 10)
    sched = optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * s / args.steps)))
    losses, start = [], time.perf_counter()
    model.train()
    for step in tqdm(range(1, args.steps + 1), desc="training"):
        starts = torch.randint(0, len(data) - args.block - 1, (args.batch_size,))
        x = torch.stack([data[s:s + args.block] for s in starts.tolist()]).to(args.device)
        y = torch.stack([data[s + 1:s + args.block + 1] for s in starts.tolist()])
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, len(chars)), y.reshape(-1).to(args.device))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(loss.item())
        if step % 50 == 0 or step == args.steps:
            tqdm.write(f"step {step:5d}  loss {sum(losses[-50:]) / len(losses[-50:]):.4f}  "
                       f"({time.perf_counter() - start:.1f} s)")

    model.eval()
    prompt = torch.tensor([[stoi[c] for c in text[:8]]], device=args.device)
    out = model.generate(prompt, args.sample)[0].cpu().tolist()
    print("sample:\n" + "".join(chars[i] for i in out))
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(range(1, len(losses) + 1), losses)
    ax.set(title="character-level transformer: training loss", xlabel="step",
           ylabel="cross-entropy (nats/char)")
    fig.tight_layout()
    fig.savefig(args.out)
    print(f"final loss {losses[-1]:.4f}; plot saved to {args.out}")


if __name__ == "__main__":
    main()
