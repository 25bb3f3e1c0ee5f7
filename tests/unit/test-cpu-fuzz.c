/*
 * Random-instruction fuzz of the CPU against a fake bus.
 *
 * Every case sets up a machine state at random (real mode, 16/32-bit protected mode at CPL
 * 0 or 3, virtual-8086 mode; paging off, 4 KiB, 4 MiB PSE or PAE pages with some pages
 * not present, read-only or supervisor-only; a GDT with good and random descriptors, an
 * LDT, an IDT, TSSs with an I/O bitmap), fills a code page with random bytes or with a
 * biased instruction stream (prefixes, 0F xx, x87, SSE, REP string ops with huge counts,
 * far transfers and IRETs to random selectors, MOV CR/DR, LGDT/LIDT, task switches,
 * segment loads, port I/O, INT n) and runs cpu_exec() with a small budget a few times.
 *
 * Exceptions and interrupts are delivered through real gates to handlers that are a
 * single HLT each (one per vector, at STUB_BASE + vector), so cpu_exec returns
 * CPU_EXIT_HALTED and the vector is read off EIP; the case then continues with new code.
 * A triple fault (CPU_EXIT_SHUTDOWN) ends the case.
 *
 * Checked invariants (a violation fails the case):
 *   - the host never crashes or hangs: each cpu_exec call runs under an alarm and must
 *     return within HANG_SECONDS of wall time (crash/hang handlers print seed and case);
 *   - cpu_exec retires at most the budget it was given (exact icount accounting);
 *   - it returns only BUDGET, HALTED or SHUTDOWN (nothing here asks for REQUEST/DEBUG);
 *   - EFLAGS reserved bits read as architecturally fixed (bit 1 set, 3/5/15/22-31 clear);
 *   - in protected mode outside v86, CPL == CS.RPL == SS.DPL (SDM vol. 3, 5.5).
 * Under the ASan/UBSan build (configure --enable-sanitizers) leaks and memory errors of
 * the CPU are caught as well; all CPUs are freed at exit.
 *
 * Each case derives its random stream from (seed, case index) and starts from a reset
 * CPU, flushed caches and restored RAM, so one case replays alone:
 *   test-cpu-fuzz [-n COUNT] [-s SEED] [-c CASE] [-v]
 * -n: number of cases (default 10000), -s: seed (default 1), -c: run only case CASE,
 * -v: print every case's set-up and every exit. See tests/bench/README.md for long runs.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cpu/seg.h"

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/common_interface_defs.h>
#endif

/* ---- guest-physical memory map of the fake bus ---- */
#define RAM_SIZE (4u << 20)
#define RAM_PAGES (RAM_SIZE >> 12)
#define MMIO_BASE 0x200000u /* 64 KiB: reads give random values, writes are logged */
#define MMIO_SIZE 0x10000u
#define ROM_BASE 0x210000u  /* 64 KiB: readable RAM, writes ignored */
#define ROM_SIZE 0x10000u

#define IVT 0x0000u
#define GDT 0x1000u          /* 64 descriptors */
#define GDT_LIMIT 0x1ffu
#define IDT 0x2000u          /* 256 gates */
#define TSS_A 0x3000u        /* current TSS; I/O bitmap at +0x68 (8 KiB + 1) */
#define TSS_A_LIMIT (0x68u + 8192u)
#define TSS_B 0x5800u        /* target of task switches (32-bit) */
#define TSS_C 0x5900u        /* 16-bit TSS */
#define LDT 0x5a00u          /* 8 descriptors */
#define STUB_BASE 0x6000u    /* HLT handler for vector v at STUB_BASE + v */
#define STUB_TASK 0x6100u    /* HLT where TSS_B's task starts */
#define STACK0_TOP 0x9000u   /* ring-0 stack (TSS ESP0) */
#define PD_4K 0x10000u
#define PT_4K 0x11000u
#define PDPT 0x12000u
#define PD_PAE 0x13000u
#define PT_PAE 0x14000u
#define CODE_BASE 0x20000u   /* 64 KiB code segment (real/v86 CS = 0x2000) */
#define DATA_BASE 0x30000u   /* random data that memory operands should hit */
#define STACK_SEG 0x70000u   /* 64 KiB stack segment (real/v86 SS = 0x7000) */

/* GDT selectors */
#define SEL_CODE0 0x08   /* flat 32-bit ring 0 code */
#define SEL_DATA0 0x10
#define SEL_CODE3 0x18   /* flat 32-bit ring 3 code, DPL 3 */
#define SEL_DATA3 0x20
#define SEL_CODE16 0x28  /* base CODE_BASE, 64 KiB, 16-bit ring 0 */
#define SEL_DATA16 0x30  /* base STACK_SEG, 64 KiB, 16-bit ring 0 */
#define SEL_CODE16_3 0x38
#define SEL_DATA16_3 0x40
#define SEL_TSS_A 0x48
#define SEL_TSS_B 0x50
#define SEL_TSS_C 0x58
#define SEL_LDT 0x60
#define SEL_CGATE 0x68   /* call gate DPL 3 -> SEL_CODE0:STUB_BASE + 0xf0 */
#define SEL_TGATE 0x70   /* task gate DPL 3 -> SEL_TSS_B */
#define SEL_CONF 0x78    /* conforming 32-bit code, DPL 0 */
#define SEL_RANDOM 0x80  /* 0x80..0x1f8: random descriptors */

/*
 * Wall-time bound of one cpu_exec call: a few ms normally, up to ~0.1 s for a budget of
 * REP string bursts over I/O ports (1024 elements per unit of budget). ASan/UBSan make
 * that 10-20 times slower, and the machine may be shared: a wider bound there still
 * catches a real hang, without reporting slow-but-finite runs as hangs.
 */
#ifdef __SANITIZE_ADDRESS__
#define HANG_SECONDS 15
#else
#define HANG_SECONDS 2
#endif
#define MAX_BUDGET 2000
#define MAX_ROUNDS 12      /* cpu_exec calls per case */
#define DEFAULT_CASES 10000
#define CPU_RENEW 512       /* fresh CPUs every this many cases (cpu_new/cpu_free paths) */

enum { MODE_REAL, MODE_PM16, MODE_PM32, MODE_V86, MODE_COUNT };
enum { PG_OFF, PG_4K, PG_PSE, PG_PAE, PG_COUNT };
static const char *const mode_names[MODE_COUNT] = {"real", "pm16", "pm32", "v86"};
static const char *const pg_names[PG_COUNT] = {"off", "4k", "pse", "pae"};

/* ---- random numbers (xorshift64*, one stream per case, one for the bus) ---- */
typedef struct Rng {
    uint64_t s;
} Rng;

static uint64_t rng_mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

static void rng_seed(Rng *r, uint64_t a, uint64_t b)
{
    r->s = rng_mix(a * 0x9e3779b97f4a7c15ull + rng_mix(b + 1)) | 1;
}

static uint32_t rnd(Rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return (uint32_t)((r->s * 0x2545f4914f6cdd1dull) >> 32);
}

static uint32_t rnd_n(Rng *r, uint32_t n)
{
    return rnd(r) % n;
}

static bool chance(Rng *r, uint32_t one_in)
{
    return rnd_n(r, one_in) == 0;
}

/* ---- the fake bus ---- */
static uint8_t *ram;      /* current RAM */
static uint8_t *pristine; /* RAM as it was before any case: dirty pages are restored */
static uint8_t dirty[RAM_PAGES];
static Rng bus_rng;
static uint64_t mmio_reads, mmio_writes, io_reads, io_writes, intr_acks;
static uint64_t mmio_last_addr, mmio_last_val;

