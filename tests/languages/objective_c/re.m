// Reads the input, then raises an exception nobody catches (GNUstep aborts).
#import <Foundation/Foundation.h>

int main(void) {
    @autoreleasepool {
        NSData *data = [[NSFileHandle fileHandleWithStandardInput] readDataToEndOfFile];
        [NSException raise:NSGenericException format:@"no answer for %lu bytes", (unsigned long)[data length]];
    }
    return 0;
}
