#include "server/log.hpp"

#include <unistd.h>

#include <chrono>
#include <ctime>

namespace server {

void log_line(std::string_view component, std::string_view id, std::string_view message) {
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char stamp[40];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    std::string line;
    line.reserve(64 + component.size() + id.size() + message.size());
    line += stamp;
    line += '.';
    line += static_cast<char>('0' + ms / 100);
    line += static_cast<char>('0' + ms / 10 % 10);
    line += static_cast<char>('0' + ms % 10);
    line += "Z ";
    line += component;
    if (!id.empty()) {
        line += " [";
        line += id;
        line += ']';
    }
    line += ' ';
    for (char c : message) line += (c == '\n' || c == '\r') ? ' ' : c;  // one event, one line
    line += '\n';
    ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
    (void)ignored;
}

}  // namespace server