static uint8_t *fb_map_page(void *opaque, uint64_t paddr, bool write)
{
    if (paddr >= RAM_SIZE || (paddr >= MMIO_BASE && paddr < MMIO_BASE + MMIO_SIZE)) {
        return NULL;
    }
    if (write) {
        if (paddr >= ROM_BASE && paddr < ROM_BASE + ROM_SIZE) {
            return NULL;
        }
        dirty[paddr >> 12] = 1;
    }
    return ram + (paddr & ~0xfffull);
}

static uint64_t fb_mem_read(void *opaque, uint64_t paddr, unsigned size)
{
    uint64_t v;

    if (paddr >= RAM_SIZE) {
        return size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
    }
    if (paddr >= MMIO_BASE && paddr < MMIO_BASE + MMIO_SIZE) {
        mmio_reads++;
        v = ((uint64_t)rnd(&bus_rng) << 32) | rnd(&bus_rng);
        return size == 8 ? v : v & ((1ull << (8 * size)) - 1);
    }
    /* ROM pages are read through map_page; a read landing here is a slow-path read of
     * RAM (e.g. a page the CPU chose not to map): answer from RAM. */
    v = 0;
    for (unsigned k = 0; k < size && paddr + k < RAM_SIZE; k++) {
        v |= (uint64_t)ram[paddr + k] << (8 * k);
    }
    return v;
}

static void fb_mem_write(void *opaque, uint64_t paddr, uint64_t val, unsigned size)
{
    if (paddr >= MMIO_BASE && paddr < MMIO_BASE + MMIO_SIZE) {
        mmio_writes++;
        mmio_last_addr = paddr;
        mmio_last_val = val;
        return;
    }
    if (paddr >= ROM_BASE && paddr < ROM_BASE + ROM_SIZE) {
        return;
    }
    for (unsigned k = 0; k < size && paddr + k < RAM_SIZE; k++) {
        ram[paddr + k] = (uint8_t)(val >> (8 * k));
        dirty[(paddr + k) >> 12] = 1;
    }
}

static uint32_t fb_io_read(void *opaque, uint16_t port, unsigned size)
{
    io_reads++;
    return rnd(&bus_rng);
}

static void fb_io_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    io_writes++;
}

static int fb_intr_ack(void *opaque, int cpu_index)
{
    intr_acks++;
    return (int)rnd_n(&bus_rng, 256);
}

static int64_t fb_clock_ns(void *opaque)
{
    return (int64_t)(io_reads * 1000);
}

static bool fb_msr_read(void *opaque, int cpu_index, uint32_t msr, uint64_t *val)
{
    if (rnd(&bus_rng) & 1) {
        *val = rnd(&bus_rng);
        return true;
    }
    return false;
}

static bool fb_msr_write(void *opaque, int cpu_index, uint32_t msr, uint64_t val)
{
    return rnd(&bus_rng) & 1;
}

static const CPUBusOps fuzz_bus = {
    .map_page = fb_map_page,
    .mem_read = fb_mem_read,
    .mem_write = fb_mem_write,
    .io_read = fb_io_read,
    .io_write = fb_io_write,
    .intr_ack = fb_intr_ack,
    .clock_ns = fb_clock_ns,
    .msr_read = fb_msr_read,
    .msr_write = fb_msr_write,
};

/* Set-up writes go through these so the page is restored after the case. */
static void w8(uint32_t a, uint8_t v)
{
    ram[a] = v;
    dirty[a >> 12] = 1;
}

static void w16(uint32_t a, uint16_t v)
{
    stw_le_p(ram + a, v);
    dirty[a >> 12] = 1;
    dirty[(a + 1) >> 12] = 1;
}

static void w32(uint32_t a, uint32_t v)
{
    stl_le_p(ram + a, v);
    dirty[a >> 12] = 1;
    dirty[(a + 3) >> 12] = 1;
}

static void restore_ram(void)
{
    for (uint32_t p = 0; p < RAM_PAGES; p++) {
        if (dirty[p]) {
            memcpy(ram + (p << 12), pristine + (p << 12), 4096);
            dirty[p] = 0;
        }
    }
}

/* ---- statistics ---- */
static uint64_t n_exit[5], n_vector[256], n_guest_hlt, n_task_hlt, n_insns, n_execs;
static double max_exec_s;
static uint64_t n_mode[MODE_COUNT][2], n_paging[PG_COUNT], n_setup_fault, n_hangs;
static int passed, failed;
static bool verbose;

/* What the crash/hang handlers report. */
static volatile uint64_t cur_seed;
static volatile long cur_case = -1;
static volatile int cur_round;

static void print_where(void)
{
    char buf[160];
    int n = cur_case < 0 ? snprintf(buf, sizeof(buf),
                                    "test-cpu-fuzz: in the directed fault-loop case\n") :
                           snprintf(buf, sizeof(buf),
                     "test-cpu-fuzz: died in seed %llu case %ld round %d; replay with "
                     "-s %llu -c %ld -v\n",
                     (unsigned long long)cur_seed, cur_case, cur_round,
                     (unsigned long long)cur_seed, cur_case);

    if (n > 0 && write(2, buf, (size_t)n) < 0) {
        return;
    }
}

/*
 * A cpu_exec call that does not return within the alarm is a host hang: report where,
 * then leave it through hang_env so the remaining cases still run (the hung CPU is freed
 * and replaced; its state is not looked at again).
 */
static sigjmp_buf hang_env;

static void on_alarm(int sig)
{
    static const char msg[] = "test-cpu-fuzz: HANG: cpu_exec did not return\n";

    if (write(2, msg, sizeof(msg) - 1) < 0) {
        _exit(2);
    }
    print_where();
    siglongjmp(hang_env, 1);
}

static void on_crash(int sig)
{
    static const char msg[] = "test-cpu-fuzz: HOST CRASH (signal)\n";

    if (write(2, msg, sizeof(msg) - 1) < 0) {
        _exit(3);
    }
    print_where();
    signal(sig, SIG_DFL);
    raise(sig);
}

#ifdef __SANITIZE_ADDRESS__
static void on_sanitizer_death(void)
{
    print_where();
}
#endif

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- descriptors ---- */
static void desc_set(uint32_t addr, uint32_t base, uint32_t limit, uint32_t access_flags)
{
    /* access_flags: access byte in bits 0-7, G/D/L/AVL nibble in bits 12-15. */
    uint32_t lo = (limit & 0xffff) | (base << 16);
    uint32_t hi = ((base >> 16) & 0xff) | ((access_flags & 0xff) << 8) | (limit & 0xf0000) |
                  ((access_flags & 0xf000) << 8) | (base & 0xff000000u);

    w32(addr, lo);
    w32(addr + 4, hi);
}

static void gate_set(uint32_t addr, uint16_t sel, uint32_t off, uint8_t type_dpl_p,
                     uint8_t count)
{
    w32(addr, ((uint32_t)sel << 16) | (off & 0xffff));
    w32(addr + 4, (off & 0xffff0000u) | ((uint32_t)type_dpl_p << 8) | count);
}

