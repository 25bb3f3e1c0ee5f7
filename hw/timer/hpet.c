/*
 * HPET (IA-PC High Precision Event Timer 1.0a) at 0xFED00000: a 64-bit main counter at
 * 100 MHz (10 ns period) of the virtual clock and three comparators. Timer 0 is 64-bit
 * and periodic capable; timers 1 and 2 are 32-bit one-shot timers (as on Intel ICH parts).
 *
 * Interrupts: with legacy replacement (GEN_CONF.LEG_RT_CNF and ENABLE_CNF both set)
 * timer 0 drives ISA IRQ0 (8259 IRQ0, I/O APIC pin 2) and timer 1 drives IRQ8, and the
 * PIT's and RTC's own outputs are cut off from those lines. Otherwise timer n drives the
 * I/O APIC pin in Tn_INT_ROUTE_CNF, one of pins 20..23 (Tn_INT_ROUTE_CAP). Edge-triggered
 * timers send a pulse; level-triggered timers set their GINTR_STA bit and hold the line
 * until software writes 1 to that bit.
 *
 * Not implemented: FSB (MSI) delivery (Tn_FSB_INT_DEL_CAP reads 0).
 * Comparator match is evaluated on the virtual clock, not on every counter tick: in
 * 32-bit mode a comparator that is passed matches again after the counter wraps (2^32
 * ticks, 42.9 s later), as on hardware.
 */
#include "hw/intc/apic.h"

#include "util/log.h"

#define HPET_NUM_TIMERS 3
#define HPET_PERIOD_FS 10000000ull /* 10 ns */
#define HPET_NS_PER_TICK 10

/* Registers (offsets) */
#define HPET_GCAP_ID 0x000
#define HPET_GEN_CONF 0x010
#define HPET_GINTR_STA 0x020
#define HPET_MAIN_COUNTER 0x0f0
#define HPET_TIMER0 0x100 /* + 0x20 * n: config, +8 comparator, +0x10 FSB route */

#define GEN_ENABLE (1u << 0)
#define GEN_LEG_RT (1u << 1)

#define TN_INT_TYPE_LEVEL (1u << 1)
#define TN_INT_ENB (1u << 2)
#define TN_TYPE_PERIODIC (1u << 3)
#define TN_PER_INT_CAP (1u << 4)
#define TN_SIZE_CAP (1u << 5)
#define TN_VAL_SET (1u << 6)
#define TN_32MODE (1u << 8)
#define TN_INT_ROUTE_SHIFT 9
#define TN_INT_ROUTE_MASK (0x1fu << TN_INT_ROUTE_SHIFT)
#define TN_RW_BITS (TN_INT_TYPE_LEVEL | TN_INT_ENB | TN_TYPE_PERIODIC | TN_32MODE | \
                    TN_INT_ROUTE_MASK)
#define HPET_ROUTE_CAP (0xfull << IOAPIC_HPET_FIRST_GSI)

struct HPETState;

typedef struct HPETTimer {
    uint32_t config; /* writable bits of Tn_CONFIG (capabilities are computed) */
    uint64_t cmp;
    uint64_t period;
    bool line;       /* level driven on the output */
    Timer *timer;
    int index;
    struct HPETState *parent;
} HPETTimer;

typedef struct HPETState {
    uint32_t config;
    uint32_t isr;
    uint64_t counter;        /* main counter at counter_base (running) or its value (halted) */
    int64_t counter_base;
    HPETTimer t[HPET_NUM_TIMERS];
    bool gated_level[2];     /* PIT (IRQ0) and RTC (IRQ8) outputs */
    IRQ out[2];              /* ISA IRQ0 and IRQ8 as the interrupt controllers registered them */
    struct IOAPICState *ioapic;
} HPETState;

static bool hpet_enabled(const HPETState *s)
{
    return (s->config & GEN_ENABLE) != 0;
}

