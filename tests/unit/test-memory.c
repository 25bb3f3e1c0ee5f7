/*
 * The guest-physical memory map (hw/core/memory.c): which region wins an address for reads
 * and for writes under priorities, insertion order, disabling, moving and read/write-only
 * claims; the page contract of mem_map_page() (one RAM/ROM region over the whole page,
 * never MMIO, never ROM for writes); MMIO and unassigned accesses; dirty bits. Every result
 * is checked again after the map changes, since lookups go through a flattened view that
 * each change must rebuild. A randomised part compares every lookup with a brute-force
 * model of the priority rules.
 */
#include "hw-test.h"

#define MB (1024u * 1024u)

static uint8_t ram[4 * MB], rom[64 * 1024], shadow[64 * 1024];
static uint64_t last_mmio_write;

static uint64_t mmio_read(void *opaque, uint64_t off, unsigned size)
{
    return 0xabcd0000u | ((uintptr_t)opaque & 0xff) << 8 | (off & 0xff);
}

static void mmio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    last_mmio_write = val;
}

static const MemoryOps mmio_ops = {.read = mmio_read, .write = mmio_write};

/* The winner by the documented rules, computed the slow way. */
typedef struct Model {
    MemRegion *r[16];
    int n;
} Model;

static MemRegion *model_lookup(const Model *md, uint64_t a, unsigned acc)
{
    MemRegion *best = NULL;

    for (int i = 0; i < md->n; i++) {
        MemRegion *r = md->r[i];

        if (!r->enabled || !(r->access & acc) || a < r->base || a - r->base >= r->size) {
            continue;
        }
        if (!best || r->priority > best->priority ||
            (r->priority == best->priority && r->seq > best->seq)) {
            best = r;
        }
    }
    return best;
}

static void test_basics(void)
{
    MemoryMap *m = mem_new();
    MemRegion *r_ram, *r_rom, *r_io, *r_shadow;
    uint8_t *p;

    r_ram = mem_add_ram(m, "ram", 0, sizeof(ram), ram, 0);
    r_rom = mem_add_rom(m, "rom", 0xf0000, sizeof(rom), rom, 2);
    r_io = mem_add_mmio(m, "io", 0x100800, 0x100, &mmio_ops, (void *)(uintptr_t)0x11, 3);
    memset(rom, 0x5a, sizeof(rom));

    CHECK(mem_map_page(m, 0x1234, false) == ram + 0x1000, "RAM page for reads");
    CHECK(mem_map_page(m, 0x1234, true) == ram + 0x1000, "RAM page for writes");
    CHECK(mem_map_page(m, 0xf1000, false) == rom + 0x1000, "ROM over RAM for reads");
    CHECK(mem_map_page(m, 0xf1000, true) == NULL, "ROM is never mapped for writes");
    mem_write(m, 0xf1000, 0x77, 1);
    CHECK(rom[0x1000] == 0x5a && ram[0xf1000] == 0, "a ROM write is ignored, RAM untouched");
    CHECK(mem_map_page(m, 0x100000, false) == NULL, "MMIO inside the page: not mapped");
    CHECK(mem_map_page(m, 0x101000, false) == ram + 0x101000, "the next page is RAM again");
    CHECK(mem_read(m, 0x100810, 4) == 0xabcd1110u, "MMIO read: %llx",
          (unsigned long long)mem_read(m, 0x100810, 4));
    mem_write(m, 0x100820, 0x1234, 2);
    CHECK(last_mmio_write == 0x1234, "MMIO write");
    mem_write(m, 0x1007f0, 0xee, 1);
    CHECK(ram[0x1007f0] == 0xee, "RAM beside the MMIO window");
    CHECK(mem_map_page(m, 0x800000, false) == NULL && mem_read(m, 0x800000, 4) == 0xffffffffu,
          "unassigned: no page, reads all ones");
    CHECK(mem_map_page(m, 0xfffff000ull, false) == NULL, "top of 4 GiB unassigned");

    /* PAM-style shadowing: reads from one region, writes to another. */
    r_shadow = mem_add_ram(m, "shadow", 0xf0000, sizeof(shadow), shadow, 4);
    mem_region_set_access(m, r_shadow, MR_ACC_WRITE);
    CHECK(mem_map_page(m, 0xf2000, false) == rom + 0x2000, "reads still from ROM");
    CHECK(mem_map_page(m, 0xf2000, true) == shadow + 0x2000, "writes go to shadow RAM");
    mem_region_set_access(m, r_shadow, MR_ACC_READ | MR_ACC_WRITE);
    CHECK(mem_map_page(m, 0xf2000, false) == shadow + 0x2000, "shadow read-write");
    mem_region_set_enabled(m, r_shadow, false);
    CHECK(mem_map_page(m, 0xf2000, false) == rom + 0x2000, "disabled: the ROM again");
    mem_region_set_enabled(m, r_rom, false);
    CHECK(mem_map_page(m, 0xf2000, false) == ram + 0xf2000, "both off: RAM below");

    /* Moving an MMIO window (a PCI BAR). */
    mem_region_move(m, r_io, 0x200000);
    CHECK(mem_map_page(m, 0x100000, false) == ram + 0x100000, "old place is RAM again");
    CHECK(mem_map_page(m, 0x200000, false) == NULL, "new place is MMIO");
    CHECK(mem_read(m, 0x200000, 1) == 0x00, "MMIO at the new base: %llx",
          (unsigned long long)mem_read(m, 0x200000, 1));

    /* Equal priority: the newer region wins. */
    {
        static uint8_t a[4096], b[4096];
        MemRegion *ra = mem_add_ram(m, "a", 0x300000, 4096, a, 1);

        CHECK(mem_map_page(m, 0x300000, false) == a, "a over RAM");
        mem_add_ram(m, "b", 0x300000, 4096, b, 1);
        CHECK(mem_map_page(m, 0x300000, false) == b, "b added later wins");
        (void)ra;
    }

    /* Dirty bits from write mappings and from mem_write. */
    {
        uint8_t bits[1];

        mem_dirty_get_and_clear(m, r_ram, 0x10000, 0x8000, NULL);
        p = mem_map_page(m, 0x12000, true);
        CHECK(p == ram + 0x12000, "write mapping");
        mem_write(m, 0x15004, 1, 4);
        CHECK(mem_dirty_get_and_clear(m, r_ram, 0x10000, 0x8000, bits) && bits[0] == 0x24,
              "dirty pages 2 and 5: %02x", bits[0]);
        CHECK(!mem_dirty_get_and_clear(m, r_ram, 0x10000, 0x8000, bits), "cleared");
    }
    mem_free(m);
}

