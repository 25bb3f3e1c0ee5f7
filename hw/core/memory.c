/*
 * Guest-physical memory map. The regions are kept in an array sorted by priority (highest
 * first, then newest first): the first region that contains an address and claims the
 * access direction wins. Lookups do not scan that array: after any change the map is
 * flattened, per direction (read, write), into a sorted list of disjoint address ranges,
 * each with its winning region (or none), and a lookup is a binary search there (the idea
 * of QEMU's FlatView). Lookups run on every TLB miss and MMIO access, which a Linux boot
 * makes by the million; map changes (PAM, BARs, A20) are rare.
 */
#include "hw/core/memory.h"

#include <stdlib.h>

#include "util/log.h"

#define MEM_MAX_REGIONS 64

/* [start, end) is claimed by r (NULL: by nothing) for one access direction. */
typedef struct FlatRange {
    uint64_t start, end;
    MemRegion *r;
} FlatRange;

/* Region edges split the address space into at most 2 * MEM_MAX_REGIONS + 1 ranges. */
#define MEM_MAX_FLAT (2 * MEM_MAX_REGIONS + 1)

struct MemoryMap {
    MemRegion *regions[MEM_MAX_REGIONS]; /* sorted: priority desc, seq desc */
    int nb_regions;
    unsigned next_seq;
    MemoryHooks hooks;
    bool flat_valid;                     /* cleared by every change */
    FlatRange flat[2][MEM_MAX_FLAT];     /* [0] reads, [1] writes; cover 0 .. 2^64 - 1 */
    int nb_flat[2];
};

MemoryMap *mem_new(void)
{
    return xzalloc(sizeof(MemoryMap));
}

void mem_free(MemoryMap *m)
{
    if (!m) {
        return;
    }
    for (int i = 0; i < m->nb_regions; i++) {
        MemRegion *r = m->regions[i];

        if (r->owns_host) {
            xfree_pages(r->host, (size_t)r->size);
        }
        free(r->dirty);
        free(r);
    }
    free(m);
}

void mem_set_hooks(MemoryMap *m, const MemoryHooks *hooks)
{
    m->hooks = *hooks;
}

static void map_changed(MemoryMap *m)
{
    m->flat_valid = false;
    if (m->hooks.map_changed) {
        m->hooks.map_changed(m->hooks.opaque);
    }
}

static bool region_before(const MemRegion *a, const MemRegion *b)
{
    return a->priority > b->priority || (a->priority == b->priority && a->seq > b->seq);
}

static MemRegion *add_region(MemoryMap *m, const char *name, MemRegionKind kind, uint64_t base,
                             uint64_t size, int priority)
{
    MemRegion *r;
    int i;

    if (m->nb_regions == MEM_MAX_REGIONS) {
        fatal("memory map: too many regions (adding %s)", name);
    }
    if (kind != MR_MMIO && ((base | size) & (GUEST_PAGE_SIZE - 1))) {
        fatal("memory map: region %s (%#llx+%#llx) is not page aligned", name,
              (unsigned long long)base, (unsigned long long)size);
    }
    r = xzalloc(sizeof(*r));
    snprintf(r->name, sizeof(r->name), "%s", name);
    r->kind = kind;
    r->base = base;
    r->size = size;
    r->priority = priority;
    r->enabled = true;
    r->access = MR_ACC_READ | MR_ACC_WRITE;
    r->seq = m->next_seq++;
    for (i = m->nb_regions; i > 0 && region_before(r, m->regions[i - 1]); i--) {
        m->regions[i] = m->regions[i - 1];
    }
    m->regions[i] = r;
    m->nb_regions++;
    map_changed(m);
    return r;
}

static void set_host(MemRegion *r, uint8_t *host)
{
    if (host) {
        r->host = host;
    } else {
        if ((uint64_t)(size_t)r->size != r->size) {
            fatal("memory map: region %s too large for this host", r->name);
        }
        r->host = xalloc_pages((size_t)r->size);
        r->owns_host = true;
    }
}

MemRegion *mem_add_ram(MemoryMap *m, const char *name, uint64_t base, uint64_t size,
                       uint8_t *host, int priority)
{
    MemRegion *r = add_region(m, name, MR_RAM, base, size, priority);
    uint64_t pages = size >> GUEST_PAGE_SHIFT;

    set_host(r, host);
    r->dirty = xzalloc((size_t)((pages + 7) / 8));
    return r;
}

