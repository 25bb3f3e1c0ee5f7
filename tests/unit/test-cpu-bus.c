/*
 * The CPU on the real guest-physical memory map (hw/core/memory.c as its CPUBusOps), the
 * way the PC board connects them: dirty bits set by CPU stores that go through the TLB
 * fast path and set again after mem_dirty_get_and_clear() flushes the write mappings;
 * a store that straddles the end of a RAM page and an MMIO page; ROM that ignores CPU
 * writes; and DMA into code that the CPU has decoded (the invalidate_code hook).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cpu/helper.h"
#include "hw/core/memory.h"
#include "tests/unit/cpu-test.h"

#define RAM_SIZE (2u << 20)
#define MMIO_BASE 0x200000u  /* right after RAM */
#define ROM_BASE 0xf0000u    /* 64 KiB ROM over RAM, as the BIOS below 1 MiB */

static MemoryMap *map;
static X86CPU *cpu;
static uint8_t rom[0x10000];
static uint64_t mmio_addr, mmio_val;
static unsigned mmio_size, mmio_writes;

static uint64_t mmio_read(void *opaque, uint64_t off, unsigned size)
{
    return 0x8877665544332211ull & (size == 8 ? ~0ull : (1ull << (8 * size)) - 1);
}

static void mmio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    mmio_addr = off;
    mmio_val = val;
    mmio_size = size;
    mmio_writes++;
}

static const MemoryOps mmio_ops = {.read = mmio_read, .write = mmio_write};

static uint8_t *bus_map_page(void *opaque, uint64_t paddr, bool write)
{
    return mem_map_page(map, paddr, write);
}

static uint64_t bus_mem_read(void *opaque, uint64_t paddr, unsigned size)
{
    return mem_read(map, paddr, size);
}

static void bus_mem_write(void *opaque, uint64_t paddr, uint64_t val, unsigned size)
{
    mem_write(map, paddr, val, size);
}

static int64_t bus_clock_ns(void *opaque)
{
    return 0;
}

static const CPUBusOps bus = {
    .map_page = bus_map_page,
    .mem_read = bus_mem_read,
    .mem_write = bus_mem_write,
    .io_read = fb_io_read,
    .io_write = fb_io_write,
    .intr_ack = fb_intr_ack,
    .clock_ns = bus_clock_ns,
};

/* What hw/pc.c does for its CPUs. */
static void hook_flush_write_tlb(void *opaque)
{
    tlb_flush_all(cpu, true);
}

static void hook_map_changed(void *opaque)
{
    cpu_flush_caches(cpu);
}

static void hook_invalidate_code(void *opaque, uint64_t paddr, uint64_t len)
{
    cpu_invalidate_phys(cpu, paddr, len);
}

static const MemoryHooks hooks = {
    .flush_write_tlb = hook_flush_write_tlb,
    .map_changed = hook_map_changed,
    .invalidate_code = hook_invalidate_code,
};

/* Bits of pages [first, first + 8) of RAM; clears them. */
static uint8_t dirty_bits(MemRegion *r, unsigned first)
{
    uint8_t bits = 0;

    mem_dirty_get_and_clear(map, r, (uint64_t)first * 4096, 8 * 4096, &bits);
    return bits;
}

int main(void)
{
    MemRegion *ram_r;
    uint8_t code[8];

    map = mem_new();
    ram_r = mem_add_ram(map, "ram", 0, RAM_SIZE, NULL, 0);
    ram = ram_r->host;
    mem_add_rom(map, "rom", ROM_BASE, sizeof(rom), rom, 1);
    mem_add_mmio(map, "mmio", MMIO_BASE, 4096, &mmio_ops, NULL, 0);
    cpu = cpu_new(cpu_model_find("pentium2"), 0, &bus, NULL);
    mem_set_hooks(map, &hooks);
    /* Real mode with a 4 GiB DS limit ("unreal"), so DS:offset reaches 1 MiB and above. */
    cpu_load_seg_real(cpu, R_DS, 0);
    cpu->seg[R_DS].limit = 0xffffffffu;

    /* Dirty tracking through the CPU's TLB. */
    dirty_bits(ram_r, 0x10);
    cpu_st8(cpu, R_DS, 0x11000, 1);     /* page 0x11: fills the write TLB entry */
    cpu_st8(cpu, R_DS, 0x13004, 2);
    CHECK(dirty_bits(ram_r, 0x10) == 0x0a);
    CHECK(dirty_bits(ram_r, 0x10) == 0);
    cpu_st8(cpu, R_DS, 0x11008, 3);     /* the TLB was flushed: marked again */
    CHECK(dirty_bits(ram_r, 0x10) == 0x02);
    CHECK(ram[0x11000] == 1 && ram[0x13004] == 2 && ram[0x11008] == 3);
    (void)cpu_ld8(cpu, R_DS, 0x15000);  /* reads do not dirty */
    CHECK(dirty_bits(ram_r, 0x10) == 0);

    /* A store straddling the last RAM page and the MMIO page: 2 bytes each. */
    memset(ram + RAM_SIZE - 16, 0, 16);
    mmio_writes = 0;
    cpu_st32(cpu, R_DS, RAM_SIZE - 2, 0xddccbbaa);
    CHECK(ram[RAM_SIZE - 2] == 0xaa && ram[RAM_SIZE - 1] == 0xbb);
    CHECK(mmio_writes == 1 && mmio_addr == 0 && mmio_size == 2 && mmio_val == 0xddcc);
    CHECK(cpu_ld32(cpu, R_DS, RAM_SIZE - 2) == 0x2211bbaau);
    CHECK(cpu_ld16(cpu, R_DS, MMIO_BASE + 0x10) == 0x2211);

    /* ROM: CPU writes are ignored, reads see the image. */
    rom[0x123] = 0x5a;
    cpu_st8(cpu, R_DS, ROM_BASE + 0x123, 0xa5);
    CHECK(rom[0x123] == 0x5a && cpu_ld8(cpu, R_DS, ROM_BASE + 0x123) == 0x5a);

    /* DMA over decoded code: mov al, 1; hlt at 0000:2000, run, DMA mov al, 2, run again. */
    ram[0x2000] = 0xb0;
    ram[0x2001] = 0x01;
    ram[0x2002] = 0xf4;
    cpu_load_seg_real(cpu, R_CS, 0);
    cpu->eip = 0x2000;
    CHECK(cpu_exec(cpu, 10) == CPU_EXIT_HALTED && (cpu->regs[R_EAX] & 0xff) == 1);
    code[0] = 0xb0;
    code[1] = 0x02;
    CHECK(mem_dma_write(map, 0x2000, code, 2));
    cpu->halted = false;
    cpu->eip = 0x2000;
    CHECK(cpu_exec(cpu, 10) == CPU_EXIT_HALTED && (cpu->regs[R_EAX] & 0xff) == 2);
    CHECK(dirty_bits(ram_r, 0) & 0x04); /* page 2 dirtied by the DMA */

    block_cache_free(cpu);
    cpu_free(cpu);
    mem_free(map);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
