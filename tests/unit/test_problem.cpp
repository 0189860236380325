#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "judge/problem.hpp"

namespace fs = std::filesystem;
using judge::Aggregation;
using judge::Checker;
using judge::CompareKind;
using judge::load_problem;
using judge::Problem;
using judge::ProblemError;
using judge::ProblemType;

namespace {

// A package built in a fresh temporary folder, removed afterwards.
class Package {
public:
    Package() {
        char tmpl[] = "/tmp/test_problem.XXXXXX";
        const char* d = ::mkdtemp(tmpl);
        REQUIRE(d != nullptr);
        base_ = d;
        root_ = base_ / "pkg";
        fs::create_directory(root_);
    }
    ~Package() {
        std::error_code ec;
        fs::remove_all(base_, ec);
    }
    Package(const Package&) = delete;
    Package& operator=(const Package&) = delete;

    const fs::path& root() const { return root_; }
    std::string dir() const { return root_.string(); }

    Package& write(const std::string& rel, const std::string& text) {
        const fs::path p = root_ / rel;
        fs::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << text;
        return *this;
    }
    // A test pair: "data/secret/1" writes 1.in and 1.ans.
    Package& test(const std::string& rel) { return write(rel + ".in", "1\n").write(rel + ".ans", "1\n"); }
    Package& mkdir(const std::string& rel) {
        fs::create_directories(root_ / rel);
        return *this;
    }

    // The smallest valid package: problem.yaml, one sample, two secret tests.
    static void minimal(Package& p, const std::string& yaml = "name: Minimal\n") {
        p.write("problem.yaml", yaml).test("data/sample/1").test("data/secret/b").test("data/secret/a");
    }

private:
    fs::path base_, root_;
};

std::string error_of(const std::string& dir) {
    try {
        load_problem(dir);
    } catch (const ProblemError& e) {
        return e.what();
    }
    return "";
}

// tests/problems of this source tree.
fs::path problems_dir() {
    for (fs::path d = fs::path(__FILE__).parent_path(); !d.empty() && d != d.root_path(); d = d.parent_path()) {
        if (fs::is_directory(d / "problems" / "aplusb")) return fs::canonical(d / "problems");
        if (fs::is_directory(d / "tests" / "problems" / "aplusb")) return fs::canonical(d / "tests" / "problems");
    }
    FAIL("tests/problems not found above " << __FILE__);
    return {};
}

}  // namespace

TEST_CASE("problem: a minimal package", "[problem]") {
    Package p;
    Package::minimal(p);
    const Problem pr = load_problem(p.dir());
    CHECK(pr.root == p.dir());
    CHECK(pr.short_name == "pkg");
    CHECK(pr.name == "Minimal");
    CHECK(pr.type == ProblemType::pass_fail);
    CHECK_FALSE(pr.interactive);
    CHECK(pr.time_limit_s == 1.0);
    CHECK(pr.memory_mb == 2048);
    CHECK(pr.output_mb == 8);
    CHECK(pr.max_score == 0);
    REQUIRE(pr.groups.size() == 2);
    CHECK(pr.groups[0].name == "sample");
    CHECK(pr.groups[0].sample);
    REQUIRE(pr.groups[0].tests.size() == 1);
    CHECK(pr.groups[0].tests[0].name == "sample/1");
    CHECK(pr.groups[0].tests[0].input_path == p.dir() + "/data/sample/1.in");
    CHECK(pr.groups[0].tests[0].answer_path == p.dir() + "/data/sample/1.ans");
    CHECK(pr.groups[1].name == "secret");
    CHECK_FALSE(pr.groups[1].sample);
    REQUIRE(pr.groups[1].tests.size() == 2);
    CHECK(pr.groups[1].tests[0].name == "secret/a");  // lexicographic
    CHECK(pr.groups[1].tests[1].name == "secret/b");
    CHECK(pr.groups[1].aggregation == Aggregation::pass_fail);
    CHECK(pr.groups[1].stop_on_reject);
    CHECK(pr.checker.protocol == Checker::Protocol::builtin);
    CHECK(pr.checker.compare.kind == CompareKind::tokens);
    CHECK(pr.checker.compare.case_insensitive);
    CHECK(pr.submissions.empty());
    // A trailing slash names the same package.
    CHECK(load_problem(p.dir() + "/").short_name == "pkg");
}