/* A selector biased towards the interesting entries. */
static uint16_t rnd_selector(Rng *r)
{
    switch (rnd_n(r, 8)) {
    case 0:
        return (uint16_t)rnd(r);
    case 1:
        return (uint16_t)(rnd_n(r, 4)); /* null */
    case 2:
        return (uint16_t)((rnd_n(r, 8) << 3) | 4 | rnd_n(r, 4)); /* LDT */
    default:
        return (uint16_t)((rnd_n(r, 64) << 3) | rnd_n(r, 4));
    }
}

static void random_descriptor(Rng *r, uint32_t addr)
{
    static const uint8_t types[] = {
        0x9a, 0x92, 0xfa, 0xf2, 0x9e, 0x96, 0x98, 0x90, 0x89, 0x81, 0x82, 0x8c, 0x84,
        0x85, 0xec, 0x8b, 0x1a, 0x12, 0xde, 0xbe, 0x9c,
    };
    uint32_t base, limit;

    if (chance(r, 6)) {
        w32(addr, rnd(r));
        w32(addr + 4, rnd(r));
        return;
    }
    if (chance(r, 2)) {
        base = rnd_n(r, 4) == 0 ? rnd(r) : rnd_n(r, 0x80) << 12;
    } else {
        base = 0;
    }
    limit = chance(r, 2) ? 0xfffff : rnd(r) & 0xfffff;
    if ((types[rnd_n(r, ARRAY_SIZE(types))] & 0x10) == 0 && chance(r, 2)) {
        /* system descriptor: gate to a good target or a TSS/LDT somewhere */
        uint8_t t = types[8 + rnd_n(r, 8)];

        if ((t & 0x0f) == 0x4 || (t & 0x0f) == 0xc || (t & 0x0f) == 0x5) {
            gate_set(addr, rnd_selector(r), chance(r, 2) ? STUB_BASE + 0xf0 : rnd(r),
                     (uint8_t)(t | (rnd_n(r, 4) << 5)), (uint8_t)rnd_n(r, 32));
            return;
        }
        desc_set(addr, base, limit, t);
        return;
    }
    desc_set(addr, base, limit,
             types[rnd_n(r, 8)] | (rnd_n(r, 4) << 5) | (rnd_n(r, 16) << 12));
}

/* ---- per-case machine set-up ---- */
typedef struct FuzzCase {
    Rng r;
    int mode;
    int cpl;
    int paging;
    uint32_t code_off; /* offset of the code in the 64 KiB code segment */
} FuzzCase;

static void build_tables(FuzzCase *c)
{
    Rng *r = &c->r;

    /* IVT: every vector to its HLT stub (0x600:v). */
    for (int v = 0; v < 256; v++) {
        w32(IVT + v * 4, ((STUB_BASE >> 4) << 16) | (uint32_t)v);
        w8(STUB_BASE + v, 0xf4);
    }
    w8(STUB_TASK, 0xf4);
    /* GDT */
    w32(GDT, 0);
    w32(GDT + 4, 0);
    desc_set(GDT + SEL_CODE0, 0, 0xfffff, 0xc09a);
    desc_set(GDT + SEL_DATA0, 0, 0xfffff, 0xc092);
    desc_set(GDT + SEL_CODE3, 0, 0xfffff, 0xc0fa);
    desc_set(GDT + SEL_DATA3, 0, 0xfffff, 0xc0f2);
    desc_set(GDT + SEL_CODE16, CODE_BASE, 0xffff, 0x009a);
    desc_set(GDT + SEL_DATA16, STACK_SEG, 0xffff, 0x0092);
    desc_set(GDT + SEL_CODE16_3, CODE_BASE, 0xffff, 0x00fa);
    desc_set(GDT + SEL_DATA16_3, STACK_SEG, 0xffff, 0x00f2);
    desc_set(GDT + SEL_TSS_A, TSS_A, TSS_A_LIMIT, 0x0089);
    desc_set(GDT + SEL_TSS_B, TSS_B, 0x67, 0x0089);
    desc_set(GDT + SEL_TSS_C, TSS_C, 0x2b, 0x0081);
    desc_set(GDT + SEL_LDT, LDT, 8 * 8 - 1, 0x0082);
    gate_set(GDT + SEL_CGATE, SEL_CODE0, STUB_BASE + 0xf0, 0xec, (uint8_t)rnd_n(r, 4));
    gate_set(GDT + SEL_TGATE, SEL_TSS_B, 0, 0xe5, 0);
    desc_set(GDT + SEL_CONF, 0, 0xfffff, 0xc09e);
    for (uint32_t s = SEL_RANDOM; s <= GDT_LIMIT - 7; s += 8) {
        random_descriptor(r, GDT + s);
    }
    for (uint32_t s = 0; s < 64; s += 8) {
        if (s == 0 || chance(r, 2)) {
            desc_set(LDT + s, 0, 0xfffff, 0xc0f2 - (s == 8 ? 8 : 0));
        } else {
            random_descriptor(r, LDT + s);
        }
    }
    /* IDT: interrupt gates DPL 3 (INT n from ring 3 and v86 with IOPL 3 reach them);
     * some trap gates, DPL 0 gates, task gates and not-present gates. */
    for (int v = 0; v < 256; v++) {
        uint8_t type = 0xee;

        switch (rnd_n(r, 24)) {
        case 0:
            type = 0xef;
            break;
        case 1:
            type = 0x8e;
            break;
        case 2:
            type = 0xe5;
            break;
        case 3:
            type = 0x6e;
            break;
        case 4:
            type = 0xe6; /* 16-bit interrupt gate */
            break;
        default:
            break;
        }
        if (type == 0xe5) {
            gate_set(IDT + v * 8, SEL_TSS_B, 0, type, 0);
        } else {
            gate_set(IDT + v * 8, chance(r, 64) ? rnd_selector(r) : SEL_CODE0,
                     STUB_BASE + (uint32_t)v, type, 0);
        }
    }
    /* TSS_A: ring-0 stack, ring-1/2 stacks, I/O bitmap with random bits. */
    for (uint32_t o = 0; o < 0x68; o += 4) {
        w32(TSS_A + o, 0);
    }
    w32(TSS_A + 4, STACK0_TOP);
    w32(TSS_A + 8, SEL_DATA0);
    w32(TSS_A + 12, STACK0_TOP - 0x400);
    w32(TSS_A + 16, SEL_DATA0);
    w32(TSS_A + 20, STACK0_TOP - 0x800);
    w32(TSS_A + 24, SEL_DATA0);
    w16(TSS_A + 0x66, chance(r, 8) ? (uint16_t)rnd(r) : 0x68);
    for (uint32_t o = 0; o < 8192; o += 4) {
        w32(TSS_A + 0x68 + o, chance(r, 2) ? 0 : rnd(r));
    }
    w8(TSS_A + 0x68 + 8192, 0xff);
    /* TSS_B: a ring-0 task that starts at a HLT with interrupts off. */
    for (uint32_t o = 0; o < 0x68; o += 4) {
        w32(TSS_B + o, 0);
    }
    w32(TSS_B + 0x1c, chance(r, 8) ? rnd(r) : 0);          /* CR3 */
    w32(TSS_B + 0x20, STUB_TASK);                          /* EIP */
    w32(TSS_B + 0x24, chance(r, 4) ? rnd(r) : 0x2);        /* EFLAGS */
    w32(TSS_B + 0x38, STACK0_TOP - 0x100);                 /* ESP */
    w32(TSS_B + 0x48, chance(r, 16) ? rnd_selector(r) : SEL_DATA0); /* ES */
    w32(TSS_B + 0x4c, chance(r, 16) ? rnd_selector(r) : SEL_CODE0); /* CS */
    w32(TSS_B + 0x50, chance(r, 16) ? rnd_selector(r) : SEL_DATA0); /* SS */
    w32(TSS_B + 0x54, SEL_DATA0);
    w32(TSS_B + 0x58, SEL_DATA0);
    w32(TSS_B + 0x5c, SEL_DATA0);
    w32(TSS_B + 0x60, chance(r, 8) ? rnd_selector(r) : 0); /* LDT */
    w32(TSS_B + 0x64, chance(r, 16) ? 1 : 0);              /* T bit */
    /* TSS_C (16-bit): random contents. */
    for (uint32_t o = 0; o < 0x2c; o += 4) {
        w32(TSS_C + o, rnd(r));
    }
    /* Page tables: identity maps of the 4 MiB with a few pages not present, read-only
     * or supervisor-only; the tables and handlers stay mapped most of the time. */
    for (uint32_t p = 0; p < 1024; p++) {
        uint32_t flags = 0x7;

        if (p >= 0x10 && chance(r, 24)) {
            flags = (uint32_t[]){0x6, 0x5, 0x3, 0x1, 0x0}[rnd_n(r, 5)];
        }
        if (p < 0x10 && chance(r, 200)) {
            flags = 0x0;
        }
        w32(PT_4K + p * 4, (p << 12) | flags | (chance(r, 16) ? 0x100 : 0));
        if (p < 512) {
            w32(PT_PAE + p * 8, (p << 12) | flags);
            w32(PT_PAE + p * 8 + 4, chance(r, 32) ? 0x80000000u : 0);
        }
    }
    for (uint32_t i = 0; i < 1024; i++) {
        w32(PD_4K + i * 4, 0);
    }
    for (uint32_t i = 0; i < 512; i++) {
        w32(PD_PAE + i * 8, 0);
        w32(PD_PAE + i * 8 + 4, 0);
    }
    if (c->paging == PG_PSE) {
        w32(PD_4K, 0x87 | (chance(r, 8) ? 0x100 : 0));
    } else {
        w32(PD_4K, PT_4K | 0x7);
    }
    w32(PD_4K + 4 * (rnd_n(r, 1023) + 1), chance(r, 2) ? rnd(r) : PT_4K | 0x7);
    w32(PD_PAE, PT_PAE | 0x7);
    w32(PD_PAE + 8, 0x200000u | 0x87);
    w32(PD_PAE + 8 * (rnd_n(r, 510) + 2), chance(r, 2) ? rnd(r) : PT_PAE | 0x7);
    for (int i = 0; i < 4; i++) {
        w32(PDPT + i * 8, i == 0 ? (PD_PAE | 1) : (chance(r, 8) ? rnd(r) : 0));
        w32(PDPT + i * 8 + 4, 0);
    }
}

