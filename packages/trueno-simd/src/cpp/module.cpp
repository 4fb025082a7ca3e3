// The extension module trueno_simd._core: kernels plus threading and CPU-feature queries.
#include <pybind11/pybind11.h>

#include "array.hpp"
#include "threadpool.hpp"

#include <string>

namespace trueno {
void bind_elementwise(py::module_& m);
void bind_cast_on_load(py::module_& m);
void bind_reduce(py::module_& m);
void bind_fused(py::module_& m);
void bind_linalg(py::module_& m);
void bind_optim(py::module_& m);
void bind_copy(py::module_& m);
bool cpu_has_avx2();
bool cpu_has_avx512();
}  // namespace trueno

namespace {
// A pool that could not start all its threads says so as a RuntimeWarning (with the GIL).
void warn_thread_note() {
    std::string note = trueno::take_thread_note();
    if (!note.empty() && PyErr_WarnEx(PyExc_RuntimeWarning, note.c_str(), 1) < 0)
        throw py::error_already_set();
}
}  // namespace

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
            warn_thread_note();
            return d;
        },
        "Which instruction-set path is active and what the CPU supports.");
    m.def(
        "set_num_threads",
        [](py::handle n_) {
            if (!PyIndex_Check(n_.ptr()) || PyBool_Check(n_.ptr()))
                type_error("set_num_threads(n): n must be an int, got " +
                           std::string(py::str(py::type::handle_of(n_).attr("__name__"))));
            py::int_ n = py::reinterpret_steal<py::int_>(PyNumber_Index(n_.ptr()));
            if (!n) throw py::error_already_set();
            int overflow = 0;
            const long long v = PyLong_AsLongLongAndOverflow(n.ptr(), &overflow);
            if (overflow || v < 1 || v > kMaxThreads)
                value_error("set_num_threads(n): n must be between 1 and " +
                            std::to_string(kMaxThreads) + ", got " + std::string(py::str(n)));
            {
                py::gil_scoped_release nogil;
                set_num_threads(int(v));
            }
            warn_thread_note();
        },
        py::arg("n"),
        "Resize the thread pool to n threads (1..1024); fewer start if the system refuses.");
    m.def(
        "get_num_threads",
        []() {
            int n = get_num_threads();
            warn_thread_note();
            return n;
        },
        "The number of threads kernels use (the calling thread included).");
    table();  // choose the ISA at import time
    bind_elementwise(m);
    bind_cast_on_load(m);
    bind_reduce(m);
    bind_fused(m);
    bind_linalg(m);
    bind_optim(m);
    bind_copy(m);
}
