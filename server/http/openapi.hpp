// schema/openapi.yaml, compiled in (served at GET /openapi.yaml).
#pragma once

#include <string>

namespace server {
const std::string& openapi_yaml();
}
