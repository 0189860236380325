// Prints the sum, then dies by an uncaught exception (SIGABRT).
#include <iostream>
#include <stdexcept>

int main() {
    long long a = 0, b = 0;
    std::cin >> a >> b;
    std::cout << a + b << std::endl;
    throw std::runtime_error("no product today");
}
