"""Run an example with PyTorch instead of trueno: the example's import lines marked
``# PyTorch`` become PyTorch's (the line without ``trueno.``; a marker ``# PyTorch: LINE`` gives
LINE itself), and nothing else changes.

    python examples/run_with_pytorch.py examples/digits_cnn.py --epochs 3
    python examples/run_with_pytorch.py --show examples/digits_cnn.py   # print the changed lines
"""

from __future__ import annotations

import os
import re
import sys

_MARK = re.compile(r"^(?P<code>\s*\S.*?)\s+# PyTorch(?::\s*(?P<line>.+?))?\s*$")


def to_pytorch(source: str) -> tuple[str, list[tuple[int, str, str]]]:
    """``source`` with its marked lines replaced, and the (line number, old, new) changes."""
    out, changes = [], []
    for n, line in enumerate(source.splitlines(keepends=True), 1):
        m = _MARK.match(line.rstrip("\n"))
        if m is None:
            out.append(line)
            continue
        code = m["code"]
        indent = code[:len(code) - len(code.lstrip())]
        new = indent + m["line"] if m["line"] else code.replace("trueno.", "", 1)
        new = re.sub(r"^(\s*)import (\S+) as \2$", r"\1import \2", new)  # import torch
        if new == code or "trueno" in new:
            raise ValueError(f"line {n}: {line.strip()!r}: a '# PyTorch' line must import from "
                             "trueno and name PyTorch's line without trueno")
        out.append(new + "\n")
        changes.append((n, line.rstrip("\n"), new))
    return "".join(out), changes


def main(argv: list[str]) -> None:
    show = bool(argv) and argv[0] == "--show"
    if show:
        argv = argv[1:]
    if not argv:
        sys.exit("usage: run_with_pytorch.py [--show] EXAMPLE.py [ARGS...]")
    path = argv[0]
    with open(path, encoding="utf-8") as f:
        source, changes = to_pytorch(f.read())
    if not changes:
        sys.exit(f"{path}: no line marked '# PyTorch'")
    if show:
        for n, old, new in changes:
            print(f"{path}:{n}\n  - {old.strip()}\n  + {new.strip()}")
        return
    sys.argv = list(argv)
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    code = compile(source, path, "exec")
    exec(code, {"__name__": "__main__", "__file__": path, "__builtins__": __builtins__})


if __name__ == "__main__":
    main(sys.argv[1:])
