"""How much of PyTorch's tensor-level API ``trueno.torch`` has (issue 15).

Counts the names of torch's ``dir(torch)`` and ``dir(torch.Tensor)`` that ``trueno.torch`` and
its ``Tensor`` class also have, leaving out subsystems that have their own issue or no meaning
in trueno (each rule below says why). dtype objects are counted on their own line.

    python tools/torch_coverage.py              # the numbers
    python tools/torch_coverage.py --missing    # and every name still missing
    python tools/torch_coverage.py --excluded   # and every name left out, with the reason

Presence is ``hasattr``: it says a name exists, not that it matches PyTorch (the differential
tests say that).
"""

from __future__ import annotations

import argparse
import fnmatch
import sys
import types

# -- what is left out of torch.* and why (first matching rule wins) ----------------------------
# Modules of torch.*: the tensor-level ones count (one name each); the rest are subsystems.
TENSOR_MODULES = {"linalg", "fft", "special", "return_types", "random", "cuda", "backends",
                  "autograd", "testing"}
FUNCTION_RULES: list[tuple[str, list[str]]] = [
    ("nn/optim/data: the trueno-nn issues (torch.nn.functional's ops re-exported on torch.*)",
     ["@nn_functional", "convolution", "constant_pad_nd", "grid_sampler*", "gru", "gru_cell",
      "lstm", "lstm_cell", "rnn_*", "affine_grid_generator", "embedding_renorm_",
      "*dropout_", "feature_dropout", "native_batch_norm", "native_dropout",
      "native_group_norm", "native_layer_norm", "norm_except_dim", "batch_norm_*",
      "segment_reduce"]),
    ("vendor kernel entry points (cuDNN, MIOpen, oneDNN, FBGEMM): no meaning here",
     ["cudnn_*", "miopen_*", "mkldnn_*", "fbgemm_*"]),
    ("quantization (torch.ao): its own subsystem",
     ["quantize_*", "quantized_*", "q_*", "fake_quantize_*", "dequantize", "int_repr",
      "choose_qparams*", "fused_moving_avg_obs_fake_quant", "empty_quantized", "per_channel_*",
      "per_tensor_*", "qscheme", "Q*Storage", "qint*", "quint*"]),
    ("sparse and nested layouts: their own subsystem",
     ["sparse_*", "*indices_copy", "values_copy", "smm", "hsmm", "dsmm", "saddmm", "spmm",
      "sspaddmm", "hspmm", "resize_as_sparse_", "jagged"]),
    ("automatic mixed precision (torch.amp)",
     ["autocast*", "*_autocast_*", "get_autocast*", "set_autocast*", "is_autocast*",
      "clear_autocast_cache", "GradScaler"]),
    ("TorchScript/JIT, torch.compile, torch.export, torch.func and symbolic shapes",
     ["fork", "wait", "import_ir_module*", "parse_ir", "parse_schema", "parse_type_comment",
      "merge_type_from_type_comment", "unify_type_list", "compile", "cond", "while_loop",
      "vmap", "sym_*", "Sym*", "classproperty"]),
    ("distributed and multiprocessing: their own subsystem",
     ["is_distributed", "prepare_multiprocessing_environment"]),
    ("libtorch build and runtime internals",
     ["compiled_with_cxx11_abi", "get_file_path", "thread_safe_generator", "profiler_*",
      "is_vulkan_available", "USE_*", "TYPE_CHECKING", "PRIVATE_OPS", "AVG", "SUM", "has_*"]),
    ("removed in PyTorch 2 (calling them raises in torch 2.13)",
     ["eig", "symeig", "matrix_rank", "solve", "lstsq"]),
    ("no CPU kernel in torch 2.13 (calling it raises NotImplementedError)", ["native_norm"]),
]
# Classes of torch.*: these are tensor-level; the rest are TorchScript/JIT types, storages,
# streams and C++ binding classes.
TENSOR_CLASSES = {"Tensor", "Size", "Generator", "device", "dtype", "finfo", "iinfo", "no_grad",
                  "enable_grad", "set_grad_enabled", "inference_mode", "layout", "memory_format",
                  "BoolTensor", "ByteTensor", "CharTensor", "ShortTensor", "IntTensor",
                  "LongTensor", "HalfTensor", "BFloat16Tensor", "FloatTensor", "DoubleTensor"}

# Tensor methods: Python's object plumbing is not API; these subsystems are left out.
OBJECT_DUNDERS = {"__annotations__", "__class__", "__delattr__", "__dict__", "__dir__",
                  "__doc__", "__format__", "__getattribute__", "__init__", "__init_subclass__",
                  "__module__", "__new__", "__setattr__", "__sizeof__", "__subclasshook__",
                  "__weakref__", "__reduce_ex__", "__hash__", "__getstate__", "__setstate__",
                  "__reduce__", "__ne__"}
