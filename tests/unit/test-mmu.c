/*
 * softMMU unit tests against a fake bus: 8 MiB of RAM at 0, one MMIO page at 0xfec00000
 * (records accesses), one ROM page at 0xf0000 (writes go to mem_write and are dropped).
 * Page walks (4K, 4M, PAE 2M, global, WP, A/D bits in RAM, error codes, NX, reserved
 * bits), TLB flush rules, A20, page-crossing accesses, watchpoints, debug access.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cpu/block.h"
#include "cpu/mmu.h"
#include "tests/unit/cpu-test.h"

#define RAM_SIZE (8u << 20)
#define MMIO_BASE 0xfec00000ull
#define ROM_BASE 0xf0000ull

static uint8_t rom[4096];
static int64_t fake_clock;
static uint64_t mmio_last_addr;
static unsigned mmio_last_size;
static uint64_t mmio_last_val;
static int mmio_reads, mmio_writes, rom_writes;

static uint8_t *fb_map_page(void *opaque, uint64_t paddr, bool write)
{
    if (paddr == ROM_BASE) {
        return write ? NULL : rom;
    }
    if (paddr < RAM_SIZE) {
        return ram + paddr;
    }
    return NULL;
}

static uint64_t fb_mem_read(void *opaque, uint64_t paddr, unsigned size)
{
    mmio_reads++;
    mmio_last_addr = paddr;
    mmio_last_size = size;
    if (paddr >= MMIO_BASE && paddr < MMIO_BASE + 4096) {
        return 0x1122334455667788ull & (size == 8 ? ~0ull : ((1ull << (8 * size)) - 1));
    }
    return fb_ones(size);
}

static void fb_mem_write(void *opaque, uint64_t paddr, uint64_t val, unsigned size)
{
    if ((paddr & ~0xfffull) == ROM_BASE) {
        rom_writes++;
        return;
    }
    mmio_writes++;
    mmio_last_addr = paddr;
    mmio_last_size = size;
    mmio_last_val = val;
}

static int64_t fb_clock_ns(void *opaque)
{
    return fake_clock;
}

static const CPUBusOps fake_bus = {
    .map_page = fb_map_page,
    .mem_read = fb_mem_read,
    .mem_write = fb_mem_write,
    .io_read = fb_io_read,
    .io_write = fb_io_write,
    .intr_ack = fb_intr_ack,
    .clock_ns = fb_clock_ns,
};

static void set64(uint32_t a, uint64_t v)
{
    stq_le_p(ram + a, v);
}

static X86CPU *new_cpu(const char *model)
{
    X86CPU *cpu = cpu_new(cpu_model_find(model), 0, &fake_bus, NULL);

    memset(ram, 0, RAM_SIZE);
    return cpu;
}

/* Protected mode with flat 4 GiB segments, CPL as given (SS DPL = CPL). */
static void flat_pm(X86CPU *cpu, int cpl)
{
    cpu->cr[0] |= CR0_PE;
    for (int i = 0; i < SEG_COUNT; i++) {
        cpu->seg[i].selector = (uint16_t)(0x10 | cpl);
        cpu->seg[i].base = 0;
        cpu->seg[i].limit = 0xffffffffu;
        cpu->seg[i].flags = DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK |
                            DESC_B_MASK | DESC_G_MASK | ((uint32_t)cpl << DESC_DPL_SHIFT);
    }
    cpu->seg[R_CS].flags |= DESC_CS_MASK;
    cpu_update_hflags(cpu);
}

/* Non-PAE tables: PD at 0x1000, PT at 0x2000 for linear 0x00400000-0x007fffff. */
#define PD 0x1000u
#define PT 0x2000u

static void paging32(X86CPU *cpu)
{
    set32(PD + 1 * 4, PT | 0x7); /* PDE[1]: present, RW, user */
    cpu->cr[3] = PD;
    cpu_write_cr(cpu, 0, cpu->cr[0] | CR0_PG);
}

