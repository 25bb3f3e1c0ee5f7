/*
 * Decoded-block cache.
 *
 * A block is a run of decoded instructions keyed by (physical address of its first byte,
 * CS base, CS limit, hflags & HF_BLOCK_KEY_MASK). It ends at a branch, an instruction that may
 * change the mode or the interrupt state (F_END, F_IO), the end of its page, or
 * BLOCK_MAX_INSNS. Only its first instruction may straddle a page boundary; the second
 * page is then recorded (phys2) and re-checked at every lookup, since paging may map the
 * next linear page elsewhere.
 *
 * Self-modifying code: every physical page holding a block is registered with the
 * softMMU (tlb_protect_code), whose write slow path then calls block_invalidate_phys().
 * Invalidation is by byte range: only blocks overlapping the written bytes are dropped,
 * so data that shares a page with code stays cheap. If the running block is hit, the
 * exec loop leaves it after the writing instruction and decodes afresh.
 *
 * Lookup: block_lookup_fast() (cpu/block.h) tries the jump cache, indexed by physical
 * address, before block_lookup() hashes; the exec loop tries the links of the previous
 * block first (Block.link). Invalidation clears a block's jump-cache slot and its valid
 * flag (which links check); flushes of the TLB or of the cache bump link_gen.
 *
 * Memory: blocks live in one arena, allocated by bumping a pointer; invalidated blocks
 * stay there, unreachable, until the arena fills and the whole cache is flushed. Nothing
 * is freed while a block runs (a flush only happens when a block is being built), so a
 * running DecodedInsn pointer stays valid even if its block is invalidated under it.
 *
 * Code in MMIO (a page map_page() refuses: device memory, or no memory at all) is read
 * from the device instruction by instruction: such a block holds one instruction, is
 * fetched with no read-ahead beyond it (device reads may have side effects), and is never
 * cached, linked or valid (a device may change its contents at any time). It is built at
 * the free end of the arena without claiming the space, so the next build reuses it.
 *
 * JIT: a block has a jit_code slot and exec_count; block_jit_hook (set by jit/) is
 * called on entry and may attach host code compiled from the same DecodedInsn array.
 * The interpreter form stays authoritative: invalidation and flushes drop both together,
 * and a block whose jit_code is NULL is always interpreted. A JIT must not compile a block
 * that is not valid (MMIO code).
 */
#include <stdlib.h>

#include "cpu/block.h"
#include "cpu/interp.h"
#include "cpu/mmu.h"

#define BLOCK_HASH_BITS 14
#define BLOCK_HASH_SIZE (1u << BLOCK_HASH_BITS)
#define PAGE_HASH_BITS 12
#define PAGE_HASH_SIZE (1u << PAGE_HASH_BITS)
#define ARENA_SIZE (16u << 20)
/* Bytes of guest code copied for one block decode: enough for BLOCK_MAX_INSNS. */
#define BLOCK_WINDOW 1024u

struct PageEntry {
    uint64_t page;
    Block *blocks;
    PageEntry *next;
};

void (*block_jit_hook)(X86CPU *cpu, Block *b);

BlockCache *block_cache_get(X86CPU *cpu)
{
    BlockCache *bc = cpu->blocks;

    if (unlikely(!bc)) {
        bc = xzalloc(sizeof(*bc));
        bc->arena_size = ARENA_SIZE;
        bc->arena = xmalloc(bc->arena_size);
        bc->hash = xzalloc(BLOCK_HASH_SIZE * sizeof(Block *));
        bc->pages = xzalloc(PAGE_HASH_SIZE * sizeof(PageEntry *));
        bc->jcache = xzalloc(BLOCK_JCACHE_SIZE * sizeof(Block *));
        cpu->blocks = bc;
    }
    return bc;
}

void block_cache_free(X86CPU *cpu)
{
    BlockCache *bc = cpu->blocks;

    if (!bc) {
        return;
    }
#ifdef CONFIG_HOST_X87
    hostx87_code_free(bc);
#endif
    free(bc->arena);
    free(bc->hash);
    free(bc->pages);
    free(bc->jcache);
    free(bc);
    cpu->blocks = NULL;
}

