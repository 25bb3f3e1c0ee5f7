/*
 * Internal interface of cpu/: between the instruction level (decoder, interpreter
 * handlers, block cache, exec loop, lazy flags) and the system level (softMMU, segments,
 * protected-mode control transfers, exceptions and interrupts, task switching, paging,
 * MSRs, CPUID). Not for use outside cpu/ (and jit/, which calls the same helpers).
 *
 * Fault contract: any helper here may raise a guest exception. It does so with
 * cpu_raise_exception(), which records the exception and siglongjmp()s back to
 * cpu_exec(); EIP is then reset to insn_start_eip and the exception is delivered.
 * An instruction handler therefore must not commit architectural state (registers,
 * flags) before its last possibly-faulting memory access, except for string
 * instructions, which commit ESI/EDI/ECX per element so a REP restarts mid-way.
 */
#ifndef X86PC_CPU_HELPER_H
#define X86PC_CPU_HELPER_H

#include "cpu/cpu.h"
#include "util/log.h"

/* Kinds of event for cpu_raise_exception()/cpu_deliver_event(). */
enum {
    EXC_KIND_FAULT,    /* fault/abort: error code pushed if the vector has one */
    EXC_KIND_TRAP,     /* trap-like exception (e.g. #DB data breakpoint): EIP = next insn */
    EXC_KIND_SOFT,     /* INT n: DPL check against CPL, v86 redirection, EIP = next insn */
    EXC_KIND_INT3,     /* INT3 (0xCC): like SOFT, vector 3 */
    EXC_KIND_INTO,     /* INTO: like SOFT, vector 4 */
    EXC_KIND_ICEBP,    /* INT1 (0xF1): no DPL check */
    EXC_KIND_EXTINT,   /* external interrupt from the PIC/APIC (vector from intr_ack) */
    EXC_KIND_NMI,
};

/* ---- exec.c (instruction level) ---- */

/* Raise a fault; never returns. err is ignored for vectors without an error code. */
void NORETURN cpu_raise_exception(X86CPU *cpu, int vector, uint32_t err);
/* INT n / INT3 / INTO / INT1: kind as above, next_eip is the return address. */
void NORETURN cpu_raise_interrupt(X86CPU *cpu, int vector, int kind, uint32_t next_eip);
/* Stop the current block after this instruction (mode change, SMC, I/O needing the loop). */
void cpu_end_block(X86CPU *cpu);

/*
 * cpu_breakpoint_insert/remove/remove_all (cpu.h) live in cpu/exec.c; inserting or
 * removing a watchpoint flushes the TLB so that mmu.c's TLB_WATCH marking follows. The
 * exec loop checks cpu->watchpoint_hit and cpu->dr6_pending when the block stops, so
 * whatever sets either of them also calls cpu_end_block().
 */

/* ---- block.c: decoded code cache, keyed by physical address ---- */
/* Free the block cache (cpu_free() should call this; added by the instruction level). */
void block_cache_free(X86CPU *cpu);
bool block_page_has_code(X86CPU *cpu, uint64_t paddr);
/* Called by the softMMU slow path on a write to a page holding code. */
void block_invalidate_phys(X86CPU *cpu, uint64_t paddr, unsigned len);

/* ---- flags.c ---- */
uint32_t cpu_cc_compute_all(X86CPU *cpu); /* the six arithmetic flags */

