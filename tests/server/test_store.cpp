#include "server/store.hpp"