static unsigned block_hash(uint64_t phys, uint32_t cs_base)
{
    uint64_t h = (phys ^ ((uint64_t)cs_base << 7)) * 0x9e3779b97f4a7c15ull;

    return (unsigned)(h >> (64 - BLOCK_HASH_BITS));
}

static unsigned page_hash(uint64_t page)
{
    return (unsigned)(((page >> 12) * 0x9e3779b97f4a7c15ull) >> (64 - PAGE_HASH_BITS));
}

void block_flush_all(X86CPU *cpu)
{
    BlockCache *bc = block_cache_get(cpu);

    memset(bc->hash, 0, BLOCK_HASH_SIZE * sizeof(Block *));
    memset(bc->pages, 0, PAGE_HASH_SIZE * sizeof(PageEntry *));
    memset(bc->jcache, 0, BLOCK_JCACHE_SIZE * sizeof(Block *));
    bc->arena_used = 0;
#ifdef CONFIG_HOST_X87
    hostx87_code_reset(bc); /* no block refers to it any more */
#endif
    bc->generation++;
    bc->link_gen++;
    if (bc->cur) {
        bc->stop = true;
    }
}

void block_links_flush(X86CPU *cpu)
{
    if (cpu->blocks) {
        cpu->blocks->link_gen++;
    }
}

static void *arena_alloc(BlockCache *bc, size_t n)
{
    void *p;

    n = (n + 15) & ~(size_t)15;
    if (bc->arena_used + n > bc->arena_size) {
        return NULL;
    }
    p = bc->arena + bc->arena_used;
    bc->arena_used += n;
    return p;
}

static PageEntry *page_find(BlockCache *bc, uint64_t page)
{
    for (PageEntry *p = bc->pages[page_hash(page)]; p; p = p->next) {
        if (p->page == page) {
            return p;
        }
    }
    return NULL;
}

bool block_page_has_code(X86CPU *cpu, uint64_t paddr)
{
    BlockCache *bc = cpu->blocks;
    PageEntry *p;

    if (!bc) {
        return false;
    }
    p = page_find(bc, paddr & ~(uint64_t)(TARGET_PAGE_SIZE - 1));
    return p && p->blocks;
}

/* Which of a block's two page links belongs to page. */
static int page_link(const Block *b, uint64_t page)
{
    return (b->phys & ~(uint64_t)(TARGET_PAGE_SIZE - 1)) == page ? 0 : 1;
}

static void hash_remove(BlockCache *bc, Block *b)
{
    Block **pp = &bc->hash[block_hash(b->phys, b->cs_base)];

    while (*pp) {
        if (*pp == b) {
            *pp = b->hash_next;
            return;
        }
        pp = &(*pp)->hash_next;
    }
}

static bool block_overlaps(const Block *b, uint64_t lo, uint64_t hi)
{
    uint64_t len1 = MIN((uint64_t)b->size, TARGET_PAGE_SIZE - (b->phys & (TARGET_PAGE_SIZE - 1)));

    if (b->phys < hi && b->phys + len1 > lo) {
        return true;
    }
    return b->phys2 != BLOCK_NO_PAGE && b->phys2 < hi && b->phys2 + (b->size - len1) > lo;
}

static void block_invalidate(BlockCache *bc, Block *b)
{
    Block **jc = &bc->jcache[block_jcache_hash(b->phys)];

    b->valid = false;
    hash_remove(bc, b);
    if (*jc == b) {
        *jc = NULL;
    }
    if (b == bc->cur) {
        bc->stop = true;
    }
}

void block_invalidate_phys(X86CPU *cpu, uint64_t paddr, unsigned len)
{
    BlockCache *bc = cpu->blocks;
    uint64_t page = paddr & ~(uint64_t)(TARGET_PAGE_SIZE - 1);
    PageEntry *p;
    Block **pp;

    if (!bc || !(p = page_find(bc, page))) {
        return;
    }
    /* Walk the page's list, dropping overlapping blocks and unlinking dead ones. */
    pp = &p->blocks;
    while (*pp) {
        Block *b = *pp;
        int link = page_link(b, page);

        if (b->valid && block_overlaps(b, paddr, paddr + (len ? len : 1))) {
            block_invalidate(bc, b);
        }
        if (!b->valid) {
            *pp = b->page_next[link];
        } else {
            pp = &b->page_next[link];
        }
    }
}

