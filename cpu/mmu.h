/*
 * softMMU: the software TLB and the inline fast paths of guest memory access.
 *
 * The TLB has one direct-mapped table per privilege class (MMU_SUPER for CPL 0-2 and
 * implicit supervisor accesses, MMU_USER for CPL 3). Each entry maps one 4 KiB linear
 * page and carries three tags, one per kind of access (read, write, execute). A tag is
 * the linear page address when that kind of access may go straight to host memory;
 * otherwise it has flag bits in its low (page-offset) bits, so the one compare of the
 * fast path fails and the out-of-line slow path (cpu/mmu.c) runs:
 *
 *   TLB_INVALID  no translation for this kind of access yet (never filled, flushed, or
 *                not permitted: the slow path walks the page tables and faults). A write
 *                tag is only filled by a write access, which has set the PTE dirty bit,
 *                so "dirty bit not yet set" pages are simply TLB_INVALID for writes.
 *   TLB_MMIO     the bus has no host page (MMIO, unassigned; ROM for writes): the access
 *                goes through bus->mem_read/mem_write.
 *   TLB_CODE     (write tag) the physical page holds decoded code: the slow path calls
 *                block_invalidate_phys() before storing (self-modifying code).
 *   TLB_WATCH    a gdb watchpoint or a DR0-3 data breakpoint lies in the page.
 *
 * An access that crosses a page boundary always takes the slow path, which translates
 * (and so faults on) both pages before storing anything. The fast paths test this with
 * the same compare: the entry is chosen by the page of the first byte, and the tag is
 * compared with the page of the last byte, which for a crossing access is the next page,
 * whose tag can never be in this entry (the index bits differ).
 */
#ifndef X86PC_CPU_MMU_H
#define X86PC_CPU_MMU_H

#include "cpu/helper.h"

#define TARGET_PAGE_BITS 12
#define TARGET_PAGE_SIZE 4096u
#define TARGET_PAGE_MASK 0xfffff000u

#define TLB_BITS 10
#define TLB_SIZE (1u << TLB_BITS)

/*
 * MMU_USER_AC: user data accesses while alignment checking is on (HF_ACCHK). Its entries
 * are never filled, so every such access takes the slow path, which checks alignment
 * (#AC) and goes on as MMU_USER: #AC costs nothing on the fast path of the usual classes.
 */
enum { MMU_SUPER, MMU_USER, MMU_USER_AC, MMU_COUNT };

#define TLB_INVALID 0x001u
#define TLB_MMIO 0x002u
#define TLB_CODE 0x004u
#define TLB_WATCH 0x008u

struct TLBEntry {
    uint32_t tag_read;
    uint32_t tag_write;
    uint32_t tag_code;
    bool global;          /* PGE global page: survives CR3 writes */
    uint8_t *host_read;   /* host address of the page for reads and fetches, NULL: MMIO */
    uint8_t *host_write;  /* host address of the page for writes, NULL: MMIO/ROM */
    uint64_t paddr;       /* guest-physical page address (A20 applied) */
};

/* Kinds of access, as used by the page walker. */
enum { ACC_READ, ACC_WRITE, ACC_FETCH };

/*
 * TLB class of a data access by CPL without a branch: (CPL + 4 * ACCHK + 1) >> 2 is 0 for
 * CPL 0-2, 1 for CPL 3, 2 for CPL 3 with alignment checks (HF_ACCHK only with CPL 3).
 */
_Static_assert(MMU_SUPER == 0 && MMU_USER == 1 && MMU_USER_AC == 2 && HF_ACCHK == 4 &&
                   HF_CPL_MASK == 3,
               "mmu_index_cpl() relies on these values");
static inline int mmu_index_cpl(const X86CPU *cpu)
{
    return (int)(((cpu->hflags & (HF_CPL_MASK | HF_ACCHK)) + 1) >> 2);
}

/* The same for instruction fetches, which alignment checking does not concern. */
static inline int mmu_index_fetch(const X86CPU *cpu)
{
    return (int)(((cpu->hflags & HF_CPL_MASK) + 1) >> 2);
}

/* Class of an access: implicit supervisor accesses (descriptor tables, TSS) use
 * MMU_SUPER at any CPL and are never alignment checked. */
static inline int mmu_index(const X86CPU *cpu, bool supervisor)
{
    return supervisor ? MMU_SUPER : mmu_index_cpl(cpu);
}

