/*
 * Local APICs (xAPIC, version 0x14 with six LVT entries), one per vCPU, and the APIC bus
 * that carries interrupt messages between them and the I/O APIC.
 *
 * Each local APIC is memory mapped at its IA32_APIC_BASE (default 0xFEE00000); every CPU
 * sees its own APIC at that address, so an access is routed to the APIC of the CPU that
 * performs it (hooks.current_cpu). Implemented: ID, version, TPR/APR/PPR, EOI (with EOI
 * broadcast to the I/O APIC for level-triggered vectors), LDR/DFR (flat and cluster
 * logical destinations), SVR (software enable, spurious vector), ISR/TMR/IRR with the
 * priority classes, ESR (errors accumulate internally and become readable after a write
 * to ESR), ICR (fixed, lowest priority, SMI, NMI, INIT, INIT level de-assert, Start-Up;
 * shorthands; physical/logical destinations), the LVT timer (one-shot, periodic,
 * TSC-deadline), LINT0/LINT1 (ExtINT, NMI, fixed), the error LVT, the performance-counter
 * LVT (the CPU's counter overflows, apic_perf_interrupt(); delivery sets its mask bit, as
 * on P6 and later processors) and a thermal LVT that exists as a register but has no
 * source.
 *
 * Deviations and limits:
 *  - Messages are delivered instantly: the ICR delivery status always reads idle.
 *  - The timer counts at 1 GHz of the virtual clock before the divider (a 1 GHz "bus").
 *  - At reset the BSP's LINT0 is ExtINT and unmasked (virtual wire mode), as firmware
 *    would set it up, so that the 8259 reaches the BSP even while the APIC is software
 *    disabled; real hardware resets every LVT to masked.
 *  - Lowest-priority delivery picks the lowest PPR, ties broken round-robin; focus
 *    processor checking is not implemented.
 *  - No x2APIC (IA32_APIC_BASE bit 10 -> #GP), no remote read (RRD reads 0).
 */
#include "hw/intc/apic.h"

#include "util/log.h"

#define APIC_VERSION 0x14u
#define APIC_LVT_COUNT 6

/* IA32_APIC_BASE bits */
#define APICBASE_BSP (1u << 8)
#define APICBASE_EXTD (1u << 10)
#define APICBASE_EN (1u << 11)
#define APICBASE_ADDR_MASK 0xffffff000ull /* 36-bit physical addresses */

/* Register indexes (offset >> 4) */
enum {
    REG_ID = 0x02,
    REG_VERSION = 0x03,
    REG_TPR = 0x08,
    REG_APR = 0x09,
    REG_PPR = 0x0a,
    REG_EOI = 0x0b,
    REG_RRD = 0x0c,
    REG_LDR = 0x0d,
    REG_DFR = 0x0e,
    REG_SVR = 0x0f,
    REG_ISR0 = 0x10,
    REG_TMR0 = 0x18,
    REG_IRR0 = 0x20,
    REG_ESR = 0x28,
    REG_ICR_LO = 0x30,
    REG_ICR_HI = 0x31,
    REG_LVT0 = 0x32, /* timer, thermal, perf, LINT0, LINT1, error */
    REG_TIMER_ICR = 0x38,
    REG_TIMER_CCR = 0x39,
    REG_TIMER_DCR = 0x3e,
};

enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR };

#define LVT_MASKED (1u << 16)
#define LVT_LEVEL (1u << 15)
#define LVT_REMOTE_IRR (1u << 14)
#define LVT_TIMER_MODE_SHIFT 17
#define LVT_TIMER_ONESHOT 0u
#define LVT_TIMER_PERIODIC 1u
#define LVT_TIMER_TSC_DEADLINE 2u

#define SVR_ENABLE (1u << 8)

/* ESR bits */
#define ESR_SEND_ILLEGAL_VECTOR 0x20u
#define ESR_RECV_ILLEGAL_VECTOR 0x40u
#define ESR_ILLEGAL_REGISTER 0x80u

/* ICR bits */
#define ICR_DEST_LOGICAL (1u << 11)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_TRIGGER_LEVEL (1u << 15)
#define ICR_SHORTHAND_SHIFT 18

#define APIC_MMIO_PRIO 10

typedef struct LAPIC {
    uint64_t apicbase; /* IA32_APIC_BASE */
    uint8_t id;
    uint8_t tpr;
    uint32_t ldr, dfr, svr;
    uint32_t isr[8], tmr[8], irr[8];
    uint32_t esr;         /* readable ESR (latched by a write to ESR) */
    uint32_t esr_pending; /* errors since the last write to ESR */
    uint32_t icr_lo, icr_hi;
    uint32_t lvt[APIC_LVT_COUNT];
    uint32_t timer_initial, timer_dcr;
    int64_t timer_start;  /* virtual ns at which the current count period began */
    uint64_t tsc_deadline;
    bool lint_level[2];   /* LINT0/LINT1 input levels */
    bool extint_pending;  /* ExtINT message from the I/O APIC */
    bool intr_out;        /* level of the CPU's INTR pin */
    Timer *timer;
    MemRegion *mmio;
    int index;
    struct ApicState *parent;
} LAPIC;

typedef struct ApicState {
    LAPIC cpu[APIC_MAX_CPUS];
    int nb_cpus;
    bool pic_level;
    uint32_t lowest_rr; /* round-robin start for lowest-priority ties */
    ApicHooks hooks;
    void (*eoi_listener)(void *opaque, uint8_t vector);
    void *eoi_opaque;
    Board *board;
} ApicState;