MemRegion *mem_add_rom(MemoryMap *m, const char *name, uint64_t base, uint64_t size,
                       uint8_t *host, int priority)
{
    MemRegion *r = add_region(m, name, MR_ROM, base, size, priority);

    set_host(r, host);
    return r;
}

MemRegion *mem_add_mmio(MemoryMap *m, const char *name, uint64_t base, uint64_t size,
                        const MemoryOps *ops, void *opaque, int priority)
{
    MemRegion *r = add_region(m, name, MR_MMIO, base, size, priority);

    r->ops = ops;
    r->opaque = opaque;
    return r;
}

void mem_region_set_enabled(MemoryMap *m, MemRegion *r, bool enabled)
{
    if (r->enabled != enabled) {
        r->enabled = enabled;
        map_changed(m);
    }
}

void mem_region_set_access(MemoryMap *m, MemRegion *r, unsigned access)
{
    if (r->access != access) {
        r->access = access;
        map_changed(m);
    }
}

void mem_region_move(MemoryMap *m, MemRegion *r, uint64_t base)
{
    if (r->base != base) {
        r->base = base;
        map_changed(m);
    }
}

static inline bool region_claims(const MemRegion *r, uint64_t paddr, unsigned acc)
{
    return r->enabled && (r->access & acc) && paddr >= r->base && paddr - r->base < r->size;
}

