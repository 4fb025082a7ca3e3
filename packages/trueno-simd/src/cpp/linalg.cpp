// matmul (batched, broadcasting batch dims) and conv2d (im2col + GEMM), float32 / float64.
#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
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

// Geometry of one conv2d: input plane, kernel, output plane, stride / padding / dilation.
struct ConvGeom {
    idx H, W, KH, KW, OH, OW, sth, stw, ph, pw, dh, dw;
};

// Rows [k0, k0 + kc) (kc <= 256) and output pixels [p0, p0 + nc) of the im2col matrix of one
// image and group, written straight into the GEMM's packed B layout: slivers of NR columns,
// dst[sliver][row][j], the last sliver zero padded. Row k is input channel k / (KH * KW) at
// tap (kh, kw). Each piece of a sliver on one output row reads one strided run of an input
// row per tap (one copy where it is contiguous and in bounds, a full sliver's of fixed size).
template <class T, int NR>
void im2col_packed_nr(const char* x, idx sc, idx sh, idx sw, const ConvGeom& g, idx k0, idx kc,
                      idx p0, idx nc, T* dst) {
    const idx taps = g.KH * g.KW;
    idx roff[256], rh[256], rw[256];  // per row: channel offset (bytes), tap row/col shift
    for (idx r = 0; r < kc; ++r) {
        const idx kk = k0 + r, t = kk % taps;
        roff[r] = (kk / taps) * sc;
        rh[r] = (t / g.KW) * g.dh;
        rw[r] = (t % g.KW) * g.dw;
    }
    const bool unit = sw == idx(sizeof(T)) && g.stw == 1;
    for (idx q0 = 0; q0 < nc; q0 += NR) {
        T* ds = dst + q0 * kc;
        const idx w = std::min<idx>(NR, nc - q0);
        // the sliver's columns [j, j + len) on one output row at a time
        for (idx j = 0, p = p0 + q0; j < w;) {
            const idx oh = p / g.OW, ow = p % g.OW, len = std::min(w - j, g.OW - ow);
            const idx ih0 = oh * g.sth - g.ph, iw0 = ow * g.stw - g.pw;
            for (idx r = 0; r < kc; ++r) {
                T* d = ds + r * NR + j;
                const idx ih = ih0 + rh[r], iw = iw0 + rw[r];
                if (ih < 0 || ih >= g.H) {
                    for (idx i = 0; i < len; ++i) d[i] = T(0);
                    continue;
                }
                const char* xr = x + roff[r] + ih * sh;
                if (unit) {
                    if (iw >= 0 && iw + len <= g.W) {
                        if (len == NR) std::memcpy(d, xr + iw * sw, NR * sizeof(T));
                        else std::memcpy(d, xr + iw * sw, size_t(len) * sizeof(T));
                        continue;
                    }
                    // a run over the padding: zeros, the in-bounds part, zeros
                    const idx lo = std::min(len, std::max<idx>(0, -iw));
                    const idx hi = std::max(lo, std::min(len, g.W - iw));
                    for (idx i = 0; i < lo; ++i) d[i] = T(0);
                    if (hi > lo)
                        std::memcpy(d + lo, xr + (iw + lo) * sw, size_t(hi - lo) * sizeof(T));
                    for (idx i = hi; i < len; ++i) d[i] = T(0);
                    continue;
                }
                for (idx i = 0; i < len; ++i) {
                    const idx iwi = iw + i * g.stw;
                    d[i] = (iwi >= 0 && iwi < g.W) ? ld<T>(xr + iwi * sw) : T(0);
                }
            }
            j += len;
            p += len;
        }
        if (w < NR)
            for (idx r = 0; r < kc; ++r)
                for (idx i = w; i < NR; ++i) ds[r * NR + i] = T(0);
    }
}

