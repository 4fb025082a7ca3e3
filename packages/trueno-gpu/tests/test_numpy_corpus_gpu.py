"""The NumPy corpus with its arrays on the GPU device (issue 14's Proof).

trueno-core's corpus (``tests/numpy_corpus/snippets_*.py``, run by ``test_numpy_corpus.py``)
runs here with ``np = trueno`` and every array that a snippet creates without ``device=``
placed on ``"gpu"``: while a snippet runs, ``None`` -- "no device given" -- means the GPU in
trueno's creation functions (``array``, ``asarray``, ``arange``, ``zeros``, ``linspace``, ...,
and the conversions of lists that every function does), so the snippets run unchanged. The
results are compared with NumPy's as on the CPU (type, dtype, shape, values, printed text,
warning categories, exception class), except for what docs/compat.md lists as GPU behaviour:

- a reduction (or another 0-d result of an operator) of a GPU array stays a 0-d array on the
  device where NumPy gives a NumPy scalar: its dtype and value are compared;
- a GPU array's ``repr`` names its device (``, device='gpu:0'``), which is removed before the
  text is compared;
- GPU kernels raise no floating-point ``RuntimeWarning`` (divide by zero, invalid, overflow):
  a missing ``RuntimeWarning`` is not counted, any other warning difference is.

Snippets that are not numeric or not device-portable by design (string/object dtypes,
views of CPU memory, in-place reshapes of the buffer) are listed in ``NOT_PORTABLE`` and not
run; those that fail on the CPU too are core's xfails and not run here either. What remains
different on the GPU is in ``XFAIL`` (strict) with its reason.
"""

from __future__ import annotations

import contextlib
import importlib.util
from pathlib import Path

import numpy
import pytest
import trueno
import trueno._creation as _creation

_CORE = Path(__file__).resolve().parents[2] / "trueno-core" / "tests" / "test_numpy_corpus.py"
_spec = importlib.util.spec_from_file_location("_trueno_numpy_corpus_core", _CORE)
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)

_GPU_REPR = ", device='gpu:0'"

_STR = "string/object dtypes live on the CPU only"
_CPU_MEM = "a view of a CPU array's memory (NumPy's strides) or an in-place change of its " \
           "buffer: CPU arrays only, DeviceError on the GPU (docs/compat.md)"
NOT_PORTABLE: dict[str, str] = {
    # non-numeric dtypes (the snippet makes a string or object array)
    **dict.fromkeys(["creation.astype_str", "creation.string_array",
                     "creation.string_array_dtype", "creation.object_array",
                     "shape.sort_strings", "edge.array_python_big_int_object",
                     "edge.array_from_generator_object", "arith.frompyfunc",
                     "indexing.object_element_holds_a_list"], _STR),
    # CPU memory: as_strided / sliding_window_view, shape/real/imag setters, resize, flags
    **dict.fromkeys(["shape.as_strided", "shape.as_strided_writes_through",
                     "shape.sliding_window_view", "shape.sliding_window_mean",
                     "shape.sliding_window_2d_axis", "shape.sliding_window_readonly",
                     "creation.shape_setter", "creation.shape_setter_needs_copy_raises",
                     "creation.shape_setter_size_mismatch", "methods.m_real_setter",
                     "methods.m_imag_setter_and_errors", "methods.m_imag_setter_real_raises",
                     "methods.m_resize_inplace", "methods.m_resize_grow_shrink",
                     "methods.m_setflags_readonly", "indexing.nditer_readwrite"], _CPU_MEM),
}

# the corpus file of non-numeric dtypes (strings, object, datetime64, structured): every
# snippet of it makes arrays that live on the CPU only (issue 14), so none runs here
_NON_NUMERIC = "dtypes_text."
NOT_PORTABLE.update({n: _STR for n in corpus.SNIPPETS if n.startswith(_NON_NUMERIC)})

_ZERO_D = "a reduction of a GPU array stays a 0-d array on the device (no implicit download; " \
          "docs/compat.md), so its Python type is not NumPy's scalar type"