/* Random maps against the model: every lookup kind, at edges and inside. */
static void test_random(void)
{
    static uint8_t backing[16][64 * 1024];
    uint32_t seed = 12345;
    int bad = 0, checked = 0;

    for (int round = 0; round < 200; round++) {
        MemoryMap *m = mem_new();
        Model md = {.n = 0};
        int n = 1 + round % 12;

        for (int i = 0; i < n; i++) {
            uint64_t base, size;
            int prio, kind;
            MemRegion *r;

            seed = seed * 1103515245u + 12345u;
            base = (uint64_t)((seed >> 8) % 48) * 4096u;
            size = (uint64_t)(1 + (seed >> 20) % 16) * 4096u;
            prio = (int)((seed >> 4) % 4);
            kind = (int)((seed >> 28) % 3);
            if (kind == 0) {
                r = mem_add_ram(m, "r", base, size, backing[i], prio);
            } else if (kind == 1) {
                r = mem_add_rom(m, "o", base, size, backing[i], prio);
            } else {
                /* MMIO windows need not be page aligned */
                r = mem_add_mmio(m, "m", base + (seed & 0x7f0), size / 2, &mmio_ops, NULL,
                                 prio);
            }
            if ((seed >> 12) % 5 == 0) {
                mem_region_set_access(m, r, ((seed >> 14) & 1) ? MR_ACC_READ : MR_ACC_WRITE);
            }
            if ((seed >> 16) % 7 == 0) {
                mem_region_set_enabled(m, r, false);
            }
            md.r[md.n++] = r;
        }
        for (uint64_t a = 0; a < 70 * 4096u; a += 4096) {
            for (int d = 0; d < 2; d++) {
                unsigned acc = d ? MR_ACC_WRITE : MR_ACC_READ;
                MemRegion *w = model_lookup(&md, a, acc);
                uint8_t *want = NULL, *got = mem_map_page(m, a, d != 0);
                bool whole = w != NULL;

                /* The winner must be the same over the whole page. */
                for (uint64_t o = 16; whole && o < 4096; o += 16) {
                    whole = model_lookup(&md, a + o, acc) == w;
                }
                if (whole && w->kind != MR_MMIO && !(d && w->kind == MR_ROM)) {
                    want = w->host + (a - w->base);
                }
                checked++;
                if (got != want) {
                    bad++;
                }
            }
        }
        mem_free(m);
    }
    CHECK(bad == 0, "%d of %d random page lookups differ from the model", bad, checked);
}

int main(void)
{
    test_basics();
    test_random();
    return tests_finish();
}
