/*
 * Internal helpers shared by the system-level files of cpu/ (seg.c, excp.c, task.c,
 * sys.c, cpu.c): descriptor access, stack frames for control transfers. Not part of the
 * instruction-level contract (that is cpu/helper.h).
 */
#ifndef X86PC_CPU_SEG_H
#define X86PC_CPU_SEG_H

#include "cpu/mmu.h"

/* System descriptor types (S = 0), bits 8..11 of the high dword. */
enum {
    DESC_TSS16_AVAIL = 1,
    DESC_LDT = 2,
    DESC_TSS16_BUSY = 3,
    DESC_CALLGATE16 = 4,
    DESC_TASKGATE = 5,
    DESC_INTGATE16 = 6,
    DESC_TRAPGATE16 = 7,
    DESC_TSS32_AVAIL = 9,
    DESC_TSS32_BUSY = 11,
    DESC_CALLGATE32 = 12,
    DESC_INTGATE32 = 14,
    DESC_TRAPGATE32 = 15,
};

/* A raw descriptor as read from the GDT/LDT/IDT. */
typedef struct Desc {
    uint32_t lo, hi;
    uint32_t addr; /* linear address of the descriptor (to set the accessed/busy bits) */
} Desc;

static inline int desc_type(const Desc *d)
{
    return (d->hi >> 8) & 0xf;
}

static inline int desc_dpl(const Desc *d)
{
    return (d->hi >> 13) & 3;
}

static inline bool desc_is_system(const Desc *d)
{
    return !(d->hi & DESC_S_MASK);
}

static inline bool desc_present(const Desc *d)
{
    return (d->hi & DESC_P_MASK) != 0;
}

static inline int cpu_cpl(const X86CPU *cpu)
{
    return cpu->hflags & HF_CPL_MASK;
}

static inline bool cpu_pm(const X86CPU *cpu)
{
    return (cpu->cr[0] & CR0_PE) && !(cpu->eflags & EF_VM);
}

/* Read the descriptor of sel (GDT or LDT). False if outside the table limit. */
bool desc_fetch(X86CPU *cpu, uint16_t sel, Desc *d);
/* Fill a segment cache from a descriptor. */
void desc_to_cache(SegmentCache *sc, uint16_t sel, const Desc *d);
/* Set the accessed bit in the descriptor in memory (and in d). */
void desc_set_accessed(X86CPU *cpu, Desc *d);
/* Null segment (usable only as a selector: accesses #GP). */
void seg_set_null(SegmentCache *sc, uint16_t sel);
/* Flat 4 GiB segment for SYSENTER/SYSEXIT. */
void seg_set_flat(SegmentCache *sc, uint16_t sel, bool code, int dpl);

/* Inner-privilege stack from the current TSS: #TS(TR) if out of its limit. */
void tss_get_stack(X86CPU *cpu, int dpl, uint16_t *ss, uint32_t *esp, uint32_t ext);

/*
 * A stack being built or read by a control transfer before anything is committed:
 * writes go through linear addresses, checked against the (possibly not yet loaded) SS
 * descriptor. Faults: #SS(err_sel) for limits.
 */
typedef struct StackFrame {
    uint32_t base, limit, flags;
    uint32_t sp;      /* full ESP value; only the low 16 bits move if !(flags & B) */
    uint32_t err_sel; /* #SS error code on a limit violation */
    int mmu_idx;
} StackFrame;

void frame_init(StackFrame *f, X86CPU *cpu, const SegmentCache *ss, uint32_t sp,
                uint32_t err_sel, int cpl);
void frame_push(X86CPU *cpu, StackFrame *f, uint32_t v, bool op32);
uint32_t frame_pop(X86CPU *cpu, StackFrame *f, bool op32);
/* Read at sp + off without moving. */
uint32_t frame_peek(X86CPU *cpu, StackFrame *f, uint32_t off, bool op32);
/* Write ESP (or SP) back. */
void frame_commit_sp(X86CPU *cpu, const StackFrame *f);

/* Checks of a new SS for an inner-privilege transfer: raise vec(err) = #TS or #GP. */
void seg_check_new_ss(X86CPU *cpu, uint16_t ss, int rpl, int vec, uint32_t ext, Desc *d);

/* Load a segment register in protected mode, raising vec (#GP or #TS during a task
 * switch) with the selector as error code. */
void seg_load_pm(X86CPU *cpu, int seg, uint16_t sel, int vec);

/* Mode-dependent EFLAGS update for IRET/POPF-like writes (cpu/seg.c). */
void seg_write_eflags(X86CPU *cpu, uint32_t val, uint32_t mask);

#endif
