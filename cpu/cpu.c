/*
 * CPU models (-cpu), creation, RESET/INIT state and the register dump.
 *
 * CPUID advertises only what x86pc implements. Notes on the feature sets below:
 * - FPU, MMX, FXSR (cpu/interp-fpu.c, cpu/interp-sse.c): the Pentium II has MMX and FXSR
 *   (Deschutes); the x86pc model adds SSE and SSE2 (cpu/interp-sse.c).
 * - VME, DE, MCE, MCA and PSE-36 are not advertised (not implemented).
 * - APIC is reported only when the machine answers the APIC_BASE MSR (see cpu/sys.c).
 * - The Pentium Pro's SEP bit is not set: on that chip SYSENTER did not exist although
 *   early parts reported it (the SDM tells software to ignore SEP on family 6 model < 3).
 */
#include "cpu/seg.h"

#include <stdlib.h>

#define P6_BASE (CPUID_FPU | CPUID_PSE | CPUID_TSC | CPUID_MSR | CPUID_PAE | CPUID_CX8 | \
                 CPUID_APIC | CPUID_MTRR | CPUID_PGE | CPUID_CMOV)

static const CPUModel cpu_models[] = {
    {
        .name = "pentium2",
        .desc = "Intel Pentium II (Deschutes), P6 with SYSENTER (default)",
        .family = 6, .model = 5, .stepping = 2,
        .features_edx = P6_BASE | CPUID_SEP | CPUID_MMX | CPUID_FXSR,
        .vendor = "GenuineIntel",
        .brand = "Intel(R) Pentium(R) II processor",
    },
    {
        .name = "pentiumpro",
        .desc = "Intel Pentium Pro: P6 without SYSENTER",
        .family = 6, .model = 1, .stepping = 9,
        .features_edx = P6_BASE,
        .vendor = "GenuineIntel",
        .brand = "Intel(R) Pentium(R) Pro processor",
    },
    {
        .name = "x86pc",
        .desc = "x86pc virtual CPU: P6 with SYSENTER, PAT and NX (PAE)",
        .family = 6, .model = 6, .stepping = 3,
        .features_edx = P6_BASE | CPUID_SEP | CPUID_PAT | CPUID_CLFSH | CPUID_MMX | CPUID_FXSR |
                        CPUID_SSE | CPUID_SSE2,
        .ext_features_edx = CPUID_EXT_NX,
        .vendor = "GenuineIntel",
        .brand = "x86pc virtual CPU",
    },
};

const CPUModel *cpu_model_find(const char *name)
{
    if (!name || !*name) {
        return &cpu_models[0];
    }
    for (size_t i = 0; i < ARRAY_SIZE(cpu_models); i++) {
        if (strcmp(cpu_models[i].name, name) == 0) {
            return &cpu_models[i];
        }
    }
    return NULL;
}

void cpu_model_list(FILE *out)
{
    fprintf(out, "Available CPU models:\n");
    for (size_t i = 0; i < ARRAY_SIZE(cpu_models); i++) {
        fprintf(out, "  %-12s %s\n", cpu_models[i].name, cpu_models[i].desc);
    }
}

X86CPU *cpu_new(const CPUModel *model, int cpu_index, const CPUBusOps *bus, void *bus_opaque)
{
    X86CPU *cpu = xzalloc(sizeof(*cpu));

    cpu->model = model ? model : &cpu_models[0];
    cpu->cpu_index = cpu_index;
    cpu->bus = bus;
    cpu->bus_opaque = bus_opaque;
    cpu->a20_mask = 0xffffffffu;
    mmu_init(cpu);
    cpu_reset(cpu);
    return cpu;
}

void cpu_free(X86CPU *cpu)
{
    if (!cpu) {
        return;
    }
    block_cache_free(cpu);
    mmu_free(cpu);
    free(cpu);
}

static void seg_reset(SegmentCache *s, uint16_t sel, uint32_t base, uint32_t type)
{
    s->selector = sel;
    s->base = base;
    s->limit = 0xffff;
    s->flags = DESC_P_MASK | DESC_S_MASK | (type << DESC_TYPE_SHIFT);
}

