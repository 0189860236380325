// Searches down from n - 1: fast for small n, hopeless for n near 10^12.
#include <iostream>

int main() {
    long long n = 0;
    std::cin >> n;
    for (long long d = n - 1; d > 1; --d) {
        if (n % d == 0) {
            std::cout << d << '\n';
            return 0;
        }
    }
}
