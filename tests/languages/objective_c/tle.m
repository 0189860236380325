#import <Foundation/Foundation.h>

int main(void) {
    @autoreleasepool {
        volatile unsigned long n = 0;
        for (;;) n++;
    }
    return 0;
}
