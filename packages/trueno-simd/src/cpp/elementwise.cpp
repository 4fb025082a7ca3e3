// Bindings of the elementwise kernels: binary ops, comparisons, unary ops, where, addcmul,
// gelu and silu. Strided, broadcast and float16/bfloat16 operands are handled here.
#include <algorithm>
#include <cmath>
#include <string>

#include "elementwise.hpp"
#include "fpe.hpp"
#include "threadpool.hpp"

namespace trueno {

const char* fpe_name(BinOp op) {
    switch (op) {
        case ADD: return "add";
        case SUB: return "subtract";
        case MUL: return "multiply";
        case DIV: return "divide";
        case POW: return "power";
        default: return nullptr;  // maximum/minimum/comparisons never flag (NumPy's neither)
    }
}

void half_flags(DType d, const float* src, const char* dst, idx n) {
    if (d != F16) return;
    int f = 0;
    for (idx i = 0; i < n; ++i) {
        // NOTE: the tests on src are integer ones: built with -fno-trapping-math, a float
        // compare (even std::isless) of a NaN may set 'invalid' in MXCSR, which the binding
        // would report as the op's (NumPy's NaN * 1 in float16 raises nothing)
        const std::uint32_t mag = ld<std::uint32_t>(reinterpret_cast<const char*>(src + i)) &
                                  0x7fffffffu;
        const std::uint16_t h = ld<std::uint16_t>(dst + 2 * i);
        if ((h & 0x7fffu) == 0x7c00u && mag < 0x7f800000u) f |= FPE_OVERFLOW;  // finite -> inf
        if (mag != 0 && mag < 0x38800000u &&  // 0 < |src| < 2**-14, half's smallest normal
            float(ld<_Float16>(dst + 2 * i)) != src[i])
            f |= FPE_UNDERFLOW;
    }
    if (f) fpe_sw() |= f;
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

bool is_contig_array(py::handle h) {
    return py::isinstance<py::array>(h) &&
           (py::reinterpret_borrow<py::array>(h).flags() & py::array::c_style);
}

py::array empty_like_shape(const py::array& a, const py::dtype& dt) {
    return py::array(dt, std::vector<py::ssize_t>(a.shape(), a.shape() + a.ndim()));
}

namespace {

constexpr idx kHalfBlock = 256;

// exp and log compute their flags (fpe_sw); sqrt, sin and cos (IEEE sqrt, libm) raise
// exactly NumPy's in hardware. Note: differs from the reference backend: tanh, sigmoid, silu,
// gelu and erf report nothing (NumPy has no such ufunc; its composites may flag underflow or
// silu(-inf)'s inf * 0).
const char* fpe_name(UnOp op, bool* use_hw) {
    *use_hw = op == SQRT || op == SIN || op == COS;
    switch (op) {
        case EXP: return "exp";
        case LOG: return "log";
        case SQRT: return "sqrt";
        case SIN: return "sin";
        case COS: return "cos";
        default: return nullptr;
    }
}

// Bring same-dtype operands together; a 0-d operand of another dtype is cast (a Python or
// numpy scalar), other mismatches are a caller error.
void unify(py::array& a, py::array& b, const char* op) {
    if (a.dtype().equal(b.dtype())) return;
    if (b.ndim() == 0) {
        b = b.attr("astype")(a.dtype());
    } else if (a.ndim() == 0) {
        a = a.attr("astype")(b.dtype());
    } else {
        type_error(std::string("trueno_simd.") + op + ": operands must have one dtype, got " +
                   std::string(py::str(a.dtype())) + " and " + std::string(py::str(b.dtype())) +
                   " (only a 0-d operand is cast)");
    }
}

[[noreturn]] void unsupported(const char* op, const py::dtype& dt) {
    type_error(std::string("trueno_simd.") + op + ": no kernel for dtype " +
               std::string(py::str(dt)) + " (see the dtype table in trueno-simd's README)");
}

// Fast path: C-contiguous operands of one dtype and one shape, or one of them 0-d (the
// dispatcher's Python scalars), no out=, small enough to stay on this thread. Skips
// broadcasting and the strided iterator (the common small-op call).
bool binary_fast(BinOp op, py::handle a_, py::handle b_, py::array* result) {
    if (!is_contig_array(a_) || !is_contig_array(b_)) return false;
    auto a = py::reinterpret_borrow<py::array>(a_), b = py::reinterpret_borrow<py::array>(b_);
    if (!a.dtype().is(b.dtype())) return false;
    const idx S = idx(a.itemsize());
    idx sa = S, sb = S;
    const py::array* like = &a;  // the operand of the result's shape
    if (a.ndim() != b.ndim() || !std::equal(a.shape(), a.shape() + a.ndim(), b.shape())) {
        if (b.ndim() == 0) {
            sb = 0;
        } else if (a.ndim() == 0) {
            sa = 0;
            like = &b;
        } else {
            return false;
        }
    }
    const idx n = idx(like->size());
    if (n >= kGrainCheap) return false;
    const DType d = dtype_code(a.dtype());
    BinLoop loop = d < NDT ? table().bin[op][d] : nullptr;
    if (!loop) return false;
    *result = empty_like_shape(*like, op >= EQ ? py::dtype::of<bool>() : a.dtype());
    loop(static_cast<const char*>(a.data()), sa, static_cast<const char*>(b.data()), sb,
         static_cast<char*>(result->mutable_data()), n);
    return true;
}

py::array binary_impl(BinOp op, const char* name, py::object a_, py::object b_,
                      py::object out) {
    py::array fast;
    if (out.is_none() && binary_fast(op, a_, b_, &fast)) return fast;
    py::array a = as_array(a_, name), b = as_array(b_, name);
    unify(a, b, name);
    const DType d = dtype_code(a.dtype());
    const bool cmp = op >= EQ;
    const KernelTable& t = table();
    BinLoop loop = d < NDT ? t.bin[op][d] : nullptr;
    const bool half = is_half(d) && t.bin[op][F32] != nullptr;
    if (!loop && !half) unsupported(name, a.dtype());
    auto shape = broadcast_shapes({shape_of(a), shape_of(b)}, name);
    py::dtype rdt = cmp ? py::dtype::of<bool>() : a.dtype();
    py::array o = make_out(out, shape, rdt, name);
    NdLoop<3> it(shape, {static_cast<const char*>(a.data()), static_cast<const char*>(b.data()),
                         static_cast<const char*>(o.data())},
                 {bstrides(a, shape), bstrides(b, shape), cstrides(shape, rdt.itemsize())});
    if (it.total == 0) return o;
    const idx sa = it.inner_stride(0), sb = it.inner_stride(1);
    const idx grain = op == POW ? kGrainScalarMath : kGrainCheap;
    NoGil nogil(it.total);
    if (!half) {
        parallel_range(it.total, grain, [&](idx lo, idx hi) {
            it.run(lo, hi, [&](const char* const* p, idx n) {
                loop(p[0], sa, p[1], sb, const_cast<char*>(p[2]), n);
            });
        });
        return o;
    }
    BinLoop f32 = t.bin[op][F32];
    parallel_range(it.total, grain, [&](idx lo, idx hi) {
        float xa[kHalfBlock], xb[kHalfBlock], xo[kHalfBlock];
        it.run(lo, hi, [&](const char* const* p, idx n) {
            for (idx i = 0; i < n; i += kHalfBlock) {
                idx m = std::min(kHalfBlock, n - i);
                half_to_float(d, p[0] + i * sa, sa, xa, sa == 0 ? 1 : m);
                half_to_float(d, p[1] + i * sb, sb, xb, sb == 0 ? 1 : m);
                char* dst = const_cast<char*>(p[2]) + i * (cmp ? 1 : 2);
                if (cmp) {
                    f32(reinterpret_cast<char*>(xa), sa == 0 ? 0 : 4, reinterpret_cast<char*>(xb),
                        sb == 0 ? 0 : 4, dst, m);
                } else {
                    f32(reinterpret_cast<char*>(xa), sa == 0 ? 0 : 4, reinterpret_cast<char*>(xb),
                        sb == 0 ? 0 : 4, reinterpret_cast<char*>(xo), m);
                    float_to_half(d, xo, dst, m);
                    half_flags(d, xo, dst, m);
                }
            }
        });
    });
    return o;
}

// NOTE: finish() calls into Python, so it runs after the kernel has taken the GIL back.
py::array binary(BinOp op, const char* name, py::object a, py::object b, py::object out) {
    OutGuard g(out, {a, b}, true, name);
    const char* fname = fpe_name(op);
    if (!fname) return g.finish(binary_impl(op, name, a, b, g.out));
    FpeScope fpe;
    py::array r = binary_impl(op, name, a, b, g.out);
    const int flags = fpe.flags(true);
    r = g.finish(r);
    give_fp_errors(fname, flags);  // after out= is written, as NumPy does
    return r;
}

idx unary_grain(UnOp op, DType d) {
    switch (op) {
        case NEG: case ABS: case SQRT: return kGrainCheap;
        case SIN: case COS: return kGrainScalarMath;
        case ERF: case GELU: return d == F64 ? kGrainScalarMath : kGrainMath;  // f64: libm
        default: return kGrainMath;
    }
}

py::array unary_impl(UnOp op, const char* name, py::object x_, py::object out) {
    if (out.is_none() && is_contig_array(x_)) {
        auto x = py::reinterpret_borrow<py::array>(x_);
        const idx n = idx(x.size());
        const DType d = dtype_code(x.dtype());
        UnLoop loop = d < NDT ? table().un[op][d] : nullptr;
        if (loop && n < 4096) {
            py::array o = empty_like_shape(x, x.dtype());
            loop(static_cast<const char*>(x.data()), idx(x.itemsize()),
                 static_cast<char*>(o.mutable_data()), n);
            return o;
        }
    }
    py::array x = as_array(x_, name);
    const DType d = dtype_code(x.dtype());
    const KernelTable& t = table();
    UnLoop loop = d < NDT ? t.un[op][d] : nullptr;
    const bool half = is_half(d) && t.un[op][F32] != nullptr;
    if (!loop && !half) unsupported(name, x.dtype());
    auto shape = shape_of(x);
    check_dims(shape, name);
    py::array o = make_out(out, shape, x.dtype(), name);
    NdLoop<2> it(shape, {static_cast<const char*>(x.data()), static_cast<const char*>(o.data())},
                 {bstrides(x, shape), cstrides(shape, x.itemsize())});
    if (it.total == 0) return o;
    const idx sx = it.inner_stride(0);
    NoGil nogil(it.total);
    if (!half) {
        parallel_range(it.total, unary_grain(op, d), [&](idx lo, idx hi) {
            it.run(lo, hi, [&](const char* const* p, idx n) {
                loop(p[0], sx, const_cast<char*>(p[1]), n);
            });
        });
        return o;
    }
    UnLoop f32 = t.un[op][F32];
    parallel_range(it.total, unary_grain(op, d), [&](idx lo, idx hi) {
        float xa[kHalfBlock], xo[kHalfBlock];
        it.run(lo, hi, [&](const char* const* p, idx n) {
            for (idx i = 0; i < n; i += kHalfBlock) {
                idx m = std::min(kHalfBlock, n - i);
                half_to_float(d, p[0] + i * sx, sx, xa, m);
                f32(reinterpret_cast<char*>(xa), 4, reinterpret_cast<char*>(xo), m);
                float_to_half(d, xo, const_cast<char*>(p[1]) + i * 2, m);
                half_flags(d, xo, p[1] + i * 2, m);
            }
        });
    });
    return o;
}

py::array unary(UnOp op, const char* name, py::object x, py::object out) {
    OutGuard g(out, {x}, true, name);
    bool use_hw = false;
    const char* fname = fpe_name(op, &use_hw);
    if (!fname) return g.finish(unary_impl(op, name, x, g.out));
    FpeScope fpe;
    py::array r = unary_impl(op, name, x, g.out);
    const int flags = fpe.flags(use_hw);
    r = g.finish(r);
    give_fp_errors(fname, flags);
    return r;
}

py::array where_impl(py::object c_, py::object x_, py::object y_, py::object out) {
    py::array c = as_array(c_, "where"), x = as_array(x_, "where"), y = as_array(y_, "where");
    if (dtype_code(c.dtype()) != B1) c = c.attr("astype")("bool");
    unify(x, y, "where");
    const idx size = idx(x.itemsize());
    const int lg = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : size == 8 ? 3 : -1;
    // NOTE: object arrays hold references: copying their bytes would skip the refcounts
    if (lg < 0 || x.dtype().attr("hasobject").cast<bool>()) unsupported("where", x.dtype());
    WhereLoop loop = table().where[lg];
    auto shape = broadcast_shapes({shape_of(c), shape_of(x), shape_of(y)}, "where");
    py::array o = make_out(out, shape, x.dtype(), "where");
    NdLoop<4> it(shape,
                 {static_cast<const char*>(c.data()), static_cast<const char*>(x.data()),
                  static_cast<const char*>(y.data()), static_cast<const char*>(o.data())},
                 {bstrides(c, shape), bstrides(x, shape), bstrides(y, shape), cstrides(shape, size)});
    if (it.total == 0) return o;
    const idx sc = it.inner_stride(0), sx = it.inner_stride(1), sy = it.inner_stride(2);
    NoGil nogil(it.total);
    parallel_range(it.total, kGrainCheap, [&](idx lo, idx hi) {
        it.run(lo, hi, [&](const char* const* p, idx n) {
            loop(p[0], sc, p[1], sx, p[2], sy, const_cast<char*>(p[3]), n);
        });
    });
    return o;
}

py::array where(py::object c, py::object x, py::object y, py::object out) {
    OutGuard g(out, {c, x, y}, true, "where");
    return g.finish(where_impl(c, x, y, g.out));
}

py::array addcmul_impl(py::object x_, py::object a_, py::object b_, double value,
                       py::object out) {
    py::array x = as_array(x_, "addcmul"), a = as_array(a_, "addcmul"), b = as_array(b_, "addcmul");
    unify(x, a, "addcmul");
    unify(x, b, "addcmul");
    unify(a, b, "addcmul");
    const DType d = dtype_code(x.dtype());
    AddcmulLoop loop = d < NDT ? table().addcmul[d] : nullptr;
    if (!loop) unsupported("addcmul", x.dtype());
    auto shape = broadcast_shapes({shape_of(x), shape_of(a), shape_of(b)}, "addcmul");
    py::array o = make_out(out, shape, x.dtype(), "addcmul");
    NdLoop<4> it(shape,
                 {static_cast<const char*>(x.data()), static_cast<const char*>(a.data()),
                  static_cast<const char*>(b.data()), static_cast<const char*>(o.data())},
                 {bstrides(x, shape), bstrides(a, shape), bstrides(b, shape),
                  cstrides(shape, x.itemsize())});
    if (it.total == 0) return o;
    const idx sx = it.inner_stride(0), sa = it.inner_stride(1), sb = it.inner_stride(2);
    NoGil nogil(it.total);
    parallel_range(it.total, kGrainCheap, [&](idx lo, idx hi) {
        it.run(lo, hi, [&](const char* const* p, idx n) {
            loop(p[0], sx, p[1], sa, p[2], sb, const_cast<char*>(p[3]), n, value);
        });
    });
    return o;
}

py::array addcmul(py::object x, py::object a, py::object b, double value, py::object out) {
    OutGuard g(out, {x, a, b}, true, "addcmul");
    return g.finish(addcmul_impl(x, a, b, value, g.out));
}

}  // namespace

void bind_elementwise(py::module_& m) {
    const auto kw_out = py::arg("out") = py::none();
#define TRUENO_BIN(name, code)                                                              \
    m.def(                                                                                  \
        #name,                                                                              \
        [](py::object a, py::object b, py::object out) { return binary(code, #name, a, b, out); }, \
        py::arg("x1"), py::arg("x2"), py::kw_only(), kw_out)
    TRUENO_BIN(add, ADD);
    TRUENO_BIN(subtract, SUB);
    TRUENO_BIN(multiply, MUL);
    TRUENO_BIN(divide, DIV);
    TRUENO_BIN(maximum, MAXIMUM);
    TRUENO_BIN(minimum, MINIMUM);
    TRUENO_BIN(pow, POW);
    TRUENO_BIN(equal, EQ);
    TRUENO_BIN(not_equal, NE);
    TRUENO_BIN(less, LT);
    TRUENO_BIN(less_equal, LE);
    TRUENO_BIN(greater, GT);
    TRUENO_BIN(greater_equal, GE);
#undef TRUENO_BIN
#define TRUENO_UN(name, code)                                                              \
    m.def(                                                                                 \
        #name, [](py::object x, py::object out) { return unary(code, #name, x, out); },    \
        py::arg("x"), py::kw_only(), kw_out)
    TRUENO_UN(exp, EXP);
    TRUENO_UN(log, LOG);
    TRUENO_UN(tanh, TANH);
    TRUENO_UN(sigmoid, SIGMOID);
    TRUENO_UN(erf, ERF);
    TRUENO_UN(sin, SIN);
    TRUENO_UN(cos, COS);
    TRUENO_UN(sqrt, SQRT);
    TRUENO_UN(negative, NEG);
    TRUENO_UN(abs, ABS);
    TRUENO_UN(silu, SILU);
#undef TRUENO_UN
    m.def(
        "gelu",
        [](py::object x, const std::string& approximate, py::object out) {
            if (approximate != "none" && approximate != "tanh")
                value_error("trueno_simd.gelu: approximate must be 'none' or 'tanh', got '" +
                            approximate + "'");
            return unary(approximate == "tanh" ? GELU_TANH : GELU, "gelu", x, out);
        },
        py::arg("x"), py::arg("approximate") = "none", py::kw_only(), kw_out);
    m.def("where", &where, py::arg("condition"), py::arg("x1"), py::arg("x2"), py::kw_only(),
          kw_out);
    m.def("addcmul", &addcmul, py::arg("x"), py::arg("tensor1"), py::arg("tensor2"),
          py::arg("value") = 1.0, py::kw_only(), kw_out);
}

}  // namespace trueno
