; x86pc-test: timeout=10 args="-cpu x86pc" qemu=unsupported
; fpu-exc: x87 and SSE exception delivery, which the native-versus-guest fputest cannot
; check: CPUID feature bits; a pending unmasked x87 exception raises #MF (CR0.NE = 1) at the
; next waiting instruction, not at the instruction that caused it; FNCLEX clears it;
; CR0.TS/EM/MP -> #NM or #UD for x87, WAIT, MMX, SSE and FXSAVE; with CR0.NE = 0 the
; exception asserts FERR#, which the PC delivers as IRQ 13 until port 0xF0 is written;
; SSE: #UD without CR4.OSFXSR, an unmasked SIMD exception raises #XM (CR4.OSXMMEXCPT = 1)
; or #UD (= 0) and leaves the destination unchanged with the flag set in MXCSR; LDMXCSR and
; FXRSTOR #GP(0) on reserved MXCSR bits; #GP(0) on misaligned MOVAPS and FXSAVE.
%define TEST_NAME "fpu-exc"
%include "lib.inc"

CR0_MP          equ 1 << 1
CR0_EM          equ 1 << 2
CR0_TS          equ 1 << 3
CR0_NE          equ 1 << 5
CR4_OSFXSR      equ 1 << 9
CR4_OSXMMEXCPT  equ 1 << 10

IRQ13_COUNT     equ TEST_RAM + 0x00
IRQ13_FSW       equ TEST_RAM + 0x04
SCRATCH         equ TEST_RAM + 0x10     ; 16-byte aligned
FXAREA          equ TEST_RAM + 0x200    ; 512 bytes, 16-byte aligned
VEC_IRQ13       equ 0x2D                ; slave PIC base 0x28 + 5
LOOP_BOUND      equ 1000000

; reached: marks "no exception" after a TRY (CHECK_EXC NO_EXC ... then passes).
NO_EXC          equ 0x1111
%macro REACHED 0
                mov dword [exc_vec], NO_EXC
%endmacro

test_main32:
                ; 1-2: CPUID.1: FPU, CMOV, MMX, FXSR, SSE, SSE2 in EDX; ECX = 0 (no SSE3).
                mov eax, 1
                cpuid
                mov eax, edx
                and eax, (1 << 0) | (1 << 15) | (1 << 23) | (1 << 24) | (1 << 25) | (1 << 26)
                CHECK_EQ eax, (1 << 0) | (1 << 15) | (1 << 23) | (1 << 24) | (1 << 25) | (1 << 26), 1, "CPUID.1:EDX FPU CMOV MMX FXSR SSE SSE2"
                CHECK_EQ ecx, 0, 2, "CPUID.1:ECX (no SSE3 or later)"
                ; 46-47: CLFLUSH is advertised (it executes), with its 64-byte line size.
                mov eax, edx
                and eax, 1 << 19
                CHECK_EQ eax, 1 << 19, 46, "CPUID.1:EDX CLFSH"
                mov eax, ebx
                shr eax, 8
                and eax, 0xFF
                CHECK_EQ eax, 8, 47, "CPUID.1:EBX[15:8] CLFLUSH line size / 8"

                ; x87 on: NE = 1, MP = 1, EM = TS = 0; SSE on.
                mov eax, cr0
                and eax, ~(CR0_EM | CR0_TS)
                or eax, CR0_NE | CR0_MP
                mov cr0, eax
                mov eax, cr4
                or eax, CR4_OSFXSR | CR4_OSXMMEXCPT
                mov cr4, eax
                fninit

                ; 3-4: 1/0 with ZE unmasked: the FDIVP itself does not fault; FSW has ZE, ES, B.
                fldcw [cw_ze_unmasked]
                fld1
                fldz
                TRY .r3
                fdivp st1, st0
                fnstsw ax                   ; no-wait: no #MF
                REACHED
.r3:            CHECK_EXC NO_EXC, -1, 3, "FDIVP with an unmasked ZE does not fault itself"
                and eax, 0x8085
                CHECK_EQ eax, 0x8084, 4, "FSW after the unmasked ZE: B ES ZE"
                ; 5-6: the next waiting instruction (FWAIT) raises #MF, EIP = the FWAIT.
                TRY .r5
