// Fused composites: softmax and log_softmax along one axis, layer_norm over trailing axes and
// its backward.
// Each reads its input once or twice and writes the result once (NumPy's idioms make 3-5
// temporaries).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

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
    if (L <= kSoftmaxShortRow && rows > 1) {  // many short rows: a vector lane per row
        parallel_range(rows, std::max<idx>(2, kGrainMath / L), [&](idx lo, idx hi) {
            t.softmax_rows[d](px, xoff.data() + lo, sx, po, ooff.data() + lo, so, hi - lo, L, log);
        });
        return o;
    }
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
py::array param_run(py::object p, const py::array& x, const std::vector<idx>& tshape,
                    idx* stride, const char* which, const char* op = "layer_norm") {
    py::array a = as_array(p, op);
    const DType pd = dtype_code(a.dtype());
    if (!is_float(pd) && !is_half(pd) && !is_int(pd))
        type_error(std::string("trueno_simd.") + op + ": " + which + " has dtype " +
                   std::string(py::str(a.dtype())) + ", expected " +
                   std::string(py::str(x.dtype())));
    if (shape_of(a) != tshape)
        shape_error(std::string("trueno_simd.") + op + ": " + which + " has shape " +
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

// --- layer_norm backward ------------------------------------------------------------------
// For y = (x - mean) * rstd * w + b over the last k dims and the output gradient g, per row:
//   gx = rstd * (g*w - mean(g*w) - xhat * mean(g*w*xhat)),  xhat = (x - mean) * rstd,
// and over the rows gw = sum(g * xhat), gb = sum(g). mean and rstd are recomputed by the
// forward kernel's passes (so xhat is the forward's); then one pass takes the two row sums and
// adds g and g*xhat into the block's gw/gb accumulators, and one pass writes gx. A row stays
// in cache between the passes, so x and g are read from memory once and gx written once.

template <class T>
struct LnbVec;
template <>
struct LnbVec<float> {
    typedef float V __attribute__((vector_size(32)));
};
template <>
struct LnbVec<double> {
    typedef double V __attribute__((vector_size(32)));
};

template <class V>
inline __attribute__((always_inline)) V lnb_load(const char* p) {
    V v;
    std::memcpy(&v, p, sizeof(V));
    return v;
}

// One contiguous row (x, g, w at any byte alignment; gx, accw, accb the kernel's own arrays).
// always_inline: each ISA wrapper below compiles it with its own target flags.
template <class T, bool HasW>
inline __attribute__((always_inline)) void lnb_row(const char* x, const char* g, const char* w,
                                                   char* gx, T* accw, T* accb, idx n, T mean,
                                                   T rstd) {
    using V = typename LnbVec<T>::V;
    constexpr idx W = idx(sizeof(V) / sizeof(T)), S = idx(sizeof(T));
    const V m = mean - V{}, rs = rstd - V{};
    V a0{}, a1{}, b0{}, b1{};  // sum(g*w), sum(g*w*(x - mean))
    idx i = 0;
    for (; i + 2 * W <= n; i += 2 * W) {
        V g0 = lnb_load<V>(g + i * S), g1 = lnb_load<V>(g + (i + W) * S);
        V c0 = lnb_load<V>(x + i * S) - m, c1 = lnb_load<V>(x + (i + W) * S) - m;
        V h0 = g0, h1 = g1;
        if (HasW) {
            h0 *= lnb_load<V>(w + i * S);
            h1 *= lnb_load<V>(w + (i + W) * S);
        }
        a0 += h0;
        a1 += h1;
        b0 += h0 * c0;
        b1 += h1 * c1;
        V ab0, ab1, aw0, aw1;
        std::memcpy(&ab0, accb + i, sizeof(V));
        std::memcpy(&ab1, accb + i + W, sizeof(V));
        std::memcpy(&aw0, accw + i, sizeof(V));
        std::memcpy(&aw1, accw + i + W, sizeof(V));
        ab0 += g0;
        ab1 += g1;
        aw0 += g0 * (c0 * rs);
        aw1 += g1 * (c1 * rs);
        std::memcpy(accb + i, &ab0, sizeof(V));
        std::memcpy(accb + i + W, &ab1, sizeof(V));
        std::memcpy(accw + i, &aw0, sizeof(V));
        std::memcpy(accw + i + W, &aw1, sizeof(V));
    }
    T lanes[2 * W];
    a0 += a1;
    b0 += b1;
    std::memcpy(lanes, &a0, sizeof(V));
    std::memcpy(lanes + W, &b0, sizeof(V));
    for (int h = int(W) / 2; h >= 1; h /= 2)  // pairwise over the lanes
        for (int j = 0; j < h; ++j) {
            lanes[j] += lanes[j + h];
            lanes[W + j] += lanes[W + j + h];
        }
    T sa = lanes[0], sb = lanes[W];
    for (; i < n; ++i) {
        const T gi = ld<T>(g + i * S), c = ld<T>(x + i * S) - mean;
        const T h = HasW ? gi * ld<T>(w + i * S) : gi;
        sa += h;
        sb += h * c;
        accb[i] += gi;
        accw[i] += gi * (c * rstd);
    }
    // gx = rstd * h - rstd * mean(h) - (x - mean) * rstd^3 * mean(h * (x - mean))
    const double rd = double(rstd), inv_n = 1.0 / double(n);
    const T q = T(-rd * rd * rd * double(sb) * inv_n), r = T(-rd * double(sa) * inv_n);
    const V qv = q - V{}, rv = r - V{};
    i = 0;
    for (; i + W <= n; i += W) {
        V h = lnb_load<V>(g + i * S);
        if (HasW) h *= lnb_load<V>(w + i * S);
        V o = rs * h + qv * (lnb_load<V>(x + i * S) - m) + rv;
        std::memcpy(gx + i * S, &o, sizeof(V));
    }
    for (; i < n; ++i) {
        const T gi = ld<T>(g + i * S);
        const T h = HasW ? gi * ld<T>(w + i * S) : gi;
        st<T>(gx + i * S, rstd * h + q * (ld<T>(x + i * S) - mean) + r);
    }
}

template <class T>
using LnbRowFn = void (*)(const char*, const char*, const char*, char*, T*, T*, idx, T, T);

template <class T>
void lnb_row_base(const char* x, const char* g, const char* w, char* gx, T* accw, T* accb,
                  idx n, T mean, T rstd) {
    if (w) lnb_row<T, true>(x, g, w, gx, accw, accb, n, mean, rstd);
    else lnb_row<T, false>(x, g, w, gx, accw, accb, n, mean, rstd);
}

#if defined(__x86_64__) || defined(__i386__)
template <class T>
__attribute__((target("avx2,fma"))) void lnb_row_avx2(const char* x, const char* g,
                                                      const char* w, char* gx, T* accw, T* accb,
                                                      idx n, T mean, T rstd) {
    if (w) lnb_row<T, true>(x, g, w, gx, accw, accb, n, mean, rstd);
    else lnb_row<T, false>(x, g, w, gx, accw, accb, n, mean, rstd);
}
#endif

// The row kernel of the ISA the table was filled for (TRUENO_SIMD_ISA applies here too).
template <class T>
LnbRowFn<T> lnb_row_fn() {
#if defined(__x86_64__) || defined(__i386__)
    const std::string isa = table().name;
    if (isa == "avx2" || isa == "avx512") return lnb_row_avx2<T>;
#endif
    return lnb_row_base<T>;
}

// Where one operand's rows are: offsets of the rows, and within a row either one stride
// (contiguous when it is the itemsize) or the offsets of every element.
struct RowLayout {
    std::vector<idx> roff, toff;
    idx s = 0;
    bool run = true;
    RowLayout(const std::vector<idx>& shape, const std::vector<idx>& st, long k) {
        const size_t lead = shape.size() - size_t(k);
        roff = c_offsets(std::vector<idx>(shape.begin(), shape.begin() + long(lead)),
                         std::vector<idx>(st.begin(), st.begin() + long(lead)));
        run = single_run(shape, st, lead, &s);
        if (!run)
            toff = c_offsets(std::vector<idx>(shape.begin() + long(lead), shape.end()),
                             std::vector<idx>(st.begin() + long(lead), st.end()));
    }
    // Row r as a contiguous run: in place, or gathered into tmp. *last is the row tmp holds
    // (a g broadcast over the leading dims, as out.sum().backward() gives, is gathered once).
    template <class T>
    const char* row(const char* base, idx r, idx n, T* tmp, const char** last) const {
        const char* p = base + roff[size_t(r)];
        if (run && (s == idx(sizeof(T)) || n == 1)) return p;
        if (p != *last) {
            *last = p;
            if (run && s == 0) std::fill(tmp, tmp + n, ld<T>(p));
            else if (run) for (idx i = 0; i < n; ++i) tmp[i] = ld<T>(p + i * s);
            else for (idx i = 0; i < n; ++i) tmp[i] = ld<T>(p + toff[size_t(i)]);
        }
        return reinterpret_cast<const char*>(tmp);
    }
};

template <class T>
void lnb_blocks(const char* px, const RowLayout& lx, const char* pg, const RowLayout& lg,
                const char* pw, char* pgx, T* pgw, T* pgb, idx rows, idx n, double eps) {
    const KernelTable& t = table();
    constexpr DType d = std::is_same<T, float>::value ? F32 : F64;
    constexpr idx isz = idx(sizeof(T));
    const LnbRowFn<T> rowfn = lnb_row_fn<T>();
    // A fixed number of row blocks, each with its own gw/gb accumulators summed in block
    // order at the end: the result does not depend on the number of threads.
    const idx nb = std::min<idx>(rows, 16);
    std::vector<T> acc(size_t(2 * nb * n), T(0));
    auto block = [&](idx b) {
        const idx lo = rows * b / nb, hi = rows * (b + 1) / nb;
        std::vector<T> tx(static_cast<size_t>(n)), tg(static_cast<size_t>(n));
        const char *lastx = nullptr, *lastg = nullptr;
        T* accw = acc.data() + 2 * b * n;
        T* accb = accw + n;
        for (idx r = lo; r < hi; ++r) {
            const char* xr = lx.row(px, r, n, tx.data(), &lastx);
            const char* gr = lg.row(pg, r, n, tg.data(), &lastg);
            const double mean = t.fsum[d](xr, isz, n) / double(n);
            const double var = t.sqdev[d](xr, isz, n, mean) / double(n);
            const double rstd = 1.0 / std::sqrt(var + eps);
            rowfn(xr, gr, pw, pgx + r * n * isz, accw, accb, n, T(mean), T(rstd));
        }
    };
    if (rows * n >= kGrainMath && get_num_threads() > 1) parallel_for(nb, block);
    else for (idx b = 0; b < nb; ++b) block(b);
    for (idx b = 0; b < nb; ++b) {
        const T* accw = acc.data() + 2 * b * n;
        const T* accb = accw + n;
        for (idx i = 0; i < n; ++i) {
            pgw[i] += accw[i];
            pgb[i] += accb[i];
        }
    }
}

py::tuple layer_norm_backward(py::object x_, py::object g_, py::object weight, long k,
                              double eps) {
    const char* op = "layer_norm_backward";
    py::array x = float_input(x_, op);
    py::array g = as_array(g_, op);
    const auto shape = shape_of(x);
    const long nd = long(shape.size());
    if (!g.dtype().equal(x.dtype()))
        type_error(std::string("trueno_simd.layer_norm_backward: g has dtype ") +
                   std::string(py::str(g.dtype())) + ", expected x's dtype " +
                   std::string(py::str(x.dtype())));
    if (shape_of(g) != shape)
        shape_error("trueno_simd.layer_norm_backward: g has shape " + shape_str(shape_of(g)) +
                    ", expected x's shape " + shape_str(shape));
    if (k < 0 || k > nd)
        value_error("trueno_simd.layer_norm_backward: normalized_ndim must be in [0, " +
                    std::to_string(nd) + "] for x of shape " + shape_str(shape) + ", got " +
                    std::to_string(k));
    if (!(eps >= 0) || std::isinf(eps))
        value_error("trueno_simd.layer_norm_backward: eps must be a finite number >= 0, got " +
                    std::to_string(eps));
    const std::vector<idx> tshape(shape.end() - k, shape.end());
    const idx n = numel(tshape), isz = idx(x.itemsize());
    const idx rows = numel(std::vector<idx>(shape.begin(), shape.end() - k));
    py::array w;
    const char* pw = nullptr;
    if (!weight.is_none()) {
        idx sw = 0;
        w = param_run(weight, x, tshape, &sw, "weight", op);
        if (sw != isz && n > 1) w = py::module_::import("numpy").attr("ascontiguousarray")(w);
        pw = static_cast<const char*>(w.data());
    }
    py::array gx = make_out(py::none(), shape, x.dtype(), op);
    py::array gw = make_out(py::none(), tshape, x.dtype(), op);
    py::array gb = make_out(py::none(), tshape, x.dtype(), op);
    char* pgw = static_cast<char*>(gw.mutable_data());
    char* pgb = static_cast<char*>(gb.mutable_data());
    std::memset(pgw, 0, size_t(n * isz));
    std::memset(pgb, 0, size_t(n * isz));
    if (rows == 0 || n == 0) return py::make_tuple(gx, gw, gb);
    const RowLayout lx(shape, strides_of(x), k), lg(shape, strides_of(g), k);
    const char* px = static_cast<const char*>(x.data());
    const char* pg = static_cast<const char*>(g.data());
    char* pgx = static_cast<char*>(gx.mutable_data());
    {
        NoGil nogil(idx(x.size()));
        if (dtype_code(x.dtype()) == F32)
            lnb_blocks<float>(px, lx, pg, lg, pw, pgx, reinterpret_cast<float*>(pgw),
                              reinterpret_cast<float*>(pgb), rows, n, eps);
        else
            lnb_blocks<double>(px, lx, pg, lg, pw, pgx, reinterpret_cast<double*>(pgw),
                               reinterpret_cast<double*>(pgb), rows, n, eps);
    }
    return py::make_tuple(gx, gw, gb);
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
    m.def("layer_norm_backward", &layer_norm_backward, py::arg("x"), py::arg("g"),
          py::arg("weight") = py::none(), py::arg("normalized_ndim") = 1, py::arg("eps") = 1e-5);
}

}  // namespace trueno
