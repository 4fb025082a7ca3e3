#include "threadpool.hpp"

#include "fpe.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>

#include <pthread.h>
#include <string>
#include <system_error>
#include <vector>

namespace trueno {
namespace {

thread_local bool tl_in_pool = false;

// A message for the next Python-facing call (the pool may start without the GIL).
std::mutex g_note_mu;
std::string g_note;

struct Job {
    const std::function<void(idx)>* fn = nullptr;
    idx n = 0;
    std::atomic<idx> next{0};
    std::atomic<idx> finished{0};
    std::atomic<int> fpe{0};  // workers' floating-point flags: hardware | software << 4
};

class Pool {
  public:
    explicit Pool(int nthreads) { start(nthreads); }

    ~Pool() { stop_all(); }

    int size() const { return nthreads_; }

    void resize(int nthreads) {
        std::lock_guard<std::mutex> busy(busy_);
        stop_all();
        start(nthreads);
    }

    void run(idx ntasks, const std::function<void(idx)>& fn) {
        if (ntasks <= 0) return;
        std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
        if (ntasks == 1 || nthreads_ <= 1 || tl_in_pool || !busy.owns_lock()) {
            for (idx i = 0; i < ntasks; ++i) fn(i);
            return;
        }
        auto job = std::make_shared<Job>();
        job->fn = &fn;
        job->n = ntasks;
        {
            std::lock_guard<std::mutex> lk(mu_);
            job_ = job;
            ++generation_;
        }
        cv_.notify_all();
        tl_in_pool = true;
        work(*job, false);
        tl_in_pool = false;
        // The last tasks are usually nearly done: spin briefly before sleeping.
        spin_until([&] { return job->finished.load(std::memory_order_acquire) >= job->n; });
        std::unique_lock<std::mutex> lk(mu_);
        done_cv_.wait(lk, [&] { return job->finished.load() >= job->n; });
        job_.reset();
        fpe_from_workers() |= job->fpe.load(std::memory_order_relaxed);
    }

  private:
    // Start up to nthreads - 1 workers. NOTE: std::thread throws std::system_error when the
    // process hits a thread or memory limit (RLIMIT_NPROC, a cgroup pids.max, RLIMIT_AS):
    // keep the workers that did start and run with them instead of failing (before, the
    // exception left started workers waiting on a condition variable being destroyed).
    void start(int nthreads) {
        nthreads = std::clamp(nthreads, 1, kMaxThreads);
        stop_ = false;
        workers_.reserve(size_t(nthreads - 1));
        std::string why;
        for (int i = 1; i < nthreads; ++i) {
            try {
                workers_.emplace_back([this] { loop(); });
            } catch (const std::system_error& e) {
                why = e.what();
                break;
            }
        }
        nthreads_ = 1 + int(workers_.size());
        if (nthreads_ < nthreads) {
            std::lock_guard<std::mutex> lk(g_note_mu);
            g_note = "trueno_simd: could start only " + std::to_string(nthreads_) + " of " +
                     std::to_string(nthreads) + " threads (" + why +
                     "); running with " + std::to_string(nthreads_);
        }
    }

    void stop_all() {
        {
            std::lock_guard<std::mutex> lk(mu_);
            stop_ = true;
        }
        cv_.notify_all();
        for (auto& t : workers_) t.join();
        workers_.clear();
    }

    // A worker clears its floating-point flags before each task and adds them to the job
    // before counting the task finished, so the caller sees them once every task is done.
    void work(Job& job, bool worker) {
        for (;;) {
            idx i = job.next.fetch_add(1);
            if (i >= job.n) return;
            if (worker) {
                fpe_hw_clear();
                fpe_sw() = 0;
            }
            (*job.fn)(i);
            if (worker) {
                const int f = fpe_hw_test() | (fpe_sw() << 4);
                if (f) job.fpe.fetch_or(f, std::memory_order_relaxed);
            }
            if (job.finished.fetch_add(1) + 1 == job.n) {
                std::lock_guard<std::mutex> lk(mu_);
                done_cv_.notify_all();
            }
        }
    }

