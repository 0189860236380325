#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "judge/yaml.hpp"

using judge::parse_yaml;
using judge::YamlError;
using nlohmann::json;

namespace {

// The message of the YamlError that parsing `text` throws ("" if none).
std::string error_of(const std::string& text) {
    try {
        parse_yaml(text);
    } catch (const YamlError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("yaml: empty documents are null", "[yaml]") {
    CHECK(parse_yaml("").is_null());
    CHECK(parse_yaml("\n\n# only a comment\n").is_null());
    CHECK(parse_yaml("---\n").is_null());
    CHECK(parse_yaml("---\n...\n").is_null());
}

TEST_CASE("yaml: a problem.yaml", "[yaml]") {
    const json y = parse_yaml(R"(# A problem
problem_format_version: 2023-07-draft
name:
  en: A plus B   # trailing comment
  sv: "A plus B på svenska"
type: [scoring, interactive]
limits:
  time_limit: 1.5
  memory: 256
validator_flags: float_tolerance 1e-6
keywords:
- easy
- 'math'
judged: {checker_protocol: testlib, testlib_points: percent}
)");
    CHECK(y["problem_format_version"] == "2023-07-draft");
    CHECK(y["name"]["en"] == "A plus B");
    CHECK(y["name"]["sv"] == "A plus B på svenska");
    CHECK(y["type"] == json::array({"scoring", "interactive"}));
    CHECK(y["limits"]["time_limit"] == 1.5);
    CHECK(y["limits"]["memory"] == 256);
    CHECK(y["limits"]["memory"].is_number_integer());
    CHECK(y["validator_flags"] == "float_tolerance 1e-6");
    CHECK(y["keywords"] == json::array({"easy", "math"}));
    CHECK(y["judged"]["checker_protocol"] == "testlib");
    CHECK(y["judged"]["testlib_points"] == "percent");
}

TEST_CASE("yaml: plain scalar types", "[yaml]") {
    const json y = parse_yaml(R"(a: ~
b: null
c:
d: TRUE
e: false
f: -12
g: +7
h: 0.5
i: 1e-6
j: .5
k: 1.
l: 99999999999999999999
m: 12abc
n: 0x1F
o: yes
p: http://example.com/a#b
q: a:b
)");
    CHECK(y["a"].is_null());
    CHECK(y["b"].is_null());
    CHECK(y["c"].is_null());
    CHECK(y["d"] == true);
    CHECK(y["e"] == false);
    CHECK(y["f"] == -12);
    CHECK(y["g"] == 7);
    CHECK(y["h"] == 0.5);
    CHECK(y["i"].get<double>() == Approx(1e-6));
    CHECK(y["j"] == 0.5);
    CHECK(y["k"] == 1.0);
    CHECK(y["l"].is_number_float());
    CHECK(y["m"] == "12abc");
    CHECK(y["n"] == "0x1F");
    CHECK(y["o"] == "yes");
    CHECK(y["p"] == "http://example.com/a#b");
    CHECK(y["q"] == "a:b");
}

TEST_CASE("yaml: quoted scalars", "[yaml]") {
    const json y = parse_yaml(R"(a: "x \"y\" \\ \n\t\u00e9 # not a comment"
b: 'it''s # not a comment'
c: "123"
d: 'true'
"quoted key": 1
'other key': 2
e: "two
  lines"
f: 'para

  graph'
g: "joined\
  together"
)");
    CHECK(y["a"] == "x \"y\" \\ \n\t\xC3\xA9 # not a comment");
    CHECK(y["b"] == "it's # not a comment");
    CHECK(y["c"] == "123");
    CHECK(y["d"] == "true");
    CHECK(y["quoted key"] == 1);
    CHECK(y["other key"] == 2);
    CHECK(y["e"] == "two lines");
    CHECK(y["f"] == "para\ngraph");
    CHECK(y["g"] == "joinedtogether");
    CHECK(parse_yaml(R"(x: "\U0001F600 \uD83D\uDE00")")["x"] == "\xF0\x9F\x98\x80 \xF0\x9F\x98\x80");
}

TEST_CASE("yaml: block scalars", "[yaml]") {
    const json y = parse_yaml(
        "lit: |\n  line 1\n    indented\n  # not a comment\n\nfold: >\n  a\n  b\n\n  c\n"
        "strip: |-\n  x\n\n\nkeep: |+\n  y\n\n\nlast: 1\n");
    CHECK(y["lit"] == "line 1\n  indented\n# not a comment\n");
    CHECK(y["fold"] == "a b\nc\n");
    CHECK(y["strip"] == "x");
    CHECK(y["keep"] == "y\n\n\n");
    CHECK(y["last"] == 1);
    CHECK(parse_yaml("a: |\nb: 2\n") == json{{"a", ""}, {"b", 2}});
}

TEST_CASE("yaml: sequences and nesting", "[yaml]") {
    const json y = parse_yaml(R"(
list:
- a
-   b
- - x
  - y
- k: 1
  l: [2, 3]
-
  deep: true
indented:
  - 1
  - 2
empty_flow: []
empty_map: {}
)");
    CHECK(y["list"][0] == "a");
    CHECK(y["list"][1] == "b");
    CHECK(y["list"][2] == json::array({"x", "y"}));
    CHECK(y["list"][3] == json{{"k", 1}, {"l", {2, 3}}});
    CHECK(y["list"][4] == json{{"deep", true}});
    CHECK(y["indented"] == json::array({1, 2}));
    CHECK(y["empty_flow"] == json::array());
    CHECK(y["empty_map"] == json::object());
    CHECK(parse_yaml("- 1\n- two\n") == json::array({1, "two"}));
    CHECK(parse_yaml("just a scalar") == "just a scalar");
}

TEST_CASE("yaml: flow collections", "[yaml]") {
    CHECK(parse_yaml("a: [x, 'y, z', \"w\", 1.5, null]")["a"] == json::array({"x", "y, z", "w", 1.5, nullptr}));
    CHECK(parse_yaml("a: {k: v, n: 2, e: }")["a"] == json{{"k", "v"}, {"n", 2}, {"e", nullptr}});
    CHECK(parse_yaml("a: {k: [1, 2], m: {x: y}}")["a"] == json{{"k", {1, 2}}, {"m", {{"x", "y"}}}});
    CHECK(parse_yaml("a: [one, two,]")["a"] == json::array({"one", "two"}));
    // A flow collection may span lines, with comments.
    CHECK(parse_yaml("a: [1,  # one\n    2,\n    3]\nb: 4\n") == json{{"a", {1, 2, 3}}, {"b", 4}});
}

TEST_CASE("yaml: plain scalars may continue on more indented lines", "[yaml]") {
    const json y = parse_yaml("a: one\n  two\n   three\nb: x\n");
    CHECK(y["a"] == "one two three");
    CHECK(y["b"] == "x");
}

TEST_CASE("yaml: CRLF line ends and a byte order mark", "[yaml]") {
    CHECK(parse_yaml("\xEF\xBB\xBF"
                     "a: 1\r\nb: two\r\n") == json{{"a", 1}, {"b", "two"}});
}

TEST_CASE("yaml: refusals name the line", "[yaml]") {
    CHECK(error_of("a: 1\nb: &anchor 2\n") == "line 2: anchors are not supported");
    CHECK(error_of("a: *alias\n") == "line 1: aliases are not supported");
    CHECK(error_of("a: !!str 1\n") == "line 1: tags are not supported");
    CHECK(error_of("a: 1\n---\nb: 2\n") == "line 2: multiple documents are not supported");
    CHECK(error_of("? complex\n: key\n") == "line 1: complex keys are not supported");
    CHECK(error_of("a:\n\tb: 1\n") == "line 2: tab in indentation");
    CHECK(error_of("a: 1\na: 2\n") == "line 2: duplicate key \"a\"");
    CHECK(error_of("a: 1\n   b: 2\n").rfind("line 2:", 0) == 0);
    CHECK(error_of("a: b: c\n") == "line 1: mapping values are not allowed here (quote the value?)");
    CHECK(error_of("a: \"open\n") == "line 1: unterminated double-quoted string");
    CHECK(error_of("a: 'open\nb: 1\n") == "line 1: unterminated single-quoted string");
    CHECK(error_of("a: [1, 2\nb: 3\n") == "line 1: unterminated flow collection");
    CHECK(error_of("a: [1, 2] x\n") == "line 1: unexpected text after a flow collection");
    CHECK(error_of("a: {k: 1,\n  [x]: 2}\n") == "line 2: complex keys are not supported");
    CHECK(parse_yaml("a: {k: 1\n  m 2}\n")["a"]["k"] == "1 m 2");  // a plain scalar folds across lines
    CHECK(error_of("a: |2\n  x\n") == "line 1: indentation indicators are not supported");
    CHECK(error_of("%YAML 1.2\n---\na: 1\n") == "line 1: directives are not supported");
    CHECK(error_of("a: \"\\q\"\n") == "line 1: unknown escape \"\\q\" in a double-quoted string");
    CHECK(error_of("a: 1\n- b\n") == "line 2: a sequence entry where a mapping key was expected");
    CHECK(error_of("a: - b\n") == "line 1: a sequence entry is not allowed here");
    CHECK(error_of("a: 1\n...\nb: 2\n") == "line 3: content after the end of the document");
    CHECK(error_of(std::string("a: \x01\n")) == "line 1: control character in the text");
    CHECK(error_of("- a\nb: 1\n") == "line 2: unexpected content");
}

TEST_CASE("yaml: deep nesting is refused, not a stack overflow", "[yaml]") {
    const std::string deep = std::string(10'000, '[') + std::string(10'000, ']');
    CHECK(error_of("a: " + deep).find("nested too deeply") != std::string::npos);
    std::string block;
    for (int i = 0; i < 200; ++i) block += std::string(static_cast<std::size_t>(i), ' ') + "k:\n";
    CHECK(error_of(block).find("nested too deeply") != std::string::npos);
}

TEST_CASE("yaml: a long flow collection parses in linear time", "[yaml]") {
    // ~800 KB of quoted strings on many lines: each quoted scalar asks for
    // its line number, which once cost a recount from the start (minutes).
    std::string doc = "a: [";
    for (int i = 0; i < 160'000; ++i) doc += "\"x\",\n";
    doc += "\"y\"]\n";
    const auto start = std::chrono::steady_clock::now();
    const json v = parse_yaml(doc);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    REQUIRE(v.at("a").size() == 160'001);
    CHECK(v["a"].back() == "y");
    // Linear takes well under a second here; quadratic took over 300 s.
    CHECK(seconds < 10.0);
}

TEST_CASE("yaml: a document over 1 MiB is refused before parsing", "[yaml]") {
    std::string doc = "a: \"";
    doc += std::string((1u << 20) - doc.size() - 2, 'x');
    doc += "\"\n";
    REQUIRE(doc.size() == (1u << 20));
    CHECK(parse_yaml(doc).at("a").get<std::string>().size() == (1u << 20) - 6);
    doc.insert(4, "x");
    CHECK(error_of(doc) == "the document is 1048577 bytes, more than the 1048576 allowed");
}

TEST_CASE("yaml: text that is not UTF-8 is refused with its line", "[yaml]") {
    CHECK(error_of("a: 1\nb: x\xff\n") == "line 2: not UTF-8 (byte 9)");
    CHECK(error_of("a: \xc0\xaf\n") == "line 1: not UTF-8 (byte 3)");          // overlong "/"
    CHECK(error_of("a: \xed\xa0\x80\n") == "line 1: not UTF-8 (byte 3)");      // a surrogate
    CHECK(error_of("a: \xf4\x90\x80\x80\n") == "line 1: not UTF-8 (byte 3)");  // past U+10FFFF
    CHECK(error_of("a: \xe2\x82\n") == "line 1: not UTF-8 (byte 3)");          // cut short
    CHECK(error_of("# \xff\na: 1\n") == "line 1: not UTF-8 (byte 2)");          // comments too
    const json ok = parse_yaml("a: \"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"\n");
    CHECK(ok.at("a") == "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    CHECK_NOTHROW(ok.dump());
}
