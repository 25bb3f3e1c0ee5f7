/*
 * System registers and identification: MOV to/from CR0-CR4 and DR0-DR7, RDMSR/WRMSR,
 * CPUID, RDTSC, SYSENTER/SYSEXIT.
 *
 * TSC: counts at a fixed 1 GHz of the virtual clock (one tick per virtual nanosecond),
 * whatever the model, so it is exact, monotonic and deterministic under -icount. Guests
 * calibrate it against the PIT as on hardware.
 *
 * MSRs not listed in cpu_rdmsr() are offered to the machine (bus->msr_read/msr_write,
 * e.g. the local APIC) and otherwise refused (#GP), logged with -d unimp. APIC_BASE
 * (0x1b) is always the machine's; CPUID reports an APIC only if the machine answered it
 * at reset.
 */
#include "cpu/seg.h"

#define CR0_VALID (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | \
                   CR0_NW | CR0_CD | CR0_PG)

/* MSR numbers */
#define MSR_TSC 0x10
#define MSR_PLATFORM_ID 0x17
#define MSR_APIC_BASE 0x1b
#define MSR_BIOS_SIGN_ID 0x8b
#define MSR_MTRRCAP 0xfe
#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_MISC_ENABLE 0x1a0
#define MSR_MTRR_PHYS_BASE0 0x200
#define MSR_MTRR_FIX64K_00000 0x250
#define MSR_MTRR_FIX16K_80000 0x258
#define MSR_MTRR_FIX16K_A0000 0x259
#define MSR_MTRR_FIX4K_C0000 0x268
#define MSR_PAT 0x277
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MSR_EFER 0xc0000080u

/* MTRRcap: 8 variable ranges, fixed ranges, write-combining. */
#define MTRRCAP_VALUE 0x508u

static uint32_t features_edx(X86CPU *cpu)
{
    uint32_t f = cpu->model->features_edx & ~CPUID_APIC;

    /*
     * The local APIC belongs to the machine: present iff the machine answered the
     * APIC_BASE MSR when the CPU was reset (cpu_reset() keeps the answer in apic_base).
     */
    if ((cpu->model->features_edx & CPUID_APIC) && cpu->apic_base != 0) {
        f |= CPUID_APIC;
    }
    return f;
}

static bool has_feature(X86CPU *cpu, uint32_t bit)
{
    return (cpu->model->features_edx & bit) != 0;
}

static bool has_nx(X86CPU *cpu)
{
    return (cpu->model->ext_features_edx & CPUID_EXT_NX) && has_feature(cpu, CPUID_PAE);
}

static void require_cpl0(X86CPU *cpu)
{
    if ((cpu->cr[0] & CR0_PE) && cpu_cpl(cpu) != 0) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
}

/* ---- control registers ---- */

static uint32_t cr4_valid(X86CPU *cpu)
{
    uint32_t v = CR4_TSD | CR4_PCE;

    if (has_feature(cpu, CPUID_VME)) {
        v |= CR4_VME | CR4_PVI;
    }
    if (has_feature(cpu, CPUID_DE)) {
        v |= CR4_DE;
    }
    if (has_feature(cpu, CPUID_PSE)) {
        v |= CR4_PSE;
    }
    if (has_feature(cpu, CPUID_PAE)) {
        v |= CR4_PAE;
    }
    if (has_feature(cpu, CPUID_MCE)) {
        v |= CR4_MCE;
    }
    if (has_feature(cpu, CPUID_PGE)) {
        v |= CR4_PGE;
    }
    if (has_feature(cpu, CPUID_FXSR)) {
        v |= CR4_OSFXSR;
    }
    if (has_feature(cpu, CPUID_SSE)) {
        v |= CR4_OSXMMEXCPT;
    }
    return v;
}

