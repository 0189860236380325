// Judge0's client address filter (ALLOW_IP / DISALLOW_IP): which client
// addresses may use the API at all. Checked per connection on the TCP
// peer's address, before a request is routed, authenticated or handled.
//
// A list holds addresses and CIDR ranges (10.0.0.0/8, 2001:db8::/32),
// separated by spaces or commas. With an allow list, a client must be in
// it; a client in the disallow list is refused either way. An IPv4 client
// of a dual-stack socket (::ffff:a.b.c.d) is its IPv4 address.
//
// Thread-safety: immutable once built; admits() from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>

namespace server {

// An IPv4 client of a dual-stack socket (::ffff:a.b.c.d) as its IPv4
// address; any other address as it is.
boost::asio::ip::address unmapped(const boost::asio::ip::address& a);

struct AddressRange {
    boost::asio::ip::address base;
    unsigned prefix = 0;  // bits that must match
    bool contains(const boost::asio::ip::address& a) const;
};

// "a.b.c.d", "a.b.c.d/n", "v6", "v6/n". Throws std::invalid_argument with
// the reason (the entry, then what is wrong with it).
AddressRange parse_address_range(std::string_view text);

class ClientFilter {
public:
    ClientFilter() = default;
    ClientFilter(const std::vector<std::string>& allow, const std::vector<std::string>& disallow);
    bool admits(const boost::asio::ip::address& a) const;
    bool empty() const { return allow_.empty() && disallow_.empty(); }

private:
    std::vector<AddressRange> allow_, disallow_;
};

}  // namespace server
