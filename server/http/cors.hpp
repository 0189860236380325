// Cross-origin requests, as Judge0 configures them (ALLOW_ORIGIN,
// DISALLOW_ORIGIN; Judge0 puts Rack::Cors first in its stack, for every
// path, header and method).
//
// An origin list entry is "*" (every origin), a full origin
// ("https://contest.example:8443": matched exactly) or a host without a
// scheme ("contest.example", "localhost:8000": matched after any
// scheme's "://"), case-insensitively. With neither list every origin is
// allowed and answers say `*`; otherwise the allow list (when set) must
// hold the origin and the disallow list must not, and answers echo it.
//
// One difference from Judge0, on purpose: a request whose Origin is not
// allowed is refused (403), preflight or not. Judge0 only leaves the CORS
// headers out, which stops a browser from reading the answer but not a
// "simple" cross-origin POST (text/plain) from creating a submission.
//
// Thread-safety: immutable once built; use from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "server/http/http_server.hpp"

namespace server {

class OriginPolicy {
public:
    OriginPolicy() = default;
    OriginPolicy(std::vector<std::string> allow, std::vector<std::string> disallow);
    bool admits(std::string_view origin) const;
    bool everyone() const { return everyone_; }
    // Access-Control-Allow-Origin for an admitted origin: "*" or the origin.
    std::string allow_origin_value(std::string_view origin) const;

private:
    std::vector<std::string> allow_, disallow_;
    bool everyone_ = true;
};

// OPTIONS with Origin and Access-Control-Request-Method.
bool is_preflight(const Request& req);
// The answer to a preflight from an allowed origin: 200, the origin, the
// methods, the requested headers echoed, Max-Age.
Response preflight_answer(const Request& req, const OriginPolicy& policy);
// What every answer to a request from an admitted origin carries:
// Access-Control-Allow-Origin (allow_origin_value) and Vary: Origin.
void add_cors_headers(const std::string& allow_origin, Response& res);

}  // namespace server
