// Blocked GEMM driver (BLIS-style loops around the ISA micro-kernel).
#pragma once
#include "common.hpp"

namespace trueno {

// C[m x n] = A[m x k] * B[k x n]. A and B are any strided views (byte strides: rs between
// rows, cs between columns); C has contiguous rows ldc bytes apart. d is F32 or F64.
// threaded=false keeps the whole product on the calling thread (for batched callers).
void gemm(DType d, idx m, idx n, idx k, const char* a, idx rsa, idx csa, const char* b, idx rsb,
          idx csb, char* c, idx ldc, bool threaded);

}  // namespace trueno
