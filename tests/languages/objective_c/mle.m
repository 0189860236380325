// Keeps 1 GiB in 1 MiB NSMutableData blocks, every byte written.
#import <Foundation/Foundation.h>
#include <string.h>

int main(void) {
    @autoreleasepool {
        NSMutableArray *kept = [NSMutableArray array];
        for (int i = 0; i < 1024; i++) {
            NSMutableData *block = [NSMutableData dataWithLength:1 << 20];
            memset([block mutableBytes], i | 1, 1 << 20);
            [kept addObject:block];
        }
        printf("%lu\n", (unsigned long)[kept count]);
    }
    return 0;
}