void cpu_write_cr(X86CPU *cpu, int n, uint32_t val)
{
    uint32_t old;

    require_cpl0(cpu);
    switch (n) {
    case 0:
        old = cpu->cr[0];
        /* Reserved bits are ignored on write; ET is hardwired to 1 on P6. */
        val = (val & CR0_VALID) | CR0_ET;
        if ((val & CR0_PG) && !(val & CR0_PE)) {
            cpu_raise_exception(cpu, EXC_GP, 0);
        }
        if ((val & CR0_NW) && !(val & CR0_CD)) {
            cpu_raise_exception(cpu, EXC_GP, 0);
        }
        if ((val & CR0_PG) && !(old & CR0_PG) && (cpu->cr[4] & CR4_PAE) &&
            !mmu_load_pdptes(cpu)) {
            cpu_raise_exception(cpu, EXC_GP, 0);
        }
        cpu->cr[0] = val;
        if ((old ^ val) & (CR0_PG | CR0_WP | CR0_PE)) {
            tlb_flush_all(cpu, true);
        }
        cpu_update_hflags(cpu);
        if (old != val) {
            cpu_end_block(cpu);
        }
        break;
    case 2:
        cpu->cr[2] = val;
        break;
    case 3:
        old = cpu->cr[3];
        cpu->cr[3] = val;
        if ((cpu->cr[0] & CR0_PG) && (cpu->cr[4] & CR4_PAE) && !mmu_load_pdptes(cpu)) {
            cpu->cr[3] = old;
            cpu_raise_exception(cpu, EXC_GP, 0);
        }
        tlb_flush_all(cpu, false);
        cpu_end_block(cpu);
        break;
    case 4:
        old = cpu->cr[4];
        if (val & ~cr4_valid(cpu)) {
            cpu_raise_exception(cpu, EXC_GP, 0);
        }
        if ((val & CR4_PAE) && !(old & CR4_PAE) && (cpu->cr[0] & CR0_PG)) {
            cpu->cr[4] = val;
            if (!mmu_load_pdptes(cpu)) {
                cpu->cr[4] = old;
                cpu_raise_exception(cpu, EXC_GP, 0);
            }
        }
        cpu->cr[4] = val;
        if ((old ^ val) & (CR4_PSE | CR4_PAE | CR4_PGE)) {
            tlb_flush_all(cpu, true);
        }
        if (old != val) {
            cpu_end_block(cpu);
        }
        break;
    default:
        cpu_raise_exception(cpu, EXC_UD, 0);
    }
}

uint32_t cpu_read_cr(X86CPU *cpu, int n)
{
    require_cpl0(cpu);
    switch (n) {
    case 0:
    case 2:
    case 3:
    case 4:
        return cpu->cr[n];
    default:
        cpu_raise_exception(cpu, EXC_UD, 0);
    }
}

/* ---- debug registers ---- */

static int dr_index(X86CPU *cpu, int n)
{
    if (n < 0 || n > 7) {
        cpu_raise_exception(cpu, EXC_UD, 0);
    }
    require_cpl0(cpu);
    if (n == 4 || n == 5) {
        if (cpu->cr[4] & CR4_DE) {
            cpu_raise_exception(cpu, EXC_UD, 0);
        }
        n += 2;
    }
    if (cpu->dr[7] & (1u << 13)) {
        /* General detect: the MOV DR faults with DR6.BD; delivery clears GD. */
        cpu_raise_debug(cpu, DR6_BD, false, 0);
    }
    return n;
}

void cpu_write_dr(X86CPU *cpu, int n, uint32_t val)
{
    n = dr_index(cpu, n);
    switch (n) {
    case 6:
        cpu->dr[6] = (val & 0x0000e00fu) | 0xffff0ff0u;
        break;
    case 7:
        cpu->dr[7] = (val & 0xffff23ffu) | 0x400u;
        for (int i = 0; i < 4; i++) {
            if (((val >> (16 + 4 * i)) & 3) == 2) {
                log_mask_printf(LOG_UNIMP, "dr7: I/O breakpoint %d not supported\n", i);
            }
        }
        tlb_flush_all(cpu, true);
        break;
    default:
        cpu->dr[n] = val;
        tlb_flush_all(cpu, true);
        break;
    }
}

uint32_t cpu_read_dr(X86CPU *cpu, int n)
{
    return cpu->dr[dr_index(cpu, n)];
}

/* ---- TSC ---- */

static uint64_t tsc_now(X86CPU *cpu)
{
    return (uint64_t)cpu->bus->clock_ns(cpu->bus_opaque) + cpu->tsc_offset;
}