static const ApicHooks no_hooks;

/* ---- helpers ---- */

static bool lapic_hw_enabled(const LAPIC *l)
{
    return (l->apicbase & APICBASE_EN) != 0;
}

static bool lapic_sw_enabled(const LAPIC *l)
{
    return (l->svr & SVR_ENABLE) != 0;
}

static uint64_t lapic_base_addr(const LAPIC *l)
{
    return l->apicbase & APICBASE_ADDR_MASK;
}

/* Highest vector set in a 256-bit register, or -1. */
static int reg256_highest(const uint32_t *r)
{
    for (int i = 7; i >= 0; i--) {
        if (r[i]) {
            return i * 32 + 31 - __builtin_clz(r[i]);
        }
    }
    return -1;
}

static void reg256_set(uint32_t *r, int v)
{
    r[v >> 5] |= 1u << (v & 31);
}

static void reg256_clear(uint32_t *r, int v)
{
    r[v >> 5] &= ~(1u << (v & 31));
}

static bool reg256_test(const uint32_t *r, int v)
{
    return (r[v >> 5] >> (v & 31)) & 1;
}

static uint32_t lapic_ppr(const LAPIC *l)
{
    int isrv = reg256_highest(l->isr);
    uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

    return (l->tpr & 0xf0) >= isr_class ? l->tpr : isr_class;
}

/* Arbitration priority (SDM 10.8.3.1): TPR if its class is >= the highest requested and >
 * the highest in service, else the highest of the three classes. */
static uint32_t lapic_apr(const LAPIC *l)
{
    uint32_t isr_class = (uint32_t)MAX(reg256_highest(l->isr), 0) & 0xf0;
    uint32_t irr_class = (uint32_t)MAX(reg256_highest(l->irr), 0) & 0xf0;
    uint32_t tpr_class = l->tpr & 0xf0u;

    if (tpr_class >= irr_class && tpr_class > isr_class) {
        return l->tpr;
    }
    return MAX(tpr_class, MAX(isr_class, irr_class));
}

/* The ExtINT source the APIC passes to the CPU: LINT0 in ExtINT mode, or a message. */
static bool lapic_extint(const LAPIC *l)
{
    uint32_t lvt = l->lvt[LVT_LINT0];

    return l->extint_pending || (!(lvt & LVT_MASKED) && ((lvt >> 8) & 7) == APIC_DM_EXTINT &&
                                 l->lint_level[0]);
}

/* The fixed interrupt the CPU would take now, or -1. */
static int lapic_deliverable(const LAPIC *l)
{
    int v = reg256_highest(l->irr);

    if (v < 0 || !lapic_sw_enabled(l) || ((uint32_t)v & 0xf0) <= (lapic_ppr(l) & 0xf0)) {
        return -1;
    }
    return v;
}

/* Recompute the INTR pin; drive it if it changed (or always, if force). */
static void lapic_update_pin(LAPIC *l, bool force)
{
    ApicState *s = l->parent;
    bool out;

    if (!lapic_hw_enabled(l)) {
        /* No APIC: the 8259 drives the BSP's INTR pin directly. */
        out = (l->apicbase & APICBASE_BSP) && s->pic_level;
    } else {
        out = lapic_extint(l) || lapic_deliverable(l) >= 0;
    }
    if (out != l->intr_out || force) {
        l->intr_out = out;
        if (s->hooks.set_intr) {
            s->hooks.set_intr(s->hooks.opaque, l->index, out);
        }
    }
}

static void lapic_update(LAPIC *l)
{
    lapic_update_pin(l, false);
}

static void lapic_event(LAPIC *l, ApicEvent ev, uint8_t vector)
{
    ApicState *s = l->parent;

    if (s->hooks.event) {
        s->hooks.event(s->hooks.opaque, l->index, ev, vector);
    }
}

static void lapic_error(LAPIC *l, uint32_t bits);

/* A fixed interrupt arrives (IRR). from_error: the error LVT itself (no recursion). */
static void lapic_accept(LAPIC *l, uint8_t vector, bool level_trig, bool from_error)
{
    if (vector < 16) {
        if (from_error) {
            l->esr_pending |= ESR_RECV_ILLEGAL_VECTOR;
        } else {
            lapic_error(l, ESR_RECV_ILLEGAL_VECTOR);
        }
        return;
    }
    reg256_set(l->irr, vector);
    if (level_trig) {
        reg256_set(l->tmr, vector);
    } else {
        reg256_clear(l->tmr, vector);
    }
    lapic_update(l);
}

static void lapic_error(LAPIC *l, uint32_t bits)
{
    uint32_t lvt = l->lvt[LVT_ERROR];

    l->esr_pending |= bits;
    if (!(lvt & LVT_MASKED)) {
        lapic_accept(l, (uint8_t)lvt, false, true);
    }
}

/* An interrupt from a local source (LVT entry idx) with its delivery mode. */
static void lapic_local_deliver(LAPIC *l, int idx)
{
    uint32_t lvt = l->lvt[idx];
    int dm = idx == LVT_TIMER || idx == LVT_ERROR ? APIC_DM_FIXED : (int)((lvt >> 8) & 7);

    if (lvt & LVT_MASKED) {
        return;
    }
    switch (dm) {
    case APIC_DM_FIXED:
        lapic_accept(l, (uint8_t)lvt, false, idx == LVT_ERROR);
        break;
    case APIC_DM_NMI:
        lapic_event(l, APIC_EV_NMI, 0);
        break;
    case APIC_DM_SMI:
        lapic_event(l, APIC_EV_SMI, 0);
        break;
    case APIC_DM_INIT:
        lapic_event(l, APIC_EV_INIT, 0);
        break;
    case APIC_DM_EXTINT:
        lapic_update(l);
        break;
    default:
        log_mask_printf(LOG_GUEST_ERRORS, "apic%d: LVT %d has reserved delivery mode %d\n",
                        l->index, idx, dm);
        break;
    }
}

