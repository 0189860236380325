// One log line per event on stderr: UTC time, component, the request or
// submission id it concerns, the message. A line is written with one
// write(2), so lines of different threads never interleave. Secrets (auth
// tokens) are never passed here.
#pragma once

#include <string>
#include <string_view>

namespace server {

void log_line(std::string_view component, std::string_view id, std::string_view message);

}  // namespace server
