; x86pc-test: timeout=20 args="-cpu x86pc -icount shift=0"
; sse-host: SSE/SSE2 instructions in hot blocks behave as the portable code runs them. On
; x86-64 hosts x86pc runs them on the host's SSE unit while MXCSR has its default control
; (jit/x86_64/hostsse.c): one by one, and consecutive ones as one call with the guest's
; registers in the host's. The portable code runs everything while any other control is
; set: the reference here is computed with MXCSR.FTZ = 1 (no result is tiny, so FTZ
; changes nothing but the path).
; The sequence has every host form: register, m64, aligned m128 and register (CVTSI2SD)
; sources, an immediate (SHUFPD), a shift by an immediate, the 0F 29 register store
; encoding, a register destination (CVTTSD2SI, PMOVMSKB), (U)COMISD with EFLAGS, and the
; flags IE (COMISD of a QNaN), ZE (division by zero) and PE.
; 1: the sequence with an integer instruction between any two (each instruction alone),
;    300 passes: registers, EFLAGS, GPR results and MXCSR flags equal the reference.
; 2-3: the same without the separators (runs), 300 passes; every pass takes as many
;    instructions (-icount shift=0: TSC ticks).
; 4-6: 3000 passes of the runs with PIT interrupts; some arrive inside the longest run.
; 7-8: single-stepping (TF) the runs traps at every instruction; state equal.
; Passes on QEMU 7.2 (-cpu qemu32,+sse,+sse2,-pni,-hypervisor -icount shift=0).
%define TEST_NAME "sse-host"
%include "lib.inc"

REF             equ TEST_RAM + 0x000        ; 160-byte state records
REC             equ TEST_RAM + 0x100
D0              equ TEST_RAM + 0x240
TICKS           equ TEST_RAM + 0x244
MIDRUN          equ TEST_RAM + 0x248
TRAPS           equ TEST_RAM + 0x24C
TRAPS_REF       equ TEST_RAM + 0x250
PASS_N          equ TEST_RAM + 0x254
MXCSR_TMP       equ TEST_RAM + 0x258
RECSZ           equ 144
SEPS            equ 20                      ; separators in the one-by-one sequence
PIT_DIVISOR     equ 2
CR4_OSFXSR      equ 1 << 9
CR4_OSXMMEXCPT  equ 1 << 10

; The instructions; SEP between any two. %1 labels the first instruction of the longest
; run of the separator-free form, %2 its last.
%macro SEQ 2
                movapd xmm1, xmm0
                SEP
                mulsd xmm1, [val_b]
                SEP
                addpd xmm2, [vec_a]
                SEP
                subsd xmm1, xmm2
                SEP
                cvtsi2sd xmm3, eax              ; register source: runs alone
                SEP
%1:             sqrtsd xmm4, xmm1
                SEP
                shufpd xmm2, xmm4, 1
                SEP
                psllq xmm5, 3
                SEP
                paddd xmm5, xmm6
                SEP
                db 0x0F, 0x29, 0xD7             ; movaps xmm7, xmm2 (0F 29: rm = destination)
                SEP
                divsd xmm6, [val_zero]          ; ZE
                SEP
                minpd xmm7, xmm0
                SEP
                cvtsd2ss xmm3, xmm3             ; PE
                SEP
                ucomisd xmm4, xmm1
                SEP
                pxor xmm0, xmm5
                SEP
%2:             comisd xmm2, xmm4
                SEP
                cvttsd2si ebx, xmm1             ; register destination: runs alone
                SEP
                pmovmskb ecx, xmm5
                SEP
                maxsd xmm1, xmm4
                SEP
                comisd xmm0, [val_qnan]         ; IE (COMISD of a QNaN), unordered
                SEP
                unpcklpd xmm6, xmm1
%endmacro

test_main32:
                mov eax, cr0
                and eax, ~0x0C                  ; EM = TS = 0
                or eax, 0x22                    ; NE, MP
                mov cr0, eax
                mov eax, cr4
                or eax, CR4_OSFXSR | CR4_OSXMMEXCPT
                mov cr4, eax

                ; the reference: FTZ set, so the portable code runs every instruction
                mov edi, REF
                mov eax, 0x9F80
                call do_split

                ; ---- 1: one by one, hot ----
                mov dword [PASS_N], 0
.pass_1:        mov edi, REC
                mov eax, 0x1F80
                call do_split
                call compare
                CHECK_EQ eax, -1, 1, "state after the one-by-one sequence (first differing dword)"
                inc dword [PASS_N]
                cmp dword [PASS_N], 300
                jb .pass_1

                ; ---- 2-3: runs, hot ----
                mov dword [PASS_N], 0
.pass_2:        rdtsc
                mov ebp, eax
                mov edi, REC
                mov eax, 0x1F80
                call do_runs
                rdtsc
                sub eax, ebp
                cmp dword [PASS_N], 0
                jne .not_first
                mov [D0], eax
