; x86pc-test: timeout=10 qemu=unsupported
; fpu-env: the real-mode layouts of the x87 environment (FNSTENV/FLDENV) and FNSAVE/FRSTOR
; images, 16-bit (14 + 80 bytes) and 32-bit operand size (28 + 80 bytes), which the
; native-versus-guest fputest (a 32/64-bit protected-mode program) cannot produce: the
; instruction and operand pointers are 20-bit linear addresses split into a low word and
; bits 16-19 at bit 12 of the next field, with the 11-bit opcode (FOP) beside FIP's high
; bits (SDM vol. 1, figures 8-10 and 8-12). Then the same pointers in the protected-mode
; layouts, 32-bit (selector:offset, FOP at bits 16-26 of the FCS dword) and 16-bit.
%define TEST_NAME "fpu-env"
%define TEST_REAL_MODE
%include "lib.inc"

; Code runs at F000:offset, linear 0xF0000 + offset: FIP bits 16-19 are 0xF and the
; offset of a label is (label - $$) ($$ = ROM_BASE, the start of the section).
DATA_SEG        equ 0x1000              ; real-mode data segment: operand at linear 0x10100
OPND            equ 0x0100
ENV             equ 0x0200              ; images at DATA_SEG:ENV (linear 0x10200)
ENV2            equ 0x0300

test_main16:
                mov eax, cr0
                and eax, ~0x0C              ; EM = TS = 0
                or eax, 0x22                ; NE, MP
                mov cr0, eax
                mov ax, DATA_SEG
                mov ds, ax
                mov es, ax
                mov dword [OPND], 0x40490FDB    ; 3.14159274 (binary32)
                fninit
                ; FLD m32real at DS:OPND: FIP = this instruction (F000:offset = linear
                ; 0xF0000 + offset), FOP = (D9 & 7) << 8 | ModRM 06 = 0x106, FDP = 0x10100.
.fld_insn:      fld dword [OPND]
                fnstenv [ENV]               ; 16-bit real-mode format (14 bytes)
                ; 1-7: FCW, FSW (TOP = 7), FTW (ST0 valid, others empty), pointers.
                movzx eax, word [ENV + 0]
                RM_CHECK_EQ eax, 0x037F, 1, "env16 FCW"
                movzx eax, word [ENV + 2]
                RM_CHECK_EQ eax, 0x3800, 2, "env16 FSW (TOP = 7)"
                movzx eax, word [ENV + 4]
                RM_CHECK_EQ eax, 0x3FFF, 3, "env16 FTW"
                movzx eax, word [ENV + 6]
                RM_CHECK_EQ eax, (.fld_insn - $$), 4, "env16 FIP bits 0-15"
                movzx eax, word [ENV + 8]
                RM_CHECK_EQ eax, 0xF000 | 0x106, 5, "env16 FIP 16-19 | FOP"
                movzx eax, word [ENV + 10]
                RM_CHECK_EQ eax, 0x0100, 6, "env16 FDP bits 0-15"
                movzx eax, word [ENV + 12]
                RM_CHECK_EQ eax, 0x1000, 7, "env16 FDP bits 16-19 at bit 12"
                ; FNSTENV masked every exception: FCW = 0x037F already (all masked).

                ; 8-14: the 32-bit real-mode format (o32, 28 bytes).
                fninit
