"""How much of NumPy's public function namespace ``trueno`` provides.

Counts the public callables of ``dir(numpy)`` -- ufuncs and functions, not classes, dtypes,
submodules or private names -- and reports which of them ``trueno`` has under the same name.

    PYTHONPATH=packages/trueno-core/src python tools/numpy_coverage.py [--summary] [--json]
"""

from __future__ import annotations

import argparse
import json
import types
import warnings

import numpy as np


def numpy_functions() -> list[str]:
    """Public callable names of the ``numpy`` namespace that are functions or ufuncs."""
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in dir(np):
            if name.startswith("_"):
                continue
            try:
                obj = getattr(np, name)
            except AttributeError:  # names NumPy lists but has removed
                continue
            if isinstance(obj, (type, types.ModuleType)) or not callable(obj):
                continue
            out.append(name)
    return sorted(out)


def coverage() -> dict:
    import trueno
    names = numpy_functions()
    have = [n for n in names if hasattr(trueno, n)]
    missing = [n for n in names if not hasattr(trueno, n)]
    return {"numpy_version": np.__version__, "total": len(names), "provided": len(have),
            "percent": round(100.0 * len(have) / len(names), 1), "missing": missing}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--summary", action="store_true", help="only the percentage line")
    args = p.parse_args(argv)
    r = coverage()
    if args.json:
        print(json.dumps(r, indent=2))
        return
    print(f"NumPy {r['numpy_version']}: trueno provides {r['provided']} of {r['total']} "
          f"public NumPy functions ({r['percent']}%)")
    if not args.summary:
        print(f"missing ({len(r['missing'])}):")
        for i in range(0, len(r["missing"]), 6):
            print("  " + "  ".join(r["missing"][i:i + 6]))


if __name__ == "__main__":
    main()
