/*
 * x86pc CPU: the public interface of cpu/.
 *
 * cpu/ reaches the rest of the machine only through CPUBusOps (physical memory pages,
 * slow-path memory, port I/O, interrupt acknowledge, virtual clock, external MSRs).
 * It never includes anything from hw/ or ui/, so it is unit-tested against a fake bus
 * (tests/unit/) and runs unchanged on every host.
 *
 * Guest level: 32-bit P6-class (Pentium Pro/II integer + system architecture, PAE/NX,
 * SYSENTER). All guest-visible state lives in X86CPU; everything else (TLB, decoded block
 * cache) is a cache that can be dropped at any time (cpu_flush_caches()).
 */
#ifndef X86PC_CPU_CPU_H
#define X86PC_CPU_CPU_H

#include <setjmp.h>
#include <stdio.h>

#include "util/common.h"

/* General registers in ModRM encoding order. */
enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI };
/* Segment registers in ModRM encoding order. */
enum { R_ES, R_CS, R_SS, R_DS, R_FS, R_GS, SEG_COUNT };

/* EFLAGS bits */
#define CC_C 0x0001u
#define CC_P 0x0004u
#define CC_A 0x0010u
#define CC_Z 0x0040u
#define CC_S 0x0080u
#define CC_O 0x0800u
#define CC_ALL (CC_C | CC_P | CC_A | CC_Z | CC_S | CC_O)
#define EF_FIXED1 0x0002u /* bit 1 always reads as 1 */
#define EF_TF 0x0100u
#define EF_IF 0x0200u
#define EF_DF 0x0400u
#define EF_IOPL 0x3000u
#define EF_IOPL_SHIFT 12
#define EF_NT 0x4000u
#define EF_RF 0x10000u
#define EF_VM 0x20000u
#define EF_AC 0x40000u
#define EF_VIF 0x80000u
#define EF_VIP 0x100000u
#define EF_ID 0x200000u

/* CR0 */
#define CR0_PE (1u << 0)
#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR0_ET (1u << 4)
#define CR0_NE (1u << 5)
#define CR0_WP (1u << 16)
#define CR0_AM (1u << 18)
#define CR0_NW (1u << 29)
#define CR0_CD (1u << 30)
#define CR0_PG (1u << 31)
/* CR4 */
#define CR4_VME (1u << 0)
#define CR4_PVI (1u << 1)
#define CR4_TSD (1u << 2)
#define CR4_DE (1u << 3)
#define CR4_PSE (1u << 4)
#define CR4_PAE (1u << 5)
#define CR4_MCE (1u << 6)
#define CR4_PGE (1u << 7)
#define CR4_PCE (1u << 8)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)

/* Exception vectors */
enum {
    EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5, EXC_UD = 6,
    EXC_NM = 7, EXC_DF = 8, EXC_TS = 10, EXC_NP = 11, EXC_SS = 12, EXC_GP = 13, EXC_PF = 14,
    EXC_MF = 16, EXC_AC = 17, EXC_MC = 18, EXC_XM = 19,
};

/*
 * Segment descriptor cache. flags holds bits 8..23 of the descriptor's high dword at
 * the same positions (type 8-11, S 12, DPL 13-14, P 15, AVL 20, D/B 22, G 23), so a
 * descriptor's attributes are copied with one mask. limit is the expanded byte limit.
 */
typedef struct SegmentCache {
    uint16_t selector;
    uint32_t base;
    uint32_t limit;
    uint32_t flags;
} SegmentCache;

#define DESC_TYPE_SHIFT 8
#define DESC_A_MASK (1u << 8)
#define DESC_W_MASK (1u << 9)  /* data: writable */
#define DESC_R_MASK (1u << 9)  /* code: readable */
#define DESC_E_MASK (1u << 10) /* data: expand-down */
#define DESC_C_MASK (1u << 10) /* code: conforming */
#define DESC_CS_MASK (1u << 11) /* code (vs data) */
#define DESC_S_MASK (1u << 12)
#define DESC_DPL_SHIFT 13
#define DESC_DPL_MASK (3u << 13)
#define DESC_P_MASK (1u << 15)
#define DESC_AVL_MASK (1u << 20)
#define DESC_B_MASK (1u << 22)
#define DESC_G_MASK (1u << 23)