.fld_insn2:     fld dword [OPND]
                o32 fnstenv [ENV]
                movzx eax, word [ENV + 0]
                RM_CHECK_EQ eax, 0x037F, 8, "env32 FCW"
                movzx eax, word [ENV + 4]
                RM_CHECK_EQ eax, 0x3800, 9, "env32 FSW"
                movzx eax, word [ENV + 8]
                RM_CHECK_EQ eax, 0x3FFF, 10, "env32 FTW"
                movzx eax, word [ENV + 12]
                RM_CHECK_EQ eax, (.fld_insn2 - $$), 11, "env32 FIP bits 0-15"
                mov eax, [ENV + 16]
                and eax, 0x0FFFF7FF
                RM_CHECK_EQ eax, 0xF000 | 0x106, 12, "env32 FIP 16-31 at bit 12 | FOP"
                movzx eax, word [ENV + 20]
                RM_CHECK_EQ eax, 0x0100, 13, "env32 FDP bits 0-15"
                mov eax, [ENV + 24]
                and eax, 0x0FFFF000
                RM_CHECK_EQ eax, 0x00001000, 14, "env32 FDP 16-31 at bit 12"

                ; 15-18: FNSAVE 16-bit real format: environment + ST0 at offset 14; then FNINIT.
                fninit
                fld dword [OPND]
                fnsave [ENV]
                movzx eax, word [ENV + 2]
                RM_CHECK_EQ eax, 0x3800, 15, "save16 FSW"
                mov eax, [ENV + 14 + 4]
                RM_CHECK_EQ eax, 0xC90FDB00, 16, "save16 ST0 significand bits 32-63"
                movzx eax, word [ENV + 14 + 8]
                RM_CHECK_EQ eax, 0x4000, 17, "save16 ST0 sign/exponent"
                fnstsw ax
                movzx eax, ax
                RM_CHECK_EQ eax, 0, 18, "FNSAVE reinitialises (FSW = 0)"
                ; 19-21: FRSTOR of that image: TOP and ST0 back; the pointers round-trip.
                frstor [ENV]
                fnstsw ax
                movzx eax, ax
                RM_CHECK_EQ eax, 0x3800, 19, "FRSTOR16 restores FSW"
                fstp dword [ENV2]
                RM_CHECK_EQ dword [ENV2], 0x40490FDB, 20, "FRSTOR16 restores ST0"
                frstor [ENV]
                fnstenv [ENV2]
                movzx eax, word [ENV2 + 8]
                RM_CHECK_EQ eax, 0xF000 | 0x106, 21, "FRSTOR16 FIP/FOP round trip"
                ; 22-24: FNSAVE/FRSTOR 32-bit real format: ST0 at offset 28.
                fninit
                fld dword [OPND]
                o32 fnsave [ENV]
                mov eax, [ENV + 28 + 4]
                RM_CHECK_EQ eax, 0xC90FDB00, 22, "save32 ST0 significand bits 32-63"
                movzx eax, word [ENV + 28 + 8]
                RM_CHECK_EQ eax, 0x4000, 23, "save32 ST0 sign/exponent"
                o32 frstor [ENV]
                fstp dword [ENV2]
                RM_CHECK_EQ dword [ENV2], 0x40490FDB, 24, "FRSTOR32 restores ST0"
                ; 25-26: FLDENV of a 16-bit image with chosen pointers, read back by FNSTENV.
                fninit
                mov word [ENV + 0], 0x027F
                mov word [ENV + 2], 0x0000
                mov word [ENV + 4], 0xFFFF
                mov word [ENV + 6], 0x1234
                mov word [ENV + 8], 0x5678      ; FIP bits 16-19 = 5, FOP = 0x678
                mov word [ENV + 10], 0x9ABC
                mov word [ENV + 12], 0xD000     ; FDP bits 16-19 = 0xD
                fldenv [ENV]
                fnstenv [ENV2]
                mov eax, [ENV2 + 6]
                RM_CHECK_EQ eax, 0x56781234, 25, "FLDENV16 FIP and FOP round trip"
                mov eax, [ENV2 + 10]
                and eax, 0xF000FFFF
                RM_CHECK_EQ eax, 0xD0009ABC, 26, "FLDENV16 FDP round trip"

                ; Protected mode: 32-bit flat code (lib GDT), then the same in the 32-bit and
                ; 16-bit protected-mode layouts.
                cli
                mov eax, cr0
                or eax, 1
                mov cr0, eax
                jmp dword SEL_CODE32:pm32

                bits 32
pm32:
                mov ax, SEL_DATA32
                mov ds, ax
                mov es, ax
                mov ss, ax
                mov esp, STACK_TOP
                call lib_init32
                mov dword [TEST_RAM], 0x40490FDB
                fninit
                ; 27-31: 32-bit PM layout: FIP offset, FCS selector with FOP in bits 16-26,
                ; FDP offset, FDS selector. FLD m32 [disp32]: ModRM 05, FOP = 0x105.
.pm_fld:        fld dword [TEST_RAM]
                fnstenv [TEST_RAM + 0x100]
                CHECK_EQ [TEST_RAM + 0x100 + 12], .pm_fld, 27, "env32 PM FIP"
                mov eax, [TEST_RAM + 0x100 + 16]
                and eax, 0x07FFFFFF
                CHECK_EQ eax, (0x105 << 16) | SEL_CODE32, 28, "env32 PM FOP | FCS"
                CHECK_EQ [TEST_RAM + 0x100 + 20], TEST_RAM, 29, "env32 PM FDP"
                movzx eax, word [TEST_RAM + 0x100 + 24]
                CHECK_EQ eax, SEL_DATA32, 30, "env32 PM FDS"
                ; 31-34: 16-bit PM layout (o16): IP, CS, DP, DS words.
                o16 fnstenv [TEST_RAM + 0x200]
                movzx eax, word [TEST_RAM + 0x200 + 6]
                CHECK_EQ eax, (.pm_fld - $$), 31, "env16 PM FIP"
                movzx eax, word [TEST_RAM + 0x200 + 8]
                CHECK_EQ eax, SEL_CODE32, 32, "env16 PM FCS"
                movzx eax, word [TEST_RAM + 0x200 + 10]
                CHECK_EQ eax, (TEST_RAM & 0xFFFF), 33, "env16 PM FDP"
                movzx eax, word [TEST_RAM + 0x200 + 12]
                CHECK_EQ eax, SEL_DATA32, 34, "env16 PM FDS"
                PASS
