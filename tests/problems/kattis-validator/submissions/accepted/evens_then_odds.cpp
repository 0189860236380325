// 2 4 6 ... then 1 3 5 ...: neighbours inside each half differ by 2, and the
// seam joins an even number >= 4 to 1.
#include <cstdio>

int main() {
    int n = 0;
    if (std::scanf("%d", &n) != 1) return 1;
    for (int i = 2; i <= n; i += 2) std::printf("%d ", i);
    for (int i = 1; i <= n; i += 2) std::printf("%d ", i);
    std::printf("\n");
}