// im2col_packed_nr for unit-stride taps over contiguous input rows (stride 1 along W, the
// common conv): row k of the block is built whole, one run of an input row per output row
// (zeros where a run covers the padding), in a small contiguous buffer, then cut into the
// slivers by fixed-size copies. The per-sliver walk above re-derives every row's geometry for
// each piece of each sliver: on a 64 x 16 x 14 x 14, 3 x 3 conv it took about 45% of the conv.
template <class T, int NR>
void im2col_packed_rows(const char* x, idx sc, idx sh, idx sw, const ConvGeom& g, idx k0,
                        idx kc, idx p0, idx nc, T* dst) {
    (void)sw;  // == sizeof(T)
    constexpr idx S = sizeof(T);
    const idx taps = g.KH * g.KW, nsl = (nc + NR - 1) / NR;
    static thread_local std::vector<T> rowbuf;
    rowbuf.assign(size_t(nsl * NR), T(0));  // the tail past nc stays zero: the last sliver's pad
    T* row = rowbuf.data();
    const idx oh0 = p0 / g.OW, oh1 = (p0 + nc - 1) / g.OW;
    for (idx r = 0; r < kc; ++r) {
        const idx kk = k0 + r, t = kk % taps;
        const char* xc = x + (kk / taps) * sc;
        const idx rh = (t / g.KW) * g.dh, rw = (t % g.KW) * g.dw;
        // output columns whose input column ow - pw + rw is in bounds: [lo, hi)
        const idx lo = std::max<idx>(0, g.pw - rw), hi = std::min(g.OW, g.W + g.pw - rw);
        for (idx oh = oh0; oh <= oh1; ++oh) {
            // this output row's pixels within [p0, p0 + nc), as columns [a, b)
            const idx a = oh == oh0 ? p0 - oh * g.OW : 0;
            const idx b = oh == oh1 ? p0 + nc - oh * g.OW : g.OW;
            T* d = row + (oh * g.OW - p0 + a);  // d[ow - a] is pixel (oh, ow)
            const idx ih = oh * g.sth - g.ph + rh;
            if (ih < 0 || ih >= g.H) {
                for (idx ow = a; ow < b; ++ow) d[ow - a] = T(0);
                continue;
            }
            const idx ca = std::max(a, lo), cb = std::min(b, hi);
            for (idx ow = a; ow < std::min(b, ca); ++ow) d[ow - a] = T(0);
            if (cb > ca)
                std::memcpy(d + (ca - a), xc + ih * sh + (ca - g.pw + rw) * S,
                            size_t(cb - ca) * S);
            for (idx ow = std::max(a, cb); ow < b; ++ow) d[ow - a] = T(0);
        }
        T* ds = dst + r * NR;
        for (idx q = 0; q < nsl; ++q) std::memcpy(ds + q * kc * NR, row + q * NR, NR * S);
    }
}

template <class T>
using Im2colFn = void (*)(const char*, idx, idx, idx, const ConvGeom&, idx, idx, idx, idx, T*);

template <class T, int NR>
Im2colFn<T> im2col_for(bool unit) {
    return unit ? im2col_packed_rows<T, NR> : im2col_packed_nr<T, NR>;
}

// unit: taps of stride 1 over contiguous input rows (im2col_packed_rows applies)
template <class T>
Im2colFn<T> im2col_packed(idx nr, bool unit) {
    switch (nr) {
        case 4: return im2col_for<T, 4>(unit);
        case 8: return im2col_for<T, 8>(unit);
        case 16: return im2col_for<T, 16>(unit);
        case 32: return im2col_for<T, 32>(unit);
        default: throw std::logic_error("trueno_simd.conv2d: unsupported GEMM sliver width");
    }
}

