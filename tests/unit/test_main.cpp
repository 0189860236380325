// The unit and judge suites' main: Catch2's, with skips reported (tests/skip.hpp).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "tests/skip.hpp"

int main(int argc, char** argv) {
    Catch::Session session;
    const int rc = session.applyCommandLine(argc, argv);
    if (rc != 0) return rc;
    return judge_test::suite_exit_code(session.run());
}
