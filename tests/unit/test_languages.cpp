#include "judge/languages.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "judge/pipeline.hpp"

using judge::Catalog;
using judge::CatalogError;
using judge::Language;
using nlohmann::json;
using Strings = std::vector<std::string>;

namespace {

// schema/languages.json of this source tree: looked for above this source
// file, the working folder and the test binary.
std::string real_schema() {
    const std::string self = __FILE__;
    std::vector<std::string> starts{self.find('/') == std::string::npos ? "." : self.substr(0, self.rfind('/')), "."};
    char buf[4096];
    if (const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1); n > 0) {
        std::string exe(buf, static_cast<std::size_t>(n));
        starts.push_back(exe.substr(0, exe.rfind('/')));
    }
    for (const auto& start : starts) {
        std::string dir = start;
        for (int up = 0; up < 6; ++up, dir += "/..") {
            const std::string p = dir + "/schema/languages.json";
            if (std::ifstream(p).good()) return p;
        }
    }
    FAIL("schema/languages.json not found above " << self << ", the working folder or the test binary");
    return {};
}

// A valid entry whose version command is /bin/echo, so it is available on
// any host with coreutils.
json entry(const std::string& key = "toy", int id = 1000) {
    return json{{"key", key},
                {"ids", {id}},
                {"name_template", "Toy ({version})"},
                {"version_cmd", {"/bin/echo", "toy version 1.2.3"}},
                {"version_regex", "version ([0-9.]+)"},
                {"source_file", "main.toy"},
                {"compile", {"/bin/true", "-o", "{binary}", "{source}", "{extra_flags}"}},
                {"binary", "main"},
                {"run", {"./main", "{args}"}},
                {"binds", json::array()},
                {"env", json::array()},
                {"time_multiplier", 1.0},
                {"memory_extra_mb", 0},
                {"processes", 4},
                {"compile_processes", 16},
                {"heap_flag", nullptr}};
}

judge::LoadOptions load_options(std::chrono::milliseconds timeout, bool detect) {
    judge::LoadOptions o;
    o.version_timeout = timeout;
    o.detect = detect;
    return o;
}

Catalog parse(const json& doc, const judge::LoadOptions& opts = {}) { return Catalog::parse(doc.dump(), "test.json", opts); }

// The message the catalog refuses `doc` with.
std::string refusal(const json& doc) {
    try {
        parse(doc);
    } catch (const CatalogError& e) {
        return e.what();
    }
    return "(accepted)";
}

}  // namespace

TEST_CASE("the real catalog loads and answers every Judge0 id of the shipped families", "[languages]") {
    const Catalog c = Catalog::load(real_schema());
    // Judge0 CE 1.13.1 ids of the families we ship (shared/JUDGE0-API.md).
    const std::vector<int> judge0 = {48, 49, 50, 52, 53, 54, 70, 71, 62, 63, 60, 73, 67, 72, 51, 61, 46, 43, 75, 76,
                                     44, 89, 85, 64, 68, 59, 77, 82, 45, 56, 65, 74, 69, 55, 80, 66, 79, 78, 81,
                                     88, 86, 58, 57};
    for (int id : judge0) {
        INFO("Judge0 id " << id);
        const Language* l = c.find(std::to_string(id));
        REQUIRE(l != nullptr);
        if (l->available) CHECK(c.by_id(id) == l);
    }
    std::vector<int> all_ids;
    for (const Language& l : c.all()) {
        INFO(l.key);
        CHECK(!l.ids.empty());
        all_ids.insert(all_ids.end(), l.ids.begin(), l.ids.end());
        if (l.available) {
            CHECK(!l.version.empty());
            const bool named = l.name.find(l.version) != std::string::npos ||
                               l.name_template.find("{version}") == std::string::npos;
            CHECK(named);
            CHECK(l.unavailable_reason.empty());
        } else {
            CHECK(!l.unavailable_reason.empty());
            CHECK(c.by_key(l.key) == nullptr);
        }
        // Our own variants take ids from 200 up, never a Judge0 one.
        for (int id : l.ids)
            if (std::find(judge0.begin(), judge0.end(), id) == judge0.end()) CHECK(id >= 200);
    }
    std::sort(all_ids.begin(), all_ids.end());
    CHECK(std::adjacent_find(all_ids.begin(), all_ids.end()) == all_ids.end());

    // The build needs gcc and g++, so C and C++ are always there.
    REQUIRE(c.by_id(50) != nullptr);
    CHECK(c.by_id(50)->key == "c");
    CHECK(c.by_id(48) == c.by_id(50));
    REQUIRE(c.by_id(54) != nullptr);
    CHECK(c.by_id(54)->name.rfind("C++ (GCC ", 0) == 0);
    CHECK(c.by_key("cpp17") == c.by_id(54));
    CHECK(c.by_name(c.by_id(54)->name) == c.by_id(54));
    CHECK(c.by_id(99999) == nullptr);
    CHECK(c.find("no-such-language") == nullptr);

    // Every offered id once, sorted by name.
    const auto offered = c.offered();
    for (std::size_t i = 1; i < offered.size(); ++i) CHECK(offered[i - 1].second->name <= offered[i].second->name);
    for (const auto* l : c.available())
        for (int id : l->ids)
            CHECK(std::count_if(offered.begin(), offered.end(), [&](const auto& o) { return o.first == id; }) == 1);
}