static void test_real_mode(void)
{
    X86CPU *cpu = new_cpu("pentium2");
    volatile int v;

    /* Reset: CS:IP = F000:FFF0 with base FFFF0000. */
    CHECK_EQ(cpu->seg[R_CS].base + cpu->eip, 0xfffffff0u);
    CHECK_EQ(cpu->seg[R_CS].selector, 0xf000);
    CHECK_EQ(cpu->cr[0], 0x60000010u);
    CHECK_EQ(cpu->regs[R_EDX] & 0xff00, 0x0600);
    CHECK_EQ(cpu->dr[6], 0xffff0ff0u);
    CHECK_EQ(cpu->dr[7], 0x400);
    CHECK_EQ(cpu->pat, 0x0007040600070406ull);
    cpu_load_seg_real(cpu, R_DS, 0x1234);
    cpu_st32(cpu, R_DS, 0x10, 0xdeadbeef);
    CHECK_EQ(ram32(0x12350), 0xdeadbeef);
    CHECK_EQ(cpu_ld16(cpu, R_DS, 0x12), 0xdead);
    v = TRY(cpu, cpu_ld16(cpu, R_DS, 0xffff));
    CHECK_EQ(v, EXC_GP);
    v = TRY(cpu, cpu_st8(cpu, R_SS, 0x10000, 1));
    CHECK_EQ(v, EXC_SS);
    /* Unreal mode: a cached 4 GiB limit survives real-mode loads. */
    cpu->seg[R_ES].limit = 0xffffffffu;
    cpu_load_seg_real(cpu, R_ES, 0);
    cpu_st32(cpu, R_ES, 0x200000, 0x12345678);
    CHECK_EQ(ram32(0x200000), 0x12345678);
    cpu_free(cpu);
}

static void test_a20(void)
{
    X86CPU *cpu = new_cpu("pentium2");

    cpu_set_a20(cpu, false);
    cpu_load_seg_real(cpu, R_DS, 0xffff);
    cpu_st8(cpu, R_DS, 0x10, 0xaa); /* FFFF:0010 = 0x100000 -> 0 */
    CHECK_EQ(ram[0], 0xaa);
    CHECK_EQ(ram[0x100000], 0);
    cpu_set_a20(cpu, true);
    cpu_st8(cpu, R_DS, 0x10, 0xbb);
    CHECK_EQ(ram[0x100000], 0xbb);
    CHECK_EQ(ram[0], 0xaa);
    cpu_free(cpu);
}