/* ---- timer ---- */

static unsigned lapic_timer_shift(const LAPIC *l)
{
    unsigned v = ((l->timer_dcr >> 1) & 4) | (l->timer_dcr & 3);

    return (v + 1) & 7; /* 0 -> /2 ... 6 -> /128, 7 -> /1 */
}

static unsigned lapic_timer_mode(const LAPIC *l)
{
    return (l->lvt[LVT_TIMER] >> LVT_TIMER_MODE_SHIFT) & 3;
}

static uint64_t lapic_tsc(const LAPIC *l, int64_t now)
{
    const ApicHooks *h = &l->parent->hooks;

    return h->tsc ? h->tsc(h->opaque, l->index, now) : (uint64_t)now;
}

static uint32_t lapic_timer_current(const LAPIC *l)
{
    uint64_t elapsed;

    if (l->timer_initial == 0 || lapic_timer_mode(l) == LVT_TIMER_TSC_DEADLINE) {
        return 0;
    }
    elapsed = (uint64_t)(vclock_ns() - l->timer_start) >> lapic_timer_shift(l);
    if (lapic_timer_mode(l) == LVT_TIMER_PERIODIC) {
        return l->timer_initial - (uint32_t)(elapsed % l->timer_initial);
    }
    return elapsed >= l->timer_initial ? 0 : l->timer_initial - (uint32_t)elapsed;
}

/* Arm the timer for the current mode and count (the count period began at timer_start). */
static void lapic_timer_arm(LAPIC *l)
{
    int64_t now = vclock_ns();

    switch (lapic_timer_mode(l)) {
    case LVT_TIMER_ONESHOT:
    case LVT_TIMER_PERIODIC: {
        int64_t period = (int64_t)l->timer_initial << lapic_timer_shift(l);

        if (l->timer_initial == 0 ||
            (lapic_timer_mode(l) == LVT_TIMER_ONESHOT && l->timer_start + period <= now)) {
            timer_del(l->timer); /* stopped, or a one-shot count that already ran out */
            return;
        }
        if (l->timer_start + period <= now) {
            l->timer_start += ((now - l->timer_start) / period) * period;
        }
        timer_mod(l->timer, l->timer_start + period);
        break;
    }
    case LVT_TIMER_TSC_DEADLINE: {
        uint64_t tsc = lapic_tsc(l, now);

        if (l->tsc_deadline == 0) {
            timer_del(l->timer);
        } else if (l->tsc_deadline <= tsc) {
            timer_mod(l->timer, now);
        } else {
            uint64_t delta = l->tsc_deadline - tsc;

            timer_mod(l->timer, delta > (uint64_t)(INT64_MAX - now) ? VCLOCK_NEVER - 1 :
                                now + (int64_t)delta);
        }
        break;
    }
    default:
        timer_del(l->timer);
        break;
    }
}

static void lapic_timer_cb(void *opaque)
{
    LAPIC *l = opaque;
    int64_t now = vclock_ns();

    switch (lapic_timer_mode(l)) {
    case LVT_TIMER_PERIODIC: {
        int64_t period = (int64_t)l->timer_initial << lapic_timer_shift(l);

        if (period <= 0) {
            return;
        }
        /* Periods missed while the host was late are dropped: one interrupt, no burst. */
        l->timer_start += period;
        if (l->timer_start + period <= now) {
            l->timer_start += ((now - l->timer_start) / period) * period;
        }
        timer_mod(l->timer, l->timer_start + period);
        break;
    }
    case LVT_TIMER_TSC_DEADLINE:
        l->tsc_deadline = 0;
        break;
    default:
        /* One-shot: the count has reached 0 and stays there. */
        break;
    }
    lapic_local_deliver(l, LVT_TIMER);
}

/* ---- reset ---- */

/* Registers to their power-up values, except the APIC ID and IA32_APIC_BASE (INIT). */
static void lapic_reset_regs(LAPIC *l)
{
    l->tpr = 0;
    l->ldr = 0;
    l->dfr = 0xffffffffu;
    l->svr = 0xff;
    memset(l->isr, 0, sizeof(l->isr));
    memset(l->tmr, 0, sizeof(l->tmr));
    memset(l->irr, 0, sizeof(l->irr));
    l->esr = l->esr_pending = 0;
    l->icr_lo = l->icr_hi = 0;
    for (int i = 0; i < APIC_LVT_COUNT; i++) {
        l->lvt[i] = LVT_MASKED;
    }
    if (l->apicbase & APICBASE_BSP) {
        l->lvt[LVT_LINT0] = APIC_DM_EXTINT << 8; /* virtual wire: see the file comment */
    }
    l->timer_initial = 0;
    l->timer_dcr = 0;
    l->timer_start = vclock_ns();
    l->tsc_deadline = 0;
    l->extint_pending = false;
    timer_del(l->timer);
}

static void lapic_map(LAPIC *l)
{
    Board *b = l->parent->board;

    if (!l->mmio) {
        return;
    }
    if (l->mmio->base != lapic_base_addr(l)) {
        mem_region_move(b->mem, l->mmio, lapic_base_addr(l));
    }
    if (l->mmio->enabled != lapic_hw_enabled(l)) {
        mem_region_set_enabled(b->mem, l->mmio, lapic_hw_enabled(l));
    }
}