/* Descriptor table register (GDTR/IDTR). LDTR and TR use SegmentCache. */
typedef struct DTReg {
    uint32_t base;
    uint16_t limit;
} DTReg;

/*
 * hflags: derived mode bits, recomputed by cpu_update_hflags() whenever CR0, EFLAGS.VM,
 * CS or SS change (and HF_ACCHK by cpu_set_eflags() too). The decoder and the block cache
 * key on them.
 */
#define HF_CPL_MASK 0x3u
/* Alignment checking (#AC) is on: CPL 3 with CR0.AM and EFLAGS.AC. Bit 2, right above
 * the CPL, so that ((hflags & 7) + 1) >> 2 is the TLB class of a data access (cpu/mmu.h). */
#define HF_ACCHK (1u << 2)
#define HF_CS32 (1u << 3)  /* default operand/address size 32 */
#define HF_SS32 (1u << 4)  /* stack pointer is ESP (else SP) */
#define HF_PE (1u << 5)
#define HF_VM (1u << 6)
#define HF_PG (1u << 7)
#define HF_ADDSEG (1u << 8) /* some of DS/ES/SS has a non-zero base (hint only) */
/* Key bits of hflags that change how code decodes/executes: part of the block key. */
#define HF_BLOCK_KEY_MASK (HF_CPL_MASK | HF_CS32 | HF_SS32 | HF_PE | HF_VM)

/* Pending-event bits in X86CPU.interrupt_request (set by devices/other threads of control). */
#define CPU_INTERRUPT_HARD (1u << 0) /* INTR pin asserted */
#define CPU_INTERRUPT_NMI (1u << 1)
#define CPU_INTERRUPT_INIT (1u << 2)
#define CPU_INTERRUPT_SIPI (1u << 3)
#define CPU_INTERRUPT_SMI (1u << 4)
#define CPU_INTERRUPT_EXIT (1u << 5) /* return from cpu_exec at the next block boundary */

/* Reasons cpu_exec() returns. */
typedef enum CPUExitReason {
    CPU_EXIT_BUDGET,   /* instruction budget used up */
    CPU_EXIT_HALTED,   /* HLT with no pending interrupt (or wait-for-SIPI) */
    CPU_EXIT_REQUEST,  /* CPU_INTERRUPT_EXIT was requested */
    CPU_EXIT_DEBUG,    /* gdb breakpoint, watchpoint or single step hit */
    CPU_EXIT_SHUTDOWN, /* triple fault: the machine decides reset or exit */
} CPUExitReason;

/* Breakpoint/watchpoint kinds (gdb Z0..Z4). Addresses are linear. */
enum { BP_SOFT, BP_HARD, WP_WRITE, WP_READ, WP_ACCESS };

#define CPU_MAX_BREAKPOINTS 64

typedef struct CPUBreakpoint {
    uint32_t addr;
    uint32_t len;
    int type;
} CPUBreakpoint;

/*
 * The bus: how the CPU reaches memory and devices. All callbacks get bus_opaque.
 * Physical addresses are 64-bit (PAE gives 36 bits).
 */
typedef struct CPUBusOps {
    /*
     * Host pointer to the start of the 4 KiB guest-physical page containing paddr, for
     * direct access, or NULL if the page must go through mem_read/mem_write (MMIO,
     * unassigned, or, for write != 0, ROM). A page returned for writing is marked dirty by
     * the bus (the CPU may write it at any time until its TLB is flushed).
     */
    uint8_t *(*map_page)(void *opaque, uint64_t paddr, bool write);
    /* Slow path for pages map_page() refused; size is 1, 2, 4 or 8; little-endian values. */
    uint64_t (*mem_read)(void *opaque, uint64_t paddr, unsigned size);
    void (*mem_write)(void *opaque, uint64_t paddr, uint64_t val, unsigned size);
    uint32_t (*io_read)(void *opaque, uint16_t port, unsigned size);
    void (*io_write)(void *opaque, uint16_t port, uint32_t val, unsigned size);
    /* INTA cycle: vector of the highest pending external interrupt (8259 or LAPIC). */
    int (*intr_ack)(void *opaque, int cpu_index);
    /* Virtual clock in ns (RDTSC and the TSC MSR derive from it). */
    int64_t (*clock_ns)(void *opaque);
    /* MSRs owned by the machine (APIC base, TSC deadline...). Return false -> #GP. May be NULL. */
    bool (*msr_read)(void *opaque, int cpu_index, uint32_t msr, uint64_t *val);
    bool (*msr_write)(void *opaque, int cpu_index, uint32_t msr, uint64_t val);
    /*
     * FERR# output (x87 error with CR0.NE = 0): level true when a waiting x87 instruction
     * finds an unmasked exception pending. A PC routes it to IRQ 13 and drops it on an
     * I/O write to port 0xF0 (cpu/fpu.h). May be NULL (the exception is then ignored).
     */
    void (*ferr)(void *opaque, int cpu_index, bool level);
    /*
     * Performance-monitoring interrupt: a counter with PerfEvtSel.INT overflowed
     * (cpu/perfmon.c). A PC signals the local APIC's performance-counter LVT. May be NULL.
     */
    void (*pmi)(void *opaque, int cpu_index);
} CPUBusOps;