TEST_CASE("the real catalog's Java entry sizes its heap from the box's memory", "[languages]") {
    const Catalog c = Catalog::load(real_schema(), load_options(std::chrono::milliseconds(5000), false));
    const Language* java = c.find("java");
    REQUIRE(java != nullptr);
    const Strings run = java->run_argv({}, 256);
    const std::string want = "-Xmx" + std::to_string(256 + java->memory_extra_mb) + "m";
    CHECK(std::find(run.begin(), run.end(), want) != run.end());
    // detect = false: nothing is offered.
    CHECK(c.available().empty());
    CHECK(java->unavailable_reason == "not detected");
}

TEST_CASE("a version command finds the version and names the language", "[languages]") {
    const Catalog c = parse(json::array({entry()}));
    const Language* l = c.by_id(1000);
    REQUIRE(l != nullptr);
    CHECK(l->available);
    CHECK(l->version == "1.2.3");
    CHECK(l->name == "Toy (1.2.3)");
    CHECK(c.by_key("toy") == l);
    CHECK(c.by_name("Toy (1.2.3)") == l);
    CHECK(c.find("1000") == l);
    CHECK(c.find("toy") == l);
}

TEST_CASE("a missing or broken toolchain makes the language unavailable, never offered", "[languages]") {
    json missing = entry("missing", 1001);
    missing["version_cmd"] = {"/nonexistent/bin/toyc", "--version"};
    json bare_missing = entry("bare", 1002);
    bare_missing["version_cmd"] = {"no-such-toolchain-anywhere", "--version"};
    json failing = entry("failing", 1003);
    failing["version_cmd"] = {"/bin/false"};
    json mismatch = entry("mismatch", 1004);
    mismatch["version_cmd"] = {"/bin/echo", "no number here"};
    json no_bind = entry("nobind", 1005);
    no_bind["binds"] = {"/nonexistent/etc/toy"};
    json no_compiler = entry("nocompiler", 1006);
    no_compiler["compile"] = {"/nonexistent/bin/toyc", "{source}"};
    const Catalog c = parse(json::array({entry(), missing, bare_missing, failing, mismatch, no_bind, no_compiler}));

    REQUIRE(c.available().size() == 1);
    CHECK(c.offered().size() == 1);
    for (const char* key : {"missing", "bare", "failing", "mismatch", "nobind", "nocompiler"}) {
        INFO(key);
        const Language* l = c.find(key);
        REQUIRE(l != nullptr);
        CHECK_FALSE(l->available);
        CHECK(l->version.empty());
        CHECK(l->name == "Toy (unavailable)");
        CHECK(c.by_key(key) == nullptr);
        CHECK(c.by_id(l->ids.front()) == nullptr);
    }
    CHECK_THAT(c.find("missing")->unavailable_reason, Catch::Contains("No such file or directory"));
    CHECK_THAT(c.find("bare")->unavailable_reason, Catch::Contains("no-such-toolchain-anywhere"));
    CHECK_THAT(c.find("failing")->unavailable_reason, Catch::Contains("exit status 1"));
    CHECK_THAT(c.find("mismatch")->unavailable_reason, Catch::Contains("does not match"));
    CHECK_THAT(c.find("nobind")->unavailable_reason, Catch::Contains("/nonexistent/etc/toy"));
    CHECK_THAT(c.find("nocompiler")->unavailable_reason, Catch::Contains("/nonexistent/bin/toyc"));
}