TEST_CASE("problem: names", "[problem]") {
    Package p;
    Package::minimal(p, "name:\n  de: Zwei\n  en: Two\n");
    CHECK(load_problem(p.dir()).name == "Two");
    p.write("problem.yaml", "name: {sv: Tre, de: Drei}\n");
    CHECK(load_problem(p.dir()).name == "Drei");  // no "en": the first by language code
    p.write("problem.yaml", "type: pass-fail\n");
    CHECK(load_problem(p.dir()).name == "pkg");
    p.write("problem.yaml", "");
    CHECK(load_problem(p.dir()).name == "pkg");
    p.write("problem.yaml", "name: [a]\n");
    CHECK(error_of(p.dir()) == "problem.yaml (name): must be a string or a map of language to string");
    p.write("problem.yaml", "name: {en: 3}\n");
    CHECK(error_of(p.dir()) == "problem.yaml (name.en): must be a string");
}

TEST_CASE("problem: limits and the .timelimit file", "[problem]") {
    Package p;
    Package::minimal(p, "limits:\n  time_limit: 2.5\n  memory: 512\n  output: 16\n  time_multiplier: 5\n");
    Problem pr = load_problem(p.dir());
    CHECK(pr.time_limit_s == 2.5);
    CHECK(pr.memory_mb == 512);
    CHECK(pr.output_mb == 16);

    p.write(".timelimit", "3\n");
    CHECK(load_problem(p.dir()).time_limit_s == 2.5);  // limits.time_limit wins
    p.write("problem.yaml", "limits:\n  memory: 64\n");
    CHECK(load_problem(p.dir()).time_limit_s == 3);
    p.write("problem.yaml", "name: x\n");
    CHECK(load_problem(p.dir()).time_limit_s == 3);
    p.write(".timelimit", "fast\n");
    CHECK(error_of(p.dir()) == ".timelimit: must hold a number of seconds above 0 and at most 3600");

    p.write(".timelimit", "1\n");
    p.write("problem.yaml", "limits:\n  time_limit: 0\n");
    CHECK(error_of(p.dir()) == "problem.yaml (limits.time_limit): must be above 0 and at most 3600 seconds");
    p.write("problem.yaml", "limits:\n  memory: 1.5\n");
    CHECK(error_of(p.dir()) == "problem.yaml (limits.memory): must be a whole number of MiB");
    p.write("problem.yaml", "limits:\n  time_limit: one\n");
    CHECK(error_of(p.dir()) == "problem.yaml (limits.time_limit): must be a number");
    p.write("problem.yaml", "limits: 3\n");
    CHECK(error_of(p.dir()) == "problem.yaml (limits): must be a mapping");
}

TEST_CASE("problem: types", "[problem]") {
    Package p;
    Package::minimal(p, "type: scoring\n");
    Problem pr = load_problem(p.dir());
    CHECK(pr.type == ProblemType::scoring);
    CHECK(pr.max_score == 100);
    CHECK(pr.groups[1].max_score == 100);
    CHECK(pr.groups[0].max_score == 0);

    p.write("problem.yaml", "type: [scoring, interactive]\n").write("output_validator/validator.cpp", "int main(){}\n");
    pr = load_problem(p.dir());
    CHECK(pr.type == ProblemType::scoring);
    CHECK(pr.interactive);
    CHECK(pr.checker.protocol == Checker::Protocol::kattis);

    p.write("problem.yaml", "validation: custom interactive\n");
    pr = load_problem(p.dir());
    CHECK(pr.type == ProblemType::pass_fail);
    CHECK(pr.interactive);

    p.write("problem.yaml", "type: multi-pass\n");
    CHECK(error_of(p.dir()) == "problem.yaml (type): problem type multi-pass is not supported");
    p.write("problem.yaml", "type: batch\n");
    CHECK(error_of(p.dir()) == "problem.yaml (type): unknown problem type \"batch\"");
    p.write("problem.yaml", "type: [pass-fail, scoring]\n");
    CHECK(error_of(p.dir()) == "problem.yaml (type): pass-fail and scoring exclude each other");
    p.write("problem.yaml", "validation: custom sideways\n");
    CHECK(error_of(p.dir()) == "problem.yaml (validation): unknown modifier \"sideways\"");
    p.write("problem.yaml", "validation: default\n");
    CHECK(error_of(p.dir()) == "problem.yaml: validation: default, but the package has an output validator folder");

    fs::remove_all(p.root() / "output_validator");
    p.write("problem.yaml", "type: interactive\n");
    CHECK(error_of(p.dir()) ==
          "problem.yaml: an interactive problem needs an output validator (output_validators/ or output_validator/)");
    p.write("problem.yaml", "validation: custom\n");
    CHECK(error_of(p.dir()) == "problem.yaml: validation: custom needs output_validators/");
}

