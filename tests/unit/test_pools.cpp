#include "sandbox/pools.hpp"

#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>

using sandbox::pools::parse_uid_range;

TEST_CASE("box uid range: defaults, a setting of its own, and refusals naming the variable", "[pools]") {
    CHECK(parse_uid_range(nullptr, nullptr) ==
          std::pair{sandbox::pools::kDefaultUidBase, sandbox::pools::kDefaultSlots});
    CHECK(parse_uid_range("", "") == std::pair{sandbox::pools::kDefaultUidBase, sandbox::pools::kDefaultSlots});
    CHECK(parse_uid_range("300000", "64") == std::pair{300000u, 64u});
    CHECK(parse_uid_range("1000", nullptr) == std::pair{1000u, sandbox::pools::kDefaultSlots});

    auto refused = [](const char* base, const char* slots, const std::string& named) {
        try {
            parse_uid_range(base, slots);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what()).find(named) != std::string::npos;
        }
        return false;
    };
    CHECK(refused("999", nullptr, "JUDGE_SANDBOX_UID_BASE"));  // a system account's uid
    CHECK(refused("0", nullptr, "JUDGE_SANDBOX_UID_BASE"));
    CHECK(refused("-5", nullptr, "JUDGE_SANDBOX_UID_BASE"));
    CHECK(refused("20x", nullptr, "JUDGE_SANDBOX_UID_BASE"));
    CHECK(refused("99999999999", nullptr, "JUDGE_SANDBOX_UID_BASE"));
    CHECK(refused(nullptr, "0", "JUDGE_SANDBOX_SLOTS"));
    CHECK(refused(nullptr, "65537", "JUDGE_SANDBOX_SLOTS"));
    CHECK(refused(nullptr, " 8", "JUDGE_SANDBOX_SLOTS"));
    CHECK(refused("4294967000", "4096", "largest uid"));  // the range would pass (uid_t)-2
    CHECK(parse_uid_range("4294963199", "4096") == std::pair{4294963199u, 4096u});  // ends at 4294967294
}
