#include "server/http/cors.hpp"

#include <algorithm>
#include <cctype>

namespace server {

namespace http = boost::beast::http;

namespace {

bool iequal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

bool entry_matches(std::string_view entry, std::string_view origin) {
    if (entry == "*") return true;
    if (entry.find("://") != std::string_view::npos) return iequal(entry, origin);
    const auto sep = origin.find("://");
    return sep != std::string_view::npos && iequal(entry, origin.substr(sep + 3));
}

bool any_matches(const std::vector<std::string>& list, std::string_view origin) {
    return std::any_of(list.begin(), list.end(), [origin](const std::string& e) { return entry_matches(e, origin); });
}

}  // namespace

OriginPolicy::OriginPolicy(std::vector<std::string> allow, std::vector<std::string> disallow)
    : allow_(std::move(allow)), disallow_(std::move(disallow)) {
    everyone_ = disallow_.empty() && (allow_.empty() || std::find(allow_.begin(), allow_.end(), "*") != allow_.end());
}

bool OriginPolicy::admits(std::string_view origin) const {
    if (everyone_) return true;
    if (!allow_.empty() && !any_matches(allow_, origin)) return false;
    return !any_matches(disallow_, origin);
}

std::string OriginPolicy::allow_origin_value(std::string_view origin) const {
    return everyone_ ? std::string("*") : std::string(origin);
}

bool is_preflight(const Request& req) {
    return req.method() == http::verb::options && req.find(http::field::origin) != req.end() &&
           req.find(http::field::access_control_request_method) != req.end();
}

Response preflight_answer(const Request& req, const OriginPolicy& policy) {
    Response res{http::status::ok, req.version()};
    res.set(http::field::server, "judged");
    const auto origin = req[http::field::origin];
    add_cors_headers(policy.allow_origin_value(std::string_view(origin.data(), origin.size())), res);
    res.set(http::field::access_control_allow_methods, "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
    const auto asked = req.find(http::field::access_control_request_headers);
    if (asked != req.end()) res.set(http::field::access_control_allow_headers, asked->value());
    res.set(http::field::access_control_max_age, "7200");
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
}

void add_cors_headers(const std::string& allow_origin, Response& res) {
    res.set(http::field::vary, "Origin");
    res.set(http::field::access_control_allow_origin, allow_origin);
}

}  // namespace server
