// GEMM packing and an MR x NR register-blocked micro-kernel (NR = two vectors) for one ISA.
// The blocking, threading and batching live in gemm.cpp.
#pragma once
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "simd.hpp"

namespace trueno {
namespace TRUENO_NS {

template <class T>
struct GemmShape {
    static constexpr int W = VT<T>::W;
    static constexpr int NR = 2 * W;
    // 32 vector registers with AVX-512 / NEON, 16 otherwise: MR*2 accumulators + 3 temporaries.
#if TRUENO_VBYTES == 64
    static constexpr int MR = 12;
#else
    static constexpr int MR = 6;
#endif
};

// W x W transpose of v[0..W) (v[i] is row i) in log2(W) perfect-shuffle rounds: each round
// interleaves row i with row i + W/2 (the low halves into row 2i, the high halves into 2i+1).
template <int W>
constexpr int zip_index(int m, bool high) {
    return (m % 2 ? W : 0) + (high ? W / 2 : 0) + m / 2;
}

template <class V, int W, std::size_t... I>
inline V zip(V a, V b, std::false_type, std::index_sequence<I...>) {
    return __builtin_shufflevector(a, b, zip_index<W>(int(I), false)...);
}

template <class V, int W, std::size_t... I>
inline V zip(V a, V b, std::true_type, std::index_sequence<I...>) {
    return __builtin_shufflevector(a, b, zip_index<W>(int(I), true)...);
}

template <class V, int W>
inline void transpose_square(V* v) {
    for (int r = 1; r < W; r *= 2) {
        V t[W];
#pragma GCC unroll 16
        for (int i = 0; i < W / 2; ++i) {
            t[2 * i] = zip<V, W>(v[i], v[i + W / 2], std::false_type{},
                                 std::make_index_sequence<W>());
            t[2 * i + 1] = zip<V, W>(v[i], v[i + W / 2], std::true_type{},
                                     std::make_index_sequence<W>());
        }
#pragma GCC unroll 16
        for (int i = 0; i < W; ++i) v[i] = t[i];
    }
}

// One sliver from R source lines whose k runs are contiguous (line i at src + i * ls, element k
// at + k * sizeof(T)): dst[k][i] for k < kc, i < R, lines h.. zero. This is the packing of an
// operand whose reduction dimension is the contiguous one (a row-major A, a transposed B such
// as a weight gradient's cols.mT): W x W tiles transposed in registers, not element by element.
template <class T, int R>
void pack_kcontig(const char* src, idx ls, int h, idx kc, T* dst) {
    using V = typename VT<T>::V;
    constexpr int W = VT<T>::W;
    constexpr idx S = sizeof(T);
    idx k = 0;
    for (; k + W <= kc; k += W) {
#pragma GCC unroll 4
        for (int i0 = 0; i0 < R; i0 += W) {
            V v[W];
#pragma GCC unroll 16
            for (int j = 0; j < W; ++j)
                v[j] = i0 + j < h ? vload<V>(src + (i0 + j) * ls + k * S) : V{};
            transpose_square<V, W>(v);
            constexpr int full = R % W == 0;
            const int wg = full || i0 + W <= R ? W : R - i0;
#pragma GCC unroll 16
            for (int kk = 0; kk < W; ++kk)
                std::memcpy(dst + (k + kk) * R + i0, &v[kk], size_t(wg) * sizeof(T));
        }
    }
    for (; k < kc; ++k)
        for (int i = 0; i < R; ++i) dst[k * R + i] = i < h ? ld<T>(src + i * ls + k * S) : T(0);
}

// dst[i][j] = src[j][i] for j < rows, i < cols: src rows ls bytes apart (elements contiguous),
// dst rows ldd bytes apart. W x W tiles are transposed in registers.
template <class T>
void transpose_into(const void* srcv, idx ls, idx rows, idx cols, char* dst, idx ldd) {
    using V = typename VT<T>::V;
    constexpr int W = VT<T>::W;
    constexpr idx S = sizeof(T);
    const char* src = static_cast<const char*>(srcv);
    idx j0 = 0;
    for (; j0 + W <= rows; j0 += W) {
        idx i0 = 0;
        for (; i0 + W <= cols; i0 += W) {
            V v[W];
#pragma GCC unroll 16
            for (int j = 0; j < W; ++j) v[j] = vload<V>(src + (j0 + j) * ls + i0 * S);
            transpose_square<V, W>(v);
#pragma GCC unroll 16
            for (int i = 0; i < W; ++i) vstore(dst + (i0 + i) * ldd + j0 * S, v[i]);
        }
        for (; i0 < cols; ++i0)
            for (int j = 0; j < W; ++j)
                st<T>(dst + i0 * ldd + (j0 + j) * S, ld<T>(src + (j0 + j) * ls + i0 * S));
    }
    for (; j0 < rows; ++j0)
        for (idx i = 0; i < cols; ++i)
            st<T>(dst + i * ldd + j0 * S, ld<T>(src + j0 * ls + i * S));
}

// A block (rows x cols = mc x kc) into slivers of MR rows: dst[sliver][k][i].
template <class T>
void pack_a(const char* src, idx rs, idx cs, idx rows, idx cols, void* dstv) {
    constexpr int MR = GemmShape<T>::MR;
    T* dst = static_cast<T*>(dstv);
    for (idx i0 = 0; i0 < rows; i0 += MR) {
        int h = rows - i0 < MR ? int(rows - i0) : MR;
        const char* base = src + i0 * rs;
        if (cs == idx(sizeof(T)) && rs != cs) {
            pack_kcontig<T, MR>(base, rs, h, cols, dst);
        } else if (h == MR) {
            for (idx k = 0; k < cols; ++k)
                for (int i = 0; i < MR; ++i) dst[k * MR + i] = ld<T>(base + i * rs + k * cs);
        } else {
            for (idx k = 0; k < cols; ++k)
                for (int i = 0; i < MR; ++i)
                    dst[k * MR + i] = i < h ? ld<T>(base + i * rs + k * cs) : T(0);
        }
        dst += MR * cols;
    }
}

// B block (rows x cols = kc x nc) into slivers of NR columns: dst[sliver][k][j].
template <class T>
void pack_b(const char* src, idx rs, idx cs, idx rows, idx cols, void* dstv) {
    constexpr int NR = GemmShape<T>::NR;
    T* dst = static_cast<T*>(dstv);
    if (cs == idx(sizeof(T)) && rs != cs && cols >= NR) {
        // row-major B: each source row read once, front to back, its full slivers' pieces
        // copied out (sliver by sliver, every row a strided walk, took about half of a
        // 16 x 288 x 196 product); the last partial sliver below
        const idx full = cols / NR;
        for (idx k = 0; k < rows; ++k) {
            const char* row = src + k * rs;
            T* d = dst + k * NR;
            for (idx s = 0; s < full; ++s)
                std::memcpy(d + s * NR * rows, row + s * NR * idx(sizeof(T)), NR * sizeof(T));
        }
        if (full * NR == cols) return;
        src += full * NR * cs;
        cols -= full * NR;
        dst += full * NR * rows;
    }
    for (idx j0 = 0; j0 < cols; j0 += NR) {
        int w = cols - j0 < NR ? int(cols - j0) : NR;
        const char* base = src + j0 * cs;
        if (w == NR && cs == idx(sizeof(T))) {
            for (idx k = 0; k < rows; ++k) std::memcpy(dst + k * NR, base + k * rs, NR * sizeof(T));
        } else if (rs == idx(sizeof(T)) && cs != rs) {
            pack_kcontig<T, NR>(base, cs, w, rows, dst);
        } else {
            for (idx k = 0; k < rows; ++k)
                for (int j = 0; j < NR; ++j)
                    dst[k * NR + j] = j < w ? ld<T>(base + k * rs + j * cs) : T(0);
        }
        dst += NR * rows;
    }
}

// C[0..H) x [0..NR) (+)= A sliver * Bpacked sliver. Direct = false: A packed (MR rows, H of
// them used; a is T*, lda unused). Direct = true: A read in place, row i at a + i * lda bytes
// with its k run contiguous (a row-major A needs no packing: the broadcasts read its rows).
// H < MR is a last partial sliver of A: its rows are computed without the zero rows' work.
template <class T, bool Direct, int H = GemmShape<T>::MR>
inline void ukernel_any(idx kc, const char* a, idx lda, const T* __restrict b, T* __restrict c,
                        idx ldc, bool accumulate) {
    using V = typename VT<T>::V;
    constexpr int W = VT<T>::W;
    constexpr int MR = GemmShape<T>::MR;
    constexpr int NR = GemmShape<T>::NR;
    constexpr idx S = sizeof(T);
    V c0[H], c1[H];
    // The C tile is touched only after the k loop: start pulling it in now.
#pragma GCC unroll 16
    for (int i = 0; i < H; ++i) {
        __builtin_prefetch(c + i * ldc, 1);
        __builtin_prefetch(c + i * ldc + NR - 1, 1);
    }
#pragma GCC unroll 16
    for (int i = 0; i < H; ++i) c0[i] = c1[i] = V{};
    if constexpr (Direct) {
        const char* ar[H];
#pragma GCC unroll 16
        for (int i = 0; i < H; ++i) ar[i] = a + i * lda;
        for (idx k = 0; k < kc; ++k) {
            V b0, b1;
            std::memcpy(&b0, b, sizeof(V));
            std::memcpy(&b1, b + W, sizeof(V));
#pragma GCC unroll 16
            for (int i = 0; i < H; ++i) {
                V ai = splat<V>(ld<T>(ar[i] + k * S));
                c0[i] += ai * b0;
                c1[i] += ai * b1;
            }
            b += NR;
        }
    } else {
        const T* ap = reinterpret_cast<const T*>(a);
        for (idx k = 0; k < kc; ++k) {
            V b0, b1;
            std::memcpy(&b0, b, sizeof(V));
            std::memcpy(&b1, b + W, sizeof(V));
#pragma GCC unroll 16
            for (int i = 0; i < H; ++i) {
                V ai = splat<V>(ap[i]);
                c0[i] += ai * b0;
                c1[i] += ai * b1;
            }
            ap += MR;
            b += NR;
        }
    }
#pragma GCC unroll 16
    for (int i = 0; i < H; ++i) {
        T* row = c + i * ldc;
        if (accumulate) {
            c0[i] += vload<V>(reinterpret_cast<const char*>(row));
            c1[i] += vload<V>(reinterpret_cast<const char*>(row + W));
        }
        vstore(reinterpret_cast<char*>(row), c0[i]);
        vstore(reinterpret_cast<char*>(row + W), c1[i]);
    }
}

// ukernel_any<T, Direct, h> for a runtime row count 1 <= h <= H.
template <class T, bool Direct, int H = GemmShape<T>::MR>
inline void ukernel_rows(int h, idx kc, const char* a, idx lda, const T* b, T* c, idx ldc,
                         bool accumulate) {
    if constexpr (H > 1) {
        if (h < H) return ukernel_rows<T, Direct, H - 1>(h, kc, a, lda, b, c, ldc, accumulate);
    }
    ukernel_any<T, Direct, H>(kc, a, lda, b, c, ldc, accumulate);
}

// C[mc x nc] (+)= A * Bpacked; C rows are ldc bytes apart, columns contiguous. A is packed
// (Direct = false: apv is the packed block) or read in place (Direct = true: row i at
// apv + i * lda bytes, its k run contiguous).
template <class T, bool Direct>
void macro_any(const void* apv, idx lda, const void* bpv, idx mc, idx nc, idx kc, char* c,
               idx ldc, bool accumulate) {
    constexpr int MR = GemmShape<T>::MR;
    constexpr int NR = GemmShape<T>::NR;
    const char* ap = static_cast<const char*>(apv);
    const T* bp = static_cast<const T*>(bpv);
    const idx ldce = ldc / idx(sizeof(T));
    // byte offset of A's sliver starting at row i0
    const idx a_step = Direct ? lda : kc * idx(sizeof(T));
    alignas(64) T tile[MR * NR];
    for (idx j0 = 0; j0 < nc; j0 += NR) {
        int w = nc - j0 < NR ? int(nc - j0) : NR;
        const T* bs = bp + j0 * kc;
        for (idx i0 = 0; i0 < mc; i0 += MR) {
            int h = mc - i0 < MR ? int(mc - i0) : MR;
            const char* as = ap + i0 * a_step;
            T* ct = reinterpret_cast<T*>(c + i0 * ldc) + j0;
            if (w == NR && (ldc % idx(sizeof(T))) == 0 &&
                (reinterpret_cast<std::uintptr_t>(c) % sizeof(T)) == 0) {
                if (h == MR) ukernel_any<T, Direct>(kc, as, lda, bs, ct, ldce, accumulate);
                else ukernel_rows<T, Direct, MR - 1>(h, kc, as, lda, bs, ct, ldce, accumulate);
            } else {
                if (h == MR) ukernel_any<T, Direct>(kc, as, lda, bs, tile, NR, false);
                else ukernel_rows<T, Direct, MR - 1>(h, kc, as, lda, bs, tile, NR, false);
                for (int i = 0; i < h; ++i) {
                    char* row = c + (i0 + i) * ldc + j0 * idx(sizeof(T));
                    for (int j = 0; j < w; ++j) {
                        T v = tile[i * NR + j];
                        if (accumulate) v += ld<T>(row + j * idx(sizeof(T)));
                        st<T>(row + j * idx(sizeof(T)), v);
                    }
                }
            }
        }
    }
}

template <class T>
void macro_kernel(const void* apv, const void* bpv, idx mc, idx nc, idx kc, char* c, idx ldc,
                  bool accumulate) {
    macro_any<T, false>(apv, 0, bpv, mc, nc, kc, c, ldc, accumulate);
}

template <class T>
void macro_direct(const char* a, idx lda, const void* bpv, idx mc, idx nc, idx kc, char* c,
                  idx ldc, bool accumulate) {
    macro_any<T, true>(a, lda, bpv, mc, nc, kc, c, ldc, accumulate);
}

template <class T>
void fill_gemm_one(KernelTable& t) {
    constexpr DType d = std::is_same_v<T, float> ? F32 : F64;
    t.gemm[d].mr = GemmShape<T>::MR;
    t.gemm[d].nr = GemmShape<T>::NR;
    t.gemm[d].pack_a = pack_a<T>;
    t.gemm[d].pack_b = pack_b<T>;
    t.gemm[d].macro = macro_kernel<T>;
    t.gemm[d].macro_direct = macro_direct<T>;
    t.gemm[d].transpose = transpose_into<T>;
}

inline void fill_gemm(KernelTable& t) {
    fill_gemm_one<float>(t);
    fill_gemm_one<double>(t);
}

}  // namespace TRUENO_NS
}  // namespace trueno