/* State common to RESET and INIT (SDM vol. 3 table 9-1). */
static void cpu_reset_common(X86CPU *cpu)
{
    const CPUModel *m = cpu->model;

    memset(cpu->regs, 0, sizeof(cpu->regs));
    cpu->regs[R_EDX] = (m->family << 8) | (m->model << 4) | m->stepping;
    cpu->eip = 0xfff0;
    cpu_set_eflags(cpu, EF_FIXED1);
    seg_reset(&cpu->seg[R_CS], 0xf000, 0xffff0000u, 0xb); /* code, readable, accessed */
    for (int i = 0; i < SEG_COUNT; i++) {
        if (i != R_CS) {
            seg_reset(&cpu->seg[i], 0, 0, 0x3); /* data, writable, accessed */
        }
    }
    cpu->gdt.base = 0;
    cpu->gdt.limit = 0xffff;
    cpu->idt.base = 0;
    cpu->idt.limit = 0xffff;
    cpu->ldt.selector = 0;
    cpu->ldt.base = 0;
    cpu->ldt.limit = 0xffff;
    cpu->ldt.flags = DESC_P_MASK | (DESC_LDT << DESC_TYPE_SHIFT);
    cpu->tr.selector = 0;
    cpu->tr.base = 0;
    cpu->tr.limit = 0xffff;
    cpu->tr.flags = DESC_P_MASK | (DESC_TSS32_BUSY << DESC_TYPE_SHIFT);
    cpu->cr[0] = 0x60000010u;
    cpu->cr[1] = 0;
    cpu->cr[2] = 0;
    cpu->cr[3] = 0;
    cpu->cr[4] = 0;
    memset(cpu->pdpte, 0, sizeof(cpu->pdpte));
    for (int i = 0; i < 4; i++) {
        cpu->dr[i] = 0;
    }
    cpu->dr[4] = cpu->dr[5] = 0;
    cpu->dr[6] = 0xffff0ff0u;
    cpu->dr[7] = 0x00000400u;
    cpu->dr6_pending = 0;
    cpu->efer = 0;
    cpu->sysenter_cs = cpu->sysenter_esp = cpu->sysenter_eip = 0;
    pmc_reset(cpu);
    cpu->halted = false;
    cpu->inhibit_irq = false;
    cpu->nmi_blocked = false;
    cpu->exc_nesting = 0;
    cpu->interrupt_request &= ~(CPU_INTERRUPT_INIT | CPU_INTERRUPT_SIPI | CPU_INTERRUPT_NMI |
                                CPU_INTERRUPT_SMI);
    cpu_update_hflags(cpu);
    tlb_flush_all(cpu, true);
}

void cpu_reset(X86CPU *cpu)
{
    cpu->cr[0] = 0;
    cpu_reset_common(cpu);
    fpu_power_on(cpu);
    /* MSRs: MTRRs disabled, PAT power-up value, TSC restarts at 0. */
    cpu->mtrr_cap = 0x508;
    cpu->mtrr_deftype = 0;
    memset(cpu->mtrr_fixed, 0, sizeof(cpu->mtrr_fixed));
    memset(cpu->mtrr_var, 0, sizeof(cpu->mtrr_var));
    cpu->pat = 0x0007040600070406ull;
    cpu->misc_enable = 0;
    /* Probe the machine's local APIC: apic_base == 0 means "no APIC" (cpu/sys.c). */
    cpu->apic_base = 0;
    if (cpu->bus->msr_read) {
        uint64_t v = 0;

        if (cpu->bus->msr_read(cpu->bus_opaque, cpu->cpu_index, 0x1b, &v)) {
            cpu->apic_base = v | 1;
        }
    }
    cpu->tsc_offset = 0 - (uint64_t)cpu->bus->clock_ns(cpu->bus_opaque);
    cpu->wait_for_sipi = cpu->cpu_index != 0;
    cpu->a20_mask = 0xffffffffu;
    tlb_flush_all(cpu, true);
    if (log_enabled(LOG_RESET)) {
        log_printf("cpu%d: reset\n", cpu->cpu_index);
        cpu_dump_state(cpu, log_file ? log_file : stderr);
    }
}

void cpu_init_reset(X86CPU *cpu)
{
    /*
     * INIT: like RESET for the registers, but CR0.CD/NW, the x87/SSE state, MTRRs, PAT,
     * the TSC, EFER and other MSRs keep their values (SDM table 9-1). An application
     * processor then waits for a SIPI.
     */
    uint32_t keep_cr0 = cpu->cr[0] & (CR0_CD | CR0_NW);
    uint64_t efer = cpu->efer;

    cpu_reset_common(cpu);
    cpu->cr[0] = 0x60000010u & ~(CR0_CD | CR0_NW);
    cpu->cr[0] |= keep_cr0 | CR0_ET;
    cpu->efer = efer;
    cpu->wait_for_sipi = cpu->cpu_index != 0;
    cpu_update_hflags(cpu);
    if (log_enabled(LOG_RESET)) {
        log_printf("cpu%d: INIT\n", cpu->cpu_index);
        cpu_dump_state(cpu, log_file ? log_file : stderr);
    }
}

/* ---- register dump ---- */

