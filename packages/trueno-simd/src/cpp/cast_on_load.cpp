// Binary kernels whose two operands may have different dtypes: they cast on load
// (docs/design.md §9). The kernel of an op for compute dtype `ct` converts each block of each
// operand into a stack buffer of `ct`, with the C conversion ndarray.astype(ct) uses (so an
// int64 rounds to the nearest float64 as astype rounds it), and runs the same-dtype loop of
// the kernel table on the buffers; an operand already of `ct` is read in place. float16 and
// bfloat16 compute in float32 blocks, as the same-dtype kernels do. The caller (trueno's
// dispatcher) chooses `ct` by its face's promotion: the kernel never promotes.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>
#if !(defined(__x86_64__) || defined(__i386__))
#include <cfenv>
#endif

#include "elementwise.hpp"
#include "fpe.hpp"
#include "threadpool.hpp"

namespace trueno {
namespace {

constexpr idx kBlock = 256;

// n elements from src (byte stride s) converted to the contiguous dst.
using CastRun = void (*)(const char* src, idx s, char* dst, idx n);

template <class S, class D>
void cast_run(const char* src, idx s, char* dst, idx n) {
    constexpr idx SS = sizeof(S), SD = sizeof(D);
    if (s == SS) {  // the contiguous case, with a constant stride the compiler vectorises
        for (idx i = 0; i < n; ++i) st<D>(dst + i * SD, D(ld<S>(src + i * SS)));
    } else {
        for (idx i = 0; i < n; ++i) st<D>(dst + i * SD, D(ld<S>(src + i * s)));
    }
}

template <class D>
void cast_bool(const char* src, idx s, char* dst, idx n) {
    for (idx i = 0; i < n; ++i) st<D>(dst + i * idx(sizeof(D)), D(src[i * s] != 0));
}

// float16 / bfloat16 -> float32 is exact, and so is the float32 -> D that may follow.
template <class D, bool BF>
void cast_half(const char* src, idx s, char* dst, idx n) {
    float f[kBlock];
    for (idx i = 0; i < n; i += kBlock) {
        const idx m = std::min(kBlock, n - i);
        half_to_float(BF ? BF16 : F16, src + i * s, s, f, m);
        for (idx j = 0; j < m; ++j) st<D>(dst + (i + j) * idx(sizeof(D)), D(f[j]));
    }
}

template <class D>
CastRun cast_to(DType s) {
    switch (s) {
        case B1: return cast_bool<D>;
        case I8: return cast_run<std::int8_t, D>;
        case I16: return cast_run<std::int16_t, D>;
        case I32: return cast_run<std::int32_t, D>;
        case I64: return cast_run<std::int64_t, D>;
        case U8: return cast_run<std::uint8_t, D>;
        case U16: return cast_run<std::uint16_t, D>;
        case U32: return cast_run<std::uint32_t, D>;
        case U64: return cast_run<std::uint64_t, D>;
        case F16: return cast_half<D, false>;
        case BF16: return cast_half<D, true>;
        case F32: return cast_run<float, D>;
        case F64: return cast_run<double, D>;
        default: return nullptr;
    }
}

// The conversion of dtype s to the loop's dtype w; nullptr when s is w (read in place).
CastRun caster(DType s, DType w) {
    if (s == w) return nullptr;
    switch (w) {
        case I8: return cast_to<std::int8_t>(s);
        case I16: return cast_to<std::int16_t>(s);
        case I32: return cast_to<std::int32_t>(s);
        case I64: return cast_to<std::int64_t>(s);
        case U8: return cast_to<std::uint8_t>(s);
        case U16: return cast_to<std::uint16_t>(s);
        case U32: return cast_to<std::uint32_t>(s);
        case U64: return cast_to<std::uint64_t>(s);
        case F32: return cast_to<float>(s);
        case F64: return cast_to<double>(s);
        default: return nullptr;
    }
}

bool is_signed_int(DType d) { return d >= I8 && d <= I64; }

// Whether every value of integer dtype s is a value of integer dtype d.
bool int_fits(DType s, DType d) {
    const idx bs = itemsize_of(s), bd = itemsize_of(d);
    if (is_signed_int(s) == is_signed_int(d)) return bs <= bd;
    return !is_signed_int(s) && bs < bd;  // unsigned into a wider signed; never the reverse
}

// Whether the kernels of compute dtype ct read operands of dtype s: ct itself, bool, and the
// dtypes whose astype(ct) the conversion above reproduces bit for bit: widening integer casts,
// any integer or narrower float into float32/float64 (ints round to nearest even, as astype),
// and the 8-bit integers into float16/bfloat16, where they are exact. Not wider integers into
// a half (an int16 rounds, an int32 overflows: astype says so, a load would not).
bool loads(DType ct, DType s) {
    if (s == ct) return ct < NDT;
    if (s >= NDT) return false;
    switch (ct) {
        case F64: return true;
        case F32: return s != F64;
        case F16: case BF16: return s == B1 || s == I8 || s == U8;
        case B1: case NDT: return false;
        default: return s == B1 || (is_int(s) && int_fits(s, ct));
    }
}

const char* const kOpNames[NBIN] = {"add",     "subtract",      "multiply", "divide",
                                    "maximum", "minimum",       "pow",      "equal",
                                    "not_equal", "less",        "less_equal", "greater",
                                    "greater_equal"};

DType dtype_by_name(const std::string& name, const char* who) {
    for (int d = 0; d < NDT; ++d)
        if (name == dtype_name(DType(d))) return DType(d);
    type_error(std::string("trueno_simd.") + who + ": unknown dtype '" + name + "'");
}

// One op at one compute dtype: what a kernel made by cast_on_load(name, dtype) holds.
struct Mixed {
    BinOp op;
    DType ct;        // compute dtype: the result's, or the compared values' for comparisons
    DType w;         // the dtype the loop runs in: ct, or float32 for float16/bfloat16
    BinLoop loop;    // the same-dtype loop of the kernel table for w
    py::dtype rdt;   // the result's dtype (bool for comparisons)
    idx osz;         // its item size
};

// Whether converting dtype s for a loop in dtype w can raise a flag NumPy reports: float32 ->
// float64 quiets a signalling NaN and raises invalid, as astype does. (float16/bfloat16 loads
// raise nothing NumPy's casts would: NumPy keeps their signalling NaNs, which then raise in the
// op itself, and the flags of our conversion are reported with the op's.)
bool cast_flags(DType s, DType w) { return s == F32 && w == F64; }

// Runs conversion f with this thread's sticky flags set aside: returns the flags f raised and
// leaves the flags raised before it as they were.
template <class F>
int isolated_flags(F&& f) {
#if defined(__x86_64__) || defined(__i386__)
    const unsigned saved = _mm_getcsr();
    _mm_setcsr(saved & ~0x3fu);
    f();
    const int raised = fpe_hw_test();
    _mm_setcsr(saved);
#else
    std::fexcept_t saved;
    std::fegetexceptflag(&saved, FE_ALL_EXCEPT);
    std::feclearexcept(FE_ALL_EXCEPT);
    f();
    const int raised = fpe_hw_test();
    std::fesetexceptflag(&saved, FE_ALL_EXCEPT);
#endif
    return raised;
}

// Flags raised by the conversions of each operand, when they are kept apart from the op's.
struct CastFlags {
    bool apart[2] = {false, false};
    std::atomic<int> raised[2] = {0, 0};
};

// Convert m elements of one operand, the conversion's flags kept apart if asked.
template <bool APART>
inline void convert(CastRun c, const char* src, idx s, char* dst, idx m, CastFlags* cf, int i) {
    if (!APART || !cf->apart[i]) {
        c(src, s, dst, m);
        return;
    }
    const int f = isolated_flags([&] { c(src, s, dst, m); });
    if (f) cf->raised[i].fetch_or(f, std::memory_order_relaxed);
}

// One run of n elements: operand a at pa (byte stride sa; 0 broadcasts one element),
// converted by ca unless ca is null, likewise b; the results go contiguously to po.
// (APART: the conversions' flags kept apart in cf; otherwise cf is not read.)
template <bool APART>
void run_blocks(const Mixed& k, CastRun ca, const char* pa, idx sa, CastRun cb,
                const char* pb, idx sb, char* po, idx n, CastFlags* cf) {
    alignas(64) char ba[kBlock * 8], bb[kBlock * 8];
    alignas(64) float bo[kBlock];
    const idx W = itemsize_of(k.w);
    const bool half = k.w != k.ct && k.op < EQ;
    for (idx i = 0; i < n; i += kBlock) {
        const idx m = std::min(kBlock, n - i);
        const char* xa = pa + i * sa;
        const char* xb = pb + i * sb;
        idx xsa = sa, xsb = sb;
        if (ca) {
            convert<APART>(ca, xa, sa, ba, sa == 0 ? 1 : m, cf, 0);
            xa = ba;
            xsa = sa == 0 ? 0 : W;
        }
        if (cb) {
            convert<APART>(cb, xb, sb, bb, sb == 0 ? 1 : m, cf, 1);
            xb = bb;
            xsb = sb == 0 ? 0 : W;
        }
        char* dst = po + i * k.osz;
        if (!half) {
            k.loop(xa, xsa, xb, xsb, dst, m);
            continue;
        }
        k.loop(xa, xsa, xb, xsb, reinterpret_cast<char*>(bo), m);
        float_to_half(k.ct, bo, dst, m);
        half_flags(k.ct, bo, dst, m);
    }
}

[[noreturn]] void cannot_load(const Mixed& k, const py::array& a, const py::array& b) {
    type_error(std::string("trueno_simd.") + kOpNames[k.op] + "[" + dtype_name(k.ct) +
               "]: cannot load operands of dtypes " + std::string(py::str(a.dtype())) +
               " and " + std::string(py::str(b.dtype())) +
               " (cast_loads('" + dtype_name(k.ct) + "') lists the dtypes it reads)");
}

template <bool APART>
py::array mixed_impl(const Mixed& k, const py::array& a, const py::array& b, const DType* d,
                     CastFlags* cf) {
    const char* name = kOpNames[k.op];
    const CastRun ca = caster(d[0], k.w), cb = caster(d[1], k.w);
    if ((a.flags() & py::array::c_style) && (b.flags() & py::array::c_style)) {
        // C-contiguous operands of one shape (or one 0-d) small enough for this thread: no
        // broadcasting, no iterator
        idx sa = idx(a.itemsize()), sb = idx(b.itemsize());
        const py::array* like = &a;
        bool fits = a.ndim() == b.ndim() && std::equal(a.shape(), a.shape() + a.ndim(),
                                                       b.shape());
        if (!fits && b.ndim() == 0) {
            sb = 0;
            fits = true;
        } else if (!fits && a.ndim() == 0) {
            sa = 0;
            like = &b;
            fits = true;
        }
        if (fits && idx(like->size()) < kGrainCheap) {
            py::array o = empty_like_shape(*like, k.rdt);
            run_blocks<APART>(k, ca, static_cast<const char*>(a.data()), sa, cb,
                       static_cast<const char*>(b.data()), sb,
                       static_cast<char*>(o.mutable_data()), idx(like->size()), cf);
            return o;
        }
    }
    auto shape = broadcast_shapes({shape_of(a), shape_of(b)}, name);
    py::array o(k.rdt, std::vector<py::ssize_t>(shape.begin(), shape.end()));
    NdLoop<3> it(shape, {static_cast<const char*>(a.data()), static_cast<const char*>(b.data()),
                         static_cast<const char*>(o.data())},
                 {bstrides(a, shape), bstrides(b, shape), cstrides(shape, k.osz)});
    if (it.total == 0) return o;
    const idx sa = it.inner_stride(0), sb = it.inner_stride(1);
    const idx grain = k.op == POW ? kGrainScalarMath : kGrainCheap;
    NoGil nogil(it.total);
    parallel_range(it.total, grain, [&](idx lo, idx hi) {
        it.run(lo, hi, [&](const char* const* p, idx n) {
            run_blocks<APART>(k, ca, p[0], sa, cb, p[1], sb, const_cast<char*>(p[2]), n, cf);
        });
    });
    return o;
}

// Whether NumPy casts input x before its loop (check_for_trivial_loop): a 0-d input, or a 1-d
// one of at most numpy.getbufsize() elements, is cast (and checked, as "cast") up front. From
// the first input it does not cast so, the iterator casts in buffers and the cast's flags are
// the op's (nothing for maximum, minimum and comparisons, whose loops never report).
bool numpy_casts_first(const py::array& x) {
    if (x.ndim() == 0) return true;
    if (x.ndim() != 1) return false;
    // (asked only when a cast raised something: NumPy keeps the buffer size in its errstate)
    return idx(x.shape(0)) <= py::module_::import("numpy").attr("getbufsize")().cast<idx>();
}

py::array mixed_call(const Mixed& k, py::handle a_, py::handle b_) {
    const char* name = kOpNames[k.op];
    const char* fname = fpe_name(k.op);
    py::array a = as_array(a_, name), b = as_array(b_, name);
    const DType d[2] = {dtype_code(a.dtype()), dtype_code(b.dtype())};
    if (!loads(k.ct, d[0]) || !loads(k.ct, d[1])) cannot_load(k, a, b);
    const bool apart[2] = {cast_flags(d[0], k.w), cast_flags(d[1], k.w)};
    if (!fname && !apart[0] && !apart[1]) return mixed_impl<false>(k, a, b, d, nullptr);
    int op_flags = 0;
    py::array r = [&] {
        FpeScope fpe;
        py::array o = mixed_impl<false>(k, a, b, d, nullptr);
        op_flags = fpe.flags(true);
        return o;
    }();
    if ((op_flags & FPE_INVALID) && (apart[0] || apart[1])) {
        // A conversion may have raised it (a signalling NaN): run again with the conversions'
        // flags kept apart, block by block (reading MXCSR drains the pipeline, so only here).
        CastFlags cf;
        cf.apart[0] = apart[0];
        cf.apart[1] = apart[1];
        FpeScope fpe;
        r = mixed_impl<true>(k, a, b, d, &cf);
        op_flags = fpe.flags(true);
        // NumPy's order: inputs it casts first report "cast" (each its own), in operand order,
        // until one it leaves to the iterator (a cast, or a copy of an unaligned input)
        const py::array* x[2] = {&a, &b};
        bool iterating = false;
        for (int i = 0; i < 2; ++i) {
            const bool copied = d[i] != k.ct || !(x[i]->flags() & 0x0100);  // NPY_ARRAY_ALIGNED
            if (!copied) continue;
            iterating = iterating || !numpy_casts_first(*x[i]);
            if (iterating) op_flags |= cf.raised[i].load();
            else give_fp_errors("cast", cf.raised[i].load());
        }
    }
    if (fname) give_fp_errors(fname, op_flags);  // maximum, minimum, comparisons never report
    return r;
}

}  // namespace

void bind_cast_on_load(py::module_& m) {
    m.def(
        "cast_loads",
        [](const std::string& dtype) {
            const DType ct = dtype_by_name(dtype, "cast_loads");
            py::list out;
            for (int s = 0; s < NDT; ++s)
                if (loads(ct, DType(s))) out.append(dtype_name(DType(s)));
            return out;
        },
        py::arg("dtype"),
        "The dtypes (names) of the operands that the cast_on_load kernels of compute dtype\n"
        "`dtype` read: itself, bool, and those whose astype(dtype) they reproduce bit for bit.");
    m.def(
        "cast_on_load",
        [](const std::string& name, const std::string& dtype) {
            int op = 0;
            while (op < NBIN && name != kOpNames[op]) ++op;
            if (op == NBIN)
                value_error("trueno_simd.cast_on_load: no binary kernel named '" + name + "'");
            const DType ct = dtype_by_name(dtype, "cast_on_load");
            const DType w = is_half(ct) ? F32 : ct;
            const BinLoop loop = w < NDT ? table().bin[op][w] : nullptr;
            if (!loop || ct == B1)
                type_error("trueno_simd.cast_on_load: " + name + " has no kernel that casts " +
                           "operands to " + dtype);
            const bool cmp = op >= EQ;
            Mixed k{BinOp(op), ct, w, loop, cmp ? py::dtype::of<bool>() : dtype_of(ct),
                    cmp ? 1 : itemsize_of(ct)};
            const std::string doc = name + "(x1, x2) computed in " + dtype +
                                    ": operands of the dtypes cast_loads('" + dtype +
                                    "') lists, of one shape or broadcasting, any strides.";
            return py::cpp_function(
                [k](py::handle a, py::handle b) { return mixed_call(k, a, b); },
                py::name(kOpNames[op]), py::arg("x1"), py::arg("x2"), doc.c_str());
        },
        py::arg("name"), py::arg("dtype"),
        "The kernel of binary op `name` computing in compute dtype `dtype`, whose operands may\n"
        "have any dtype cast_loads(dtype) lists: each is converted as it is loaded, with\n"
        "astype's rounding, instead of by a cast before the call.");
}

}  // namespace trueno
