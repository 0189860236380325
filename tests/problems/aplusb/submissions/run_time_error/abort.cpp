// Reads the input, then dies by an uncaught exception (SIGABRT).
#include <iostream>
#include <vector>

int main() {
    long long a = 0, b = 0;
    std::cin >> a >> b;
    std::vector<long long> v{a, b};
    std::cout << v.at(2) << '\n';
}
