#include "server/record.hpp"

namespace server {

const char* status_description(int id) {
    static const char* const names[] = {
        "In Queue",
        "Processing",
        "Accepted",
        "Wrong Answer",
        "Time Limit Exceeded",
        "Compilation Error",
        "Runtime Error (SIGSEGV)",
        "Runtime Error (SIGXFSZ)",
        "Runtime Error (SIGFPE)",
        "Runtime Error (SIGABRT)",
        "Runtime Error (NZEC)",
        "Runtime Error (Other)",
        "Internal Error",
        "Exec Format Error",
    };
    if (id < 1 || id > 14) return nullptr;
    return names[id - 1];
}

}  // namespace server
