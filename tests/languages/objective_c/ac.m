#import <Foundation/Foundation.h>

int main(void) {
    @autoreleasepool {
        NSData *data = [[NSFileHandle fileHandleWithStandardInput] readDataToEndOfFile];
        NSString *text = [[NSString alloc] initWithData:data encoding:NSUTF8StringEncoding];
        NSScanner *scanner = [NSScanner scannerWithString:text];
        long long a = 0, b = 0;
        if (![scanner scanLongLong:&a] || ![scanner scanLongLong:&b]) return 1;
        printf("%lld\n", a + b);
    }
    return 0;
}
