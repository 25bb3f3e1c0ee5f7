; x86pc-test: timeout=10 qemu=unsupported
; seg-limits: protection checks made on each memory access through a segment: limit
; (#GP(0) when any byte of the access is beyond it), expand-down segments (valid range
; limit+1 .. 0xFFFF or 0xFFFFFFFF by the B bit), writes through read-only data and readable
; code segments, accesses through a null selector, stack-segment limit (#SS(0)), a far
; JMP beyond the target CS limit, and code that runs into its CS limit: the same bytes run
; first under a flat CS, then under a CS with the same base whose limit ends inside an
; instruction, which must then fault (#GP(0) at that instruction).
; QEMU TCG does not check segment limits or rights on data accesses, so this test cannot
; be validated on QEMU (header key qemu=unsupported); expectations follow the SDM (Vol. 3A
; 5.3 "Limit Checking", 5.4 "Type Checking", 6.15 #GP/#SS).
%define TEST_NAME "seg-limits"
%include "lib.inc"

SEL_SMALL       equ 0x40                    ; data, base 0x10000, limit 0xFF, byte granular
SEL_EXPD32      equ 0x48                    ; data, expand-down, limit 0xFFF, B = 1
SEL_EXPD16      equ 0x50                    ; data, expand-down, limit 0xFFF, B = 0
SEL_RO          equ 0x58                    ; data, read-only, flat
SEL_CR          equ 0x60                    ; code, readable, flat
SEL_STK         equ 0x68                    ; stack, base 0x20000, limit 0xFFF
SEL_CSMALL      equ 0x70                    ; code, base 0, limit 0xFFFFF bytes (1 MiB)
SEL_CLIM        equ 0x78                    ; code, base 0, limit CODE_RAM + 2
CODE_RAM        equ 0x30000                 ; MOV EAX, imm32; JMP FAR [CODE_RAM + 16]

; OK_ACCESS code, instruction... : the instruction must not fault.
%macro NO_FAULT 2+
                TRY %%r
                %2
                mov dword [exc_vec], 0x7F7F
%%r:            CHECK_EXC 0x7F7F, -1, %1, "access must not fault"
%endmacro

; FAULTS vector, code, instruction : the instruction must raise vector with error code 0.
%macro FAULTS 3+
                TRY %%r
                %3
%%r:            CHECK_EXC %1, 0, %2, "access must fault with error code 0"
%endmacro

test_main32:
                SET_DESC SEL_SMALL, 0x10000, 0xFF, 0x4092
                SET_DESC SEL_EXPD32, 0, 0xFFF, 0x4096
                SET_DESC SEL_EXPD16, 0, 0xFFF, 0x0096
                SET_DESC SEL_RO, 0, 0xFFFFF, 0xC090
                SET_DESC SEL_CR, 0, 0xFFFFF, 0xC09A
                SET_DESC SEL_STK, 0x20000, 0xFFF, 0x4092
                SET_DESC SEL_CSMALL, 0, 0xFFFFF, 0x409A
                mov ax, SEL_SMALL
                mov fs, ax
                mov ax, SEL_EXPD32
                mov gs, ax
                ; 1-4: limit 0xFF: the last dword/byte inside pass, one byte beyond faults.
                NO_FAULT 1, mov eax, [fs:0xFC]
                FAULTS 13, 2, mov eax, [fs:0xFD]
                NO_FAULT 3, mov byte [fs:0xFF], 1
                FAULTS 13, 4, mov byte [fs:0x100], 1
                ; 5: a fault leaves memory untouched.
                mov dword [0x10100], 0x11111111
                FAULTS 13, 5, mov dword [fs:0xFE], 0
                CHECK_EQ [0x10100], 0x11111111, 5, "faulting write changed memory"
                ; 6-9: expand-down, B = 1: offsets 0x1000..0xFFFFFFFF are valid.
                FAULTS 13, 6, mov eax, [gs:0x800]
                NO_FAULT 7, mov eax, [gs:0x1000]
                FAULTS 13, 8, mov eax, [gs:0xFFE]
                NO_FAULT 9, mov eax, [gs:0xFFFFFFF0]
                ; 10-12: expand-down, B = 0: offsets 0x1000..0xFFFF.
                mov ax, SEL_EXPD16
                mov gs, ax
                NO_FAULT 10, mov eax, [gs:0xFFFC]
                FAULTS 13, 11, mov eax, [gs:0xFFFE]
                FAULTS 13, 12, mov eax, [gs:0x10000]
                ; 13: write through a read-only data segment.
                mov ax, SEL_RO
                mov gs, ax
                NO_FAULT 13, mov eax, [gs:TEST_RAM]
                FAULTS 13, 14, mov [gs:TEST_RAM], eax
                ; 15-16: read through a readable code segment works, writing faults.
                mov ax, SEL_CR
                mov gs, ax
                NO_FAULT 15, mov eax, [gs:TEST_RAM]
                FAULTS 13, 16, mov [gs:TEST_RAM], eax
                ; 17: access through a null selector.
                xor eax, eax
                mov gs, ax
                FAULTS 13, 17, mov eax, [gs:TEST_RAM]
                ; 18-19: stack segment limit: an EBP-based access beyond it raises #SS(0).
                mov [TEST_RAM + 0x10], esp
                mov ax, SEL_STK
                mov ss, ax
                mov esp, 0x800
                mov ebp, 0x1000
                NO_FAULT 18, mov eax, [ebp - 4]
                FAULTS 12, 19, mov eax, [ebp]
                mov ax, SEL_DATA32
                mov ss, ax
                mov esp, [TEST_RAM + 0x10]
                ; 20-21: far JMP to an offset beyond the target code segment's limit: #GP(0)
                ; at the JMP (CS unchanged).
                TRY .r20
.jmp20:         jmp SEL_CSMALL:0x100000
.r20:           CHECK_EXC 13, 0, 20, "far JMP beyond the CS limit"
                CHECK_EQ [exc_eip], .jmp20, 21, "#GP EIP is the far JMP"
                ; 22: within the limit it works.
                jmp SEL_CSMALL:.in_small
.in_small:      mov ax, cs
                movzx eax, ax
                CHECK_EQ eax, SEL_CSMALL, 22, "far JMP within the CS limit"
                jmp SEL_CODE32:.back
.back:
                ; 23-26: code run under a flat CS, then under a CS with the same base whose
                ; limit ends inside its first instruction: #GP(0) at that MOV.
                mov byte [CODE_RAM], 0xB8           ; mov eax, 0x12345678
                mov dword [CODE_RAM + 1], 0x12345678
                mov word [CODE_RAM + 5], 0x2DFF     ; jmp far [CODE_RAM + 16]
                mov dword [CODE_RAM + 7], CODE_RAM + 16
                mov dword [CODE_RAM + 16], .ret1
                mov word [CODE_RAM + 20], SEL_CODE32
                xor eax, eax
                jmp SEL_CODE32:CODE_RAM
.ret1:          CHECK_EQ eax, 0x12345678, 23, "the code runs under a flat CS"
                SET_DESC SEL_CLIM, 0, CODE_RAM + 2, 0x409A
                ; TRY resumes with the faulting CS: resume inside its limit, at a far JMP
                ; back to .r24 placed just below the code.
                mov byte [CODE_RAM - 8], 0xEA       ; jmp SEL_CODE32:.r24
                mov dword [CODE_RAM - 7], .r24
                mov word [CODE_RAM - 3], SEL_CODE32
                xor eax, eax
                TRY CODE_RAM - 8
                jmp SEL_CLIM:CODE_RAM
.r24:           CHECK_EXC 13, 0, 24, "an instruction crossing the CS limit -> #GP(0)"
                CHECK_EQ [exc_eip], CODE_RAM, 25, "#GP at the instruction that crosses"
                CHECK_EQ eax, 0, 26, "the crossing instruction did not execute"
                PASS