static void test_walk_4k(void)
{
    X86CPU *cpu = new_cpu("pentium2");
    volatile int v;

    flat_pm(cpu, 0);
    paging32(cpu);
    set32(PT + 0 * 4, 0x5000 | 0x3);      /* 0x400000 -> 0x5000 RW supervisor */
    set32(PT + 1 * 4, 0x6000 | 0x5);      /* 0x401000 -> 0x6000 RO user */
    set32(PT + 2 * 4, 0x7000 | 0x7);      /* 0x402000 -> 0x7000 RW user */
    set32(0x5010, 0xcafef00d);

    CHECK_EQ(cpu_ld32(cpu, R_DS, 0x400010), 0xcafef00d);
    CHECK_EQ(ram32(PD + 4) & 0x60, 0x20); /* PDE: A set, no D */
    CHECK_EQ(ram32(PT) & 0x60, 0x20);     /* PTE: A, not D after a read */
    cpu_st8(cpu, R_DS, 0x400000, 1);
    CHECK_EQ(ram32(PT) & 0x60, 0x60);     /* D set by the first write */
    CHECK_EQ(ram[0x5000], 1);

    /* Not present: read err 0, write err 2, CR2 = address. */
    v = TRY(cpu, cpu_ld8(cpu, R_DS, 0x403004));
    CHECK_EQ(v, EXC_PF);
    CHECK_EQ(cpu->exc_error, 0);
    CHECK_EQ(cpu->cr[2], 0x403004);
    v = TRY(cpu, cpu_st8(cpu, R_DS, 0x403000, 1));
    CHECK_EQ(cpu->exc_error, 2);

    /* Supervisor write to a read-only page: allowed with WP=0, #PF(3) with WP=1. */
    v = TRY(cpu, cpu_st8(cpu, R_DS, 0x401000, 0x55));
    CHECK_EQ(v, -1);
    CHECK_EQ(ram[0x6000], 0x55);
    cpu_write_cr(cpu, 0, cpu->cr[0] | CR0_WP);
    v = TRY(cpu, cpu_st8(cpu, R_DS, 0x401000, 0x66));
    CHECK_EQ(v, EXC_PF);
    CHECK_EQ(cpu->exc_error, 3);
    CHECK_EQ(ram[0x6000], 0x55);

    /* User mode: supervisor page -> P|U (5); read-only page write -> P|W|U (7). */
    flat_pm(cpu, 3);
    v = TRY(cpu, cpu_ld8(cpu, R_DS, 0x400000));
    CHECK_EQ(v, EXC_PF);
    CHECK_EQ(cpu->exc_error, 5);
    CHECK_EQ(cpu_ld8(cpu, R_DS, 0x401000), 0x55);
    v = TRY(cpu, cpu_st8(cpu, R_DS, 0x401000, 1));
    CHECK_EQ(cpu->exc_error, 7);
    v = TRY(cpu, cpu_st8(cpu, R_DS, 0x402000, 0x77));
    CHECK_EQ(v, -1);
    CHECK_EQ(ram[0x7000], 0x77);
    /* Implicit supervisor access from CPL 3 reaches the supervisor page. */
    CHECK_EQ(cpu_ld32_lin(cpu, 0x400010, true), 0xcafef00d);

    /* Debug access: no fault, no A bit. */
    set32(PT + 3 * 4, 0x8000 | 0x1);
    ram[0x8004] = 0x42;
    {
        uint8_t b = 0;
        uint64_t pa = 0;

        CHECK_EQ(cpu_memory_rw_debug(cpu, 0x403004, &b, 1, false), 0);
        CHECK_EQ(b, 0x42);
        CHECK_EQ(ram32(PT + 12) & 0x20, 0);
        CHECK(cpu_get_phys_addr_debug(cpu, 0x403004, &pa));
        CHECK_EQ(pa, 0x8004);
        CHECK(!cpu_get_phys_addr_debug(cpu, 0x404000, &pa));
    }
    cpu_free(cpu);
}

static void test_pse_4m(void)
{
    X86CPU *cpu = new_cpu("pentium2");
    volatile int v;

    flat_pm(cpu, 0);
    cpu_write_cr(cpu, 4, CR4_PSE);
    set32(PD + 2 * 4, 0x00400000u | 0x83); /* 0x800000 -> 0x400000, 4 MiB, RW */
    set32(PD + 3 * 4, 0x00400000u | 0x2083); /* reserved bit 13 set */
    cpu->cr[3] = PD;
    cpu_write_cr(cpu, 0, cpu->cr[0] | CR0_PG);
    cpu_st32(cpu, R_DS, 0x812344, 0x600df00d);
    CHECK_EQ(ram32(0x412344), 0x600df00d);
    CHECK_EQ(ram32(PD + 8) & 0x60, 0x60);
    v = TRY(cpu, cpu_ld8(cpu, R_DS, 0xc00000));
    CHECK_EQ(v, EXC_PF);
    CHECK_EQ(cpu->exc_error, 0x09); /* P | RSVD */

    /* INVLPG inside a large page drops every piece of it. */
    set32(PD + 2 * 4, 0x00000000u | 0x83);
    CHECK_EQ(cpu_ld32(cpu, R_DS, 0x812344), 0x600df00d); /* stale TLB */
    tlb_flush_page(cpu, 0x900000);
    CHECK_EQ(cpu_ld32(cpu, R_DS, 0x812344), ram32(0x012344));
    cpu_free(cpu);
}