static void apic_reset(void *opaque)
{
    ApicState *s = opaque;

    for (int i = 0; i < s->nb_cpus; i++) {
        LAPIC *l = &s->cpu[i];

        l->apicbase = APIC_DEFAULT_BASE | APICBASE_EN | (i == 0 ? APICBASE_BSP : 0);
        l->id = (uint8_t)i;
        l->lint_level[1] = false;
        lapic_reset_regs(l);
        lapic_map(l);
        lapic_update(l);
    }
}

/* ---- the APIC bus ---- */

static bool lapic_match(const LAPIC *l, uint8_t dest, bool logical)
{
    uint8_t lid = (uint8_t)(l->ldr >> 24);

    if (!logical) {
        return dest == 0xff || dest == l->id;
    }
    if (dest == 0xff) {
        return true;
    }
    if ((l->dfr >> 28) == 0xf) { /* flat */
        return (dest & lid) != 0;
    }
    /* cluster: high nibble selects the cluster (15 = all), low nibble the members */
    return ((dest >> 4) == (lid >> 4) || (dest >> 4) == 0xf) && (dest & lid & 0x0f) != 0;
}

/* Deliver to every APIC in mask (bit i = CPU i) per the delivery mode. */
static void apic_deliver_mask(ApicState *s, uint32_t mask, int dm, uint8_t vector, bool level_trig)
{
    if (dm == APIC_DM_LOWEST && mask) {
        int best = -1;
        uint32_t best_ppr = 0x100;

        for (int k = 0; k < s->nb_cpus; k++) {
            int i = (int)((s->lowest_rr + (uint32_t)k) % (uint32_t)s->nb_cpus);
            uint32_t ppr;

            if (!(mask & (1u << i))) {
                continue;
            }
            ppr = lapic_ppr(&s->cpu[i]) & 0xf0;
            if (ppr < best_ppr) {
                best_ppr = ppr;
                best = i;
            }
        }
        s->lowest_rr++;
        mask = best >= 0 ? 1u << best : 0;
        dm = APIC_DM_FIXED;
    }
    for (int i = 0; i < s->nb_cpus; i++) {
        LAPIC *l = &s->cpu[i];

        if (!(mask & (1u << i))) {
            continue;
        }
        switch (dm) {
        case APIC_DM_FIXED:
            lapic_accept(l, vector, level_trig, false);
            break;
        case APIC_DM_SMI:
            lapic_event(l, APIC_EV_SMI, 0);
            break;
        case APIC_DM_NMI:
            lapic_event(l, APIC_EV_NMI, 0);
            break;
        case APIC_DM_INIT:
            lapic_reset_regs(l);
            lapic_update(l);
            lapic_event(l, APIC_EV_INIT, 0);
            break;
        case APIC_DM_STARTUP:
            lapic_event(l, APIC_EV_SIPI, vector);
            break;
        case APIC_DM_EXTINT:
            l->extint_pending = true;
            lapic_update(l);
            break;
        default:
            log_mask_printf(LOG_GUEST_ERRORS, "apic: reserved delivery mode %d\n", dm);
            break;
        }
    }
}

static uint32_t apic_dest_mask(ApicState *s, uint8_t dest, bool logical)
{
    uint32_t mask = 0;

    for (int i = 0; i < s->nb_cpus; i++) {
        if (lapic_hw_enabled(&s->cpu[i]) && lapic_match(&s->cpu[i], dest, logical)) {
            mask |= 1u << i;
        }
    }
    return mask;
}

void apic_bus_deliver(ApicState *s, uint8_t dest, bool dest_logical, int delivery_mode,
                      uint8_t vector, bool level_trig)
{
    apic_deliver_mask(s, apic_dest_mask(s, dest, dest_logical), delivery_mode, vector,
                      level_trig);
}

void apic_set_eoi_listener(ApicState *s, void (*eoi)(void *opaque, uint8_t vector), void *opaque)
{
    s->eoi_listener = eoi;
    s->eoi_opaque = opaque;
}

/* ICR low written: send the IPI. */
static void lapic_send_ipi(LAPIC *l)
{
    ApicState *s = l->parent;
    uint32_t lo = l->icr_lo;
    uint8_t vector = (uint8_t)lo;
    int dm = (int)((lo >> 8) & 7);
    bool logical = (lo & ICR_DEST_LOGICAL) != 0;
    uint32_t all = (s->nb_cpus >= 32 ? 0 : (1u << s->nb_cpus)) - 1, self = 1u << l->index;
    uint32_t mask;

    if (dm == APIC_DM_INIT && !(lo & ICR_LEVEL_ASSERT) && (lo & ICR_TRIGGER_LEVEL)) {
        /* INIT level de-assert: resynchronises arbitration IDs; nothing to do here. */
        return;
    }
    if (dm == 3 || dm == APIC_DM_EXTINT) {
        log_mask_printf(LOG_GUEST_ERRORS, "apic%d: IPI with reserved delivery mode %d\n",
                        l->index, dm);
        return;
    }
    if ((dm == APIC_DM_FIXED || dm == APIC_DM_LOWEST) && vector < 16) {
        lapic_error(l, ESR_SEND_ILLEGAL_VECTOR);
        return;
    }
    switch ((lo >> ICR_SHORTHAND_SHIFT) & 3) {
    case 0:
        mask = apic_dest_mask(s, (uint8_t)(l->icr_hi >> 24), logical);
        break;
    case 1:
        mask = self;
        break;
    case 2:
        mask = all;
        break;
    default:
        mask = all & ~self;
        break;
    }
    for (int i = 0; i < s->nb_cpus; i++) {
        if (!lapic_hw_enabled(&s->cpu[i])) {
            mask &= ~(1u << i);
        }
    }
    apic_deliver_mask(s, mask, dm, vector, (lo & ICR_TRIGGER_LEVEL) != 0);
}

