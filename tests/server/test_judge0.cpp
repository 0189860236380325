#include "server/judge0.hpp"