TEST_CASE("problem: groups, max scores and require_pass", "[problem]") {
    Package p;
    p.write("problem.yaml", "type: scoring\n")
        .test("data/sample/1")
        .test("data/secret/g2/1")
        .test("data/secret/g2/2")
        .test("data/secret/g1/1")
        .test("data/secret/g3/1")
        .test("data/secret/g4/1")
        .write("data/secret/g1/testdata.yaml", "max_score: 20\nscore_aggregation: pass-fail\n")
        .write("data/secret/g2/testdata.yaml", "score_aggregation: sum\nrequire_pass: [sample, g1]\n")
        .write("data/secret/g3/testdata.yaml", "score_aggregation: min\nrequire_pass: secret/g2\n")
        .write("data/secret/g4/testdata.yaml", "max_score: 10\non_reject: break\nscore_aggregation: sum\n");
    Problem pr = load_problem(p.dir());
    REQUIRE(pr.groups.size() == 5);
    CHECK(pr.groups[0].name == "sample");
    CHECK(pr.groups[1].name == "secret/g1");
    CHECK(pr.groups[2].name == "secret/g2");
    CHECK(pr.groups[3].name == "secret/g3");
    CHECK(pr.groups[4].name == "secret/g4");
    CHECK(pr.groups[2].tests[0].name == "secret/g2/1");
    CHECK(pr.groups[1].max_score == 20);
    CHECK(pr.groups[2].max_score == 35);  // (100 - 20 - 10) / 2
    CHECK(pr.groups[3].max_score == 35);
    CHECK(pr.groups[4].max_score == 10);
    CHECK(pr.max_score == 100);
    CHECK(pr.groups[1].aggregation == Aggregation::pass_fail);
    CHECK(pr.groups[2].aggregation == Aggregation::sum);
    CHECK(pr.groups[3].aggregation == Aggregation::min);
    CHECK(pr.groups[1].stop_on_reject);
    CHECK_FALSE(pr.groups[2].stop_on_reject);
    CHECK_FALSE(pr.groups[3].stop_on_reject);
    CHECK(pr.groups[4].stop_on_reject);  // on_reject: break
    CHECK(pr.groups[2].require_pass == std::vector<std::string>{"sample", "secret/g1"});
    CHECK(pr.groups[3].require_pass == std::vector<std::string>{"secret/g2"});

    // A total for secret, named in its own testdata.yaml.
    p.write("data/secret/testdata.yaml", "max_score: 50\n");
    pr = load_problem(p.dir());
    CHECK(pr.groups[2].max_score == 10);
    CHECK(pr.max_score == 50);
    p.write("data/secret/testdata.yaml", "max_score: 25\n");
    CHECK(error_of(p.dir()).rfind("data/secret: the groups' max_score add up to 30, above the total 25", 0) == 0);
    fs::remove(p.root() / "data/secret/testdata.yaml");

    // A pass-fail problem scores nothing, groups or not.
    p.write("problem.yaml", "type: pass-fail\n");
    pr = load_problem(p.dir());
    CHECK(pr.max_score == 0);
    CHECK(pr.groups[1].max_score == 0);

    p.write("data/secret/g1/testdata.yaml", "require_pass: g2\n");
    CHECK(error_of(p.dir()) == "data/secret/g1/testdata.yaml (require_pass): \"g2\" is not an earlier group");
    p.write("data/secret/g1/testdata.yaml", "require_pass: g1\n");
    CHECK(error_of(p.dir()) == "data/secret/g1/testdata.yaml (require_pass): \"g1\" is not an earlier group");
    p.write("data/secret/g1/testdata.yaml", "require_pass: nowhere\n");
    CHECK(error_of(p.dir()) == "data/secret/g1/testdata.yaml (require_pass): \"nowhere\" is not an earlier group");
    p.write("data/secret/g1/testdata.yaml", "require_pass: ../g2\n");
    CHECK(error_of(p.dir()) == "data/secret/g1/testdata.yaml (require_pass): bad group name \"../g2\"");
    p.write("data/secret/g1/testdata.yaml", "score_aggregation: max\n");
    CHECK(error_of(p.dir()) ==
          "data/secret/g1/testdata.yaml (score_aggregation): must be pass-fail, sum or min, not \"max\"");
    p.write("data/secret/g1/testdata.yaml", "max_score: unbounded\n");
    CHECK(error_of(p.dir()) ==
          "data/secret/g1/testdata.yaml (max_score): must be a number (unbounded scores are not supported)");
    p.write("data/secret/g1/testdata.yaml", "max_score: [\n");
    CHECK(error_of(p.dir()) == "data/secret/g1/testdata.yaml: line 1: unterminated flow collection");
}