/* Copy n bytes of guest-physical code at phys (within one page) into buf. */
static void fetch_phys(X86CPU *cpu, uint64_t phys, uint8_t *buf, size_t n)
{
    uint64_t page = phys & ~(uint64_t)(TARGET_PAGE_SIZE - 1);
    uint8_t *host = cpu->bus->map_page(cpu->bus_opaque, page, false);

    if (host) {
        memcpy(buf, host + (phys - page), n);
        return;
    }
    for (size_t k = 0; k < n; k++) {
        buf[k] = (uint8_t)cpu->bus->mem_read(cpu->bus_opaque, phys + k, 1);
    }
}

static void page_add(X86CPU *cpu, BlockCache *bc, uint64_t page, Block *b, int link)
{
    PageEntry *p = page_find(bc, page);

    if (!p) {
        p = arena_alloc(bc, sizeof(PageEntry));
        if (!p) {
            /* Cannot happen: block_build reserved room for two page entries. */
            return;
        }
        p->page = page;
        p->blocks = NULL;
        p->next = bc->pages[page_hash(page)];
        bc->pages[page_hash(page)] = p;
    }
    if (!p->blocks) {
        tlb_protect_code(cpu, page);
    }
    b->page_next[link] = p->blocks;
    p->blocks = b;
}

static void log_block(X86CPU *cpu, const Block *b)
{
    uint32_t eip = cpu->eip;

    log_printf("IN: %04x:%08x phys %08llx (%u insns)\n", cpu->seg[R_CS].selector, eip,
               (unsigned long long)b->phys, b->n_insns);
    for (unsigned k = 0; k < b->n_insns; k++) {
        char text[96];

        disas_format(&b->insns[k], eip, text, sizeof(text));
        log_printf("  %08x: %s\n", eip, text);
        eip += b->insns[k].len;
    }
}

/* Raise the exception for a first instruction that cannot be decoded. */
static void NORETURN decode_fault(X86CPU *cpu, int r, const uint8_t *bytes, size_t n)
{
    if (r == DECODE_GP) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
    if (log_enabled(LOG_UNIMP)) {
        log_printf("unimp: invalid opcode at %04x:%08x:", cpu->seg[R_CS].selector, cpu->eip);
        for (size_t k = 0; k < MIN(n, (size_t)INSN_MAX_LEN); k++) {
            log_printf(" %02x", bytes[k]);
        }
        log_printf("\n");
    }
    cpu_raise_exception(cpu, EXC_UD, 0);
}

static bool page_is_mmio(X86CPU *cpu, uint64_t page)
{
    return cpu->bus->map_page(cpu->bus_opaque, page, false) == NULL;
}