    // Spin for up to kSpinUs waiting for pred. NOTE: waking a sleeping thread costs tens of
    // microseconds on virtual machines; a worker that just finished a job stays hot this long
    // so back-to-back parallel regions (GEMM blocks, consecutive kernels) start at once.
    template <class Pred>
    static bool spin_until(Pred pred) {
        constexpr int kSpinUs = 100;
        auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(kSpinUs);
        for (int i = 0;; ++i) {
            if (pred()) return true;
            if ((i & 63) == 63 && std::chrono::steady_clock::now() > until) return false;
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
        }
    }

    void loop() {
        tl_in_pool = true;
        std::uint64_t seen = 0;
        {
            std::lock_guard<std::mutex> lk(mu_);
            seen = generation_;
        }
        for (;;) {
            std::shared_ptr<Job> job;
            spin_until([&] { return stop_.load() || generation_.load() != seen; });
            {
                std::unique_lock<std::mutex> lk(mu_);
                cv_.wait(lk, [&] { return stop_ || generation_ != seen; });
                if (stop_) return;
                seen = generation_;
                job = job_;
            }
            if (job) work(*job, true);
        }
    }

    int nthreads_ = 1;
    std::atomic<bool> stop_{false};
    std::atomic<std::uint64_t> generation_{0};
    std::shared_ptr<Job> job_;
    std::vector<std::thread> workers_;
    std::mutex mu_, busy_;
    std::condition_variable cv_, done_cv_;
};

int default_threads() {
    // TRUENO_NUM_THREADS is validated by trueno-core; here a value that is not a positive
    // integer is ignored and a huge one is clamped.
    if (const char* env = std::getenv("TRUENO_NUM_THREADS")) {
        char* end = nullptr;
        long n = std::strtol(env, &end, 10);
        if (end != env && *end == '\0' && n > 0) return int(std::min<long>(n, kMaxThreads));
    }
    unsigned hc = std::thread::hardware_concurrency();
    return hc ? int(std::min<unsigned>(hc, unsigned(kMaxThreads))) : 1;
}

std::atomic<Pool*> g_pool{nullptr};
std::atomic<int> g_size{0};

// NOTE: after fork() the child has none of the parent's worker threads (and the pool's
// mutexes may be held by them): forget that pool, leak it, and start a fresh one on demand.
void after_fork_in_child() { g_pool.store(nullptr); }

Pool& pool() {
    // NOTE: leaked on purpose: joining threads from a static destructor at interpreter exit
    // can deadlock; idle workers blocked on the condition variable simply end with the process.
    Pool* p = g_pool.load(std::memory_order_acquire);
    if (p) return *p;
    static const bool registered = [] {
        pthread_atfork(nullptr, nullptr, after_fork_in_child);
        return true;
    }();
    (void)registered;
    int n = g_size.load();
    Pool* fresh = new Pool(n > 0 ? n : default_threads());
    Pool* expected = nullptr;
    if (g_pool.compare_exchange_strong(expected, fresh)) return *fresh;
    delete fresh;  // another thread won the race
    return *expected;
}

}  // namespace

int get_num_threads() { return pool().size(); }

std::string take_thread_note() {
    std::lock_guard<std::mutex> lk(g_note_mu);
    std::string s;
    s.swap(g_note);
    return s;
}

void set_num_threads(int n) {
    n = std::clamp(n, 1, kMaxThreads);
    g_size.store(n);
    pool().resize(n);
}

void parallel_for(idx ntasks, const std::function<void(idx)>& fn) { pool().run(ntasks, fn); }

void parallel_range(idx total, idx threshold, const std::function<void(idx, idx)>& fn) {
    idx nt = get_num_threads();
    if (total < threshold || nt <= 1 || tl_in_pool) {
        if (total > 0) fn(0, total);
        return;
    }
    nt = std::min<idx>(nt, std::max<idx>(1, total / std::max<idx>(1, threshold / 4)));
    const idx chunk = (total + nt - 1) / nt;
    pool().run(nt, [&](idx t) {
        idx b = t * chunk, e = std::min(total, b + chunk);
        if (b < e) fn(b, e);
    });
}

}  // namespace trueno
