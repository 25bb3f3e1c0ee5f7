; x86pc-test: timeout=10 args="-icount shift=0" qemu=unsupported
; perfmon: the P6 performance counters. PerfEvtSel0/1 (MSR 0x186/0x187) with INST_RETIRED
; (0xC0) and CPU_CLK_UNHALTED (0x79); PerfCtr0/1 (MSR 0xC1/0xC2) are 40 bits and a write
; sign-extends its low 32 bits; EN in PerfEvtSel0 gates both; USR/OS select the privilege
; levels; RDPMC reads them (EDX = bits 39:32), at CPL 3 only with CR4.PCE, ECX > 1 is
; #GP, a reserved PerfEvtSel bit is #GP; CR4.TSD does not concern them. With INT, an
; overflow signals the local APIC's performance-counter LVT (here NMI), whose delivery sets
; the LVT's mask bit. Under -icount shift=0 one instruction is one TSC tick, so the cycle
; counter moves with the instruction counter.
; The exact instruction counts (check 6) are what the SDM's INST_RETIRED definition gives
; for the sequence, as cpu/perfmon.c counts; they were not validated on a real P6. QEMU TCG
; has no working counters (it fails at check 1).
%define TEST_NAME "perfmon"
%include "lib.inc"

MSR_PERFCTR0    equ 0xC1
MSR_PERFCTR1    equ 0xC2
MSR_EVTSEL0     equ 0x186
MSR_EVTSEL1     equ 0x187
EV_INST         equ 0xC0
EV_CLK          equ 0x79
SEL_USR         equ 1 << 16
SEL_OS          equ 1 << 17
SEL_EN          equ 1 << 22
SEL_INT         equ 1 << 20
CR4_PCE         equ 1 << 8
CR4_TSD         equ 1 << 2
APIC_SVR        equ 0xFEE000F0
APIC_LVTPC      equ 0xFEE00340
LVT_DM_NMI      equ 4 << 8
LVT_MASKED      equ 1 << 16
PMI_COUNT       equ TEST_RAM + 0x80
PMI_EIP         equ TEST_RAM + 0x84
PMI_LVT         equ TEST_RAM + 0x88
R3_VEC          equ TEST_RAM + 0x00
R3_VAL          equ TEST_RAM + 0x40

%macro WRMSR_IMM 3                          ; msr, edx, eax
                mov ecx, %1
                mov edx, %2
                mov eax, %3
                wrmsr
%endmacro

test_main32:
                ; 1-2: a counter write sign-extends bit 31 into bits 39:32.
                WRMSR_IMM MSR_PERFCTR0, 0, 0x80000001
                mov ecx, MSR_PERFCTR0
                rdmsr
                CHECK_EQ eax, 0x80000001, 1, "PerfCtr0 low"
                CHECK_EQ edx, 0xFF, 2, "PerfCtr0 bits 39:32 (sign extension)"
                ; 3: a reserved PerfEvtSel bit (21) -> #GP(0).
                TRY .r3
                WRMSR_IMM MSR_EVTSEL1, 0, (1 << 21)
.r3:            CHECK_EXC 13, 0, 3, "PerfEvtSel reserved bit"
                ; 4: RDPMC with ECX = 2 -> #GP(0).
                TRY .r4
                mov ecx, 2
                rdpmc
.r4:            CHECK_EXC 13, 0, 4, "RDPMC counter 2"

                ; Counter 0: instructions at CPL 0-3; counter 1: cycles, CPL 0-3. Not yet on.
                WRMSR_IMM MSR_PERFCTR0, 0, 0
                WRMSR_IMM MSR_PERFCTR1, 0, 0
                WRMSR_IMM MSR_EVTSEL1, 0, EV_CLK | SEL_USR | SEL_OS
                WRMSR_IMM MSR_EVTSEL0, 0, EV_INST | SEL_USR | SEL_OS
                ; 5: without EN nothing counts.
                mov ebx, 50
.l0:            dec ebx
                jnz .l0
                xor ecx, ecx
                rdpmc
                CHECK_EQ eax, 0, 5, "no counting without EN"
                ; On. Between the two RDPMCs: the first RDPMC, MOV, MOV, 100 x (DEC, JNZ),
                ; XOR = 204 instructions retire.
                WRMSR_IMM MSR_EVTSEL0, 0, EV_INST | SEL_USR | SEL_OS | SEL_EN
                xor ecx, ecx
                rdpmc
                mov esi, eax
                mov ebx, 100
