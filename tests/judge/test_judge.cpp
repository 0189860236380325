// End-to-end tests of the judge core: real toolchains compiling and running
// real programs in real boxes. Needs root (the sandbox); tagged [root].
//
// For every language of schema/languages.json (all must be installed) with
// its programs in tests/languages/<key>/: ac, wa, ce (compiled languages),
// re, tle and mle (or those its PROGRAMS file lists) against the a+b tests.
// Then the compile cache and the compile-time attacks.
#include "judge/pipeline.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "judge/languages.hpp"
#include "sandbox/fs_safe.hpp"
#include "test_util.hpp"
#include "sandbox/prepared.hpp"

namespace {

using judge_test::read_file;

struct Env {
    std::string dir;
    judge::Catalog catalog;
    judge::Judge judge;
    std::vector<judge::TestCase> aplusb;

    static std::string make_dir() {
        char t[] = "/tmp/judge-test-XXXXXX";
        return ::mkdtemp(t);
    }
    Env() : Env(make_dir()) {}
    explicit Env(const std::string& d)
        : dir(d),
          catalog(judge::Catalog::load(std::string(JUDGE_SOURCE_DIR) + "/schema/languages.json")),
          judge(judge::JudgeOptions{d + "/work", d + "/cache", 256ull << 20, 1024, judge::WorkBound{}}) {
        const std::string tests = std::string(JUDGE_SOURCE_DIR) + "/tests/languages/aplusb";
        for (int i = 1; i <= 3; ++i)
            aplusb.push_back({std::to_string(i), tests + "/" + std::to_string(i) + ".in",
                              tests + "/" + std::to_string(i) + ".ans"});
    }
    ~Env() { sandbox::remove_tree(dir); }

    judge::Submission submission(const judge::Language& l, const std::string& source) const {
        judge::Submission s;
        s.toolchain = catalog.toolchain(l);
        s.source = source;
        s.tests = aplusb;
        s.limits.cpu_time_ms = 2000;
        s.limits.memory_bytes = 128ull << 20;
        s.stop_at_first_failure = true;
        return s;
    }
};

Env& env() {
    static Env e;
    return e;
}

// A folder's files as a program's additional files (what a multi-file
// program's zip would hold), folders included, executable bits kept.
std::vector<judge::ExtraFile> read_tree(const std::string& root, const std::string& rel = "") {
    std::vector<judge::ExtraFile> out;
    DIR* d = ::opendir((rel.empty() ? root : root + "/" + rel).c_str());
    REQUIRE(d);
    while (dirent* e = ::readdir(d)) {
        const std::string name = e->d_name;
        if (name == "." || name == "..") continue;
        const std::string r = rel.empty() ? name : rel + "/" + name;
        struct stat st {};
        REQUIRE(::stat((root + "/" + r).c_str(), &st) == 0);
        if (S_ISDIR(st.st_mode)) {
            out.push_back(judge::ExtraFile{r, "", false, true});
            for (auto& f : read_tree(root, r)) out.push_back(std::move(f));
        } else {
            out.push_back(judge::ExtraFile{r, read_file(root + "/" + r), (st.st_mode & 0100) != 0, false});
        }
    }
    ::closedir(d);
    return out;
}

// An Executable's source: the C program built on the host, static, as a
// client would send its binary.
std::string host_binary(const std::string& c_source) {
    const std::string out = env().dir + "/host-binary";
    ::unlink(out.c_str());
    const std::string cmd = "/usr/bin/gcc -O2 -static -o '" + out + "' '" + c_source + "'";
    REQUIRE(std::system(cmd.c_str()) == 0);
    return read_file(out);
}

}  // namespace

