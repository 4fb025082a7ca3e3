// A persistent std::thread pool. The calling thread takes part in every job; nested calls and
// calls that find the pool busy (another Python thread) run serially instead of waiting.
#pragma once
#include <functional>
#include <string>

#include "common.hpp"

namespace trueno {

// The most threads a pool will try to start; larger requests are clamped (the Python binding
// of set_num_threads rejects them).
constexpr int kMaxThreads = 1024;

int get_num_threads();
void set_num_threads(int n);  // n is clamped to [1, kMaxThreads]; fewer may start
// If the pool could not start all the threads it was asked for, the message saying so (once).
std::string take_thread_note();

// Run fn(i) for i in [0, ntasks) across the pool.
void parallel_for(idx ntasks, const std::function<void(idx)>& fn);

// Split [0, total) into contiguous chunks, one per thread, when total >= threshold;
// otherwise call fn(0, total) on this thread with no pool overhead.
void parallel_range(idx total, idx threshold, const std::function<void(idx, idx)>& fn);

// Element thresholds above which work is split across threads, measured on 2 pinned cores
// (README.md, "Threads"): waking the pool costs ~10-15 us, and memory-bound ops only gain
// once the data no longer fits in cache.
constexpr idx kGrainCheap = idx(1) << 17;       // add, multiply, compare, where
constexpr idx kGrainMath = idx(1) << 17;        // exp, log, tanh, sigmoid, softmax
constexpr idx kGrainScalarMath = idx(1) << 12;  // sin, cos, erf, pow through libm
constexpr idx kGrainReduce = idx(1) << 19;      // sum, max, var, ...

}  // namespace trueno