static bool hpet_legacy(const HPETState *s)
{
    return (s->config & (GEN_ENABLE | GEN_LEG_RT)) == (GEN_ENABLE | GEN_LEG_RT);
}

static uint64_t hpet_counter(const HPETState *s)
{
    if (!hpet_enabled(s)) {
        return s->counter;
    }
    return s->counter + (uint64_t)((vclock_ns() - s->counter_base) / HPET_NS_PER_TICK);
}

static bool timer_is_32bit(const HPETTimer *t)
{
    return t->index != 0 || (t->config & TN_32MODE);
}

static bool timer_is_periodic(const HPETTimer *t)
{
    return t->index == 0 && (t->config & TN_TYPE_PERIODIC);
}

static uint64_t timer_caps(const HPETTimer *t)
{
    uint64_t caps = HPET_ROUTE_CAP << 32;

    if (t->index == 0) {
        caps |= TN_PER_INT_CAP | TN_SIZE_CAP;
    }
    return caps;
}

/* Drive the output of timer t. */
static void hpet_timer_line(HPETTimer *t, bool level)
{
    HPETState *s = t->parent;

    t->line = level;
    if (hpet_legacy(s) && t->index < 2) {
        irq_set(&s->out[t->index], level);
        return;
    }
    if (s->ioapic) {
        unsigned route = (t->config & TN_INT_ROUTE_MASK) >> TN_INT_ROUTE_SHIFT;

        if (!((HPET_ROUTE_CAP >> route) & 1)) {
            log_mask_printf(LOG_GUEST_ERRORS, "hpet: timer %d routed to pin %u (not allowed)\n",
                            t->index, route);
            return;
        }
        ioapic_set_gsi(s->ioapic, (int)route, level);
    }
}

static void hpet_timer_interrupt(HPETTimer *t)
{
    HPETState *s = t->parent;

    if (!(t->config & TN_INT_ENB)) {
        return;
    }
    if (t->config & TN_INT_TYPE_LEVEL) {
        s->isr |= 1u << t->index;
        hpet_timer_line(t, true);
    } else {
        hpet_timer_line(t, true);
        hpet_timer_line(t, false);
    }
}

/* Arm t for its next comparator match. after_match: the comparator matched just now. */
static void hpet_timer_arm(HPETTimer *t, bool after_match)
{
    HPETState *s = t->parent;
    uint64_t cur, delta;

    if (!hpet_enabled(s)) {
        timer_del(t->timer);
        return;
    }
    cur = hpet_counter(s);
    if (timer_is_32bit(t)) {
        delta = (uint32_t)((uint32_t)t->cmp - (uint32_t)cur);
        if (delta == 0 && after_match) {
            delta = 1ull << 32;
        }
    } else {
        if (t->cmp < cur || (t->cmp == cur && after_match)) {
            timer_del(t->timer); /* a 64-bit counter does not wrap in practice */
            return;
        }
        delta = t->cmp - cur;
    }
    if (delta > (1ull << 58)) {
        timer_del(t->timer);
        return;
    }
    /* The counter reads cur + delta at counter_base + (cur + delta - counter) ticks. */
    timer_mod(t->timer, s->counter_base + (int64_t)(cur + delta - s->counter) * HPET_NS_PER_TICK);
}

static void hpet_timer_cb(void *opaque)
{
    HPETTimer *t = opaque;
    HPETState *s = t->parent;

    if (!hpet_enabled(s)) {
        return;
    }
    hpet_timer_interrupt(t);
    if (timer_is_periodic(t) && t->period) {
        uint64_t cur = hpet_counter(s);

        t->cmp += t->period;
        /* Periods the host missed are dropped rather than delivered in a burst. */
        if (timer_is_32bit(t)) {
            uint32_t behind = (uint32_t)cur - (uint32_t)t->cmp;

            if (behind < 0x80000000u && behind) {
                t->cmp += ((behind + t->period - 1) / t->period) * t->period;
            }
            t->cmp = (uint32_t)t->cmp;
        } else if (t->cmp < cur) {
            t->cmp += ((cur - t->cmp + t->period - 1) / t->period) * t->period;
        }
        hpet_timer_arm(t, false);
    } else {
        hpet_timer_arm(t, true);
    }
}