TEST_CASE("a version command that hangs is killed at the timeout", "[languages]") {
    json slow = entry("slow", 1001);
    slow["version_cmd"] = {"/bin/sh", "-c", "sleep 30 & sleep 30"};
    const auto start = std::chrono::steady_clock::now();
    const Catalog c = parse(json::array({entry(), slow}), load_options(std::chrono::milliseconds(300), true));
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(took < std::chrono::seconds(5));
    CHECK(c.by_key("toy") != nullptr);
    const Language* l = c.find("slow");
    REQUIRE(l != nullptr);
    CHECK_FALSE(l->available);
    CHECK_THAT(l->unavailable_reason, Catch::Contains("no answer within 300 ms"));
}

TEST_CASE("malformed files are refused with the entry and the field named", "[languages]") {
    CHECK_THAT(refusal(json::object()), Catch::Contains("must be a JSON array"));
    CHECK_THAT(refusal(json::array()), Catch::Contains("holds no language"));
    {
        std::string msg;
        try {
            Catalog::parse("[{\"key\": \"x\",", "broken.json");
        } catch (const CatalogError& e) {
            msg = e.what();
        }
        CHECK_THAT(msg, Catch::StartsWith("broken.json: not valid JSON"));
    }
    {
        std::string msg;
        try {
            Catalog::load("/nonexistent/languages.json");
        } catch (const CatalogError& e) {
            msg = e.what();
        }
        CHECK_THAT(msg, Catch::Contains("/nonexistent/languages.json") && Catch::Contains("No such file"));
    }

    struct Case {
        const char* field;
        json value;  // null: remove the field
        const char* says;
    };
    const std::vector<Case> cases = {
        {"run", nullptr, "field \"run\": missing"},
        {"key", nullptr, "field \"key\": missing"},
        {"key", "C++", "lower-case"},
        {"ids", json::array(), "non-empty array"},
        {"ids", {50, 50}, "twice"},
        {"ids", {-1}, "positive"},
        {"ids", "50", "non-empty array"},
        {"name_template", "Toy {ver}", "unknown placeholder {ver}"},
        {"version_cmd", json::array(), "must not be empty"},
        {"version_cmd", "gcc --version", "array of strings"},
        {"version_regex", "[0-9.]+", "exactly one capture group"},
        {"version_regex", "([0-9.]+", "does not compile"},
        {"source_file", "src/main.c", "plain file name"},
        {"source_file", "..", "plain file name"},
        {"compile", {"/bin/true", "{sorce}"}, "unknown placeholder {sorce}"},
        {"compile", {"/bin/true", "-O2 {extra_flags}"}, "whole argv item"},
        {"compile", {"/bin/true", "{extra_flags}", "{extra_flags}"}, "once"},
        {"compile", {"{binary}"}, "item 0"},
        {"compile", json::array({json::array({"/bin/true"}), json::array({"{binary}"})}), "item 0"},
        {"compile", json::array({json::array({"/bin/true", "{extra_flags}"}), json::array({"/bin/true", "{extra_flags}"})}),
         "once"},
        {"compile", json::array({json::array()}), "must not be empty"},
        {"compile", json::array({json::array({"/bin/true"}), "/bin/true"}), "array of strings"},
        {"binary", nullptr, "field \"binary\": missing"},
        {"binary", "out/main", "plain file name"},
        {"run", json::array(), "must not be empty"},
        {"run", {"{binary}"}, "item 0"},
        {"run", {"./main", "{heap_flag}"}, "heap_flag is null"},
        {"run", {"./main", "{args}", "{args}"}, "once"},
        {"run", {"./main", ""}, "item 1 must not be empty"},
        {"binds", {"etc/mono"}, "absolute"},
        {"binds", {"/etc/../root"}, "absolute"},
        {"binds", {"/"}, "absolute"},
        {"env", {"HOME"}, "NAME=VALUE"},
        {"env", {"1X=2"}, "NAME=VALUE"},
        {"env", {"A=1", "A=2"}, "twice"},
        {"time_multiplier", 0, "above 0"},
        {"time_multiplier", "2", "above 0"},
        {"memory_extra_mb", -1, "integer from 0"},
        {"memory_extra_mb", 1.5, "integer from 0"},
        {"processes", 0, "integer from 1"},
        {"compile_processes", nullptr, "field \"compile_processes\": missing"},
        {"heap_flag", "-Xmx512m", "must contain {heap_mb}"},
        {"heap_flag", "-Xmx{heap_mb}m", "must contain {heap_flag}"},
        {"notes", 3, "string or null"},
        {"colour", "blue", "field \"colour\": unknown field"},
    };
    for (const auto& c : cases) {
        json e = entry();
        if (c.value.is_null()) {
            e.erase(c.field);
        } else {
            e[c.field] = c.value;
        }
        const std::string msg = refusal(json::array({entry("first", 999), e}));
        INFO(c.field << " = " << c.value.dump() << " -> " << msg);
        // The entry's position, its key (when it has a valid one) and the field.
        CHECK_THAT(msg, Catch::StartsWith("test.json: entry 1"));
        if (std::string(c.field) != "key") CHECK_THAT(msg, Catch::Contains("(\"toy\")"));
        CHECK_THAT(msg, Catch::Contains("field \"" + std::string(c.field) + "\"") || Catch::Contains("field \"run\""));
        CHECK_THAT(msg, Catch::Contains(c.says));
    }

    // Across entries.
    CHECK_THAT(refusal(json::array({entry("a", 1), entry("a", 2)})), Catch::Contains("\"a\" is used by an earlier entry"));
    CHECK_THAT(refusal(json::array({entry("a", 1), entry("b", 1)})), Catch::Contains("1 already belongs to \"a\""));
    json not_object = json::array({entry(), 42});
    CHECK_THAT(refusal(not_object), Catch::Contains("entry 1: must be an object"));
    json interpreted = entry();
    interpreted["compile"] = nullptr;
    CHECK_THAT(refusal(json::array({interpreted})), Catch::Contains("must be null when compile is null"));
    interpreted["binary"] = nullptr;
    interpreted["run"] = {"/bin/cat", "{binary}"};
    CHECK_THAT(refusal(json::array({interpreted})), Catch::Contains("unknown placeholder {binary}"));
}