static Block *block_build(X86CPU *cpu, uint64_t phys, uint32_t cs_base, uint32_t key)
{
    BlockCache *bc = cpu->blocks;
    uint8_t buf[BLOCK_WINDOW + INSN_MAX_LEN];
    size_t page_left = TARGET_PAGE_SIZE - (phys & (TARGET_PAGE_SIZE - 1));
    size_t need = sizeof(Block) + BLOCK_MAX_INSNS * sizeof(DecodedInsn) + 2 * 64;
    bool code32 = (key & HF_CS32) != 0;
    bool mmio = page_is_mmio(cpu, phys & ~(uint64_t)(TARGET_PAGE_SIZE - 1));
    size_t have = MIN(page_left, mmio ? (size_t)INSN_MAX_LEN : (size_t)BLOCK_WINDOW), pos = 0;
    unsigned max_insns = mmio ? 1 : BLOCK_MAX_INSNS;
    uint32_t limit = cpu->seg[R_CS].limit;
    uint64_t phys2 = BLOCK_NO_PAGE;
    Block *b;

    if (bc->arena_used + need > bc->arena_size) {
        block_flush_all(cpu);
    }
    b = (Block *)(bc->arena + bc->arena_used);
    memset(b, 0, sizeof(*b));
    fetch_phys(cpu, phys, buf, have);

    while (b->n_insns < max_insns) {
        DecodedInsn *d = &b->insns[b->n_insns];
        int r = decode_insn(buf + pos, have - pos, code32, d);
        const InsnInfo *e;

        if (r == DECODE_TRUNC) {
            if (b->n_insns > 0 || have < page_left) {
                break;
            }
            /*
             * The first instruction straddles the page end: fetch the next page, unless
             * that byte is beyond the CS limit (segmentation comes first: #GP, not #PF).
             */
            if ((uint64_t)cpu->eip + page_left > limit) {
                cpu_raise_exception(cpu, EXC_GP, 0);
            }
            phys2 = cpu_code_phys(cpu, cs_base + cpu->eip + (uint32_t)page_left);
            phys2 &= ~(uint64_t)(TARGET_PAGE_SIZE - 1);
            mmio = mmio || page_is_mmio(cpu, phys2);
            fetch_phys(cpu, phys2, buf + have, INSN_MAX_LEN);
            have += INSN_MAX_LEN;
            r = decode_insn(buf + pos, have - pos, code32, d);
        }
        if (r < 0) {
            if (b->n_insns > 0) {
                break;
            }
            decode_fault(cpu, r, buf + pos, have - pos);
        }
        /* The whole instruction must lie within the CS limit. */
        if ((uint64_t)cpu->eip + pos + (unsigned)r - 1 > limit) {
            if (b->n_insns > 0) {
                break;
            }
            cpu_raise_exception(cpu, EXC_GP, 0);
        }
        e = insn_info(d);
        if ((e->flags & F_PM) && (!(key & HF_PE) || (key & HF_VM))) {
            d->handler = h_ud_decode;
        } else if ((e->flags & F_PRIV) && (key & HF_CPL_MASK) != 0) {
            d->handler = h_gp0;
        } else {
            d->handler = interp_specialize(d);
        }
        pos += (unsigned)r;
        b->n_insns++;
        if ((e->flags & (F_BRANCH | F_END | F_IO)) || pos >= page_left) {
            break;
        }
    }
    b->phys = phys;
    b->phys2 = phys2;
    b->cs_base = cs_base;
    b->cs_limit = limit;
    b->key = key;
    b->size = (uint16_t)pos;
    if (log_enabled(LOG_IN_ASM)) {
        log_block(cpu, b);
    }
    if (mmio) {
        return b; /* not valid, not claimed, not cached (see above) */
    }
    b->valid = true;
    arena_alloc(bc, sizeof(Block) + b->n_insns * sizeof(DecodedInsn));

    b->hash_next = bc->hash[block_hash(phys, cs_base)];
    bc->hash[block_hash(phys, cs_base)] = b;
    page_add(cpu, bc, phys & ~(uint64_t)(TARGET_PAGE_SIZE - 1), b, 0);
    if (phys2 != BLOCK_NO_PAGE) {
        page_add(cpu, bc, phys2, b, 1);
    }
    return b;
}

Block *block_lookup(X86CPU *cpu)
{
    BlockCache *bc = block_cache_get(cpu);
    Block *b;
    uint32_t cs_base;
    uint32_t lin;
    uint64_t phys;
    uint32_t key;

    /* A fault here (fetch #PF, #GP, #UD) belongs to the block's first instruction. */
    cpu->insn_start_eip = cpu->eip;
    /* Past the CS limit: #GP(0) before any page walk (segmentation comes first). */
    if (unlikely(cpu->eip > cpu->seg[R_CS].limit)) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
    cs_base = cpu->seg[R_CS].base;
    lin = cs_base + cpu->eip;
    phys = cpu_code_phys(cpu, lin);
    key = cpu->hflags & HF_BLOCK_KEY_MASK;

    for (b = bc->hash[block_hash(phys, cs_base)]; b; b = b->hash_next) {
        if (b->phys == phys && block_cs_match(b, &cpu->seg[R_CS]) && b->key == key) {
            if (b->phys2 != BLOCK_NO_PAGE) {
                uint32_t next = (lin & TARGET_PAGE_MASK) + TARGET_PAGE_SIZE;

                if ((cpu_code_phys(cpu, next) & ~(uint64_t)(TARGET_PAGE_SIZE - 1)) != b->phys2) {
                    continue;
                }
                return b;
            }
            bc->jcache[block_jcache_hash(phys)] = b;
            return b;
        }
    }
    b = block_build(cpu, phys, cs_base, key);
    if (b->valid && b->phys2 == BLOCK_NO_PAGE) {
        bc->jcache[block_jcache_hash(phys)] = b;
    }
    return b;
}
