#include "server/zip.hpp"
