// Helpers shared by the judge suite's test files (one executable).
#pragma once

#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/skip.hpp"

#define SKIP_UNLESS_ROOT() JUDGE_SKIP_UNLESS_ROOT("the judge runs programs in boxes: needs root")

namespace judge_test {

inline std::string read_file(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace judge_test