.fwait1:        fwait
.r5:            CHECK_EXC 16, 0, 5, "#MF at the next FWAIT"
                CHECK_EQ [exc_eip], .fwait1, 6, "#MF EIP points at the FWAIT"
                ; 7-8: still pending: a waiting x87 instruction (FLD1) raises #MF before it runs.
                fnstsw ax
                TRY .r7
.fld1b:         fld1
.r7:            CHECK_EXC 16, 0, 7, "#MF at the next waiting x87 instruction"
                CHECK_EQ [exc_eip], .fld1b, 8, "#MF EIP points at the FLD1"
                ; 9: non-waiting FNSTENV does not fault (and masks every exception).
                TRY .r9
                fnstenv [SCRATCH + 0x40]
                REACHED
.r9:            CHECK_EXC NO_EXC, -1, 9, "FNSTENV with a pending exception"
                ; 10: an MMX instruction also waits for a pending x87 exception: #MF.
                fnclex
                fldcw [cw_ze_unmasked]
                fld1
                fldz
                fdivp st1, st0
                TRY .r10
.emms1:         emms
.r10:           CHECK_EXC 16, 0, 10, "#MF at an MMX instruction"
                ; 11: FNCLEX, then FWAIT: nothing pending.
                fnclex
                TRY .r11
                fwait
                REACHED
.r11:           CHECK_EXC NO_EXC, -1, 11, "FWAIT after FNCLEX"
                fninit

                ; 12-21: #NM and #UD from CR0.TS / EM / MP.
                mov eax, cr0
                or eax, CR0_TS
                mov cr0, eax
                TRY .r12
                fld1
.r12:           CHECK_EXC 7, 0, 12, "x87 with CR0.TS -> #NM"
                TRY .r13
                fwait
.r13:           CHECK_EXC 7, 0, 13, "WAIT with CR0.TS and MP -> #NM"
                TRY .r14
                emms
.r14:           CHECK_EXC 7, 0, 14, "MMX with CR0.TS -> #NM"
                TRY .r15
                addps xmm0, xmm1
.r15:           CHECK_EXC 7, 0, 15, "SSE with CR0.TS -> #NM"
                TRY .r48                            ; (the specialised SSE2 handlers too)
                addsd xmm0, xmm1
.r48:           CHECK_EXC 7, 0, 48, "ADDSD with CR0.TS -> #NM"
                TRY .r49
                movaps xmm0, xmm1
.r49:           CHECK_EXC 7, 0, 49, "MOVAPS reg with CR0.TS -> #NM"
                TRY .r16
                fxsave [FXAREA]
.r16:           CHECK_EXC 7, 0, 16, "FXSAVE with CR0.TS -> #NM"
                mov eax, cr0
                and eax, ~CR0_MP
                mov cr0, eax
                TRY .r17
                fwait
                REACHED
.r17:           CHECK_EXC NO_EXC, -1, 17, "WAIT with CR0.TS and MP = 0 does not fault"
                clts
                mov eax, cr0
                or eax, CR0_EM | CR0_MP
                mov cr0, eax
                TRY .r18
                fld1
.r18:           CHECK_EXC 7, 0, 18, "x87 with CR0.EM -> #NM"
                TRY .r19
                emms
.r19:           CHECK_EXC 6, 0, 19, "MMX with CR0.EM -> #UD"
                TRY .r20
                addps xmm0, xmm1
.r20:           CHECK_EXC 6, 0, 20, "SSE with CR0.EM -> #UD"
                TRY .r50
                mulsd xmm0, [SCRATCH]
.r50:           CHECK_EXC 6, 0, 50, "MULSD with CR0.EM -> #UD"
                TRY .r51
                movapd xmm0, xmm1
.r51:           CHECK_EXC 6, 0, 51, "MOVAPD reg with CR0.EM -> #UD"
                TRY .r21
                fwait
                REACHED