_NO_WARN = "GPU kernels set no floating-point flags, so errstate(all='raise') cannot raise"
XFAIL: dict[str, str] = {
    "arith.scalar_from_sum_type": _ZERO_D,
    "extra.sum_scalar_is_int64": _ZERO_D,
    "reduce.sum_float32_result_type": _ZERO_D,
    "creation.isinstance_float": _ZERO_D,
    "science.scalar_is_float": _ZERO_D,
    "creation.repr_scalar_sum": _ZERO_D + " (its repr is the array's)",
    "creation.repr_scalar_float": _ZERO_D + " (its repr is the array's)",
    "tricks.errstate_raise": _NO_WARN,
    "tricks.testing_assert_warns": "GPU kernels raise no floating-point RuntimeWarning",
}


@contextlib.contextmanager
def gpu_by_default():
    """While active, trueno's creation functions put arrays made without ``device=`` on the
    GPU (``None`` reads as ``"gpu"``; an explicit device is kept)."""
    original = _creation.as_device

    def as_device(spec):
        return original("gpu" if spec is None else spec)

    _creation.as_device = as_device
    try:
        yield
    finally:
        _creation.as_device = original


_compare_cpu = corpus.compare


def compare(got, want, path: str = "out") -> None:
    """Core's ``compare`` with the GPU's documented differences (see the module docstring).
    Installed as the loaded corpus module's ``compare``, so its recursion into tuples, lists
    and dicts comes back here."""
    if isinstance(want, numpy.generic) and isinstance(got, trueno.ndarray) and got.ndim == 0:
        assert got.device.type == "gpu", f"{path}: a 0-d array on {got.device}, want a scalar"
        corpus._same_array(got, numpy.asarray(want), path)
    elif isinstance(want, str) and isinstance(got, str):
        _compare_cpu(got.replace(_GPU_REPR, ""), want, path)
    else:
        _compare_cpu(got, want, path)


corpus.compare = compare


def _portable() -> list[str]:
    return [n for n in corpus.SNIPPETS if n not in NOT_PORTABLE and n not in corpus.XFAIL]


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=XFAIL[n])) if n in XFAIL else n
    for n in _portable()])
def test_snippet_on_gpu(name: str) -> None:
    code = corpus.SNIPPETS[name]
    want = corpus.run(code, numpy)
    with gpu_by_default():
        got = corpus.run(code, trueno)
    if want["exc"] is not None:
        assert got["exc"] is not None, f"NumPy raised {want['exc']!r}, trueno did not"
        assert corpus._exc_matches(got["exc"], want["exc"]), \
            f"NumPy raised {want['exc']!r}, trueno {got['exc']!r}"
        return
    if got["exc"] is not None:
        raise got["exc"]
    compare(got["out"], want["out"])
    assert got["printed"].replace(_GPU_REPR, "") == want["printed"], "printed output differs"
    # a RuntimeWarning (floating-point flag) that the GPU did not raise is not counted
    expected = [w for w in want["warnings"]
                if w != "RuntimeWarning" or w in got["warnings"]]
    assert got["warnings"] == expected, f"warnings {got['warnings']} != NumPy's {expected}"


def test_the_snippets_really_run_on_the_gpu():
    """The default-device switch reaches creation functions and list conversions, and is
    undone afterwards."""
    with gpu_by_default():
        made = [trueno.arange(3), trueno.asarray([1.0]), trueno.zeros(2), trueno.sqrt([4.0]),
                trueno.linspace(0, 1, 3), trueno.asarray([1], device="cpu")]
    assert [a.device.type for a in made] == ["gpu"] * 5 + ["cpu"]
    assert trueno.arange(3).device.type == "cpu"


def test_the_lists_name_snippets_of_the_corpus():
    assert set(NOT_PORTABLE) <= set(corpus.SNIPPETS)
    assert set(XFAIL) <= set(_portable())
    # the device-portable part is most of the numeric corpus
    numeric = [n for n in corpus.SNIPPETS if not n.startswith(_NON_NUMERIC)]
    assert len(_portable()) >= 0.95 * len(numeric)
    compat = (Path(__file__).parents[3] / "docs" / "compat.md").read_text()
    assert f"`{_NON_NUMERIC}*`" in compat
    for name in [*XFAIL, *NOT_PORTABLE]:
        if not name.startswith(_NON_NUMERIC):
            assert f"`{name}`" in compat, f"{name} is not described in docs/compat.md"