TEST_CASE("every language of the catalog: AC, WA, CE, RE, TLE, MLE with real programs", "[root][judge][languages]") {
    SKIP_UNLESS_ROOT();
    sandbox::prepared::set_pool_size(2);
    const std::map<std::string, judge::Verdict> expected = {
        {"ac", judge::Verdict::accepted},          {"wa", judge::Verdict::wrong_answer},
        {"ce", judge::Verdict::compilation_error}, {"re", judge::Verdict::runtime_error},
        {"tle", judge::Verdict::time_limit_exceeded}, {"mle", judge::Verdict::memory_limit_exceeded}};
    // The keys straight from the file, not through the catalog under test:
    // deploy/test.sh installs every toolchain, so each one must be judged.
    std::set<std::string> keys;
    for (const auto& entry :
         nlohmann::json::parse(read_file(std::string(JUDGE_SOURCE_DIR) + "/schema/languages.json")))
        keys.insert(entry.at("key").get<std::string>());
    std::set<std::string> judged;
    for (const judge::Language& lang : env().catalog.all()) {
        INFO(lang.key << " (" << lang.name_template << ")");
        INFO("unavailable: " << lang.unavailable_reason << " (deploy/install-languages.sh installs it)");
        CHECK(lang.available);
        if (!lang.available) continue;
        const judge::Language* l = &lang;
        const std::string dir = std::string(JUDGE_SOURCE_DIR) + "/tests/languages/" + l->key;
        // The programs it must have: its PROGRAMS file, else every kind
        // (ce only for a compiled language).
        std::vector<std::string> kinds;
        std::istringstream listed(read_file(dir + "/PROGRAMS"));
        for (std::string k; listed >> k;) kinds.push_back(k);
        if (kinds.empty()) kinds = {"ac", "wa", "re", "tle", "mle"};
        if (kinds.size() == 5 && l->compiled()) kinds.push_back("ce");
        // kind -> file name (a folder of files for a language whose program
        // is its files).
        const bool folders = l->source == judge::Language::Source::none;
        std::map<std::string, std::string> files;
        if (DIR* d = ::opendir(dir.c_str())) {
            while (dirent* e = ::readdir(d)) {
                const std::string f = e->d_name;
                if (f[0] == '.') continue;
                if (folders && e->d_type == DT_DIR) files[f] = f;
                else if (!folders && f.find('.') != std::string::npos) files[f.substr(0, f.find('.'))] = f;
            }
            ::closedir(d);
        }
        for (const auto& kind : kinds) {
            INFO(l->name << ": " << kind << " program in " << dir);
            REQUIRE(files.count(kind) == 1);
            REQUIRE(expected.count(kind) == 1);
            const std::string& f = files[kind];
            const std::string path = dir + "/" + f;
            judge::Submission s = env().submission(
                *l, folders ? ""
                            : l->source == judge::Language::Source::executable ? host_binary(path) : read_file(path));
            if (folders) s.additional_files = read_tree(path);
            // A slow VM needs time to reach the memory limit, not the time limit.
            if (kind == "mle") s.limits.cpu_time_ms = 10'000;
            // A TESTS file says how many of the a+b tests apply (Plain Text
            // and SQL cannot read their input: they answer one fixed test).
            if (const std::string n = read_file(dir + "/TESTS"); !n.empty()) s.tests.resize(std::stoul(n));
            judge::JudgeResult r = env().judge.judge(s);
            INFO("compile output: " << r.compile.message.substr(0, 2000));
            for (const auto& t : r.tests)
                INFO("test " << t.name << ": " << judge::short_name(t.verdict.verdict) << " " << t.verdict.detail
                             << " cpu " << t.cpu_time_us << " us, mem " << t.memory_bytes << " B; " << t.message
                             << " stderr: " << t.stderr_excerpt.substr(0, 500));
            CHECK(judge::short_name(r.verdict) == std::string(judge::short_name(expected.at(kind))));
        }
        judged.insert(l->key);
    }
    CHECK(judged == keys);
}

