"""Autocast (mixed precision): per-thread state, PyTorch's per-op policy lists, and the hook
the dispatcher calls while an autocast region is open somewhere in the process.

Inside ``autocast("cpu", dtype=bfloat16)`` the ops of the *lower* list (matmul, conv, linear,
...) cast their floating inputs to the autocast dtype and run in it, the ops of the *float32*
list cast float16/bfloat16 inputs up to float32, and everything else runs in its inputs'
dtypes. The lists are PyTorch 2.13's (``AutocastCPU`` and ``AutocastCUDA`` registrations), by
trueno op-row or function name; the CUDA lists apply to tensors on trueno's ``"gpu"`` device.
float64 tensors are never cast (PyTorch's ``is_eligible``). PyTorch's *promote* list (cat,
stack, where, addcmul, ...) needs no hook: trueno's rows already promote to the widest input.

Cost when autocast is off: ``_dispatch.run`` reads one module global (``_dispatch._AC``, None
unless some thread holds an enabled region) and nothing else; the ``a + b`` fast path reads
nothing. While a region is open, the ops of the lists leave their fast caches (so that every
call reaches ``run``) and fill them again once the last region closes.

Casts go through ``Tensor.astype``, which autograd records, so float32 leaves get float32
gradients. As in PyTorch, lower-precision casts of float32 leaves that require grad (model
weights) are cached per thread until the outermost region exits (``cache_enabled``).
"""

from __future__ import annotations

import functools
import threading
import warnings

import numpy as np

from . import _dispatch as X
from . import _dtypes as D
from ._device import CPU
from ._errors import TruenoError

__all__ = ["autocast", "is_autocast_enabled", "get_autocast_dtype", "set_autocast_enabled",
           "set_autocast_dtype", "is_autocast_cache_enabled", "set_autocast_cache_enabled",
           "clear_autocast_cache", "autocast_function", "is_autocast_available", "CPU_POLICY",
           "GPU_POLICY", "AutocastError"]


class AutocastError(TruenoError, ValueError, RuntimeError):
    """An autocast argument that cannot work (a device type it has no policy for); a
    RuntimeError as PyTorch raises for an unknown device string, and a ValueError as it
    raises for a device type that is not a string."""


LOWER = "lower_precision_fp"
FP32 = "fp32"
PROMOTE = "promote"

_CONV = ("conv1d", "conv2d", "conv3d", "conv_tbc", "conv_transpose1d", "conv_transpose2d",
         "conv_transpose3d", "_convolution", "convolution", "prelu")
_MATMULS = ("matmul", "mm", "bmm", "addmm", "addbmm", "baddbmm", "linear", "linalg_vecdot",
            "scaled_dot_product_attention", "multi_head_attention_forward")
_LOSSES = ("mse_loss", "cosine_embedding_loss", "nll_loss", "nll_loss2d",
           "hinge_embedding_loss", "poisson_nll_loss", "smooth_l1_loss", "cross_entropy",
           "l1_loss", "huber_loss", "margin_ranking_loss", "soft_margin_loss",
           "triplet_margin_loss", "multi_margin_loss", "kl_div", "multilabel_margin_loss",
           "binary_cross_entropy_with_logits")
_LINALG = ("linalg_cholesky", "linalg_cond", "linalg_eig", "linalg_eigh", "linalg_eigvals",
           "linalg_eigvalsh", "linalg_householder_product", "linalg_inv", "linalg_lstsq",
           "linalg_matrix_rank", "linalg_qr", "linalg_solve", "linalg_svd", "linalg_svdvals",
           "linalg_tensorinv", "linalg_tensorsolve", "cholesky", "cholesky_inverse",
           "cholesky_solve", "inverse", "lu_solve", "pinverse", "qr", "svd", "geqrf", "orgqr",
           "ormqr", "triangular_solve")
_FFT = ("fft_fftn", "fft_ifftn", "fft_rfftn", "fft_irfftn", "fft_hfft", "fft_ihfft", "stft")

# PyTorch's AutocastCPU lists (by trueno row or function name).
CPU_POLICY: dict[str, str] = {
    # PyTorch's CPU einsum runs in bfloat16 through bmm; trueno's reference einsum kernel has
    # no bfloat16 yet (NumPy's einsum refuses the dtype), so einsum stays out of this list
    **dict.fromkeys(_CONV + _MATMULS, LOWER),
    **dict.fromkeys(_LOSSES + _LINALG + _FFT + (
        "binary_cross_entropy", "prod", "quantile", "nanquantile", "cdist", "trace", "polar",
        "avg_pool3d", "max_pool3d", "adaptive_avg_pool3d", "adaptive_max_pool3d",
        "fractional_max_pool2d", "fractional_max_pool3d", "max_unpool2d", "max_unpool3d",
        "reflection_pad1d", "reflection_pad2d", "replication_pad1d", "replication_pad2d",
        "replication_pad3d", "grid_sampler", "ctc_loss"), FP32),
    **dict.fromkeys(("concat", "stack", "index_copy"), PROMOTE),
}