static void lapic_eoi(LAPIC *l)
{
    ApicState *s = l->parent;
    int v = reg256_highest(l->isr);

    if (v < 0) {
        return;
    }
    reg256_clear(l->isr, v);
    /* The TMR bit stays: it follows the acceptance of the next interrupt of the vector. */
    if (reg256_test(l->tmr, v)) {
        for (int i = LVT_LINT0; i <= LVT_LINT1; i++) {
            uint32_t lvt = l->lvt[i];

            if (!(lvt & LVT_REMOTE_IRR) || (uint8_t)lvt != v) {
                continue;
            }
            l->lvt[i] &= ~LVT_REMOTE_IRR;
            /* A level input still asserted interrupts again. */
            if (l->lint_level[i - LVT_LINT0] && !(lvt & LVT_MASKED) &&
                ((lvt >> 8) & 7) == APIC_DM_FIXED && (lvt & LVT_LEVEL)) {
                l->lvt[i] |= LVT_REMOTE_IRR;
                lapic_accept(l, (uint8_t)lvt, true, false);
            }
        }
        if (s->eoi_listener) {
            s->eoi_listener(s->eoi_opaque, (uint8_t)v);
        }
    }
    lapic_update(l);
}

/* LINT0/LINT1 input level changed. */
static void lapic_set_lint(LAPIC *l, int n, bool level)
{
    bool old = l->lint_level[n];
    uint32_t lvt = l->lvt[LVT_LINT0 + n];
    int dm = (int)((lvt >> 8) & 7);

    l->lint_level[n] = level;
    if (!lapic_hw_enabled(l)) {
        /* Disabled APIC: LINT0 is INTR (lapic_update), LINT1 is NMI. */
        if (n == 1 && level && !old && (l->apicbase & APICBASE_BSP)) {
            lapic_event(l, APIC_EV_NMI, 0);
        }
        lapic_update(l);
        return;
    }
    if (!(lvt & LVT_MASKED) && dm == APIC_DM_FIXED && (lvt & LVT_LEVEL)) {
        if (level && !(lvt & LVT_REMOTE_IRR)) {
            l->lvt[LVT_LINT0 + n] |= LVT_REMOTE_IRR;
            lapic_accept(l, (uint8_t)lvt, true, false);
        }
    } else if (dm == APIC_DM_EXTINT) {
        lapic_update(l);
    } else if (level && !old) {
        lapic_local_deliver(l, LVT_LINT0 + n);
    }
}

void apic_set_pic_intr(ApicState *s, bool level)
{
    s->pic_level = level;
    for (int i = 0; i < s->nb_cpus; i++) {
        lapic_set_lint(&s->cpu[i], 0, level);
    }
}

void apic_perf_interrupt(ApicState *s, int cpu)
{
    LAPIC *l;

    if (cpu < 0 || cpu >= s->nb_cpus) {
        return;
    }
    l = &s->cpu[cpu];
    if (!lapic_hw_enabled(l)) {
        return;
    }
    if (!(l->lvt[LVT_PERF] & LVT_MASKED)) {
        lapic_local_deliver(l, LVT_PERF);
        /* SDM vol. 3 10.5.1: a performance-counter interrupt sets its LVT's mask bit */
        l->lvt[LVT_PERF] |= LVT_MASKED;
    }
}

void apic_set_lint1(ApicState *s, bool level)
{
    for (int i = 0; i < s->nb_cpus; i++) {
        lapic_set_lint(&s->cpu[i], 1, level);
    }
}

int apic_intr_ack(ApicState *s, int cpu)
{
    LAPIC *l;
    int v;

    if (cpu < 0 || cpu >= s->nb_cpus) {
        return 0x0f;
    }
    l = &s->cpu[cpu];
    if (!lapic_hw_enabled(l) || lapic_extint(l)) {
        l->extint_pending = false;
        v = s->hooks.pic_ack ? s->hooks.pic_ack(s->hooks.opaque) : 0x0f;
        lapic_update(l);
        return v;
    }
    v = lapic_deliverable(l);
    if (v < 0) {
        /* The request went away between INTR and INTA: spurious interrupt. */
        lapic_update(l);
        return (int)(l->svr & 0xff);
    }
    reg256_clear(l->irr, v);
    reg256_set(l->isr, v);
    lapic_update(l);
    return v;
}

bool apic_hw_enabled(ApicState *s, int cpu)
{
    return cpu >= 0 && cpu < s->nb_cpus && lapic_hw_enabled(&s->cpu[cpu]);
}

/* ---- MSRs ---- */

bool apic_msr_read(ApicState *s, int cpu, uint32_t msr, uint64_t *val)
{
    LAPIC *l;

    if (cpu < 0 || cpu >= s->nb_cpus) {
        return false;
    }
    l = &s->cpu[cpu];
    switch (msr) {
    case MSR_IA32_APIC_BASE:
        *val = l->apicbase;
        return true;
    case MSR_IA32_TSC_DEADLINE:
        *val = lapic_timer_mode(l) == LVT_TIMER_TSC_DEADLINE ? l->tsc_deadline : 0;
        return true;
    default:
        return false;
    }
}

