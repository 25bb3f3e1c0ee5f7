; x86pc-test: timeout=10 qemu=unsupported
; align-check: alignment checking (#AC, vector 17, error code 0). A misaligned data access
; faults only at CPL 3 with both CR0.AM and EFLAGS.AC set; word, dword and qword operands
; must be 2-, 4- and 8-byte aligned, byte operands never fault; the faulting instruction
; has done nothing (no store, ESP unchanged for PUSH, far CALL, RETF). Instruction fetches
; and the processor's own supervisor accesses are not checked. Turning AC off again (POPF at CPL
; 3) or clearing CR0.AM stops the checks at once.
%define TEST_NAME "align-check"
%include "lib.inc"

R3_VEC          equ TEST_RAM + 0x00         ; per slot: vector taken, or 0x7F for none
R3_ERR          equ TEST_RAM + 0x80
R3_VAL          equ TEST_RAM + 0x100
DATA            equ TEST_RAM + 0x1000       ; 16-byte aligned scratch data
NO_EXC          equ 0x7F

; NO_FAULT: after an instruction that must not fault, record "no exception" (NO_EXC).
%macro NO_FAULT 0
                mov dword [exc_vec], NO_EXC
                mov dword [exc_err], NO_EXC
%endmacro

test_main32:
                mov dword [DATA], 0x11223344
                mov dword [DATA + 4], 0x55667788
                mov dword [DATA + 8], 0xAABBCCDD
                ; CR0.AM on.
                mov eax, cr0
                or eax, 1 << 18
                mov cr0, eax
                ; 1: at CPL 0 with EFLAGS.AC set, a misaligned dword is fine.
                pushfd
                or dword [esp], 1 << 18
                popfd
                TRY .r1
                mov eax, [DATA + 1]
                NO_FAULT
.r1:            CHECK_EXC NO_EXC, -1, 1, "CPL 0 is never alignment checked"
                pushfd
                and dword [esp], ~(1 << 18)
                popfd

                GO_RING3 ring3
ring3:          ; slot 0: AC still clear at CPL 3: no check.
                TRY .s0
                mov eax, [DATA + 1]
                NO_FAULT
.s0:            R3_SAVE 0
                ; AC on from CPL 3 (POPF may change AC at any privilege level).
                pushfd
                or dword [esp], 1 << 18
                popfd
                ; slot 1: misaligned dword load -> #AC(0).
                TRY .s1
                mov eax, [DATA + 2]
                NO_FAULT
.s1:            R3_SAVE 1
                ; slot 2: misaligned word store -> #AC(0), memory unchanged.
                TRY .s2
                mov word [DATA + 5], 0xBEEF
                NO_FAULT
.s2:            R3_SAVE 2
                mov eax, [DATA + 4]
                mov [R3_VAL + 0], eax
                ; slot 3: aligned word at an odd dword boundary is fine (2-byte aligned).
                TRY .s3
                mov ax, [DATA + 6]
                NO_FAULT
.s3:            R3_SAVE 3
                ; slot 4: bytes never fault.
                TRY .s4
                mov al, [DATA + 3]
                mov byte [DATA + 13], al
                NO_FAULT
.s4:            R3_SAVE 4
                ; slot 5: a qword (CMPXCHG8B m64) must be 8-byte aligned: DATA + 4 faults.
                TRY .s5
                xor eax, eax
                xor edx, edx
                xor ebx, ebx
                xor ecx, ecx
                cmpxchg8b [DATA + 4]
                NO_FAULT
.s5:            R3_SAVE 5
                ; slot 6: PUSH with a misaligned ESP -> #AC(0), ESP unchanged.
                mov ebp, esp
                sub esp, 2
                mov esi, esp
                TRY .s6
                push dword 0x1234
                NO_FAULT
