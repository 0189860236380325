// libFuzzer target: a submission body through the Judge0 mapping, as POST
// /submissions would see it. The first byte picks base64_encoded; the rest is
// the body. Bad input must come back as values (errors / bad_request), never
// as an exception; an accepted submission must render with every field, the
// only allowed exception being NotUtf8 (the caller's 400).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/judge0/judge0.hpp"

namespace {

const server::Config& config() {
    static const server::Config cfg = [] {
        server::Config c;
        c.max_source_bytes = 64 << 10;
        c.max_stdin_bytes = 64 << 10;
        c.max_tests = 20;
        return c;
    }();
    return cfg;
}

const server::judge0::LanguageLookup& languages() {
    static const server::judge0::LanguageLookup lookup{
        [](int id) { return id == 50 || id == 54 || id == 71; },
        [](int id) -> std::string {
            switch (id) {
                case 50: return "C (GCC 12.2.0)";
                case 54: return "C++ (GCC 12.2.0)";
                case 71: return "Python (3.11.2)";
                default: return "";
            }
        }};
    return lookup;
}

const std::vector<std::string>& every_field() {
    static const std::vector<std::string> fields = [] {
        std::vector<std::string> f = server::judge0::all_judge0_fields();
        const auto& ext = server::judge0::extension_fields();
        f.insert(f.end(), ext.begin(), ext.end());
        return f;
    }();
    return fields;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const bool base64 = (data[0] & 1u) != 0;
    const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
    const server::judge0::Parsed parsed =
        server::judge0::parse_submission_text(body, config(), languages(), base64);
    if (!parsed.errors.empty() || !parsed.bad_request.empty()) return 0;
    for (const bool render_base64 : {base64, !base64}) {
        try {
            const nlohmann::json out = server::judge0::render(parsed.record, every_field(), render_base64, languages());
            (void)out.dump();  // throws on invalid UTF-8 that slipped through
        } catch (const server::judge0::NotUtf8&) {
        }
    }
    return 0;
}