// out[n, gi * Og + o, p] = sum_k W[gi * Og + o, k] * cols(n, gi)[k, p] (+ bias): the weight of
// every group packed once (MR slivers per K block), then one task per (image, group, block
// of output pixels) packs its im2col block (K block x nc, kept in L2) and runs the micro-
// kernel over all Og output channels, so the columns are written once and read from cache.
template <class T>
void conv2d_gemm(const char* px, idx sn, idx sc, idx sh, idx sw, const char* pw, idx wrs,
                 idx wcs, const char* pb, idx sbias, char* po, idx N, idx G, idx Og, idx Cg,
                 const ConvGeom& g) {
    constexpr idx S = sizeof(T);
    const GemmKernels& gk = table().gemm[std::is_same_v<T, float> ? F32 : F64];
    const idx mr = gk.mr, nr = gk.nr;
    const Im2colFn<T> im2col = im2col_packed<T>(nr, g.stw == 1 && sw == S);
    const idx K = Cg * g.KH * g.KW, P = g.OH * g.OW, O = G * Og;
    const idx nkb = (K + 255) / 256, kstep = (K + nkb - 1) / nkb;
    const idx ogr = (Og + mr - 1) / mr * mr;
    // packed weight: group gi, K block starting at pc -> apack + (gi * K + pc) * ogr
    std::vector<T> apack(size_t(G * K * ogr));
    for (idx gi = 0; gi < G; ++gi)
        for (idx pc = 0; pc < K; pc += kstep)
            gk.pack_a(pw + gi * Og * wrs + pc * wcs, wrs, wcs, Og, std::min(kstep, K - pc),
                      apack.data() + (gi * K + pc) * ogr);
    // output-pixel blocks: a K block x nc im2col block of at most 128 KiB, and at least four
    // tasks per thread when the batch is small, in equal widths rounded to the sliver width
    const idx nt = get_num_threads();
    idx ncap = std::max(nr, (idx(128 * 1024) / (kstep * S)) / nr * nr);
    idx nch = (P + ncap - 1) / ncap;
    const idx want = (4 * nt + N * G - 1) / (N * G);
    if (nt > 1 && nch < want) nch = std::min(want, (P + 4 * nr - 1) / (4 * nr));
    nch = std::max<idx>(nch, 1);
    const idx nc = std::min((P + nch - 1) / nch + nr - 1, P + nr - 1) / nr * nr;
    nch = (P + nc - 1) / nc;
    auto task = [&](idx t) {
        const idx n = t / (G * nch), gi = (t / nch) % G, p0 = (t % nch) * nc;
        const idx ncur = std::min(nc, P - p0);
        static thread_local std::vector<T> bbuf;
        bbuf.resize(size_t(kstep * nc));
        const char* xg = px + n * sn + gi * Cg * sc;
        char* og = po + ((n * O + gi * Og) * P + p0) * S;
        for (idx pc = 0; pc < K; pc += kstep) {
            const idx kc = std::min(kstep, K - pc);
            im2col(xg, sc, sh, sw, g, pc, kc, p0, ncur, bbuf.data());
            gk.macro(apack.data() + (gi * K + pc) * ogr, bbuf.data(), Og, ncur, kc, og, P * S,
                     pc > 0);
        }
        if (pb) {
            for (idx oc = 0; oc < Og; ++oc) {
                char* row = og + oc * P * S;
                const T bv = ld<T>(pb + (gi * Og + oc) * sbias);
                for (idx i = 0; i < ncur; ++i) st<T>(row + i * S, ld<T>(row + i * S) + bv);
            }
        }
    };
    parallel_for(N * G * nch, task);
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
    const idx Og = O / G, K = Cg * KH * KW;
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
    const ConvGeom geom{H, W, KH, KW, OH, OW, strd.first, strd.second, pad.first, pad.second,
                        dil.first, dil.second};
    py::gil_scoped_release nogil;
    if (d == F32)
        conv2d_gemm<float>(px, sn, sc, sh, sw, pw, wrs, wcs, pb, sbias, po, N, G, Og, Cg, geom);
    else
        conv2d_gemm<double>(px, sn, sc, sh, sw, pw, wrs, wcs, pb, sbias, po, N, G, Og, Cg, geom);
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
