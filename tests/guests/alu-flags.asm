; x86pc-test: timeout=10
; alu-flags: results and architecturally defined flags of ADD/SUB/ADC/SBB/INC/NEG/AND,
; shifts, rotates, MUL/IMUL/DIV/IDIV.  Expected values are derived from the SDM definitions
; (worked out in the comments); flags the SDM leaves undefined are masked out.
%define TEST_NAME "alu-flags"
%include "lib.inc"

F_CF            equ 0x001
F_PF            equ 0x004
F_AF            equ 0x010
F_ZF            equ 0x040
F_SF            equ 0x080
F_OF            equ 0x800
F_ARITH         equ F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF

; SETF value : EFLAGS = value | 2 (bit 1 always reads as 1).
%macro SETF 1
                push dword (%1) | 2
                popfd
%endmacro

; FLAGS_IS mask, expected, code : (EFLAGS & mask) == expected.  Preserves the other registers.
%macro FLAGS_IS 3
                pushfd
                pop ebx
                and ebx, %1
                CHECK_EQ ebx, %2, %3, "flags"
%endmacro

test_main32:
                ; 1-2: 0x7FFFFFFF + 1 = 0x80000000: signed overflow, SF, carry out of bit 3 (AF),
                ; low byte 0x00 has even parity (PF); no carry out of bit 31.
                SETF 0
                mov eax, 0x7FFFFFFF
                add eax, 1
                FLAGS_IS F_ARITH, F_OF | F_SF | F_AF | F_PF, 1
                CHECK_EQ eax, 0x80000000, 2, "ADD result"
                ; 3-4: 0xFFFFFFFF + 1 = 0 with CF, ZF, AF, PF.
                SETF 0
                mov eax, 0xFFFFFFFF
                add eax, 1
                FLAGS_IS F_ARITH, F_CF | F_ZF | F_AF | F_PF, 3
                CHECK_EQ eax, 0, 4, "ADD wrap result"
                ; 5-6: 0 - 1 = 0xFFFFFFFF: borrow (CF), SF, nibble borrow (AF), 0xFF has 8 ones (PF).
                xor eax, eax
                SETF 0
                sub eax, 1
                FLAGS_IS F_ARITH, F_CF | F_SF | F_AF | F_PF, 5
                CHECK_EQ eax, 0xFFFFFFFF, 6, "SUB result"
                ; 7: 0x80000000 - 1 = 0x7FFFFFFF: negative - positive = positive -> OF; AF; PF.
                SETF 0
                mov eax, 0x80000000
                sub eax, 1
                FLAGS_IS F_ARITH, F_OF | F_AF | F_PF, 7
                ; 8-9: ADC with CF = 1: 0xFFFFFFFF + 0 + 1 = 0 -> CF, ZF, AF, PF.
                SETF F_CF
                mov eax, 0xFFFFFFFF
                adc eax, 0
                FLAGS_IS F_ARITH, F_CF | F_ZF | F_AF | F_PF, 8
                CHECK_EQ eax, 0, 9, "ADC result"
                ; 10-11: SBB with CF = 1: 5 - 5 - 1 = 0xFFFFFFFF -> CF, SF, AF, PF.
                SETF F_CF
                mov eax, 5
                sbb eax, 5
                FLAGS_IS F_ARITH, F_CF | F_SF | F_AF | F_PF, 10
                CHECK_EQ eax, 0xFFFFFFFF, 11, "SBB result"
                ; 12: ADC with CF = 0 is a plain ADD: 1 + 2 = 3, PF (0b11 has two ones).
                SETF F_ZF | F_SF
                mov eax, 1
                adc eax, 2
                FLAGS_IS F_ARITH, F_PF, 12
                ; 13: INC does not touch CF: 0xFFFFFFFF + 1 = 0 with ZF, AF, PF, CF kept set.
                SETF F_CF
                mov eax, 0xFFFFFFFF
                inc eax
                FLAGS_IS F_ARITH, F_CF | F_ZF | F_AF | F_PF, 13
                ; 14: DEC does not touch CF either: 0x80000000 - 1 -> OF, AF, PF; CF stays 0.
                SETF 0
                mov eax, 0x80000000
                dec eax
                FLAGS_IS F_ARITH, F_OF | F_AF | F_PF, 14
                ; 15-16: NEG 5 = 0xFFFFFFFB: CF (operand != 0), SF, AF (0 - 5 borrows from bit 4);
                ; 0xFB = 11111011b has 7 ones -> PF = 0.
                SETF 0
                mov eax, 5
                neg eax
                FLAGS_IS F_ARITH, F_CF | F_SF | F_AF, 15
                CHECK_EQ eax, 0xFFFFFFFB, 16, "NEG result"
                ; 17: NEG 0 = 0: CF = 0, ZF, PF.
                xor eax, eax
                SETF F_CF
                neg eax
                FLAGS_IS F_ARITH, F_ZF | F_PF, 17
                ; 18: 8-bit ADD 0x80 + 0x80 = 0x00: CF, OF, ZF, PF; AF = 0 (0 + 0 in the low nibble).
                SETF 0
                mov al, 0x80
                add al, 0x80
                FLAGS_IS F_ARITH, F_CF | F_OF | F_ZF | F_PF, 18
                ; 19: 16-bit ADD 0x7FFF + 1 = 0x8000: OF, SF, AF, PF (low byte 0x00).
                SETF 0
                mov ax, 0x7FFF
                add ax, 1
                FLAGS_IS F_ARITH, F_OF | F_SF | F_AF | F_PF, 19
                ; 20: AND clears CF and OF: 0xF0 & 0x0F = 0 -> ZF, PF (AF undefined: masked).
                SETF F_CF | F_OF
                mov eax, 0xF0
                and eax, 0x0F
                FLAGS_IS F_CF | F_PF | F_ZF | F_SF | F_OF, F_ZF | F_PF, 20
                ; 21-22: SHL 0x80000001 by 1 = 0x00000002: CF = bit shifted out = 1,
                ; OF = MSB(result) ^ CF = 1; 0x02 has one bit set -> PF = 0 (AF undefined).
                SETF 0
                mov eax, 0x80000001
                shl eax, 1
                FLAGS_IS F_CF | F_PF | F_ZF | F_SF | F_OF, F_CF | F_OF, 21
                CHECK_EQ eax, 2, 22, "SHL result"
                ; 23-24: SHR 0x80000001 by 1 = 0x40000000: CF = 1, OF = MSB of the original = 1,
                ; low byte 0 -> PF.
                SETF 0
                mov eax, 0x80000001
                shr eax, 1
                FLAGS_IS F_CF | F_PF | F_ZF | F_SF | F_OF, F_CF | F_OF | F_PF, 23
                CHECK_EQ eax, 0x40000000, 24, "SHR result"
                ; 25-26: SAR 0x80000008 by 4 = 0xF8000000: CF = bit 3 of the source = 1, SF, PF
                ; (OF undefined for counts > 1: masked).
                SETF 0
                mov eax, 0x80000008
                mov cl, 4
                sar eax, cl
                FLAGS_IS F_CF | F_PF | F_ZF | F_SF, F_CF | F_SF | F_PF, 25
                CHECK_EQ eax, 0xF8000000, 26, "SAR result"
                ; 27: a shift by 0 changes no flag.
                xor ecx, ecx
                SETF F_CF | F_ZF | F_OF
                mov eax, 0x12345678
                shl eax, cl
                FLAGS_IS F_ARITH, F_CF | F_ZF | F_OF, 27
                ; 28: the count is masked to 5 bits: SHL by 33 = SHL by 1.
                SETF 0
                mov eax, 1
                mov cl, 33
                shl eax, cl
                CHECK_EQ eax, 2, 28, "SHL count masked to 5 bits"
                ; 29-30: ROL 0x80000000 by 1 = 1: CF = LSB(result) = 1, OF = MSB(result) ^ CF = 1;
                ; SF/ZF/AF/PF are not affected (preset values must survive).
                SETF F_SF | F_ZF | F_AF | F_PF
                mov eax, 0x80000000
                rol eax, 1
                FLAGS_IS F_ARITH, F_CF | F_OF | F_SF | F_ZF | F_AF | F_PF, 29
                CHECK_EQ eax, 1, 30, "ROL result"
                ; 31-32: RCR 0 by 1 with CF = 1 = 0x80000000: CF = old LSB = 0,
                ; OF = MSB(result) ^ next bit = 1.
                xor eax, eax
                SETF F_CF
                rcr eax, 1
                FLAGS_IS F_CF | F_OF, F_OF, 31
                CHECK_EQ eax, 0x80000000, 32, "RCR result"
                ; 33: RCL 0x80000000 by 1 with CF = 0 = 0: CF = 1, OF = MSB(result) ^ CF = 1.
                SETF 0
                mov eax, 0x80000000
                rcl eax, 1
                FLAGS_IS F_CF | F_OF, F_CF | F_OF, 33
                ; 34-36: MUL 0x80000000 * 2 = EDX:EAX 1:0 -> CF = OF = 1 (high half non-zero).
                SETF 0
                mov eax, 0x80000000
                mov ecx, 2
                mul ecx
                FLAGS_IS F_CF | F_OF, F_CF | F_OF, 34
                CHECK_EQ edx, 1, 35, "MUL high half"
                CHECK_EQ eax, 0, 36, "MUL low half"
                ; 37: MUL 3 * 5 = 15 -> CF = OF = 0, EDX = 0.
                SETF F_CF | F_OF
                mov eax, 3
                mov ecx, 5
                mul ecx
                FLAGS_IS F_CF | F_OF, 0, 37
                ; 38-39: IMUL 0x40000000 * 2 = 0x80000000 does not fit signed 32 bits -> CF = OF = 1.
                SETF 0
                mov eax, 0x40000000
                mov ecx, 2
                imul eax, ecx
                FLAGS_IS F_CF | F_OF, F_CF | F_OF, 38
                CHECK_EQ eax, 0x80000000, 39, "IMUL truncated result"
                ; 40-41: IMUL -1 * -1 = 1 -> CF = OF = 0; one-operand form sign-extends into EDX.
                SETF F_CF | F_OF
                mov eax, -1
                mov ecx, -1
                imul ecx
                FLAGS_IS F_CF | F_OF, 0, 40
                CHECK_EQ edx, 0, 41, "IMUL high half"
                ; 42-43: DIV 0x1_00000005 / 0x10 = 0x10000000 remainder 5.
                mov edx, 1
                mov eax, 5
                mov ecx, 0x10
                div ecx
                CHECK_EQ eax, 0x10000000, 42, "DIV quotient"
                CHECK_EQ edx, 5, 43, "DIV remainder"
                ; 44-45: IDIV -7 / 2 = -3 remainder -1 (truncation toward zero).
                mov eax, -7
                cdq
                mov ecx, 2
                idiv ecx
                CHECK_EQ eax, 0xFFFFFFFD, 44, "IDIV quotient"
                CHECK_EQ edx, 0xFFFFFFFF, 45, "IDIV remainder"
                ; 46: 8-bit DIV: AX = 0x0123 / 0x10 -> AL = 0x12, AH = 3.
                mov eax, 0xAAAA0123
                mov cl, 0x10
                div cl
                CHECK_EQ eax, 0xAAAA0312, 46, "8-bit DIV AH:AL"
                ; 47-48: CMP sets flags like SUB without writing: 3 cmp 5 -> CF, SF, AF;
                ; 3 - 5 = 0xFE (7 ones: PF = 0).
                SETF 0
                mov eax, 3
                cmp eax, 5
                FLAGS_IS F_ARITH, F_CF | F_SF | F_AF, 47
                CHECK_EQ eax, 3, 48, "CMP must not write"
                ; 49-50: BT copies the bit into CF; BTS sets it.
                SETF 0
                mov eax, 0x20
                bt eax, 5
                FLAGS_IS F_CF, F_CF, 49
                bts eax, 6
                CHECK_EQ eax, 0x60, 50, "BTS result"
                ; 51-53: BSF of 0x00008000 = 15, ZF = 0; BSF of 0 sets ZF.
                mov ecx, 0x8000
                bsf eax, ecx
                FLAGS_IS F_ZF, 0, 51
                CHECK_EQ eax, 15, 52, "BSF result"
                xor ecx, ecx
                bsf eax, ecx
                FLAGS_IS F_ZF, F_ZF, 53
                ; 54: SHLD 0x12345678, 0x9ABCDEF0 by 8 = 0x3456789A.
                mov eax, 0x12345678
                mov edx, 0x9ABCDEF0
                shld eax, edx, 8
                CHECK_EQ eax, 0x3456789A, 54, "SHLD result"
                ; 55-56: XADD: EAX = 5, [mem] = 7 -> mem = 12, EAX = 7.
                mov dword [TEST_RAM], 7
                mov eax, 5
                xadd [TEST_RAM], eax
                CHECK_EQ eax, 7, 55, "XADD old value"
                CHECK_EQ [TEST_RAM], 12, 56, "XADD sum"
                ; 57-58: CMPXCHG mismatch loads EAX, ZF = 0.
                mov eax, 1
                mov ecx, 9
                cmpxchg [TEST_RAM], ecx
                FLAGS_IS F_ZF, 0, 57
                CHECK_EQ eax, 12, 58, "CMPXCHG loads EAX on mismatch"
                ; 59-60: CMPXCHG match stores, ZF = 1.
                cmpxchg [TEST_RAM], ecx
                FLAGS_IS F_ZF, F_ZF, 59
                CHECK_EQ [TEST_RAM], 9, 60, "CMPXCHG store on match"
                PASS