TEST_CASE("problem: legacy testdata.yaml keys and inheritance", "[problem]") {
    Package p;
    p.write("problem.yaml", "type: scoring\nvalidator_flags: case_sensitive\n")
        .test("data/secret/g1/1")
        .test("data/secret/g1/2")
        .test("data/secret/g2/1")
        .write("data/testdata.yaml", "on_reject: continue\noutput_validator_flags: space_change_sensitive\n")
        .write("data/secret/g1/testdata.yaml", "grading: default\ngrader_flags: sum ignore_sample\naccept_score: 5\n")
        .write("data/secret/g2/testdata.yaml", "grader_flags: min first_error\nrange: 0 100\n");
    const Problem pr = load_problem(p.dir());
    REQUIRE(pr.groups.size() == 2);  // no sample folder
    CHECK(pr.groups[0].aggregation == Aggregation::sum);
    CHECK(pr.groups[0].max_score == 10);  // accept_score 5 x 2 tests
    CHECK(pr.groups[1].aggregation == Aggregation::min);
    CHECK(pr.groups[1].max_score == 90);
    CHECK_FALSE(pr.groups[0].stop_on_reject);  // inherited from data/testdata.yaml
    CHECK(pr.groups[0].validator_args == std::vector<std::string>{"case_sensitive", "space_change_sensitive"});
    CHECK(pr.checker.compare.case_insensitive == false);

    p.write("data/secret/g2/testdata.yaml", "grader_flags: accept_if_any_accepted\n");
    CHECK(error_of(p.dir()) ==
          "data/secret/g2/testdata.yaml (grader_flags): unsupported grader flag \"accept_if_any_accepted\"");
    p.write("data/secret/g2/testdata.yaml", "grading: custom\n");
    CHECK(error_of(p.dir()) ==
          "data/secret/g2/testdata.yaml (grading): only the default grader is supported, not \"custom\"");
    p.write("data/secret/g2/testdata.yaml", "on_reject: stop\n");
    CHECK(error_of(p.dir()) == "data/secret/g2/testdata.yaml (on_reject): must be break or continue, not \"stop\"");
    p.write("data/secret/g2/testdata.yaml", "output_validator_args: [float_tolerance, x]\n");
    CHECK(error_of(p.dir()) ==
          "data/secret/g2/testdata.yaml: validator flag float_tolerance needs a non-negative number, not \"x\"");
}