.s6:            R3_SAVE 6
                mov [R3_VAL + 4], esp
                mov [R3_VAL + 8], esi
                mov esp, ebp
                ; slot 7: code at a misaligned address runs (fetches are not checked), and
                ; an aligned dword access is fine.
                TRY .s7
                jmp .odd
                align 4
                nop
.odd:           mov eax, [DATA + 8]
                mov [R3_VAL + 12], eax
                NO_FAULT
.s7:            R3_SAVE 7
                ; slot 8: AC off again (POPF at CPL 3): a misaligned dword is fine.
                pushfd
                and dword [esp], ~(1 << 18)
                popfd
                TRY .s8
                mov eax, [DATA + 1]
                NO_FAULT
.s8:            R3_SAVE 8
                ; AC on for the ring-0 check of CR0.AM below; the ring-0 gate clears it.
                pushfd
                or dword [esp], 1 << 18
                popfd
                ; slot 9: a misaligned dword again faults (AC back on).
                TRY .s9
                mov eax, [DATA + 3]
                NO_FAULT
.s9:            R3_SAVE 9
                ; slot 11: far CALL with a misaligned ESP -> #AC(0), ESP unchanged.
                mov ebp, esp
                sub esp, 2
                mov esi, esp
                TRY .s11
                call SEL_UCODE32:.far_target
                NO_FAULT
.s11:           R3_SAVE 11
                mov [R3_VAL + 16], esp
                mov [R3_VAL + 20], esi
                mov esp, ebp
                ; slot 12: RETF from a misaligned ESP (the far pointer written as words,
                ; which are 2-byte aligned there) -> #AC(0), ESP unchanged.
                lea esp, [ebp - 14]
                mov esi, esp
                mov eax, .retf_done
                mov [esp], ax
                shr eax, 16
                mov [esp + 2], ax
                mov word [esp + 4], SEL_UCODE32
                mov word [esp + 6], 0
                TRY .s12
                retf
.retf_done:     NO_FAULT
.s12:           R3_SAVE 12
                mov [R3_VAL + 24], esp
                mov [R3_VAL + 28], esi
                mov esp, ebp
                GO_RING0 back0
.far_target:    retf                                ; (only if the far CALL did not fault)
back0:
                R3_CHECK 0, NO_EXC, -1, 10
                R3_CHECK 1, 17, 0, 11
                R3_CHECK 2, 17, 0, 12
                CHECK_EQ [R3_VAL + 0], 0x55667788, 13, "faulting store changed nothing"
                R3_CHECK 3, NO_EXC, -1, 14
                R3_CHECK 4, NO_EXC, -1, 15
                R3_CHECK 5, 17, 0, 16
                R3_CHECK 6, 17, 0, 17
                mov eax, [R3_VAL + 8]
                CHECK_EQ [R3_VAL + 4], eax, 18, "faulting PUSH left ESP alone"
                R3_CHECK 7, NO_EXC, -1, 19
                CHECK_EQ [R3_VAL + 12], 0xAABBCCDD, 20, "aligned load value"
                R3_CHECK 8, NO_EXC, -1, 21
                R3_CHECK 9, 17, 0, 22
                R3_CHECK 11, 17, 0, 24
                mov eax, [R3_VAL + 20]
                CHECK_EQ [R3_VAL + 16], eax, 25, "faulting far CALL left ESP alone"
                R3_CHECK 12, 17, 0, 26
                mov eax, [R3_VAL + 28]
                CHECK_EQ [R3_VAL + 24], eax, 27, "faulting RETF left ESP alone"

                ; 23: CR0.AM clear: AC set at CPL 3 no longer matters.
                mov eax, cr0
                and eax, ~(1 << 18)
                mov cr0, eax
                GO_RING3 ring3b
ring3b:         pushfd
                or dword [esp], 1 << 18
                popfd
                TRY .t0
                mov eax, [DATA + 1]
                NO_FAULT
.t0:            R3_SAVE 10
                GO_RING0 back1
back1:
                R3_CHECK 10, NO_EXC, -1, 23
                PASS
