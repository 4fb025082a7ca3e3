// Pieces of the elementwise bindings shared by elementwise.cpp (same-dtype operands) and
// cast_on_load.cpp (operands of mixed dtypes, converted as they are loaded).
#pragma once
#include <vector>

#include "array.hpp"

namespace trueno {

// NumPy's ufunc name for the floating-point error messages of the binary ops that can raise
// them; nullptr for maximum, minimum and the comparisons (NumPy's never flag).
const char* fpe_name(BinOp op);

// float16 results that overflowed or underflowed in the conversion from float32, flagged as
// NumPy's half loops do (npy_float_to_half: underflow when a non-zero value is too small for
// a normal half and not exactly representable); bfloat16 has float32's range.
void half_flags(DType d, const float* src, const char* dst, idx n);

// Byte strides of a C-contiguous array of `shape`.
std::vector<idx> cstrides(const std::vector<idx>& shape, idx itemsize);

// Whether `h` is a C-contiguous numpy array.
bool is_contig_array(py::handle h);

// A new C-contiguous array of `a`'s shape and dtype `dt`.
py::array empty_like_shape(const py::array& a, const py::dtype& dt);

}  // namespace trueno
