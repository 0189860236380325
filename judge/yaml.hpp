// The YAML that problem packages use (problem.yaml, testdata.yaml), read into
// nlohmann::json. A subset, stated: block mappings and block sequences by
// indentation (spaces only), flow sequences [a, b] and flow mappings {a: 1}
// (not nested beyond one level of each), plain, 'single' and "double"
// quoted scalars (with \" \\ \n \t \uXXXX escapes), literal | and folded >
// block scalars, # comments, a leading "---" and a trailing "...". Plain
// scalars become: null (~, null, empty), booleans (true/false, any case),
// integers, floats, otherwise strings. Not supported (refused with a
// message): anchors, aliases, tags, multiple documents, complex keys, tabs
// in indentation.
//
// Thread-safety: pure. Errors: YamlError with "line N: ..." for anything
// outside the subset or malformed.
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