.r21:           CHECK_EXC NO_EXC, -1, 21, "WAIT with CR0.EM (TS = 0) does not fault"
                mov eax, cr0
                and eax, ~CR0_EM
                mov cr0, eax

                ; 22-23: SSE without CR4.OSFXSR -> #UD (also LDMXCSR); FXSAVE still works.
                mov eax, cr4
                and eax, ~CR4_OSFXSR
                mov cr4, eax
                TRY .r22
                addps xmm0, xmm1
.r22:           CHECK_EXC 6, 0, 22, "SSE with CR4.OSFXSR = 0 -> #UD"
                TRY .r52
                divsd xmm0, xmm1
.r52:           CHECK_EXC 6, 0, 52, "DIVSD with CR4.OSFXSR = 0 -> #UD"
                TRY .r53
                movaps xmm0, xmm1
.r53:           CHECK_EXC 6, 0, 53, "MOVAPS reg with CR4.OSFXSR = 0 -> #UD"
                TRY .r23
                ldmxcsr [mxcsr_default]
.r23:           CHECK_EXC 6, 0, 23, "LDMXCSR with CR4.OSFXSR = 0 -> #UD"
                mov eax, cr4
                or eax, CR4_OSFXSR
                mov cr4, eax

                ; 24-28: unmasked SIMD divide-by-zero -> #XM; destination unchanged; ZE set.
                ldmxcsr [mxcsr_ze_unmasked]
                movss xmm0, [one]
                movss xmm1, [zero]
                TRY .r24
.divss1:        divss xmm0, xmm1
.r24:           CHECK_EXC 19, 0, 24, "unmasked SIMD ZE -> #XM"
                CHECK_EQ [exc_eip], .divss1, 25, "#XM EIP points at the DIVSS"
                movd eax, xmm0
                CHECK_EQ eax, 0x3F800000, 26, "DIVSS destination unchanged after #XM"
                stmxcsr [SCRATCH]
                mov eax, [SCRATCH]
                CHECK_EQ eax, 0x1D84, 27, "MXCSR.ZE set by the faulting DIVSS"
                ; packed: only lane 2 divides by zero; no lane is written
                ldmxcsr [mxcsr_ze_unmasked]
                movups xmm0, [ones4]
                movups xmm1, [div4]
                TRY .r28
                divps xmm0, xmm1
.r28:           CHECK_EXC 19, 0, 28, "unmasked ZE in one lane of DIVPS -> #XM"
                movups [SCRATCH], xmm0
                CHECK_EQ [SCRATCH], 0x3F800000, 29, "DIVPS lane 0 unchanged after #XM"
                CHECK_EQ [SCRATCH + 8], 0x3F800000, 30, "DIVPS lane 2 unchanged after #XM"
                ; 31-32: CR4.OSXMMEXCPT = 0: the same exception is #UD.
                mov eax, cr4
                and eax, ~CR4_OSXMMEXCPT
                mov cr4, eax
                ldmxcsr [mxcsr_ze_unmasked]
                movss xmm0, [one]
                movss xmm1, [zero]
                TRY .r31
                divss xmm0, xmm1
.r31:           CHECK_EXC 6, 0, 31, "unmasked SIMD exception with OSXMMEXCPT = 0 -> #UD"
                stmxcsr [SCRATCH]
                CHECK_EQ [SCRATCH], 0x1D84, 32, "MXCSR.ZE set before the #UD"
                mov eax, cr4
                or eax, CR4_OSXMMEXCPT
                mov cr4, eax
                ; 33-34: masked: no fault, +infinity, ZE set.
                ldmxcsr [mxcsr_default]
                movss xmm0, [one]
                TRY .r33
                divss xmm0, xmm1
                REACHED
.r33:           CHECK_EXC NO_EXC, -1, 33, "masked SIMD ZE does not fault"
                movd eax, xmm0
                CHECK_EQ eax, 0x7F800000, 34, "masked 1/0 = +infinity"

                ; 35-36: LDMXCSR with a reserved bit -> #GP(0), MXCSR unchanged.
                ldmxcsr [mxcsr_default]
                TRY .r35
                ldmxcsr [mxcsr_bit16]