.l1:            dec ebx
                jnz .l1
                xor ecx, ecx
                rdpmc
                sub eax, esi
                CHECK_EQ eax, 204, 6, "INST_RETIRED over a known sequence"
                ; 7: the cycle counter moved as much as the instruction counter (shift=0).
                mov ecx, 1
                rdpmc
                mov edi, eax
                xor ecx, ecx
                rdpmc
                mov esi, eax
                ; ... both read again after 40 more instructions
                mov ebx, 20
.l2:            dec ebx
                jnz .l2
                mov ecx, 1                  ; the same sequence as above: cycles, then
                rdpmc                       ; instructions three instructions later
                mov ebp, eax
                xor ecx, ecx
                rdpmc
                sub ebp, edi                ; cycles delta
                sub eax, esi                ; instructions delta
                CHECK_EQ ebp, eax, 7, "CPU_CLK_UNHALTED follows the TSC (1 tick per insn)"

                ; Counter 0: user-mode instructions only; counter 1: kernel-mode only.
                WRMSR_IMM MSR_EVTSEL0, 0, 0
                WRMSR_IMM MSR_PERFCTR0, 0, 0
                WRMSR_IMM MSR_PERFCTR1, 0, 0
                WRMSR_IMM MSR_EVTSEL1, 0, EV_INST | SEL_OS
                WRMSR_IMM MSR_EVTSEL0, 0, EV_INST | SEL_USR | SEL_EN
                ; RDPMC at CPL 3 needs CR4.PCE (slot 0 without, slot 1 with).
                GO_RING3 ring3a
ring3a:         TRY .s0
                xor ecx, ecx
                rdpmc
                mov dword [exc_vec], 0x7F
.s0:            mov eax, [exc_vec]
                mov [R3_VEC + 0], eax
                mov ebx, 500                ; 1000 user-mode instructions
.l3:            dec ebx
                jnz .l3
                GO_RING0 back0
