// Fused composites: softmax and log_softmax along one axis, layer_norm over trailing axes.
// Each reads its input once or twice and writes the result once (NumPy's idioms make 3-5
// temporaries).
#include <cmath>
#include <string>

#include "array.hpp"
#include "threadpool.hpp"

namespace trueno {
namespace {

std::vector<idx> strides_of(const py::array& a) {
    std::vector<idx> s(size_t(a.ndim()));
    for (py::ssize_t i = 0; i < a.ndim(); ++i) s[size_t(i)] = idx(a.strides(i));
    return s;
}

std::vector<idx> cstrides(const std::vector<idx>& shape, idx itemsize) {
    std::vector<idx> s(shape.size());
    idx acc = itemsize;
    for (size_t i = shape.size(); i-- > 0;) {
        s[i] = acc;
        acc *= shape[i];
    }
    return s;
}

py::array float_input(py::object x_, const char* op) {
    py::array x = as_array(x_, op);
    DType d = dtype_code(x.dtype());
    if (!is_float(d))
        type_error(std::string("trueno_simd.") + op + ": x has dtype " +
                   std::string(py::str(x.dtype())) + ", expected float32 or float64");
    return x;
}

double load_double(DType d, const char* p) {
    return d == F32 ? double(ld<float>(p)) : ld<double>(p);
}

py::array softmax_kernel(py::object x_, long axis, py::object out, bool log) {
    const long given = axis;
    const char* op = log ? "log_softmax" : "softmax";
    py::array x = float_input(x_, op);
    const DType d = dtype_code(x.dtype());
    const KernelTable& t = table();
    auto shape = shape_of(x);
    auto xs = strides_of(x);
    if (shape.empty()) {  // 0-d: one element along a virtual axis
        shape = {1};
        xs = {0};
        axis = 0;
    }
    const long nd = long(shape.size());
    if (axis < 0) axis += nd;
    if (axis < 0 || axis >= nd)
        shape_error(std::string("trueno_simd.") + op + ": axis " + std::to_string(given) +
                    " is out of bounds for an array of " + std::to_string(x.ndim()) +
                    " dimensions");
    py::array o = make_out(out, shape_of(x), x.dtype(), op);
    auto os = cstrides(shape, idx(x.itemsize()));
    const idx L = shape[size_t(axis)], sx = xs[size_t(axis)], so = os[size_t(axis)];
    std::vector<idx> rshape(shape), rxs(xs), ros(os);
    rshape.erase(rshape.begin() + axis);
    rxs.erase(rxs.begin() + axis);
    ros.erase(ros.begin() + axis);
    const auto xoff = c_offsets(rshape, rxs), ooff = c_offsets(rshape, ros);
    const idx rows = idx(xoff.size());
    if (rows == 0 || L == 0) return o;
    const char* px = static_cast<const char*>(x.data());
    char* po = static_cast<char*>(o.mutable_data());
    const idx isz = idx(x.itemsize());
    NoGil nogil(idx(x.size()));

    auto row = [&](const char* xr, char* orow) {
        alignas(8) char best[8];
        std::memcpy(best, xr, size_t(isz));
        t.max[d](xr, sx, L, best);
        double m = load_double(d, best);
        if (log) {
            double s = t.sumexp[d](xr, sx, L, m);
            t.substore[d](xr, sx, orow, so, L, m, std::log(s));
        } else {
            double s = t.expstore[d](xr, sx, orow, so, L, m);
            t.scale[d](orow, so, L, 1.0 / s);
        }
    };
    const idx nt = get_num_threads();
    if (rows >= 2 * nt || L < kGrainMath || nt == 1) {
        parallel_range(rows, std::max<idx>(2, kGrainMath / L), [&](idx lo, idx hi) {
            for (idx r = lo; r < hi; ++r) row(px + xoff[size_t(r)], po + ooff[size_t(r)]);
        });
        return o;
    }
    // Few long rows: split each row into nt chunks for every pass.
    const idx chunk = (L + nt - 1) / nt;
    for (idx r = 0; r < rows; ++r) {
        const char* xr = px + xoff[size_t(r)];
        char* orow = po + ooff[size_t(r)];
        std::vector<double> part(size_t(nt), -INFINITY), sums(size_t(nt), 0.0);
        parallel_for(nt, [&](idx k) {
            idx lo = k * chunk, hi = std::min(L, lo + chunk);
            if (lo >= hi) return;
            alignas(8) char best[8];
            std::memcpy(best, xr + lo * sx, size_t(isz));
            t.max[d](xr + lo * sx, sx, hi - lo, best);
            part[size_t(k)] = load_double(d, best);
        });
        double m = part[0];
        for (double v : part) m = (m != m || v != v) ? NAN : std::max(m, v);
        parallel_for(nt, [&](idx k) {
            idx lo = k * chunk, hi = std::min(L, lo + chunk);
            if (lo >= hi) return;
            if (log) sums[size_t(k)] = t.sumexp[d](xr + lo * sx, sx, hi - lo, m);
            else sums[size_t(k)] = t.expstore[d](xr + lo * sx, sx, orow + lo * so, so, hi - lo, m);
        });
        double s = 0;
        for (double v : sums) s += v;
        parallel_for(nt, [&](idx k) {
            idx lo = k * chunk, hi = std::min(L, lo + chunk);
            if (lo >= hi) return;
            if (log) t.substore[d](xr + lo * sx, sx, orow + lo * so, so, hi - lo, m, std::log(s));
            else t.scale[d](orow + lo * so, so, hi - lo, 1.0 / s);
        });
    }
    return o;
}

py::array softmax_impl(py::object x, long axis, py::object out, bool log) {
    OutGuard g(out, {x}, true, log ? "log_softmax" : "softmax");
    return g.finish(softmax_kernel(x, axis, g.out, log));
}

// weight / bias as one strided run over the normalised dims (copied only if they are not).
// weight / bias as one strided run over the normalised dims (copied only if they are not).
py::array param_run(py::object p, const py::array& x, const std::vector<idx>& tshape,
                    idx* stride, const char* which) {
    py::array a = as_array(p, "layer_norm");
    const DType pd = dtype_code(a.dtype());
    if (!is_float(pd) && !is_half(pd) && !is_int(pd))
        type_error(std::string("trueno_simd.layer_norm: ") + which + " has dtype " +
                   std::string(py::str(a.dtype())) + ", expected " +
                   std::string(py::str(x.dtype())));
    if (shape_of(a) != tshape)
        shape_error(std::string("trueno_simd.layer_norm: ") + which + " has shape " +
                    shape_str(shape_of(a)) + ", expected " + shape_str(tshape) +
                    " (the last normalized_ndim dimensions of x)");
    if (!a.dtype().equal(x.dtype())) a = a.attr("astype")(x.dtype());
    if (!single_run(shape_of(a), strides_of(a), 0, stride)) {
        a = py::module_::import("numpy").attr("ascontiguousarray")(a);
        *stride = idx(a.itemsize());
    }
    return a;
}

py::array layer_norm_impl(py::object x_, long k, py::object weight, py::object bias,
                          double eps,
                     py::object out) {
    py::array x = float_input(x_, "layer_norm");
    const DType d = dtype_code(x.dtype());
    const KernelTable& t = table();
    auto shape = shape_of(x);
    auto xs = strides_of(x);
    const long nd = long(shape.size());
    if (k < 0 || k > nd)
        value_error("trueno_simd.layer_norm: normalized_ndim must be in [0, " +
                    std::to_string(nd) + "] for x of shape " + shape_str(shape) + ", got " +
                    std::to_string(k));
    if (!(eps >= 0) || std::isinf(eps))
        value_error("trueno_simd.layer_norm: eps must be a finite number >= 0, got " +
                    std::to_string(eps));
    py::array o = make_out(out, shape, x.dtype(), "layer_norm");
    std::vector<idx> lshape(shape.begin(), shape.end() - k), lxs(xs.begin(), xs.end() - k);
    std::vector<idx> tshape(shape.end() - k, shape.end());
    const idx n = numel(tshape);
    const idx isz = idx(x.itemsize());
    idx sw = 0, sb = 0, sx = 0;
    py::array w, b;
    const char *pw = nullptr, *pb = nullptr;
    if (!weight.is_none()) {
        w = param_run(weight, x, tshape, &sw, "weight");
        pw = static_cast<const char*>(w.data());
    }
    if (!bias.is_none()) {
        b = param_run(bias, x, tshape, &sb, "bias");
        pb = static_cast<const char*>(b.data());
    }
    const bool contiguous_rows = single_run(shape, xs, size_t(nd - k), &sx);
    const std::vector<idx> tstr(xs.end() - k, xs.end());
    const auto roff = c_offsets(lshape, lxs);
    const auto toff = contiguous_rows ? std::vector<idx>{} : c_offsets(tshape, tstr);
    const idx rows = idx(roff.size());
    if (rows == 0 || n == 0) return o;
    const char* px = static_cast<const char*>(x.data());
    char* po = static_cast<char*>(o.mutable_data());
    NoGil nogil(idx(x.size()));
    parallel_range(rows, std::max<idx>(2, kGrainReduce / n), [&](idx lo, idx hi) {
        std::vector<char> tmp(contiguous_rows ? 0 : size_t(n * isz));
        for (idx r = lo; r < hi; ++r) {
            const char* xr = px + roff[size_t(r)];
            idx s = sx;
            if (!contiguous_rows) {  // gather one row of an awkward view
                for (idx i = 0; i < n; ++i)
                    std::memcpy(tmp.data() + i * isz, xr + toff[size_t(i)], size_t(isz));
                xr = tmp.data();
                s = isz;
            }
            double mean = t.fsum[d](xr, s, n) / double(n);
            double var = t.sqdev[d](xr, s, n, mean) / double(n);
            double rstd = 1.0 / std::sqrt(var + eps);
            t.normrow[d](xr, s, po + r * n * isz, n, mean, rstd, pw, sw, pb, sb);
        }
    });
    return o;
}

py::array layer_norm(py::object x, long k, py::object weight, py::object bias, double eps,
                     py::object out) {
    OutGuard g(out, {x, weight, bias}, true, "layer_norm");
    return g.finish(layer_norm_impl(x, k, weight, bias, eps, g.out));
}

}  // namespace

void bind_fused(py::module_& m) {
    m.def(
        "softmax",
        [](py::object x, long axis, py::object out) { return softmax_impl(x, axis, out, false); },
        py::arg("x"), py::arg("axis") = -1, py::kw_only(), py::arg("out") = py::none());
    m.def(
        "log_softmax",
        [](py::object x, long axis, py::object out) { return softmax_impl(x, axis, out, true); },
        py::arg("x"), py::arg("axis") = -1, py::kw_only(), py::arg("out") = py::none());
    m.def("layer_norm", &layer_norm, py::arg("x"), py::arg("normalized_ndim") = 1,
          py::arg("weight") = py::none(), py::arg("bias") = py::none(), py::arg("eps") = 1e-5,
          py::kw_only(), py::arg("out") = py::none());
}

}  // namespace trueno
