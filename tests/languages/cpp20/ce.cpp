#include <concepts>
#include <iostream>

template <std::integral T>
T add(T a, T b) { return a + b; }

int main() {
    double a, b;
    std::cin >> a >> b;
    std::cout << add(a, b) << '\n';  // double is not std::integral
}