back0:
                CHECK_EQ [R3_VEC + 0], 13, 8, "RDPMC at CPL 3 without CR4.PCE -> #GP"
                ; 9: the user counter saw the ring-3 loop (1000) and the few instructions
                ; around it (the TRY set-up, the #GP'd RDPMC's handler return, GO_RING0),
                ; and none of the ring-0 code since the counters were reset.
                xor ecx, ecx
                rdpmc
                cmp eax, 1000
                jb .bad9
                cmp eax, 1040
                jbe .ok9
.bad9:          CHECK_EQ eax, 1000, 9, "USR counter: ring-3 instructions only"
.ok9:
                ; 10: the kernel counter did not see the 1000 ring-3 instructions.
                mov ecx, 1
                rdpmc
                cmp eax, 500
                jb .ok10
                CHECK_EQ eax, 0, 10, "OS counter counted ring-3 instructions"
.ok10:
                ; 11: with CR4.PCE, RDPMC works at CPL 3.
                mov eax, cr4
                or eax, CR4_PCE
                mov cr4, eax
                GO_RING3 ring3b
ring3b:         TRY .s1
                xor ecx, ecx
                rdpmc
                mov dword [exc_vec], 0x7F
                mov [R3_VAL + 0], eax
.s1:            mov eax, [exc_vec]
                mov [R3_VEC + 4], eax
                GO_RING0 back1
back1:
                CHECK_EQ [R3_VEC + 4], 0x7F, 11, "RDPMC at CPL 3 with CR4.PCE"
                cmp dword [R3_VAL + 0], 1000
                jae .ok12
                CHECK_EQ [R3_VAL + 0], 1000, 12, "user counter read from ring 3"
.ok12:
                ; 13: CR4.TSD does not concern the counters: with it set and the counters
                ; on, CPL changes and RDPMC at CPL 3 (CR4.PCE) do not fault.
                WRMSR_IMM MSR_EVTSEL1, 0, EV_CLK | SEL_USR | SEL_OS
                mov eax, cr4
                or eax, CR4_TSD
                mov cr4, eax
                GO_RING3 ring3c
ring3c:         TRY .s2
                mov ecx, 1
                rdpmc
                mov dword [exc_vec], 0x7F
.s2:            mov eax, [exc_vec]
                mov [R3_VEC + 8], eax
                GO_RING0 back2
back2:
                CHECK_EQ [R3_VEC + 8], 0x7F, 13, "RDPMC and CPL changes with CR4.TSD set"
                mov eax, cr4
                and eax, ~CR4_TSD
                mov cr4, eax

                ; Overflow interrupts: the local APIC on, its performance-counter LVT set to
                ; NMI; the NMI handler notes the interrupted EIP and the LVT.
                SET_GATE 2, pmi_handler
                mov dword [APIC_SVR], 0x1FF
                mov dword [APIC_LVTPC], LVT_DM_NMI
                mov dword [PMI_COUNT], 0
                WRMSR_IMM MSR_EVTSEL0, 0, 0
                WRMSR_IMM MSR_EVTSEL1, 0, 0
                ; 14-16: INST_RETIRED from -100 with INT: the WRMSR that enables it and 99
                ; NOPs retire, and the NMI comes before the 100th NOP.
                WRMSR_IMM MSR_PERFCTR0, 0, -100
                WRMSR_IMM MSR_EVTSEL0, 0, EV_INST | SEL_USR | SEL_OS | SEL_INT | SEL_EN
nops1:          times 200 nop
                CHECK_EQ [PMI_COUNT], 1, 14, "one overflow NMI"
                CHECK_EQ [PMI_EIP], nops1 + 99, 15, "NMI before the 100th NOP"
                CHECK_EQ [PMI_LVT], LVT_DM_NMI | LVT_MASKED, 16, "LVT masked by the delivery"
                ; 17: masked, another overflow interrupts nothing.
                WRMSR_IMM MSR_PERFCTR0, 0, -50
                times 100 nop
                CHECK_EQ [PMI_COUNT], 1, 17, "no NMI while the LVT is masked"
                ; 18-19: CPU_CLK_UNHALTED from -100 (one tick per instruction under
                ; -icount shift=0) with the LVT unmasked again: an NMI within the NOPs.
                WRMSR_IMM MSR_EVTSEL0, 0, 0
                mov dword [APIC_LVTPC], LVT_DM_NMI
                WRMSR_IMM MSR_PERFCTR1, 0, -100
                WRMSR_IMM MSR_EVTSEL1, 0, EV_CLK | SEL_USR | SEL_OS | SEL_INT
                WRMSR_IMM MSR_EVTSEL0, 0, SEL_EN
nops2:          times 200 nop
                CHECK_EQ [PMI_COUNT], 2, 18, "one cycle-counter overflow NMI"
                mov eax, [PMI_EIP]
                sub eax, nops2 + 90
                cmp eax, 20
                jb .ok19
                CHECK_EQ [PMI_EIP], nops2 + 99, 19, "cycle-counter NMI about 100 ticks in"
.ok19:          WRMSR_IMM MSR_EVTSEL0, 0, 0
                ; 20: the cycle counter carries on when the TSC is written (here backwards):
                ; over the WRMSR and 100 NOPs it moves by about as many ticks.
                WRMSR_IMM MSR_EVTSEL1, 0, EV_CLK | SEL_USR | SEL_OS
                WRMSR_IMM MSR_EVTSEL0, 0, SEL_EN
                mov ecx, 1
                rdpmc
                mov esi, eax
                WRMSR_IMM 0x10, 0, 0                ; TSC = 0
                times 100 nop
                mov ecx, 1
                rdpmc
                sub eax, esi
                sub eax, 100
                cmp eax, 20
                jb .ok20
                add eax, 100
                CHECK_EQ eax, 110, 20, "cycles across a TSC write (about 110)"
.ok20:          WRMSR_IMM MSR_EVTSEL0, 0, 0
                PASS

pmi_handler:    push eax
                mov eax, [esp + 4]
                mov [PMI_EIP], eax
                mov eax, [APIC_LVTPC]
                mov [PMI_LVT], eax
                inc dword [PMI_COUNT]
                pop eax
                iretd