/* The PIT's or the RTC's output (gate 0 = IRQ0, 1 = IRQ8): cut off in legacy mode. */
static void hpet_gate_irq(void *opaque, int n, int level)
{
    HPETState *s = opaque;

    s->gated_level[n] = level != 0;
    if (!hpet_legacy(s)) {
        irq_set(&s->out[n], level);
    }
}

static void hpet_set_config(HPETState *s, uint32_t val)
{
    bool was_legacy = hpet_legacy(s), was_enabled = hpet_enabled(s);

    if (was_enabled) {
        s->counter = hpet_counter(s);
    }
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        if (s->t[i].line) {
            hpet_timer_line(&s->t[i], false);
        }
    }
    s->config = val & (GEN_ENABLE | GEN_LEG_RT);
    s->counter_base = vclock_ns();
    if (was_legacy != hpet_legacy(s)) {
        for (int n = 0; n < 2; n++) {
            irq_set(&s->out[n], hpet_legacy(s) ? 0 : s->gated_level[n]);
        }
    }
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        HPETTimer *t = &s->t[i];

        if ((s->isr >> i) & 1) {
            hpet_timer_line(t, true);
        }
        hpet_timer_arm(t, false);
    }
}

static uint64_t hpet_reg_read(HPETState *s, uint64_t reg)
{
    switch (reg) {
    case HPET_GCAP_ID:
        return (HPET_PERIOD_FS << 32) | (0x8086u << 16) | (1u << 15) /* LEG_RT_CAP */ |
               (1u << 13) /* 64-bit counter */ | ((HPET_NUM_TIMERS - 1u) << 8) | 0x01;
    case HPET_GEN_CONF:
        return s->config;
    case HPET_GINTR_STA:
        return s->isr;
    case HPET_MAIN_COUNTER:
        return hpet_counter(s);
    default:
        if (reg >= HPET_TIMER0 && reg < HPET_TIMER0 + 0x20 * HPET_NUM_TIMERS) {
            HPETTimer *t = &s->t[(reg - HPET_TIMER0) / 0x20];

            switch (reg & 0x1f) {
            case 0x00:
                return timer_caps(t) | t->config;
            case 0x08:
                return timer_is_32bit(t) ? (uint32_t)t->cmp : t->cmp;
            default:
                return 0; /* FSB route: not supported */
            }
        }
        return 0;
    }
}

static void hpet_timer_write_config(HPETTimer *t, uint64_t val)
{
    uint32_t old = t->config;

    t->config = (uint32_t)val & (TN_RW_BITS | TN_VAL_SET);
    if (t->index != 0) {
        t->config &= ~(TN_TYPE_PERIODIC | TN_32MODE | TN_VAL_SET);
    }
    if (timer_is_32bit(t)) {
        t->cmp = (uint32_t)t->cmp;
        t->period = (uint32_t)t->period;
    }
    /* Output changes: a line held for a level interrupt follows the new settings. */
    if ((old ^ t->config) & (TN_INT_TYPE_LEVEL | TN_INT_ENB | TN_INT_ROUTE_MASK)) {
        HPETState *s = t->parent;

        if (t->line) {
            uint32_t now_cfg = t->config;

            t->config = old;
            hpet_timer_line(t, false);
            t->config = now_cfg;
        }
        if (!(t->config & TN_INT_TYPE_LEVEL) || !(t->config & TN_INT_ENB)) {
            s->isr &= ~(1u << t->index);
        } else if ((s->isr >> t->index) & 1) {
            hpet_timer_line(t, true);
        }
    }
    hpet_timer_arm(t, false);
}

