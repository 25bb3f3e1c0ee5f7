/*
 * P6 performance-monitoring counters: PerfEvtSel0/1 (MSRs 0x186/0x187) and the 40-bit
 * PerfCtr0/1 (MSRs 0xC1/0xC2), read with RDMSR or RDPMC (cpu/interp-sys.c).
 *
 * Counting is lazy: pmc_sync() adds what happened since the last sync to each counter that
 * counts at the current privilege level, and runs before any access to the counters and
 * whenever the CPL changes (cpu_update_hflags), so USR/OS filtering is exact. Events:
 *   0xC0 INST_RETIRED       instructions retired (the interpreter's icount: a REP string
 *                           instruction counts once per burst of at most 1024 elements,
 *                           so long REPs count a little more than on hardware)
 *   0x79 CPU_CLK_UNHALTED   TSC ticks; deviation: time spent halted counts too
 * Any other event is accepted and counts nothing (logged once with -d unimp), as are the
 * edge, invert and counter-mask modifiers. Deviation: an overflow never interrupts (the
 * INT bit, through the local APIC's performance-counter LVT, is logged as unimplemented),
 * which leaves Linux's perf-based NMI watchdog silent but harmless.
 */
#include "cpu/helper.h"

#include "util/log.h"

#define PMC_MASK ((1ull << 40) - 1)
#define EVTSEL_USR (1u << 16)
#define EVTSEL_OS (1u << 17)
#define EVTSEL_EDGE (1u << 18)
#define EVTSEL_INT (1u << 20)
#define EVTSEL_RSVD (1u << 21)
#define EVTSEL_EN (1u << 22) /* PerfEvtSel0 only: enables both counters */
#define EVTSEL_INV (1u << 23)
#define EVTSEL_CMASK 0xff000000u

#define EVENT_INST_RETIRED 0xc0
#define EVENT_CLK_UNHALTED 0x79

static bool pmc_counts(const X86CPU *cpu, int n)
{
    uint64_t sel = cpu->pmc.evtsel[n];
    unsigned cpl = cpu->hflags & HF_CPL_MASK;

    if (!(cpu->pmc.evtsel[0] & EVTSEL_EN)) {
        return false;
    }
    return (cpl == 3 ? (sel & EVTSEL_USR) : (sel & EVTSEL_OS)) != 0;
}

void pmc_sync(X86CPU *cpu)
{
    uint64_t ic = cpu->icount, tsc = cpu_rdtsc(cpu);

    for (int n = 0; n < 2; n++) {
        if (!pmc_counts(cpu, n)) {
            continue;
        }
        switch (cpu->pmc.evtsel[n] & 0xff) {
        case EVENT_INST_RETIRED:
            cpu->pmc.ctr[n] += ic - cpu->pmc.base_icount;
            break;
        case EVENT_CLK_UNHALTED:
            cpu->pmc.ctr[n] += tsc - cpu->pmc.base_tsc;
            break;
        default:
            break;
        }
        cpu->pmc.ctr[n] &= PMC_MASK;
    }
    cpu->pmc.base_icount = ic;
    cpu->pmc.base_tsc = tsc;
}

bool pmc_rdmsr(X86CPU *cpu, uint32_t msr, uint64_t *val)
{
    switch (msr) {
    case MSR_PERFCTR0:
    case MSR_PERFCTR1:
        pmc_sync(cpu);
        *val = cpu->pmc.ctr[msr - MSR_PERFCTR0];
        return true;
    case MSR_PERFEVTSEL0:
    case MSR_PERFEVTSEL1:
        *val = cpu->pmc.evtsel[msr - MSR_PERFEVTSEL0];
        return true;
    default:
        return false;
    }
}

bool pmc_wrmsr(X86CPU *cpu, uint32_t msr, uint64_t val)
{
    int n;

    switch (msr) {
    case MSR_PERFCTR0:
    case MSR_PERFCTR1:
        /* P6: the low 32 bits are written, sign-extended to 40 */
        pmc_sync(cpu);
        cpu->pmc.ctr[msr - MSR_PERFCTR0] = (uint64_t)(int64_t)(int32_t)val & PMC_MASK;
        return true;
    case MSR_PERFEVTSEL0:
    case MSR_PERFEVTSEL1:
        if (val >> 32 || (val & EVTSEL_RSVD)) {
            return false;
        }
        n = (int)(msr - MSR_PERFEVTSEL0);
        pmc_sync(cpu);
        cpu->pmc.evtsel[n] = val;
        if ((val & (EVTSEL_USR | EVTSEL_OS)) &&
            (((val & 0xff) != EVENT_INST_RETIRED && (val & 0xff) != EVENT_CLK_UNHALTED) ||
             (val & (EVTSEL_EDGE | EVTSEL_INV | EVTSEL_CMASK)))) {
            log_mask_printf(LOG_UNIMP, "perfmon: counter %d: event %02x umask %02x%s does "
                            "not count here\n", n, (unsigned)(val & 0xff),
                            (unsigned)((val >> 8) & 0xff),
                            (val & (EVTSEL_EDGE | EVTSEL_INV | EVTSEL_CMASK)) ? " (modifiers)"
                                                                             : "");
        }
        if (val & EVTSEL_INT) {
            log_mask_printf(LOG_UNIMP, "perfmon: counter %d: overflow interrupts are not "
                            "emulated\n", n);
        }
        return true;
    default:
        return false;
    }
}

void pmc_reset(X86CPU *cpu)
{
    cpu->pmc.evtsel[0] = cpu->pmc.evtsel[1] = 0;
    cpu->pmc.ctr[0] = cpu->pmc.ctr[1] = 0;
    cpu->pmc.base_icount = cpu->icount;
    cpu->pmc.base_tsc = 0;
}