static void dump_seg(FILE *out, const char *name, const SegmentCache *s, bool pm)
{
    uint32_t f = s->flags;
    char desc[32];

    if (!pm) {
        snprintf(desc, sizeof(desc), "%s", "");
    } else if (!(f & DESC_P_MASK)) {
        snprintf(desc, sizeof(desc), "%s", "(unusable)");
    } else if (!(f & DESC_S_MASK)) {
        static const char *const sys[16] = {
            "(bad)", "TSS16", "LDT", "TSS16-busy", "CallGate16", "TaskGate", "IntGate16",
            "TrapGate16", "(bad)", "TSS32", "(bad)", "TSS32-busy", "CallGate32", "(bad)",
            "IntGate32", "TrapGate32",
        };
        snprintf(desc, sizeof(desc), "%s", sys[(f >> DESC_TYPE_SHIFT) & 0xf]);
    } else if (f & DESC_CS_MASK) {
        snprintf(desc, sizeof(desc), "CS%s [%c%c%c] dpl=%u", (f & DESC_B_MASK) ? "32" : "16",
                 (f & DESC_C_MASK) ? 'C' : '-', (f & DESC_R_MASK) ? 'R' : '-',
                 (f & DESC_A_MASK) ? 'A' : '-', (f >> DESC_DPL_SHIFT) & 3);
    } else {
        snprintf(desc, sizeof(desc), "DS%s [%c%c%c] dpl=%u", (f & DESC_B_MASK) ? "32" : "16",
                 (f & DESC_E_MASK) ? 'E' : '-', (f & DESC_W_MASK) ? 'W' : '-',
                 (f & DESC_A_MASK) ? 'A' : '-', (f >> DESC_DPL_SHIFT) & 3);
    }
    fprintf(out, "%-3s=%04x %08x %08x %08x %s\n", name, s->selector, s->base, s->limit, f, desc);
}

void cpu_dump_state(X86CPU *cpu, FILE *out)
{
    static const char *const seg_names[SEG_COUNT] = {"ES", "CS", "SS", "DS", "FS", "GS"};
    uint32_t fl = cpu_get_eflags(cpu);
    bool pm = (cpu->cr[0] & CR0_PE) && !(fl & EF_VM);

    fprintf(out, "EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n", cpu->regs[R_EAX], cpu->regs[R_EBX],
            cpu->regs[R_ECX], cpu->regs[R_EDX]);
    fprintf(out, "ESI=%08x EDI=%08x EBP=%08x ESP=%08x\n", cpu->regs[R_ESI], cpu->regs[R_EDI],
            cpu->regs[R_EBP], cpu->regs[R_ESP]);
    fprintf(out,
            "EIP=%08x EFL=%08x [%c%c%c%c%c%c%c%c%c%c%c%c] IOPL=%u CPL=%u II=%d A20=%d HLT=%d "
            "NMIB=%d\n",
            cpu->eip, fl, (fl & EF_ID) ? 'I' : '-', (fl & EF_AC) ? 'A' : '-',
            (fl & EF_VM) ? 'V' : '-', (fl & EF_RF) ? 'R' : '-', (fl & EF_NT) ? 'N' : '-',
            (fl & CC_O) ? 'O' : '-', (fl & EF_DF) ? 'D' : '-', (fl & EF_IF) ? 'I' : '-',
            (fl & EF_TF) ? 'T' : '-', (fl & CC_S) ? 'S' : '-', (fl & CC_Z) ? 'Z' : '-',
            (fl & CC_C) ? 'C' : '-', (fl & EF_IOPL) >> EF_IOPL_SHIFT, cpu->hflags & HF_CPL_MASK,
            cpu->inhibit_irq, cpu->a20_mask == 0xffffffffu, cpu->halted, cpu->nmi_blocked);
    for (int i = 0; i < SEG_COUNT; i++) {
        dump_seg(out, seg_names[i], &cpu->seg[i], pm);
    }
    dump_seg(out, "LDT", &cpu->ldt, true);
    dump_seg(out, "TR", &cpu->tr, true);
    fprintf(out, "GDT=     %08x %08x\n", cpu->gdt.base, cpu->gdt.limit);
    fprintf(out, "IDT=     %08x %08x\n", cpu->idt.base, cpu->idt.limit);
    fprintf(out, "CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n", cpu->cr[0], cpu->cr[2], cpu->cr[3],
            cpu->cr[4]);
    fprintf(out, "DR0=%08x DR1=%08x DR2=%08x DR3=%08x\n", cpu->dr[0], cpu->dr[1], cpu->dr[2],
            cpu->dr[3]);
    fprintf(out, "DR6=%08x DR7=%08x\n", cpu->dr[6], cpu->dr[7]);
    fprintf(out, "EFER=%016llx\n", (unsigned long long)cpu->efer);
    if (cpu->cr[4] & CR4_PAE) {
        fprintf(out, "PDPTE0=%016llx PDPTE1=%016llx\nPDPTE2=%016llx PDPTE3=%016llx\n",
                (unsigned long long)cpu->pdpte[0], (unsigned long long)cpu->pdpte[1],
                (unsigned long long)cpu->pdpte[2], (unsigned long long)cpu->pdpte[3]);
    }
}