static void hpet_timer_write_cmp(HPETTimer *t, uint64_t val)
{
    if (timer_is_32bit(t)) {
        val = (uint32_t)val;
    }
    /*
     * One-shot: the comparator. Periodic: the period (the increment), and with
     * Tn_VAL_SET_CNF also the accumulator (the next match); VAL_SET clears itself.
     */
    if (!timer_is_periodic(t) || (t->config & TN_VAL_SET)) {
        t->cmp = val;
    }
    if (timer_is_periodic(t)) {
        t->period = val;
    }
    t->config &= ~TN_VAL_SET;
    hpet_timer_arm(t, false);
}

static void hpet_reg_write(HPETState *s, uint64_t reg, uint64_t val)
{
    switch (reg) {
    case HPET_GEN_CONF:
        hpet_set_config(s, (uint32_t)val);
        break;
    case HPET_GINTR_STA:
        for (int i = 0; i < HPET_NUM_TIMERS; i++) {
            if (((uint32_t)val & s->isr) & (1u << i)) {
                s->isr &= ~(1u << i);
                hpet_timer_line(&s->t[i], false);
            }
        }
        break;
    case HPET_MAIN_COUNTER:
        if (hpet_enabled(s)) {
            log_mask_printf(LOG_GUEST_ERRORS, "hpet: main counter written while running\n");
        }
        s->counter = val;
        s->counter_base = vclock_ns();
        for (int i = 0; i < HPET_NUM_TIMERS; i++) {
            hpet_timer_arm(&s->t[i], false);
        }
        break;
    default:
        if (reg >= HPET_TIMER0 && reg < HPET_TIMER0 + 0x20 * HPET_NUM_TIMERS) {
            HPETTimer *t = &s->t[(reg - HPET_TIMER0) / 0x20];

            switch (reg & 0x1f) {
            case 0x00:
                hpet_timer_write_config(t, val);
                break;
            case 0x08:
                hpet_timer_write_cmp(t, val);
                break;
            default:
                log_mask_printf(LOG_UNIMP, "hpet: FSB interrupt route not supported\n");
                break;
            }
            break;
        }
        log_mask_printf(LOG_GUEST_ERRORS, "hpet: write to reserved offset 0x%03llx\n",
                        (unsigned long long)reg);
        break;
    }
}

static uint64_t hpet_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    HPETState *s = opaque;
    uint64_t v;

    if (size < 4) {
        log_mask_printf(LOG_GUEST_ERRORS, "hpet: %u-byte read at 0x%03llx\n", size,
                        (unsigned long long)offset);
    }
    v = hpet_reg_read(s, offset & ~7ull);
    v >>= (offset & 7) * 8;
    return size >= 8 ? v : v & ((1ull << (size * 8)) - 1);
}

static void hpet_mmio_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    HPETState *s = opaque;
    uint64_t reg = offset & ~7ull, old, mask;
    unsigned shift = (unsigned)(offset & 7) * 8;

    if (size < 4 || (offset & 3)) {
        log_mask_printf(LOG_GUEST_ERRORS, "hpet: %u-byte write at 0x%03llx ignored\n", size,
                        (unsigned long long)offset);
        return;
    }
    if (size == 8) {
        hpet_reg_write(s, reg, val);
        return;
    }
    /* A 32-bit half: merge with the other half of the register as it reads now. */
    if (reg == HPET_TIMER0 + 0x08 || reg == HPET_TIMER0 + 0x28 || reg == HPET_TIMER0 + 0x48) {
        HPETTimer *t = &s->t[(reg - HPET_TIMER0) / 0x20];

        old = timer_is_periodic(t) && !(t->config & TN_VAL_SET) ? t->period : t->cmp;
    } else if (reg == HPET_GINTR_STA) {
        old = 0; /* write-1-to-clear: the other half must not clear anything */
    } else {
        old = hpet_reg_read(s, reg);
    }
    mask = 0xffffffffull << shift;
    hpet_reg_write(s, reg, (old & ~mask) | ((val & 0xffffffffull) << shift));
}

