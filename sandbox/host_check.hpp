// What this host (or container) must offer before any box can be made, each
// item checked on its own and named when missing: root, each capability the
// sandbox uses, the namespaces, the calls a container's seccomp profile may
// refuse, writable cgroups. `judge-sandbox check` prints these lines and then
// runs a box; judged refuses to start a worker with a FAIL among them, so a
// container without a privilege stops at once with its name instead of
// failing at its first box.
#pragma once

#include <string>
#include <vector>

namespace sandbox {

struct HostCheckLine {
    std::string what;
    bool ok = true;
    std::string detail;  // on FAIL: what is missing and how to give it
};

struct HostCheckOptions {
    bool network = false;  // boxes with the network may be asked for (needs CAP_NET_ADMIN, slirp4netns, nft)
};

// Reads only; makes no box. The cgroup item does prepare the service's
// cgroups (on v2 moving this process into its leaf), as the first box would.
std::vector<HostCheckLine> check_host(const HostCheckOptions& opts);

// True when every line is ok.
bool all_ok(const std::vector<HostCheckLine>& lines);

}  // namespace sandbox