# PyTorch's AutocastCUDA lists: trueno's "gpu" device (PyTorch's "cuda").
GPU_POLICY: dict[str, str] = {
    **dict.fromkeys(_CONV + _MATMULS + (
        "einsum", "addmv", "addr", "mv", "chain_matmul", "linalg_multi_dot", "lstm_cell",
        "gru_cell", "rnn_tanh_cell", "rnn_relu_cell"), LOWER),
    **dict.fromkeys(_LOSSES + (
        "acos", "asin", "cosh", "erfinv", "exp", "expm1", "log", "log10", "log2", "log1p",
        "reciprocal", "rsqrt", "sinh", "tan", "pow", "softplus", "layer_norm", "rms_norm",
        "group_norm", "frobenius_norm", "nuclear_norm", "cosine_similarity", "dist", "pdist",
        "cdist", "renorm", "logsumexp", "upsample_nearest1d", "upsample_nearest2d",
        "upsample_nearest3d", "upsample_linear1d", "upsample_bilinear2d",
        "upsample_trilinear3d", "upsample_bicubic2d", "interpolate",
        # fp32_set_opt_dtype and fp32_append_dtype: float32 unless a dtype is given
        "prod", "softmax", "log_softmax", "cumprod", "cumsum", "vector_norm",
        "linalg_vector_norm", "linalg_matrix_norm", "sum", "norm"), FP32),
    **dict.fromkeys(("addcdiv", "addcmul", "atan2", "bilinear", "cross", "dot", "vdot",
                     "grid_sampler", "index_put", "tensordot", "scatter_add"), PROMOTE),
}

# Names whose rows the dispatcher hands to ``autocast_run`` (promote rows need nothing).
HOOKED = frozenset(n for p in (CPU_POLICY, GPU_POLICY) for n, v in p.items() if v != PROMOTE)

_DEVICE_TYPES = {"cpu": "cpu", "gpu": "gpu", "cuda": "gpu"}
_DEFAULT_DTYPE = {"cpu": D.bfloat16, "gpu": D.float16}


class _State(threading.local):
    """This thread's autocast state; class attributes are the defaults of a new thread."""

    cpu_enabled = False
    cpu_dtype = D.bfloat16
    gpu_enabled = False
    gpu_dtype = D.float16
    cache_enabled = True
    nesting = 0
    cache: dict | None = None  # id(float32 leaf) -> (leaf, its cast)


STATE = _State()
_lock = threading.Lock()
_enabled_count = [0]  # (thread, device type) pairs whose autocast is on, process-wide


def _device_type(device_type) -> str:
    if not isinstance(device_type, str):
        raise AutocastError(f"autocast: expected `device_type` of type `str`, got: "
                            f"`{type(device_type)}`\n  hint: autocast('cpu') or "
                            f"autocast('gpu') ('cuda' names the GPU device)")
    kind = _DEVICE_TYPES.get(device_type.split(":")[0])
    if kind is None:
        raise AutocastError(f"autocast: device_type {device_type!r} has no autocast policy; "
                            f"expected 'cpu', 'gpu' or 'cuda'")
    return kind


def _set_enabled(kind: str, enabled: bool) -> None:
    """Switch this thread's autocast for ``kind`` and keep the process-wide count (and the
    dispatcher's flag) in step."""
    attr = kind + "_enabled"
    was = getattr(STATE, attr)
    enabled = bool(enabled)
    if was == enabled:
        return
    setattr(STATE, attr, enabled)
    with _lock:
        _enabled_count[0] += 1 if enabled else -1
        X.set_autocast(_this_module() if _enabled_count[0] > 0 else None, HOOKED)


def _this_module():
    import sys
    return sys.modules[__name__]


def is_autocast_available(device_type: str) -> bool:
    """Whether autocast has a policy for ``device_type`` ('cpu', 'gpu', 'cuda')."""
    return isinstance(device_type, str) and device_type.split(":")[0] in _DEVICE_TYPES


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether this thread runs in autocast for ``device_type`` (None: the GPU, as PyTorch's
    no-argument form asks about CUDA)."""
    kind = "gpu" if device_type is None else _device_type(device_type)
    return getattr(STATE, kind + "_enabled")


def set_autocast_enabled(device_type, enabled=None) -> None:
    """Turn this thread's autocast for ``device_type`` on or off (PyTorch's low-level API;
    ``set_autocast_enabled(True)`` is the GPU, as PyTorch's deprecated one-argument form)."""
    if enabled is None:
        device_type, enabled = "cuda", device_type
    _set_enabled(_device_type(device_type), enabled)


