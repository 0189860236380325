; Reads two signed integers from stdin (any blanks between them) and
; then writes through a null pointer: SIGSEGV.
section .bss
buf:    resb 4096
out:    resb 32

section .text
global _start

_start:
        xor     r12, r12                ; bytes read so far
.read:
        mov     rdx, 4096
        sub     rdx, r12
        jz      .parse
        xor     eax, eax                ; read(0, buf + r12, rdx)
        xor     edi, edi
        lea     rsi, [buf + r12]
        syscall
        test    rax, rax
        jle     .parse
        add     r12, rax
        jmp     .read
.parse:
        lea     rsi, [buf]
        lea     r13, [buf + r12]        ; end of the input
        call    parse
        mov     rbx, rax
        call    parse
        add     rax, rbx
        xor     ecx, ecx
        mov     [rcx], rax              ; null pointer: SIGSEGV
        call    print
        mov     eax, 60                 ; exit(0)
        xor     edi, edi
        syscall

; The next integer at rsi (advanced past it) into rax.
parse:
        xor     eax, eax
        xor     ecx, ecx                ; 1: negative
.skip:
        cmp     rsi, r13
        jae     .end
        movzx   edx, byte [rsi]
        cmp     dl, '-'
        je      .minus
        cmp     dl, '0'
        jb      .next
        cmp     dl, '9'
        jbe     .digits
.next:
        inc     rsi
        jmp     .skip
.minus:
        mov     ecx, 1
        inc     rsi
.digits:
        cmp     rsi, r13
        jae     .end
        movzx   edx, byte [rsi]
        sub     edx, '0'
        cmp     edx, 9
        ja      .end
        imul    rax, rax, 10
        add     rax, rdx
        inc     rsi
        jmp     .digits
.end:
        test    ecx, ecx
        jz      .done
        neg     rax
.done:
        ret

; Writes rax in decimal and a newline to stdout.
print:
        lea     rdi, [out + 31]
        mov     byte [rdi], 10
        mov     r8, rax
        test    rax, rax
        jns     .digit
        neg     rax
.digit:
        mov     ecx, 10
.loop:
        xor     edx, edx
        div     rcx
        add     dl, '0'
        dec     rdi
        mov     [rdi], dl
        test    rax, rax
        jnz     .loop
        test    r8, r8
        jns     .write
        dec     rdi
        mov     byte [rdi], '-'
.write:
        mov     rsi, rdi                ; write(1, rdi, out + 32 - rdi)
        lea     rdx, [out + 32]
        sub     rdx, rdi
        mov     eax, 1
        mov     edi, 1
        syscall
        ret