TEST_CASE("placeholders expand into argv vectors, never shell strings", "[languages]") {
    json e = entry();
    e["compile"] = {"/usr/bin/mcs", "-out:{binary}", "{extra_flags}", "{source}"};
    e["binary"] = "main.exe";
    e["run"] = {"/usr/bin/mono", "{heap_flag}", "{binary}", "{args}", "--"};
    e["heap_flag"] = "--heap={heap_mb}M";
    e["memory_extra_mb"] = 64;
    const Catalog c = parse(json::array({e}));
    const Language* l = c.by_key("toy");
    REQUIRE(l != nullptr);
    CHECK(l->compiled());

    CHECK(l->compile_argv() == Strings{"/usr/bin/mcs", "-out:main.exe", "main.toy"});
    CHECK(l->compile_argv({"-O3", "-D X=1"}) == Strings{"/usr/bin/mcs", "-out:main.exe", "-O3", "-D X=1", "main.toy"});
    CHECK(l->run_argv({}, 256) == Strings{"/usr/bin/mono", "--heap=320M", "main.exe", "--"});
    CHECK(l->run_argv({"a b", "$HOME", ";rm -rf /"}, 100) ==
          Strings{"/usr/bin/mono", "--heap=164M", "main.exe", "a b", "$HOME", ";rm -rf /", "--"});
    // Without a memory figure {heap_mb} is left for the caller.
    CHECK(l->run_argv() == Strings{"/usr/bin/mono", "--heap={heap_mb}M", "main.exe", "--"});

    // The toolchain marks where the heap flag is: only that item gets the
    // box's memory later, never a submission argument spelling {heap_mb}.
    json args_first = e;
    args_first["run"] = {"/usr/bin/mono", "{args}", "{heap_flag}", "{binary}"};
    const Catalog c3 = parse(json::array({args_first}));
    const judge::Toolchain tc = c3.toolchain(*c3.by_key("toy"), {}, {"{heap_mb}", "x"});
    CHECK(tc.run == Strings{"/usr/bin/mono", "{heap_mb}", "x", "--heap={heap_mb}M", "main.exe"});
    CHECK(tc.heap_item == 3);
    CHECK(c.toolchain(*l).heap_item == 1);

    // Interpreted: nothing to compile, the source runs.
    json py = entry("py", 1001);
    py["compile"] = nullptr;
    py["binary"] = nullptr;
    py["source_file"] = "main.py";
    py["run"] = {"/usr/bin/python3", "{source}", "{args}"};
    const Catalog c2 = parse(json::array({py}));
    const Language* p = c2.by_key("py");
    REQUIRE(p != nullptr);
    CHECK_FALSE(p->compiled());
    CHECK(p->compile_argv({"-x"}).empty());
    CHECK(p->run_argv({"1"}) == Strings{"/usr/bin/python3", "main.py", "1"});
}