static void test_pae_nx(void)
{
    X86CPU *cpu = new_cpu("x86pc");
    volatile int v;
    uint64_t efer;

    flat_pm(cpu, 0);
    /* PDPT at 0x3000, PD at 0x4000 (for 0-1 GiB), PT at 0x9000. */
    set64(0x3000, 0x4000 | 1);
    set64(0x4000 + 2 * 8, 0x00200000ull | 0x83);              /* 0x400000 -> 2 MiB page at 2M */
    set64(0x4000 + 3 * 8, 0x9000 | 0x3);                      /* 0x600000 -> PT */
    set64(0x9000 + 0 * 8, 0x8000000000000000ull | 0xa000 | 3); /* NX page */
    set64(0x9000 + 1 * 8, 0x0000010000000000ull | 0xb000 | 3); /* reserved bit 40 */
    set64(0x9000 + 2 * 8, 0xc000 | 3);
    CHECK(cpu_wrmsr(cpu, 0xc0000080u, EFER_NXE));
    CHECK(cpu_rdmsr(cpu, 0xc0000080u, &efer));
    CHECK_EQ(efer, EFER_NXE);
    CHECK(!cpu_wrmsr(cpu, 0xc0000080u, 1)); /* SCE: not writable */
    cpu_write_cr(cpu, 4, CR4_PAE);
    cpu->cr[3] = 0x3000;
    cpu_write_cr(cpu, 0, cpu->cr[0] | CR0_PG);
    CHECK_EQ(cpu->pdpte[0], 0x4001);

    cpu_st32(cpu, R_DS, 0x400100, 0x2badcafe);
    CHECK_EQ(ram32(0x200100), 0x2badcafe);
    CHECK_EQ(ram32(0x4010) & 0x60, 0x60);
    /* Data access to the NX page is fine; a fetch faults with I/D. */
    CHECK_EQ(cpu_ld8(cpu, R_DS, 0x600000), 0);
    v = TRY(cpu, cpu_code_phys(cpu, 0x600000));
    CHECK_EQ(v, EXC_PF);
    CHECK_EQ(cpu->exc_error, 0x11);
    CHECK_EQ(cpu_code_phys(cpu, 0x602010), 0xc010);
    v = TRY(cpu, cpu_ld8(cpu, R_DS, 0x601000));
    CHECK_EQ(v, EXC_PF);
    CHECK_EQ(cpu->exc_error, 0x09);
    /* Without NXE, bit 63 is reserved. */
    CHECK(cpu_wrmsr(cpu, 0xc0000080u, 0));
    v = TRY(cpu, cpu_ld8(cpu, R_DS, 0x600000));
    CHECK_EQ(v, EXC_PF);
    CHECK_EQ(cpu->exc_error, 0x09);
    /* A PDPTE with reserved bits makes MOV CR3 fault. */
    set64(0x5000, 0x4000 | 1 | 0x100);
    v = TRY(cpu, cpu_write_cr(cpu, 3, 0x5000));
    CHECK_EQ(v, EXC_GP);
    CHECK_EQ(cpu->cr[3], 0x3000);
    /* pentium2 has no NX: EFER does not exist. */
    cpu_free(cpu);
    cpu = new_cpu("pentium2");
    CHECK(!cpu_wrmsr(cpu, 0xc0000080u, EFER_NXE));
    cpu_free(cpu);
}

static void test_tlb_flush(void)
{
    X86CPU *cpu = new_cpu("pentium2");

    flat_pm(cpu, 0);
    cpu_write_cr(cpu, 4, CR4_PGE);
    paging32(cpu);
    set32(PT + 0 * 4, 0x5000 | 0x3);         /* non-global */
    set32(PT + 1 * 4, 0x6000 | 0x103);       /* global */
    ram[0x5000] = 1;
    ram[0x6000] = 2;
    ram[0x7000] = 3;
    CHECK_EQ(cpu_ld8(cpu, R_DS, 0x400000), 1);
    CHECK_EQ(cpu_ld8(cpu, R_DS, 0x401000), 2);
    set32(PT + 0 * 4, 0x7000 | 0x3);
    set32(PT + 1 * 4, 0x7000 | 0x103);
    /* Stale until flushed. */
    CHECK_EQ(cpu_ld8(cpu, R_DS, 0x400000), 1);
    CHECK_EQ(cpu_ld8(cpu, R_DS, 0x401000), 2);
    /* CR3 write flushes only non-global entries. */
    cpu_write_cr(cpu, 3, PD);
    CHECK_EQ(cpu_ld8(cpu, R_DS, 0x400000), 3);
    CHECK_EQ(cpu_ld8(cpu, R_DS, 0x401000), 2);
    /* INVLPG flushes a global entry. */
    tlb_flush_page(cpu, 0x401000);
    CHECK_EQ(cpu_ld8(cpu, R_DS, 0x401000), 3);
    /* Toggling CR4.PGE flushes everything. */
    set32(PT + 1 * 4, 0x6000 | 0x103);
    CHECK_EQ(cpu_ld8(cpu, R_DS, 0x401000), 3);
    cpu_write_cr(cpu, 4, 0);
    CHECK_EQ(cpu_ld8(cpu, R_DS, 0x401000), 2);
    cpu_free(cpu);
}