static inline TLBEntry *tlb_entry(X86CPU *cpu, int idx, uint32_t lin)
{
    return &cpu->tlb[idx * TLB_SIZE + ((lin >> TARGET_PAGE_BITS) & (TLB_SIZE - 1))];
}

/* Slow paths (cpu/mmu.c). Values are little-endian integers of 1, 2, 4 or 8 bytes. */
uint64_t mmu_ld_slow(X86CPU *cpu, uint32_t lin, unsigned size, int idx);
void mmu_st_slow(X86CPU *cpu, uint32_t lin, uint64_t val, unsigned size, int idx);

/* Linear-address fast paths: one compare, then a host access. */
static inline uint8_t mmu_ld8(X86CPU *cpu, uint32_t lin, int idx)
{
    TLBEntry *e = tlb_entry(cpu, idx, lin);

    if (likely(e->tag_read == (lin & TARGET_PAGE_MASK))) {
        return e->host_read[lin & ~TARGET_PAGE_MASK];
    }
    return (uint8_t)mmu_ld_slow(cpu, lin, 1, idx);
}

static inline uint16_t mmu_ld16(X86CPU *cpu, uint32_t lin, int idx)
{
    TLBEntry *e = tlb_entry(cpu, idx, lin);

    if (likely(e->tag_read == ((lin + 1) & TARGET_PAGE_MASK))) {
        return lduw_le_p(e->host_read + (lin & ~TARGET_PAGE_MASK));
    }
    return (uint16_t)mmu_ld_slow(cpu, lin, 2, idx);
}

static inline uint32_t mmu_ld32(X86CPU *cpu, uint32_t lin, int idx)
{
    TLBEntry *e = tlb_entry(cpu, idx, lin);

    if (likely(e->tag_read == ((lin + 3) & TARGET_PAGE_MASK))) {
        return ldl_le_p(e->host_read + (lin & ~TARGET_PAGE_MASK));
    }
    return (uint32_t)mmu_ld_slow(cpu, lin, 4, idx);
}

static inline uint64_t mmu_ld64(X86CPU *cpu, uint32_t lin, int idx)
{
    TLBEntry *e = tlb_entry(cpu, idx, lin);

    if (likely(e->tag_read == ((lin + 7) & TARGET_PAGE_MASK))) {
        return ldq_le_p(e->host_read + (lin & ~TARGET_PAGE_MASK));
    }
    return mmu_ld_slow(cpu, lin, 8, idx);
}

static inline void mmu_st8(X86CPU *cpu, uint32_t lin, uint8_t v, int idx)
{
    TLBEntry *e = tlb_entry(cpu, idx, lin);

    if (likely(e->tag_write == (lin & TARGET_PAGE_MASK))) {
        e->host_write[lin & ~TARGET_PAGE_MASK] = v;
        return;
    }
    mmu_st_slow(cpu, lin, v, 1, idx);
}

static inline void mmu_st16(X86CPU *cpu, uint32_t lin, uint16_t v, int idx)
{
    TLBEntry *e = tlb_entry(cpu, idx, lin);

    if (likely(e->tag_write == ((lin + 1) & TARGET_PAGE_MASK))) {
        stw_le_p(e->host_write + (lin & ~TARGET_PAGE_MASK), v);
        return;
    }
    mmu_st_slow(cpu, lin, v, 2, idx);
}

static inline void mmu_st32(X86CPU *cpu, uint32_t lin, uint32_t v, int idx)
{
    TLBEntry *e = tlb_entry(cpu, idx, lin);

    if (likely(e->tag_write == ((lin + 3) & TARGET_PAGE_MASK))) {
        stl_le_p(e->host_write + (lin & ~TARGET_PAGE_MASK), v);
        return;
    }
    mmu_st_slow(cpu, lin, v, 4, idx);
}

static inline void mmu_st64(X86CPU *cpu, uint32_t lin, uint64_t v, int idx)
{
    TLBEntry *e = tlb_entry(cpu, idx, lin);

    if (likely(e->tag_write == ((lin + 7) & TARGET_PAGE_MASK))) {
        stq_le_p(e->host_write + (lin & ~TARGET_PAGE_MASK), v);
        return;
    }
    mmu_st_slow(cpu, lin, v, 8, idx);
}