static const MemoryOps hpet_mmio_ops = {
    .read = hpet_mmio_read,
    .write = hpet_mmio_write,
};

static void hpet_reset(void *opaque)
{
    HPETState *s = opaque;

    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        HPETTimer *t = &s->t[i];

        if (t->line) {
            hpet_timer_line(t, false);
        }
        t->config = 0;
        t->cmp = i == 0 ? ~0ull : 0xffffffffu;
        t->period = 0;
        timer_del(t->timer);
    }
    s->config = 0;
    s->isr = 0;
    s->counter = 0;
    s->counter_base = vclock_ns();
    for (int n = 0; n < 2; n++) {
        irq_set(&s->out[n], s->gated_level[n]);
    }
}

static void *hpet_init(Board *b, int instance)
{
    HPETState *s = xzalloc(sizeof(*s));

    (void)instance;
    s->ioapic = board_find_device(b, ioapic_device.name, 0);
    s->out[0] = b->isa_irq[0];
    s->out[1] = b->isa_irq[8];
    b->isa_irq[0] = (IRQ){hpet_gate_irq, s, 0};
    b->isa_irq[8] = (IRQ){hpet_gate_irq, s, 1};
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        s->t[i].index = i;
        s->t[i].parent = s;
        s->t[i].timer = timer_new(hpet_timer_cb, &s->t[i]);
    }
    mem_add_mmio(b->mem, "hpet", HPET_BASE, 0x400, &hpet_mmio_ops, s, 10);
    hpet_reset(s);
    return s;
}

static void hpet_finalize(void *opaque)
{
    HPETState *s = opaque;

    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        timer_free(s->t[i].timer);
    }
}

static bool hpet_info(void *opaque, const char *what, FILE *out)
{
    HPETState *s = opaque;

    if (strcmp(what, "hpet") != 0) {
        return false;
    }
    fprintf(out, "hpet: config=%x (%s%s) isr=%x counter=%016llx\n", s->config,
            hpet_enabled(s) ? "enabled" : "halted", hpet_legacy(s) ? ", legacy replacement" : "",
            s->isr, (unsigned long long)hpet_counter(s));
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        HPETTimer *t = &s->t[i];

        fprintf(out, "  timer %d: config=%016llx cmp=%016llx period=%016llx line=%d\n", i,
                (unsigned long long)(timer_caps(t) | t->config), (unsigned long long)t->cmp,
                (unsigned long long)t->period, t->line);
    }
    return true;
}

static const VMStateField hpet_timer_fields[] = {
    VMS_U32(HPETTimer, config),
    VMS_U64(HPETTimer, cmp),
    VMS_U64(HPETTimer, period),
    VMS_BOOL(HPETTimer, line),
    VMS_TIMER(HPETTimer, timer),
    VMS_END,
};

static const VMStateDesc hpet_timer_vmsd = {
    .name = "hpet-timer",
    .version = 1,
    .fields = hpet_timer_fields,
};

static const VMStateField hpet_fields[] = {
    VMS_U32(HPETState, config),
    VMS_U32(HPETState, isr),
    VMS_U64(HPETState, counter),
    VMS_I64(HPETState, counter_base),
    VMS_STRUCT_ARRAY(HPETState, t, HPETTimer, hpet_timer_vmsd),
    VMS_ARRAY(HPETState, gated_level, VMS_TYPE_BOOL, sizeof(bool)),
    VMS_END,
};

static const VMStateDesc hpet_vmsd = {
    .name = "hpet",
    .version = 1,
    .fields = hpet_fields,
};

const DeviceInfo hpet_device = {
    .name = "hpet",
    .init = hpet_init,
    .reset = hpet_reset,
    .vmsd = &hpet_vmsd,
    .info = hpet_info,
    .finalize = hpet_finalize,
};
