; Maps 1 GiB and touches every page of it.
section .text
global _start

_start:
        mov     eax, 9                  ; mmap(NULL, 1 GiB, RW, PRIVATE|ANONYMOUS, -1, 0)
        xor     edi, edi
        mov     rsi, 1 << 30
        mov     edx, 3
        mov     r10d, 0x22
        mov     r8, -1
        xor     r9d, r9d
        syscall
        cmp     rax, -4096
        ja      .failed
        mov     rcx, rax
        lea     rdx, [rax + (1 << 30)]
.touch:
        mov     byte [rcx], 1
        add     rcx, 4096
        cmp     rcx, rdx
        jb      .touch
        mov     eax, 60                 ; exit(0)
        xor     edi, edi
        syscall
.failed:
        mov     eax, 60                 ; exit(3)
        mov     edi, 3
        syscall