TEST_CASE("a compile may be several commands, run in order", "[languages]") {
    json e = entry();
    e["compile"] = json::array({json::array({"/bin/true", "-f", "elf64", "{extra_flags}", "{source}"}),
                                json::array({"/bin/true", "main.o", "-o", "{binary}"})});
    const Catalog c = parse(json::array({e}));
    const Language* l = c.by_key("toy");
    REQUIRE(l != nullptr);
    CHECK(l->compiled());
    const std::vector<Strings> want{{"/bin/true", "-f", "elf64", "-g", "main.toy"}, {"/bin/true", "main.o", "-o", "main"}};
    CHECK(l->compile_argvs({"-g"}) == want);
    CHECK(l->compile_argv({"-g"}) == want.front());
    CHECK(c.toolchain(*l, {"-g"}).compile == want);

    // The compile cache's key covers every step: a change in the second
    // one is another artifact; a single-step catalog keys as it always did.
    judge::Submission sub;
    sub.source = "x";
    sub.toolchain = c.toolchain(*l);
    const std::string key = judge::compile_key(sub);
    sub.toolchain.compile[1].push_back("-s");
    CHECK(judge::compile_key(sub) != key);
    judge::Submission joined = sub;
    joined.toolchain.compile = {sub.toolchain.compile[0]};
    joined.toolchain.compile[0].insert(joined.toolchain.compile[0].end(), sub.toolchain.compile[1].begin(),
                                       sub.toolchain.compile[1].end());
    CHECK(judge::compile_key(joined) != judge::compile_key(sub));

    // Every step's program must be on the host.
    json missing = e;
    missing["compile"][1][0] = "/nonexistent/bin/ld";
    const Catalog c2 = parse(json::array({missing}));
    CHECK_FALSE(c2.find("toy")->available);
    CHECK_THAT(c2.find("toy")->unavailable_reason, Catch::Contains("/nonexistent/bin/ld"));
}

TEST_CASE("the box environment takes the language's variables on top of the base", "[languages]") {
    json e = entry();
    e["env"] = {"HOME=/tmp", "GOCACHE=/tmp/gocache"};
    const Catalog c = parse(json::array({e}));
    const Language* l = c.by_key("toy");
    REQUIRE(l != nullptr);
    CHECK(l->box_env({"PATH=/usr/bin:/bin", "HOME=/box", "HOMEDIR=x"}) ==
          Strings{"PATH=/usr/bin:/bin", "HOME=/tmp", "HOMEDIR=x", "GOCACHE=/tmp/gocache"});
}

TEST_CASE("the pipeline's toolchain carries the expanded commands", "[languages]") {
    json e = entry();
    e["run"] = {"./main", "{heap_flag}", "{args}"};
    e["heap_flag"] = "-Xmx{heap_mb}m";
    e["binds"] = {"/etc"};
    e["env"] = {"A=1"};
    e["memory_extra_mb"] = 32;
    e["time_multiplier"] = 2.5;
    const Catalog c = parse(json::array({e}));
    const Language* l = c.by_key("toy");
    REQUIRE(l != nullptr);
    const judge::Toolchain t = c.toolchain(*l, {"-O3"}, {"x"});
    CHECK(t.key == "toy");
    CHECK(t.version == "1.2.3");
    CHECK(t.name == "Toy (1.2.3)");
    CHECK(t.compile == std::vector<Strings>{{"/bin/true", "-o", "main", "main.toy", "-O3"}});
    CHECK(t.run == Strings{"./main", "-Xmx{heap_mb}m", "x"});
    REQUIRE(t.binds.size() == 1);
    CHECK(t.binds[0].host_path == "/etc");
    CHECK_FALSE(t.binds[0].writable);
    // The box's default environment with the language's on top.
    CHECK(t.env == l->box_env(sandbox::RunSpec{}.env));
    CHECK(std::find(t.env.begin(), t.env.end(), "A=1") != t.env.end());
    CHECK(t.memory_extra_bytes == 32ull << 20);
    CHECK(t.time_multiplier == Approx(2.5));
    CHECK(t.processes == 4);
    CHECK(t.compile_processes == 16);
}

