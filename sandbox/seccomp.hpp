// The seccomp policy of a box: built with libseccomp in the host, exported
// as classic BPF, and loaded by the program child as the last step before
// exec (SECCOMP_FILTER_FLAG_NEW_LISTENER, so init learns which call was
// refused and the host can name it).
//
// Thread-safety: all functions are safe to call concurrently.
// Errors: std::runtime_error naming the libseccomp call that failed.
#pragma once

#include <string>
#include <vector>

namespace sandbox::seccomp {

struct Rule {
    std::string syscall;  // name as libseccomp knows it
    std::string why;      // one line: why it is refused, and why this way
    // For conditional rules: deny only when argument `arg` matches.
    enum class When { always, arg_eq, arg_has_bits, arg_gt } when = When::always;
    unsigned arg = 0;
    unsigned long long value = 0;
    // 0: an attack, killed and reported as a violation; else a probe, which
    // fails with this errno while the program goes on.
    int errno_value = 0;
};

// The deny-list, in order; each entry carries its reason and its answer.
const std::vector<Rule>& policy();

// The compiled BPF program (struct sock_filter[] bytes) for the native
// architecture. Built once per process and cached.
const std::vector<unsigned char>& native_filter();

// Name of a native syscall number, or "syscall <n>" when unknown.
std::string syscall_name(int nr);

}  // namespace sandbox::seccomp