.not_first:     CHECK_EQ eax, [D0], 3, "instructions per pass (TSC ticks under -icount 0)"
                call compare
                CHECK_EQ eax, -1, 2, "state after the runs (first differing dword)"
                inc dword [PASS_N]
                cmp dword [PASS_N], 300
                jb .pass_2

                ; ---- 4-6: runs with interrupts ----
                call pic_pit_init
                mov dword [TICKS], 0
                mov dword [MIDRUN], 0
                mov dword [PASS_N], 0
                sti
.pass_4:        mov edi, REC
                mov eax, 0x1F80
                call do_runs
                call compare
                CHECK_EQ eax, -1, 4, "state after the runs with interrupts"
                inc dword [PASS_N]
                cmp dword [PASS_N], 3000
                jb .pass_4
                cli
                mov al, 0xFF
                out 0x21, al
                cmp dword [TICKS], 50
                jae .ok5
                FAIL 5, "fewer than 50 timer interrupts"
.ok5:           cmp dword [MIDRUN], 0
                jne .ok6
                FAIL 6, "no interrupt arrived inside the run"
.ok6:
                ; ---- 7-8: single-step ----
                SET_GATE 1, db_handler
                mov dword [TRAPS], 0
                mov edi, REC
                mov eax, 0x1F80
                pushfd
                or dword [esp], 0x100
                popfd
                call do_split
                pushfd
                and dword [esp], ~0x100
                popfd
                mov eax, [TRAPS]
                sub eax, SEPS
                mov [TRAPS_REF], eax
                mov dword [TRAPS], 0
                mov edi, REC
                mov eax, 0x1F80
                pushfd
                or dword [esp], 0x100
                popfd
                call do_runs
                pushfd
                and dword [esp], ~0x100
                popfd
                mov eax, [TRAPS]
                CHECK_EQ eax, [TRAPS_REF], 7, "single-step traps in the runs"
                call compare
                CHECK_EQ eax, -1, 8, "state after single-stepping"
                PASS

; Set MXCSR to EAX (flags clear) and the registers to their start values, run the sequence
; and record the state at EDI. The separator does not touch the flags.
do_split:
%define SEP lea esi, [esi]
                call setup
                SEQ split_first, split_last
                jmp record
%undef SEP

do_runs:
%define SEP
                call setup
                SEQ run_first, run_last
                jmp record
%undef SEP

setup:          mov [MXCSR_TMP], eax
                ldmxcsr [MXCSR_TMP]
                movdqa xmm0, [init + 0]
                movdqa xmm1, [init + 16]
                movdqa xmm2, [init + 32]
                movdqa xmm3, [init + 48]
                movdqa xmm4, [init + 64]
                movdqa xmm5, [init + 80]
                movdqa xmm6, [init + 96]
                movdqa xmm7, [init + 112]
                mov eax, 7
                xor ebx, ebx
                xor ecx, ecx
                ret

; record: XMM0-7, the arithmetic EFLAGS, the MXCSR flags, EBX and ECX at EDI.
record:         pushfd
                pop eax
                and eax, 0x8D5
                mov [edi + 128], eax
                movdqu [edi + 0], xmm0
                movdqu [edi + 16], xmm1
                movdqu [edi + 32], xmm2
                movdqu [edi + 48], xmm3
                movdqu [edi + 64], xmm4
                movdqu [edi + 80], xmm5
                movdqu [edi + 96], xmm6
                movdqu [edi + 112], xmm7
                stmxcsr [MXCSR_TMP]
                mov eax, [MXCSR_TMP]
                and eax, 0x3F
                mov [edi + 132], eax
                mov [edi + 136], ebx
                mov [edi + 140], ecx
                ret

compare:        push esi
                push edi
                push ecx
                mov esi, REC
                mov edi, REF
                mov ecx, RECSZ / 4
                call dwords_compare
                pop ecx
                pop edi
                pop esi
                ret

pic_pit_init:   call pic_init                   ; lib.inc: everything masked
                mov al, 0xFE
                out 0x21, al
                SET_GATE 0x20, irq0_handler
                mov al, 0x34
                out 0x43, al
                mov al, PIT_DIVISOR & 0xFF
                out 0x40, al
                mov al, PIT_DIVISOR >> 8
                out 0x40, al
                ret

irq0_handler:   push eax
                inc dword [TICKS]
                mov eax, [esp + 4]
                cmp eax, run_first
                jbe .out
                cmp eax, run_last
                ja .out
                inc dword [MIDRUN]
.out:           mov al, 0x20
                out 0x20, al
                pop eax
                iret

db_handler:     inc dword [TRAPS]
                iret

                align 16
init:           dq 1.1, -2.5                    ; xmm0
                dq 3.75, 0.2                    ; xmm1
                dq 1.0e10, -7.0                 ; xmm2
                dq 0.3, 12.0                    ; xmm3
                dq 2.0, 5.5                     ; xmm4
                dd 1, 2, 0x80000003, 4          ; xmm5
                dq 9.0, 0.125                   ; xmm6
                dq -1.5, 100.0                  ; xmm7
vec_a:          dq 0.7, 1.3
val_b:          dq 1.1
val_zero:       dq 0.0
val_qnan:       dq __QNaN__