/* ---- code generation ---- */
typedef struct CodeBuf {
    uint8_t b[4096];
    uint32_t n;
    bool code32;
} CodeBuf;

static void emit(CodeBuf *cb, uint8_t v)
{
    if (cb->n < sizeof(cb->b)) {
        cb->b[cb->n++] = v;
    }
}

static void emit32(CodeBuf *cb, uint32_t v)
{
    for (int k = 0; k < 4; k++) {
        emit(cb, (uint8_t)(v >> (8 * k)));
    }
}

/* Immediate of the code's operand size. */
static void emit_imm(CodeBuf *cb, uint32_t v)
{
    emit(cb, (uint8_t)v);
    emit(cb, (uint8_t)(v >> 8));
    if (cb->code32) {
        emit(cb, (uint8_t)(v >> 16));
        emit(cb, (uint8_t)(v >> 24));
    }
}

static void emit_random(CodeBuf *cb, Rng *r, unsigned n)
{
    for (unsigned k = 0; k < n; k++) {
        emit(cb, (uint8_t)rnd(r));
    }
}

/* MOV reg, imm32 (with an operand-size prefix in 16-bit code). */
static void emit_mov_reg(CodeBuf *cb, int reg, uint32_t v)
{
    if (!cb->code32) {
        emit(cb, 0x66);
    }
    emit(cb, (uint8_t)(0xb8 + reg));
    emit32(cb, v);
}

static uint32_t rnd_value(Rng *r)
{
    switch (rnd_n(r, 6)) {
    case 0:
        return rnd_n(r, 16);
    case 1:
        return DATA_BASE + rnd_n(r, 0x10000);
    case 2:
        return 0xffffffffu - rnd_n(r, 16);
    case 3:
        return MMIO_BASE + rnd_n(r, MMIO_SIZE);
    default:
        return rnd(r);
    }
}

static void emit_prefixes(CodeBuf *cb, Rng *r)
{
    static const uint8_t pfx[] = {0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x36, 0x3e, 0x26, 0x64,
                                  0x65};
    unsigned n = rnd_n(r, 4) == 0 ? rnd_n(r, 4) : 0;

    for (unsigned k = 0; k < n; k++) {
        emit(cb, pfx[rnd_n(r, ARRAY_SIZE(pfx))]);
    }
}

