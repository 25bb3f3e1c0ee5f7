/*
 * softMMU: page walks (32-bit, PSE, PAE/NX), the software TLB, slow paths for MMIO,
 * self-modifying code, watchpoints and page-crossing accesses, segmented access helpers,
 * physical and debug access. The inline fast paths and the TLB layout are in cpu/mmu.h.
 *
 * Deviations from hardware, by design:
 * - Accessed/dirty bits are written only when the whole walk succeeds (a faulting access
 *   leaves them unchanged); hardware may set A bits of upper levels first. Both are
 *   allowed by the SDM ("may set").
 * - The TLB caches 4 KiB pieces of large pages. INVLPG of an address inside a large page
 *   that is in the TLB flushes the whole TLB, so no stale piece survives.
 * - A page-crossing MMIO access is split at the page boundary (each part as bytes).
 * - Alignment checking (#AC, mmu_align_check()) covers the data accesses of instructions
 *   at CPL 3; the stack frames of far transfers, interrupts and task switches are not
 *   checked, and #AC is raised before the translation (the SDM orders neither).
 */
#include "cpu/mmu.h"

#include <stdlib.h>

#include "cpu/block.h"

/* Page-table entry bits */
#define PG_P (1u << 0)
#define PG_RW (1u << 1)
#define PG_US (1u << 2)
#define PG_A (1u << 5)
#define PG_D (1u << 6)
#define PG_PS (1u << 7)
#define PG_G (1u << 8)
#define PG_NX (1ull << 63)

/* #PF error code bits */
#define PF_P 0x01u
#define PF_W 0x02u
#define PF_U 0x04u
#define PF_RSVD 0x08u
#define PF_I 0x10u

/* PAE: 36-bit physical addresses (MAXPHYADDR = 36). */
#define PAE_ADDR_MASK 0x0000000ffffff000ull
#define PAE_RSVD_HIGH 0x7ffffff000000000ull /* bits 62:36 */

/* The per-CPU TLB storage: cpu->tlb points at e[0] (first member). */
typedef struct MMUCache {
    TLBEntry e[MMU_COUNT * TLB_SIZE];
    /*
     * Linear region covering every large page (2/4 MiB) entered in the TLB since the
     * last full flush: large_mask == 0 means none.
     */
    uint32_t large_addr;
    uint32_t large_mask;
} MMUCache;

static MMUCache *mmu_cache(X86CPU *cpu)
{
    return (MMUCache *)cpu->tlb;
}

static void tlb_entry_invalidate(TLBEntry *e)
{
    e->tag_read = TLB_INVALID;
    e->tag_write = TLB_INVALID;
    e->tag_code = TLB_INVALID;
    e->global = false;
    e->host_read = NULL;
    e->host_write = NULL;
    e->paddr = 0;
}

void mmu_init(X86CPU *cpu)
{
    MMUCache *c = xzalloc(sizeof(*c));

    cpu->tlb = c->e;
    tlb_flush_all(cpu, true);
}

void mmu_free(X86CPU *cpu)
{
    free(mmu_cache(cpu));
    cpu->tlb = NULL;
}

void tlb_flush_all(X86CPU *cpu, bool include_global)
{
    MMUCache *c = mmu_cache(cpu);

    for (unsigned i = 0; i < ARRAY_SIZE(c->e); i++) {
        if (include_global || !c->e[i].global) {
            tlb_entry_invalidate(&c->e[i]);
        }
    }
    if (include_global) {
        c->large_addr = 0;
        c->large_mask = 0;
    }
    block_links_flush(cpu);
    log_mask_printf(LOG_MMU, "mmu: flush %s\n", include_global ? "all" : "non-global");
}

void tlb_flush_page(X86CPU *cpu, uint32_t lin)
{
    MMUCache *c = mmu_cache(cpu);

    if (c->large_mask && ((lin ^ c->large_addr) & c->large_mask) == 0) {
        log_mask_printf(LOG_MMU, "mmu: invlpg %08x inside a large page\n", lin);
        tlb_flush_all(cpu, true);
        return;
    }
    for (int idx = 0; idx < MMU_COUNT; idx++) {
        TLBEntry *e = tlb_entry(cpu, idx, lin);

        if ((e->tag_read & TARGET_PAGE_MASK) == (lin & TARGET_PAGE_MASK) ||
            (e->tag_write & TARGET_PAGE_MASK) == (lin & TARGET_PAGE_MASK) ||
            (e->tag_code & TARGET_PAGE_MASK) == (lin & TARGET_PAGE_MASK)) {
            tlb_entry_invalidate(e);
        }
    }
    block_links_flush(cpu);
    log_mask_printf(LOG_MMU, "mmu: invlpg %08x\n", lin);
}

