/*
 * CPUID coherence: for every CPU model, each feature CPUID reports must work and each one
 * it does not report must be refused the way the SDM says (CR4 bits #GP, MSRs #GP,
 * instructions #UD). Run against a fake bus (RAM only, no local APIC); instructions run
 * in real mode from 0100:0000 with every vector pointing at a HLT at 0200:0000.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cpu/helper.h"
#include "tests/unit/cpu-test.h"

#define RAM_SIZE (1u << 20)
#define CODE 0x1000u
#define HANDLER 0x2000u

static uint8_t *fb_map_page(void *opaque, uint64_t paddr, bool write)
{
    return paddr < RAM_SIZE ? ram + (paddr & ~0xfffull) : NULL;
}

static uint64_t fb_mem_read(void *opaque, uint64_t paddr, unsigned size)
{
    return fb_ones(size);
}

static void fb_mem_write(void *opaque, uint64_t paddr, uint64_t val, unsigned size)
{
}

static int64_t fb_clock_ns(void *opaque)
{
    return 12345;
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

/*
 * Run one instruction (bytes, real mode, CR4 as given) and return the exception vector
 * it raised, or -1.
 */
static int run1(X86CPU *cpu, const char *bytes, size_t n, uint32_t cr4)
{
    memset(ram, 0, RAM_SIZE);
    memcpy(ram + CODE, bytes, n);
    for (int v = 0; v < 256; v++) {
        set16(v * 4, 0);
        set16(v * 4 + 2, HANDLER >> 4);
    }
    ram[HANDLER] = 0xf4;
    cpu_reset(cpu);
    cpu_flush_caches(cpu);
    cpu->cr[4] = cr4;
    cpu_load_seg_real(cpu, R_CS, CODE >> 4);
    cpu_load_seg_real(cpu, R_SS, 0);
    cpu->regs[R_ESP] = 0x8000;
    cpu->eip = 0;
    cpu->exc_vector = -1;
    cpu_exec(cpu, 1);
    return cpu->exc_vector;
}

/* Whether writing CR4 with bit set (from 0, in real mode) is accepted. */
static bool cr4_accepts(X86CPU *cpu, uint32_t bit)
{
    volatile int v;

    cpu_reset(cpu);
    v = TRY(cpu, cpu_write_cr(cpu, 4, bit));
    return v == -1;
}

