#include "server/http/client_filter.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <stdexcept>

namespace server {

namespace ip = boost::asio::ip;

namespace {

template <std::size_t N>
bool same_prefix(const std::array<unsigned char, N>& x, const std::array<unsigned char, N>& y, unsigned bits) {
    for (std::size_t i = 0; i < N && bits > 0; ++i, bits = bits >= 8 ? bits - 8 : 0) {
        const unsigned take = std::min(bits, 8u);
        const auto mask = static_cast<unsigned char>(0xff00u >> take);
        if ((x[i] & mask) != (y[i] & mask)) return false;
    }
    return true;
}

}  // namespace

ip::address unmapped(const ip::address& a) {
    if (a.is_v6() && a.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a.to_v6());
    return a;
}

bool AddressRange::contains(const ip::address& raw) const {
    const ip::address a = unmapped(raw);
    if (a.is_v4() != base.is_v4()) return false;
    if (a.is_v4()) return same_prefix(a.to_v4().to_bytes(), base.to_v4().to_bytes(), prefix);
    return same_prefix(a.to_v6().to_bytes(), base.to_v6().to_bytes(), prefix);
}

AddressRange parse_address_range(std::string_view text) {
    const std::string quoted = "\"" + std::string(text) + "\"";
    const auto slash = text.find('/');
    boost::system::error_code ec;
    const ip::address base = ip::make_address(std::string(text.substr(0, slash)), ec);
    if (ec) throw std::invalid_argument(quoted + " is not an IP address or a CIDR range");
    AddressRange r{unmapped(base), 0};
    const unsigned width = r.base.is_v4() ? 32 : 128;
    r.prefix = width;
    if (slash != std::string_view::npos) {
        const std::string_view bits = text.substr(slash + 1);
        const auto [end, err] = std::from_chars(bits.data(), bits.data() + bits.size(), r.prefix);
        if (bits.empty() || err != std::errc{} || end != bits.data() + bits.size() || r.prefix > width)
            throw std::invalid_argument(quoted + ": the prefix length must be 0.." + std::to_string(width));
    }
    return r;
}

ClientFilter::ClientFilter(const std::vector<std::string>& allow, const std::vector<std::string>& disallow) {
    for (const std::string& s : allow) allow_.push_back(parse_address_range(s));
    for (const std::string& s : disallow) disallow_.push_back(parse_address_range(s));
}

bool ClientFilter::admits(const ip::address& a) const {
    const auto in = [&a](const std::vector<AddressRange>& list) {
        return std::any_of(list.begin(), list.end(), [&a](const AddressRange& r) { return r.contains(a); });
    };
    if (!allow_.empty() && !in(allow_)) return false;
    return !in(disallow_);
}

}  // namespace server