void tlb_protect_code(X86CPU *cpu, uint64_t paddr)
{
    MMUCache *c = mmu_cache(cpu);
    uint64_t page = paddr & ~(uint64_t)(TARGET_PAGE_SIZE - 1);

    for (unsigned i = 0; i < ARRAY_SIZE(c->e); i++) {
        TLBEntry *e = &c->e[i];

        if (!(e->tag_write & TLB_INVALID) && e->paddr == page) {
            e->tag_write |= TLB_CODE;
        }
    }
}

void cpu_set_a20(X86CPU *cpu, bool enabled)
{
    uint32_t mask = enabled ? 0xffffffffu : ~(1u << 20);

    if (cpu->a20_mask != mask) {
        cpu->a20_mask = mask;
        tlb_flush_all(cpu, true);
        log_mask_printf(LOG_MMU, "mmu: A20 %s\n", enabled ? "on" : "off");
    }
}

/* ---- physical access ---- */

static uint64_t a20(X86CPU *cpu, uint64_t paddr)
{
    return paddr & (0xffffffff00000000ull | cpu->a20_mask);
}

static uint64_t host_ld(const uint8_t *p, unsigned size)
{
    switch (size) {
    case 1:
        return p[0];
    case 2:
        return lduw_le_p(p);
    case 4:
        return ldl_le_p(p);
    case 8:
        return ldq_le_p(p);
    default: {
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i++) {
            v |= (uint64_t)p[i] << (8 * i);
        }
        return v;
    }
    }
}

static void host_st(uint8_t *p, uint64_t v, unsigned size)
{
    switch (size) {
    case 1:
        p[0] = (uint8_t)v;
        break;
    case 2:
        stw_le_p(p, (uint16_t)v);
        break;
    case 4:
        stl_le_p(p, (uint32_t)v);
        break;
    case 8:
        stq_le_p(p, v);
        break;
    default:
        for (unsigned i = 0; i < size; i++) {
            p[i] = (uint8_t)(v >> (8 * i));
        }
        break;
    }
}

/* Bus access of any size 1..8 inside one page (odd sizes as single bytes). */
static uint64_t bus_read(X86CPU *cpu, uint64_t paddr, unsigned size)
{
    uint64_t v = 0;

    if (size == 1 || size == 2 || size == 4 || size == 8) {
        return cpu->bus->mem_read(cpu->bus_opaque, paddr, size);
    }
    for (unsigned i = 0; i < size; i++) {
        v |= (cpu->bus->mem_read(cpu->bus_opaque, paddr + i, 1) & 0xff) << (8 * i);
    }
    return v;
}

static void bus_write(X86CPU *cpu, uint64_t paddr, uint64_t v, unsigned size)
{
    if (size == 1 || size == 2 || size == 4 || size == 8) {
        cpu->bus->mem_write(cpu->bus_opaque, paddr, v, size);
        return;
    }
    for (unsigned i = 0; i < size; i++) {
        cpu->bus->mem_write(cpu->bus_opaque, paddr + i, (v >> (8 * i)) & 0xff, 1);
    }
}

static uint64_t phys_read(X86CPU *cpu, uint64_t paddr, unsigned size)
{
    uint8_t *p;

    paddr = a20(cpu, paddr);
    p = cpu->bus->map_page(cpu->bus_opaque, paddr & ~(uint64_t)(TARGET_PAGE_SIZE - 1), false);
    if (p) {
        return host_ld(p + (paddr & (TARGET_PAGE_SIZE - 1)), size);
    }
    return bus_read(cpu, paddr, size);
}

static void phys_write(X86CPU *cpu, uint64_t paddr, uint64_t v, unsigned size)
{
    uint8_t *p;
    uint64_t page;

    paddr = a20(cpu, paddr);
    page = paddr & ~(uint64_t)(TARGET_PAGE_SIZE - 1);
    if (block_page_has_code(cpu, page)) {
        block_invalidate_phys(cpu, paddr, size);
    }
    p = cpu->bus->map_page(cpu->bus_opaque, page, true);
    if (p) {
        host_st(p + (paddr & (TARGET_PAGE_SIZE - 1)), v, size);
        return;
    }
    bus_write(cpu, paddr, v, size);
}

uint32_t cpu_phys_ld32(X86CPU *cpu, uint64_t paddr)
{
    return (uint32_t)phys_read(cpu, paddr, 4);
}

uint64_t cpu_phys_ld64(X86CPU *cpu, uint64_t paddr)
{
    return phys_read(cpu, paddr, 8);
}

