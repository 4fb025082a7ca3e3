// NumPy array plumbing shared by the bindings: dtype codes, operand conversion, broadcasting,
// the `out=` argument, and a strided N-operand iterator that hands 1-D runs to the loops.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "common.hpp"

namespace py = pybind11;

namespace trueno {

constexpr int kMaxDims = 32;

DType dtype_code(const py::dtype& dt);  // -1 cast to DType(NDT) when unsupported
const char* dtype_name(DType d);
py::dtype dtype_of(DType d);
idx itemsize_of(DType d);
bool is_float(DType d);   // float32 / float64
bool is_half(DType d);    // float16 / bfloat16
bool is_int(DType d);     // signed or unsigned integer

// np.generic scalars, 0-d and n-d arrays all become py::array (no copy for arrays).
py::array as_array(py::handle h, const char* op);

std::vector<idx> shape_of(const py::array& a);
std::vector<idx> broadcast_shapes(const std::vector<std::vector<idx>>& shapes, const char* op);
idx numel(const std::vector<idx>& shape);

// Returns `out` after checking it is C-contiguous with this shape and dtype, or a new array.
py::array make_out(py::object out, const std::vector<idx>& shape, const py::dtype& dt,
                   const char* op);

// The out= argument of a kernel, checked against its inputs before the kernel runs. An out=
// that shares memory with an input is replaced by None (the kernel writes a new array) and
// finish() copies the result into it, so overlapping views give NumPy's result. With
// alias_ok, an input that is exactly `out` (same data, shape, C-contiguous) stays in place:
// elementwise kernels (and softmax/layer_norm rows) read each element before writing it.
struct OutGuard {
    py::object out;   // what the kernel gets
    py::object user;  // the caller's out= when it was replaced, else None
    const char* op;
    OutGuard(py::object out_, std::initializer_list<py::handle> inputs, bool alias_ok,
             const char* op);
    py::array finish(py::array result) const;
};

std::string shape_str(const std::vector<idx>& shape);
std::string arg_repr(py::handle h);

// Byte strides of `a` aligned to an output of `ndim` dims: broadcast dims get stride 0.
std::vector<idx> bstrides(const py::array& a, const std::vector<idx>& oshape);

// Releases the GIL only for work big enough to be worth the ~100 ns it costs.
struct NoGil {
    std::optional<py::gil_scoped_release> release;
    explicit NoGil(idx work) {
        if (work >= 4096) release.emplace();
    }
};

// Errors raised to Python: trueno.DTypeError (a TypeError), trueno.ShapeError (a ValueError),
// and trueno_simd.KernelArgumentError (a ValueError) for other bad values. `msg` starts with
// "trueno_simd.<op>(...)" and says what was expected and what was given.
[[noreturn]] void type_error(const std::string& msg);
[[noreturn]] void shape_error(const std::string& msg);
[[noreturn]] void value_error(const std::string& msg);
// An integer argument (Python int or numpy integer, not bool) as idx, else DTypeError.
idx int_arg(py::handle h, const char* op, const char* name);

// Dimensions other than 1 must fit the iterator's kMaxDims (only broadcast views get there).
void check_dims(const std::vector<idx>& shape, const char* op);

// N operands walked in C order of the output shape, dims coalesced where all operands allow.
template <int N>
struct NdLoop {
    int nd = 0;
    idx shape[kMaxDims];
    idx str[N][kMaxDims];
    const char* base[N];
    idx total = 0;

    NdLoop(const std::vector<idx>& oshape, const std::array<const char*, N>& ptrs,
           const std::array<std::vector<idx>, N>& strides) {
        check_dims(oshape, "kernel");
        total = numel(oshape);
        for (int k = 0; k < N; ++k) base[k] = ptrs[k];
        for (size_t d = 0; d < oshape.size(); ++d) {
            if (oshape[d] == 1) continue;
            if (nd > 0) {
                bool merge = true;
                for (int k = 0; k < N; ++k)
                    if (str[k][nd - 1] != strides[k][d] * oshape[d]) merge = false;
                if (merge) {
                    shape[nd - 1] *= oshape[d];
                    for (int k = 0; k < N; ++k) str[k][nd - 1] = strides[k][d];
                    continue;
                }
            }
            shape[nd] = oshape[d];
            for (int k = 0; k < N; ++k) str[k][nd] = strides[k][d];
            ++nd;
        }
        if (nd == 0) {
            nd = 1;
            shape[0] = 1;
            for (int k = 0; k < N; ++k) str[k][0] = 0;
        }
    }

    idx inner_stride(int k) const { return str[k][nd - 1]; }

    // f(const char* const ptrs[N], idx n) for every run inside linear range [begin, end).
    template <class F>
    void run(idx begin, idx end, F&& f) const {
        if (begin >= end) return;
        idx coord[kMaxDims];
        const char* p[N];
        idx rem = begin;
        for (int k = 0; k < N; ++k) p[k] = base[k];
        for (int d = nd - 1; d >= 0; --d) {
            coord[d] = rem % shape[d];
            rem /= shape[d];
            for (int k = 0; k < N; ++k) p[k] += coord[d] * str[k][d];
        }
        const int in = nd - 1;
        idx pos = begin;
        while (pos < end) {
            idx cnt = shape[in] - coord[in];
            if (cnt > end - pos) cnt = end - pos;
            f(p, cnt);
            pos += cnt;
            if (pos >= end) break;
            // advance: inner dim to its end, then carry
            for (int k = 0; k < N; ++k) p[k] += (shape[in] - coord[in]) * str[k][in];
            coord[in] = shape[in];
            int d = in;
            while (d >= 0 && coord[d] == shape[d]) {
                for (int k = 0; k < N; ++k) p[k] -= shape[d] * str[k][d];
                coord[d] = 0;
                --d;
                if (d >= 0) {
                    ++coord[d];
                    for (int k = 0; k < N; ++k) p[k] += str[k][d];
                }
            }
        }
    }
};

// float16 / bfloat16 <-> float32 for blocks of a run.
void half_to_float(DType d, const char* src, idx stride, float* dst, idx n);
void float_to_half(DType d, const float* src, char* dst, idx n);

}  // namespace trueno

namespace trueno {
// Byte offsets of every element of a (shape, strides) grid, in C order.
std::vector<idx> c_offsets(const std::vector<idx>& shape, const std::vector<idx>& strides);
// If dims [from, end) walk memory with one stride, return true and that stride.
bool single_run(const std::vector<idx>& shape, const std::vector<idx>& strides, size_t from,
                idx* stride);
}  // namespace trueno