static void test_mmio_rom_crossing(void)
{
    X86CPU *cpu = new_cpu("pentium2");
    volatile int v;

    flat_pm(cpu, 0);
    mmio_reads = mmio_writes = rom_writes = 0;
    CHECK_EQ(cpu_ld32(cpu, R_DS, 0xfec00010u), 0x55667788);
    CHECK_EQ(mmio_reads, 1);
    CHECK_EQ(mmio_last_addr, 0xfec00010u);
    CHECK_EQ(mmio_last_size, 4);
    cpu_st16(cpu, R_DS, 0xfec00020u, 0xabcd);
    CHECK_EQ(mmio_writes, 1);
    CHECK_EQ(mmio_last_val, 0xabcd);
    CHECK_EQ(mmio_last_size, 2);
    /* ROM: reads from the host page, writes dropped by the bus. */
    rom[0x10] = 0x99;
    CHECK_EQ(cpu_ld8(cpu, R_DS, 0xf0010), 0x99);
    cpu_st8(cpu, R_DS, 0xf0010, 0x11);
    CHECK_EQ(rom[0x10], 0x99);
    CHECK_EQ(rom_writes, 1);

    /* Page crossing with paging: second page absent -> nothing written, CR2 = 2nd page. */
    paging32(cpu);
    set32(PT + 0 * 4, 0x5000 | 0x3);
    set32(PT + 1 * 4, 0x9000 | 0x3);
    cpu_st32(cpu, R_DS, 0x400ffe, 0x44332211);
    CHECK_EQ(ram[0x5ffe], 0x11);
    CHECK_EQ(ram[0x5fff], 0x22);
    CHECK_EQ(ram[0x9000], 0x33);
    CHECK_EQ(ram[0x9001], 0x44);
    CHECK_EQ(cpu_ld32(cpu, R_DS, 0x400ffe), 0x44332211);
    CHECK_EQ(cpu_ld64(cpu, R_DS, 0x400ffc) >> 16, 0x44332211);
    v = TRY(cpu, cpu_st32(cpu, R_DS, 0x401ffe, 0xffffffff));
    CHECK_EQ(v, EXC_PF);
    CHECK_EQ(cpu->cr[2], 0x402000);
    CHECK_EQ(ram[0x9ffe], 0);
    CHECK_EQ(ram[0x9fff], 0);
    cpu_free(cpu);
}

static void test_watch(void)
{
    X86CPU *cpu = new_cpu("pentium2");

    flat_pm(cpu, 0);
    cpu->bps[0].addr = 0x3004;
    cpu->bps[0].len = 4;
    cpu->bps[0].type = WP_WRITE;
    cpu->nb_bps = 1;
    tlb_flush_all(cpu, true);
    cpu_st32(cpu, R_DS, 0x3000, 1);
    CHECK(!cpu->watchpoint_hit);
    CHECK_EQ(cpu_ld32(cpu, R_DS, 0x3004), 0);
    CHECK(!cpu->watchpoint_hit);
    cpu_st16(cpu, R_DS, 0x3006, 7);
    CHECK(cpu->watchpoint_hit);
    CHECK_EQ(cpu->watchpoint_addr, 0x3004);
    CHECK_EQ(ram[0x3006], 7);
    cpu->nb_bps = 0;
    cpu->watchpoint_hit = false;

    /* DR1: 4-byte read/write breakpoint at 0x5000. */
    cpu_write_dr(cpu, 1, 0x5000);
    cpu_write_dr(cpu, 7, (3u << 2) | (3u << 20) | (3u << 22));
    CHECK_EQ(cpu_read_dr(cpu, 7) & 0x400, 0x400);
    cpu_ld8(cpu, R_DS, 0x4fff);
    CHECK_EQ(cpu->dr6_pending, 0);
    cpu_ld8(cpu, R_DS, 0x5003);
    CHECK_EQ(cpu->dr6_pending, 2);
    cpu_free(cpu);
}

