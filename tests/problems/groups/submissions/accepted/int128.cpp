// n (n + 1) / 2 in 128 bits: up to 5 * 10^35, printed by hand.
#include <iostream>
#include <string>

int main() {
    unsigned long long n = 0;
    std::cin >> n;
    unsigned __int128 s = static_cast<unsigned __int128>(n) * (n + 1) / 2;
    std::string digits;
    do {
        digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(s % 10)));
        s /= 10;
    } while (s != 0);
    std::cout << digits << '\n';
}
