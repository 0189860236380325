// The judging pipeline: compile once (in a box, through the compile cache),
// then run every test in a fresh box, compare, and turn each run into a
// verdict. Used by the `judge` CLI and by the service's workers.
//
// Thread-safety: a Judge may judge many submissions at once from many
// threads (the compile cache is shared).
// Errors: judge() throws std::invalid_argument for a malformed submission
// (see validate) before anything runs; it never throws for the program's
// behaviour; failures of the judge itself come back as Internal Error with a
// message.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "judge/comparator.hpp"
#include "judge/compile_cache.hpp"
#include "judge/verdict.hpp"
#include "sandbox/fd.hpp"
#include "sandbox/sandbox.hpp"

namespace judge {

// A language resolved for one submission: argv vectors, folders, limits.
struct Toolchain {
    std::string key;      // stable catalog key, e.g. "cpp17"
    std::string name;     // "C++ (GCC 12.2.0)"
    std::string version;  // detected on the host; part of the cache key
    enum class Source { text, executable, none };  // see judge::Language::Source
    Source source = Source::text;
    std::string source_file;           // empty when source is none
    std::string compile_if;            // the compile runs only when the program has this file
    std::string needs_file;            // the program must have this file: Compilation Error otherwise
    // Commands run in order in one folder, each must succeed; empty: nothing to compile.
    std::vector<std::vector<std::string>> compile;
    std::vector<std::string> run;      // run[heap_item] may hold {heap_mb}
    int heap_item = -1;                // index of the heap flag in run; -1: none
    std::vector<sandbox::Bind> binds;
    std::vector<std::string> env;  // the box's whole environment (compile and run)
    double time_multiplier = 1.0;
    std::uint64_t memory_extra_bytes = 0;
    std::uint32_t processes = 1;
    std::uint32_t compile_processes = 32;
};

struct Limits {
    std::uint64_t cpu_time_ms = 1000;
    std::uint64_t wall_time_ms = 0;         // 0: 2 * cpu + 1000 (after the multiplier)
    std::uint64_t extra_time_ms = 500;      // grace before the kill; TLE all the same
    std::uint64_t memory_bytes = 256ull << 20;
    std::uint64_t output_bytes = 64ull << 20;
    std::uint32_t processes = 0;            // 0: the toolchain's own need
    std::uint64_t stack_bytes = 0;          // 0: as large as the memory limit
    bool stderr_to_stdout = false;          // stderr goes where stdout goes (Judge0's redirect)
    // Outbound network (Judge0's enable_network), never the host's own:
    // only when an operator allows it; a box is offline otherwise.
    bool network = false;
};

struct CompileLimits {
    std::uint64_t cpu_time_ms = 15'000;
    std::uint64_t wall_time_ms = 20'000;
    std::uint64_t memory_bytes = 1024ull << 20;
    std::uint64_t output_bytes = 64ull << 20;   // each file the compiler writes
    std::size_t message_bytes = 64 * 1024;      // compiler output kept, then a marker
};

struct TestCase {
    std::string name;
    std::string input_path;   // host file
    std::string answer_path;  // host file
};

struct ExtraFile {
    std::string name;  // a relative path: '/'-separated, no empty, "." or ".." part
    std::string content;
    bool executable = false;  // written 0755 (else 0644)
    bool folder = false;      // an (empty) folder: content unused
};

struct Submission {
    Toolchain toolchain;
    std::string source;
    std::vector<ExtraFile> additional_files;  // beside the source, compiled with it
    Limits limits;
    CompileLimits compile_limits;
    CompareOptions compare;
    bool stop_at_first_failure = false;
    // false: no answers to compare against (a run that ends well is
    // Accepted, as in Judge0 without expected_output).
    bool compare_output = true;
    std::vector<TestCase> tests;
};

struct TestResult {
    std::string name;
    VerdictDetail verdict;
    std::uint64_t cpu_time_us = 0, wall_time_us = 0, memory_bytes = 0;
    int exit_code = 0, signal = 0;
    std::string stdout_excerpt, stderr_excerpt;  // bounded
    std::string message;                         // comparator's or the sandbox's
    bool skipped = false;                        // not run (stop at first failure)
};

struct JudgeResult {
    Verdict verdict = Verdict::internal_error;
    CompileOutcome compile;
    bool compile_cached = false;
    std::vector<TestResult> tests;
};

// Where one run of a compiled program (Judge::run_program) reads, writes and
// works. Descriptors stay the caller's: the sandbox takes its own duplicates
// for the length of the run and closes them when run_program returns.
struct RunIo {
    std::string stdin_path;  // host file; empty (and no stdin_fd): /dev/null
    int stdin_fd = -1;       // an open host descriptor (a pipe); wins over stdin_path
    int stdout_fd = -1;      // an open host descriptor; wins over out_dir's "stdout"
    // Host folder that receives the files "stdout" (unless stdout_fd) and
    // "stderr" (with Limits::stderr_to_stdout, stderr goes where stdout
    // goes). Empty: what has no other place is discarded.
    std::string out_dir;
    // The program's working folder: empty for a fresh one, removed after
    // the run; otherwise the caller's folder (it may hold files the program
    // reads; the artifact is added to it and it is left in place).
    std::string work_dir;
    std::vector<std::string> args;  // appended to the run command
};

// A fresh private folder (mode 0755) under `parent`, removed (without
// following links) when it goes out of scope. While it lives it holds an
// exclusive flock on itself: that is how sweep_leftovers (in this or another
// process on the same data folder) tells a live folder from a dead one's.
// A removal that fails is reported (see set_warning_sink) and tried again
// when the next TempDir is made. Throws std::system_error.
//
// With a bound, the folder is a tmpfs of its own of that many bytes and
// files (sandbox::make_bounded_tmpfs), locked like the folder beneath it
// before it is attached; full() tells whether what was written reached it.
struct WorkBound {
    std::uint64_t bytes = 256ull << 20;
    std::uint64_t files = 16384;
};

class TempDir {
public:
    TempDir(const std::string& parent, const char* prefix, const std::optional<WorkBound>& bound = std::nullopt);
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    // No byte or no file left in the bound (false without a bound).
    bool full() const;

private:
    std::string path_;
    sandbox::Fd lock_;
    sandbox::Fd bound_root_;  // the tmpfs's root, locked; empty without a bound
};

// Removes every folder under `parent` that no live TempDir holds (what a
// killed or failed run left). Returns how many it removed; failures are
// reported, never thrown.
std::size_t sweep_leftovers(const std::string& parent);

// Where the judge reports what it cannot throw (a folder it failed to
// remove). Default: one line on stderr. Safe to call at any time.
void set_warning_sink(std::function<void(const std::string&)> sink);

struct JudgeOptions {
    std::string work_dir = "/var/lib/judge/work";
    std::string cache_dir = "/var/lib/judge/compile-cache";
    std::uint64_t cache_bytes = 1ull << 30;
    std::size_t excerpt_bytes = 1024;
    // What one compile or one run may leave in its working folder; over it
    // is Output Limit Exceeded (a run) or Compilation Error (a compile).
    WorkBound work_bound;
};

class Judge {
public:
    explicit Judge(JudgeOptions opts);
    // Runs the whole submission; `on_test` (optional) sees each test's
    // result as it finishes.
    JudgeResult judge(const Submission& s, const std::function<void(const TestResult&)>& on_test = {});
    // Compiles (or finds in the cache) only.
    std::shared_ptr<const Artifact> compile(const Submission& s, bool* cached = nullptr);
    CompileCache& cache() { return cache_; }
    // Runs the compiled program once in a fresh box with the submission's
    // limits: the CPU budget is cpu_time_ms x the toolchain's
    // time_multiplier (applied here, once), killed at the budget plus
    // extra_time_ms, and a run over the budget is time_limit even if it
    // finished in the grace; wall 2 x budget + 1 s unless set. Never throws
    // for the program's behaviour; throws std::system_error when the
    // judge's own folders fail.
    sandbox::RunResult run_program(const Submission& s, const Artifact& a, const RunIo& io);
    const JudgeOptions& options() const { return opts_; }

private:
    TestResult run_test(const Submission& s, const Artifact& a, const TestCase& t, const std::string& out_dir);
    JudgeOptions opts_;
    // The cache's index is this process's alone: its files live in a folder
    // of this process's own under cache_dir (flock-held, so other judges on
    // the same data folder leave it be and sweep it once we are gone).
    TempDir cache_home_;
    CompileCache cache_;
};

// Throws std::invalid_argument naming what is wrong (an additional file that
// is not a plain file name, a toolchain without a run command).
void validate(const Submission& s);

// The cache key: language, toolchain version, command line and source.
std::string compile_key(const Submission& s);

}  // namespace judge
