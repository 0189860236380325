// Reads the input, then throws an exception nobody catches: std::terminate, SIGABRT.
#include <iostream>
#include <stdexcept>

int main() {
    long long a, b;
    if (!(std::cin >> a >> b)) return 1;
    throw std::runtime_error("no answer for " + std::to_string(a + b));
}
