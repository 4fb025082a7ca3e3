#include "gemm.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "threadpool.hpp"

namespace trueno {
namespace {

// Cache blocking (elements). KC x NR of B stays in L1, MC x KC of A in L2, KC x NC in L3.
constexpr idx kKC = 256;
constexpr idx kNC = 3072;
constexpr idx kMCSlivers = 24;
// The swap to C^T = B^T A^T pays when the packing it saves ((n - m) * k elements) is this many
// times the transpose of the result (m * n elements) it adds.
constexpr double kSwapRatio = 2.0;
// ... and while the n x m result fits this per-thread buffer (kept for the next call); larger
// results come with large m, over which B's packing is spread anyway
constexpr double kSwapMaxBytes = 8.0 * 1024 * 1024;

struct AlignedBuf {
    void* p = nullptr;
    size_t cap = 0;
    void* get(size_t bytes) {
        if (bytes > cap) {
            std::free(p);
            cap = (bytes + 4095) & ~size_t(4095);
            p = std::aligned_alloc(64, cap);
        }
        return p;
    }
    ~AlignedBuf() { std::free(p); }
};

idx round_up(idx x, idx m) { return (x + m - 1) / m * m; }

}  // namespace

void gemm(DType d, idx m, idx n, idx k, const char* a, idx rsa, idx csa, const char* b, idx rsb,
          idx csb, char* c, idx ldc, bool threaded) {
    if (m <= 0 || n <= 0) return;
    const idx S = d == F32 ? 4 : 8;
    if (k <= 0) {
        for (idx i = 0; i < m; ++i) std::memset(c + i * ldc, 0, size_t(n * S));
        return;
    }
    const GemmKernels& g = table().gemm[d];
    const idx mr = g.mr, nr = g.nr;
    // Both operands' k runs contiguous (x @ W.T; a conv weight gradient g @ cols.mT): packing
    // B transposes all k x n of it. With n well above m, C^T = B^T A^T reads B^T in place and
    // packs only A^T's k x m; its n x m result is then transposed into C (m x n elements).
    if (csa == S && rsb == S && g.transpose != nullptr && m < n &&
        double(n - m) * double(k) > kSwapRatio * double(m) * double(n) &&
        double(m) * double(n) * double(S) <= kSwapMaxBytes) {
        static thread_local AlignedBuf tbuf;
        char* t = static_cast<char*>(tbuf.get(size_t(n * m * S)));
        gemm(d, n, m, k, b, csb, rsb, a, csa, rsa, t, m * S, threaded);
        g.transpose(t, m * S, n, m, c, ldc);
        return;
    }
    // A whose k runs are contiguous (row-major, as x in x @ W.T or g in g @ W) is read in place
    // by the micro-kernel's broadcasts: no packing (measured on Zen 3: packing a 128 x 784 A
    // took 47 us of the 640 us product).
    const bool direct_a = csa == S && g.macro_direct != nullptr;
    idx nt = threaded ? get_num_threads() : 1;
    // below ~160^3 multiply-adds one thread beats two (measured: 128^3 37 us vs 43 us)
    if (double(m) * double(n) * double(k) < 160.0 * 160.0 * 160.0) nt = 1;
    // Balance the M blocks over the threads.
    const idx mc_max = mr * kMCSlivers;
    const idx nblocks = std::max<idx>(1, nt * ((m + nt * mc_max - 1) / (nt * mc_max)));
    const idx mc = std::min(round_up((m + nblocks - 1) / nblocks, mr), round_up(m, mr));
    const idx nmb = (m + mc - 1) / mc;
    static thread_local AlignedBuf bbuf;
    const idx ncap = std::min(round_up(n, nr), kNC);
    // equal K blocks (320 -> 2 x 160, not 256 + 64): a thin last block wastes C traffic
    const idx kstep = (k + (k + kKC - 1) / kKC - 1) / ((k + kKC - 1) / kKC);
    void* bp = bbuf.get(size_t(kstep * ncap * S));

    for (idx jc = 0; jc < n; jc += kNC) {
        const idx nc = std::min(kNC, n - jc);
        const idx nsl = (nc + nr - 1) / nr;
        for (idx pc = 0; pc < k; pc += kstep) {
            const idx kc = std::min(kstep, k - pc);
            const char* bsrc = b + pc * rsb + jc * csb;
            // pack B in parallel, sliver ranges per thread
            auto pack_b = [&](idx t, idx parts) {
                idx per = (nsl + parts - 1) / parts;
                idx s0 = t * per, s1 = std::min(nsl, s0 + per);
                if (s0 >= s1) return;
                idx c0 = s0 * nr, c1 = std::min(nc, s1 * nr);
                g.pack_b(bsrc + c0 * csb, rsb, csb, kc, c1 - c0,
                         static_cast<char*>(bp) + c0 * kc * S);
            };
            if (nt > 1) parallel_for(nt, [&](idx t) { pack_b(t, nt); });
            else pack_b(0, 1);
            auto block = [&](idx ib) {
                const idx i0 = ib * mc, h = std::min(mc, m - i0);
                const char* asrc = a + i0 * rsa + pc * csa;
                char* cdst = c + i0 * ldc + jc * S;
                if (direct_a) {
                    g.macro_direct(asrc, rsa, bp, h, nc, kc, cdst, ldc, pc > 0);
                    return;
                }
                static thread_local AlignedBuf abuf;
                void* ap = abuf.get(size_t(round_up(h, mr) * kc * S));
                g.pack_a(asrc, rsa, csa, h, kc, ap);
                g.macro(ap, bp, h, nc, kc, cdst, ldc, pc > 0);
            };
            if (nt > 1 && nmb > 1) parallel_for(nmb, block);
            else for (idx ib = 0; ib < nmb; ++ib) block(ib);
        }
    }
}

}  // namespace trueno