bool apic_msr_write(ApicState *s, int cpu, uint32_t msr, uint64_t val)
{
    LAPIC *l;

    if (cpu < 0 || cpu >= s->nb_cpus) {
        return false;
    }
    l = &s->cpu[cpu];
    switch (msr) {
    case MSR_IA32_APIC_BASE: {
        bool was_enabled = lapic_hw_enabled(l);

        /* Reserved bits, bits above the 36-bit physical address width, x2APIC: #GP. */
        if (val & ~(APICBASE_ADDR_MASK | APICBASE_EN | APICBASE_BSP)) {
            return false;
        }
        l->apicbase = (val & (APICBASE_ADDR_MASK | APICBASE_EN)) | (l->apicbase & APICBASE_BSP);
        if (was_enabled && !lapic_hw_enabled(l)) {
            /* Disabling the APIC returns it to its power-up state (ID kept). */
            lapic_reset_regs(l);
            l->svr &= ~SVR_ENABLE;
        }
        lapic_map(l);
        lapic_update(l);
        return true;
    }
    case MSR_IA32_TSC_DEADLINE:
        if (lapic_timer_mode(l) == LVT_TIMER_TSC_DEADLINE) {
            l->tsc_deadline = val;
            lapic_timer_arm(l);
        }
        return true;
    default:
        return false;
    }
}

/* ---- registers ---- */

static uint32_t lapic_read_reg(LAPIC *l, unsigned reg)
{
    switch (reg) {
    case REG_ID:
        return (uint32_t)l->id << 24;
    case REG_VERSION:
        return APIC_VERSION | ((APIC_LVT_COUNT - 1u) << 16);
    case REG_TPR:
        return l->tpr;
    case REG_APR:
        return lapic_apr(l);
    case REG_PPR:
        return lapic_ppr(l);
    case REG_EOI:
    case REG_RRD:
        return 0;
    case REG_LDR:
        return l->ldr;
    case REG_DFR:
        return l->dfr;
    case REG_SVR:
        return l->svr;
    case REG_ISR0 ... REG_ISR0 + 7:
        return l->isr[reg - REG_ISR0];
    case REG_TMR0 ... REG_TMR0 + 7:
        return l->tmr[reg - REG_TMR0];
    case REG_IRR0 ... REG_IRR0 + 7:
        return l->irr[reg - REG_IRR0];
    case REG_ESR:
        return l->esr;
    case REG_ICR_LO:
        return l->icr_lo;
    case REG_ICR_HI:
        return l->icr_hi;
    case REG_LVT0 ... REG_LVT0 + APIC_LVT_COUNT - 1:
        return l->lvt[reg - REG_LVT0];
    case REG_TIMER_ICR:
        return l->timer_initial;
    case REG_TIMER_CCR:
        return lapic_timer_current(l);
    case REG_TIMER_DCR:
        return l->timer_dcr;
    default:
        log_mask_printf(LOG_GUEST_ERRORS, "apic%d: read of reserved register 0x%03x\n", l->index,
                        reg << 4);
        lapic_error(l, ESR_ILLEGAL_REGISTER);
        return 0;
    }
}

static void lapic_write_lvt(LAPIC *l, int idx, uint32_t val)
{
    static const uint32_t writable[APIC_LVT_COUNT] = {
        [LVT_TIMER] = 0x700ff,    /* vector, mask, timer mode (incl. TSC-deadline) */
        [LVT_THERMAL] = 0x107ff,  /* vector, delivery mode, mask */
        [LVT_PERF] = 0x107ff,
        [LVT_LINT0] = 0x1a7ff,    /* vector, delivery mode, polarity, trigger, mask */
        [LVT_LINT1] = 0x1a7ff,
        [LVT_ERROR] = 0x100ff,
    };
    uint32_t old = l->lvt[idx];

    val &= writable[idx];
    if (!lapic_sw_enabled(l)) {
        val |= LVT_MASKED; /* a software-disabled APIC keeps every LVT masked */
    }
    if (idx == LVT_LINT0 || idx == LVT_LINT1) {
        val |= old & LVT_REMOTE_IRR;
        if (!(val & LVT_LEVEL)) {
            val &= ~LVT_REMOTE_IRR;
        }
    }
    if (idx == LVT_TIMER && ((val >> LVT_TIMER_MODE_SHIFT) & 3) == 3) {
        log_mask_printf(LOG_GUEST_ERRORS, "apic%d: reserved timer mode\n", l->index);
        val &= ~(3u << LVT_TIMER_MODE_SHIFT);
    }
    l->lvt[idx] = val;
    if (idx == LVT_TIMER && ((old ^ val) >> LVT_TIMER_MODE_SHIFT) & 3) {
        /* Switching to or from TSC-deadline mode disarms the timer (SDM 10.5.4.1). */
        if (((old >> LVT_TIMER_MODE_SHIFT) & 3) == LVT_TIMER_TSC_DEADLINE ||
            ((val >> LVT_TIMER_MODE_SHIFT) & 3) == LVT_TIMER_TSC_DEADLINE) {
            l->timer_initial = 0;
            l->tsc_deadline = 0;
        }
        lapic_timer_arm(l);
    }
    if (idx == LVT_LINT0 || idx == LVT_LINT1) {
        /* Unmasking a level-triggered fixed LINT whose input is high delivers it. */
        if (!(val & (LVT_MASKED | LVT_REMOTE_IRR)) && (val & LVT_LEVEL) &&
            ((val >> 8) & 7) == APIC_DM_FIXED && l->lint_level[idx - LVT_LINT0]) {
            l->lvt[idx] |= LVT_REMOTE_IRR;
            lapic_accept(l, (uint8_t)val, true, false);
        }
        lapic_update(l);
    }
}

