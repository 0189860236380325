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
//
// With --latency: for every available language, the time to judge its
// smallest real program (tests/languages/<key>/ac.*, an a+b) on one test:
// compile and run with an empty compile cache (cold), then the same
// submission again (a cache hit: the run alone). R rounds (default 3), each
// with a fresh cache; medians. No prepared boxes: one submission at a time
// is what a user waiting for an answer sees.
//
//   bench_judge --latency [--reps R]
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "judge/languages.hpp"
#include "judge/pipeline.hpp"
#include "judge/verdict.hpp"
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

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream text;
    text << f.rdbuf();
    return text.str();
}

// The file of `dir` whose name starts with "ac.", or "".
std::string ac_program(const std::string& dir) {
    std::string found;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (dirent* e = ::readdir(d))
            if (std::string(e->d_name).rfind("ac.", 0) == 0) found = dir + "/" + e->d_name;
        ::closedir(d);
    }
    return found;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

int usage() {
    std::fprintf(stderr,
                 "usage: bench_judge [--tests N] [--workers W] [--pool P] [--lang KEY] [--work DIR]\n"
                 "       bench_judge --latency [--reps R]\n");
    return 2;
}

int latency(int reps) {
    std::printf("command: bench_judge --latency --reps %d\n", reps);
    const judge::Catalog catalog = judge::Catalog::load(JUDGE_SOURCE_DIR "/schema/languages.json");
    const std::string tests = JUDGE_SOURCE_DIR "/tests/languages";
    const judge::TestCase test{"1", tests + "/aplusb/1.in", tests + "/aplusb/1.ans"};
    std::printf("%-28s %12s %12s  %s\n", "language", "cold (ms)", "cache hit", "verdicts");
    int failures = 0;
    for (const judge::Language* l : catalog.available()) {
        const std::string file = ac_program(tests + "/" + l->key);
        if (file.empty()) continue;
        judge::Submission s;
        s.toolchain = catalog.toolchain(*l);
        s.source = read_file(file);
        s.tests = {test};
        s.limits.cpu_time_ms = 2000;
        s.limits.memory_bytes = 256ull << 20;
        std::vector<double> cold, hit;
        std::string verdicts;
        for (int r = 0; r < reps; ++r) {
            const judge::TempDir dir("/tmp", "bench-latency");  // removed however this ends
            judge::JudgeOptions opts;
            opts.work_dir = dir.path() + "/work";
            opts.cache_dir = dir.path() + "/cache";
            judge::Judge judge(opts);
            for (int round = 0; round < 2; ++round) {
                const double t0 = now_s();
                const judge::JudgeResult res = judge.judge(s);
                (round == 0 ? cold : hit).push_back((now_s() - t0) * 1000);
                if (round == 1 && !res.compile_cached) verdicts += "(no cache hit) ";
                verdicts += judge::short_name(res.verdict);
                verdicts += ' ';
                if (res.verdict != judge::Verdict::accepted) ++failures;
            }
        }
        std::printf("%-28s %12.1f %12.1f  %s\n", l->name.c_str(), median(cold), median(hit), verdicts.c_str());
        std::fflush(stdout);
    }
    return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == "--latency") {
        int reps = 3;
        if (argc == 4 && std::string(argv[2]) == "--reps") reps = std::atoi(argv[3]);
        else if (argc != 2) reps = 0;
        if (reps < 1) return usage();
        return latency(reps);
    }
    int tests = 1000;
    unsigned workers = std::max(1u, std::thread::hardware_concurrency());
    int pool = -1;
    std::string lang = "c";
    std::string work;
    for (int i = 1; i < argc; i += 2) {
        std::string a = argv[i];
        if (i + 1 == argc) a = "";  // an option without its value
        if (a == "--tests") tests = std::atoi(argv[i + 1]);
        else if (a == "--workers") workers = static_cast<unsigned>(std::atoi(argv[i + 1]));
        else if (a == "--pool") pool = std::atoi(argv[i + 1]);
        else if (a == "--lang") lang = argv[i + 1];
        else if (a == "--work") work = argv[i + 1];
        else return usage();
    }
    if (tests < 1 || workers < 1) return 2;
    sandbox::prepared::set_pool_size(pool >= 0 ? static_cast<unsigned>(pool) : workers);

    std::printf("command:");
    for (int i = 0; i < argc; ++i) std::printf(" %s", argv[i]);
    std::printf("\n");

    const judge::TempDir temp("/tmp", "bench-judge");  // removed however the bench ends
    const std::string& dir = temp.path();
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
    return other == 0 ? 0 : 1;
}