void cpu_phys_st32(X86CPU *cpu, uint64_t paddr, uint32_t v)
{
    phys_write(cpu, paddr, v, 4);
}

/* ---- page walk ---- */

typedef struct MMUWalk {
    uint64_t paddr;       /* physical address of the translated byte (before A20) */
    uint32_t page_size;   /* 4 KiB, 2 MiB or 4 MiB */
    int nent;             /* number of entries below (PDE [, PTE]) */
    uint64_t ent_addr[2]; /* physical addresses of the PDE and PTE */
    uint64_t ent[2];      /* their values */
    bool pae;
    bool rw, us, nx, global;
} MMUWalk;

static bool nx_enabled(X86CPU *cpu)
{
    return (cpu->cr[4] & CR4_PAE) && (cpu->efer & (1u << 11));
}

bool mmu_load_pdptes(X86CPU *cpu)
{
    uint64_t base = cpu->cr[3] & 0xffffffe0u;
    uint64_t v[4];

    for (int i = 0; i < 4; i++) {
        v[i] = cpu_phys_ld64(cpu, base + 8 * i);
        /* Reserved: 63:36, 8:5, 2:1 (NX is reserved in PDPTEs too). */
        if ((v[i] & PG_P) && (v[i] & 0xfffffff0000001e6ull)) {
            log_mask_printf(LOG_GUEST_ERRORS, "mmu: PDPTE%d %016llx has reserved bits\n", i,
                            (unsigned long long)v[i]);
            return false;
        }
    }
    memcpy(cpu->pdpte, v, sizeof(v));
    log_mask_printf(LOG_MMU, "mmu: PDPTEs %016llx %016llx %016llx %016llx\n",
                    (unsigned long long)v[0], (unsigned long long)v[1],
                    (unsigned long long)v[2], (unsigned long long)v[3]);
    return true;
}

/*
 * Walk the page tables for lin. No permission checks and no A/D updates. Returns 0, or
 * the structural part of a #PF error code: 0 with *fault for not present, PF_P|PF_RSVD
 * for reserved bits.
 */
static bool mmu_walk(X86CPU *cpu, uint32_t lin, MMUWalk *w, uint32_t *err)
{
    memset(w, 0, sizeof(*w));
    w->rw = true;
    w->us = true;
    *err = 0;

    if (cpu->cr[4] & CR4_PAE) {
        uint64_t rsvd = PAE_RSVD_HIGH | (nx_enabled(cpu) ? 0 : PG_NX);
        uint64_t pdpte = cpu->pdpte[lin >> 30];
        uint64_t pde, pte;

        w->pae = true;
        if (!(pdpte & PG_P)) {
            return false;
        }
        w->ent_addr[0] = (pdpte & PAE_ADDR_MASK) + ((lin >> 21) & 0x1ff) * 8;
        pde = cpu_phys_ld64(cpu, w->ent_addr[0]);
        w->ent[0] = pde;
        w->nent = 1;
        if (!(pde & PG_P)) {
            return false;
        }
        if (pde & PG_PS) {
            if (pde & (rsvd | 0x1fe000ull)) {
                *err = PF_P | PF_RSVD;
                return false;
            }
        } else if (pde & rsvd) {
            *err = PF_P | PF_RSVD;
            return false;
        }
        w->rw = (pde & PG_RW) != 0;
        w->us = (pde & PG_US) != 0;
        w->nx = (pde & PG_NX) && nx_enabled(cpu);
        if (pde & PG_PS) {
            w->page_size = 2u << 20;
            w->paddr = (pde & 0x0000000fffe00000ull) | (lin & 0x1fffff);
            w->global = (pde & PG_G) && (cpu->cr[4] & CR4_PGE);
            return true;
        }
        w->ent_addr[1] = (pde & PAE_ADDR_MASK) + ((lin >> 12) & 0x1ff) * 8;
        pte = cpu_phys_ld64(cpu, w->ent_addr[1]);
        w->ent[1] = pte;
        w->nent = 2;
        if (!(pte & PG_P)) {
            return false;
        }
        if (pte & rsvd) {
            *err = PF_P | PF_RSVD;
            return false;
        }
        w->rw = w->rw && (pte & PG_RW);
        w->us = w->us && (pte & PG_US);
        w->nx = w->nx || ((pte & PG_NX) && nx_enabled(cpu));
        w->page_size = TARGET_PAGE_SIZE;
        w->paddr = (pte & PAE_ADDR_MASK) | (lin & 0xfff);
        w->global = (pte & PG_G) && (cpu->cr[4] & CR4_PGE);
        return true;
    } else {
        uint32_t pde, pte;

        w->ent_addr[0] = (cpu->cr[3] & 0xfffff000u) + (lin >> 22) * 4;
        pde = cpu_phys_ld32(cpu, w->ent_addr[0]);
        w->ent[0] = pde;
        w->nent = 1;
        if (!(pde & PG_P)) {
            return false;
        }
        w->rw = (pde & PG_RW) != 0;
        w->us = (pde & PG_US) != 0;
        if ((pde & PG_PS) && (cpu->cr[4] & CR4_PSE)) {
            /* No PSE-36: bits 21:13 of a 4 MiB PDE are reserved. */
            if (pde & 0x3fe000u) {
                *err = PF_P | PF_RSVD;
                return false;
            }
            w->page_size = 4u << 20;
            w->paddr = (pde & 0xffc00000u) | (lin & 0x3fffff);
            w->global = (pde & PG_G) && (cpu->cr[4] & CR4_PGE);
            return true;
        }
        w->ent_addr[1] = (pde & 0xfffff000u) + ((lin >> 12) & 0x3ff) * 4;
        pte = cpu_phys_ld32(cpu, w->ent_addr[1]);
        w->ent[1] = pte;
        w->nent = 2;
        if (!(pte & PG_P)) {
            return false;
        }
        w->rw = w->rw && (pte & PG_RW);
        w->us = w->us && (pte & PG_US);
        w->page_size = TARGET_PAGE_SIZE;
        w->paddr = (pte & 0xfffff000u) | (lin & 0xfff);
        w->global = (pte & PG_G) && (cpu->cr[4] & CR4_PGE);
        return true;
    }
}