TEST_CASE("a multi-file program: no run script is a Compilation Error that says so; its folders are kept",
          "[root][judge][multifile]") {
    SKIP_UNLESS_ROOT();
    const judge::Language* m = env().catalog.by_id(89);
    REQUIRE(m);
    judge::Submission s = env().submission(*m, "");
    s.additional_files = {{"compile", "echo compiled > made.txt\n", false, false}};
    judge::JudgeResult r = env().judge.judge(s);
    CHECK(r.verdict == judge::Verdict::compilation_error);
    CHECK(r.compile.message.find("no file named run") != std::string::npos);
    // Folders, deep ones and empty ones, arrive as they were; the box may
    // write in them, at compile time and at run time.
    s.additional_files = {{"lib", "", false, true},
                          {"lib/deep/er", "", false, true},
                          {"lib/deep/er/answer.txt", "3\n", false, false},
                          {"empty", "", false, true},
                          {"compile", "echo built > lib/deep/er/built.txt\n", false, false},
                          {"run", "test -d empty && echo x > empty/scratch && cat lib/deep/er/answer.txt\n", false, false}};
    s.tests.resize(1);  // 1 2 -> 3
    r = env().judge.judge(s);
    INFO(r.compile.message);
    for (const auto& t : r.tests) INFO(t.message << " " << t.stderr_excerpt);
    CHECK(r.verdict == judge::Verdict::accepted);
    // A source beside the files is refused by the judge as by the API.
    s.source = "echo hi";
    CHECK_THROWS_AS(env().judge.judge(s), std::invalid_argument);
}

TEST_CASE("a second compile of the same source does not start the compiler", "[root][judge][cache]") {
    SKIP_UNLESS_ROOT();
    const judge::Language* c = env().catalog.by_key("c");
    REQUIRE(c);
    judge::Submission s = env().submission(*c, "#include <stdio.h>\nint main(void){long a,b;scanf(\"%ld %ld\",&a,&b);"
                                               "printf(\"%ld\\n\",a+b);return 0;}\n/* cache test */\n");
    bool cached = true;
    env().judge.compile(s, &cached);
    CHECK_FALSE(cached);
    const auto before = env().judge.cache().stats();
    judge::JudgeResult r = env().judge.judge(s);
    CHECK(r.compile_cached);
    CHECK(r.verdict == judge::Verdict::accepted);
    CHECK(env().judge.cache().stats().hits == before.hits + 1);
    s.source += " ";  // any change is another key
    CHECK_FALSE(env().judge.judge(s).compile_cached);
}

TEST_CASE("additional files compile with the source and are part of the cache key", "[root][judge][cache]") {
    SKIP_UNLESS_ROOT();
    const judge::Language* c = env().catalog.by_key("c");
    REQUIRE(c);
    judge::Submission s = env().submission(*c, "#include <stdio.h>\n#include \"op.h\"\n"
                                               "int main(void){long a,b;scanf(\"%ld %ld\",&a,&b);"
                                               "printf(\"%ld\\n\",OP(a,b));return 0;}\n");
    s.additional_files = {{"op.h", "#define OP(a, b) ((a) + (b))\n"}};
    judge::JudgeResult r = env().judge.judge(s);
    INFO(r.compile.message);
    CHECK(r.verdict == judge::Verdict::accepted);
    s.additional_files = {{"op.h", "#define OP(a, b) ((a) - (b))\n"}};
    r = env().judge.judge(s);
    CHECK_FALSE(r.compile_cached);
    CHECK(r.verdict == judge::Verdict::wrong_answer);
    s.additional_files = {{"../op.h", "x"}};
    CHECK_THROWS_AS(env().judge.judge(s), std::invalid_argument);
}

