// libFuzzer target: server::zip::read on arbitrary bytes. Small limits keep
// each run fast; a refusal (ZipError) is the expected outcome for most
// inputs, anything else escaping is a bug. Nothing is extracted: pure.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/judge0/zip.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    server::zip::Limits limits;
    limits.max_total_bytes = 1u << 20;
    limits.max_entry_bytes = 256u << 10;
    limits.max_entries = 64;
    try {
        const auto entries = server::zip::read(std::string_view(reinterpret_cast<const char*>(data), size), limits);
        std::uint64_t total = 0;
        for (const auto& e : entries) total += e.content.size();
        if (entries.size() > limits.max_entries || total > limits.max_total_bytes) __builtin_trap();
    } catch (const server::zip::ZipError&) {
    }
    return 0;
}