static void gen_insn(CodeBuf *cb, Rng *r)
{
    static const uint8_t str_ops[] = {0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad,
                                      0xae, 0xaf, 0x6c, 0x6d, 0x6e, 0x6f};
    static const uint8_t sse_ops[] = {0x10, 0x11, 0x12, 0x14, 0x16, 0x28, 0x29, 0x2a, 0x2c,
                                      0x2e, 0x51, 0x54, 0x57, 0x58, 0x59, 0x5c, 0x5e, 0x60,
                                      0x6e, 0x6f, 0x70, 0x74, 0x7e, 0x7f, 0xc2, 0xc6, 0xd4,
                                      0xdb, 0xe7, 0xef, 0xfe, 0xae, 0x18, 0x0d};
    static const uint8_t sys0f[] = {0x06, 0x08, 0x09, 0x0b, 0x30, 0x31, 0x32, 0x33, 0x34,
                                    0x35, 0xa2, 0xaa, 0x0d, 0x18, 0x1f, 0xa0, 0xa1, 0xa8,
                                    0xa9, 0xc7, 0xb0, 0xb1, 0xc0, 0xc1, 0xa3, 0xab, 0xb3,
                                    0xbb, 0xba, 0xbc, 0xbd, 0xaf, 0x40, 0x4f, 0x80, 0x8f};
    static const uint32_t msrs[] = {0x10, 0x1b, 0x174, 0x175, 0x176, 0x277, 0x2ff, 0x200,
                                    0x250, 0xc0000080u, 0x8b, 0x17, 0xfe, 0x179, 0x1d9};

    switch (rnd_n(r, 24)) {
    case 0: /* random opcode with prefixes and operand bytes */
    case 1:
    case 2:
        emit_prefixes(cb, r);
        emit_random(cb, r, 1 + rnd_n(r, 8));
        break;
    case 3: /* two-byte opcode */
    case 4:
        emit_prefixes(cb, r);
        emit(cb, 0x0f);
        emit(cb, chance(r, 2) ? sys0f[rnd_n(r, ARRAY_SIZE(sys0f))] : (uint8_t)rnd(r));
        emit_random(cb, r, rnd_n(r, 7));
        break;
    case 5: /* x87 */
        emit_prefixes(cb, r);
        emit(cb, (uint8_t)(0xd8 + rnd_n(r, 8)));
        emit_random(cb, r, 1 + rnd_n(r, 6));
        break;
    case 6: /* SSE / MMX */
        if (chance(r, 2)) {
            emit(cb, (uint8_t[]){0x66, 0xf2, 0xf3}[rnd_n(r, 3)]);
        }
        emit(cb, 0x0f);
        emit(cb, sse_ops[rnd_n(r, ARRAY_SIZE(sse_ops))]);
        emit_random(cb, r, 1 + rnd_n(r, 6));
        break;
    case 7: /* REP string op with a huge count */
        emit_mov_reg(cb, R_ECX, chance(r, 2) ? 0xffffffffu - rnd_n(r, 4) : rnd(r));
        if (chance(r, 2)) {
            emit_mov_reg(cb, chance(r, 2) ? R_ESI : R_EDI, rnd_value(r));
        }
        if (chance(r, 3)) {
            emit(cb, 0xfd); /* STD */
        }
        emit_prefixes(cb, r);
        emit(cb, chance(r, 4) ? 0xf2 : 0xf3);
        emit(cb, str_ops[rnd_n(r, ARRAY_SIZE(str_ops))]);
        break;
    case 8: /* far JMP/CALL to a random selector */
        if (chance(r, 3)) {
            emit(cb, 0x66);
        }
        emit(cb, chance(r, 2) ? 0xea : 0x9a);
        emit_imm(cb, chance(r, 2) ? STUB_BASE + 0xf0 : rnd_value(r));
        {
            uint16_t s = chance(r, 3) ? (uint16_t[]){SEL_CGATE | 3, SEL_TGATE, SEL_TSS_B,
                                                     SEL_TSS_C, SEL_CONF,
                                                     SEL_CODE3 | 3}[rnd_n(r, 6)]
                                      : rnd_selector(r);
            emit(cb, (uint8_t)s);
            emit(cb, (uint8_t)(s >> 8));
        }
        break;
    case 9: /* IRET / RETF with a random stack: EIP, CS, EFLAGS, ESP, SS */
        {
            uint32_t vals[5] = {rnd_n(r, 2) ? STUB_BASE + 0xf0 : rnd_value(r),
                                rnd_selector(r),
                                chance(r, 2) ? rnd(r) : ((rnd(r) & 0x3cfd5) | 2),
                                rnd_value(r), rnd_selector(r)};

            for (int k = 4; k >= 0; k--) {
                emit(cb, 0x68);
                emit_imm(cb, vals[k]);
            }
        }
        if (chance(r, 3)) {
            emit(cb, 0x66);
        }
        emit(cb, chance(r, 4) ? 0xcb : 0xcf);
        break;
    case 10: /* MOV CRn / DRn */
        emit_mov_reg(cb, R_EAX, rnd_value(r) ^ (chance(r, 2) ? 0 : 0x80000001u));
        emit(cb, 0x0f);
        emit(cb, (uint8_t[]){0x22, 0x23, 0x20, 0x21}[rnd_n(r, 4)]);
        emit(cb, (uint8_t)(0xc0 | (rnd_n(r, 8) << 3) | rnd_n(r, 8)));
        break;
    case 11: /* LGDT / LIDT / SGDT / SIDT / LMSW / INVLPG at [EAX] */
        emit_mov_reg(cb, R_EAX, chance(r, 2) ? DATA_BASE + rnd_n(r, 0x10000) : rnd(r));
        if (!cb->code32) {
            emit(cb, 0x67);
        }
        emit(cb, 0x0f);
        emit(cb, 0x01);
        emit(cb, (uint8_t)(rnd_n(r, 8) << 3));
        break;
    case 12: /* task switch: far jump/call to a TSS or task gate, INT through a gate */
        emit(cb, chance(r, 2) ? 0xea : 0x9a);
        emit_imm(cb, 0);
        emit(cb, (uint8_t[]){SEL_TSS_B, SEL_TGATE, SEL_TSS_C, SEL_TSS_A}[rnd_n(r, 4)]);
        emit(cb, 0);
        break;
    case 13: /* segment register loads */
        if (!cb->code32) {
            emit(cb, 0x66);
        }
        emit(cb, 0xb8);
        emit32(cb, rnd_selector(r));
        emit(cb, 0x8e);
        emit(cb, (uint8_t)(0xc0 | (rnd_n(r, 6) << 3)));
        break;
    case 14: /* LLDT/LTR/VERR/VERW/LAR/LSL/ARPL with a random selector */
        emit_mov_reg(cb, R_EAX, rnd_selector(r));
        emit(cb, 0x0f);
        switch (rnd_n(r, 3)) {
        case 0:
            emit(cb, 0x00);
            emit(cb, (uint8_t)(0xc0 | (rnd_n(r, 6) << 3)));
            break;
        case 1:
            emit(cb, (uint8_t)(0x02 + rnd_n(r, 2)));
            emit(cb, 0xc0);
            break;
        default:
            cb->b[cb->n - 1] = 0x63; /* ARPL ax, ax (undoes the 0F) */
            emit(cb, 0xc0);
            break;
        }
        break;
    case 15: /* software interrupts */
        switch (rnd_n(r, 5)) {
        case 0:
            emit(cb, 0xcc);
            break;
        case 1:
            emit(cb, 0xce);
            break;
        case 2:
            emit(cb, 0xf1);
            break;
        default:
            emit(cb, 0xcd);
            emit(cb, (uint8_t)rnd(r));
            break;
        }
        break;
    case 16: /* port I/O */
        emit(cb, (uint8_t[]){0xe4, 0xe5, 0xe6, 0xe7, 0xec, 0xed, 0xee, 0xef}[rnd_n(r, 8)]);
        emit(cb, (uint8_t)rnd(r));
        break;
    case 17: /* RDMSR/WRMSR */
        emit_mov_reg(cb, R_ECX, chance(r, 4) ? rnd(r) : msrs[rnd_n(r, ARRAY_SIZE(msrs))]);
        emit_mov_reg(cb, R_EAX, rnd_value(r));
        emit(cb, 0x0f);
        emit(cb, chance(r, 2) ? 0x30 : 0x32);
        break;
    case 18: /* flags and interrupt state */
        emit(cb, (uint8_t[]){0x9c, 0x9d, 0xfa, 0xfb, 0xf4, 0xfc, 0xfd, 0xf5, 0x9e, 0x9f,
                             0xcf, 0x17, 0x1f, 0x07}[rnd_n(r, 14)]);
        break;
    case 19: /* near branches */
        emit(cb, (uint8_t[]){0xe8, 0xe9, 0xeb, 0x74, 0x75, 0xe2, 0xe3, 0xc3, 0xc2}
                     [rnd_n(r, 9)]);
        emit_random(cb, r, 1 + rnd_n(r, 2));
        break;
    default: /* ALU with ModRM, stack ops, MOVs */
        emit_prefixes(cb, r);
        emit(cb, (uint8_t[]){0x01, 0x03, 0x09, 0x11, 0x19, 0x21, 0x29, 0x31, 0x39, 0x81, 0x83,
                             0x85, 0x87, 0x89, 0x8b, 0x8d, 0x8f, 0xc1, 0xd1, 0xd3, 0xf7, 0xff,
                             0xc6, 0xc7, 0x50, 0x58, 0x60, 0x61, 0x62, 0x69, 0x6b, 0xc8, 0xc9,
                             0xa0, 0xa3, 0x27, 0x37, 0xd4, 0xd5}[rnd_n(r, 39)]);
        emit_random(cb, r, 1 + rnd_n(r, 6));
        break;
    }
}

