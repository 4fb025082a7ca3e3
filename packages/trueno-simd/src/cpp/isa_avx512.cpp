// The kernels compiled for the avx512 target (flags in CMakeLists.txt).
#define TRUENO_NS isa_avx512
#define TRUENO_VBYTES 64
#include "loops_elementwise.hpp"
#include "loops_gemm.hpp"
#include "loops_reduce.hpp"

namespace trueno {

void fill_table_avx512(KernelTable& t) {
    t.name = "avx512";
    TRUENO_NS::fill_elementwise(t);
    TRUENO_NS::fill_reduce(t);
    TRUENO_NS::fill_gemm(t);
}

}  // namespace trueno
