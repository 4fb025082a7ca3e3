// matmul (batched, broadcasting batch dims) and conv2d (im2col + GEMM), float32 / float64.
#include <algorithm>
#include <string>
#include <vector>

#include "array.hpp"
#include "gemm.hpp"
#include "threadpool.hpp"

namespace trueno {
namespace {

py::array float_input(py::object x_, const char* op, const char* arg) {
    py::array x = as_array(x_, op);
    if (!is_float(dtype_code(x.dtype())))
        type_error(std::string("trueno_simd.") + op + ": " + arg + " has dtype " +
                   std::string(py::str(x.dtype())) + ", expected float32 or float64");
    return x;
}

py::array matmul_impl(py::object x_, py::object y_, py::object out) {
    py::array x = float_input(x_, "matmul", "x1"), y = float_input(y_, "matmul", "x2");
    if (!x.dtype().equal(y.dtype()))
        type_error("trueno_simd.matmul: x1 and x2 must have one dtype, got " +
                   std::string(py::str(x.dtype())) + " and " + std::string(py::str(y.dtype())));
    if (x.ndim() < 2 || y.ndim() < 2)
        shape_error("trueno_simd.matmul: x1 and x2 must have at least 2 dimensions, got shapes " +
                    shape_str(shape_of(x)) + " and " + shape_str(shape_of(y)));
    const DType d = dtype_code(x.dtype());
    const idx S = idx(x.itemsize());
    auto xs = shape_of(x), ys = shape_of(y);
    const idx m = xs[xs.size() - 2], k = xs.back(), n = ys.back();
    if (ys[ys.size() - 2] != k)
        shape_error("trueno_simd.matmul: inner dimensions do not match (" + std::to_string(k) +
                    " != " + std::to_string(ys[ys.size() - 2]) + "): shapes " + shape_str(xs) +
                    " and " + shape_str(ys) + ", rule (..., m, k) @ (..., k, n)");
    std::vector<idx> xb(xs.begin(), xs.end() - 2), yb(ys.begin(), ys.end() - 2);
    auto bshape = broadcast_shapes({xb, yb}, "matmul");
    std::vector<idx> oshape(bshape);
    oshape.push_back(m);
    oshape.push_back(n);
    py::array o = make_out(out, oshape, x.dtype(), "matmul");
    // batch strides (0 where broadcast)
    auto bstr = [&](const py::array& a, const std::vector<idx>& ab) {
        std::vector<idx> s(bshape.size(), 0);
        size_t off = bshape.size() - ab.size();
        for (size_t i = 0; i < ab.size(); ++i)
            s[off + i] = ab[i] == 1 ? 0 : idx(a.strides(py::ssize_t(i)));
        return s;
    };
    const auto xoff = c_offsets(bshape, bstr(x, xb)), yoff = c_offsets(bshape, bstr(y, yb));
    const idx nb = idx(xoff.size());
    const idx rsa = idx(x.strides(x.ndim() - 2)), csa = idx(x.strides(x.ndim() - 1));
    const idx rsb = idx(y.strides(y.ndim() - 2)), csb = idx(y.strides(y.ndim() - 1));
    const char* px = static_cast<const char*>(x.data());
    const char* py_ = static_cast<const char*>(y.data());
    char* po = static_cast<char*>(o.mutable_data());
    if (nb == 0 || m == 0 || n == 0) return o;
    py::gil_scoped_release nogil;
    auto one = [&](idx i, bool threaded) {
        gemm(d, m, n, k, px + xoff[size_t(i)], rsa, csa, py_ + yoff[size_t(i)], rsb, csb,
             po + i * m * n * S, n * S, threaded);
    };
    const double flops = double(m) * double(n) * double(k);
    if (nb >= get_num_threads() && flops < 256.0 * 256.0 * 256.0) {
        parallel_for(nb, [&](idx i) { one(i, false); });
    } else {
        for (idx i = 0; i < nb; ++i) one(i, true);
    }
    return o;
}

py::array matmul(py::object x, py::object y, py::object out) {
    OutGuard g(out, {x, y}, false, "matmul");
    return g.finish(matmul_impl(x, y, g.out));
}

// stride / padding / dilation: an int or a pair of ints, each >= lo and below 2^31 (larger
// values would overflow the output-size arithmetic).
std::pair<idx, idx> pair_arg(py::handle h, const char* name, idx lo) {
    std::vector<idx> t;
    if (PyIndex_Check(h.ptr()) && !py::isinstance<py::array>(h)) {
        idx v = int_arg(h, "conv2d", name);
        t = {v, v};
    } else if (py::isinstance<py::tuple>(h) || py::isinstance<py::list>(h)) {
        for (auto v : h) t.push_back(int_arg(v, "conv2d", name));
    }
    if (t.size() != 2)
        type_error(std::string("trueno_simd.conv2d: ") + name +
                   " must be an int or a pair of ints, got " + arg_repr(h));
    for (idx v : t)
        if (v < lo || v >= (idx(1) << 31))
            value_error(std::string("trueno_simd.conv2d: ") + name + " must be " +
                        (lo == 0 ? "non-negative" : "positive") + " (and below 2**31), got " +
                        arg_repr(h));
    return {t[0], t[1]};
}

template <class T>
void im2col(const char* x, idx sc, idx sh, idx sw, idx C, idx H, idx W, idx KH, idx KW,
            idx OH, idx OW, std::pair<idx, idx> st, std::pair<idx, idx> pad,
            std::pair<idx, idx> dil, T* col) {
    const idx P = OH * OW;
    for (idx c = 0; c < C; ++c)
        for (idx kh = 0; kh < KH; ++kh)
            for (idx kw = 0; kw < KW; ++kw) {
                T* row = col + ((c * KH + kh) * KW + kw) * P;
                for (idx oh = 0; oh < OH; ++oh) {
                    const idx ih = oh * st.first - pad.first + kh * dil.first;
                    T* r = row + oh * OW;
                    if (ih < 0 || ih >= H) {
                        std::fill(r, r + OW, T(0));
                        continue;
                    }
                    const char* xr = x + c * sc + ih * sh;
                    for (idx ow = 0; ow < OW; ++ow) {
                        const idx iw = ow * st.second - pad.second + kw * dil.second;
                        r[ow] = (iw >= 0 && iw < W) ? ld<T>(xr + iw * sw) : T(0);
                    }
                }
            }
}

py::array conv2d_impl(py::object x_, py::object w_, py::object bias,
                      py::object stride,
                 py::object padding, py::object dilation, py::object groups, py::object out) {
    py::array x = float_input(x_, "conv2d", "x"), w = float_input(w_, "conv2d", "weight");
    if (!x.dtype().equal(w.dtype()))
        type_error("trueno_simd.conv2d: x and weight must have one dtype, got " +
                   std::string(py::str(x.dtype())) + " and " + std::string(py::str(w.dtype())));
    if (x.ndim() != 4 || w.ndim() != 4)
        shape_error("trueno_simd.conv2d: expects a 4-d NCHW x and a 4-d OIHW weight, got shapes " +
                    shape_str(shape_of(x)) + " and " + shape_str(shape_of(w)));
    const DType d = dtype_code(x.dtype());
    const idx S = idx(x.itemsize());
    const auto strd = pair_arg(stride, "stride", 1), pad = pair_arg(padding, "padding", 0),
               dil = pair_arg(dilation, "dilation", 1);
    const idx N = x.shape(0), C = x.shape(1), H = x.shape(2), W = x.shape(3);
    const idx O = w.shape(0), Cg = w.shape(1), KH = w.shape(2), KW = w.shape(3);
    const idx G = int_arg(groups, "conv2d", "groups");
    if (G < 1) value_error("trueno_simd.conv2d: groups must be >= 1, got " + std::to_string(G));
    if (C != Cg * G || O % G != 0)
        shape_error("trueno_simd.conv2d: x has " + std::to_string(C) + " channels and weight " +
                    shape_str(shape_of(w)) + " with groups=" + std::to_string(G) +
                    "; expected x channels == weight.shape[1] * groups (" +
                    std::to_string(Cg * G) + ") and weight.shape[0] divisible by groups");
    if (KH < 1 || KW < 1 || Cg < 1)
        shape_error("trueno_simd.conv2d: weight " + shape_str(shape_of(w)) +
                    " must have non-zero in-channel and kernel dimensions");
    const idx OH = (H + 2 * pad.first - dil.first * (KH - 1) - 1) / strd.first + 1;
    const idx OW = (W + 2 * pad.second - dil.second * (KW - 1) - 1) / strd.second + 1;
    if (H + 2 * pad.first - dil.first * (KH - 1) - 1 < 0 ||
        W + 2 * pad.second - dil.second * (KW - 1) - 1 < 0 || OH <= 0 || OW <= 0)
        shape_error("trueno_simd.conv2d: kernel " + shape_str({KH, KW}) + " with dilation " +
                    shape_str({dil.first, dil.second}) + " is larger than the padded input " +
                    shape_str({H + 2 * pad.first, W + 2 * pad.second}));
    if (!bias.is_none()) {
        py::array bb = as_array(bias, "conv2d");
        if (bb.ndim() != 1 || bb.shape(0) != O)
            shape_error("trueno_simd.conv2d: bias has shape " + shape_str(shape_of(bb)) +
                        ", expected (" + std::to_string(O) + ",) (one value per output channel)");
        if (!is_float(dtype_code(bb.dtype())) && !is_int(dtype_code(bb.dtype())))
            type_error("trueno_simd.conv2d: bias has dtype " + std::string(py::str(bb.dtype())) +
                       ", expected " + std::string(py::str(x.dtype())));
    }
    py::array o = make_out(out, {N, O, OH, OW}, x.dtype(), "conv2d");
    const idx Og = O / G, K = Cg * KH * KW, P = OH * OW;
    // weight as an (O, K) matrix; copy only if its (C, KH, KW) dims do not walk one stride
    idx wcs = 0;
    auto wshape = shape_of(w);
    std::vector<idx> wstr = {idx(w.strides(0)), idx(w.strides(1)), idx(w.strides(2)),
                             idx(w.strides(3))};
    if (!single_run(wshape, wstr, 1, &wcs)) {
        w = py::module_::import("numpy").attr("ascontiguousarray")(w);
        wcs = S;
    }
    if (K == 1) wcs = S;
    const idx wrs = idx(w.strides(0));
    py::array b;
    const char* pb = nullptr;
    idx sbias = 0;
    if (!bias.is_none()) {
        b = as_array(bias, "conv2d");
        if (!b.dtype().equal(x.dtype())) b = b.attr("astype")(x.dtype());
        pb = static_cast<const char*>(b.data());
        sbias = idx(b.strides(0));
    }
    const char* px = static_cast<const char*>(x.data());
    const char* pw = static_cast<const char*>(w.data());
    char* po = static_cast<char*>(o.mutable_data());
    const idx sn = x.strides(0), sc = x.strides(1), sh = x.strides(2), sw = x.strides(3);
    if (N == 0 || O == 0) return o;
    // 1x1, stride 1, no padding, H and W walk one stride: the input itself is the B matrix
    idx hw_stride = 0;
    const bool direct = KH == 1 && KW == 1 && strd.first == 1 && strd.second == 1 &&
                        pad.first == 0 && pad.second == 0 &&
                        single_run({H, W}, {sh, sw}, 0, &hw_stride);
    py::gil_scoped_release nogil;
    const idx tasks = N * G;
    auto task = [&](idx t, bool threaded) {
        const idx n = t / G, gi = t % G;
        const char* xg = px + n * sn + gi * Cg * sc;
        char* og = po + (n * O + gi * Og) * P * S;
        const char* wg = pw + gi * Og * wrs;
        if (direct) {
            gemm(d, Og, P, K, wg, wrs, wcs, xg, sc, hw_stride, og, P * S, threaded);
        } else {
            static thread_local std::vector<double> colbuf;
            colbuf.resize(size_t((K * P * S + 7) / 8));
            if (d == F32)
                im2col<float>(xg, sc, sh, sw, Cg, H, W, KH, KW, OH, OW, strd, pad, dil,
                              reinterpret_cast<float*>(colbuf.data()));
            else
                im2col<double>(xg, sc, sh, sw, Cg, H, W, KH, KW, OH, OW, strd, pad, dil,
                               colbuf.data());
            gemm(d, Og, P, K, wg, wrs, wcs, reinterpret_cast<const char*>(colbuf.data()), P * S,
                 S, og, P * S, threaded);
        }
        if (pb) {
            for (idx oc = 0; oc < Og; ++oc) {
                char* row = og + oc * P * S;
                const char* bv = pb + (gi * Og + oc) * sbias;
                if (d == F32) {
                    float bb = ld<float>(bv);
                    for (idx i = 0; i < P; ++i) st<float>(row + i * 4, ld<float>(row + i * 4) + bb);
                } else {
                    double bb = ld<double>(bv);
                    for (idx i = 0; i < P; ++i) st<double>(row + i * 8, ld<double>(row + i * 8) + bb);
                }
            }
        }
    };
    if (tasks >= get_num_threads()) {
        parallel_for(tasks, [&](idx t) { task(t, false); });
    } else {
        for (idx t = 0; t < tasks; ++t) task(t, true);
    }
    return o;
}

py::array conv2d(py::object x, py::object w, py::object bias, py::object stride,
                 py::object padding, py::object dilation, py::object groups, py::object out) {
    OutGuard g(out, {x, w, bias}, false, "conv2d");
    return g.finish(conv2d_impl(x, w, bias, stride, padding, dilation, groups, g.out));
}

}  // namespace

void bind_linalg(py::module_& m) {
    m.def("matmul", &matmul, py::arg("x1"), py::arg("x2"), py::kw_only(),
          py::arg("out") = py::none());
    m.def("conv2d", &conv2d, py::arg("x"), py::arg("weight"), py::arg("bias") = py::none(),
          py::arg("stride") = py::make_tuple(1, 1), py::arg("padding") = py::make_tuple(0, 0),
          py::arg("dilation") = py::make_tuple(1, 1), py::arg("groups") = 1, py::kw_only(),
          py::arg("out") = py::none());
}

}  // namespace trueno