def get_autocast_dtype(device_type: str):
    """The dtype this thread's autocast for ``device_type`` casts down to."""
    return getattr(STATE, _device_type(device_type) + "_dtype")


def set_autocast_dtype(device_type: str, dtype) -> None:
    setattr(STATE, _device_type(device_type) + "_dtype", _check_dtype(_device_type(device_type),
                                                                      dtype))


def is_autocast_cache_enabled() -> bool:
    return STATE.cache_enabled


def set_autocast_cache_enabled(enabled: bool) -> None:
    STATE.cache_enabled = bool(enabled)


def clear_autocast_cache() -> None:
    """Drop this thread's cached casts of weights."""
    STATE.cache = None


def _check_dtype(kind, dtype):
    dt = D.as_dtype(dtype)
    if dt not in (D.float16, D.bfloat16):
        raise AutocastError(f"autocast: dtype {dt.name} is not supported on {kind}; expected "
                            f"float16 or bfloat16\n  hint: autocast('{kind}', "
                            f"dtype=trueno.{_DEFAULT_DTYPE[kind].name})")
    return dt


class autocast:  # noqa: N801  (PyTorch's name)
    """Run the ops of a region in mixed precision, as ``torch.autocast``: a context manager
    and a decorator; per thread; nested regions restore the enclosing state on exit.

    Parameters
    ----------
    device_type : str
        ``"cpu"``, or ``"gpu"``/``"cuda"`` (trueno's GPU device).
    dtype : dtype, optional
        The lower precision: ``bfloat16`` (the CPU's default) or ``float16`` (the GPU's).
    enabled : bool
        ``False`` turns autocast off inside the region.
    cache_enabled : bool, optional
        Cache the casts of float32 weights until the outermost region exits (default True).

    Examples
    --------
    >>> import trueno.torch as torch
    >>> from trueno.amp import autocast
    >>> with autocast("cpu"):
    ...     (torch.ones(2, 3) @ torch.ones(3, 2)).dtype
    torch.bfloat16
    """

    def __init__(self, device_type: str, dtype=None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        self.device = device_type
        self._kind = _device_type(device_type)
        if not isinstance(enabled, bool) and enabled not in (0, 1):
            raise AutocastError(f"autocast: enabled must be a bool, got {enabled!r}")
        self._enabled = bool(enabled)
        self.fast_dtype = _DEFAULT_DTYPE[self._kind] if dtype is None else D.as_dtype(dtype)
        if self.fast_dtype not in (D.bfloat16, D.float16):
            if self._enabled:  # PyTorch warns and turns the region off
                name = self._kind.upper()
                warnings.warn(f"In {name} autocast, but the target dtype is not supported. "
                              f"Disabling autocast.\n{name} Autocast only supports dtypes of "
                              f"torch.bfloat16, torch.float16 currently.", stacklevel=2)
                self._enabled = False
            self.fast_dtype = getattr(STATE, self._kind + "_dtype")
        self._cache_enabled = STATE.cache_enabled if cache_enabled is None else \
            bool(cache_enabled)
        self._saved: list = []

    def __enter__(self):
        kind = self._kind
        self._saved.append((getattr(STATE, kind + "_enabled"), getattr(STATE, kind + "_dtype"),
                            STATE.cache_enabled))
        STATE.nesting += 1
        setattr(STATE, kind + "_dtype", self.fast_dtype)
        STATE.cache_enabled = self._cache_enabled
        _set_enabled(kind, self._enabled)
        return self

    def __exit__(self, *exc) -> bool:
        kind = self._kind
        enabled, dtype, cache = self._saved.pop()
        STATE.nesting -= 1
        if STATE.nesting == 0:
            STATE.cache = None
        setattr(STATE, kind + "_dtype", dtype)
        STATE.cache_enabled = cache
        _set_enabled(kind, enabled)
        return False

    def __call__(self, func):
        args = (self.device, self.fast_dtype, self._enabled, self._cache_enabled)

        @functools.wraps(func)
        def decorated(*a, **kw):
            with autocast(*args):
                return func(*a, **kw)
        return decorated


# -- the dispatcher's hook ------------------------------------------------------------------

def _policy(device):
    """(policy table, lower dtype) of this thread for ``device``, or None when off."""
    st = STATE
    if device is CPU:
        return (CPU_POLICY, st.cpu_dtype) if st.cpu_enabled else None
    return (GPU_POLICY, st.gpu_dtype) if st.gpu_enabled else None


def _cast(t, target, policy):
    """``t`` as ``target`` through ``Tensor.astype`` (recorded by autograd); lower-precision
    casts of float32 leaves that require grad come from this thread's cache."""
    from ._tensor import Tensor
    ag = t._ag
    if policy is LOWER and ag is not None and ag.grad_fn is None and ag.requires_grad and \
            t._dtype is D.float32 and STATE.cache_enabled and X.MODES.grad_enabled:
        cache = STATE.cache
        if cache is None:
            cache = STATE.cache = {}
        hit = cache.get(id(t))
        if hit is not None and hit[0] is t and hit[1]._dtype is target:
            return hit[1]
        out = Tensor.astype(t, target)
        cache[id(t)] = (t, out)
        return out
    return Tensor.astype(t, target)


def _targets(table, low, name, tensors):
    """The policy and target dtype for op ``name`` on ``tensors``, or None when nothing is to
    be cast (no policy, or a float64 tensor, which PyTorch never casts)."""
    policy = table.get(name)
    if policy is None or policy is PROMOTE:
        return None
    target = low if policy is LOWER else D.float32
    need = False
    for t in tensors:
        dt = t._dtype
        if dt.kind == "f":
            if dt is D.float64:
                return None
            if dt is not target and (policy is LOWER or dt is not D.float32):
                need = True
    return (policy, target) if need else None


def autocast_run(op, inputs, datas, params, cls, device, dtype):
    """``_dispatch.run``'s hook for a row in ``HOOKED``: the result of ``op`` on its inputs
    cast by this thread's policy, or None to let ``run`` go on unchanged."""
    p = _policy(device)
    if p is None or dtype.kind != "f" or len(datas) != len(inputs) or X.MODES.in_backward:
        return None  # backward rules run in the dtypes their forward ops ran in, as PyTorch
    from ._tensor import Tensor
    tensors = [t for t in inputs if isinstance(t, Tensor)]
    pt = _targets(p[0], p[1], op.name, tensors)
    if pt is None:
        return None
    policy, target = pt
    new_inputs, new_datas = [], []
    swap = {}
    for t, d in zip(inputs, datas):
        if isinstance(t, Tensor) and t._dtype.kind == "f":
            c = t if t._dtype is target or (policy is FP32 and t._dtype is D.float32) else \
                _cast(t, target, policy)
            nd = X.cast_data(c, target)
            swap[id(t._data)] = c._data
            new_inputs.append(c)
            new_datas.append(nd)
        else:
            new_inputs.append(t)
            new_datas.append(target.numpy.type(d) if isinstance(d, np.floating) else d)
    new_params = params
    if params:
        new_params = {}
        for k, v in params.items():
            if k == "dtype" and isinstance(v, np.dtype) and v == dtype.numpy:
                v = target.numpy
            elif id(v) in swap:  # a tensor input's data passed as a parameter (layer_norm)
                v = swap[id(v)]
            new_params[k] = v
    return X.run(op, tuple(new_inputs), tuple(new_datas), new_params, cls, device, target)


def autocast_function(name: str):
    """Decorate a function (an nn functional op without a row of its own, e.g. ``linear``,
    ``cross_entropy``) so that its tensor arguments follow autocast's policy for ``name``.

    When autocast is off the wrapper reads one module global and calls the function.
    """
    def deco(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if X._AC is None:
                return fn(*args, **kwargs)
            return _call_with_policy(name, fn, args, kwargs)
        return wrapper
    return deco


def _call_with_policy(name, fn, args, kwargs):
    from ._tensor import Tensor
    tensors = [a for a in args if isinstance(a, Tensor)] + \
        [v for v in kwargs.values() if isinstance(v, Tensor)]
    if not tensors:
        return fn(*args, **kwargs)
    p = _policy(tensors[0]._device)
    pt = None if p is None else _targets(p[0], p[1], name, tensors)
    if pt is None:
        return fn(*args, **kwargs)
    policy, target = pt

    def conv(a):
        if isinstance(a, Tensor) and a._dtype.kind == "f" and a._dtype is not target and \
                (policy is LOWER or a._dtype is not D.float32):
            return _cast(a, target, policy)
        return a
    return fn(*[conv(a) for a in args], **{k: conv(v) for k, v in kwargs.items()})


def _warn_deprecated(old: str, new: str) -> None:
    warnings.warn(f"`{old}(args...)` is deprecated. Please use `{new}(args...)` instead.",
                  FutureWarning, stacklevel=3)
