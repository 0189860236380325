#include <iostream>
#include <string>

int main() {
    long lo = 1, hi = 1000000000;
    for (;;) {
        const long mid = lo + (hi - lo) / 2;
        std::cout << mid << std::endl;  // endl flushes: the interactor is waiting
        std::string reply;
        if (!(std::cin >> reply) || reply == "=") return 0;
        if (reply == "<") {
            hi = mid - 1;
        } else {
            lo = mid + 1;
        }
    }
}
