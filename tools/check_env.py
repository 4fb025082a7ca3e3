"""Print what trueno found; in CI (CI=true) fail when a plugin that the tests need is missing
or when an installed package is not pinned by constraints.txt (docs/design.md §9).

A plugin that fails to import only warns (by design), so without this check CI could pass
while silently testing less than it should.
"""

from __future__ import annotations

import os
import sys

import trueno as tn
from trueno._registry import load_plugins

reg = load_plugins()
print("trueno", tn.__version__, "plugins:", reg.plugins)
for b in tn.backends():
    print(f"  backend {b['name']:18s} priority {b['priority']:3d} devices {b['devices']}")
if reg.failed:
    print("plugins that failed:", reg.failed)
problems = []
if os.environ.get("CI"):
    for needed in ("simd", "autograd", "gpu"):
        if needed not in reg.plugins or needed in reg.failed:
            problems.append(f"plugin {needed!r} did not load: {reg.failed.get(needed, 'absent')}")
    api = reg.devices.get("gpu")
    if api is not None:
        try:
            n = api.device_count()
            print("gpu adapters:", n)
            if n == 0:
                problems.append("no GPU adapter (install mesa-vulkan-drivers libvulkan1)")
        except Exception as exc:
            problems.append(f"gpu: {exc}")

def unpinned() -> list[str]:
    """Installed distributions that constraints.txt does not pin to the installed version."""
    import re
    from importlib.metadata import distributions
    from pathlib import Path

    def norm(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    pins: dict[str, set[str]] = {}
    for line in (Path(__file__).parent.parent / "constraints.txt").read_text().splitlines():
        line = line.split("#")[0].split(";")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            pins.setdefault(norm(name), set()).add(version.strip())
    out = []
    for dist in distributions():
        name = norm(dist.metadata["Name"] or "")
        if not name or name.startswith("trueno") or name in ("pip", "setuptools", "wheel"):
            continue
        version = dist.version.split("+")[0]
        if version not in pins.get(name, ()):
            out.append(f"{name}=={dist.version} is installed but constraints.txt pins "
                       f"{sorted(pins.get(name, ())) or 'nothing'}")
    return sorted(out)


if os.environ.get("CI"):
    problems += unpinned()
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