/* CPUID.1:EDX feature bits (CPUModel.features_edx) */
#define CPUID_FPU (1u << 0)
#define CPUID_VME (1u << 1)
#define CPUID_DE (1u << 2)
#define CPUID_PSE (1u << 3)
#define CPUID_TSC (1u << 4)
#define CPUID_MSR (1u << 5)
#define CPUID_PAE (1u << 6)
#define CPUID_MCE (1u << 7)
#define CPUID_CX8 (1u << 8)
#define CPUID_APIC (1u << 9)
#define CPUID_SEP (1u << 11)
#define CPUID_MTRR (1u << 12)
#define CPUID_PGE (1u << 13)
#define CPUID_MCA (1u << 14)
#define CPUID_CMOV (1u << 15)
#define CPUID_PAT (1u << 16)
#define CPUID_PSE36 (1u << 17)
#define CPUID_CLFSH (1u << 19) /* CLFLUSH; CPUID.1:EBX[15:8] = line size / 8 */
#define CPUID_MMX (1u << 23)
#define CPUID_FXSR (1u << 24)
#define CPUID_SSE (1u << 25)
#define CPUID_SSE2 (1u << 26)
/* CPUID.80000001:EDX */
#define CPUID_EXT_NX (1u << 20)

/* CPU model description (-cpu MODEL). */
typedef struct CPUModel {
    const char *name;
    const char *desc;
    uint32_t family, model, stepping;
    uint32_t features_edx; /* CPUID.1:EDX */
    uint32_t features_ecx; /* CPUID.1:ECX */
    uint32_t ext_features_edx; /* CPUID.80000001:EDX */
    const char *vendor; /* 12 chars */
    const char *brand;  /* up to 48 chars */
} CPUModel;

typedef struct TLBEntry TLBEntry;
typedef struct BlockCache BlockCache;

