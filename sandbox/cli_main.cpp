// judge-sandbox: run one program in a box, or check what this host offers.
//
//   judge-sandbox run [options] -- PROGRAM [ARGS...]
//   judge-sandbox check [--network]
//
// Exit status: 0 when the run completed (whatever its status), 2 on bad
// arguments or an internal error, with a message on stderr.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>

#include "sandbox/fs_safe.hpp"
#include "sandbox/host_check.hpp"
#include "sandbox/sandbox.hpp"
#include "sandbox/sys_io.hpp"

namespace {

const char* kUsage =
    "usage: judge-sandbox run [options] -- PROGRAM [ARGS...]\n"
    "       judge-sandbox check [--network]   what this host offers; --network: networked boxes too\n"
    "options:\n"
    "  --time SECONDS       CPU time limit (all processes and threads), default 1\n"
    "  --wall-time SECONDS  wall-clock limit, default 2 * time + 1\n"
    "  --memory MIB         memory of the whole box (tmpfs included), default 256\n"
    "  --processes N        processes and threads, default 64\n"
    "  --output MIB         size of each output file and of stdout/stderr, default 64\n"
    "  --open-files N       open file descriptors, default 256\n"
    "  --stack MIB          stack size, default = memory\n"
    "  --stdin FILE  --stdout FILE  --stderr FILE\n"
    "  --dir HOST[:BOX][:rw]  extra bind (read-only unless :rw)\n"
    "  --workdir DIR        host folder that becomes /box, the working folder\n"
    "  --env NAME=VALUE     environment (repeatable; replaces the default)\n"
    "  --network            outbound network through slirp4netns, never to the host (default: none)\n"
    "  --result FILE        write the result as one JSON object\n";

[[noreturn]] void usage_error(const std::string& msg) {
    std::fprintf(stderr, "judge-sandbox: %s\n%s", msg.c_str(), kUsage);
    std::exit(2);
}

double number(const std::string& opt, const std::string& v) {
    try {
        std::size_t used = 0;
        double d = std::stod(v, &used);
        if (used != v.size() || !std::isfinite(d) || d <= 0) throw std::invalid_argument(v);
        return d;
    } catch (const std::exception&) {
        usage_error(opt + ": expected a positive number, got \"" + v + "\"");
    }
}

std::uint64_t mib(const std::string& opt, const std::string& v) {
    return static_cast<std::uint64_t>(number(opt, v) * 1024.0 * 1024.0);
}

sandbox::Bind parse_dir(const std::string& v) {
    sandbox::Bind b;
    std::string rest = v;
    if (rest.size() > 3 && rest.compare(rest.size() - 3, 3, ":rw") == 0) {
        b.writable = true;
        rest.resize(rest.size() - 3);
    }
    auto colon = rest.find(':');
    b.host_path = rest.substr(0, colon);
    if (colon != std::string::npos) b.box_path = rest.substr(colon + 1);
    return b;
}

int cmd_run(int argc, char** argv) {
    sandbox::RunSpec spec;
    std::string result_file;
    bool env_given = false;
    int i = 2;
    for (; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--") {
            ++i;
            break;
        }
        if (a == "--network") {
            spec.network = true;
            continue;
        }
        if (i + 1 >= argc) usage_error(a + ": needs a value");
        std::string v = argv[++i];
        if (a == "--time") spec.cpu_time_ms = static_cast<std::uint64_t>(std::llround(number(a, v) * 1000));
        else if (a == "--wall-time") spec.wall_time_ms = static_cast<std::uint64_t>(std::llround(number(a, v) * 1000));
        else if (a == "--memory") spec.memory_bytes = mib(a, v);
        else if (a == "--processes") spec.pids_max = static_cast<std::uint32_t>(number(a, v));
        else if (a == "--output") spec.output_bytes = mib(a, v);
        else if (a == "--open-files") spec.open_files = static_cast<std::uint32_t>(number(a, v));
        else if (a == "--stack") spec.stack_bytes = mib(a, v);
        else if (a == "--stdin") spec.stdin_path = v;
        else if (a == "--stdout") spec.stdout_path = v;
        else if (a == "--stderr") spec.stderr_path = v;
        else if (a == "--dir") spec.binds.push_back(parse_dir(v));
        else if (a == "--workdir") spec.workdir = v;
        else if (a == "--result") result_file = v;
        else if (a == "--env") {
            if (!env_given) spec.env.clear();
            env_given = true;
            spec.env.push_back(v);
        } else usage_error("unknown option " + a);
    }
    for (; i < argc; ++i) spec.argv.emplace_back(argv[i]);
    if (spec.argv.empty()) usage_error("no program given after --");
    // Without a redirection the box shares the CLI's own stdio.
    if (spec.stdin_path.empty()) spec.stdin_fd = 0;
    if (spec.stdout_path.empty()) spec.stdout_fd = 1;
    if (spec.stderr_path.empty()) spec.stderr_fd = 2;
    if (!spec.workdir.empty() && spec.workdir.front() != '/') {
        char cwd[4096];
        if (::getcwd(cwd, sizeof cwd)) spec.workdir = std::string(cwd) + "/" + spec.workdir;
    }
    sandbox::RunResult r;
    try {
        r = sandbox::run(spec);
    } catch (const std::invalid_argument& e) {
        usage_error(e.what());
    }
    const std::string json = sandbox::to_json(r);
    if (!result_file.empty()) {
        try {
            sandbox::Fd fd = sandbox::create_output(result_file);
            std::string line = json + "\n";
            if (::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()))
                throw std::runtime_error("write(" + result_file + ") failed");
        } catch (const std::exception& e) {
            std::fprintf(stderr, "judge-sandbox: %s\n", e.what());
            return 2;
        }
    } else {
        std::fprintf(stderr, "%s\n", json.c_str());
    }
    if (r.status == sandbox::Status::internal_error) {
        std::fprintf(stderr, "judge-sandbox: internal error: %s\n", r.message.c_str());
        return 2;
    }
    return 0;
}

int cmd_check(bool network) {
    sandbox::HostCheckOptions opts;
    opts.network = network;
    const auto lines = sandbox::check_host(opts);
    for (const auto& l : lines) std::printf("%-24s %-4s %s\n", l.what.c_str(), l.ok ? "ok" : "FAIL", l.detail.c_str());
    bool ok = sandbox::all_ok(lines);
    if (ok) {
        sandbox::RunSpec spec;
        spec.argv = {"/bin/true"};
        spec.network = network;
        sandbox::RunResult r = sandbox::run(spec);
        bool good = r.status == sandbox::Status::ok;
        std::printf("%-24s %-4s %s\n", network ? "networked box runs true" : "box runs /bin/true", good ? "ok" : "FAIL",
                    good ? "" : r.message.c_str());
        ok &= good;
    }
    return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) usage_error("missing command");
    std::string cmd = argv[1];
    try {
        if (cmd == "run") return cmd_run(argc, argv);
        if (cmd == "check") {
            if (argc > 3 || (argc == 3 && std::strcmp(argv[2], "--network") != 0))
                usage_error("check takes only --network");
            return cmd_check(argc == 3);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "judge-sandbox: %s\n", e.what());
        return 2;
    }
    usage_error("unknown command " + cmd);
}
