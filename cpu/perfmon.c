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
 * edge, invert and counter-mask modifiers.
 *
 * Overflow: a counter with the INT bit that counts past 2^40 - 1 signals the local APIC's
 * performance-counter LVT (CPUBusOps.pmi). The machine stops each CPU's slice where the
 * next such overflow is due (cpu_pmc_insns_left, cpu_pmc_ns_left) and polls after it
 * (cpu_pmc_poll), so an INST_RETIRED overflow is seen after exactly the instruction that
 * made it, a CPU_CLK_UNHALTED one at the next instruction boundary after its time. When
 * the set of counting counters changes in the middle of a slice (an MSR write, a CPL
 * change with USR/OS filtering) the CPU leaves cpu_exec at the next block boundary so the
 * machine can recompute that; the overflow can then come those few instructions late,
 * like the skid of a real PMI.
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

/* The TSC without RDTSC's CR4.TSD check: the counters run whatever CR4 says. */
static uint64_t pmc_tsc(X86CPU *cpu)
{
    return (uint64_t)cpu->bus->clock_ns(cpu->bus_opaque) + cpu->tsc_offset;
}

/* What counter n (counting now) has counted since the last sync. */
static uint64_t pmc_delta(X86CPU *cpu, int n, uint64_t ic, uint64_t tsc)
{
    switch (cpu->pmc.evtsel[n] & 0xff) {
    case EVENT_INST_RETIRED:
        return ic - cpu->pmc.base_icount;
    case EVENT_CLK_UNHALTED:
        /* never backwards (a TSC write resyncs first and rebases: cpu/sys.c) */
        return tsc > cpu->pmc.base_tsc ? tsc - cpu->pmc.base_tsc : 0;
    default:
        return 0;
    }
}

/* Bit n: counter n counts at the current privilege level. */
static unsigned pmc_counting(const X86CPU *cpu)
{
    return (unsigned)pmc_counts(cpu, 0) | (unsigned)pmc_counts(cpu, 1) << 1;
}

void pmc_sync(X86CPU *cpu)
{
    uint64_t ic = cpu->icount, tsc = pmc_tsc(cpu);
    bool overflow = false;

    for (int n = 0; n < 2; n++) {
        uint64_t v;

        if (!pmc_counts(cpu, n)) {
            continue;
        }
        v = cpu->pmc.ctr[n] + pmc_delta(cpu, n, ic, tsc);
        if (v > PMC_MASK && (cpu->pmc.evtsel[n] & EVTSEL_INT)) {
            overflow = true;
        }
        cpu->pmc.ctr[n] = v & PMC_MASK;
    }
    cpu->pmc.base_icount = ic;
    cpu->pmc.base_tsc = tsc;
    if (overflow) {
        log_mask_printf(LOG_INT, "perfmon: cpu %d: counter overflow interrupt\n",
                        cpu->cpu_index);
        if (cpu->bus->pmi) {
            cpu->bus->pmi(cpu->bus_opaque, cpu->cpu_index);
        }
    }
}

/* Before something that may change which counters count (an MSR write, a CPL change):
 * sync, and return the set that counted. */
unsigned pmc_change_begin(X86CPU *cpu)
{
    pmc_sync(cpu);
    return pmc_counting(cpu);
}

/* After it: a counter with INT that started counting may overflow before the slice the
 * machine planned ends; leave cpu_exec so that it plans again. */
void pmc_change_end(X86CPU *cpu, unsigned before)
{
    unsigned now = pmc_counting(cpu);
    unsigned started = now & ~before;

    for (int n = 0; n < 2; n++) {
        if (((started >> n) & 1) && (cpu->pmc.evtsel[n] & EVTSEL_INT)) {
            cpu_interrupt(cpu, CPU_INTERRUPT_EXIT);
            return;
        }
    }
}

/* Counters that count now, have INT and count event ev. */
static unsigned pmc_int_counters(const X86CPU *cpu, unsigned ev)
{
    unsigned m = 0;

    for (int n = 0; n < 2; n++) {
        if (pmc_counts(cpu, n) && (cpu->pmc.evtsel[n] & EVTSEL_INT) &&
            (cpu->pmc.evtsel[n] & 0xff) == ev) {
            m |= 1u << n;
        }
    }
    return m;
}

uint64_t cpu_pmc_insns_left(X86CPU *cpu)
{
    unsigned m = pmc_int_counters(cpu, EVENT_INST_RETIRED);
    uint64_t left = UINT64_MAX, ic = cpu->icount;

    for (int n = 0; n < 2; n++) {
        if ((m >> n) & 1) {
            uint64_t v = cpu->pmc.ctr[n] + pmc_delta(cpu, n, ic, 0);

            left = MIN(left, v > PMC_MASK ? 0 : PMC_MASK + 1 - v);
        }
    }
    return left;
}

int64_t cpu_pmc_ns_left(X86CPU *cpu)
{
    unsigned m = pmc_int_counters(cpu, EVENT_CLK_UNHALTED);
    uint64_t left = INT64_MAX, tsc;

    if (!m) {
        return INT64_MAX;
    }
    tsc = pmc_tsc(cpu);
    for (int n = 0; n < 2; n++) {
        if ((m >> n) & 1) {
            uint64_t v = cpu->pmc.ctr[n] + pmc_delta(cpu, n, 0, tsc);

            left = MIN(left, v > PMC_MASK ? 0 : PMC_MASK + 1 - v); /* 1 tick = 1 ns */
        }
    }
    return (int64_t)left;
}

void cpu_pmc_poll(X86CPU *cpu)
{
    if (pmc_int_counters(cpu, EVENT_INST_RETIRED) | pmc_int_counters(cpu, EVENT_CLK_UNHALTED)) {
        pmc_sync(cpu);
    }
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
    unsigned before;
    int n;

    switch (msr) {
    case MSR_PERFCTR0:
    case MSR_PERFCTR1:
        /* P6: the low 32 bits are written, sign-extended to 40 */
        pmc_sync(cpu);
        cpu->pmc.ctr[msr - MSR_PERFCTR0] = (uint64_t)(int64_t)(int32_t)val & PMC_MASK;
        pmc_change_end(cpu, 0); /* a new count: the next overflow moved */
        return true;
    case MSR_PERFEVTSEL0:
    case MSR_PERFEVTSEL1:
        if (val >> 32 || (val & EVTSEL_RSVD)) {
            return false;
        }
        n = (int)(msr - MSR_PERFEVTSEL0);
        before = pmc_change_begin(cpu);
        cpu->pmc.evtsel[n] = val;
        pmc_change_end(cpu, before);
        if ((val & (EVTSEL_USR | EVTSEL_OS)) &&
            (((val & 0xff) != EVENT_INST_RETIRED && (val & 0xff) != EVENT_CLK_UNHALTED) ||
             (val & (EVTSEL_EDGE | EVTSEL_INV | EVTSEL_CMASK)))) {
            log_mask_printf(LOG_UNIMP, "perfmon: counter %d: event %02x umask %02x%s does "
                            "not count here\n", n, (unsigned)(val & 0xff),
                            (unsigned)((val >> 8) & 0xff),
                            (val & (EVTSEL_EDGE | EVTSEL_INV | EVTSEL_CMASK)) ? " (modifiers)"
                                                                             : "");
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