typedef struct X86CPU {
    /* ---- architectural state ---- */
    uint32_t regs[8];
    uint32_t eip;
    /*
     * EFLAGS without the six arithmetic flags, which are lazy (cc_*) and materialised by
     * cpu_get_eflags(). Use cpu_get_eflags()/cpu_set_eflags() outside cpu/flags.c.
     */
    uint32_t eflags;
    uint32_t cc_op;  /* how to compute the arithmetic flags from cc_res/cc_src1/cc_src2 */
    uint32_t cc_res;
    uint32_t cc_src1;
    uint32_t cc_src2;

    SegmentCache seg[SEG_COUNT];
    SegmentCache ldt;
    SegmentCache tr;
    DTReg gdt;
    DTReg idt;

    uint32_t cr[5]; /* CR0, (CR1 unused), CR2, CR3, CR4 */
    uint32_t dr[8]; /* DR0-DR3, (DR4/5 alias 6/7), DR6, DR7 */
    /* PAE page-directory-pointer entries, loaded from CR3 by MOV CR3/CR0/CR4 (cpu/sys.c). */
    uint64_t pdpte[4];
    /*
     * DR6 bits of debug traps pending for the instruction being executed: B0-B3 of data
     * breakpoints hit (softMMU slow path), BT after a switch to a TSS with the T bit. The
     * exec loop raises the #DB trap after the instruction retires (cpu/helper.h).
     */
    uint32_t dr6_pending;

    /* MSRs owned by the CPU */
    uint64_t tsc_offset; /* TSC = virtual clock ticks + tsc_offset */
    uint64_t efer;
    uint32_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t pat;
    uint64_t mtrr_cap, mtrr_deftype;
    uint64_t mtrr_fixed[11];
    uint64_t mtrr_var[16]; /* base/mask pairs */
    uint64_t apic_base;
    uint64_t misc_enable;
    /* P6 performance counters (cpu/perfmon.c): counted lazily from icount and the TSC */
    struct {
        uint64_t evtsel[2];
        uint64_t ctr[2];        /* 40 bits, as of the last pmc_sync() */
        uint64_t base_icount, base_tsc;
    } pmc;

    /* x87/MMX/SSE state: owned by cpu/fpu*.c (issue 4); here so save/restore and gdb see it. */
    struct {
        uint64_t mant[8]; /* 80-bit registers, physical order ST(i) = r[(top + i) & 7] */
        uint16_t exp[8];  /* sign in bit 15 */
        /* ftw: 2 bits per physical register; only 11 (empty) vs not is kept up to date:
         * fpu_full_tags() (cpu/fpu.h) computes the full tag word from the contents. */
        uint16_t fcw, fsw, ftw;
        uint16_t fop;
        uint32_t fip, fdp;
        uint16_t fcs, fds;
        uint32_t mxcsr;
        uint8_t xmm[8][16]; /* little-endian byte image of each XMM register */
        /* The registers, FSW and tags are live in the host's x87 unit (x86-64 hosts, see
         * cpu/fpu.h "Host x87"): fpu_sync() brings them back. Never set outside cpu_exec(). */
        bool host_live;
        /* MXCSR exception flags may be pending in the host's MXCSR (host SSE path, same
         * place): fpu_sync() merges them into mxcsr. */
        bool sse_live;
    } fpu;

    /* ---- derived / control state ---- */
    uint32_t hflags;
    uint32_t a20_mask; /* 0xffffffff or 0xffefffff: applied to physical addresses */
    volatile uint32_t interrupt_request; /* CPU_INTERRUPT_* */
    bool halted;
    bool wait_for_sipi;
    uint8_t sipi_vector;
    /* STI / MOV SS / POP SS interrupt shadow: no interrupt or debug trap before this EIP retires */
    bool inhibit_irq;
    bool nmi_blocked; /* between NMI delivery and the next IRET */

    /* ---- execution ---- */
    int cpu_index;
    const CPUModel *model;
    uint64_t icount;    /* instructions retired since creation */
    int64_t budget;     /* instructions left in this cpu_exec() call */
    sigjmp_buf jmp_env; /* exceptions leave instruction handlers through here */
    /* Pending exception recorded by cpu_raise_exception() before the longjmp. */
    int exc_vector;
    uint32_t exc_error;
    int exc_kind;       /* EXC_KIND_* in cpu/helper.h */
    uint32_t exc_next_eip;
    int exc_nesting;    /* for #DF/triple-fault escalation */
    uint32_t insn_start_eip; /* EIP of the instruction being executed (fault restarts here) */
    /* Set by a handler that ran this many more instructions of its block after its own
     * (and moved EIP past them): the exec loop skips their entries and counts them. */
    uint32_t insn_skip;

    /* ---- debug (gdbstub) ---- */
    bool single_step;
    CPUBreakpoint bps[CPU_MAX_BREAKPOINTS];
    int nb_bps;
    bool watchpoint_hit;
    uint32_t watchpoint_addr;

    /* ---- caches (not guest state) ---- */
    TLBEntry *tlb;        /* cpu/mmu.c */
    BlockCache *blocks;   /* cpu/block.c */

    const CPUBusOps *bus;
    void *bus_opaque;
} X86CPU;

/* cpu/cpu.c */
const CPUModel *cpu_model_find(const char *name); /* NULL if unknown */
/* Run the common x87 instructions on the host's x87 unit where the build has that path
 * (x86-64 hosts, cpu/fpu.h); default true. Set before the first cpu_exec(). */
