// The YAML that problem packages use (problem.yaml, testdata.yaml), read into
// nlohmann::json. A subset, stated: block mappings and block sequences by
// indentation (spaces only), flow sequences [a, b] and flow mappings {a: 1}
// (nested up to 64 levels, like block nodes), plain, 'single' and "double"
// quoted scalars (with \" \\ \n \t \uXXXX and YAML's other escapes), plain
// and quoted scalars continued on following lines (folded into spaces),
// literal | and folded > block scalars with - / + chomping, # comments, a
// leading "---" and a trailing "...". Plain scalars become: null (~, null,
// empty), booleans (true/false, any case), integers (64-bit; larger ones
// floats), floats, otherwise strings; keys are always strings. Not
// supported (refused with a message): anchors, aliases, tags, directives,
// multiple documents, complex keys, duplicate keys, indentation indicators
// of block scalars, tabs in indentation, control characters.
//
// UTF-8 only, at most 1 MiB of text; parsing time and memory grow linearly
// with it.
//
// Thread-safety: pure. Errors: YamlError with "line N: ..." for anything
// outside the subset or malformed, or naming the size when over 1 MiB.
#pragma once

#include <stdexcept>
#include <string_view>

#include <nlohmann/json.hpp>

namespace judge {

class YamlError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// An empty document is null.
nlohmann::json parse_yaml(std::string_view text);

}  // namespace judge
