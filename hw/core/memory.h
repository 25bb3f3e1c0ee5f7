/*
 * The guest-physical memory map: a small table of regions, each RAM (host memory), ROM
 * (host memory, guest writes ignored) or MMIO (device callbacks), with a priority for
 * overlaps (higher wins; equal priority: the later region wins). Regions can be disabled,
 * moved, or restricted to reads or writes only (which is how the i440FX PAM registers
 * route 0xC0000-0xFFFFF reads and writes separately to RAM or to the BIOS ROM).
 *
 * Page contract for the CPU (CPUBusOps.map_page): a 4 KiB page is mapped directly only
 * if one RAM/ROM region covers the whole page for that access direction; anything else
 * goes through mem_read()/mem_write(). RAM and ROM regions must be page aligned.
 *
 * Dirty tracking: every RAM region has one dirty bit per page, set when a page is mapped
 * for writing, written through mem_write() or by DMA. mem_dirty_get_and_clear() clears
 * them and asks the CPUs to drop their write mappings so the next write sets them again.
 */
#ifndef X86PC_HW_CORE_MEMORY_H
#define X86PC_HW_CORE_MEMORY_H

#include <stdio.h>

#include "util/common.h"

#define GUEST_PAGE_SIZE 4096u
#define GUEST_PAGE_SHIFT 12

typedef struct MemoryOps {
    /* offset is relative to the region base; size is 1, 2, 4 or 8; values little-endian */
    uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
    void (*write)(void *opaque, uint64_t offset, uint64_t val, unsigned size);
} MemoryOps;

typedef enum MemRegionKind { MR_RAM, MR_ROM, MR_MMIO } MemRegionKind;

#define MR_ACC_READ 1u
#define MR_ACC_WRITE 2u

typedef struct MemRegion {
    char name[32];
    MemRegionKind kind;
    uint64_t base, size;
    int priority;
    bool enabled;
    unsigned access;    /* MR_ACC_*: which accesses this region claims */
    uint8_t *host;      /* RAM/ROM contents (not owned unless owns_host) */
    bool owns_host;
    uint8_t *dirty;     /* RAM: one bit per page */
    const MemoryOps *ops;
    void *opaque;
    unsigned seq;       /* insertion order, for equal priorities */
} MemRegion;

typedef struct MemoryMap MemoryMap;

/* Hooks into the CPUs, set by the board (NULL in device tests). */
typedef struct MemoryHooks {
    void (*flush_write_tlb)(void *opaque);                  /* after clearing dirty bits */
    void (*map_changed)(void *opaque);                      /* regions added/moved/toggled */
    void (*invalidate_code)(void *opaque, uint64_t paddr, uint64_t len); /* DMA wrote RAM */
    void *opaque;
} MemoryHooks;

MemoryMap *mem_new(void);
void mem_free(MemoryMap *m);
void mem_set_hooks(MemoryMap *m, const MemoryHooks *hooks);

/* host == NULL: allocate zeroed page-aligned memory owned by the region (freed by
 * mem_free()); else host stays the caller's and must outlive the map. */
MemRegion *mem_add_ram(MemoryMap *m, const char *name, uint64_t base, uint64_t size,
                       uint8_t *host, int priority);
MemRegion *mem_add_rom(MemoryMap *m, const char *name, uint64_t base, uint64_t size,
                       uint8_t *host, int priority);
MemRegion *mem_add_mmio(MemoryMap *m, const char *name, uint64_t base, uint64_t size,
                        const MemoryOps *ops, void *opaque, int priority);
void mem_region_set_enabled(MemoryMap *m, MemRegion *r, bool enabled);
void mem_region_set_access(MemoryMap *m, MemRegion *r, unsigned access);
void mem_region_move(MemoryMap *m, MemRegion *r, uint64_t base);

/* CPU bus: see CPUBusOps in cpu/cpu.h. */
uint8_t *mem_map_page(MemoryMap *m, uint64_t paddr, bool write);
uint64_t mem_read(MemoryMap *m, uint64_t paddr, unsigned size);
void mem_write(MemoryMap *m, uint64_t paddr, uint64_t val, unsigned size);

/* Device DMA: RAM only (other bytes read as 0xff / are dropped, logged). Writes mark pages
 * dirty and invalidate decoded code. Returns false if any byte was not RAM. */
bool mem_dma_read(MemoryMap *m, uint64_t paddr, void *buf, size_t len);
bool mem_dma_write(MemoryMap *m, uint64_t paddr, const void *buf, size_t len);
/* Debugger access: RAM and ROM only (writes to ROM allowed: breakpoints), no MMIO side
 * effects. Returns 0, or -1 if any byte is neither RAM nor ROM. */
int mem_rw_debug(MemoryMap *m, uint64_t paddr, void *buf, size_t len, bool write);
/* Host memory of the RAM region holding all of [paddr, paddr + len), whatever overlays it
 * (aliases such as the i440FX PAM shadow RAM), or NULL if no single RAM region does. */
uint8_t *mem_ram_host(MemoryMap *m, uint64_t paddr, uint64_t len);

/* One bit per page of [offset, offset + len) of RAM region r into bits (may be NULL); the
 * bits are cleared. Returns true if any page was dirty. */
bool mem_dirty_get_and_clear(MemoryMap *m, MemRegion *r, uint64_t offset, uint64_t len,
                             uint8_t *bits);
void mem_dirty_set(MemRegion *r, uint64_t offset, uint64_t len);

/* Monitor "info mtree". */
void mem_print_map(MemoryMap *m, FILE *out);

#endif
