#include "server/base64.hpp"