/*
 * Translate lin for an access of kind acc by a user (CPL 3, not implicit) or supervisor.
 * On success sets the A bits of every entry used and the D bit of the leaf for writes,
 * and returns true; on failure returns false with the full #PF error code in *err.
 */
static bool mmu_translate(X86CPU *cpu, uint32_t lin, int acc, bool user, MMUWalk *w,
                          uint32_t *err)
{
    uint32_t e;

    if (!(cpu->cr[0] & CR0_PG)) {
        memset(w, 0, sizeof(*w));
        w->paddr = lin;
        w->page_size = TARGET_PAGE_SIZE;
        w->rw = w->us = true;
        return true;
    }
    if (mmu_walk(cpu, lin, w, &e)) {
        bool ok = true;

        if (user && !w->us) {
            ok = false;
        } else if (acc == ACC_WRITE && !w->rw && (user || (cpu->cr[0] & CR0_WP))) {
            ok = false;
        } else if (acc == ACC_FETCH && w->nx) {
            ok = false;
        }
        if (ok) {
            for (int i = 0; i < w->nent; i++) {
                uint32_t lo = (uint32_t)w->ent[i];
                uint32_t nlo = lo | PG_A;

                if (i == w->nent - 1 && acc == ACC_WRITE) {
                    nlo |= PG_D;
                }
                if (nlo != lo) {
                    cpu_phys_st32(cpu, w->ent_addr[i], nlo);
                    w->ent[i] = (w->ent[i] & ~0xffffffffull) | nlo;
                }
            }
            return true;
        }
        e = PF_P;
    }
    if (acc == ACC_WRITE) {
        e |= PF_W;
    }
    if (user) {
        e |= PF_U;
    }
    if (acc == ACC_FETCH && nx_enabled(cpu)) {
        e |= PF_I;
    }
    *err = e;
    return false;
}

/* ---- watchpoints and data breakpoints ---- */

static uint32_t dr_len(uint32_t dr7, int i)
{
    static const uint32_t lens[4] = {1, 2, 8, 4};

    return lens[(dr7 >> (18 + 4 * i)) & 3];
}

/* Bitmask of kinds (1: read, 2: write) of watch that touch [lin, lin+len). */
static unsigned watch_kinds(X86CPU *cpu, uint32_t lin, uint32_t len)
{
    uint64_t lo = lin, hi = (uint64_t)lin + len;
    unsigned kinds = 0;
    uint32_t dr7 = cpu->dr[7];

    for (int i = 0; i < cpu->nb_bps; i++) {
        const CPUBreakpoint *bp = &cpu->bps[i];
        uint64_t blo = bp->addr, bhi = (uint64_t)bp->addr + (bp->len ? bp->len : 1);

        if (bp->type < WP_WRITE || blo >= hi || bhi <= lo) {
            continue;
        }
        kinds |= bp->type == WP_WRITE ? 2 : bp->type == WP_READ ? 1 : 3;
    }
    for (int i = 0; i < 4; i++) {
        uint32_t rw = (dr7 >> (16 + 4 * i)) & 3;
        uint32_t l = dr_len(dr7, i);
        uint64_t blo = cpu->dr[i] & ~(l - 1), bhi = blo + l;

        if (!(dr7 & (3u << (2 * i))) || (rw != 1 && rw != 3) || blo >= hi || bhi <= lo) {
            continue;
        }
        kinds |= rw == 1 ? 2 : 3;
    }
    return kinds;
}

