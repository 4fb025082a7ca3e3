#include "fpe.hpp"

#include <pybind11/pybind11.h>

namespace py = pybind11;

namespace trueno {

int& fpe_sw() {
    static thread_local int v = 0;
    return v;
}

int& fpe_from_workers() {
    static thread_local int v = 0;
    return v;
}

void give_fp_errors(const char* name, int flags) {
    if (!flags) return;
    // NumPy's own handler, PyUFunc_GiveFloatingpointErrors (slot 46 of the ufunc C-API table
    // since NumPy 2.0), so messages, categories and the 'call'/'log' callbacks are NumPy's.
    using Give = int (*)(const char*, int);
    static Give give = [] {
        py::object cap = py::module_::import("numpy._core._multiarray_umath").attr("_UFUNC_API");
        void** api = static_cast<void**>(PyCapsule_GetPointer(cap.ptr(), nullptr));
        if (!api) throw py::error_already_set();
        return reinterpret_cast<Give>(api[46]);
    }();
    if (give(name, flags) < 0) throw py::error_already_set();
}

}  // namespace trueno