static void test_tsc_cpuid(void)
{
    X86CPU *cpu = new_cpu("pentium2");
    uint32_t r[4];
    uint64_t t;

    fake_clock = 1000;
    CHECK(cpu_wrmsr(cpu, 0x10, 5000));
    fake_clock = 1500;
    CHECK(cpu_rdmsr(cpu, 0x10, &t));
    CHECK_EQ(t, 5500);
    CHECK_EQ(cpu_rdtsc(cpu), 5500);
    cpu_cpuid(cpu, 0, 0, r);
    CHECK_EQ(r[1], 0x756e6547); /* "Genu" */
    CHECK_EQ(r[3], 0x49656e69); /* "ineI" */
    CHECK_EQ(r[2], 0x6c65746e); /* "ntel" */
    cpu_cpuid(cpu, 1, 0, r);
    CHECK_EQ(r[0], 0x652);
    CHECK(r[3] & CPUID_SEP);
    CHECK(!(r[3] & CPUID_APIC)); /* no APIC MSR routing on this bus */
    CHECK(!(r[3] & CPUID_PAT));
    cpu_cpuid(cpu, 0x80000001u, 0, r);
    CHECK_EQ(r[3], 0);
    CHECK(!cpu_rdmsr(cpu, 0x277, &t)); /* no PAT */
    CHECK(cpu_rdmsr(cpu, 0xfe, &t));
    CHECK_EQ(t, 0x508);
    CHECK(!cpu_wrmsr(cpu, 0x2ff, 2)); /* reserved memory type */
    CHECK(cpu_wrmsr(cpu, 0x2ff, 0xc06));
    CHECK(!cpu_rdmsr(cpu, 0x12345678, &t));
    cpu_free(cpu);
}

/*
 * Instruction fetch: segmentation comes before paging. Code that runs past its CS limit
 * into a not-present page, or whose instruction crosses both the limit and into such a
 * page, gets #GP(0), not #PF.
 */
static void test_fetch_limit_before_paging(void)
{
    X86CPU *cpu = new_cpu("pentium2");
    volatile int v;

    flat_pm(cpu, 0);
    paging32(cpu);
    set32(PT + 0 * 4, 0x5000 | 0x3); /* 0x400000 mapped, 0x401000 not present */
    cpu->seg[R_CS].limit = 0x400fffu;
    cpu->cr[2] = 0;
    cpu->eip = 0x401000;
    v = TRY(cpu, block_lookup(cpu));
    CHECK_EQ(v, EXC_GP);
    memcpy(ram + 0x5ffd, "\xb8\x78\x56", 3); /* mov eax, imm32: 2 bytes are missing */
    cpu->eip = 0x400ffd;
    v = TRY(cpu, block_lookup(cpu));
    CHECK_EQ(v, EXC_GP);
    CHECK_EQ(cpu->cr[2], 0);
    /* Within a larger limit the same fetches fault on the page. */
    cpu->seg[R_CS].limit = 0xffffffffu;
    v = TRY(cpu, block_lookup(cpu));
    CHECK_EQ(v, EXC_PF);
    CHECK_EQ(cpu->cr[2], 0x401000);
    cpu_free(cpu);
}

int main(void)
{
    ram = xalloc_pages(RAM_SIZE);
    test_real_mode();
    test_a20();
    test_walk_4k();
    test_pse_4m();
    test_pae_nx();
    test_tlb_flush();
    test_mmio_rom_crossing();
    test_watch();
    test_tsc_cpuid();
    test_fetch_limit_before_paging();
    xfree_pages(ram, RAM_SIZE);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
