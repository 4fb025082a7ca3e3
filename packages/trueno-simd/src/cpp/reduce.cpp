// Reductions: sum, mean, max, min, argmax, argmin, var, vector_norm, logsumexp.
#include <cmath>
#include <limits>
#include <string>

#include "reduce_plan.hpp"
#include "fpe.hpp"

namespace trueno {

RedPlan make_plan(const py::array& x, py::handle axis, bool keepdims, bool keep_order,
                  const char* op) {
    const int nd = int(x.ndim());
    std::vector<char> red(size_t(nd), 0);
    if (axis.is_none()) {
        std::fill(red.begin(), red.end(), 1);
    } else {
        std::vector<idx> axes;
        if (PyIndex_Check(axis.ptr())) {
            axes.push_back(int_arg(axis, op, "axis"));
        } else if (py::isinstance<py::tuple>(axis) || py::isinstance<py::list>(axis)) {
            for (auto a : axis) axes.push_back(int_arg(a, op, "axis"));
        } else {
            type_error(std::string("trueno_simd.") + op +
                       ": axis must be None, an int or a tuple of ints, got " + arg_repr(axis));
        }
        for (idx a : axes) {
            const idx given = a;
            if (a < 0) a += nd;
            if (a < 0 || a >= nd)
                shape_error(std::string("trueno_simd.") + op + ": axis " +
                            std::to_string(given) + " is out of bounds for an array of " +
                            std::to_string(nd) + " dimensions");
            if (red[size_t(a)])
                value_error(std::string("trueno_simd.") + op + ": duplicate value in axis (" +
                            std::to_string(given) + ")");
            red[size_t(a)] = 1;
        }
    }
    RedPlan p;
    std::vector<idx> kshape, kstr, rshape, rstr;
    for (int d = 0; d < nd; ++d) {
        idx n = idx(x.shape(d)), s = idx(x.strides(d));
        if (red[size_t(d)]) {
            if (keepdims) p.out_shape.push_back(1);
            rshape.push_back(n);
            rstr.push_back(s);
        } else {
            p.out_shape.push_back(n);
            kshape.push_back(n);
            kstr.push_back(s);
        }
    }
    p.nout = numel(kshape);
    p.nred = numel(rshape);
    // output offsets in C order of the kept dims
    p.out_off.assign(size_t(p.nout), 0);
    {
        std::vector<idx> c(kshape.size(), 0);
        idx off = 0;
        for (idx o = 0; o < p.nout; ++o) {
            p.out_off[size_t(o)] = off;
            for (size_t d = kshape.size(); d-- > 0;) {
                off += kstr[d];
                if (++c[d] < kshape[d]) break;
                off -= kstr[d] * kshape[d];
                c[d] = 0;
            }
        }
    }
    // reduced dims: drop size-1 dims, optionally sort by |stride| (innermost smallest), coalesce
    std::vector<std::pair<idx, idx>> dims;  // (shape, stride)
    for (size_t i = 0; i < rshape.size(); ++i)
        if (rshape[i] != 1) dims.push_back({rshape[i], rstr[i]});
    if (!keep_order)
        std::stable_sort(dims.begin(), dims.end(), [](auto& a, auto& b) {
            return std::abs(a.second) > std::abs(b.second);
        });
    std::vector<std::pair<idx, idx>> merged;
    for (auto& d : dims) {
        if (!merged.empty() && merged.back().second == d.second * d.first) {
            merged.back().first *= d.first;
            merged.back().second = d.second;
        } else {
            merged.push_back(d);
        }
    }
    if (merged.empty()) merged.push_back({1, 0});
    p.run_len = merged.back().first;
    p.run_stride = merged.back().second;
    idx nruns = p.run_len == 0 ? 0 : p.nred / p.run_len;
    p.run_off.assign(size_t(nruns), 0);
    std::vector<idx> c(merged.size() - 1, 0);
    idx off = 0;
    for (idx k = 0; k < nruns; ++k) {
        p.run_off[size_t(k)] = off;
        for (size_t d = merged.size() - 1; d-- > 0;) {
            off += merged[d].second;
            if (++c[d] < merged[d].first) break;
            off -= merged[d].second * merged[d].first;
            c[d] = 0;
        }
    }
    return p;
}

void write_value(char* out, DType d, idx o, double v) {
    switch (d) {
        case F32: st<float>(out + o * 4, float(v)); break;
        case F64: st<double>(out + o * 8, v); break;
        default: write_int(out, d, o, std::uint64_t(std::int64_t(v)), true); break;
    }
}

void write_int(char* out, DType d, idx o, std::uint64_t v, bool is_signed) {
    switch (d) {
        case B1: st<bool>(out + o, v != 0); break;
        case I8: case U8: st<std::uint8_t>(out + o, std::uint8_t(v)); break;
        case I16: case U16: st<std::uint16_t>(out + o * 2, std::uint16_t(v)); break;
        case I32: case U32: st<std::uint32_t>(out + o * 4, std::uint32_t(v)); break;
        case I64: case U64: st<std::uint64_t>(out + o * 8, v); break;
        case F32: st<float>(out + o * 4, is_signed ? float(std::int64_t(v)) : float(v)); break;
        case F64: st<double>(out + o * 8, is_signed ? double(std::int64_t(v)) : double(v)); break;
        default: break;
    }
}

namespace {

// ---- reducers ----
struct FSumR {
    FSumRun fn;
    std::vector<double>* res;
    Compensated init(idx) const { return {}; }
    void run(Compensated& s, idx, const char* p, idx st, idx n, idx) const { s.add(fn(p, st, n)); }
    void combine(Compensated& a, const Compensated& b) const {
        a.add(b.s);
        a.add(b.c);
    }
    void finish(idx o, Compensated& s) const { (*res)[size_t(o)] = s.value(); }
};

struct ISumR {
    ISumRun fn;
    std::vector<std::uint64_t>* res;
    std::uint64_t init(idx) const { return 0; }
    void run(std::uint64_t& s, idx, const char* p, idx st, idx n, idx) const { s += fn(p, st, n); }
    void combine(std::uint64_t& a, const std::uint64_t& b) const { a += b; }
    void finish(idx o, std::uint64_t& s) const { (*res)[size_t(o)] = s; }
};

struct ShiftR {  // sum f(x - c[o])
    ShiftRun fn;
    const std::vector<double>* shift;
    std::vector<double>* res;
    Compensated init(idx) const { return {}; }
    void run(Compensated& s, idx o, const char* p, idx st, idx n, idx) const {
        s.add(fn(p, st, n, shift ? (*shift)[size_t(o)] : 0.0));
    }
    void combine(Compensated& a, const Compensated& b) const {
        a.add(b.s);
        a.add(b.c);
    }
    void finish(idx o, Compensated& s) const { (*res)[size_t(o)] = s.value(); }
};

struct MaxAbsR {
    ShiftRun fn;
    std::vector<double>* res;
    double init(idx) const { return 0; }
    void run(double& s, idx, const char* p, idx st, idx n, idx) const {
        double v = fn(p, st, n, 0);
        s = (v != v || v > s || s != s) ? (s != s ? s : v) : s;
    }
    void combine(double& a, const double& b) const { run_val(a, b); }
    static void run_val(double& a, double b) { a = (a != a) ? a : (b != b || b > a) ? b : a; }
    void finish(idx o, double& s) const { (*res)[size_t(o)] = s; }
};

struct Best {
    alignas(8) char v[8];
    std::int64_t at = 0;
};

struct MinMaxR {
    MinMaxRun fn;
    const RedPlan* plan;
    const char* data;
    idx itemsize;
    char* out;
    Best init(idx o) const {
        Best b;
        std::memcpy(b.v, data + plan->out_off[size_t(o)] + (plan->run_off.empty() ? 0 : plan->run_off[0]),
                    size_t(itemsize));
        return b;
    }
    void run(Best& s, idx, const char* p, idx st, idx n, idx) const { fn(p, st, n, s.v); }
    void combine(Best& a, const Best& b) const { fn(b.v, 0, 1, a.v); }
    void finish(idx o, Best& s) const { std::memcpy(out + o * itemsize, s.v, size_t(itemsize)); }
};

struct ArgR {
    ArgRun fn;
    const RedPlan* plan;
    const char* data;
    idx itemsize;
    char* out;
    Best init(idx o) const {
        Best b;
        std::memcpy(b.v, data + plan->out_off[size_t(o)] + (plan->run_off.empty() ? 0 : plan->run_off[0]),
                    size_t(itemsize));
        return b;
    }
    void run(Best& s, idx, const char* p, idx st, idx n, idx base) const {
        fn(p, st, n, base, s.v, &s.at);
    }
    void combine(Best& a, const Best& b) const { fn(b.v, 0, 1, b.at, a.v, &a.at); }
    void finish(idx o, Best& s) const { st<std::int64_t>(out + o * 8, s.at); }
};

[[noreturn]] void unsupported(const char* op, const py::dtype& dt) {
    type_error(std::string("trueno_simd.") + op + ": no kernel for dtype " +
               std::string(py::str(dt)) + " (expected a float, int or bool dtype)");
}

const char* cdata(const py::array& a) { return static_cast<const char*>(a.data()); }
char* mdata(py::array& a) { return static_cast<char*>(a.mutable_data()); }

// Column sums: a reduction over leading dims whose outputs are the contiguous inner block
// (x.sum(axis=0) of a C-contiguous matrix, every bias gradient). Walking each output's strided
// column, as drive() does, reads one element per cache line; here each thread takes a block
// of columns and adds whole rows, in row order, into double accumulators. For float64 that is
// NumPy's own order for a leading-axis sum (the same bits); float32 gains double precision.
template <class T>
void column_sums(const char* data, const RedPlan& p, std::vector<double>& res) {
    const idx rows = p.run_len, cols = p.nout;
    parallel_range(cols, std::max<idx>(16, kGrainReduce / std::max<idx>(1, rows)),
                   [&](idx lo, idx hi) {
        const idx w = hi - lo;
        std::vector<double> s(size_t(w), 0.0);
        double* sp = s.data();
        for (idx i = 0; i < rows; ++i) {
            const T* row = reinterpret_cast<const T*>(data + i * p.run_stride) + lo;
            for (idx j = 0; j < w; ++j) sp[j] += double(row[j]);
        }
        for (idx j = 0; j < w; ++j) res[size_t(lo + j)] = sp[j];
    });
}

bool is_column_plan(const RedPlan& p, idx isz) {
    if (p.run_off.size() != 1 || p.run_off[0] != 0 || p.nout < 2 || p.run_len < 2) return false;
    if (p.run_stride != p.nout * isz) return false;
    for (idx o = 0; o < p.nout; ++o)
        if (p.out_off[size_t(o)] != o * isz) return false;
    return true;
}

// Per-output float sums (or int sums) of x over the plan.
std::vector<double> float_sums(const py::array& x, const RedPlan& p, DType d) {
    std::vector<double> res(size_t(p.nout), 0.0);
    if ((d == F32 || d == F64) && is_column_plan(p, idx(x.itemsize()))) {
        NoGil nogil(idx(x.size()));
        if (d == F32) column_sums<float>(cdata(x), p, res);
        else column_sums<double>(cdata(x), p, res);
        return res;
    }
    FSumR r{table().fsum[d], &res};
    NoGil nogil(idx(x.size()));
    drive(p, cdata(x), r);
    return res;
}

py::array sum_or_mean(py::array x, py::handle axis, bool keepdims, py::object dtype,
                      py::object out, bool mean) {
    const char* op = mean ? "mean" : "sum";
    if (!dtype.is_none()) {
        py::dtype want = py::dtype::from_args(dtype);
        const DType wd = dtype_code(want);
        if (!(is_float(wd) || is_int(wd) || wd == B1)) {
            // e.g. dtype=complex128: outside this backend's dtypes; NumPy computes it
            py::object axes = axis.is_none() || py::isinstance<py::int_>(axis)
                                  ? py::reinterpret_borrow<py::object>(axis)
                                  : py::object(py::tuple(py::reinterpret_borrow<py::object>(axis)));
            py::object r = py::module_::import("numpy").attr(op)(x, axes, want);
            if (keepdims) {
                r = py::module_::import("numpy").attr(op)(x, axes, want, py::none(), true);
            }
            if (out.is_none()) return py::array::ensure(r);
            py::array o = make_out(out, shape_of(py::array::ensure(r)), want, op);
            o.attr("__setitem__")(py::ellipsis(), r);
            return o;
        }
        if (!want.equal(x.dtype())) x = x.attr("astype")(want);
    }
    if (mean && !is_float(dtype_code(x.dtype()))) {
        // Note: like NumPy, the mean of integers is taken in float64 (no wrap-around)
        x = x.attr("astype")("float64");
    }
    const DType d = dtype_code(x.dtype());
    if (!(is_float(d) || is_int(d) || d == B1)) unsupported(op, x.dtype());
    RedPlan p = make_plan(x, axis, keepdims, false, op);
    py::dtype odt = x.dtype();
    if (!is_float(d)) {
        bool uns = d >= U8 && d <= U64;
        if (mean) odt = py::dtype("float64");
        else if (dtype.is_none()) odt = py::dtype(uns ? "uint64" : "int64");
    }
    py::array o = make_out(out, p.out_shape, odt, op);
    const DType od = dtype_code(odt);
    char* po = mdata(o);
    const double n = double(p.nred);
    if (is_float(d)) {
        auto res = float_sums(x, p, d);
        for (idx i = 0; i < p.nout; ++i)
            write_value(po, od, i, mean ? (p.nred ? res[size_t(i)] / n : NAN) : res[size_t(i)]);
        return o;
    }
    std::vector<std::uint64_t> res(size_t(p.nout), 0);
    ISumR r{d == B1 ? table().isum[U8] : table().isum[d], &res};
    {
        NoGil nogil(idx(x.size()));
        drive(p, cdata(x), r);
    }
    const bool sgn = !(d >= U8 && d <= U64);
    for (idx i = 0; i < p.nout; ++i) {
        std::uint64_t v = res[size_t(i)];
        if (mean) {
            double s = sgn ? double(std::int64_t(v)) : double(v);
            write_value(po, od, i, p.nred ? s / n : NAN);
        } else {
            write_int(po, od, i, v, sgn);
        }
    }
    return o;
}

py::array minmax(py::array x, py::handle axis, bool keepdims, py::object out, bool is_max) {
    const char* op = is_max ? "max" : "min";
    const DType d = dtype_code(x.dtype());
    MinMaxRun fn = d < NDT ? (is_max ? table().max[d] : table().min[d]) : nullptr;
    if (!fn) unsupported(op, x.dtype());
    RedPlan p = make_plan(x, axis, keepdims, false, op);
    if (p.nred == 0 && p.nout > 0)
        value_error(std::string(op) + ": zero-size array to reduction operation which has no identity");
    py::array o = make_out(out, p.out_shape, x.dtype(), op);
    MinMaxR r{fn, &p, cdata(x), idx(x.itemsize()), mdata(o)};
    NoGil nogil(idx(x.size()));
    drive(p, cdata(x), r);
    return o;
}

py::array argminmax(py::array x, py::handle axis, bool keepdims, py::object out, bool is_max) {
    const char* op = is_max ? "argmax" : "argmin";
    const DType d = dtype_code(x.dtype());
    ArgRun fn = d < NDT ? (is_max ? table().argmax[d] : table().argmin[d]) : nullptr;
    if (!fn) unsupported(op, x.dtype());
    RedPlan p = make_plan(x, axis, keepdims, true, op);
    if (p.nred == 0 && p.nout > 0)
        value_error(std::string(op) + ": attempt to get " + op + " of an empty sequence");
    py::array o = make_out(out, p.out_shape, py::dtype("int64"), op);
    ArgR r{fn, &p, cdata(x), idx(x.itemsize()), mdata(o)};
    NoGil nogil(idx(x.size()));
    drive(p, cdata(x), r);
    return o;
}

py::array as_float(py::array x) {
    DType d = dtype_code(x.dtype());
    if (is_float(d)) return x;
    return x.attr("astype")("float64");
}

py::array var(py::array x, py::handle axis, bool keepdims, double correction, py::object out) {
    x = as_float(x);
    const DType d = dtype_code(x.dtype());
    RedPlan p = make_plan(x, axis, keepdims, false, "var");
    py::array o = make_out(out, p.out_shape, x.dtype(), "var");
    auto means = float_sums(x, p, d);
    for (auto& m : means) m = p.nred ? m / double(p.nred) : NAN;
    std::vector<double> res(size_t(p.nout), 0.0);
    ShiftR r{table().sqdev[d], &means, &res};
    {
        NoGil nogil(idx(x.size()));
        drive(p, cdata(x), r);
    }
    const double denom = std::max(0.0, double(p.nred) - correction);
    char* po = mdata(o);
    for (idx i = 0; i < p.nout; ++i)
        write_value(po, d, i, p.nred ? res[size_t(i)] / denom : NAN);
    return o;
}

py::array vector_norm(py::array x, py::handle axis, bool keepdims, double ord, py::object out) {
    if (!(ord == 2.0 || ord == 1.0 || (std::isinf(ord) && ord > 0)))
        value_error("trueno_simd.vector_norm: ord must be 1, 2 or inf, got " +
                    std::to_string(ord) + " (plugin.py's vector_norm covers the others)");
    x = as_float(x);
    const DType d = dtype_code(x.dtype());
    RedPlan p = make_plan(x, axis, keepdims, false, "vector_norm");
    py::array o = make_out(out, p.out_shape, x.dtype(), "vector_norm");
    std::vector<double> res(size_t(p.nout), 0.0);
    {
        NoGil nogil(idx(x.size()));
        if (ord == 2.0) {
            ShiftR r{table().sqdev[d], nullptr, &res};
            drive(p, cdata(x), r);
            for (auto& v : res) v = std::sqrt(v);
        } else if (ord == 1.0) {
            ShiftR r{table().absdev[d], nullptr, &res};
            drive(p, cdata(x), r);
        } else if (std::isinf(ord) && ord > 0) {
            MaxAbsR r{table().maxabs[d], &res};
            drive(p, cdata(x), r);
        }
    }
    char* po = mdata(o);
    for (idx i = 0; i < p.nout; ++i) write_value(po, d, i, res[size_t(i)]);
    return o;
}

py::array logsumexp(py::array x, py::handle axis, bool keepdims, py::object out) {
    x = as_float(x);
    const DType d = dtype_code(x.dtype());
    RedPlan p = make_plan(x, axis, keepdims, false, "logsumexp");
    py::array o = make_out(out, p.out_shape, x.dtype(), "logsumexp");
    std::vector<double> mx(size_t(p.nout), -INFINITY), res(size_t(p.nout), 0.0);
    if (p.nred > 0) {
        py::array m = py::array(x.dtype(), std::vector<py::ssize_t>{py::ssize_t(p.nout)});
        MinMaxR mr{table().max[d], &p, cdata(x), idx(x.itemsize()), mdata(m)};
        {
            NoGil nogil(idx(x.size()));
            drive(p, cdata(x), mr);
        }
        for (idx i = 0; i < p.nout; ++i)
            mx[size_t(i)] = d == F32 ? double(ld<float>(cdata(m) + i * 4)) : ld<double>(cdata(m) + i * 8);
        std::vector<double> shift(mx);
        for (auto& s : shift) s = std::isfinite(s) ? s : 0.0;
        ShiftR r{table().sumexp[d], &shift, &res};
        NoGil nogil(idx(x.size()));
        drive(p, cdata(x), r);
    }
    char* po = mdata(o);
    for (idx i = 0; i < p.nout; ++i) {
        double m = mx[size_t(i)];
        write_value(po, d, i, std::isfinite(m) ? m + std::log(res[size_t(i)]) : m);
    }
    return o;
}

}  // namespace

// NumPy's floating-point errors for a float sum or mean (rare path: only when a result is
// not finite): overflow when finite inputs give inf, invalid when +inf meets -inf, as
// np.add.reduce reports them ("... encountered in reduce"); the mean of an empty slice warns
// "Mean of empty slice" and flags invalid in "divide", as np.mean does.
py::array sum_errors(py::array x, py::handle axis, py::array r, bool mean) {
    const DType d = dtype_code(x.dtype());
    if (!is_float(d) || !is_float(dtype_code(r.dtype()))) return r;
    if (mean && r.size() > 0) {
        if (x.size() == 0) {
            if (PyErr_WarnEx(PyExc_RuntimeWarning, "Mean of empty slice", 1) < 0)
                throw py::error_already_set();
            // NOTE: np.mean divides a float64 scalar sum with scalar math ("scalar divide")
            // and everything else with the true_divide ufunc ("divide")
            const bool scalar = r.ndim() == 0 && d == F64;
            give_fp_errors(scalar ? "scalar divide" : "divide", FPE_INVALID);
            return r;
        }
    }
    bool finite = true;
    const char* pr = static_cast<const char*>(r.data());  // r is C-contiguous (make_out)
    for (idx i = 0; i < idx(r.size()) && finite; ++i)
        finite = std::isfinite(dtype_code(r.dtype()) == F32 ? double(ld<float>(pr + 4 * i))
                                                           : ld<double>(pr + 8 * i));
    if (finite) return r;
    const int flags = py::module_::import("trueno_simd._fpe").attr("sum_flags")(x, axis, r)
                          .cast<int>();
    give_fp_errors("reduce", flags);
    return r;
}

void bind_reduce(py::module_& m) {
    auto a_axis = py::arg("axis") = py::none();
    auto a_keep = py::arg("keepdims") = false;
    auto a_out = py::arg("out") = py::none();
    m.def(
        "sum",
        [](py::object x, py::object axis, bool keepdims, py::object dtype, py::object out) {
            OutGuard g(out, {x}, false, "sum");
            return sum_errors(as_array(x, "sum"), axis, g.finish(sum_or_mean(
                as_array(x, "sum"), axis, keepdims, dtype, g.out, false)), false);
        },
        py::arg("x"), a_axis, a_keep, py::arg("dtype") = py::none(), py::kw_only(), a_out);
    m.def(
        "mean",
        [](py::object x, py::object axis, bool keepdims, py::object dtype, py::object out) {
            OutGuard g(out, {x}, false, "mean");
            return sum_errors(as_array(x, "mean"), axis, g.finish(sum_or_mean(
                as_array(x, "mean"), axis, keepdims, dtype, g.out, true)), true);
        },
        py::arg("x"), a_axis, a_keep, py::arg("dtype") = py::none(), py::kw_only(), a_out);
    m.def(
        "max",
        [](py::object x, py::object axis, bool keepdims, py::object out) {
            OutGuard g(out, {x}, false, "max");
            return g.finish(minmax(
                as_array(x, "max"), axis, keepdims, g.out, true));
        },
        py::arg("x"), a_axis, a_keep, py::kw_only(), a_out);
    m.def(
        "min",
        [](py::object x, py::object axis, bool keepdims, py::object out) {
            OutGuard g(out, {x}, false, "min");
            return g.finish(minmax(
                as_array(x, "min"), axis, keepdims, g.out, false));
        },
        py::arg("x"), a_axis, a_keep, py::kw_only(), a_out);
    m.def(
        "argmax",
        [](py::object x, py::object axis, bool keepdims, py::object out) {
            OutGuard g(out, {x}, false, "argmax");
            return g.finish(argminmax(
                as_array(x, "argmax"), axis, keepdims, g.out, true));
        },
        py::arg("x"), a_axis, a_keep, py::kw_only(), a_out);
    m.def(
        "argmin",
        [](py::object x, py::object axis, bool keepdims, py::object out) {
            OutGuard g(out, {x}, false, "argmin");
            return g.finish(argminmax(
                as_array(x, "argmin"), axis, keepdims, g.out, false));
        },
        py::arg("x"), a_axis, a_keep, py::kw_only(), a_out);
    m.def(
        "var",
        [](py::object x, py::object axis, bool keepdims, double correction, py::object out) {
            OutGuard g(out, {x}, false, "var");
            return g.finish(var(
                as_array(x, "var"), axis, keepdims, correction, g.out));
        },
        py::arg("x"), a_axis, a_keep, py::arg("correction") = 0.0, py::kw_only(), a_out);
    m.def(
        "vector_norm",
        [](py::object x, py::object axis, bool keepdims, double ord, py::object out) {
            OutGuard g(out, {x}, false, "vector_norm");
            return g.finish(vector_norm(
                as_array(x, "vector_norm"), axis, keepdims, ord, g.out));
        },
        py::arg("x"), a_axis, a_keep, py::arg("ord") = 2.0, py::kw_only(), a_out);
    m.def(
        "logsumexp",
        [](py::object x, py::object axis, bool keepdims, py::object out) {
            OutGuard g(out, {x}, false, "logsumexp");
            return g.finish(logsumexp(
                as_array(x, "logsumexp"), axis, keepdims, g.out));
        },
        py::arg("x"), a_axis, a_keep, py::kw_only(), a_out);
}

}  // namespace trueno
