// Makes one guess, reads the reply, then dies by an uncaught exception.
#include <iostream>
#include <string>
#include <vector>

int main() {
    std::cout << 500000000 << std::endl;
    std::string reply;
    std::cin >> reply;
    std::vector<int> v;
    return v.at(static_cast<std::size_t>(reply.size()));
}
