// Shared definitions for every translation unit: dtypes, byte-pointer loads, the kernel table.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace trueno {

using idx = std::ptrdiff_t;

// Storage dtypes the kernels know. B1 is numpy bool (one byte, 0 or 1).
enum DType : int { B1, I8, I16, I32, I64, U8, U16, U32, U64, F16, BF16, F32, F64, NDT };

// NOTE: inputs may sit at any byte offset (views of byte buffers), so every scalar access goes
// through memcpy; the compiler turns it into a plain (unaligned) load and still vectorises.
template <class T>
inline T ld(const char* p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
}
template <class T>
inline void st(char* p, T v) {
    std::memcpy(p, &v, sizeof(T));
}

enum BinOp : int { ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM, POW, EQ, NE, LT, LE, GT, GE, NBIN };
enum UnOp : int {
    EXP, LOG, TANH, SIGMOID, ERF, SIN, COS, SQRT, NEG, ABS, SILU, GELU, GELU_TANH, NUN
};

// 1-D inner loops. Input strides are in bytes (0 = broadcast); the output is contiguous.
using BinLoop = void (*)(const char* a, idx sa, const char* b, idx sb, char* o, idx n);
using UnLoop = void (*)(const char* a, idx sa, char* o, idx n);
using WhereLoop = void (*)(const char* c, idx sc, const char* x, idx sx, const char* y, idx sy,
                           char* o, idx n);
using AddcmulLoop = void (*)(const char* x, idx sx, const char* a, idx sa, const char* b, idx sb,
                             char* o, idx n, double value);

// Reductions over one strided run of n elements.
using FSumRun = double (*)(const char* p, idx s, idx n);                // pairwise
using ISumRun = std::uint64_t (*)(const char* p, idx s, idx n);         // wrapping
using MinMaxRun = void (*)(const char* p, idx s, idx n, char* best);    // NaN-propagating
using ArgRun = void (*)(const char* p, idx s, idx n, idx base, char* best, std::int64_t* at);
using ShiftRun = double (*)(const char* p, idx s, idx n, double c);     // sum f(x - c)
// softmax helpers: o[i] = exp(x[i] - c) returning the sum; o[i] *= f; o[i] = (x[i] - c) - c2
using ExpStoreRun = double (*)(const char* p, idx s, char* o, idx so, idx n, double c);
using ScaleRun = void (*)(char* o, idx so, idx n, double f);
using SubStoreRun = void (*)(const char* p, idx s, char* o, idx so, idx n, double c,
                             double c2);
// softmax (log=false) or log_softmax of many short rows at once (n <= kSoftmaxShortRow)
using SoftmaxRowsRun = void (*)(const char* p, const idx* xoff, idx s, char* o, const idx* ooff,
                                idx so, idx rows, idx n, bool log);
constexpr idx kSoftmaxShortRow = 32;  // measured: rows of 48 are faster one at a time
// layer norm of one contiguous row: o = (x - mean) * rstd * w + b (w, b may be null)
using NormRowRun = void (*)(const char* p, idx s, char* o, idx n, double mean, double rstd,
                            const char* w, idx sw, const char* b, idx sb);

// GEMM pieces (T = float or double); the driver in gemm.cpp does blocking and threading.
using PackFn = void (*)(const char* src, idx rs, idx cs, idx rows, idx cols, void* dst);
using MacroFn = void (*)(const void* ap, const void* bp, idx mc, idx nc, idx kc, char* c,
                         idx ldc, bool accumulate);
using MacroDirectFn = void (*)(const char* a, idx lda, const void* bp, idx mc, idx nc, idx kc,
                               char* c, idx ldc, bool accumulate);

using TransposeFn = void (*)(const void* src, idx ls, idx rows, idx cols, char* dst, idx ld);

struct GemmKernels {
    int mr = 0, nr = 0;
    PackFn pack_a = nullptr;  // rows x cols (mc x kc) into MR slivers, zero padded
    PackFn pack_b = nullptr;  // rows x cols (kc x nc) into NR slivers, zero padded
    MacroFn macro = nullptr;
    // as macro, with A read in place: row i at a + i * lda bytes, its k run contiguous
    MacroDirectFn macro_direct = nullptr;
    // dst (cols x rows, rows ld bytes apart) = the transpose of src (rows x cols, ls apart)
    TransposeFn transpose = nullptr;
};

struct KernelTable {
    const char* name = "";
    BinLoop bin[NBIN][NDT] = {};
    UnLoop un[NUN][NDT] = {};
    WhereLoop where[4] = {};  // by log2(itemsize)
    AddcmulLoop addcmul[NDT] = {};
    FSumRun fsum[NDT] = {};
    ISumRun isum[NDT] = {};
    MinMaxRun max[NDT] = {};
    MinMaxRun min[NDT] = {};
    ArgRun argmax[NDT] = {};
    ArgRun argmin[NDT] = {};
    ShiftRun sqdev[NDT] = {};   // sum (x - c)^2
    ShiftRun absdev[NDT] = {};  // sum |x - c| (used with c = 0 for the 1-norm)
    ShiftRun maxabs[NDT] = {};  // max |x| (c ignored)
    ShiftRun sumexp[NDT] = {};  // sum exp(x - c)
    ExpStoreRun expstore[NDT] = {};
    ScaleRun scale[NDT] = {};
    SubStoreRun substore[NDT] = {};
    SoftmaxRowsRun softmax_rows[NDT] = {};
    NormRowRun normrow[NDT] = {};
    GemmKernels gemm[NDT] = {};
};

// One per ISA; each is compiled with its own flags (see CMakeLists.txt).
void fill_table_baseline(KernelTable& t);
void fill_table_avx2(KernelTable& t);
void fill_table_avx512(KernelTable& t);

// The table chosen at import time.
const KernelTable& table();

}  // namespace trueno
