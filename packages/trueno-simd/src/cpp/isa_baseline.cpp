// The kernels compiled for the baseline target (flags in CMakeLists.txt).
#define TRUENO_NS isa_baseline
#define TRUENO_VBYTES 16
#include "loops_elementwise.hpp"
#include "loops_gemm.hpp"
#include "loops_reduce.hpp"

namespace trueno {

void fill_table_baseline(KernelTable& t) {
#if defined(__aarch64__)
    t.name = "neon";
#else
    t.name = "baseline";
#endif
    TRUENO_NS::fill_elementwise(t);
    TRUENO_NS::fill_reduce(t);
    TRUENO_NS::fill_gemm(t);
}

}  // namespace trueno
