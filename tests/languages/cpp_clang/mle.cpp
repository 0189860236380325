// Keeps 1 GiB of touched memory in 1 MiB vectors.
#include <iostream>
#include <vector>

int main() {
    std::vector<std::vector<char>> kept;
    for (int i = 0; i < 1024; i++) kept.emplace_back(1 << 20, static_cast<char>(i | 1));
    unsigned long sum = 0;
    for (const auto& v : kept) sum += static_cast<unsigned char>(v[7]);
    std::cout << sum << '\n';
}
