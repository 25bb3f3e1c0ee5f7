; x86pc-test: timeout=10
; seg-faults: protection checks made when a segment register is loaded or a far transfer
; is made, with their vectors and error codes: wrong descriptor type (#GP(sel)), not present
; (#NP(sel), #SS(sel) for SS), DPL/RPL/CPL rules, null selectors, LDT selectors without an
; LDT, busy TSS for LTR, and the ring-3 privileged-instruction / gate-DPL faults.
; (Limit and write-protection checks on ordinary accesses are in seg-limits.asm.)
%define TEST_NAME "seg-faults"
%include "lib.inc"

SEL_RW          equ 0x40                    ; data, DPL 0, read/write
SEL_XO          equ 0x48                    ; code, execute-only
SEL_RO          equ 0x50                    ; data, read-only
SEL_NP          equ 0x58                    ; data, not present
SEL_D3          equ 0x60                    ; data, DPL 3
SEL_CR          equ 0x70                    ; code, readable
SEL_CNP         equ 0x78                    ; code, not present

R3_VEC          equ TEST_RAM + 0x00         ; results copied by the ring-3 part
R3_ERR          equ TEST_RAM + 0x40

test_main32:
                SET_DESC SEL_RW, 0, 0xFFFFF, 0xC092
                SET_DESC SEL_XO, 0, 0xFFFFF, 0xC098
                SET_DESC SEL_RO, 0, 0xFFFFF, 0xC090
                SET_DESC SEL_NP, 0, 0xFFFFF, 0xC012
                SET_DESC SEL_D3, 0, 0xFFFFF, 0xC0F2
                SET_DESC SEL_CR, 0, 0xFFFFF, 0xC09A
                SET_DESC SEL_CNP, 0, 0xFFFFF, 0xC01A

                ; 1: DS <- execute-only code segment -> #GP(sel).
                TRY .r1
                mov ax, SEL_XO
                mov ds, ax
.r1:            CHECK_EXC 13, SEL_XO, 1, "DS <- execute-only code"
                ; 2: DS <- readable code segment is allowed, and reads through it work.
                TRY .r2
                mov ax, SEL_CR
                mov fs, ax
                mov eax, [fs:exc_recover]
                mov dword [exc_vec], 0x77
.r2:            CHECK_EXC 0x77, -1, 2, "FS <- readable code must not fault"
                ; 3: SS <- read-only data -> #GP(sel).
                TRY .r3
                mov ax, SEL_RO
                mov ss, ax
.r3:            CHECK_EXC 13, SEL_RO, 3, "SS <- read-only data"
                ; 4: SS <- code segment -> #GP(sel).
                TRY .r4
                mov ax, SEL_CODE32
                mov ss, ax
.r4:            CHECK_EXC 13, SEL_CODE32, 4, "SS <- code segment"
                ; 5: DS <- not-present segment -> #NP(sel).
                TRY .r5
                mov ax, SEL_NP
                mov ds, ax
.r5:            CHECK_EXC 11, SEL_NP, 5, "DS <- not-present segment"
                ; 6: SS <- not-present segment -> #SS(sel).
                TRY .r6
                mov ax, SEL_NP
                mov ss, ax
.r6:            CHECK_EXC 12, SEL_NP, 6, "SS <- not-present segment"
                ; 7: DS <- DPL-0 segment with RPL 3 -> #GP(sel without RPL).
                TRY .r7
                mov ax, SEL_RW | 3
                mov ds, ax
.r7:            CHECK_EXC 13, SEL_RW, 7, "DS <- DPL 0 segment with RPL 3"
                ; 8: DS <- DPL-3 data at CPL 0 is allowed (DPL >= max(CPL, RPL)).
                TRY .r8
                mov ax, SEL_D3
                mov gs, ax
                mov dword [exc_vec], 0x78
.r8:            CHECK_EXC 0x78, -1, 8, "GS <- DPL 3 data at CPL 0 must not fault"
                ; 9: SS <- DPL-3 data at CPL 0 -> #GP(sel) (stack DPL must equal CPL).
                TRY .r9
                mov ax, SEL_D3 | 3
                mov ss, ax
.r9:            CHECK_EXC 13, SEL_D3, 9, "SS <- DPL 3 data at CPL 0"
                ; 10: SS <- selector with RPL 2 != CPL -> #GP(sel).
                TRY .r10
                mov ax, SEL_RW | 2
                mov ss, ax
.r10:           CHECK_EXC 13, SEL_RW, 10, "SS <- RPL 2 at CPL 0"
                ; 11: DS <- null is allowed (faults only when used).
                TRY .r11
                xor eax, eax
                mov es, ax
                mov dword [exc_vec], 0x79
.r11:           CHECK_EXC 0x79, -1, 11, "ES <- null must not fault"
                mov ax, SEL_DATA32
                mov es, ax
                ; 12: DS <- LDT selector while LDTR is null -> #GP(sel).
                TRY .r12
                mov ax, SEL_RW | 4
                mov ds, ax
.r12:           CHECK_EXC 13, SEL_RW | 4, 12, "DS <- LDT selector without an LDT"
                ; 13: far JMP to a data segment -> #GP(sel).
                TRY .r13
                jmp SEL_RW:.r13
.r13:           CHECK_EXC 13, SEL_RW, 13, "far JMP to a data segment"
                ; 14: far CALL to a not-present code segment -> #NP(sel).
                TRY .r14
                call SEL_CNP:.r14
.r14:           CHECK_EXC 11, SEL_CNP, 14, "far CALL to a not-present code segment"
                ; 15: LTR of the busy lib TSS -> #GP(sel).
                TRY .r15
                mov ax, SEL_TSS
                ltr ax
.r15:           CHECK_EXC 13, SEL_TSS, 15, "LTR of a busy TSS"
                ; 16: LLDT of a data segment -> #GP(sel).
                TRY .r16
                mov ax, SEL_RW
                lldt ax
.r16:           CHECK_EXC 13, SEL_RW, 16, "LLDT of a non-LDT descriptor"
                ; 17: SS <- null at CPL 0 -> #GP(0).
                TRY .r17
                xor eax, eax
                mov ss, ax
.r17:           CHECK_EXC 13, 0, 17, "SS <- null"

                ; ---- ring 3 ----
                GO_RING3 ring3
ring3:          ; slot 0: DS <- DPL-0 data at CPL 3 -> #GP(sel).
                TRY .s0
                mov ax, SEL_DATA32
                mov fs, ax
.s0:            R3_SAVE 0
                ; slot 1: CLI with IOPL 0 -> #GP(0).
                TRY .s1
                cli
.s1:            R3_SAVE 1
                ; slot 2: HLT -> #GP(0).
                TRY .s2
                hlt
.s2:            R3_SAVE 2
                ; slot 3: MOV from CR0 -> #GP(0).
                TRY .s3
                mov eax, cr0
.s3:            R3_SAVE 3
                ; slot 4: IN with IOPL 0 and no I/O bitmap -> #GP(0).
                TRY .s4
                mov dx, 0x80
                in al, dx
.s4:            R3_SAVE 4
                ; slot 5: INT 0x40 through a DPL-0 gate -> #GP(0x40 * 8 + 2).
                TRY .s5
                int 0x40
.s5:            R3_SAVE 5
                ; slot 6: INT3 through a DPL-0 gate -> #GP(3 * 8 + 2).
                TRY .s6
                int3
.s6:            R3_SAVE 6
                ; slot 7: DS <- DPL-3 data with RPL 3 is fine at CPL 3.
                TRY .s7
                mov ax, SEL_D3 | 3
                mov fs, ax
                mov dword [exc_vec], 0x7A
                mov dword [exc_err], 0x7A
.s7:            R3_SAVE 7
                ; slot 8: far CALL to a ring-0 non-conforming code segment -> #GP(sel).
                TRY .s8
                call SEL_CODE32:.s8
.s8:            R3_SAVE 8
                ; slot 9: the CPL is 3 (CS RPL).
                mov ax, cs
                movzx eax, ax
                mov [R3_VEC + 4 * 9], eax
                ; slot 10: POPF at CPL 3 > IOPL 0 changes neither IF nor IOPL (no fault);
                ; slot 11: SMSW is not privileged.
                push dword 0x3202           ; IOPL 3, IF 1
                popfd
                pushfd
                pop eax
                and eax, 0x3200
                mov [R3_VEC + 4 * 10], eax
                TRY .s11
                smsw eax
                mov dword [exc_vec], 0x7B
.s11:           and eax, 1
                mov [R3_ERR + 4 * 11], eax
                mov eax, [exc_vec]
                mov [R3_VEC + 4 * 11], eax
                GO_RING0 back0
back0:
                R3_CHECK 0, 13, SEL_DATA32, 20
                R3_CHECK 1, 13, 0, 21
                R3_CHECK 2, 13, 0, 22
                R3_CHECK 3, 13, 0, 23
                R3_CHECK 4, 13, 0, 24
                R3_CHECK 5, 13, 0x40 * 8 + 2, 25
                R3_CHECK 6, 13, 3 * 8 + 2, 26
                R3_CHECK 7, 0x7A, 0x7A, 27
                R3_CHECK 8, 13, SEL_CODE32, 28
                CHECK_EQ [R3_VEC + 4 * 9], SEL_UCODE32, 29, "CS in ring 3"
                CHECK_EQ [R3_VEC + 4 * 10], 0, 30, "POPF at CPL 3, IOPL 0: IF and IOPL kept"
                CHECK_EQ [R3_VEC + 4 * 11], 0x7B, 31, "SMSW at CPL 3 does not fault"
                CHECK_EQ [R3_ERR + 4 * 11], 1, 32, "SMSW at CPL 3 reads CR0.PE = 1"
                PASS