TEST_CASE("compiler options and arguments split like a shell would, without expansion", "[languages]") {
    using judge::split_words;
    CHECK(split_words("") == Strings{});
    CHECK(split_words("   \t\n") == Strings{});
    CHECK(split_words("-O2  -std=c++17\t-DX") == Strings{"-O2", "-std=c++17", "-DX"});
    CHECK(split_words("'a b' \"c d\" e\\ f") == Strings{"a b", "c d", "e f"});
    CHECK(split_words("-DMSG='\"hi there\"'") == Strings{"-DMSG=\"hi there\""});
    CHECK(split_words("\"a\\\"b\\\\c\\d\"") == Strings{"a\"b\\c\\d"});
    CHECK(split_words("$HOME `id` *.c ;") == Strings{"$HOME", "`id`", "*.c", ";"});
    CHECK(split_words("''") == Strings{""});
    CHECK(split_words("a\\\nb") == Strings{"ab"});
    CHECK_THROWS_AS(split_words("'open"), std::invalid_argument);
    CHECK_THROWS_AS(split_words("\"open"), std::invalid_argument);
    CHECK_THROWS_AS(split_words("trailing\\"), std::invalid_argument);
}

TEST_CASE("detection answers come from the cache while the toolchain is unchanged", "[languages]") {
    namespace fs = std::filesystem;
    char tmpl[] = "/tmp/judge-detect-cache-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    const std::string dir = tmpl;
    struct Cleanup {
        std::string dir;
        ~Cleanup() { std::error_code ec; fs::remove_all(dir, ec); }
    } cleanup{dir};
    // A fake toolchain: its version command counts its runs in a file.
    const std::string tool = dir + "/toyc", runs = dir + "/runs";
    auto write_tool = [&](const std::string& version) {
        std::ofstream(tool) << "#!/bin/sh\necho run >> " << runs << "\necho toy version " << version << "\n";
        REQUIRE(::chmod(tool.c_str(), 0755) == 0);
    };
    auto run_count = [&] {
        std::ifstream in(runs);
        int n = 0;
        for (std::string line; std::getline(in, line);) ++n;
        return n;
    };
    write_tool("1.0");
    json e = entry();
    e["version_cmd"] = {tool};
    judge::LoadOptions opts;
    opts.cache_dir = dir;

    CHECK(parse(json::array({e}), opts).by_key("toy")->version == "1.0");
    CHECK(run_count() == 1);
    REQUIRE(fs::exists(dir + "/languages-detected.json"));
    // Warm: the same program, argv and regex are not run again.
    CHECK(parse(json::array({e}), opts).by_key("toy")->version == "1.0");
    CHECK(run_count() == 1);
    // Another regex is another question.
    json other_regex = e;
    other_regex["version_regex"] = "toy version ([0-9]+)";
    CHECK(parse(json::array({other_regex}), opts).by_key("toy")->version == "1");
    CHECK(run_count() == 2);

    // The program changes (another mtime and size): it runs again.
    write_tool("2.0.1");
    struct timespec times[2] = {{0, UTIME_OMIT}, {1'000'000'000, 0}};
    REQUIRE(::utimensat(AT_FDCWD, tool.c_str(), times, 0) == 0);
    CHECK(parse(json::array({e}), opts).by_key("toy")->version == "2.0.1");
    CHECK(run_count() == 3);
    CHECK(parse(json::array({e}), opts).by_key("toy")->version == "2.0.1");
    CHECK(run_count() == 3);

    // A corrupt cache is ignored (and replaced).
    std::ofstream(dir + "/languages-detected.json") << "{not json";
    CHECK(parse(json::array({e}), opts).by_key("toy")->version == "2.0.1");
    CHECK(run_count() == 4);
    CHECK(parse(json::array({e}), opts).by_key("toy")->version == "2.0.1");
    CHECK(run_count() == 4);

    // A failing answer is never kept: the next load asks again.
    std::ofstream(tool) << "#!/bin/sh\necho run >> " << runs << "\nexit 3\n";
    REQUIRE(::utimensat(AT_FDCWD, tool.c_str(), times, 0) == 0);  // same mtime: the size tells
    CHECK_FALSE(parse(json::array({e}), opts).find("toy")->available);
    CHECK_FALSE(parse(json::array({e}), opts).find("toy")->available);
    CHECK(run_count() == 6);

    // No cache folder: every load runs it.
    write_tool("3.0");
    const int before = run_count();
    parse(json::array({e}));
    parse(json::array({e}));
    CHECK(run_count() == before + 2);
    // No temporary left behind.
    for (const auto& f : fs::directory_iterator(dir))
        CHECK(f.path().filename().string().rfind(".languages-detected", 0) != 0);
}