static void gen_code(FuzzCase *c, CodeBuf *cb, bool code32)
{
    Rng *r = &c->r;
    int style = (int)rnd_n(r, 4);

    cb->n = 0;
    cb->code32 = code32;
    if (style == 0) {
        emit_random(cb, r, sizeof(cb->b));
    } else {
        while (cb->n < sizeof(cb->b)) {
            gen_insn(cb, r);
        }
    }
}

/* Write new code at a random place of the code segment; returns its offset. */
static uint32_t place_code(X86CPU *cpu, FuzzCase *c, bool code32)
{
    CodeBuf cb;
    uint32_t off = rnd_n(&c->r, 0x10000 - sizeof(cb.b));

    gen_code(c, &cb, code32);
    for (uint32_t k = 0; k < cb.n; k++) {
        w8(CODE_BASE + off + k, cb.b[k]);
    }
    cpu_invalidate_phys(cpu, CODE_BASE + off, cb.n);
    return off;
}

static uint32_t rnd_reg(Rng *r)
{
    switch (rnd_n(r, 4)) {
    case 0:
        return rnd(r);
    case 1:
        return rnd_n(r, 0x10000);
    default:
        return rnd_value(r);
    }
}

/*
 * Put the CPU into the case's mode with new code. CPU state changes that the
 * architecture makes through faulting helpers (LTR, LLDT) run under a sigsetjmp; a
 * fault there is counted and the case continues in whatever state resulted.
 */
static void enter_mode(X86CPU *cpu, FuzzCase *c)
{
    Rng *r = &c->r;
    uint32_t eflags, cr0, cr4 = 0;
    bool pm = c->mode != MODE_REAL;
    bool user = c->cpl == 3;
    uint16_t cs, ss, ds;

    cpu_reset(cpu);
    c->code_off = place_code(cpu, c, c->mode == MODE_PM32);
    for (int i = 0; i < 8; i++) {
        cpu->regs[i] = rnd_reg(r);
    }
    cpu->regs[R_ESP] = chance(r, 8) ? rnd(r) : 0x1000 + rnd_n(r, 0xe000);
    eflags = (rnd(r) & (CC_ALL | EF_IF | EF_IOPL | EF_AC)) | EF_FIXED1;
    if (chance(r, 4)) {
        eflags |= EF_DF;
    }
    if (chance(r, 32)) {
        eflags |= EF_TF;
    }
    if (chance(r, 16)) {
        eflags |= EF_NT;
    }
    if (!pm) {
        cpu_set_eflags(cpu, eflags & ~(EF_NT | EF_IOPL));
        cpu->idt.base = IVT;
        cpu->idt.limit = chance(r, 16) ? (uint16_t)rnd(r) : 0x3ff;
        cpu_load_seg_real(cpu, R_CS, CODE_BASE >> 4);
        cpu_load_seg_real(cpu, R_SS, STACK_SEG >> 4);
        cpu_load_seg_real(cpu, R_DS, chance(r, 2) ? DATA_BASE >> 4 : (uint16_t)rnd(r));
        cpu_load_seg_real(cpu, R_ES, (uint16_t)rnd(r));
        cpu->eip = c->code_off;
        cpu->regs[R_ESP] &= 0xffff;
        cpu_flush_caches(cpu);
        return;
    }
    cpu->gdt.base = GDT;
    cpu->gdt.limit = chance(r, 32) ? (uint16_t)rnd(r) : GDT_LIMIT;
    cpu->idt.base = IDT;
    cpu->idt.limit = chance(r, 32) ? (uint16_t)rnd(r) : 0x7ff;
    cr0 = CR0_PE | CR0_ET | (rnd(r) & (CR0_MP | CR0_EM | CR0_TS | CR0_NE | CR0_WP | CR0_AM));
    if (c->paging != PG_OFF) {
        cr0 |= CR0_PG;
        cr4 |= c->paging == PG_PSE ? CR4_PSE : 0;
        cr4 |= c->paging == PG_PAE ? CR4_PAE : 0;
        cpu->cr[3] = c->paging == PG_PAE ? PDPT : PD_4K;
        if (c->paging == PG_PAE && chance(r, 2)) {
            cpu->efer |= EFER_NXE;
        }
    }
    cr4 |= rnd(r) & (CR4_TSD | CR4_PGE | CR4_PCE | (c->paging == PG_4K ? CR4_PSE : 0));
    cpu->cr[4] = cr4;
    cpu->cr[0] = cr0;
    if (c->paging == PG_PAE && !mmu_load_pdptes(cpu)) {
        n_setup_fault++;
    }
    if (chance(r, 16)) {
        /* Debug registers: breakpoints near the code and the data. */
        for (int i = 0; i < 4; i++) {
            cpu->dr[i] = chance(r, 2) ? CODE_BASE + c->code_off + rnd_n(r, 64) : rnd_value(r);
        }
        cpu->dr[7] = rnd(r) | 0x400;
    }
    cpu_update_hflags(cpu);
    cpu_flush_caches(cpu);
    cpu_set_seg_debug(cpu, R_CS, SEL_CODE0);
    cpu_set_seg_debug(cpu, R_SS, SEL_DATA0);
    /* Available again (a previous round's LTR marked it busy). */
    desc_set(GDT + SEL_TSS_A, TSS_A, TSS_A_LIMIT, 0x0089);
    if (sigsetjmp(cpu->jmp_env, 0) == 0) {
        cpu_ltr(cpu, SEL_TSS_A);
        cpu_lldt(cpu, chance(r, 4) ? 0 : SEL_LDT);
    } else {
        n_setup_fault++;
        if (verbose) {
            printf("  set-up: LTR/LLDT raised vector %d error %x\n", cpu->exc_vector,
                   cpu->exc_error);
        }
    }
    if (c->mode == MODE_V86) {
        cpu_set_eflags(cpu, eflags | EF_VM);
        cpu_load_seg_real(cpu, R_CS, CODE_BASE >> 4);
        cpu_load_seg_real(cpu, R_SS, STACK_SEG >> 4);
        cpu_load_seg_real(cpu, R_DS, chance(r, 2) ? DATA_BASE >> 4 : (uint16_t)rnd(r));
        cpu_load_seg_real(cpu, R_ES, (uint16_t)rnd(r));
        cpu_load_seg_real(cpu, R_FS, (uint16_t)rnd(r));
        cpu_load_seg_real(cpu, R_GS, (uint16_t)rnd(r));
        cpu->eip = c->code_off;
        cpu->regs[R_ESP] &= 0xffff;
        cpu_update_hflags(cpu);
        cpu_flush_caches(cpu);
        return;
    }
    cpu_set_eflags(cpu, eflags);
    if (c->mode == MODE_PM16) {
        cs = user ? SEL_CODE16_3 | 3 : SEL_CODE16;
        ss = user ? SEL_DATA16_3 | 3 : SEL_DATA16;
        ds = chance(r, 2) ? ss : rnd_selector(r);
        cpu->eip = c->code_off;
        cpu->regs[R_ESP] &= 0xffff;
    } else {
        cs = user ? SEL_CODE3 | 3 : SEL_CODE0;
        ss = user ? SEL_DATA3 | 3 : SEL_DATA0;
        ds = chance(r, 2) ? ss : rnd_selector(r);
        cpu->eip = CODE_BASE + c->code_off;
        if (!chance(r, 8)) {
            cpu->regs[R_ESP] = STACK_SEG + 0x1000 + rnd_n(r, 0xe000);
        }
    }
    cpu_set_seg_debug(cpu, R_CS, cs);
    cpu_set_seg_debug(cpu, R_SS, ss);
    cpu_set_seg_debug(cpu, R_DS, ds);
    cpu_set_seg_debug(cpu, R_ES, chance(r, 2) ? ss : rnd_selector(r));
    cpu_set_seg_debug(cpu, R_FS, chance(r, 2) ? ss : rnd_selector(r));
    cpu_set_seg_debug(cpu, R_GS, rnd_selector(r));
    cpu_update_hflags(cpu);
    cpu_flush_caches(cpu);
}

