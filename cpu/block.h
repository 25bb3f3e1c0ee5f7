/*
 * Decoded-block cache (cpu/block.c) and its use by the exec loop (cpu/exec.c).
 * Private to the instruction level.
 */
#ifndef X86PC_CPU_BLOCK_H
#define X86PC_CPU_BLOCK_H

#include "cpu/decode.h"

#define BLOCK_MAX_INSNS 64
#define BLOCK_NO_PAGE (~(uint64_t)0)

typedef struct Block Block;

struct Block {
    uint64_t phys;       /* physical address of the first byte (key) */
    uint64_t phys2;      /* page holding the tail of a page-straddling first insn */
    uint32_t cs_base;    /* key */
    uint32_t key;        /* hflags & HF_BLOCK_KEY_MASK (key) */
    uint16_t n_insns;
    uint16_t size;       /* bytes of guest code covered */
    bool valid;
    uint32_t exec_count; /* times entered: JIT hotness */
    void *jit_code;      /* translated host code, or NULL (owned by jit/) */
    Block *hash_next;
    Block *page_next[2]; /* lists of the blocks in page(phys) and page(phys2) */
    DecodedInsn insns[];
};

typedef struct PageEntry PageEntry;

struct BlockCache {
    uint8_t *arena;
    size_t arena_size;
    size_t arena_used;
    Block **hash;          /* BLOCK_HASH_SIZE buckets */
    PageEntry **pages;     /* PAGE_HASH_SIZE buckets */
    Block *cur;            /* block being executed, or NULL */
    bool stop;             /* cpu_end_block(): leave the block after this instruction */
    bool bp_skip;          /* resume over the gdb breakpoint at bp_skip_lin */
    uint32_t bp_skip_lin;
    uint64_t generation;   /* bumped by every flush */
};

BlockCache *block_cache_get(X86CPU *cpu);
/* Find or decode the block at CS:EIP; faults (#PF, #GP, #UD) of its first instruction. */
Block *block_lookup(X86CPU *cpu);
void block_flush_all(X86CPU *cpu);

/*
 * JIT hook: called with each block when it is entered; a JIT may set b->jit_code. NULL
 * (the default) means the interpreter runs every block.
 */
extern void (*block_jit_hook)(X86CPU *cpu, Block *b);

#endif