/* An access through a TLB_WATCH entry: record gdb watchpoint and DR0-3 hits. */
static void watch_check(X86CPU *cpu, uint32_t lin, unsigned size, bool write)
{
    uint64_t lo = lin, hi = (uint64_t)lin + size;
    uint32_t dr7 = cpu->dr[7];

    for (int i = 0; i < cpu->nb_bps; i++) {
        const CPUBreakpoint *bp = &cpu->bps[i];
        uint64_t blo = bp->addr, bhi = (uint64_t)bp->addr + (bp->len ? bp->len : 1);

        if (bp->type < WP_WRITE || blo >= hi || bhi <= lo) {
            continue;
        }
        if (bp->type == WP_ACCESS || (bp->type == WP_WRITE) == write) {
            cpu->watchpoint_hit = true;
            cpu->watchpoint_addr = bp->addr;
            cpu_end_block(cpu);
        }
    }
    for (int i = 0; i < 4; i++) {
        uint32_t rw = (dr7 >> (16 + 4 * i)) & 3;
        uint32_t l = dr_len(dr7, i);
        uint64_t blo = cpu->dr[i] & ~(l - 1), bhi = blo + l;

        if (!(dr7 & (3u << (2 * i))) || blo >= hi || bhi <= lo) {
            continue;
        }
        if (rw == 3 || (rw == 1 && write)) {
            cpu->dr6_pending |= 1u << i;
            cpu_end_block(cpu);
        }
    }
}

/* ---- TLB fill ---- */

/* -d mmu: the page-table entries a walk read, with their physical addresses, e.g.
 * " pde@00020004=00022023 pte@00022000=00030063". Empty without paging. */
static const char *walk_str(const MMUWalk *w, char *buf, size_t n)
{
    static const char *const names[2] = {"pde", "pte"};
    size_t len = 0;

    buf[0] = '\0';
    for (int i = 0; i < w->nent && len < n; i++) {
        int k = snprintf(buf + len, n - len, w->pae ? " %s@%09llx=%016llx" : " %s@%08llx=%08llx",
                         names[i], (unsigned long long)w->ent_addr[i],
                         (unsigned long long)w->ent[i]);
        len += k > 0 ? (size_t)k : 0;
    }
    return buf;
}

static void NORETURN raise_page_fault(X86CPU *cpu, uint32_t lin, uint32_t err,
                                      const MMUWalk *w)
{
    if (log_enabled(LOG_MMU)) {
        char ents[96];
        log_printf("mmu: #PF lin=%08x err=%02x%s\n", lin, err, walk_str(w, ents, sizeof(ents)));
    }
    cpu->cr[2] = lin;
    cpu_raise_exception(cpu, EXC_PF, err);
}