.r35:           CHECK_EXC 13, 0, 35, "LDMXCSR reserved bit 16 -> #GP(0)"
                stmxcsr [SCRATCH]
                CHECK_EQ [SCRATCH], 0x1F80, 36, "MXCSR unchanged after the #GP"
                ; 37: FXRSTOR of an image whose MXCSR has a reserved bit -> #GP(0).
                fxsave [FXAREA]
                mov dword [FXAREA + 24], 0x80001F80
                TRY .r37
                fxrstor [FXAREA]
.r37:           CHECK_EXC 13, 0, 37, "FXRSTOR with reserved MXCSR bits -> #GP(0)"
                ; 38-39: misaligned 16-byte operands: MOVAPS and FXSAVE -> #GP(0); MOVUPS not.
                TRY .r38
                movaps xmm0, [SCRATCH + 4]
.r38:           CHECK_EXC 13, 0, 38, "misaligned MOVAPS -> #GP(0)"
                TRY .r39
                fxsave [FXAREA + 8]
.r39:           CHECK_EXC 13, 0, 39, "misaligned FXSAVE -> #GP(0)"
                TRY .r40
                movups xmm0, [SCRATCH + 4]
                REACHED
.r40:           CHECK_EXC NO_EXC, -1, 40, "misaligned MOVUPS does not fault"
                ; 41: FXSAVE stores MXCSR_MASK = 0xFFFF (DAZ supported) at offset 28.
                fxsave [FXAREA]
                CHECK_EQ [FXAREA + 28], 0xFFFF, 41, "FXSAVE MXCSR_MASK"

                ; 42-45: CR0.NE = 0: FERR# -> IRQ 13 (through the slave 8259), no #MF.
                call pic_init
                SET_GATE VEC_IRQ13, irq13_handler
                mov dword [IRQ13_COUNT], 0
                in al, 0xA1
                and al, ~(1 << 5)           ; IRQ13 = slave IR5
                out 0xA1, al
                in al, 0x21
                and al, ~(1 << 2)           ; cascade
                out 0x21, al
                mov eax, cr0
                and eax, ~CR0_NE
                mov cr0, eax
                fninit
                fldcw [cw_ze_unmasked]
                fld1
                fldz
                fdivp st1, st0
                sti
                TRY .r42
                fwait
                mov ecx, LOOP_BOUND
.wait13:        cmp dword [IRQ13_COUNT], 0
                jne .got13
                loop .wait13
.got13:         REACHED
.r42:           cli
                CHECK_EXC NO_EXC, -1, 42, "no #MF with CR0.NE = 0"
                CHECK_EQ [IRQ13_COUNT], 1, 43, "IRQ 13 delivered once"
                mov eax, [IRQ13_FSW]
                and eax, 0x0085
                CHECK_EQ eax, 0x0084, 44, "FSW in the IRQ 13 handler: ES ZE"
                ; the handler cleared the exception: nothing more
                sti
                fwait
                mov ecx, 1000
.idle:          loop .idle
                cli
                CHECK_EQ [IRQ13_COUNT], 1, 45, "no second IRQ 13 after FNCLEX and port 0xF0"
                PASS

; IRQ 13: record FSW, clear the x87 exception, release FERR# (port 0xF0), EOI both PICs.
irq13_handler:
                push eax
                fnstsw ax
                movzx eax, ax
                mov [IRQ13_FSW], eax
                fnclex
                xor al, al
                out 0xF0, al
                mov al, 0x20
                out 0xA0, al
                out 0x20, al
                inc dword [IRQ13_COUNT]
                pop eax
                iretd


                align 16
ones4:          dd 1.0, 1.0, 1.0, 1.0
div4:           dd 2.0, 4.0, 0.0, 8.0
one:            dd 1.0
zero:           dd 0.0
cw_ze_unmasked: dw 0x037B
mxcsr_default:  dd 0x1F80
mxcsr_ze_unmasked: dd 0x1D80
mxcsr_bit16:    dd 0x00011F80