/* ---- seg.c (system level): segmentation and mode ---- */
void cpu_update_hflags(X86CPU *cpu);
void cpu_update_acchk(X86CPU *cpu); /* HF_ACCHK alone (EFLAGS.AC changed) */
/* MOV/POP Sreg, LDS...: full protected-mode checks; real/v86: base = sel << 4. */
void cpu_load_seg(X86CPU *cpu, int seg, uint16_t sel);
/* Plain real-mode/v86 load (no checks). */
void cpu_load_seg_real(X86CPU *cpu, int seg, uint16_t sel);
void cpu_far_jmp(X86CPU *cpu, uint16_t sel, uint32_t offset, uint32_t next_eip);
void cpu_far_call(X86CPU *cpu, uint16_t sel, uint32_t offset, bool op32, uint32_t next_eip);
void cpu_far_ret(X86CPU *cpu, bool op32, uint16_t imm);
void cpu_iret(X86CPU *cpu, bool op32);
void cpu_lldt(X86CPU *cpu, uint16_t sel);
void cpu_ltr(X86CPU *cpu, uint16_t sel);
/* LAR/LSL/VERR/VERW: return true (ZF=1) on success; *out receives the LAR/LSL value. */
bool cpu_lar(X86CPU *cpu, uint16_t sel, uint32_t *out);
bool cpu_lsl(X86CPU *cpu, uint16_t sel, uint32_t *out);
bool cpu_verr(X86CPU *cpu, uint16_t sel);
bool cpu_verw(X86CPU *cpu, uint16_t sel);
/* ENTER/LEAVE and near stack ops use these: push/pop through SS with B-bit width. */
void cpu_push16(X86CPU *cpu, uint16_t v);
void cpu_push32(X86CPU *cpu, uint32_t v);
uint16_t cpu_pop16(X86CPU *cpu);
uint32_t cpu_pop32(X86CPU *cpu);

/* ---- excp.c: exception and interrupt delivery ---- */
/* Deliver cpu->exc_* (real, protected, v86; gates; #DF escalation; triple fault). Returns
 * false on triple fault (cpu_exec then returns CPU_EXIT_SHUTDOWN). */
bool cpu_deliver_event(X86CPU *cpu);
/* Check the TSS I/O bitmap / IOPL for IN/OUT/INS/OUTS; raises #GP(0) if denied. */
void cpu_check_io(X86CPU *cpu, uint16_t port, unsigned size);
bool exception_has_error_code(int vector);
/*
 * Debug registers (added by the system level for the exec loop):
 * - before executing an instruction at linear address lin, when (dr[7] & 0xff) != 0 and
 *   EFLAGS.RF == 0, bits = cpu_dr_insn_match(cpu, lin); if non-zero,
 *   cpu_raise_debug(cpu, bits, false, 0) (instruction breakpoint: a fault).
 * - after an instruction retires with cpu->dr6_pending != 0 (data breakpoint hit in the
 *   softMMU slow path, or T bit of a new TSS), clear it and
 *   cpu_raise_debug(cpu, bits, true, next_eip) (a trap); OR in DR6_BS (0x4000) for a
 *   single-step trap of the same instruction.
 */
#define DR6_BD (1u << 13)
#define DR6_BS (1u << 14)
#define DR6_BT (1u << 15)
uint32_t cpu_dr_insn_match(X86CPU *cpu, uint32_t lin);
void NORETURN cpu_raise_debug(X86CPU *cpu, uint32_t dr6_bits, bool trap, uint32_t next_eip);

/* ---- task.c ---- */
enum { TASK_SWITCH_JMP, TASK_SWITCH_CALL, TASK_SWITCH_IRET, TASK_SWITCH_INT };
void cpu_task_switch(X86CPU *cpu, uint16_t sel, int source, uint32_t next_eip, bool has_err,
                     uint32_t err);

/* ---- mmu.c: softMMU ---- */
/* Segmented data access: limit/type checks (#GP, or #SS for SS), then the TLB. */
uint8_t cpu_ld8(X86CPU *cpu, int seg, uint32_t off);
uint16_t cpu_ld16(X86CPU *cpu, int seg, uint32_t off);
uint32_t cpu_ld32(X86CPU *cpu, int seg, uint32_t off);
uint64_t cpu_ld64(X86CPU *cpu, int seg, uint32_t off);
void cpu_st8(X86CPU *cpu, int seg, uint32_t off, uint8_t v);
void cpu_st16(X86CPU *cpu, int seg, uint32_t off, uint16_t v);
void cpu_st32(X86CPU *cpu, int seg, uint32_t off, uint32_t v);
void cpu_st64(X86CPU *cpu, int seg, uint32_t off, uint64_t v);
/* Check that [off, off+size) of seg is writable (RMW instructions, before reading). */
void cpu_check_write(X86CPU *cpu, int seg, uint32_t off, unsigned size);
/* Linear access at the current CPL (user if CPL 3) or as supervisor (descriptor tables,
 * TSS, IDT: "implicit supervisor" accesses). */