static void check_model(const char *name)
{
    X86CPU *cpu = cpu_new(cpu_model_find(name), 0, &fake_bus, NULL);
    uint32_t r[4], edx, ext_edx, max_ext;
    uint64_t v;
    bool has;

    fprintf(stderr, "model %s\n", name);
    cpu_cpuid(cpu, 0, 0, r);
    CHECK(r[0] >= 1);
    cpu_cpuid(cpu, 1, 0, r);
    edx = r[3];
    CHECK_EQ(r[2], 0); /* no CPUID.1:ECX features on a P6 */
    cpu_cpuid(cpu, 0x80000000u, 0, r);
    max_ext = r[0];
    cpu_cpuid(cpu, 0x80000001u, 0, r);
    ext_edx = r[3];
    CHECK(max_ext >= 0x80000004u); /* brand string leaves */

    /* Not implemented: never advertised, and CR4 refuses them. */
    CHECK(!(edx & (CPUID_VME | CPUID_DE | CPUID_MCE | CPUID_MCA | CPUID_PSE36)));
    CHECK(!cr4_accepts(cpu, CR4_VME));
    CHECK(!cr4_accepts(cpu, CR4_PVI));
    CHECK(!cr4_accepts(cpu, CR4_DE));
    CHECK(!cr4_accepts(cpu, CR4_MCE));
    /* No APIC on this bus: not reported, APIC_BASE refused. */
    CHECK(!(edx & CPUID_APIC));
    CHECK(!cpu_rdmsr(cpu, 0x1b, &v));

    /* Paging extensions <-> CR4 bits. */
    CHECK_EQ(cr4_accepts(cpu, CR4_PSE), (edx & CPUID_PSE) != 0);
    CHECK_EQ(cr4_accepts(cpu, CR4_PAE), (edx & CPUID_PAE) != 0);
    CHECK_EQ(cr4_accepts(cpu, CR4_PGE), (edx & CPUID_PGE) != 0);
    CHECK_EQ(cr4_accepts(cpu, CR4_OSFXSR), (edx & CPUID_FXSR) != 0);
    CHECK_EQ(cr4_accepts(cpu, CR4_OSXMMEXCPT), (edx & CPUID_SSE) != 0);
    CHECK(cr4_accepts(cpu, CR4_TSD));
    CHECK(cr4_accepts(cpu, CR4_PCE));

    /* MSRs <-> features. */
    cpu_reset(cpu);
    CHECK(edx & CPUID_TSC);
    CHECK(edx & CPUID_MSR);
    CHECK(cpu_rdmsr(cpu, 0x10, &v)); /* TSC */
    CHECK_EQ(cpu_rdmsr(cpu, 0xfe, &v), (edx & CPUID_MTRR) != 0);
    CHECK_EQ(cpu_rdmsr(cpu, 0x2ff, &v), (edx & CPUID_MTRR) != 0);
    CHECK_EQ(cpu_rdmsr(cpu, 0x200, &v), (edx & CPUID_MTRR) != 0);
    CHECK_EQ(cpu_rdmsr(cpu, 0x250, &v), (edx & CPUID_MTRR) != 0);
    has = (edx & CPUID_SEP) != 0;
    CHECK_EQ(cpu_rdmsr(cpu, 0x174, &v), has);
    CHECK_EQ(cpu_wrmsr(cpu, 0x176, 0x1234), has);
    has = (edx & CPUID_PAT) != 0;
    CHECK_EQ(cpu_rdmsr(cpu, 0x277, &v), has);
    if (has) {
        CHECK_EQ(v, 0x0007040600070406ull); /* power-up value */
        CHECK(cpu_wrmsr(cpu, 0x277, 0x0007010600070406ull));
        CHECK(!cpu_wrmsr(cpu, 0x277, 0x0007020600070406ull)); /* type 2 is reserved */
    }
    has = (ext_edx & CPUID_EXT_NX) != 0;
    CHECK_EQ(cpu_rdmsr(cpu, 0xc0000080u, &v), has);
    CHECK_EQ(cpu_wrmsr(cpu, 0xc0000080u, EFER_NXE), has);
    CHECK(!cpu_wrmsr(cpu, 0xc0000080u, 1)); /* SCE: no SYSCALL on this CPU */
    CHECK(!cpu_rdmsr(cpu, 0xc0000081u, &v)); /* STAR */
    CHECK(!cpu_rdmsr(cpu, 0x12345678u, &v));

    /* Instructions <-> features (real mode, CR0.EM = 0, CR0.TS = 0). */
    CHECK(edx & CPUID_FPU);
    CHECK_EQ(run1(cpu, "\xdb\xe3", 2, 0), -1);              /* fninit */
    CHECK(edx & CPUID_CX8);
    CHECK_EQ(run1(cpu, "\x0f\xc7\x0e\x00\x30", 5, 0), -1);  /* cmpxchg8b [0x3000] */
    CHECK(edx & CPUID_CMOV);
    CHECK_EQ(run1(cpu, "\x0f\x44\xc1", 3, 0), -1);          /* cmove ax, cx */
    CHECK_EQ(run1(cpu, "\x0f\x31", 2, 0), -1);              /* rdtsc */
    CHECK_EQ(cpu->regs[R_EAX], (uint32_t)(12345 + cpu->tsc_offset));
    CHECK_EQ(run1(cpu, "\x0f\xa2", 2, 0), -1);              /* cpuid */
    has = (edx & CPUID_SEP) != 0;
    /* SYSENTER in real mode: #GP(0) where it exists, #UD where it does not. */
    CHECK_EQ(run1(cpu, "\x0f\x34", 2, 0), has ? EXC_GP : EXC_UD);
    has = (edx & CPUID_MMX) != 0;
    CHECK_EQ(run1(cpu, "\x0f\xef\xc0", 3, 0), has ? -1 : EXC_UD);   /* pxor mm0, mm0 */
    has = (edx & CPUID_SSE) != 0;
    CHECK_EQ(run1(cpu, "\x0f\x57\xc0", 3, CR4_OSFXSR * has), has ? -1 : EXC_UD); /* xorps */
    if (has) {
        CHECK_EQ(run1(cpu, "\x0f\x57\xc0", 3, 0), EXC_UD);  /* needs CR4.OSFXSR */
    }
    has = (edx & CPUID_SSE2) != 0;
    CHECK_EQ(run1(cpu, "\x66\x0f\xef\xc0", 4, CR4_OSFXSR * has), has ? -1 : EXC_UD); /* pxor */
    has = (edx & CPUID_FXSR) != 0;
    CHECK_EQ(run1(cpu, "\x0f\xae\x06\x00\x30", 5, 0), has ? -1 : EXC_UD); /* fxsave [0x3000] */
    /* Never on this CPU level: SYSCALL, RDTSCP, CMPXCHG16B-style and 3DNow! encodings. */
    CHECK_EQ(run1(cpu, "\x0f\x05", 2, 0), EXC_UD);
    CHECK_EQ(run1(cpu, "\x0f\x01\xf9", 3, 0), EXC_UD);
    CHECK_EQ(run1(cpu, "\x0f\x0f\xc0\x9e", 4, 0), EXC_UD);
    /* RSM outside SMM (there is no SMM). */
    CHECK_EQ(run1(cpu, "\x0f\xaa", 2, 0), EXC_UD);
    /* Protected-mode-only instructions in real mode: ARPL, SLDT, LAR, VERR. */
    CHECK_EQ(run1(cpu, "\x63\xc8", 2, 0), EXC_UD);
    CHECK_EQ(run1(cpu, "\x0f\x00\xc0", 3, 0), EXC_UD);
    CHECK_EQ(run1(cpu, "\x0f\x02\xc0", 3, 0), EXC_UD);
    CHECK_EQ(run1(cpu, "\x0f\x00\xe0", 3, 0), EXC_UD);
    /* ...while SMSW, SGDT and the privileged CLTS work there (CPL 0). */
    CHECK_EQ(run1(cpu, "\x0f\x01\xe0", 3, 0), -1);
    CHECK_EQ(run1(cpu, "\x0f\x01\x06\x00\x30", 5, 0), -1);
    CHECK_EQ(run1(cpu, "\x0f\x06", 2, 0), -1);
    cpu_free(cpu);
}

int main(void)
{
    ram = xalloc_pages(RAM_SIZE);
    check_model("pentium2");
    check_model("pentiumpro");
    check_model("x86pc");
    xfree_pages(ram, RAM_SIZE);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