/*
 * After a handler's HLT: keep the whole CPU state (whatever the guest did to CR0, the
 * flags, segments and tables) and continue at new code, in the handler's mode: real
 * mode (IVT handler) or the ring-0 flat code segment of the IDT handlers. Returns false
 * if the state is not one of those (then the caller re-enters the case's mode).
 */
static bool continue_in_handler(X86CPU *cpu, FuzzCase *c)
{
    if (!(cpu->cr[0] & CR0_PE)) {
        c->code_off = place_code(cpu, c, false);
        cpu_load_seg_real(cpu, R_CS, CODE_BASE >> 4);
        cpu->eip = c->code_off;
    } else if (!(cpu->eflags & EF_VM) && cpu->seg[R_CS].base == 0 &&
               cpu->seg[R_CS].limit == 0xffffffffu) {
        c->code_off = place_code(cpu, c, (cpu->hflags & HF_CS32) != 0);
        cpu->eip = CODE_BASE + c->code_off;
    } else {
        return false;
    }
    cpu->halted = false;
    if (chance(&c->r, 2)) {
        cpu_set_eflags(cpu, cpu_get_eflags(cpu) ^ (rnd(&c->r) & (CC_ALL | EF_IF | EF_DF)));
    }
    for (int i = 0; i < 8; i++) {
        if (chance(&c->r, 2)) {
            cpu->regs[i] = rnd_reg(&c->r);
        }
    }
    return true;
}

/* ---- running a case ---- */
static bool check_invariants(X86CPU *cpu, const char **why)
{
    uint32_t ef = cpu_get_eflags(cpu);

    if ((ef & 2) == 0 || (ef & 0xffc08028u) != 0) {
        *why = "EFLAGS reserved bits";
        return false;
    }
    if ((cpu->cr[0] & CR0_PE) && !(ef & EF_VM)) {
        uint32_t cpl = cpu->hflags & HF_CPL_MASK;

        if ((cpu->seg[R_CS].selector & 3) != cpl) {
            *why = "CPL != CS.RPL";
            return false;
        }
        if (((cpu->seg[R_SS].flags >> DESC_DPL_SHIFT) & 3) != cpl) {
            *why = "CPL != SS.DPL";
            return false;
        }
    }
    return true;
}

static bool run_case(X86CPU *cpu, uint64_t seed, long idx)
{
    FuzzCase c;
    int rounds;

    rng_seed(&c.r, seed, (uint64_t)idx);
    rng_seed(&bus_rng, seed ^ 0x5bd1e995u, (uint64_t)idx);
    c.mode = (int)rnd_n(&c.r, MODE_COUNT);
    c.cpl = (c.mode == MODE_PM16 || c.mode == MODE_PM32) && chance(&c.r, 2) ? 3 : 0;
    c.paging = c.mode == MODE_REAL ? PG_OFF : (int)rnd_n(&c.r, PG_COUNT);
    n_mode[c.mode][c.cpl == 3]++;
    n_paging[c.paging]++;
    cur_case = idx;
    restore_ram();
    build_tables(&c);
    enter_mode(cpu, &c);
    if (verbose) {
        printf("case %ld: mode %s cpl %d paging %s code %04x\n", idx, mode_names[c.mode],
               c.cpl, pg_names[c.paging], c.code_off);
    }
    rounds = 1 + (int)rnd_n(&c.r, MAX_ROUNDS);
    for (int round = 0; round < rounds; round++) {
        int64_t budget = 1 + rnd_n(&c.r, MAX_BUDGET);
        uint64_t icount0 = cpu->icount;
        uint32_t lin;
        CPUExitReason why;
        const char *bad = NULL;
        double t0, dt;

        cur_round = round;
        if (chance(&c.r, 12)) {
            cpu_set_irq(cpu, true);
        }
        if (chance(&c.r, 64)) {
            cpu_interrupt(cpu, CPU_INTERRUPT_NMI);
        }
        if (chance(&c.r, 256)) {
            cpu_interrupt(cpu, CPU_INTERRUPT_INIT);
        }
        t0 = now_s();
        if (sigsetjmp(hang_env, 1) != 0) {
            /* A livelock in exception delivery shows as few retired instructions and a
             * last raised vector; a runaway handler as a large icount. */
            fprintf(stderr, "FAIL seed %llu case %ld round %d: hang (cpu_exec(%lld) still "
                    "running after %d s; %llu retired, last exception vector %d)\n",
                    (unsigned long long)seed, idx, round, (long long)budget, HANG_SECONDS,
                    (unsigned long long)(cpu->icount - icount0), cpu->exc_vector);
            cpu_dump_state(cpu, stderr);
            n_hangs++;
            return false;
        }
        alarm(HANG_SECONDS);
        why = cpu_exec(cpu, budget);
        alarm(0);
        dt = now_s() - t0;
        cpu_set_irq(cpu, false);
        n_execs++;
        n_insns += cpu->icount - icount0;
        max_exec_s = MAX(max_exec_s, dt);
        if (dt > HANG_SECONDS) {
            bad = "cpu_exec took too long";
        } else if (cpu->icount - icount0 > (uint64_t)budget) {
            bad = "retired more instructions than the budget";
        } else if (why != CPU_EXIT_BUDGET && why != CPU_EXIT_HALTED &&
                   why != CPU_EXIT_SHUTDOWN) {
            bad = "unexpected exit reason";
        } else if (why != CPU_EXIT_SHUTDOWN) {
            /* After a triple fault the state is architecturally undefined. */
            check_invariants(cpu, &bad);
        }
        if ((unsigned)why < ARRAY_SIZE(n_exit)) {
            n_exit[why]++;
        }
        lin = cpu->seg[R_CS].base + cpu->eip - 1;
        if (verbose) {
            printf("  round %d: budget %lld exit %d retired %llu %.3f ms at %04x:%08x%s\n",
                   round, (long long)budget, (int)why,
                   (unsigned long long)(cpu->icount - icount0), dt * 1e3,
                   cpu->seg[R_CS].selector, cpu->eip, bad ? " BAD" : "");
        }
        if (bad) {
            fprintf(stderr, "FAIL seed %llu case %ld round %d: %s (exit %d, %.3f s)\n",
                    (unsigned long long)seed, idx, round, bad, (int)why, dt);
            cpu_dump_state(cpu, stderr);
            return false;
        }
        if (why == CPU_EXIT_SHUTDOWN) {
            break;
        }
        if (why == CPU_EXIT_HALTED) {
            if (lin >= STUB_BASE && lin < STUB_BASE + 256) {
                n_vector[lin - STUB_BASE]++;
            } else if (lin == STUB_TASK) {
                n_task_hlt++;
            } else {
                n_guest_hlt++;
            }
            if (!chance(&c.r, 2) || !continue_in_handler(cpu, &c)) {
                enter_mode(cpu, &c);
            }
        }
    }
    return true;
}

