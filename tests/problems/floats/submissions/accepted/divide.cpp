// Nine decimals: not the answer file's twelve, but well within 1e-6.
#include <cstdio>

int main() {
    long long a = 0, b = 0;
    if (std::scanf("%lld %lld", &a, &b) != 2) return 1;
    std::printf("%.9f\n", static_cast<double>(a) / static_cast<double>(b));
}
