"""How much of NumPy's public namespace ``trueno`` provides, by kind of name.

Counts the public names of ``dir(numpy)`` (no private names) and of NumPy's public submodules,
and reports which of them ``trueno`` has under the same name:

- functions: callables that are not classes (ufuncs included);
- ufunc methods and attributes: ``reduce``, ``accumulate``, ``reduceat``, ``outer`` (binary
  ufuncs with one output) and ``at`` of every ufunc that is not a gufunc, and
  ``nin``/``nout``/``identity`` with NumPy's values;
- scalar types: the ``numpy.generic`` hierarchy (``float64``, ``int_``, ``floating``, ...);
- classes: the other types (``ndarray``, ``dtype``, ``errstate``, ``nditer``, ...);
- constants: the other non-callable names (``pi``, ``newaxis``, ``euler_gamma``, ...);
- submodule names: the public names (functions, classes, constants) of ``numpy.linalg``,
  ``fft``, ``random``, ``testing``, ``emath``, ``exceptions``, ``lib.stride_tricks``.

    PYTHONPATH=packages/trueno-core/src python tools/numpy_coverage.py [--summary] [--json]
"""

from __future__ import annotations

import argparse
import json
import types
import warnings

import numpy as np

SUBMODULES = ("linalg", "fft", "random", "testing", "emath", "exceptions", "lib.stride_tricks")
UFUNC_METHODS = ("reduce", "accumulate", "reduceat", "outer")
UFUNC_ATTRS = ("nin", "nout", "identity")


def _public(mod) -> dict:
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in dir(mod):
            if name.startswith("_"):
                continue
            try:
                out[name] = getattr(mod, name)
            except AttributeError:  # names NumPy lists but has removed
                continue
    return out


def _kind(obj) -> str:
    if isinstance(obj, types.ModuleType):
        return "module"
    if isinstance(obj, type):
        return "scalar types" if issubclass(obj, np.generic) else "classes"
    return "functions" if callable(obj) else "constants"


def numpy_functions() -> list[str]:
    """Public callable names of the ``numpy`` namespace that are functions or ufuncs."""
    return sorted(n for n, o in _public(np).items() if _kind(o) == "functions")


def _resolve(root, dotted: str):
    obj = root
    for part in dotted.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def names_by_kind() -> dict[str, dict[str, bool]]:
    """{kind: {name: provided}} for every public NumPy name this tool counts."""
    import trueno
    out: dict[str, dict[str, bool]] = {k: {} for k in (
        "functions", "ufunc methods", "scalar types", "classes", "constants",
        "submodule names")}
    for name, obj in _public(np).items():
        kind = _kind(obj)
        if kind == "module":
            continue
        out[kind][name] = hasattr(trueno, name)
        if isinstance(obj, np.ufunc):
            mine = getattr(trueno, name, None)
            # gufuncs (matmul, vecdot, ...) have no working methods in NumPy either
            methods = () if obj.signature is not None else \
                (UFUNC_METHODS if obj.nin == 2 and obj.nout == 1 else ()) + ("at",)
            for m in methods:
                out["ufunc methods"][f"{name}.{m}"] = callable(getattr(mine, m, None))
            for a in UFUNC_ATTRS:
                want = getattr(obj, a)
                got = getattr(mine, a, object())
                same = got is want or got == want or (want is None and got is None)
                out["ufunc methods"][f"{name}.{a}"] = bool(same)
    for sub in SUBMODULES:
        theirs = _resolve(np, sub)
        ours = _resolve(trueno, sub)
        for name, obj in _public(theirs).items():
            if _kind(obj) != "module":
                out["submodule names"][f"{sub}.{name}"] = ours is not None and hasattr(ours, name)
    return out


def coverage() -> dict:
    """The report: per kind (total, provided, percent, missing) and all kinds together; the
    top-level ``total``/``provided``/``percent``/``missing`` keys are the functions'."""
    kinds = {}
    for kind, names in names_by_kind().items():
        have = sum(names.values())
        kinds[kind] = {"total": len(names), "provided": have,
                       "percent": round(100.0 * have / max(len(names), 1), 1),
                       "missing": sorted(n for n, ok in names.items() if not ok)}
    total = sum(k["total"] for k in kinds.values())
    provided = sum(k["provided"] for k in kinds.values())
    f = kinds["functions"]
    return {"numpy_version": np.__version__, "total": f["total"], "provided": f["provided"],
            "percent": f["percent"], "missing": f["missing"], "kinds": kinds,
            "all": {"total": total, "provided": provided,
                    "percent": round(100.0 * provided / total, 1)}}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--summary", action="store_true", help="only the percentage lines")
    args = p.parse_args(argv)
    r = coverage()
    if args.json:
        print(json.dumps(r, indent=2))
        return
    a = r["all"]
    print(f"NumPy {r['numpy_version']}: trueno provides {a['provided']} of {a['total']} "
          f"public NumPy names ({a['percent']}%)")
    for kind, k in r["kinds"].items():
        print(f"  {kind}: {k['provided']} of {k['total']} ({k['percent']}%)")
    if not args.summary:
        for kind, k in r["kinds"].items():
            if k["missing"]:
                print(f"missing {kind} ({len(k['missing'])}):")
                for i in range(0, len(k["missing"]), 5):
                    print("  " + "  ".join(k["missing"][i:i + 5]))


if __name__ == "__main__":
    main()
