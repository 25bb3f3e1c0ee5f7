; x86pc-test: timeout=10
; exceptions: basic exception delivery in 32-bit protected mode: #DE from DIV and IDIV,
; #UD from UD2, INT n, INT3, INTO, BOUND (fault vs. trap EIP), #GP error codes.
%define TEST_NAME "exceptions"
%include "lib.inc"

test_main32:
                ; 1-2: DIV by zero -> #DE (fault: EIP of the DIV, no error code).
                mov eax, 1234
                xor edx, edx
                xor ecx, ecx
                TRY .r1
.div0:          div ecx
.r1:            CHECK_EXC 0, 0, 1, "#DE from DIV by zero"
                CHECK_EQ [exc_eip], .div0, 2, "#DE EIP points at the DIV"
                ; 3: IDIV overflow (-2^31 / -1) -> #DE.
                mov eax, 0x80000000
                cdq
                mov ecx, -1
                TRY .r3
                idiv ecx
.r3:            CHECK_EXC 0, 0, 3, "#DE from IDIV overflow"
                ; 4: DIV with a quotient that does not fit in 8 bits -> #DE.
                mov ax, 0x1000
                mov cl, 0x10
                TRY .r4
                div cl
.r4:            CHECK_EXC 0, 0, 4, "#DE from 8-bit DIV overflow"
                ; 5-6: UD2 -> #UD, fault.
                TRY .r5
.ud:            ud2
.r5:            CHECK_EXC 6, 0, 5, "#UD from UD2"
                CHECK_EQ [exc_eip], .ud, 6, "#UD EIP points at UD2"
                ; 7-8: INT 0x40 -> vector 0x40, EIP after the instruction.
                TRY .r7
                int 0x40
.after_int:
.r7:            CHECK_EXC 0x40, 0, 7, "INT 0x40 vector"
                CHECK_EQ [exc_eip], .after_int, 8, "INT n pushes the next EIP"
                ; 9-10: INT3 (0xCC) -> vector 3, trap.
                TRY .r9
                int3
.after_int3:
.r9:            CHECK_EXC 3, 0, 9, "INT3 vector"
                CHECK_EQ [exc_eip], .after_int3, 10, "INT3 pushes the next EIP"
                ; 11: INTO with OF = 0 does nothing.
                xor eax, eax                ; OF = 0
                TRY .r11
                into
                mov dword [exc_vec], 0x1111 ; reached: no exception
.r11:           CHECK_EXC 0x1111, -1, 11, "INTO with OF=0 must not trap"
                ; 12-13: INTO with OF = 1 -> vector 4, trap.
                mov al, 0x7F
                add al, 1                   ; OF = 1
                TRY .r12
                into
.after_into:
.r12:           CHECK_EXC 4, 0, 12, "INTO with OF=1"
                CHECK_EQ [exc_eip], .after_into, 13, "INTO pushes the next EIP"
                ; 14: BOUND inside the bounds does nothing.
                mov dword [TEST_RAM], 10
                mov dword [TEST_RAM + 4], 20
                mov eax, 20
                TRY .r14
                bound eax, [TEST_RAM]
                mov dword [exc_vec], 0x2222
.r14:           CHECK_EXC 0x2222, -1, 14, "BOUND in range must not fault"
                ; 15-16: BOUND below the lower bound -> #BR (vector 5), fault.
                mov eax, 9
                TRY .r15
.bound:         bound eax, [TEST_RAM]
.r15:           CHECK_EXC 5, 0, 15, "#BR from BOUND"
                CHECK_EQ [exc_eip], .bound, 16, "#BR EIP points at BOUND"
                ; 17: signed comparison: -1 is below 10.
                mov eax, -1
                TRY .r17
                bound eax, [TEST_RAM]
.r17:           CHECK_EXC 5, 0, 17, "#BR from BOUND with negative index"
                ; 23: above the upper bound -> #BR; 24: 16-bit BOUND reads word bounds.
                mov eax, 21
                TRY .r23
                bound eax, [TEST_RAM]
.r23:           CHECK_EXC 5, 0, 23, "#BR from BOUND above the upper bound"
                mov dword [TEST_RAM + 8], 0x0014000A    ; words 10, 20
                mov ax, 20
                TRY .r24
                bound ax, [TEST_RAM + 8]
                mov dword [exc_vec], 0x2222
.r24:           CHECK_EXC 0x2222, -1, 24, "16-bit BOUND with the index at the upper bound"
                ; 18: loading DS with a selector beyond the GDT limit -> #GP(selector).
                TRY .r18
                mov ax, GDT_ENTRIES * 8 + 8
                mov ds, ax
.r18:           CHECK_EXC 13, GDT_ENTRIES * 8 + 8, 18, "#GP(sel) for selector beyond GDT limit"
                ; 19: INT n to a vector beyond the IDT limit -> #GP(vector * 8 + 2).
                lidt [idtr_short]
                TRY .r19
                int 0x40
.r19:           lidt [idtr_value]
                CHECK_EXC 13, 0x40 * 8 + 2, 19, "#GP(vec*8+2) for INT beyond IDT limit"
                ; 20: loading SS with the null selector -> #GP(0).
                TRY .r20
                xor eax, eax
                mov ss, ax
.r20:           CHECK_EXC 13, 0, 20, "#GP(0) for null SS"
                ; 21: MOV to CR with an invalid register (CR1) -> #UD.
                TRY .r21
                db 0x0F, 0x22, 0xC8         ; mov cr1, eax
.r21:           CHECK_EXC 6, 0, 21, "#UD for MOV CR1"
                ; 22: the handler ran with the exception count we expect.
                CHECK_EQ [exc_count], 14, 22, "number of exceptions taken"
                PASS

idtr_short:     dw 0x20 * 8 - 1
                dd IDT_BASE
