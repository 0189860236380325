// GET /system_info as Judge0 serves it: `lscpu`'s "key: value" lines and the
// total of each row of `free -h` (Mem, Swap), one flat object of strings.
// Read once: the host's CPUs and memory do not change under a process.
//
// Thread-safety: system_info_json() may be called from any thread.
#pragma once

#include <cstdint>
#include <string>

namespace server {

// The JSON text (computed at the first call; later calls return it).
const std::string& system_info_json();

// `free -h`'s way of writing a size: 0B, 512Ki, 1.5Gi, 23Gi.
std::string human_size(std::uint64_t bytes);

// pg_size_pretty's way (Judge0's statistics): 8192 bytes, 24 kB, 10 MB.
std::string pretty_size(std::uint64_t bytes);

}  // namespace server
