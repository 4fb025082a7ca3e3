// The extension module trueno_simd._core: kernels plus threading and CPU-feature queries.
#include <pybind11/pybind11.h>

#include "array.hpp"
#include "threadpool.hpp"

namespace trueno {
void bind_elementwise(py::module_& m);
void bind_reduce(py::module_& m);
void bind_fused(py::module_& m);
void bind_linalg(py::module_& m);
bool cpu_has_avx2();
bool cpu_has_avx512();
}  // namespace trueno

PYBIND11_MODULE(_core, m) {
    using namespace trueno;
    m.doc() = "trueno SIMD CPU kernels (runtime-dispatched AVX2 / AVX-512 / baseline)";
    m.def(
        "cpu_features",
        []() {
            py::dict d;
            d["isa"] = table().name;
            d["avx2"] = cpu_has_avx2();
            d["avx512"] = cpu_has_avx512();
#if defined(__aarch64__)
            d["neon"] = true;
#else
            d["neon"] = false;
#endif
            d["num_threads"] = get_num_threads();
            return d;
        },
        "Which instruction-set path is active and what the CPU supports.");
    m.def(
        "set_num_threads",
        [](int n) {
            if (n < 1) value_error("set_num_threads: n must be >= 1");
            py::gil_scoped_release nogil;
            set_num_threads(n);
        },
        py::arg("n"));
    m.def("get_num_threads", &get_num_threads);
    table();  // choose the ISA at import time
    bind_elementwise(m);
    bind_reduce(m);
    bind_fused(m);
    bind_linalg(m);
}