TLBEntry *mmu_tlb_fill(X86CPU *cpu, uint32_t lin, int acc, int idx)
{
    MMUWalk w;
    uint32_t err;
    uint32_t page = lin & TARGET_PAGE_MASK;
    TLBEntry *e = tlb_entry(cpu, idx, lin);
    uint64_t ppage;
    unsigned watch;
    bool same;

    if (!mmu_translate(cpu, lin, acc, idx == MMU_USER, &w, &err)) {
        raise_page_fault(cpu, lin, err, &w);
    }
    ppage = a20(cpu, w.paddr) & ~(uint64_t)(TARGET_PAGE_SIZE - 1);
    same = !(e->tag_read & TLB_INVALID) && (e->tag_read & TARGET_PAGE_MASK) == page &&
           e->paddr == ppage;
    watch = watch_kinds(cpu, page, TARGET_PAGE_SIZE);

    if (!same) {
        tlb_entry_invalidate(e);
        e->paddr = ppage;
        e->host_read = cpu->bus->map_page(cpu->bus_opaque, ppage, false);
    }
    e->global = w.global;
    e->tag_read = page | (e->host_read ? 0 : TLB_MMIO) | ((watch & 1) ? TLB_WATCH : 0);
    e->tag_code = w.nx ? TLB_INVALID : page | (e->host_read ? 0 : TLB_MMIO);
    if (acc == ACC_WRITE) {
        e->host_write = cpu->bus->map_page(cpu->bus_opaque, ppage, true);
        e->tag_write = page | (e->host_write ? 0 : TLB_MMIO) |
                       ((watch & 2) ? TLB_WATCH : 0) |
                       (block_page_has_code(cpu, ppage) ? TLB_CODE : 0);
    }
    if (w.page_size > TARGET_PAGE_SIZE) {
        MMUCache *c = mmu_cache(cpu);
        uint32_t base = lin & ~(w.page_size - 1);

        if (!c->large_mask) {
            c->large_addr = base;
            c->large_mask = ~(w.page_size - 1);
        } else {
            while ((c->large_addr ^ base) & c->large_mask) {
                c->large_mask <<= 1;
            }
        }
    }
    if (log_enabled(LOG_MMU)) {
        char ents[96];
        log_printf("mmu: fill %s %08x -> %09llx %s%s%s%s%s%s\n", idx == MMU_USER ? "user" : "sup ",
                   page, (unsigned long long)ppage,
                   acc == ACC_WRITE ? "w" : acc == ACC_FETCH ? "x" : "r",
                   w.page_size > TARGET_PAGE_SIZE ? " large" : "", w.global ? " global" : "",
                   e->host_read ? "" : " mmio", watch ? " watch" : "",
                   walk_str(&w, ents, sizeof(ents)));
    }
    return e;
}

/* ---- slow paths ---- */

static TLBEntry *probe_read(X86CPU *cpu, uint32_t lin, int idx)
{
    TLBEntry *e = tlb_entry(cpu, idx, lin);

    if ((e->tag_read & (TARGET_PAGE_MASK | TLB_INVALID)) != (lin & TARGET_PAGE_MASK)) {
        e = mmu_tlb_fill(cpu, lin, ACC_READ, idx);
    }
    return e;
}

static TLBEntry *probe_write(X86CPU *cpu, uint32_t lin, int idx)
{
    TLBEntry *e = tlb_entry(cpu, idx, lin);

    if ((e->tag_write & (TARGET_PAGE_MASK | TLB_INVALID)) != (lin & TARGET_PAGE_MASK)) {
        e = mmu_tlb_fill(cpu, lin, ACC_WRITE, idx);
    }
    return e;
}

/* Read size bytes that lie in one page. */
static uint64_t ld_in_page(X86CPU *cpu, uint32_t lin, unsigned size, int idx)
{
    TLBEntry *e = probe_read(cpu, lin, idx);
    uint32_t off = lin & ~TARGET_PAGE_MASK;

    if (e->tag_read & TLB_WATCH) {
        watch_check(cpu, lin, size, false);
    }
    if (e->tag_read & TLB_MMIO) {
        return bus_read(cpu, e->paddr | off, size);
    }
    return host_ld(e->host_read + off, size);
}

/* Write size bytes that lie in one page whose write translation is already checked. */
static void st_in_page(X86CPU *cpu, uint32_t lin, uint64_t v, unsigned size, int idx)
{
    TLBEntry *e = probe_write(cpu, lin, idx);
    uint32_t off = lin & ~TARGET_PAGE_MASK;

    if (e->tag_write & TLB_WATCH) {
        watch_check(cpu, lin, size, true);
    }
    if (e->tag_write & TLB_CODE) {
        if (block_page_has_code(cpu, e->paddr)) {
            block_invalidate_phys(cpu, e->paddr | off, size);
        } else {
            e->tag_write &= ~TLB_CODE;
        }
    }
    if (e->tag_write & TLB_MMIO) {
        bus_write(cpu, e->paddr | off, v, size);
        return;
    }
    host_st(e->host_write + off, v, size);
}

/*
 * MMU_USER_AC (cpu/mmu.h) is never filled: an access of that class checks its alignment
 * here and continues as a user access. #AC(0) comes before any translation (as Bochs
 * does; the SDM gives no order between #AC and #PF). Every size here is its own
 * alignment (2, 4, 8; an 80-bit x87 operand is read as 8 + 2 bytes, so 8-byte aligned).
 */
static inline int mmu_align_check(X86CPU *cpu, uint32_t lin, unsigned size, int idx)
{
    if (unlikely(idx == MMU_USER_AC)) {
        if (lin & (size - 1)) {
            log_mask_printf(LOG_INT, "#AC: %u-byte access at %08x\n", size, lin);
            cpu_raise_exception(cpu, EXC_AC, 0);
        }
        return MMU_USER;
    }
    return idx;
}