/*
 * Directed case: a fault whose handler faults again on its first instruction (the #UD
 * handler is a UD2) with the stack in unassigned memory, so the guest livelocks without
 * ever retiring an instruction or running out of stack. That is a legal guest state
 * (hardware loops too), but cpu_exec must still return within its budget so the
 * machine loop keeps serving timers, the monitor and the UI.
 */
static bool run_fault_loop(X86CPU *cpu)
{
    FuzzCase c = {.mode = MODE_PM32, .paging = PG_OFF};
    CPUExitReason why = CPU_EXIT_BUDGET;
    double t0, dt;

    rng_seed(&c.r, 0, 0);
    cur_case = -2;
    restore_ram();
    build_tables(&c);
    enter_mode(cpu, &c);
    gate_set(IDT + EXC_UD * 8, SEL_CODE0, CODE_BASE, 0x8e, 0);
    w8(CODE_BASE, 0x0f);
    w8(CODE_BASE + 1, 0x0b);
    cpu_invalidate_phys(cpu, CODE_BASE, 2);
    cpu_set_seg_debug(cpu, R_CS, SEL_CODE0);
    cpu_set_seg_debug(cpu, R_SS, SEL_DATA0);
    cpu_set_eflags(cpu, EF_FIXED1);
    cpu->cr[0] = CR0_PE | CR0_ET;
    cpu->dr[7] = 0x400;
    cpu_update_hflags(cpu);
    cpu_flush_caches(cpu);
    cpu->eip = CODE_BASE;
    cpu->regs[R_ESP] = 0xf0000000u;
    t0 = now_s();
    if (sigsetjmp(hang_env, 1) != 0) {
        fprintf(stderr, "FAIL fault-loop: cpu_exec(1000) still running after %d s "
                "(UD2 as its own #UD handler)\n", HANG_SECONDS);
        n_hangs++;
        return false;
    }
    alarm(HANG_SECONDS);
    why = cpu_exec(cpu, 1000);
    alarm(0);
    dt = now_s() - t0;
    printf("fault-loop: exit %d after %.3f s, ESP %08x\n", (int)why, dt, cpu->regs[R_ESP]);
    return dt <= HANG_SECONDS;
}

static void usage(void)
{
    fprintf(stderr, "usage: test-cpu-fuzz [-n COUNT] [-s SEED] [-c CASE] [-v]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    static const char *const models[] = {"x86pc", "pentium2", "pentiumpro"};
    static const char *const exit_names[] = {"budget", "halted", "request", "debug",
                                             "shutdown"};
    X86CPU *cpus[ARRAY_SIZE(models)] = {0};
    uint64_t seed = 1;
    long count = DEFAULT_CASES, only = -1;
    double t0;
    int opt;

    while ((opt = getopt(argc, argv, "n:s:c:v")) != -1) {
        switch (opt) {
        case 'n':
            count = strtol(optarg, NULL, 0);
            break;
        case 's':
            seed = strtoull(optarg, NULL, 0);
            break;
        case 'c':
            only = strtol(optarg, NULL, 0);
            break;
        case 'v':
            verbose = true;
            break;
        default:
            usage();
        }
    }
    cur_seed = seed;
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGALRM, on_alarm);
#ifdef __SANITIZE_ADDRESS__
    __sanitizer_set_death_callback(on_sanitizer_death);
#else
    signal(SIGSEGV, on_crash);
    signal(SIGBUS, on_crash);
#endif
    signal(SIGFPE, on_crash);
    signal(SIGILL, on_crash);
    signal(SIGABRT, on_crash);

    ram = malloc(RAM_SIZE);
    pristine = malloc(RAM_SIZE);
    if (!ram || !pristine) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    {
        Rng fill;

        rng_seed(&fill, seed, ~0ull);
        for (uint32_t a = 0; a < RAM_SIZE; a += 4) {
            stl_le_p(pristine + a, rnd(&fill));
        }
        memcpy(ram, pristine, RAM_SIZE);
    }
    printf("test-cpu-fuzz: seed %llu, %ld cases%s\n", (unsigned long long)seed,
           only >= 0 ? 1 : count, only >= 0 ? " (single case)" : "");
    t0 = now_s();
    if (only < 0) {
        X86CPU *cpu = cpu_new(cpu_model_find("x86pc"), 0, &fuzz_bus, NULL);

        if (run_fault_loop(cpu)) {
            passed++;
        } else {
            failed++;
        }
        cpu_free(cpu);
    }
    for (long idx = only >= 0 ? only : 0; idx < (only >= 0 ? only + 1 : count); idx++) {
        size_t m = (size_t)idx % ARRAY_SIZE(models);

        if (idx % CPU_RENEW == 0 || !cpus[m]) {
            for (size_t k = 0; k < ARRAY_SIZE(models); k++) {
                if (cpus[k]) {
                    cpu_free(cpus[k]);
                }
                cpus[k] = cpu_new(cpu_model_find(models[k]), 0, &fuzz_bus, NULL);
            }
        }
        if (run_case(cpus[m], seed, idx)) {
            passed++;
        } else {
            failed++;
            /* Do not reuse a CPU whose cpu_exec was abandoned or misbehaved. */
            cpu_free(cpus[m]);
            cpus[m] = cpu_new(cpu_model_find(models[m]), 0, &fuzz_bus, NULL);
        }
    }
    cur_case = -1;
    for (size_t k = 0; k < ARRAY_SIZE(models); k++) {
        cpu_free(cpus[k]);
    }
    free(ram);
    free(pristine);

    printf("modes:");
    for (int m = 0; m < MODE_COUNT; m++) {
        printf(" %s %llu/%llu", mode_names[m], (unsigned long long)n_mode[m][0],
               (unsigned long long)n_mode[m][1]);
    }
    printf(" (cpl0/cpl3); paging:");
    for (int p = 0; p < PG_COUNT; p++) {
        printf(" %s %llu", pg_names[p], (unsigned long long)n_paging[p]);
    }
    printf("\nexits:");
    for (size_t k = 0; k < ARRAY_SIZE(n_exit); k++) {
        printf(" %s %llu", exit_names[k], (unsigned long long)n_exit[k]);
    }
    printf("; halts: guest HLT %llu, task %llu; set-up faults %llu; hangs %llu\n",
           (unsigned long long)n_guest_hlt, (unsigned long long)n_task_hlt,
           (unsigned long long)n_setup_fault, (unsigned long long)n_hangs);
    printf("vectors:");
    for (int v = 0; v < 256; v++) {
        if (n_vector[v]) {
            printf(" %02x:%llu", v, (unsigned long long)n_vector[v]);
        }
    }
    printf("\nbus: mmio reads %llu writes %llu (last %08llx=%llx), io reads %llu writes %llu, "
           "INTA %llu\n",
           (unsigned long long)mmio_reads, (unsigned long long)mmio_writes,
           (unsigned long long)mmio_last_addr, (unsigned long long)mmio_last_val,
           (unsigned long long)io_reads, (unsigned long long)io_writes,
           (unsigned long long)intr_acks);
    printf("%llu cpu_exec calls (longest %.1f ms), %llu instructions retired, %.2f s\n",
           (unsigned long long)n_execs, max_exec_s * 1e3, (unsigned long long)n_insns,
           now_s() - t0);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
