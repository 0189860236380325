; Spins forever.
section .text
global _start

_start:
        xor     eax, eax
.spin:
        inc     rax
        jmp     .spin
