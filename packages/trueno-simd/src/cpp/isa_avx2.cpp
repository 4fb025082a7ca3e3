// The kernels compiled for the avx2 target (flags in CMakeLists.txt).
#define TRUENO_NS isa_avx2
#define TRUENO_VBYTES 32
#include "loops_elementwise.hpp"
#include "loops_gemm.hpp"
#include "loops_reduce.hpp"

namespace trueno {

void fill_table_avx2(KernelTable& t) {
    t.name = "avx2";
    TRUENO_NS::fill_elementwise(t);
    TRUENO_NS::fill_reduce(t);
    TRUENO_NS::fill_gemm(t);
}

}  // namespace trueno