TEST_CASE("problem: test data refusals", "[problem]") {
    SECTION("an input without its answer") {
        Package p;
        Package::minimal(p);
        p.write("data/secret/c.in", "1\n");
        CHECK(error_of(p.dir()) == "data/secret/c.in: has no answer file c.ans");
    }
    SECTION("an answer without its input") {
        Package p;
        Package::minimal(p);
        p.write("data/sample/2.ans", "1\n");
        CHECK(error_of(p.dir()) == "data/sample/2.ans: has no input file 2.in");
    }
    SECTION("tests and groups side by side") {
        Package p;
        Package::minimal(p);
        p.test("data/secret/g/1");
        CHECK(error_of(p.dir()) == "data/secret: holds both tests and groups (folders)");
    }
    SECTION("nested groups") {
        Package p;
        p.write("problem.yaml", "").test("data/secret/g/sub/1");
        CHECK(error_of(p.dir()) == "data/secret/g/sub: groups do not nest");
    }
    SECTION("an empty group") {
        Package p;
        p.write("problem.yaml", "").test("data/secret/g/1").mkdir("data/secret/h");
        CHECK(error_of(p.dir()) == "data/secret/h: a group without tests");
    }
    SECTION("no secret tests") {
        Package p;
        p.write("problem.yaml", "").test("data/sample/1");
        CHECK(error_of(p.dir()) == "data/secret: missing");
        p.mkdir("data/secret");
        CHECK(error_of(p.dir()) == "data/secret: has no tests");
    }
    SECTION("no data, no problem.yaml") {
        Package p;
        p.write("problem.yaml", "");
        CHECK(error_of(p.dir()) == "data: missing");
        fs::remove(p.root() / "problem.yaml");
        CHECK(error_of(p.dir()) == "problem.yaml: missing");
    }
    SECTION("groups inside sample") {
        Package p;
        Package::minimal(p);
        p.test("data/sample/more/1");
        CHECK(error_of(p.dir()) == "data/sample/more: groups inside data/sample are not supported");
    }
    SECTION("hidden files and other extensions are ignored") {
        Package p;
        Package::minimal(p);
        p.write("data/secret/.gitkeep", "").write("data/secret/a.desc", "why").test("data/secret/.hidden/1");
        CHECK(load_problem(p.dir()).groups[1].tests.size() == 2);
    }
}

TEST_CASE("problem: symlinks, special files and .. are refused", "[problem]") {
    SECTION("a symlinked answer") {
        Package p;
        Package::minimal(p);
        fs::remove(p.root() / "data/secret/a.ans");
        fs::create_symlink("/etc/passwd", p.root() / "data/secret/a.ans");
        CHECK(error_of(p.dir()) == "data/secret/a.ans: symbolic links are not allowed in a package");
    }
    SECTION("a symlinked folder, even outside data") {
        Package p;
        Package::minimal(p);
        fs::create_directory_symlink("/etc", p.root() / "statement");
        CHECK(error_of(p.dir()) == "statement: symbolic links are not allowed in a package");
    }
    SECTION("a FIFO") {
        Package p;
        Package::minimal(p);
        REQUIRE(::mkfifo((p.root() / "data/secret/c.in").c_str(), 0600) == 0);
        CHECK(error_of(p.dir()) == "data/secret/c.in: only regular files and folders are allowed");
    }
    SECTION("a path with ..") {
        Package p;
        Package::minimal(p);
        CHECK(error_of(p.dir() + "/../pkg").find("\"..\" is not allowed") != std::string::npos);
    }
    SECTION("not a folder") {
        CHECK(error_of("/nonexistent/package") == "/nonexistent/package: No such file or directory");
        CHECK(error_of("/etc/passwd") == "/etc/passwd: not a folder");
    }
    SECTION("bad YAML names the file and the line") {
        Package p;
        Package::minimal(p, "name: x\nlimits:\n  memory: &a 3\n");
        CHECK(error_of(p.dir()) == "problem.yaml: line 3: anchors are not supported");
        p.write("problem.yaml", "- a list\n");
        CHECK(error_of(p.dir()) == "problem.yaml: must be a mapping of keys to values");
    }
}