static void lapic_write_reg(LAPIC *l, unsigned reg, uint32_t val)
{
    switch (reg) {
    case REG_ID:
        l->id = (uint8_t)(val >> 24);
        break;
    case REG_TPR:
        l->tpr = (uint8_t)val;
        lapic_update(l);
        break;
    case REG_EOI:
        lapic_eoi(l);
        break;
    case REG_LDR:
        l->ldr = val & 0xff000000u;
        break;
    case REG_DFR:
        l->dfr = val | 0x0fffffffu;
        break;
    case REG_SVR:
        l->svr = val & 0x3ffu; /* vector, APIC enable, focus checking */
        if (!lapic_sw_enabled(l)) {
            for (int i = 0; i < APIC_LVT_COUNT; i++) {
                l->lvt[i] |= LVT_MASKED;
            }
        }
        lapic_update(l);
        break;
    case REG_ESR:
        l->esr = l->esr_pending;
        l->esr_pending = 0;
        break;
    case REG_ICR_LO:
        l->icr_lo = val & 0x000ccfffu; /* delivery status (bit 12) always idle */
        lapic_send_ipi(l);
        break;
    case REG_ICR_HI:
        l->icr_hi = val & 0xff000000u;
        break;
    case REG_LVT0 ... REG_LVT0 + APIC_LVT_COUNT - 1:
        lapic_write_lvt(l, (int)(reg - REG_LVT0), val);
        break;
    case REG_TIMER_ICR:
        if (lapic_timer_mode(l) == LVT_TIMER_TSC_DEADLINE) {
            break; /* ignored in TSC-deadline mode */
        }
        l->timer_initial = val;
        l->timer_start = vclock_ns();
        lapic_timer_arm(l);
        break;
    case REG_TIMER_DCR: {
        uint32_t cur = lapic_timer_current(l);
        unsigned shift;

        l->timer_dcr = val & 0xbu;
        /* Keep the current count: restart the period as if it had counted to cur. */
        shift = lapic_timer_shift(l);
        if (l->timer_initial && cur) {
            l->timer_start = vclock_ns() - ((int64_t)(l->timer_initial - cur) << shift);
            lapic_timer_arm(l);
        }
        break;
    }
    case REG_VERSION:
    case REG_APR:
    case REG_PPR:
    case REG_RRD:
    case REG_ISR0 ... REG_ISR0 + 7:
    case REG_TMR0 ... REG_TMR0 + 7:
    case REG_IRR0 ... REG_IRR0 + 7:
    case REG_TIMER_CCR:
        log_mask_printf(LOG_GUEST_ERRORS, "apic%d: write to read-only register 0x%03x\n",
                        l->index, reg << 4);
        break;
    default:
        log_mask_printf(LOG_GUEST_ERRORS, "apic%d: write to reserved register 0x%03x\n",
                        l->index, reg << 4);
        lapic_error(l, ESR_ILLEGAL_REGISTER);
        break;
    }
}

/* The APIC of the CPU doing this access, if its APIC is mapped where region l is. */
static LAPIC *lapic_for_access(LAPIC *l)
{
    ApicState *s = l->parent;
    int c = s->hooks.current_cpu ? s->hooks.current_cpu(s->hooks.opaque) : 0;
    LAPIC *me;

    if (c < 0 || c >= s->nb_cpus) {
        return NULL;
    }
    me = &s->cpu[c];
    if (!lapic_hw_enabled(me) || lapic_base_addr(me) != lapic_base_addr(l)) {
        log_mask_printf(LOG_GUEST_ERRORS,
                        "apic: cpu %d accessed another CPU's APIC window at 0x%llx\n", c,
                        (unsigned long long)lapic_base_addr(l));
        return NULL;
    }
    return me;
}

static uint64_t apic_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    LAPIC *l = lapic_for_access(opaque);
    unsigned sub = (unsigned)(offset & 0xf);
    uint64_t v;

    if (!l || sub >= 4) {
        return 0;
    }
    v = lapic_read_reg(l, (unsigned)(offset >> 4) & 0xff);
    if (size == 8) {
        return v; /* the upper dword is reserved space */
    }
    v >>= sub * 8;
    return size >= 4 ? v : v & ((1u << (size * 8)) - 1);
}

static void apic_mmio_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    LAPIC *l = lapic_for_access(opaque);

    if (!l) {
        return;
    }
    if ((offset & 0xf) != 0 || size < 4) {
        log_mask_printf(LOG_GUEST_ERRORS, "apic%d: %u-byte write at 0x%03llx ignored\n",
                        l->index, size, (unsigned long long)offset);
        return;
    }
    lapic_write_reg(l, (unsigned)(offset >> 4) & 0xff, (uint32_t)val);
}

static const MemoryOps apic_mmio_ops = {
    .read = apic_mmio_read,
    .write = apic_mmio_write,
};

/* ---- device ---- */

void apic_connect(ApicState *s, const ApicHooks *hooks)
{
    s->hooks = hooks ? *hooks : no_hooks;
    for (int i = 0; i < s->nb_cpus; i++) {
        lapic_update_pin(&s->cpu[i], true);
    }
}