uint64_t mmu_ld_slow(X86CPU *cpu, uint32_t lin, unsigned size, int idx)
{
    uint32_t off = lin & ~TARGET_PAGE_MASK;

    idx = mmu_align_check(cpu, lin, size, idx);
    if (off + size > TARGET_PAGE_SIZE) {
        unsigned n1 = TARGET_PAGE_SIZE - off;
        uint64_t lo = ld_in_page(cpu, lin, n1, idx);
        uint64_t hi = ld_in_page(cpu, lin + n1, size - n1, idx);

        return lo | (hi << (8 * n1));
    }
    return ld_in_page(cpu, lin, size, idx);
}

void mmu_st_slow(X86CPU *cpu, uint32_t lin, uint64_t val, unsigned size, int idx)
{
    uint32_t off = lin & ~TARGET_PAGE_MASK;

    idx = mmu_align_check(cpu, lin, size, idx);
    if (off + size > TARGET_PAGE_SIZE) {
        unsigned n1 = TARGET_PAGE_SIZE - off;

        /* Both pages must be writable before the first byte is stored. */
        probe_write(cpu, lin, idx);
        probe_write(cpu, lin + n1, idx);
        st_in_page(cpu, lin, val, n1, idx);
        st_in_page(cpu, lin + n1, val >> (8 * n1), size - n1, idx);
        return;
    }
    st_in_page(cpu, lin, val, size, idx);
}

/* ---- segment checks ---- */

void seg_raise_limit(X86CPU *cpu, int seg)
{
    cpu_raise_exception(cpu, seg == R_SS ? EXC_SS : EXC_GP, 0);
}

uint32_t seg_check_slow(X86CPU *cpu, int seg, uint32_t off, unsigned size, int acc)
{
    const SegmentCache *s = &cpu->seg[seg];
    uint64_t last = (uint64_t)off + (size - 1);

    if (!(cpu->hflags & HF_PE) || (cpu->hflags & HF_VM)) {
        /* Real and v86 mode: limit only (real mode keeps cached "unreal" limits). */
        if (last > s->limit) {
            seg_raise_limit(cpu, seg);
        }
        return s->base + off;
    }
    if (!(s->flags & DESC_P_MASK)) {
        /* Null selector (or an unusable cached segment). */
        seg_raise_limit(cpu, seg);
    }
    if (s->flags & DESC_CS_MASK) {
        if (acc == SEG_ACC_WRITE || !(s->flags & DESC_R_MASK)) {
            cpu_raise_exception(cpu, EXC_GP, 0);
        }
    } else if (acc == SEG_ACC_WRITE && !(s->flags & DESC_W_MASK)) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
    if (!(s->flags & DESC_CS_MASK) && (s->flags & DESC_E_MASK)) {
        uint64_t upper = (s->flags & DESC_B_MASK) ? 0xffffffffu : 0xffffu;

        if (off <= s->limit || last > upper) {
            seg_raise_limit(cpu, seg);
        }
    } else if (last > s->limit) {
        seg_raise_limit(cpu, seg);
    }
    return s->base + off;
}

/* ---- segmented and linear access (helper.h) ---- */

uint8_t cpu_ld8(X86CPU *cpu, int seg, uint32_t off)
{
    return cpu_ld8_inline(cpu, seg, off);
}

uint16_t cpu_ld16(X86CPU *cpu, int seg, uint32_t off)
{
    return cpu_ld16_inline(cpu, seg, off);
}

uint32_t cpu_ld32(X86CPU *cpu, int seg, uint32_t off)
{
    return cpu_ld32_inline(cpu, seg, off);
}

uint64_t cpu_ld64(X86CPU *cpu, int seg, uint32_t off)
{
    return mmu_ld64(cpu, seg_lin(cpu, seg, off, 8, SEG_ACC_READ), mmu_index(cpu, false));
}

void cpu_st8(X86CPU *cpu, int seg, uint32_t off, uint8_t v)
{
    cpu_st8_inline(cpu, seg, off, v);
}

void cpu_st16(X86CPU *cpu, int seg, uint32_t off, uint16_t v)
{
    cpu_st16_inline(cpu, seg, off, v);
}

void cpu_st32(X86CPU *cpu, int seg, uint32_t off, uint32_t v)
{
    cpu_st32_inline(cpu, seg, off, v);
}

void cpu_st64(X86CPU *cpu, int seg, uint32_t off, uint64_t v)
{
    mmu_st64(cpu, seg_lin(cpu, seg, off, 8, SEG_ACC_WRITE), v, mmu_index(cpu, false));
}