TEST_CASE("compile-time attacks end as Compilation Error with the reason", "[root][judge][attacks]") {
    SKIP_UNLESS_ROOT();
    const judge::Language* cpp = env().catalog.by_key("cpp17");
    REQUIRE(cpp);
    struct Attack {
        const char* what;
        std::string source;
        const char* reason;  // in the compile message
    };
    std::string flood = "int main() {\n";
    for (int i = 0; i < 20000; ++i) flood += "  undefined_" + std::to_string(i) + "();\n";
    flood += "}\n";
    const std::vector<Attack> attacks = {
        {"#include \"/dev/zero\"", "#include \"/dev/zero\"\nint main(){}\n", "limit"},
        {"#include \"/etc/shadow\"", "#include \"/etc/shadow\"\nint main(){}\n", "/etc/shadow"},
        {"template recursion bomb",
         "template<int N> struct B { static const int v = B<N-1>::v + B<N-2>::v; };\n"
         "template<> struct B<0> { static const int v = 0; }; template<> struct B<1> { static const int v = 1; };\n"
         "template<int N> struct F { typedef typename F<N-1>::t t; }; template<> struct F<0> { typedef int t; };\n"
         "int main() { return B<40>::v + sizeof(F<100000>::t); }\n",
         "template instantiation depth exceeds"},
        {"megabytes of error messages", flood, "compiler output cut at"},
    };
    for (const auto& a : attacks) {
        INFO(a.what);
        judge::Submission s = env().submission(*cpp, a.source);
        s.compile_limits.cpu_time_ms = 5000;
        s.compile_limits.wall_time_ms = 10'000;
        s.compile_limits.memory_bytes = 512ull << 20;
        judge::JudgeResult r = env().judge.judge(s);
        INFO("compile output: " << r.compile.message.substr(0, 1500));
        CHECK(r.verdict == judge::Verdict::compilation_error);
        CHECK(r.compile.message.find(a.reason) != std::string::npos);
        CHECK(r.compile.message.size() <= s.compile_limits.message_bytes + 200);
    }
}

TEST_CASE("a compile stopped by a limit is not cached", "[root][judge][cache]") {
    SKIP_UNLESS_ROOT();
    const judge::Language* c = env().catalog.by_key("c");
    REQUIRE(c);
    judge::Submission s = env().submission(*c, "#include <stdio.h>\nint main(void){long a,b;scanf(\"%ld %ld\",&a,&b);"
                                               "printf(\"%ld\\n\",a+b);return 0;}\n/* limited compile */\n");
    // As an overloaded host would: the compiler cannot finish in the time.
    s.compile_limits.wall_time_ms = 1;
    judge::JudgeResult r = env().judge.judge(s);
    INFO(r.compile.message);
    CHECK(r.verdict == judge::Verdict::compilation_error);
    s.compile_limits = judge::CompileLimits{};
    r = env().judge.judge(s);
    INFO(r.compile.message);
    CHECK_FALSE(r.compile_cached);
    CHECK(r.verdict == judge::Verdict::accepted);
}

TEST_CASE("a program nesting folders 3,000 deep is Accepted and leaves nothing", "[root][judge][disk]") {
    SKIP_UNLESS_ROOT();
    const judge::Language* c = env().catalog.by_key("c");
    REQUIRE(c);
    // Deeper than a service's 1,024 descriptors would allow a remover that
    // keeps one per level; then the a+b answer.
    judge::Submission s = env().submission(
        *c, "#include <stdio.h>\n#include <sys/stat.h>\n#include <unistd.h>\n"
            "int main(void){for(int i=0;i<3000;++i){if(mkdir(\"d\",0755)||chdir(\"d\"))return 3;}"
            "long a,b;scanf(\"%ld %ld\",&a,&b);printf(\"%ld\\n\",a+b);return 0;}\n");
    // systemd's default soft limit for a service.
    rlimit old{};
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &old) == 0);
    rlimit lim = old;
    lim.rlim_cur = std::min<rlim_t>(old.rlim_cur, 1024);
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &lim) == 0);
    judge::JudgeResult r = env().judge.judge(s);
    ::setrlimit(RLIMIT_NOFILE, &old);
    INFO(r.compile.message);
    CHECK(r.verdict == judge::Verdict::accepted);
    std::vector<std::string> left;
    if (DIR* d = ::opendir((env().dir + "/work").c_str())) {
        while (dirent* e = ::readdir(d))
            if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") left.emplace_back(e->d_name);
        ::closedir(d);
    }
    INFO("left in work/: " << left.size());
    CHECK(left.empty());
}

namespace {

std::vector<std::string> entries_of(const std::string& dir) {
    std::vector<std::string> names;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (dirent* e = ::readdir(d))
            if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") names.emplace_back(e->d_name);
        ::closedir(d);
    }
    return names;
}

