// Uses C++20 (concepts, ranges): proves the -std=c++20 of this entry.
#include <concepts>
#include <iostream>
#include <numeric>
#include <ranges>
#include <vector>

template <std::integral T>
T add(T a, T b) { return a + b; }

int main() {
    std::vector<long long> v(2);
    for (auto& x : v)
        if (!(std::cin >> x)) return 1;
    auto evens = v | std::views::filter([](long long) { return true; });
    long long sum = std::accumulate(evens.begin(), evens.end(), 0LL);
    std::cout << add(sum, 0LL) << '\n';
}