uint8_t cpu_ld8_lin(X86CPU *cpu, uint32_t lin, bool supervisor);
uint16_t cpu_ld16_lin(X86CPU *cpu, uint32_t lin, bool supervisor);
uint32_t cpu_ld32_lin(X86CPU *cpu, uint32_t lin, bool supervisor);
void cpu_st8_lin(X86CPU *cpu, uint32_t lin, uint8_t v, bool supervisor);
void cpu_st16_lin(X86CPU *cpu, uint32_t lin, uint16_t v, bool supervisor);
void cpu_st32_lin(X86CPU *cpu, uint32_t lin, uint32_t v, bool supervisor);
/* Instruction fetch: translate a linear code address (faults #PF with I/D when NX). */
uint64_t cpu_code_phys(X86CPU *cpu, uint32_t lin);
uint8_t cpu_fetch8(X86CPU *cpu, uint32_t lin);
void tlb_flush_all(X86CPU *cpu, bool include_global);
void tlb_flush_page(X86CPU *cpu, uint32_t lin);
/* A decoded block now lives in this physical page: make CPU writes to it take the slow
 * path so block_invalidate_phys() sees them. */
void tlb_protect_code(X86CPU *cpu, uint64_t paddr);
/* Physical access through the bus (A20 applied); used by the page walker and debug. */
uint32_t cpu_phys_ld32(X86CPU *cpu, uint64_t paddr);
uint64_t cpu_phys_ld64(X86CPU *cpu, uint64_t paddr);
void cpu_phys_st32(X86CPU *cpu, uint64_t paddr, uint32_t v);

/* ---- sys.c: control registers, MSRs, CPUID, SYSENTER ---- */
/* CPUID feature bits: cpu/cpu.h (CPUModel) */
/* EFER */
#define EFER_NXE (1u << 11)
void cpu_write_cr(X86CPU *cpu, int n, uint32_t val); /* #GP on reserved bits */
uint32_t cpu_read_cr(X86CPU *cpu, int n);
void cpu_write_dr(X86CPU *cpu, int n, uint32_t val);
uint32_t cpu_read_dr(X86CPU *cpu, int n);
bool cpu_rdmsr(X86CPU *cpu, uint32_t msr, uint64_t *val); /* false -> caller raises #GP */
bool cpu_wrmsr(X86CPU *cpu, uint32_t msr, uint64_t val);
void cpu_cpuid(X86CPU *cpu, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

/* ---- perfmon.c: P6 performance-monitoring counters ---- */
#define MSR_PERFCTR0 0xc1
#define MSR_PERFCTR1 0xc2
#define MSR_PERFEVTSEL0 0x186
#define MSR_PERFEVTSEL1 0x187
#define PMC_EVTSEL_EN (1u << 22)
bool pmc_rdmsr(X86CPU *cpu, uint32_t msr, uint64_t *val); /* false: not a counter MSR */
bool pmc_wrmsr(X86CPU *cpu, uint32_t msr, uint64_t val);  /* false: not one, or #GP */
/* Bring the counters up to date (and signal an overflow with INT set). */
void pmc_sync(X86CPU *cpu);
/* Around a change of which counters count (CPL change in cpu_update_hflags, MSR
 * writes): begin syncs and returns what counted before, for end. */
unsigned pmc_change_begin(X86CPU *cpu);
void pmc_change_end(X86CPU *cpu, unsigned before);
void pmc_reset(X86CPU *cpu);
uint64_t cpu_rdtsc(X86CPU *cpu);
void cpu_sysenter(X86CPU *cpu);
void cpu_sysexit(X86CPU *cpu);

#endif