TEST_CASE("problem: checker detection", "[problem]") {
    SECTION("legacy folder with one validator folder, a header beside the source") {
        Package p;
        Package::minimal(p, "validation: custom\njudged:\n  checker_protocol: testlib\n  testlib_points: absolute\n");
        p.write("output_validators/mine/checker.cpp", "").write("output_validators/mine/testlib.h", "");
        const Problem pr = load_problem(p.dir());
        CHECK(pr.checker.protocol == Checker::Protocol::testlib);
        CHECK(pr.checker.source_dir == p.dir() + "/output_validators/mine");
        CHECK(pr.checker.main_file == "checker.cpp");
        CHECK(pr.checker.language_key == "cpp17");
        CHECK(pr.testlib_points == judge::PointsRule::absolute);
    }
    SECTION("legacy folder with the source directly inside") {
        Package p;
        Package::minimal(p);
        p.write("output_validators/check.c", "");
        const Problem pr = load_problem(p.dir());
        CHECK(pr.checker.protocol == Checker::Protocol::kattis);
        CHECK(pr.checker.source_dir == p.dir() + "/output_validators");
        CHECK(pr.checker.language_key == "c");
    }
    SECTION("2023 folder, several sources, one named validator") {
        Package p;
        Package::minimal(p, "judged: {checker_protocol: cms}\n");
        p.write("output_validator/validator.py", "").write("output_validator/helpers.py", "");
        const Problem pr = load_problem(p.dir());
        CHECK(pr.checker.protocol == Checker::Protocol::cms);
        CHECK(pr.checker.main_file == "validator.py");
        CHECK(pr.checker.language_key == "python3");
        p.write("output_validator/interactor.cc", "");
        CHECK(
            error_of(p.dir()) ==
            "output_validator: several source files and not exactly one named validator.*, checker.* or interactor.*");
    }
    SECTION("refusals") {
        Package p;
        Package::minimal(p);
        p.write("output_validator/README", "");
        CHECK(error_of(p.dir()) == "output_validator: no validator source (.cpp, .cc, .c or .py)");
        p.write("output_validator/sub/x.cpp", "");
        CHECK(error_of(p.dir()) == "output_validator/sub: folders inside the validator's folder are not supported");
        p.write("output_validators/a/v.cpp", "");
        CHECK(error_of(p.dir()) == "output_validator: both output_validators/ and output_validator/ exist");
        fs::remove_all(p.root() / "output_validator");
        p.write("output_validators/b/v.cpp", "");
        CHECK(error_of(p.dir()) ==
              "output_validators: must hold one validator: a single folder, or its files directly");
        fs::remove_all(p.root() / "output_validators");
        p.write("problem.yaml", "judged: {checker_protocol: testlib}\n");
        CHECK(error_of(p.dir()) == "problem.yaml: judged.checker_protocol needs an output validator folder");
        p.write("problem.yaml", "judged: {checker_protocol: polygon}\n");
        CHECK(error_of(p.dir()) ==
              "problem.yaml (judged.checker_protocol): must be kattis, testlib or cms, not \"polygon\"");
        p.write("problem.yaml", "judged: {checker: testlib}\n");
        CHECK(error_of(p.dir()) == "problem.yaml (judged.checker): unknown key");
        p.write("problem.yaml", "judged: {interactive_precedence: contestant_first}\n");
        CHECK(load_problem(p.dir()).precedence == judge::InteractivePrecedence::contestant_first);
        p.write("problem.yaml", "type: interactive\njudged: {checker_protocol: cms}\n")
            .write("output_validator/v.cpp", "");
        CHECK(error_of(p.dir()) == "problem.yaml: interactive problems with a cms checker are not supported");
    }
    SECTION("the default validator's flags") {
        Package p;
        Package::minimal(p, "output_validator_args: [float_absolute_tolerance, 1e-4, case_sensitive]\n");
        Problem pr = load_problem(p.dir());
        CHECK(pr.checker.protocol == Checker::Protocol::builtin);
        CHECK(pr.checker.compare.kind == CompareKind::floats);
        CHECK(pr.checker.compare.abs_tolerance == 1e-4);
        CHECK(pr.checker.compare.rel_tolerance == 0);
        CHECK_FALSE(pr.checker.compare.case_insensitive);
        p.write("problem.yaml", "validator_flags: float_tolerance\n");
        CHECK(error_of(p.dir()) == "problem.yaml: validator flag float_tolerance needs a number");
    }
}