/* The winner at paddr by the priority order itself (used to build the flat view). */
static MemRegion *lookup_slow(MemoryMap *m, uint64_t paddr, unsigned acc)
{
    for (int i = 0; i < m->nb_regions; i++) {
        if (region_claims(m->regions[i], paddr, acc)) {
            return m->regions[i];
        }
    }
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* Rebuild both flat views: cut at every region edge, take each piece's winner, merge
 * neighbours with the same winner. */
static void flatten(MemoryMap *m)
{
    uint64_t edges[2 * MEM_MAX_REGIONS + 1];
    int n = 0;

    edges[n++] = 0;
    for (int i = 0; i < m->nb_regions; i++) {
        const MemRegion *r = m->regions[i];

        edges[n++] = r->base;
        if (r->base + r->size > r->base) { /* a region ending at 2^64 adds no edge */
            edges[n++] = r->base + r->size;
        }
    }
    qsort(edges, (size_t)n, sizeof(edges[0]), cmp_u64);
    for (int d = 0; d < 2; d++) {
        unsigned acc = d ? MR_ACC_WRITE : MR_ACC_READ;
        FlatRange *f = m->flat[d];
        int nf = 0;

        for (int i = 0; i < n; i++) {
            uint64_t start = edges[i], end = i + 1 < n ? edges[i + 1] : 0; /* 0: 2^64 */
            MemRegion *r;

            if (i + 1 < n && end == start) {
                continue;
            }
            r = lookup_slow(m, start, acc);
            if (nf > 0 && f[nf - 1].r == r) {
                f[nf - 1].end = end;
            } else {
                f[nf++] = (FlatRange){start, end, r};
            }
        }
        m->nb_flat[d] = nf;
    }
    m->flat_valid = true;
}

/* The range containing paddr (the last range's end 0 stands for 2^64). */
static const FlatRange *flat_find(MemoryMap *m, uint64_t paddr, unsigned acc)
{
    const FlatRange *f;
    int lo = 0, hi;

    if (unlikely(!m->flat_valid)) {
        flatten(m);
    }
    f = m->flat[acc == MR_ACC_WRITE];
    hi = m->nb_flat[acc == MR_ACC_WRITE] - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;

        if (f[mid].start <= paddr) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    return &f[lo];
}

static MemRegion *lookup(MemoryMap *m, uint64_t paddr, unsigned acc)
{
    return flat_find(m, paddr, acc)->r;
}

static inline void dirty_mark_page(MemRegion *r, uint64_t page)
{
    r->dirty[page >> 3] |= (uint8_t)(1u << (page & 7));
}

void mem_dirty_set(MemRegion *r, uint64_t offset, uint64_t len)
{
    if (!r->dirty || len == 0 || offset >= r->size) {
        return;
    }
    if (len > r->size - offset) {
        len = r->size - offset;
    }
    for (uint64_t p = offset >> GUEST_PAGE_SHIFT; p <= (offset + len - 1) >> GUEST_PAGE_SHIFT;
         p++) {
        dirty_mark_page(r, p);
    }
}

uint8_t *mem_map_page(MemoryMap *m, uint64_t paddr, bool write)
{
    uint64_t page = paddr & ~(uint64_t)(GUEST_PAGE_SIZE - 1);
    const FlatRange *f = flat_find(m, page, write ? MR_ACC_WRITE : MR_ACC_READ);
    MemRegion *r = f->r;
    uint64_t off;

    /* One region must win over the whole page, and be memory. */
    if (!r || (f->end != 0 && f->end - page < GUEST_PAGE_SIZE)) {
        return NULL;
    }
    if (r->kind == MR_MMIO || (write && r->kind == MR_ROM)) {
        return NULL;
    }
    off = page - r->base;
    if (write) {
        dirty_mark_page(r, off >> GUEST_PAGE_SHIFT);
    }
    return r->host + off;
}

static uint64_t host_load(const uint8_t *p, unsigned size)
{
    switch (size) {
    case 1:
        return p[0];
    case 2:
        return lduw_le_p(p);
    case 4:
        return ldl_le_p(p);
    default:
        return ldq_le_p(p);
    }
}

static void host_store(uint8_t *p, uint64_t val, unsigned size)
{
    switch (size) {
    case 1:
        p[0] = (uint8_t)val;
        break;
    case 2:
        stw_le_p(p, (uint16_t)val);
        break;
    case 4:
        stl_le_p(p, (uint32_t)val);
        break;
    default:
        stq_le_p(p, val);
        break;
    }
}

static uint64_t ones(unsigned size)
{
    return size >= 8 ? UINT64_MAX : (1ull << (size * 8)) - 1;
}

uint64_t mem_read(MemoryMap *m, uint64_t paddr, unsigned size)
{
    MemRegion *r = lookup(m, paddr, MR_ACC_READ);
    uint64_t off;

    if (size != 1 && size != 2 && size != 4 && size != 8) {
        size = 1;
    }
    if (!r) {
        if (size > 1 && !lookup(m, paddr + size - 1, MR_ACC_READ)) {
            log_mask_printf(LOG_GUEST_ERRORS, "memory: read of unassigned %#llx (%u)\n",
                            (unsigned long long)paddr, size);
            return ones(size);
        }
        if (size == 1) {
            log_mask_printf(LOG_GUEST_ERRORS, "memory: read of unassigned %#llx (1)\n",
                            (unsigned long long)paddr);
            return 0xff;
        }
    }
    off = r ? paddr - r->base : 0;
    if (!r || size > r->size - off) {
        /* Straddles a region boundary: assemble from bytes. */
        uint64_t v = 0;

        for (unsigned i = 0; i < size; i++) {
            v |= mem_read(m, paddr + i, 1) << (i * 8);
        }
        return v;
    }
    if (r->kind == MR_MMIO) {
        return r->ops->read ? r->ops->read(r->opaque, off, size) & ones(size) : ones(size);
    }
    return host_load(r->host + off, size);
}

void mem_write(MemoryMap *m, uint64_t paddr, uint64_t val, unsigned size)
{
    MemRegion *r = lookup(m, paddr, MR_ACC_WRITE);
    uint64_t off;

    if (size != 1 && size != 2 && size != 4 && size != 8) {
        size = 1;
    }
    off = r ? paddr - r->base : 0;
    if (!r || size > r->size - off) {
        if (!r && (size == 1 || !lookup(m, paddr + size - 1, MR_ACC_WRITE))) {
            log_mask_printf(LOG_GUEST_ERRORS, "memory: write to unassigned %#llx <- %#llx (%u)\n",
                            (unsigned long long)paddr, (unsigned long long)val, size);
            return;
        }
        for (unsigned i = 0; i < size; i++) {
            mem_write(m, paddr + i, (val >> (i * 8)) & 0xff, 1);
        }
        return;
    }
    switch (r->kind) {
    case MR_MMIO:
        if (r->ops->write) {
            r->ops->write(r->opaque, off, val & ones(size), size);
        }
        break;
    case MR_ROM:
        log_mask_printf(LOG_GUEST_ERRORS, "memory: write to ROM %s at %#llx ignored\n", r->name,
                        (unsigned long long)paddr);
        break;
    case MR_RAM:
        host_store(r->host + off, val, size);
        dirty_mark_page(r, off >> GUEST_PAGE_SHIFT);
        break;
    }
}

/* DMA and debugger copies, in maximal runs inside one RAM/ROM region at a time. */
static bool mem_copy(MemoryMap *m, uint64_t paddr, uint8_t *buf, size_t len, bool write,
                     bool allow_rom, bool dma)
{
    bool ok = true;

    while (len > 0) {
        MemRegion *r = lookup(m, paddr, write ? MR_ACC_WRITE : MR_ACC_READ);
        size_t n = 1;

        if (!allow_rom && write && r && r->kind == MR_ROM) {
            r = NULL; /* DMA into ROM is dropped like an unassigned write */
        }
        if (r && r->kind != MR_MMIO) {
            uint64_t off = paddr - r->base;
            uint64_t avail = r->size - off;

            n = (size_t)MIN((uint64_t)len, avail);
            if (write) {
                memcpy(r->host + off, buf, n);
                if (r->kind == MR_RAM) {
                    mem_dirty_set(r, off, n);
                }
                if (dma && m->hooks.invalidate_code) {
                    m->hooks.invalidate_code(m->hooks.opaque, paddr, n);
                }
            } else {
                memcpy(buf, r->host + off, n);
            }
        } else {
            ok = false;
            if (!write) {
                *buf = 0xff;
            }
        }
        paddr += n;
        buf += n;
        len -= n;
    }
    return ok;
}

bool mem_dma_read(MemoryMap *m, uint64_t paddr, void *buf, size_t len)
{
    bool ok = mem_copy(m, paddr, buf, len, false, true, true);

    if (!ok) {
        log_mask_printf(LOG_GUEST_ERRORS, "memory: DMA read %#llx+%zu outside RAM\n",
                        (unsigned long long)paddr, len);
    }
    return ok;
}

bool mem_dma_write(MemoryMap *m, uint64_t paddr, const void *buf, size_t len)
{
    bool ok = mem_copy(m, paddr, (uint8_t *)buf, len, true, false, true);

    if (!ok) {
        log_mask_printf(LOG_GUEST_ERRORS, "memory: DMA write %#llx+%zu outside RAM\n",
                        (unsigned long long)paddr, len);
    }
    return ok;
}

uint8_t *mem_ram_host(MemoryMap *m, uint64_t paddr, uint64_t len)
{
    for (int i = 0; i < m->nb_regions; i++) {
        MemRegion *r = m->regions[i];

        if (r->kind == MR_RAM && paddr >= r->base && paddr - r->base < r->size &&
            len <= r->size - (paddr - r->base)) {
            return r->host + (paddr - r->base);
        }
    }
    return NULL;
}

int mem_rw_debug(MemoryMap *m, uint64_t paddr, void *buf, size_t len, bool write)
{
    bool ok = mem_copy(m, paddr, buf, len, write, true, write);

    if (write && m->hooks.map_changed) {
        /* A debugger write (breakpoint) may patch ROM or code: drop decoded blocks. */
        m->hooks.map_changed(m->hooks.opaque);
    }
    return ok ? 0 : -1;
}

bool mem_dirty_get_and_clear(MemoryMap *m, MemRegion *r, uint64_t offset, uint64_t len,
                             uint8_t *bits)
{
    bool any = false;
    uint64_t first, last;

    if (!r->dirty || len == 0 || offset >= r->size) {
        return false;
    }
    if (len > r->size - offset) {
        len = r->size - offset;
    }
    first = offset >> GUEST_PAGE_SHIFT;
    last = (offset + len - 1) >> GUEST_PAGE_SHIFT;
    if (bits) {
        memset(bits, 0, (size_t)((last - first + 1 + 7) / 8));
    }
    for (uint64_t p = first; p <= last; p++) {
        if (r->dirty[p >> 3] & (1u << (p & 7))) {
            r->dirty[p >> 3] &= (uint8_t)~(1u << (p & 7));
            any = true;
            if (bits) {
                bits[(p - first) >> 3] |= (uint8_t)(1u << ((p - first) & 7));
            }
        }
    }
    if (any && m->hooks.flush_write_tlb) {
        m->hooks.flush_write_tlb(m->hooks.opaque);
    }
    return any;
}

void mem_print_map(MemoryMap *m, FILE *out)
{
    static const char *const kinds[] = {"ram", "rom", "i/o"};

    fprintf(out, "address-space: memory (highest priority first)\n");
    for (int i = 0; i < m->nb_regions; i++) {
        MemRegion *r = m->regions[i];

        fprintf(out, "  %016llx-%016llx (prio %d, %s%s%s): %s%s\n", (unsigned long long)r->base,
                (unsigned long long)(r->base + r->size - 1), r->priority, kinds[r->kind],
                (r->access & MR_ACC_READ) ? ", R" : "", (r->access & MR_ACC_WRITE) ? "W" : "",
                r->name, r->enabled ? "" : " [disabled]");
    }
}
