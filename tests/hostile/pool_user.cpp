// A process that runs one box through a pool of prepared boxes, waits until
// the pool has refilled, then ends: "exit" returns from main (the library
// tears its prepared boxes down at exit), "crash" kills itself with SIGKILL
// (they stay behind; the next process that makes a box sweeps them).
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "sandbox/prepared.hpp"
#include "sandbox/sandbox.hpp"

int main(int argc, char** argv) {
    if (argc != 2 || (std::strcmp(argv[1], "exit") != 0 && std::strcmp(argv[1], "crash") != 0)) {
        std::fprintf(stderr, "usage: pool_user exit|crash\n");
        return 2;
    }
    sandbox::prepared::set_pool_size(2);
    sandbox::RunSpec spec;
    spec.argv = {"/bin/true"};
    sandbox::RunResult r = sandbox::run(spec);
    if (r.status != sandbox::Status::ok) {
        std::fprintf(stderr, "pool_user: %s %s\n", sandbox::to_string(r.status), r.message.c_str());
        return 1;
    }
    ::usleep(300'000);  // the pool refills meanwhile
    if (std::strcmp(argv[1], "crash") == 0) ::raise(SIGKILL);
    return 0;
}
