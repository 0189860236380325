// Tries permutations in lexicographic order: instant for tiny n, astronomically
// slow for n = 1000.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <vector>

int main() {
    int n = 0;
    if (std::scanf("%d", &n) != 1) return 1;
    std::vector<int> p(static_cast<std::size_t>(n));
    std::iota(p.begin(), p.end(), 1);
    do {
        bool ok = true;
        for (std::size_t i = 1; i < p.size() && ok; ++i) ok = std::abs(p[i] - p[i - 1]) != 1;
        if (ok) {
            for (int v : p) std::printf("%d ", v);
            std::printf("\n");
            return 0;
        }
    } while (std::next_permutation(p.begin(), p.end()));
}
