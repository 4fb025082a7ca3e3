// Strided copies: copy_ (assignment into a view, the source broadcast), contiguous, concat.
// Same-dtype operands of any layout are copied by the pool's threads, run by run; what these
// loops do not cover (mixed dtypes, a source that overlaps the destination, a destination
// with repeated elements, more than kMaxDims dims) goes to NumPy, which has the semantics.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "array.hpp"
#include "threadpool.hpp"

namespace trueno {
namespace {

void copy_run(const char* s, idx ss, char* d, idx ds, idx n, idx isz) {
    if (ss == isz && ds == isz) {
        std::memcpy(d, s, size_t(n * isz));
        return;
    }
    switch (isz) {
        case 1:
            for (idx i = 0; i < n; ++i) st<std::uint8_t>(d + i * ds, ld<std::uint8_t>(s + i * ss));
            break;
        case 2:
            for (idx i = 0; i < n; ++i)
                st<std::uint16_t>(d + i * ds, ld<std::uint16_t>(s + i * ss));
            break;
        case 4:
            for (idx i = 0; i < n; ++i)
                st<std::uint32_t>(d + i * ds, ld<std::uint32_t>(s + i * ss));
            break;
        case 8:
            for (idx i = 0; i < n; ++i)
                st<std::uint64_t>(d + i * ds, ld<std::uint64_t>(s + i * ss));
            break;
        default:
            for (idx i = 0; i < n; ++i) std::memcpy(d + i * ds, s + i * ss, size_t(isz));
    }
}

// [lo, hi) byte range an array of this shape and these byte strides touches from `base`.
void extent(const char* base, const std::vector<idx>& shape, const std::vector<idx>& strides,
            idx isz, const char** lo, const char** hi) {
    idx a = 0, b = 0;
    for (size_t d = 0; d < shape.size(); ++d) {
        if (shape[d] <= 1) continue;
        const idx span = (shape[d] - 1) * strides[d];
        if (span < 0) a += span;
        else b += span;
    }
    *lo = base + a;
    *hi = base + b + isz;
}

bool fits_loop(const std::vector<idx>& shape) {
    size_t n = 0;
    for (idx s : shape) n += s != 1;
    return n <= size_t(kMaxDims);
}

// src (byte strides sstr, aligned to shape) into dst (byte strides dstr), both of itemsize isz.
void copy_nd(const char* src, const std::vector<idx>& sstr, char* dst,
             const std::vector<idx>& dstr, const std::vector<idx>& shape, idx isz) {
    NdLoop<2> it(shape, {src, dst}, {sstr, dstr});
    if (it.total == 0) return;
    const idx ss = it.inner_stride(0), ds = it.inner_stride(1);
    NoGil nogil(it.total);
    // memory-bound: threads pay once the copy is well past the caches' reach
    parallel_range(it.total, std::max<idx>(kGrainCheap * 4 / isz, 1), [&](idx lo, idx hi) {
        it.run(lo, hi, [&](const char* const* p, idx n) {
            copy_run(p[0], ss, const_cast<char*>(p[1]), ds, n, isz);
        });
    });
}

std::vector<idx> strides_of(const py::array& a) {
    std::vector<idx> s(size_t(a.ndim()));
    for (py::ssize_t i = 0; i < a.ndim(); ++i) s[size_t(i)] = idx(a.strides(i));
    return s;
}

std::vector<idx> c_strides(const std::vector<idx>& shape, idx isz) {
    std::vector<idx> s(shape.size());
    idx acc = isz;
    for (size_t i = shape.size(); i-- > 0;) {
        s[i] = acc;
        acc *= shape[i];
    }
    return s;
}

py::object numpy() { return py::module_::import("numpy"); }

py::array copy_(py::object dst_, py::object src_) {
    if (!py::isinstance<py::array>(dst_))
        type_error("trueno_simd.copy_: dst must be a numpy array, got " + arg_repr(dst_));
    py::array dst = py::reinterpret_borrow<py::array>(dst_);
    py::array src = as_array(src_, "copy_");
    if (!dst.writeable())
        value_error("trueno_simd.copy_: dst is read-only");
    const auto dshape = shape_of(dst);
    const auto dstr = strides_of(dst);
    bool repeated = false;
    for (size_t d = 0; d < dshape.size(); ++d) repeated |= dstr[d] == 0 && dshape[d] > 1;
    if (!dst.dtype().equal(src.dtype()) || src.ndim() > dst.ndim() || repeated ||
        !fits_loop(dshape)) {
        numpy().attr("copyto")(dst, src, py::arg("casting") = "unsafe");
        return dst;
    }
    broadcast_shapes({shape_of(src), dshape}, "copy_");
    std::vector<idx> sshape = shape_of(src);
    for (size_t i = 0; i < sshape.size(); ++i)
        if (sshape[i] != 1 && sshape[i] != dshape[dshape.size() - sshape.size() + i])
            shape_error("trueno_simd.copy_: could not broadcast src of shape " +
                        shape_str(sshape) + " into dst of shape " + shape_str(dshape));
    const idx isz = idx(dst.itemsize());
    auto sstr = bstrides(src, dshape);
    const char *slo, *shi, *dlo, *dhi;
    const char* sp = static_cast<const char*>(src.data());
    char* dp = static_cast<char*>(dst.mutable_data());
    extent(sp, dshape, sstr, isz, &slo, &shi);
    extent(dp, dshape, dstr, isz, &dlo, &dhi);
    if (numel(dshape) > 0 && slo < dhi && dlo < shi) {
        if (sp == dp && sstr == dstr) return dst;  // x[...] = x
        src = py::array(src.attr("copy")());  // overlapping views: read before writing
        sstr = bstrides(src, dshape);
        sp = static_cast<const char*>(src.data());
    }
    copy_nd(sp, sstr, dp, dstr, dshape, isz);
    return dst;
}

py::array contiguous(py::object x_) {
    if (!py::isinstance<py::array>(x_) && !py::isinstance(x_, numpy().attr("generic")))
        type_error("trueno_simd.contiguous: x must be a numpy array or scalar, got " +
                   arg_repr(x_));
    py::array x = as_array(x_, "contiguous");
    const auto shape = shape_of(x);
    if (!fits_loop(shape)) return numpy().attr("array")(x, py::arg("order") = "C");
    py::array o(x.dtype(), std::vector<py::ssize_t>(shape.begin(), shape.end()));
    const idx isz = idx(x.itemsize());
    copy_nd(static_cast<const char*>(x.data()), bstrides(x, shape),
            static_cast<char*>(o.mutable_data()), c_strides(shape, isz), shape, isz);
    return o;
}

py::array concat(py::args xs_, py::handle axis_) {
    if (xs_.size() == 0) value_error("trueno_simd.concat: need at least one array");
    std::vector<py::array> xs;
    for (auto h : xs_) xs.push_back(as_array(h, "concat"));
    const py::array& x0 = xs[0];
    const int nd = int(x0.ndim());
    if (nd == 0) shape_error("trueno_simd.concat: zero-dimensional arrays cannot be concatenated");
    idx ax = int_arg(axis_, "concat", "axis");
    if (ax < -nd || ax >= nd)
        shape_error("trueno_simd.concat: axis " + std::to_string(ax) +
                    " is out of bounds for arrays of " + std::to_string(nd) + " dimensions");
    if (ax < 0) ax += nd;
    std::vector<idx> oshape = shape_of(x0);
    oshape[size_t(ax)] = 0;
    bool same = true;
    for (size_t i = 0; i < xs.size(); ++i) {
        const auto& x = xs[i];
        if (x.ndim() != nd)
            shape_error("trueno_simd.concat: all the input arrays must have the same number of "
                        "dimensions, but the array at index 0 has " + std::to_string(nd) +
                        " dimension(s) and the array at index " + std::to_string(i) + " has " +
                        std::to_string(x.ndim()));
        for (int d = 0; d < nd; ++d)
            if (d != ax && x.shape(d) != x0.shape(d))
                shape_error("trueno_simd.concat: all the input array dimensions except for the "
                            "concatenation axis must match exactly, but along dimension " +
                            std::to_string(d) + ", the array at index 0 has size " +
                            std::to_string(x0.shape(d)) + " and the array at index " +
                            std::to_string(i) + " has size " + std::to_string(x.shape(d)));
        oshape[size_t(ax)] += idx(x.shape(ax));
        same = same && x.dtype().equal(x0.dtype());
    }
    if (!same || !fits_loop(oshape))
        return numpy().attr("concatenate")(xs_, py::arg("axis") = ax);
    py::array o(x0.dtype(), std::vector<py::ssize_t>(oshape.begin(), oshape.end()));
    const idx isz = idx(x0.itemsize());
    const auto ostr = c_strides(oshape, isz);
    char* op = static_cast<char*>(o.mutable_data());
    idx start = 0;
    for (const auto& x : xs) {
        const auto shape = shape_of(x);
        copy_nd(static_cast<const char*>(x.data()), bstrides(x, shape), op + start * ostr[size_t(ax)],
                ostr, shape, isz);
        start += shape[size_t(ax)];
    }
    return o;
}

}  // namespace

void bind_copy(py::module_& m) {
    m.def("copy_", &copy_, py::arg("dst"), py::arg("src"),
          "Copy src (broadcast) into the array or view dst, in place; returns dst.");
    m.def("contiguous", &contiguous, py::arg("x"), "A C-contiguous copy of x.");
    m.def("concat", &concat, py::arg("axis") = 0,
          "Join arrays of one dtype along an existing axis.");
}

}  // namespace trueno
