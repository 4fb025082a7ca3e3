// How a reduction walks its input: one offset per output element, one offset per inner run of
// the reduced dims, and a driver that splits the work over outputs or, for few outputs, over
// the reduced elements.
#pragma once
#include <algorithm>
#include <vector>

#include "array.hpp"
#include "threadpool.hpp"

namespace trueno {

struct RedPlan {
    std::vector<idx> out_shape;  // with keepdims applied
    std::vector<idx> out_off;    // byte offset of each output element's first input element
    std::vector<idx> run_off;    // byte offset of each inner run, relative to out_off
    idx run_len = 1;             // elements per run
    idx run_stride = 0;          // bytes between elements of a run
    idx nout = 1, nred = 1;
};

// axis: None (all), an int, or a sequence of ints. keep_order keeps the reduced dims in C
// order (needed for argmax's flat index); otherwise they are reordered for locality.
RedPlan make_plan(const py::array& x, py::handle axis, bool keepdims, bool keep_order,
                  const char* op);

// R provides: State init(idx o); run(State&, idx o, const char* p, idx stride, idx n,
// idx flat_base); combine(State&, const State&) (in order); finish(idx o, State&).
template <class R>
void drive(const RedPlan& p, const char* data, R& r) {
    const idx nruns = idx(p.run_off.size());
    if (p.nout == 0) return;
    auto one = [&](idx o) {
        auto s = r.init(o);
        const char* b = data + p.out_off[size_t(o)];
        for (idx k = 0; k < nruns; ++k)
            r.run(s, o, b + p.run_off[size_t(k)], p.run_stride, p.run_len, k * p.run_len);
        r.finish(o, s);
    };
    const idx nt = get_num_threads();
    if (p.nout >= 2 * nt || p.nred < kGrainReduce || nt == 1) {
        const idx per = std::max<idx>(1, p.nred);
        parallel_range(p.nout, std::max<idx>(2, kGrainReduce / per), [&](idx lo, idx hi) {
            for (idx o = lo; o < hi; ++o) one(o);
        });
        return;
    }
    // Few outputs, many reduced elements: split each output's work into nt ordered parts.
    for (idx o = 0; o < p.nout; ++o) {
        const char* b = data + p.out_off[size_t(o)];
        std::vector<decltype(r.init(o))> parts(size_t(nt), r.init(o));
        std::vector<char> used(size_t(nt), 0);
        parallel_for(nt, [&](idx t) {
            auto& s = parts[size_t(t)];
            if (nruns == 1) {
                idx chunk = (p.run_len + nt - 1) / nt;
                idx lo = t * chunk, hi = std::min(p.run_len, lo + chunk);
                if (lo < hi) {
                    r.run(s, o, b + p.run_off[0] + lo * p.run_stride, p.run_stride, hi - lo, lo);
                    used[size_t(t)] = 1;
                }
            } else {
                idx chunk = (nruns + nt - 1) / nt;
                idx lo = t * chunk, hi = std::min(nruns, lo + chunk);
                for (idx k = lo; k < hi; ++k) {
                    r.run(s, o, b + p.run_off[size_t(k)], p.run_stride, p.run_len, k * p.run_len);
                    used[size_t(t)] = 1;
                }
            }
        });
        auto s = r.init(o);
        for (idx t = 0; t < nt; ++t)
            if (used[size_t(t)]) r.combine(s, parts[size_t(t)]);
        r.finish(o, s);
    }
}

// Neumaier-compensated accumulation of per-run (pairwise) partial sums.
struct Compensated {
    double s = 0, c = 0;
    void add(double v) {
        double t = s + v;
        if (std::abs(s) >= std::abs(v)) c += (s - t) + v;
        else c += (v - t) + s;
        s = t;
    }
    // NOTE: with inf/nan partials the compensation term turns NaN; fall back to plain s.
    double value() const { return std::isfinite(s) ? s + c : s; }
};

// Write a double / integer result into element o of an output of dtype d.
void write_value(char* out, DType d, idx o, double v);
void write_int(char* out, DType d, idx o, std::uint64_t v, bool is_signed);

}  // namespace trueno