extern bool fpu_host_x87;
/* The same for the SSE/SSE2 instructions on the host's SSE unit (cpu/fpu.h). */
extern bool fpu_host_sse;
/* x87/SSE power-up state (cpu/fpu.c). */
void fpu_power_on(X86CPU *cpu);
void cpu_model_list(FILE *out);
X86CPU *cpu_new(const CPUModel *model, int cpu_index, const CPUBusOps *bus, void *bus_opaque);
void cpu_free(X86CPU *cpu);
void cpu_reset(X86CPU *cpu); /* power-on/RESET state: F000:FFF0, CS base 0xFFFF0000 */
void cpu_init_reset(X86CPU *cpu); /* INIT: like reset but keeps MSRs/caches as the SDM says */

/* cpu/exec.c: run until the budget is used or something needs the machine. */
CPUExitReason cpu_exec(X86CPU *cpu, int64_t max_insns);
void cpu_set_irq(X86CPU *cpu, bool level);   /* INTR pin level */
void cpu_interrupt(X86CPU *cpu, uint32_t mask); /* set CPU_INTERRUPT_* bits */
/*
 * Performance-counter overflow interrupts (cpu/perfmon.c), for the machine's scheduler:
 * instructions / ns of virtual time until the next overflow of a counter with INT set
 * (UINT64_MAX / INT64_MAX: none), and the check after a slice, inside it (the TSC must
 * still read the slice's time), which signals CPUBusOps.pmi for what overflowed.
 */
uint64_t cpu_pmc_insns_left(X86CPU *cpu);
int64_t cpu_pmc_ns_left(X86CPU *cpu);
void cpu_pmc_poll(X86CPU *cpu);
void cpu_reset_interrupt(X86CPU *cpu, uint32_t mask);
void cpu_set_a20(X86CPU *cpu, bool enabled);
/* Drop TLB and decoded blocks (after restoring state or changing the memory map). */
void cpu_flush_caches(X86CPU *cpu);
/* A device or DMA wrote guest-physical memory: drop decoded code there (SMC). */
void cpu_invalidate_phys(X86CPU *cpu, uint64_t paddr, uint64_t len);

/* cpu/flags.c */
uint32_t cpu_get_eflags(X86CPU *cpu);
void cpu_set_eflags(X86CPU *cpu, uint32_t val); /* raw: no privilege checks */

/* Debug access for gdbstub/monitor: never faults, never sets A/D bits. 0 or -1. */
int cpu_memory_rw_debug(X86CPU *cpu, uint32_t lin, void *buf, size_t len, bool write);
bool cpu_get_phys_addr_debug(X86CPU *cpu, uint32_t lin, uint64_t *paddr);
int cpu_breakpoint_insert(X86CPU *cpu, int type, uint32_t addr, uint32_t len);
int cpu_breakpoint_remove(X86CPU *cpu, int type, uint32_t addr, uint32_t len);
void cpu_breakpoint_remove_all(X86CPU *cpu);
/* Set a segment register from gdb/monitor: real/v86 => base = sel << 4, else from GDT/LDT. */
void cpu_set_seg_debug(X86CPU *cpu, int seg, uint16_t sel);

/* cpu/fpu.c: the x87 tag word as FSTENV/FSAVE store it, computed from the register
 * contents (also what gdb's ftag is), and the abridged FXSAVE tag byte. */
uint16_t fpu_full_tags(const X86CPU *cpu);
uint8_t fpu_abridged_tags(const X86CPU *cpu);
/* Set the empty/in-use state of the registers from a full tag word (gdb writes ftag):
 * 11 is empty, anything else in use (valid, zero or special follow from the contents). */
void fpu_set_full_tags(X86CPU *cpu, uint16_t ftw);

/* cpu/disas.c: disassemble one instruction at a linear address (Intel syntax). Returns
 * its length, or 0 if the bytes could not be read. code32 selects the default size. */
int cpu_disas(X86CPU *cpu, uint32_t lin, bool code32, char *buf, size_t bufsize);
/* Disassemble from a byte buffer; returns length (0 if truncated/invalid: buf gets "(bad)"). */
int disas_bytes(const uint8_t *bytes, size_t n, uint32_t eip, bool code32, char *buf,
                size_t bufsize);

/* cpu/cpu.c */
void cpu_dump_state(X86CPU *cpu, FILE *out);

#endif