static void *apic_init(Board *b, int instance)
{
    ApicState *s = xzalloc(sizeof(*s));

    (void)instance;
    s->board = b;
    s->nb_cpus = MIN(MAX(b->smp, 1), APIC_MAX_CPUS);
    for (int i = 0; i < s->nb_cpus; i++) {
        LAPIC *l = &s->cpu[i];
        char name[16];

        l->index = i;
        l->parent = s;
        l->timer = timer_new(lapic_timer_cb, l);
        snprintf(name, sizeof(name), "apic%d", i);
        l->mmio = mem_add_mmio(b->mem, name, APIC_DEFAULT_BASE, 0x1000, &apic_mmio_ops, l,
                               APIC_MMIO_PRIO);
    }
    apic_reset(s);
    return s;
}

static void apic_finalize(void *opaque)
{
    ApicState *s = opaque;

    for (int i = 0; i < s->nb_cpus; i++) {
        timer_free(s->cpu[i].timer);
    }
}

static int apic_post_load(void *opaque)
{
    ApicState *s = opaque;

    for (int i = 0; i < s->nb_cpus; i++) {
        LAPIC *l = &s->cpu[i];

        lapic_map(l);
        lapic_update_pin(l, true);
    }
    return 0;
}

static bool apic_info(void *opaque, const char *what, FILE *out)
{
    ApicState *s = opaque;

    if (strcmp(what, "lapic") != 0) {
        return false;
    }
    for (int i = 0; i < s->nb_cpus; i++) {
        LAPIC *l = &s->cpu[i];
        static const char *const lvt_names[APIC_LVT_COUNT] = {"timer", "thermal", "perf",
                                                              "LINT0", "LINT1", "error"};

        fprintf(out, "cpu %d: apicbase=%08llx (%s%s) id=%02x ldr=%08x dfr=%08x svr=%03x (%s)\n",
                i, (unsigned long long)l->apicbase, lapic_hw_enabled(l) ? "enabled" : "disabled",
                (l->apicbase & APICBASE_BSP) ? ", BSP" : "", l->id, l->ldr, l->dfr, l->svr,
                lapic_sw_enabled(l) ? "sw enabled" : "sw disabled");
        fprintf(out, "  tpr=%02x ppr=%02x apr=%02x esr=%02x icr=%08x:%08x intr=%d extint=%d\n",
                l->tpr, lapic_ppr(l), lapic_apr(l), l->esr, l->icr_hi, l->icr_lo, l->intr_out,
                lapic_extint(l));
        fprintf(out, "  irr:");
        for (int v = 255; v >= 0; v--) {
            if (reg256_test(l->irr, v)) {
                fprintf(out, " %02x%s", v, reg256_test(l->tmr, v) ? "(level)" : "");
            }
        }
        fprintf(out, "\n  isr:");
        for (int v = 255; v >= 0; v--) {
            if (reg256_test(l->isr, v)) {
                fprintf(out, " %02x", v);
            }
        }
        fprintf(out, "\n  lvt:");
        for (int k = 0; k < APIC_LVT_COUNT; k++) {
            fprintf(out, " %s=%08x", lvt_names[k], l->lvt[k]);
        }
        fprintf(out, "\n  timer: initial=%08x current=%08x dcr=%x (/%u) tsc_deadline=%llx\n",
                l->timer_initial, lapic_timer_current(l), l->timer_dcr,
                1u << lapic_timer_shift(l), (unsigned long long)l->tsc_deadline);
    }
    return true;
}

static const VMStateField lapic_fields[] = {
    VMS_U64(LAPIC, apicbase),
    VMS_U8(LAPIC, id),
    VMS_U8(LAPIC, tpr),
    VMS_U32(LAPIC, ldr),
    VMS_U32(LAPIC, dfr),
    VMS_U32(LAPIC, svr),
    VMS_U32_ARRAY(LAPIC, isr),
    VMS_U32_ARRAY(LAPIC, tmr),
    VMS_U32_ARRAY(LAPIC, irr),
    VMS_U32(LAPIC, esr),
    VMS_U32(LAPIC, esr_pending),
    VMS_U32(LAPIC, icr_lo),
    VMS_U32(LAPIC, icr_hi),
    VMS_U32_ARRAY(LAPIC, lvt),
    VMS_U32(LAPIC, timer_initial),
    VMS_U32(LAPIC, timer_dcr),
    VMS_I64(LAPIC, timer_start),
    VMS_U64(LAPIC, tsc_deadline),
    VMS_ARRAY(LAPIC, lint_level, VMS_TYPE_BOOL, sizeof(bool)),
    VMS_BOOL(LAPIC, extint_pending),
    VMS_BOOL(LAPIC, intr_out),
    VMS_TIMER(LAPIC, timer),
    VMS_END,
};

static const VMStateDesc lapic_vmsd = {
    .name = "lapic",
    .version = 1,
    .fields = lapic_fields,
};

static const VMStateField apic_fields[] = {
    VMS_STRUCT_ARRAY(ApicState, cpu, LAPIC, lapic_vmsd),
    VMS_BOOL(ApicState, pic_level),
    VMS_U32(ApicState, lowest_rr),
    VMS_END,
};

static const VMStateDesc apic_vmsd = {
    .name = "apic",
    .version = 1,
    .fields = apic_fields,
    .post_load = apic_post_load,
};

const DeviceInfo apic_device = {
    .name = "apic",
    .init = apic_init,
    .reset = apic_reset,
    .vmsd = &apic_vmsd,
    .info = apic_info,
    .finalize = apic_finalize,
};