// Writes `count` files of `kib` KiB each into its working folder, going on
// past failed writes, then answers a+b and exits 0 as if all were well.
std::string writer_of(int count, int kib) {
    return "#include <stdio.h>\n#include <string.h>\n#include <fcntl.h>\n#include <unistd.h>\n"
           "static char buf[1024];\n"
           "int main(void){memset(buf,'x',sizeof buf);char n[32];"
           "for(int i=0;i<" + std::to_string(count) + ";++i){snprintf(n,sizeof n,\"f%d\",i);"
           "int fd=open(n,O_WRONLY|O_CREAT|O_TRUNC,0644);if(fd<0)continue;"
           "for(int k=0;k<" + std::to_string(kib) + ";++k)if(write(fd,buf,sizeof buf)<0)break;close(fd);}"
           "long a,b;scanf(\"%ld %ld\",&a,&b);printf(\"%ld\\n\",a+b);return 0;}\n";
}

}  // namespace

TEST_CASE("a run bounded in its working folder: 600 files of 1000 KiB are Output Limit Exceeded, and leave nothing",
          "[root][judge][disk]") {
    SKIP_UNLESS_ROOT();
    const judge::Language* c = env().catalog.by_key("c");
    REQUIRE(c);
    // The default bound (256 MiB, 16,384 files) against the files that
    // grew a host's data folder by ~580 MB, each under the per-file limit;
    // memory enough that the box's memory limit (its tmpfs pages count)
    // is not what stops it.
    judge::Submission s = env().submission(*c, writer_of(600, 1000));
    s.tests.resize(1);
    s.limits.memory_bytes = 768ull << 20;
    s.limits.wall_time_ms = 60'000;
    judge::JudgeResult r = env().judge.judge(s);
    INFO(r.compile.message);
    REQUIRE(r.tests.size() == 1);
    INFO(r.tests[0].message);
    CHECK(r.verdict == judge::Verdict::output_limit_exceeded);
    CHECK(r.tests[0].message.find("working folder reached its bound") != std::string::npos);
    CHECK(entries_of(env().dir + "/work").empty());

    // Files, not bytes: 20,000 empty ones are over 16,384.
    s = env().submission(*c, writer_of(20000, 0));
    s.tests.resize(1);
    r = env().judge.judge(s);
    REQUIRE(r.tests.size() == 1);
    INFO(r.tests[0].message);
    CHECK(r.verdict == judge::Verdict::output_limit_exceeded);
    // Under both bounds: Accepted.
    s = env().submission(*c, writer_of(100, 100));
    r = env().judge.judge(s);
    CHECK(r.verdict == judge::Verdict::accepted);
    CHECK(entries_of(env().dir + "/work").empty());
}

TEST_CASE("a compile that fills its working folder's bound is a Compilation Error saying so", "[root][judge][disk]") {
    SKIP_UNLESS_ROOT();
    const judge::Language* c = env().catalog.by_key("c");
    REQUIRE(c);
    judge::TempDir dir("/tmp", "judge-bound");
    judge::JudgeOptions o{dir.path() + "/work", dir.path() + "/cache", 64ull << 20, 1024, judge::WorkBound{8ull << 20, 256}};
    judge::Judge small(o);
    // A 16 MiB initialised array: the executable the linker writes is over
    // the 8 MiB bound.
    judge::Submission s = env().submission(*c, "char big[16 << 20] = {1};\nint main(void){return big[7];}\n");
    judge::JudgeResult r = small.judge(s);
    INFO(r.compile.message);
    CHECK(r.verdict == judge::Verdict::compilation_error);
    CHECK(r.compile.message.find("ran out of room (its working folder holds at most 8388608 bytes and 256 files)") != std::string::npos);
    CHECK(entries_of(o.work_dir).empty());
    // A bound is a limit (an operator may raise it): not cached.
    r = small.judge(s);
    CHECK(r.verdict == judge::Verdict::compilation_error);
    CHECK_FALSE(r.compile_cached);
    // The same bound holds a program that fits.
    s = env().submission(*c, "#include <stdio.h>\nint main(void){long a,b;scanf(\"%ld %ld\",&a,&b);"
                             "printf(\"%ld\\n\",a+b);return 0;}\n");
    r = small.judge(s);
    CHECK(r.verdict == judge::Verdict::accepted);
}
