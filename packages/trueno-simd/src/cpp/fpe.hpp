// Floating-point exceptions raised by kernels, reported through NumPy's errstate (np.seterr).
// A binding clears this thread's sticky flags, runs the kernel (pool workers clear theirs per
// task and hand them to the job), and passes what was raised to NumPy's own handler, so
// 'ignore' / 'warn' / 'raise' / 'call' / 'print' / 'log' behave as for a NumPy ufunc.
#pragma once
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#else
#include <cfenv>
#endif

namespace trueno {

// NumPy's numbering (NPY_FPE_*).
enum Fpe : int { FPE_DIVIDE = 1, FPE_OVERFLOW = 2, FPE_UNDERFLOW = 4, FPE_INVALID = 8 };

// This thread's sticky hardware flags as Fpe bits, and clearing them. x86 reads MXCSR only:
// the kernels (and the libm functions they call) compute in SSE/AVX registers, never x87.
inline int fpe_hw_test() {
#if defined(__x86_64__) || defined(__i386__)
    const unsigned s = _mm_getcsr();  // IE 0x1, DE 0x2, ZE 0x4, OE 0x8, UE 0x10, PE 0x20
    return ((s & 0x4) ? FPE_DIVIDE : 0) | ((s & 0x8) ? FPE_OVERFLOW : 0) |
           ((s & 0x10) ? FPE_UNDERFLOW : 0) | ((s & 0x1) ? FPE_INVALID : 0);
#else
    const int s = std::fetestexcept(FE_DIVBYZERO | FE_OVERFLOW | FE_UNDERFLOW | FE_INVALID);
    return ((s & FE_DIVBYZERO) ? FPE_DIVIDE : 0) | ((s & FE_OVERFLOW) ? FPE_OVERFLOW : 0) |
           ((s & FE_UNDERFLOW) ? FPE_UNDERFLOW : 0) | ((s & FE_INVALID) ? FPE_INVALID : 0);
#endif
}

inline void fpe_hw_clear() {
#if defined(__x86_64__) || defined(__i386__)
    _mm_setcsr(_mm_getcsr() & ~0x3fu);
#else
    std::feclearexcept(FE_ALL_EXCEPT);
#endif
}

// Flags a kernel computed itself from its inputs and outputs, on this thread: the vector
// exp/log polynomials raise spurious flags (and miss some), so their bindings ignore the
// hardware flags and use these instead.
int& fpe_sw();

// Flags gathered from pool workers for the jobs this thread ran: hardware | software << 4.
int& fpe_from_workers();

// Flags of one kernel call on the calling thread and every worker that helped it.
struct FpeScope {
    FpeScope() {
        fpe_hw_clear();
        fpe_sw() = 0;
        fpe_from_workers() = 0;
    }
    // use_hw: trust the hardware flags (IEEE add/sub/mul/div/sqrt and libm); the flags the
    // kernel computed itself are always included.
    int flags(bool use_hw) const {
        const int w = fpe_from_workers();
        return fpe_sw() | (w >> 4) | (use_hw ? (fpe_hw_test() | (w & 15)) : 0);
    }
};

// Hand `flags` to NumPy's errstate handling as the ufunc `name` would (GIL held). Throws
// pybind11::error_already_set when the errstate says 'raise' (or a 'call' handler raises).
void give_fp_errors(const char* name, int flags);

}  // namespace trueno
