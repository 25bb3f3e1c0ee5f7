; x86pc-test: timeout=10
; smc: self-modifying code in RAM.  (1) A store patches the immediate of the instruction
; right after it; (2) a loop patches a later instruction in the same block, the next
; iteration must run the new bytes; (3) a store changes an opcode (MOV EAX -> MOV EBX);
; (4) code executed once, then patched from outside, then executed again.  Modern x86
; (P6 and later) detects such stores and refetches; the SDM's portable rule is a jump
; after the store, which (2)-(4) also satisfy.
%define TEST_NAME "smc"
%include "lib.inc"

CODE_RAM        equ 0x20000
%define RAM(label)  (CODE_RAM + ((label) - smc_code))

test_main32:
                mov esi, smc_code
                mov edi, CODE_RAM
                mov ecx, smc_code_end - smc_code
                rep movsb
                ; 1
                call RAM(smc1)
                CHECK_EQ eax, 0x11111142, 1, "patch of the immediately following instruction"
                ; 2
                mov dword [TEST_RAM], 0
                call RAM(smc2)
                CHECK_EQ [TEST_RAM], 1 + 5 + 5, 2, "patch of a later instruction in the block"
                ; 3
                call RAM(smc3)
                CHECK_EQ eax, 0xAAAAAAAA, 3, "opcode patch: EAX unchanged"
                CHECK_EQ ebx, 0x0BBBBBBB, 4, "opcode patch: the new MOV EBX ran"
                ; 4: run, patch from outside, run again.
                call RAM(smc4)
                CHECK_EQ eax, 1, 5, "smc4 first run"
                mov dword [RAM(smc4.imm)], 2
                call RAM(smc4)
                CHECK_EQ eax, 2, 6, "smc4 after an external patch"
                mov byte [RAM(smc4.imm) - 1], 0xB9  ; mov eax, imm -> mov ecx, imm
                mov eax, 0x1234
                call RAM(smc4)
                CHECK_EQ eax, 0x1234, 7, "smc4 after an external opcode patch (EAX kept)"
                CHECK_EQ ecx, 2, 8, "smc4 after an external opcode patch (ECX written)"
                ; 9: the same code run many times, then patched (hot code).
                mov byte [RAM(smc4.imm) - 1], 0xB8
                mov ecx, 1000
.hot:           call RAM(smc4)
                loop .hot
                mov dword [RAM(smc4.imm)], 3
                call RAM(smc4)
                CHECK_EQ eax, 3, 9, "hot code patched"
                PASS

; Position-dependent code that runs at CODE_RAM (addresses through RAM()).
smc_code:
smc1:           mov byte [RAM(smc1.imm)], 0x42
                mov eax, 0x11111111
.imm            equ $ - 4
                ret

smc2:           mov ecx, 2
.loop:          mov eax, 1
.imm            equ $ - 4
                add [TEST_RAM], eax
                mov dword [RAM(smc2.imm)], 5
                dec ecx
                jnz .loop
                mov eax, [RAM(smc2.imm)]
                add [TEST_RAM], eax         ; + 5 read back from the patched code
                ret

smc3:           mov eax, 0xAAAAAAAA
                mov ebx, 0
                mov byte [RAM(smc3.op)], 0xBB   ; B8 (mov eax) -> BB (mov ebx)
.op:            mov eax, 0x0BBBBBBB
                ret

smc4:           mov eax, 1
.imm            equ $ - 4
                ret
smc_code_end:
