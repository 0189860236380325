// libFuzzer target: the YAML reader (judge/yaml.cpp) that reads problem.yaml
// and testdata.yaml out of uploaded packages. Any input either parses or is
// refused with YamlError; any other exception, a crash or a sanitizer report
// is a bug. A parsed document must also serialize as JSON (the package's
// settings end up in API answers and logs).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "judge/yaml.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    nlohmann::json doc;
    try {
        doc = judge::parse_yaml(input);
    } catch (const judge::YamlError&) {
        return 0;
    }
    (void)doc.dump();
    return 0;
}