/*
 * Segment checks. The fast case (offset range inside the limit, segment usable for the
 * access without looking further) is inline; everything else, including raising
 * #GP(0)/#SS(0), is in seg_check_slow().
 */
enum { SEG_ACC_READ, SEG_ACC_WRITE };

void NORETURN seg_raise_limit(X86CPU *cpu, int seg);
uint32_t seg_check_slow(X86CPU *cpu, int seg, uint32_t off, unsigned size, int acc);

/*
 * Descriptor type bits that make the inline check insufficient in protected mode:
 * not present (null selector), code (execute-only for reads, never writable) and
 * expand-down (inverted limit). Plain present data segments take the fast path.
 */
#define SEG_FAST_MASK (DESC_P_MASK | DESC_CS_MASK | DESC_E_MASK)

/*
 * Linear address of seg:off for an access of size bytes, or an exception. The fast case
 * does not look at the mode: a present, expand-up data segment (writable for a write)
 * with the range inside its limit passes in every mode, and in real and v86 mode the
 * slow path then applies the limit check alone to whatever else the cache holds.
 */
static inline uint32_t seg_lin(X86CPU *cpu, int seg, uint32_t off, unsigned size, int acc)
{
    const SegmentCache *s = &cpu->seg[seg];
    uint32_t need = acc == SEG_ACC_WRITE ? DESC_W_MASK : 0;

    if (likely((uint64_t)off + (size - 1) <= s->limit &&
               (s->flags & (SEG_FAST_MASK | need)) == (DESC_P_MASK | need))) {
        return s->base + off;
    }
    return seg_check_slow(cpu, seg, off, size, acc);
}

/*
 * Segmented access with the segment check and the TLB lookup inline: what cpu_ld8..
 * cpu_st64 (cpu/helper.h) do, for the interpreter's hot paths (cpu/interp.h, the x87's
 * specialised handlers).
 */
static inline uint8_t cpu_ld8_inline(X86CPU *cpu, int seg, uint32_t off)
{
    return mmu_ld8(cpu, seg_lin(cpu, seg, off, 1, SEG_ACC_READ), mmu_index_cpl(cpu));
}

static inline uint16_t cpu_ld16_inline(X86CPU *cpu, int seg, uint32_t off)
{
    return mmu_ld16(cpu, seg_lin(cpu, seg, off, 2, SEG_ACC_READ), mmu_index_cpl(cpu));
}

static inline uint32_t cpu_ld32_inline(X86CPU *cpu, int seg, uint32_t off)
{
    return mmu_ld32(cpu, seg_lin(cpu, seg, off, 4, SEG_ACC_READ), mmu_index_cpl(cpu));
}

static inline uint64_t cpu_ld64_inline(X86CPU *cpu, int seg, uint32_t off)
{
    return mmu_ld64(cpu, seg_lin(cpu, seg, off, 8, SEG_ACC_READ), mmu_index_cpl(cpu));
}

static inline void cpu_st8_inline(X86CPU *cpu, int seg, uint32_t off, uint8_t v)
{
    mmu_st8(cpu, seg_lin(cpu, seg, off, 1, SEG_ACC_WRITE), v, mmu_index_cpl(cpu));
}

static inline void cpu_st16_inline(X86CPU *cpu, int seg, uint32_t off, uint16_t v)
{
    mmu_st16(cpu, seg_lin(cpu, seg, off, 2, SEG_ACC_WRITE), v, mmu_index_cpl(cpu));
}

static inline void cpu_st32_inline(X86CPU *cpu, int seg, uint32_t off, uint32_t v)
{
    mmu_st32(cpu, seg_lin(cpu, seg, off, 4, SEG_ACC_WRITE), v, mmu_index_cpl(cpu));
}

static inline void cpu_st64_inline(X86CPU *cpu, int seg, uint32_t off, uint64_t v)
{
    mmu_st64(cpu, seg_lin(cpu, seg, off, 8, SEG_ACC_WRITE), v, mmu_index_cpl(cpu));
}

/* Paging (cpu/mmu.c) */
/* Reload the PAE PDPTEs from CR3; false if one has reserved bits set (MOV CR -> #GP(0)). */
bool mmu_load_pdptes(X86CPU *cpu);
TLBEntry *mmu_tlb_fill(X86CPU *cpu, uint32_t lin, int access, int idx);
void mmu_init(X86CPU *cpu);
void mmu_free(X86CPU *cpu);

#endif
