/*
 * Decoded-block cache (cpu/block.c) and its use by the exec loop (cpu/exec.c).
 * Private to the instruction level.
 */
#ifndef X86PC_CPU_BLOCK_H
#define X86PC_CPU_BLOCK_H

#include "config.h"
#include "cpu/decode.h"
#include "cpu/mmu.h"

#define BLOCK_MAX_INSNS 64
#define BLOCK_NO_PAGE (~(uint64_t)0)

typedef struct Block Block;

struct Block {
    uint64_t phys;       /* physical address of the first byte (key) */
    uint64_t phys2;      /* page holding the tail of a page-straddling first insn */
    uint32_t cs_base;    /* key */
    /*
     * Key: the CS limit the block was built under. The builder stops the block at the
     * limit, so the same bytes reached through a CS with the same base and a smaller
     * limit need their own block (an instruction crossing the new limit must fault).
     */
    uint32_t cs_limit;
    uint32_t key;        /* hflags & HF_BLOCK_KEY_MASK (key) */
    uint16_t n_insns;
    uint16_t size;       /* bytes of guest code covered */
    bool valid;
    uint32_t exec_count; /* times entered: JIT hotness (BLOCK_HOT_COUNT) */
    void *jit_code;      /* translated host code, or NULL (owned by jit/) */
    Block *hash_next;
    Block *page_next[2]; /* lists of the blocks in page(phys) and page(phys2) */
    /*
     * Direct chaining: up to two successors seen after this block, each with the linear
     * address it started at. A link is only followed while link_gen equals the cache's
     * link_gen (bumped by every TLB flush and every block-cache flush), the successor is
     * still valid and its CS base, CS limit and key match: it then stands for the TLB lookup and
     * the hash lookup that found it (cpu/exec.c).
     */
    Block *link[2];
    uint32_t link_lin[2];
    uint32_t link_gen;
    uint8_t link_next;   /* slot the next new link replaces */
    DecodedInsn insns[];
};

typedef struct PageEntry PageEntry;

/*
 * Jump cache: a direct-mapped table in front of the hash table, indexed by the physical
 * address of a block's first byte. It only holds valid blocks that lie in one page
 * (phys2 == BLOCK_NO_PAGE); invalidation clears a block's slot and a flush clears all.
 */
#define BLOCK_JCACHE_BITS 12
#define BLOCK_JCACHE_SIZE (1u << BLOCK_JCACHE_BITS)

struct BlockCache {
    uint8_t *arena;
    size_t arena_size;
    size_t arena_used;
    Block **hash;          /* BLOCK_HASH_SIZE buckets */
    PageEntry **pages;     /* PAGE_HASH_SIZE buckets */
    Block **jcache;        /* BLOCK_JCACHE_SIZE entries, see above */
    Block *cur;            /* block being executed (or the last one), or NULL */
    /*
     * Leave the block after this instruction: set by cpu_end_block(), by invalidation of
     * the running block, and (through cpu_end_block) by everything that sets
     * cpu->watchpoint_hit or cpu->dr6_pending, so the exec loop tests this one flag after
     * each instruction and the others once per block.
     */
    bool stop;
    /* While limit_active, the exec loop runs until cpu->icount reaches icount_limit. */
    bool limit_active;
    uint64_t icount_limit;
    bool bp_skip;          /* resume over the gdb breakpoint at bp_skip_lin */
    uint32_t bp_skip_lin;
    uint64_t generation;   /* bumped by every flush */
    uint32_t link_gen;     /* see Block.link: bumped by TLB and block-cache flushes */
    /* Host code generated for this cache's blocks (jit/x86_64/hostx87.c), dropped with
     * them by every flush; NULL until some is made. */
    struct HostX87Code *host_x87;
};

/* Blocks entered this many times are "hot": see exec_blocks(). */
#define BLOCK_HOT_COUNT 64

#ifdef CONFIG_HOST_X87
/* jit/x86_64/hostx87.c: give a hot block's runs of x87 instructions one host call each
 * (cpu/fpu.h "Host x87"); drop (flush) or free a cache's generated code. */
void hostx87_fuse(X86CPU *cpu, Block *b);
void hostx87_code_reset(BlockCache *bc);
void hostx87_code_free(BlockCache *bc);
#endif

BlockCache *block_cache_get(X86CPU *cpu);
/* Find or decode the block at CS:EIP; faults (#PF, #GP, #UD) of its first instruction. */
Block *block_lookup(X86CPU *cpu);
void block_flush_all(X86CPU *cpu);
/* The TLB was flushed (cpu/mmu.c): block links may no longer stand for a translation. */
void block_links_flush(X86CPU *cpu);

/*
 * The CS part of a block's key: base and limit, compared as one 8-byte value. Both
 * structures keep the limit right after the base, so the bytes compare equal exactly
 * when both fields do, on any host byte order.
 */
_Static_assert(offsetof(Block, cs_limit) == offsetof(Block, cs_base) + 4, "Block CS key layout");
_Static_assert(offsetof(SegmentCache, limit) == offsetof(SegmentCache, base) + 4,
               "SegmentCache base/limit layout");
static inline bool block_cs_match(const Block *b, const SegmentCache *cs)
{
    uint64_t k1, k2;

    memcpy(&k1, &b->cs_base, 8);
    memcpy(&k2, &cs->base, 8);
    return k1 == k2;
}

static inline unsigned block_jcache_hash(uint64_t phys)
{
    return (unsigned)(phys ^ (phys >> BLOCK_JCACHE_BITS)) & (BLOCK_JCACHE_SIZE - 1);
}

/*
 * block_lookup() with an inline fast path: the code TLB entry of CS:EIP (one compare, as
 * for data accesses) gives the physical address, the jump cache the block.
 */
static inline Block *block_lookup_fast(X86CPU *cpu, BlockCache *bc)
{
    uint32_t cs_base = cpu->seg[R_CS].base;
    uint32_t lin = cs_base + cpu->eip;
    const TLBEntry *e = tlb_entry(cpu, mmu_index_fetch(cpu), lin);

    if (likely(e->tag_code == (lin & TARGET_PAGE_MASK))) {
        uint64_t phys = e->paddr | (lin & ~TARGET_PAGE_MASK);
        Block *b = bc->jcache[block_jcache_hash(phys)];

        if (likely(b && b->phys == phys && block_cs_match(b, &cpu->seg[R_CS]) &&
                   b->key == (cpu->hflags & HF_BLOCK_KEY_MASK))) {
            return b;
        }
    }
    return block_lookup(cpu);
}

/*
 * JIT hook: called with each block when it is entered; a JIT may set b->jit_code. NULL
 * (the default) means the interpreter runs every block.
 */
extern void (*block_jit_hook)(X86CPU *cpu, Block *b);

#endif
