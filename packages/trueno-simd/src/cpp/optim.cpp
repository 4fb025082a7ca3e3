// Fused optimizer updates (the op-table rows sgd_update and adam_update, trueno/_optim_rows.py):
// one pass over a parameter and its state tensors, in place, instead of the 6-10 elementwise
// ops of the formulas. The operations and their order are the rows' decompositions (PyTorch's
// single-tensor SGD and Adam): the same roundings in the parameter's dtype (float32 math for
// float32, the host scalars computed in double and cast once), so the results are the
// reference kernel's. This file is compiled with -ffp-contract=off: no fused multiply-adds.
// Options are template parameters, so every inner loop is branch-free and vectorises; large
// tensors are split into contiguous chunks across the thread pool.
#include <cmath>
#include <string>
#include <type_traits>

#include "array.hpp"
#include "threadpool.hpp"

namespace trueno {
namespace {

// f(std::integral_constant<int, mask>) for the runtime mask (0 <= mask <= M).
template <int M, class F>
void with_mask(int mask, F&& f) {
    if constexpr (M >= 0) {
        if (mask == M)
            f(std::integral_constant<int, M>{});
        else
            with_mask<M - 1>(mask, f);
    }
}

template <class T>
inline T nan_max(T a, T b) {  // torch.maximum / np.maximum: NaN-propagating
    T r = a > b ? a : b;
    r = b != b ? b : r;
    return a != a ? a : r;
}

[[noreturn]] void bad(const char* op, const std::string& what) {
    value_error(std::string("trueno_simd.") + op + ": " + what);
}

// The arrays of an update, checked: float32/float64, one dtype and one shape, state writable.
std::vector<py::array> operands(const char* op, std::initializer_list<py::handle> in,
                                const char* const* names) {
    std::vector<py::array> out;
    int i = 0;
    for (py::handle h : in) {
        py::array a = as_array(h, op);
        if (!out.empty()) {
            if (dtype_code(a.dtype()) != dtype_code(out[0].dtype()))  // equal, not identical
                type_error(std::string("trueno_simd.") + op + ": " + names[i] + " has dtype " +
                           std::string(py::str(a.dtype())) + ", expected the param's " +
                           std::string(py::str(out[0].dtype())));
            if (shape_of(a) != shape_of(out[0]))
                shape_error(std::string("trueno_simd.") + op + ": " + names[i] + " has shape " +
                            shape_str(shape_of(a)) + ", expected the param's " +
                            shape_str(shape_of(out[0])));
        } else if (!is_float(dtype_code(a.dtype()))) {
            type_error(std::string("trueno_simd.") + op + ": param has dtype " +
                       std::string(py::str(a.dtype())) + ", expected float32 or float64");
        }
        out.push_back(a);
        ++i;
    }
    return out;
}

// Runs body(ptrs, strides, n) over every C-order run of the operands (param first; an unused
// state tensor repeats the param and is never written), split across threads.
template <int N, class Body>
void for_runs(const std::vector<py::array>& arrs, const std::array<char*, N>& ptrs, Body&& body) {
    const auto shape = shape_of(arrs[0]);
    std::array<std::vector<idx>, N> strides;
    std::array<const char*, N> cptrs;
    for (int k = 0; k < N; ++k) {
        strides[size_t(k)] = bstrides(arrs[size_t(k)], shape);
        cptrs[size_t(k)] = ptrs[size_t(k)];
    }
    NdLoop<N> it(shape, cptrs, strides);
    if (it.total == 0) return;
    idx inner[N];
    for (int k = 0; k < N; ++k) inner[k] = it.inner_stride(k);
    NoGil nogil(it.total);
    parallel_range(it.total, kGrainCheap, [&](idx lo, idx hi) {
        it.run(lo, hi, [&](const char* const* p, idx n) { body(p, inner, n); });
    });
}

// --- SGD ------------------------------------------------------------------------------------
// mask bits: 1 maximize, 2 weight decay, 4 momentum, 8 init_buffer, 16 nesterov
template <class T, int M>
void sgd_run(const char* const* p, const idx* s, idx n, T lr, T wd, T mom, T omd) {
    constexpr bool MAX = M & 1, WD = M & 2, MOM = M & 4, INIT = M & 8, NEST = M & 16;
    char* pp = const_cast<char*>(p[0]);
    const char* pg = p[1];
    char* pb = const_cast<char*>(p[2]);
    auto step = [&](idx ip, idx ig, idx ib) {
        T d = ld<T>(pg + ig);
        if constexpr (MAX) d = -d;
        const T w = ld<T>(pp + ip);
        if constexpr (WD) d = d + wd * w;
        if constexpr (MOM) {
            T b;
            if constexpr (INIT)
                b = d;
            else
                b = ld<T>(pb + ib) * mom + omd * d;
            st<T>(pb + ib, b);
            d = NEST ? d + mom * b : b;
        }
        st<T>(pp + ip, w + lr * d);
    };
    constexpr idx z = idx(sizeof(T));
    if (s[0] == z && s[1] == z && (!MOM || s[2] == z)) {
        for (idx i = 0; i < n; ++i) step(i * z, i * z, i * z);
    } else {
        for (idx i = 0; i < n; ++i) step(i * s[0], i * s[1], i * s[2]);
    }
}

template <class T>
void sgd_typed(const std::vector<py::array>& a, std::array<char*, 3> ptrs, int mask, double lr,
               double wd, double mom, double damp) {
    const T neg_lr = T(-lr), twd = T(wd), tmom = T(mom), omd = T(1 - damp);
    with_mask<31>(mask, [&](auto c) {
        constexpr int M = decltype(c)::value;
        for_runs<3>(a, ptrs, [&](const char* const* p, const idx* s, idx n) {
            sgd_run<T, M>(p, s, n, neg_lr, twd, tmom, omd);
        });
    });
}

py::object sgd_update(py::object param, py::object grad, py::object buf, double lr,
                      double momentum, double dampening, bool nesterov, double weight_decay,
                      bool maximize, bool init_buffer) {
    const char* op = "sgd_update";
    static const char* const names[] = {"param", "grad", "momentum_buffer"};
    const bool mom = momentum != 0;
    if (mom && buf.is_none())
        bad(op, "momentum_buffer is None but momentum is " + std::to_string(momentum) +
                    "; expected a buffer of the param's shape and dtype");
    auto a = mom ? operands(op, {param, grad, buf}, names) : operands(op, {param, grad}, names);
    if (!mom) a.push_back(a[0]);  // never written
    std::array<char*, 3> ptrs = {static_cast<char*>(a[0].mutable_data()),
                                 const_cast<char*>(static_cast<const char*>(a[1].data())),
                                 mom ? static_cast<char*>(a[2].mutable_data())
                                     : static_cast<char*>(a[0].mutable_data())};
    const int mask = (maximize ? 1 : 0) | (weight_decay != 0 ? 2 : 0) | (mom ? 4 : 0) |
                     (mom && init_buffer ? 8 : 0) | (mom && nesterov ? 16 : 0);
    if (dtype_code(a[0].dtype()) == F32)
        sgd_typed<float>(a, ptrs, mask, lr, weight_decay, momentum, dampening);
    else
        sgd_typed<double>(a, ptrs, mask, lr, weight_decay, momentum, dampening);
    return a[0];
}

// --- Adam / AdamW ---------------------------------------------------------------------------
// mask bits: 1 maximize, 2 coupled weight decay (L2), 4 decoupled (AdamW), 8 amsgrad
template <class T>
struct AdamScalars {
    T wd, decay, omb1, b2, omb2, bc2s, eps, neg_step;
};

template <class T, int M>
void adam_run(const char* const* p, const idx* s, idx n, const AdamScalars<T>& c) {
    constexpr bool MAX = M & 1, L2 = M & 2, DEC = M & 4, AMS = M & 8;
    char* pp = const_cast<char*>(p[0]);
    const char* pg = p[1];
    char* pm = const_cast<char*>(p[2]);
    char* pv = const_cast<char*>(p[3]);
    char* px = const_cast<char*>(p[4]);
    auto step = [&](idx ip, idx ig, idx im, idx iv, idx ix) {
        T g = ld<T>(pg + ig);
        if constexpr (MAX) g = -g;
        T w = ld<T>(pp + ip);
        if constexpr (DEC) w = w * c.decay;
        if constexpr (L2) g = g + c.wd * w;
        T m = ld<T>(pm + im);
        m = m + c.omb1 * (g - m);
        st<T>(pm + im, m);
        T v = ld<T>(pv + iv) * c.b2 + c.omb2 * g * g;
        st<T>(pv + iv, v);
        if constexpr (AMS) {
            v = nan_max(ld<T>(px + ix), v);
            st<T>(px + ix, v);
        }
        const T denom = std::sqrt(v) / c.bc2s + c.eps;
        st<T>(pp + ip, w + c.neg_step * m / denom);
    };
    constexpr idx z = idx(sizeof(T));
    if (s[0] == z && s[1] == z && s[2] == z && s[3] == z && (!AMS || s[4] == z)) {
        for (idx i = 0; i < n; ++i) step(i * z, i * z, i * z, i * z, i * z);
    } else {
        for (idx i = 0; i < n; ++i) step(i * s[0], i * s[1], i * s[2], i * s[3], i * s[4]);
    }
}

template <class T>
void adam_typed(const std::vector<py::array>& a, std::array<char*, 5> ptrs, int mask,
                double lr, double beta1, double beta2, double eps, double step, double wd) {
    // The host scalars as PyTorch computes them (Python floats: double, pow of libm).
    const double step_size = lr / (1 - std::pow(beta1, step));
    const double bc2s = std::pow(1 - std::pow(beta2, step), 0.5);
    const AdamScalars<T> c{T(wd), T(1 - lr * wd), T(1 - beta1), T(beta2), T(1 - beta2),
                           T(bc2s), T(eps), T(-step_size)};
    with_mask<15>(mask, [&](auto k) {
        constexpr int M = decltype(k)::value;
        if constexpr ((M & 6) != 6) {  // coupled and decoupled together never happen
            for_runs<5>(a, ptrs, [&](const char* const* p, const idx* s, idx n) {
                adam_run<T, M>(p, s, n, c);
            });
        }
    });
}

py::object adam_update(py::object param, py::object grad, py::object exp_avg,
                       py::object exp_avg_sq, py::object max_exp_avg_sq, double lr, double beta1,
                       double beta2, double eps, double step, double weight_decay, bool decoupled,
                       bool amsgrad, bool maximize) {
    const char* op = "adam_update";
    static const char* const names[] = {"param", "grad", "exp_avg", "exp_avg_sq",
                                        "max_exp_avg_sq"};
    if (amsgrad && max_exp_avg_sq.is_none())
        bad(op, "max_exp_avg_sq is None but amsgrad is True; expected a tensor of the param's "
                "shape and dtype");
    auto a = amsgrad ? operands(op, {param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq}, names)
                     : operands(op, {param, grad, exp_avg, exp_avg_sq}, names);
    if (!amsgrad) a.push_back(a[0]);  // never written
    std::array<char*, 5> ptrs = {static_cast<char*>(a[0].mutable_data()),
                                 const_cast<char*>(static_cast<const char*>(a[1].data())),
                                 static_cast<char*>(a[2].mutable_data()),
                                 static_cast<char*>(a[3].mutable_data()),
                                 amsgrad ? static_cast<char*>(a[4].mutable_data())
                                         : static_cast<char*>(a[0].mutable_data())};
    const bool wd = weight_decay != 0;
    const int mask = (maximize ? 1 : 0) | (wd && !decoupled ? 2 : 0) | (wd && decoupled ? 4 : 0) |
                     (amsgrad ? 8 : 0);
    if (dtype_code(a[0].dtype()) == F32)
        adam_typed<float>(a, ptrs, mask, lr, beta1, beta2, eps, step, weight_decay);
    else
        adam_typed<double>(a, ptrs, mask, lr, beta1, beta2, eps, step, weight_decay);
    return a[0];
}

}  // namespace

void bind_optim(py::module_& m) {
    m.def("sgd_update", &sgd_update, py::arg("param"), py::arg("grad"),
          py::arg("momentum_buffer"), py::kw_only(), py::arg("lr"), py::arg("momentum") = 0.0,
          py::arg("dampening") = 0.0, py::arg("nesterov") = false,
          py::arg("weight_decay") = 0.0, py::arg("maximize") = false,
          py::arg("init_buffer") = false,
          "PyTorch's SGD step for one parameter in one pass, in place (trueno's sgd_update "
          "row); returns param.");
    m.def("adam_update", &adam_update, py::arg("param"), py::arg("grad"), py::arg("exp_avg"),
          py::arg("exp_avg_sq"), py::arg("max_exp_avg_sq"), py::kw_only(), py::arg("lr"),
          py::arg("beta1"), py::arg("beta2"), py::arg("eps"), py::arg("step"),
          py::arg("weight_decay") = 0.0, py::arg("decoupled") = false,
          py::arg("amsgrad") = false, py::arg("maximize") = false,
          "PyTorch's Adam/AdamW step for one parameter in one pass, in place (trueno's "
          "adam_update row); returns param.");
}

}  // namespace trueno