METHOD_RULES: list[tuple[str, list[str]]] = [
    ("removed in PyTorch 2 (calling them raises in torch 2.13)",
     ["eig", "symeig", "solve", "lstsq", "reinforce"]),
    ("functorch's first-class dimensions (torch.func)", ["index"]),
    ("tensor-subclass dispatch and foreign-GPU protocols",
     ["__torch_function__", "__torch_dispatch__", "__cuda_array_interface__",
      "__dlpack_c_exchange_api__", "as_subclass"]),
    ("quantization (torch.ao)", ["q_*", "int_repr", "dequantize", "qscheme", "is_quantized"]),
    ("sparse and nested layouts",
     ["to_sparse*", "sparse_*", "coalesce", "is_coalesced", "indices", "values",
      "crow_indices", "col_indices", "ccol_indices", "row_indices", "is_sparse*", "smm",
      "sspaddmm", "dense_dim", "is_nested", "to_padded_tensor"]),
    ("devices trueno has no backend for (IPU, XPU, MTIA, MPS, MAIA, XLA, Vulkan, oneDNN)",
     ["ipu", "xpu", "mtia", "is_ipu", "is_xpu", "is_mtia", "is_mps", "is_maia", "is_xla",
      "is_vulkan", "is_mkldnn", "to_mkldnn"]),
    ("PyTorch's storage and memory internals (pinned/shared memory, streams, raw pointers)",
     ["storage", "untyped_storage", "storage_type", "share_memory_", "is_shared",
      "pin_memory", "is_pinned", "record_stream", "data_ptr", "set_", "is_set_to",
      "module_load"]),
    ("named tensors (a prototype PyTorch deprecates)",
     ["names", "refine_names", "rename", "rename_", "align_to", "align_as", "has_names"]),
    ("distributed", ["is_distributed"]),
]


def _match(name: str, patterns: list[str], special: dict[str, set]) -> bool:
    for p in patterns:
        if p.startswith("@"):
            if name in special[p]:
                return True
        elif fnmatch.fnmatchcase(name, p):
            return True
    return False


def classify_functions(torch) -> tuple[list[str], list[str], dict[str, str]]:
    """Split ``dir(torch)`` into (counted, dtype names, {left-out name: reason})."""
    import torch.nn.functional as F

    special = {"@nn_functional": {n for n in dir(F) if n not in dir(torch.Tensor)}}
    counted, dtypes, excluded = [], [], {}
    for name in dir(torch):
        obj = getattr(torch, name)
        if name.startswith("_"):
            excluded[name] = "private"
        elif isinstance(obj, torch.dtype):
            dtypes.append(name)
        elif isinstance(obj, types.ModuleType):
            if name in TENSOR_MODULES:
                counted.append(name)
            else:
                excluded[name] = ("a subsystem with its own issue or no meaning here (nn, "
                                  "optim, utils.data, distributed, jit, compile, ...), or a "
                                  "standard-library module torch re-exports")
        else:
            for reason, patterns in FUNCTION_RULES:
                if _match(name, patterns, special):
                    excluded[name] = reason
                    break
            else:
                if isinstance(obj, type) and name not in TENSOR_CLASSES:
                    excluded[name] = ("TorchScript/JIT types, storages, streams and other C++ "
                                      "binding classes")
                else:
                    counted.append(name)
    return counted, dtypes, excluded


def classify_methods(torch) -> tuple[list[str], dict[str, str]]:
    """Split ``dir(torch.Tensor)`` into (counted, {left-out name: reason})."""
    counted, excluded = [], {}
    for name in dir(torch.Tensor):
        if name in OBJECT_DUNDERS:
            excluded[name] = "Python object plumbing"
        elif name.startswith("_") and not (name.startswith("__") and name.endswith("__")):
            excluded[name] = "private"
        else:
            for reason, patterns in METHOD_RULES:
                if _match(name, patterns, {}):
                    excluded[name] = reason
                    break
            else:
                counted.append(name)
    return counted, excluded


def measure(torch, face) -> dict:
    """Coverage of ``torch`` (the real module) by ``face`` (``trueno.torch`` or a stand-in)."""
    funcs, dtypes, fex = classify_functions(torch)
    methods, mex = classify_methods(torch)

    def present(where, name: str) -> bool:
        if isinstance(where, type):
            # NOTE: what a class inherits from object (__eq__, __lt__) or gets from its
            # metaclass (type.__or__) does not count.
            return any(name in vars(k) for k in where.__mro__ if k is not object)
        return hasattr(where, name)

    def split(names, where):
        have = [n for n in names if present(where, n)]
        return have, [n for n in names if not present(where, n)]

    out = {}
    for key, names, where in (("functions", funcs, face), ("Tensor methods", methods,
                                                            face.Tensor),
                              ("dtypes", dtypes, face)):
        have, missing = split(names, where)
        out[key] = {"covered": have, "missing": missing}
    out["excluded"] = {**{f"torch.{n}": r for n, r in fex.items()},
                       **{f"torch.Tensor.{n}": r for n, r in mex.items()}}
    return out


def report(result: dict, torch_version: str, missing: bool, excluded: bool) -> str:
    lines = [f"PyTorch {torch_version} tensor-level API present in trueno.torch:"]
    for key in ("functions", "Tensor methods", "dtypes"):
        have, miss = result[key]["covered"], result[key]["missing"]
        total = len(have) + len(miss)
        pct = 100.0 * len(have) / total if total else 0.0
        lines.append(f"  {key:15s} {len(have):4d}/{total:<4d} {pct:5.1f}%")
    lines.append(f"  left out       {len(result['excluded']):4d} names (--excluded lists them "
                 f"with the reason)")
    if missing:
        for key, prefix in (("functions", "torch."), ("Tensor methods", "torch.Tensor."),
                            ("dtypes", "torch.")):
            lines.append(f"missing {key}:")
            lines += [f"  {prefix}{n}" for n in result[key]["missing"]]
    if excluded:
        lines.append("left out:")
        lines += [f"  {n}: {r}" for n, r in sorted(result["excluded"].items())]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--missing", action="store_true", help="list the missing names")
    parser.add_argument("--excluded", action="store_true",
                        help="list the names left out, with the reason")
    args = parser.parse_args(argv)
    import torch

    import trueno.torch as face
    print(report(measure(torch, face), torch.__version__, args.missing, args.excluded))
    return 0


if __name__ == "__main__":
    sys.exit(main())