TEST_CASE("problem: submissions are listed by category", "[problem]") {
    Package p;
    Package::minimal(p);
    p.write("submissions/accepted/b.py", "").write("submissions/accepted/a.cpp", "");
    p.write("submissions/wrong_answer/w.c", "").write("submissions/README", "");
    const Problem pr = load_problem(p.dir());
    REQUIRE(pr.submissions.size() == 2);
    CHECK(pr.submissions.at("accepted") ==
          std::vector<std::string>{p.dir() + "/submissions/accepted/a.cpp", p.dir() + "/submissions/accepted/b.py"});
    CHECK(pr.submissions.at("wrong_answer") == std::vector<std::string>{p.dir() + "/submissions/wrong_answer/w.c"});
}

TEST_CASE("problem: default validator options", "[problem]") {
    using judge::default_validator_options;
    auto o = default_validator_options({});
    CHECK(o.kind == CompareKind::tokens);
    CHECK(o.case_insensitive);
    CHECK_FALSE(o.presentation_error);
    o = default_validator_options({"case_sensitive"});
    CHECK(o.kind == CompareKind::tokens);
    CHECK_FALSE(o.case_insensitive);
    o = default_validator_options({"space_change_sensitive"});
    CHECK(o.kind == CompareKind::exact);
    o = default_validator_options({"float_tolerance", "1e-6"});
    CHECK(o.kind == CompareKind::floats);
    CHECK(o.abs_tolerance == 1e-6);
    CHECK(o.rel_tolerance == 1e-6);
    CHECK(o.case_insensitive);
    o = default_validator_options({"float_relative_tolerance", "0.01", "float_absolute_tolerance", "2"});
    CHECK(o.rel_tolerance == 0.01);
    CHECK(o.abs_tolerance == 2);
    o = default_validator_options({"space_change_sensitive", "float_tolerance", "0"});
    CHECK(o.kind == CompareKind::floats);

    CHECK_THROWS_WITH(default_validator_options({"ignore_case"}), "unknown validator flag \"ignore_case\"");
    CHECK_THROWS_WITH(default_validator_options({"float_tolerance"}), "validator flag float_tolerance needs a number");
    CHECK_THROWS_WITH(default_validator_options({"float_tolerance", "-1"}),
                      "validator flag float_tolerance needs a non-negative number, not \"-1\"");
    CHECK_THROWS_WITH(default_validator_options({"float_absolute_tolerance", "inf"}),
                      "validator flag float_absolute_tolerance needs a non-negative number, not \"inf\"");
    CHECK_THROWS_WITH(default_validator_options({"float_tolerance", "1", "float_relative_tolerance", "1"}),
                      "float_tolerance cannot be combined with float_absolute_tolerance or float_relative_tolerance");
}

