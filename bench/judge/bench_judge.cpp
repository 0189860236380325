// bench_judge: how many tests per second the judge core grades, using both
// cores. A C a+b submission against N tests (default 1000), compiled once;
// the tests are split between W worker threads (default: the number of
// CPUs), each judging its share in fresh boxes, with a pool of prepared
// boxes (one per worker). Prints figures only.
//
// Besides the rate it prints the busy CPU time of the whole machine per test
// (from /proc/stat, over the timed part only): on two cores, 200 tests/s
// needs at most 10 ms of CPU per test, whoever spends it.
//
//   bench_judge [--tests N] [--workers W] [--pool P] [--lang KEY] [--work DIR]
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "judge/languages.hpp"
#include "judge/pipeline.hpp"
#include "judge/verdict.hpp"
#include "sandbox/fs_safe.hpp"
#include "sandbox/prepared.hpp"

namespace {

// Busy jiffies of all CPUs (user, nice, system, irq, softirq, steal).
long long busy_jiffies() {
    std::ifstream f("/proc/stat");
    std::string cpu;
    long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    f >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
    return user + nice + system + irq + softirq + steal;
}

double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

const char* kSource =
    "#include <stdio.h>\n"
    "int main(void) { long long a, b; if (scanf(\"%lld %lld\", &a, &b) != 2) return 1;"
    " printf(\"%lld\\n\", a + b); return 0; }\n";

}  // namespace

int main(int argc, char** argv) {
    int tests = 1000;
    unsigned workers = std::max(1u, std::thread::hardware_concurrency());
    int pool = -1;
    std::string lang = "c";
    std::string work;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string a = argv[i];
        if (a == "--tests") tests = std::atoi(argv[i + 1]);
        else if (a == "--workers") workers = static_cast<unsigned>(std::atoi(argv[i + 1]));
        else if (a == "--pool") pool = std::atoi(argv[i + 1]);
        else if (a == "--lang") lang = argv[i + 1];
        else if (a == "--work") work = argv[i + 1];
        else {
            std::fprintf(stderr, "usage: bench_judge [--tests N] [--workers W] [--pool P] [--lang KEY] [--work DIR]\n");
            return 2;
        }
    }
    if (tests < 1 || workers < 1) return 2;
    sandbox::prepared::set_pool_size(pool >= 0 ? static_cast<unsigned>(pool) : workers);

    std::printf("command:");
    for (int i = 0; i < argc; ++i) std::printf(" %s", argv[i]);
    std::printf("\n");

    char t[] = "/tmp/bench-judge-XXXXXX";
    const std::string dir = ::mkdtemp(t);
    std::vector<judge::TestCase> cases;
    for (int i = 0; i < tests; ++i) {
        const std::string base = dir + "/" + std::to_string(i + 1);
        std::ofstream(base + ".in") << i << " " << 2 * i + 1 << "\n";
        std::ofstream(base + ".ans") << 3 * i + 1 << "\n";
        cases.push_back({std::to_string(i + 1), base + ".in", base + ".ans"});
    }

    judge::Catalog catalog = std::getenv("JUDGE_LANGUAGES") ? judge::Catalog::load_default()
                                                            : judge::Catalog::load(JUDGE_SOURCE_DIR "/schema/languages.json");
    const judge::Language* l = catalog.by_key(lang);
    if (!l) {
        std::fprintf(stderr, "bench_judge: language %s is not available\n", lang.c_str());
        return 2;
    }
    judge::JudgeOptions opts;
    opts.work_dir = work.empty() ? dir + "/work" : work;
    opts.cache_dir = dir + "/cache";
    judge::Judge judge(opts);

    judge::Submission base;
    base.toolchain = catalog.toolchain(*l);
    base.source = kSource;
    base.limits.cpu_time_ms = 1000;
    base.limits.memory_bytes = 64ull << 20;

    // Compile once, outside the timed part (a cache hit from here on).
    const double c0 = now_s();
    auto art = judge.compile(base);
    const double compile_s = now_s() - c0;
    if (art->outcome.kind != judge::CompileOutcome::Kind::ok) {
        std::fprintf(stderr, "bench_judge: compile failed: %s\n", art->outcome.message.c_str());
        return 1;
    }
    ::usleep(200'000);  // let the pool fill

    std::atomic<int> accepted{0}, other{0};
    std::mutex print_mu;
    std::vector<double> latencies(static_cast<std::size_t>(tests));
    const long long j0 = busy_jiffies();
    const double t0 = now_s();
    std::vector<std::thread> threads;
    for (unsigned w = 0; w < workers; ++w) {
        threads.emplace_back([&, w] {
            judge::Submission s = base;
            s.tests.clear();
            std::vector<std::size_t> index;
            for (std::size_t i = w; i < cases.size(); i += workers) {
                s.tests.push_back(cases[i]);
                index.push_back(i);
            }
            std::size_t k = 0;
            double last = now_s();
            judge.judge(s, [&](const judge::TestResult& r) {
                const double now = now_s();
                latencies[index[k++]] = now - last;
                last = now;
                if (r.verdict.verdict == judge::Verdict::accepted) {
                    ++accepted;
                } else {
                    ++other;
                    std::lock_guard lk(print_mu);
                    std::fprintf(stderr, "test %s: %s %s %s\n", r.name.c_str(), judge::to_string(r.verdict.verdict),
                                 r.verdict.detail.c_str(), r.message.c_str());
                }
            });
        });
    }
    for (auto& th : threads) th.join();
    const double elapsed = now_s() - t0;
    const long long jiffies = busy_jiffies() - j0;
    const double cpu_ms_per_test = static_cast<double>(jiffies) * 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK)) / tests;
    std::sort(latencies.begin(), latencies.end());
    auto pct = [&](double p) { return latencies[static_cast<std::size_t>(p * (static_cast<double>(tests) - 1))] * 1000; };

    std::printf("language: %s; %d tests, %u workers, prepared-box pool %d\n", l->name.c_str(), tests, workers,
                pool >= 0 ? pool : static_cast<int>(workers));
    std::printf("compile (once, in a box): %.1f ms\n", compile_s * 1000);
    std::printf("accepted %d, other %d\n", accepted.load(), other.load());
    std::printf("elapsed %.2f s  ->  %.1f tests/s  (target >= 200/s)\n", elapsed, tests / elapsed);
    std::printf("busy CPU of the machine per test: %.2f ms  (200/s on 2 cores needs <= 10 ms)\n", cpu_ms_per_test);
    std::printf("per-test latency in a worker: median %.2f ms, p90 %.2f ms, p99 %.2f ms\n", pct(0.5), pct(0.9), pct(0.99));
    sandbox::remove_tree(dir);
    return other == 0 ? 0 : 1;
}