void cpu_check_write(X86CPU *cpu, int seg, uint32_t off, unsigned size)
{
    uint32_t lin = seg_lin(cpu, seg, off, size, SEG_ACC_WRITE);
    int idx = mmu_index(cpu, false);

    if (size == 2 || size == 4 || size == 8) {
        idx = mmu_align_check(cpu, lin, size, idx);
    } else if (idx == MMU_USER_AC) {
        idx = MMU_USER;
    }
    probe_write(cpu, lin, idx);
    if ((lin & ~TARGET_PAGE_MASK) + size > TARGET_PAGE_SIZE) {
        probe_write(cpu, (lin | ~TARGET_PAGE_MASK) + 1, idx);
    }
}

uint8_t cpu_ld8_lin(X86CPU *cpu, uint32_t lin, bool supervisor)
{
    return mmu_ld8(cpu, lin, mmu_index(cpu, supervisor));
}

uint16_t cpu_ld16_lin(X86CPU *cpu, uint32_t lin, bool supervisor)
{
    return mmu_ld16(cpu, lin, mmu_index(cpu, supervisor));
}

uint32_t cpu_ld32_lin(X86CPU *cpu, uint32_t lin, bool supervisor)
{
    return mmu_ld32(cpu, lin, mmu_index(cpu, supervisor));
}

void cpu_st8_lin(X86CPU *cpu, uint32_t lin, uint8_t v, bool supervisor)
{
    mmu_st8(cpu, lin, v, mmu_index(cpu, supervisor));
}

void cpu_st16_lin(X86CPU *cpu, uint32_t lin, uint16_t v, bool supervisor)
{
    mmu_st16(cpu, lin, v, mmu_index(cpu, supervisor));
}

void cpu_st32_lin(X86CPU *cpu, uint32_t lin, uint32_t v, bool supervisor)
{
    mmu_st32(cpu, lin, v, mmu_index(cpu, supervisor));
}

static TLBEntry *probe_code(X86CPU *cpu, uint32_t lin)
{
    int idx = mmu_index_fetch(cpu);
    TLBEntry *e = tlb_entry(cpu, idx, lin);

    if ((e->tag_code & (TARGET_PAGE_MASK | TLB_INVALID)) != (lin & TARGET_PAGE_MASK)) {
        e = mmu_tlb_fill(cpu, lin, ACC_FETCH, idx);
    }
    return e;
}

uint64_t cpu_code_phys(X86CPU *cpu, uint32_t lin)
{
    return probe_code(cpu, lin)->paddr | (lin & ~TARGET_PAGE_MASK);
}

uint8_t cpu_fetch8(X86CPU *cpu, uint32_t lin)
{
    TLBEntry *e = probe_code(cpu, lin);
    uint32_t off = lin & ~TARGET_PAGE_MASK;

    if (likely(!(e->tag_code & TLB_MMIO))) {
        return e->host_read[off];
    }
    return (uint8_t)cpu->bus->mem_read(cpu->bus_opaque, e->paddr | off, 1);
}

/* ---- debug access (gdbstub, monitor): no faults, no A/D updates ---- */

bool cpu_get_phys_addr_debug(X86CPU *cpu, uint32_t lin, uint64_t *paddr)
{
    MMUWalk w;
    uint32_t err;

    if (!(cpu->cr[0] & CR0_PG)) {
        *paddr = a20(cpu, lin);
        return true;
    }
    if (!mmu_walk(cpu, lin, &w, &err)) {
        return false;
    }
    *paddr = a20(cpu, w.paddr);
    return true;
}

int cpu_memory_rw_debug(X86CPU *cpu, uint32_t lin, void *buf, size_t len, bool write)
{
    uint8_t *b = buf;

    while (len > 0) {
        uint32_t off = lin & ~TARGET_PAGE_MASK;
        size_t n = MIN(len, (size_t)(TARGET_PAGE_SIZE - off));
        uint64_t paddr;
        uint8_t *host;

        if (!cpu_get_phys_addr_debug(cpu, lin, &paddr)) {
            return -1;
        }
        host = cpu->bus->map_page(cpu->bus_opaque, paddr & ~(uint64_t)(TARGET_PAGE_SIZE - 1),
                                  write);
        if (!host) {
            /* MMIO (or ROM for writes): never touched by the debugger. */
            return -1;
        }
        if (write) {
            if (block_page_has_code(cpu, paddr)) {
                block_invalidate_phys(cpu, paddr, (unsigned)n);
            }
            memcpy(host + off, b, n);
        } else {
            memcpy(b, host + off, n);
        }
        lin += (uint32_t)n;
        b += n;
        len -= n;
    }
    return 0;
}