uint64_t cpu_rdtsc(X86CPU *cpu)
{
    if ((cpu->cr[4] & CR4_TSD) && (cpu->cr[0] & CR0_PE) && cpu_cpl(cpu) != 0) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
    return tsc_now(cpu);
}

/* ---- MSRs ---- */

static bool mem_type_ok(uint64_t t)
{
    return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

static bool pat_type_ok(uint64_t t)
{
    return t == 0 || t == 1 || t == 4 || t == 5 || t == 6 || t == 7;
}

/* Index in mtrr_fixed[] of a fixed-range MTRR MSR, or -1. */
static int mtrr_fixed_index(uint32_t msr)
{
    if (msr == MSR_MTRR_FIX64K_00000) {
        return 0;
    }
    if (msr == MSR_MTRR_FIX16K_80000) {
        return 1;
    }
    if (msr == MSR_MTRR_FIX16K_A0000) {
        return 2;
    }
    if (msr >= MSR_MTRR_FIX4K_C0000 && msr <= MSR_MTRR_FIX4K_C0000 + 7) {
        return 3 + (int)(msr - MSR_MTRR_FIX4K_C0000);
    }
    return -1;
}

bool cpu_rdmsr(X86CPU *cpu, uint32_t msr, uint64_t *val)
{
    bool mtrr = has_feature(cpu, CPUID_MTRR);
    int fi = mtrr_fixed_index(msr);

    if (mtrr && fi >= 0) {
        *val = cpu->mtrr_fixed[fi];
        return true;
    }
    if (mtrr && msr >= MSR_MTRR_PHYS_BASE0 && msr < MSR_MTRR_PHYS_BASE0 + 16) {
        *val = cpu->mtrr_var[msr - MSR_MTRR_PHYS_BASE0];
        return true;
    }
    switch (msr) {
    case MSR_TSC:
        *val = tsc_now(cpu);
        return true;
    case MSR_PLATFORM_ID:
        *val = 0;
        return true;
    case MSR_APIC_BASE:
        if (cpu->apic_base && cpu->bus->msr_read &&
            cpu->bus->msr_read(cpu->bus_opaque, cpu->cpu_index, msr, val)) {
            return true;
        }
        break;
    case MSR_BIOS_SIGN_ID:
        *val = 0; /* microcode revision 0 */
        return true;
    case MSR_MISC_ENABLE:
        *val = cpu->misc_enable;
        return true;
    case MSR_MTRRCAP:
        if (!mtrr) {
            break;
        }
        *val = MTRRCAP_VALUE;
        return true;
    case MSR_MTRR_DEF_TYPE:
        if (!mtrr) {
            break;
        }
        *val = cpu->mtrr_deftype;
        return true;
    case MSR_SYSENTER_CS:
    case MSR_SYSENTER_ESP:
    case MSR_SYSENTER_EIP:
        if (!has_feature(cpu, CPUID_SEP)) {
            break;
        }
        *val = msr == MSR_SYSENTER_CS ? cpu->sysenter_cs
             : msr == MSR_SYSENTER_ESP ? cpu->sysenter_esp : cpu->sysenter_eip;
        return true;
    case MSR_PAT:
        if (!has_feature(cpu, CPUID_PAT)) {
            break;
        }
        *val = cpu->pat;
        return true;
    case MSR_EFER:
        if (!has_nx(cpu)) {
            break;
        }
        *val = cpu->efer;
        return true;
    case MSR_PERFCTR0:
    case MSR_PERFCTR1:
    case MSR_PERFEVTSEL0:
    case MSR_PERFEVTSEL1:
        return pmc_rdmsr(cpu, msr, val);
    default:
        if (cpu->bus->msr_read && cpu->bus->msr_read(cpu->bus_opaque, cpu->cpu_index, msr, val)) {
            return true;
        }
        break;
    }
    log_mask_printf(LOG_UNIMP, "rdmsr: unknown MSR %08x\n", msr);
    return false;
}

bool cpu_wrmsr(X86CPU *cpu, uint32_t msr, uint64_t val)
{
    bool mtrr = has_feature(cpu, CPUID_MTRR);
    int fi = mtrr_fixed_index(msr);

    if (mtrr && fi >= 0) {
        for (int i = 0; i < 8; i++) {
            if (!mem_type_ok((val >> (8 * i)) & 0xff)) {
                return false;
            }
        }
        cpu->mtrr_fixed[fi] = val;
        return true;
    }
    if (mtrr && msr >= MSR_MTRR_PHYS_BASE0 && msr < MSR_MTRR_PHYS_BASE0 + 16) {
        unsigned i = msr - MSR_MTRR_PHYS_BASE0;

        if (i & 1) {
            /* PhysMask: V (11) and mask 35:12. */
            if (val & ~0x0000000ffffff800ull) {
                return false;
            }
        } else if ((val & ~0x0000000ffffff0ffull) || !mem_type_ok(val & 0xff)) {
            return false;
        }
        cpu->mtrr_var[i] = val;
        return true;
    }
    switch (msr) {
    case MSR_TSC:
        /* the cycle counter counts cycles, not TSC values: it carries on across the write */
        pmc_sync(cpu);
        cpu->tsc_offset = val - (uint64_t)cpu->bus->clock_ns(cpu->bus_opaque);
        cpu->pmc.base_tsc = val;
        return true;
    case MSR_APIC_BASE:
        if (cpu->apic_base && cpu->bus->msr_write &&
            cpu->bus->msr_write(cpu->bus_opaque, cpu->cpu_index, msr, val)) {
            cpu->apic_base = val | 1; /* stays non-zero: the APIC exists */
            return true;
        }
        break;
    case MSR_BIOS_SIGN_ID:
        return true; /* writes ignored (the microcode revision read-back stays 0) */
    case MSR_MISC_ENABLE:
        cpu->misc_enable = val;
        return true;
    case MSR_MTRR_DEF_TYPE:
        if (!mtrr) {
            break;
        }
        if ((val & ~0xcffull) || !mem_type_ok(val & 0xff)) {
            return false;
        }
        cpu->mtrr_deftype = val;
        return true;
    case MSR_SYSENTER_CS:
    case MSR_SYSENTER_ESP:
    case MSR_SYSENTER_EIP:
        if (!has_feature(cpu, CPUID_SEP)) {
            break;
        }
        if (msr == MSR_SYSENTER_CS) {
            cpu->sysenter_cs = (uint32_t)val & 0xffff;
        } else if (msr == MSR_SYSENTER_ESP) {
            cpu->sysenter_esp = (uint32_t)val;
        } else {
            cpu->sysenter_eip = (uint32_t)val;
        }
        return true;
    case MSR_PAT:
        if (!has_feature(cpu, CPUID_PAT)) {
            break;
        }
        for (int i = 0; i < 8; i++) {
            if (!pat_type_ok((val >> (8 * i)) & 0xff)) {
                return false;
            }
        }
        cpu->pat = val;
        return true;
    case MSR_EFER:
        if (!has_nx(cpu)) {
            break;
        }
        if (val & ~(uint64_t)EFER_NXE) {
            return false;
        }
        if ((cpu->efer ^ val) & EFER_NXE) {
            tlb_flush_all(cpu, true);
        }
        cpu->efer = val;
        return true;
    case MSR_PERFCTR0:
    case MSR_PERFCTR1:
    case MSR_PERFEVTSEL0:
    case MSR_PERFEVTSEL1:
        if (pmc_wrmsr(cpu, msr, val)) {
            return true;
        }
        log_mask_printf(LOG_GUEST_ERRORS, "wrmsr %08x <- %llx: reserved bits (#GP)\n", msr,
                        (unsigned long long)val);
        return false;
    default:
        if (cpu->bus->msr_write &&
            cpu->bus->msr_write(cpu->bus_opaque, cpu->cpu_index, msr, val)) {
            return true;
        }
        break;
    }
    log_mask_printf(LOG_UNIMP, "wrmsr: unknown MSR %08x value %016llx\n", msr,
                    (unsigned long long)val);
    return false;
}

/* ---- CPUID ---- */

#define CPUID_MAX_BASIC 2u
#define CPUID_MAX_EXT 0x80000004u

static uint32_t str4(const char *s, size_t len, size_t off)
{
    uint32_t v = 0;

    for (size_t i = 0; i < 4; i++) {
        uint8_t c = off + i < len ? (uint8_t)s[off + i] : 0;
        v |= (uint32_t)c << (8 * i);
    }
    return v;
}

void cpu_cpuid(X86CPU *cpu, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    const CPUModel *m = cpu->model;
    const char *vendor = m->vendor ? m->vendor : "GenuineIntel";
    const char *brand = m->brand ? m->brand : "";

    (void)subleaf;
    /* Intel: a leaf above the maximum returns the highest basic leaf. */
    if (leaf >= 0x80000000u ? leaf > CPUID_MAX_EXT : leaf > CPUID_MAX_BASIC) {
        leaf = CPUID_MAX_BASIC;
    }
    out[0] = out[1] = out[2] = out[3] = 0;
    switch (leaf) {
    case 0:
        out[0] = CPUID_MAX_BASIC;
        out[1] = str4(vendor, strlen(vendor), 0);
        out[3] = str4(vendor, strlen(vendor), 4);
        out[2] = str4(vendor, strlen(vendor), 8);
        break;
    case 1:
        out[0] = (m->family << 8) | (m->model << 4) | m->stepping;
        /* EBX[31:24]: initial APIC ID, which the machine assigns as the CPU index. */
        out[1] = cpu->apic_base ? (uint32_t)cpu->cpu_index << 24 : 0;
        if (features_edx(cpu) & CPUID_CLFSH) {
            out[1] |= (64 / 8) << 8; /* CLFLUSH line size: 64 bytes */
        }
        out[2] = m->features_ecx;
        out[3] = features_edx(cpu);
        break;
    case 2:
        /* Cache and TLB descriptors, one iteration (AL = 1). */
        out[0] = 0x03020101u; /* ITLB 4K/32, ITLB 4M/2, DTLB 4K/64 */
        if (m->model == 1) {
            out[3] = 0x06040a42u; /* L1I 8K, DTLB 4M/8, L1D 8K, L2 256K */
        } else {
            out[3] = 0x0c040843u; /* L1I 16K, DTLB 4M/8, L1D 16K, L2 512K */
        }
        break;
    case 0x80000000u:
        out[0] = CPUID_MAX_EXT;
        break;
    case 0x80000001u:
        out[3] = has_nx(cpu) ? CPUID_EXT_NX : 0;
        break;
    case 0x80000002u:
    case 0x80000003u:
    case 0x80000004u: {
        size_t base = (leaf - 0x80000002u) * 16, len = strlen(brand);

        for (int i = 0; i < 4; i++) {
            out[i] = str4(brand, len, base + 4 * i);
        }
        break;
    }
    default:
        break;
    }
}

/* ---- SYSENTER / SYSEXIT ---- */

void cpu_sysenter(X86CPU *cpu)
{
    uint16_t cs = (uint16_t)cpu->sysenter_cs;

    if (!(cpu->cr[0] & CR0_PE) || (cs & 0xfffc) == 0) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
    cpu_set_eflags(cpu, cpu_get_eflags(cpu) & ~(uint32_t)(EF_VM | EF_IF | EF_RF));
    seg_set_flat(&cpu->seg[R_CS], cs & 0xfffc, true, 0);
    seg_set_flat(&cpu->seg[R_SS], (uint16_t)((cs & 0xfffc) + 8), false, 0);
    cpu->regs[R_ESP] = cpu->sysenter_esp;
    cpu->eip = cpu->sysenter_eip;
    cpu_update_hflags(cpu);
}

void cpu_sysexit(X86CPU *cpu)
{
    uint16_t cs = (uint16_t)cpu->sysenter_cs;

    if (!cpu_pm(cpu) || cpu_cpl(cpu) != 0 || (cs & 0xfffc) == 0) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
    seg_set_flat(&cpu->seg[R_CS], (uint16_t)(((cs & 0xfffc) + 16) | 3), true, 3);
    seg_set_flat(&cpu->seg[R_SS], (uint16_t)(((cs & 0xfffc) + 24) | 3), false, 3);
    cpu->regs[R_ESP] = cpu->regs[R_ECX];
    cpu->eip = cpu->regs[R_EDX];
    cpu_update_hflags(cpu);
}