TEST_CASE("problem: the sample packages of tests/problems load", "[problem]") {
    const fs::path dir = problems_dir();
    using P = Checker::Protocol;
    auto names = [](const judge::Problem& pr) {
        std::vector<std::string> out;
        for (const auto& g : pr.groups) out.push_back(g.name + ":" + std::to_string(g.tests.size()));
        return out;
    };
    const std::vector<std::string> categories{"accepted", "run_time_error", "time_limit_exceeded", "wrong_answer"};
    auto has_categories = [&](const judge::Problem& pr) {
        for (const auto& c : categories) {
            if (pr.submissions.count(c) == 0 || pr.submissions.at(c).empty()) return false;
        }
        return true;
    };

    const Problem aplusb = load_problem((dir / "aplusb").string());
    CHECK(aplusb.name == "A plus B");
    CHECK(aplusb.type == ProblemType::pass_fail);
    CHECK(aplusb.checker.protocol == P::builtin);
    CHECK(aplusb.checker.compare.kind == CompareKind::tokens);
    CHECK(aplusb.memory_mb == 256);
    CHECK(names(aplusb) == std::vector<std::string>{"sample:2", "secret:4"});
    CHECK(has_categories(aplusb));

    const Problem floats = load_problem((dir / "floats").string());
    CHECK(floats.name == "Division");
    CHECK(floats.time_limit_s == 1);
    CHECK(floats.checker.protocol == P::builtin);
    CHECK(floats.checker.compare.kind == CompareKind::floats);
    CHECK(floats.checker.compare.abs_tolerance == 1e-6);
    CHECK(floats.checker.compare.rel_tolerance == 1e-6);
    CHECK(names(floats) == std::vector<std::string>{"sample:2", "secret:4"});
    CHECK(has_categories(floats));

    const Problem divisor = load_problem((dir / "divisor").string());
    CHECK(divisor.checker.protocol == P::testlib);
    CHECK(divisor.checker.main_file == "checker.cpp");
    CHECK(divisor.checker.language_key == "cpp17");
    CHECK(divisor.checker.source_dir == (dir / "divisor/output_validators/divisor").string());
    CHECK(names(divisor) == std::vector<std::string>{"sample:2", "secret:4"});
    CHECK(has_categories(divisor));

    const Problem kattis = load_problem((dir / "kattis-validator").string());
    CHECK(kattis.checker.protocol == P::kattis);
    CHECK(kattis.checker.main_file == "validator.cpp");
    CHECK(kattis.checker.source_dir == (dir / "kattis-validator/output_validators/perm").string());
    CHECK_FALSE(kattis.interactive);
    CHECK(names(kattis) == std::vector<std::string>{"sample:2", "secret:4"});
    CHECK(has_categories(kattis));

    const Problem cms = load_problem((dir / "cms-partial").string());
    CHECK(cms.type == ProblemType::scoring);
    CHECK(cms.checker.protocol == P::cms);
    CHECK(cms.checker.source_dir == (dir / "cms-partial/output_validator").string());
    CHECK(cms.checker.main_file == "checker.cpp");
    CHECK(names(cms) == std::vector<std::string>{"sample:1", "secret:4"});
    CHECK(cms.groups[1].aggregation == Aggregation::sum);
    CHECK(cms.max_score == 100);
    CHECK(has_categories(cms));
    CHECK(cms.submissions.at("partially_accepted").size() == 2);

    const Problem guess = load_problem((dir / "guess").string());
    CHECK(guess.interactive);
    CHECK(guess.type == ProblemType::pass_fail);
    CHECK(guess.checker.protocol == P::kattis);
    CHECK(guess.checker.main_file == "validator.cpp");
    CHECK(names(guess) == std::vector<std::string>{"sample:1", "secret:3"});
    CHECK(guess.submissions.at("accepted").size() == 2);
    CHECK(has_categories(guess));

    const Problem groups = load_problem((dir / "groups").string());
    CHECK(groups.name == "Triangular numbers");
    CHECK(groups.type == ProblemType::scoring);
    CHECK(groups.checker.protocol == P::builtin);
    CHECK(names(groups) ==
          std::vector<std::string>{"sample:2", "secret/group1:3", "secret/group2:3", "secret/group3:3"});
    CHECK(groups.groups[1].aggregation == Aggregation::pass_fail);
    CHECK(groups.groups[1].max_score == 20);
    CHECK(groups.groups[2].aggregation == Aggregation::sum);
    CHECK(groups.groups[2].max_score == 30);
    CHECK(groups.groups[3].aggregation == Aggregation::min);
    CHECK(groups.groups[3].max_score == 50);
    CHECK(groups.groups[3].require_pass == std::vector<std::string>{"secret/group1"});
    CHECK(groups.max_score == 100);
    CHECK(has_categories(groups));

    // Every submission named in an expected_scores.txt exists in the package.
    for (const char* pkg : {"groups", "cms-partial"}) {
        std::ifstream in(dir / pkg / "expected_scores.txt");
        REQUIRE(in);
        std::string path;
        double score = -1;
        int lines = 0;
        while (in >> path >> score) {
            ++lines;
            CHECK(fs::is_regular_file(dir / pkg / path));
            CHECK(score >= 0);
            CHECK(score <= 100);
        }
        CHECK(lines >= 5);
    }
}
