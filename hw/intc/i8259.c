/*
 * Two cascaded 8259A PICs: master at 0x20/0x21 (INT -> the CPU's INTR pin), slave at
 * 0xA0/0xA1 (INT -> master IR2), plus the PIIX edge/level control registers (ELCR) at
 * 0x4D0/0x4D1. Implements ICW1-4, OCW1-3, automatic EOI (with rotation), special mask,
 * special fully nested mode, priority rotation, poll mode, specific/non-specific EOI,
 * edge and level triggering, and spurious IRQ7/IRQ15.
 *
 * Priorities: "priority_add" is the IR with the highest priority (0 after init); a
 * priority number p (0 = highest) names IR (p + priority_add) & 7.
 */
#include "hw/devices.h"
#include "util/log.h"

typedef struct PIC8259 {
    uint8_t irr;          /* interrupt request register */
    uint8_t imr;          /* interrupt mask register */
    uint8_t isr;          /* in-service register */
    uint8_t last_irr;     /* input levels, for edge detection */
    uint8_t priority_add; /* IR with the highest priority */
    uint8_t irq_base;     /* ICW2 vector base */
    uint8_t icw3;
    uint8_t init_state;   /* 0: ready, 1..3: expecting ICW2..ICW4 */
    uint8_t elcr;         /* 1 = level triggered */
    uint8_t elcr_mask;    /* ELCR bits that exist */
    bool read_isr;        /* OCW3 RR/RIS: read ISR instead of IRR */
    bool poll;            /* OCW3 P: next read is a poll */
    bool special_mask;
    bool auto_eoi;
    bool rotate_on_auto_eoi;
    bool special_fully_nested;
    bool init4;
    bool single_mode;
    bool ltim;            /* ICW1 LTIM: all inputs level triggered */
} PIC8259;

typedef struct PICState {
    PIC8259 chip[2];
    IRQ cpu_intr;
    uint8_t intr_level;
    /* Interrupts acknowledged per IRQ (INTA), for `info irq`: host-side statistics, not
     * chip state (not saved, not reset). */
    uint64_t delivered[16];
} PICState;

static uint8_t pic_level_mask(PIC8259 *p)
{
    return p->ltim ? 0xff : p->elcr;
}

static bool pic_level_triggered(PIC8259 *p, int irq)
{
    return (pic_level_mask(p) >> irq) & 1;
}

/* A level-triggered request bit is the input itself (last_irr holds the input levels);
 * called when the trigger mode of some inputs changes. */
static void pic_sync_level_irr(PIC8259 *p)
{
    uint8_t level = pic_level_mask(p);

    p->irr = (uint8_t)((p->irr & ~level) | (p->last_irr & level));
}

/* Priority number (0 = highest) of the highest-priority bit set in mask; 8 if none. */
static int pic_get_priority(PIC8259 *p, uint8_t mask)
{
    int prio;

    if (mask == 0) {
        return 8;
    }
    for (prio = 0; !(mask & (1u << ((prio + p->priority_add) & 7))); prio++) {
    }
    return prio;
}

/* The IR this chip would present to the CPU now, or -1. is_master enables the SFNM rule. */
static int pic_get_irq(PIC8259 *p, bool is_master)
{
    uint8_t mask = p->irr & (uint8_t)~p->imr;
    int prio = pic_get_priority(p, mask), cur;

    if (prio == 8) {
        return -1;
    }
    mask = p->isr;
    if (p->special_mask) {
        mask &= (uint8_t)~p->imr;
    }
    cur = pic_get_priority(p, mask);
    if (prio < cur) {
        return (prio + p->priority_add) & 7;
    }
    /* Special fully nested mode: while the slave's IR2 is the highest level in service, a
     * new request from the slave (which only signals one above its own in-service level)
     * is still taken; requests below IR2 keep waiting. */
    if (is_master && p->special_fully_nested && prio == cur &&
        ((prio + p->priority_add) & 7) == 2) {
        return 2;
    }
    return -1;
}

static void pic_chip_set_input(PIC8259 *p, int irq, int level)
{
    uint8_t mask = (uint8_t)(1u << irq);

    if (pic_level_triggered(p, irq)) {
        if (level) {
            p->irr |= mask;
            p->last_irr |= mask;
        } else {
            p->irr &= (uint8_t)~mask;
            p->last_irr &= (uint8_t)~mask;
        }
    } else if (level) {
        if (!(p->last_irr & mask)) {
            p->irr |= mask; /* rising edge */
        }
        p->last_irr |= mask;
    } else {
        p->last_irr &= (uint8_t)~mask;
    }
}

static void pic_update(PICState *s)
{
    int level;

    pic_chip_set_input(&s->chip[0], 2, pic_get_irq(&s->chip[1], false) >= 0);
    level = pic_get_irq(&s->chip[0], true) >= 0;
    if (level != s->intr_level) {
        s->intr_level = (uint8_t)level;
        irq_set(&s->cpu_intr, level);
    }
}

static void pic_set_irq(void *opaque, int n, int level)
{
    PICState *s = opaque;

    if (n < 0 || n > 15 || n == 2) {
        return; /* IR2 of the master is the cascade input */
    }
    pic_chip_set_input(&s->chip[n >> 3], n & 7, level);
    pic_update(s);
}

/* Acknowledge IR irq on chip p (INTA or poll). */
static void pic_ack(PIC8259 *p, int irq)
{
    if (p->auto_eoi) {
        if (p->rotate_on_auto_eoi) {
            p->priority_add = (uint8_t)((irq + 1) & 7);
        }
    } else {
        p->isr |= (uint8_t)(1u << irq);
    }
    if (!pic_level_triggered(p, irq)) {
        p->irr &= (uint8_t)~(1u << irq);
    }
}

int pic_intr_ack(struct PICState *s)
{
    int irq = pic_get_irq(&s->chip[0], true), vector;

    if (irq < 0) {
        /* The request went away before INTA: spurious IRQ7. */
        vector = s->chip[0].irq_base + 7;
    } else {
        pic_ack(&s->chip[0], irq);
        if (irq == 2) {
            int irq2 = pic_get_irq(&s->chip[1], false);

            if (irq2 >= 0) {
                pic_ack(&s->chip[1], irq2);
                vector = s->chip[1].irq_base + irq2;
                s->delivered[8 + irq2]++;
            } else {
                vector = s->chip[1].irq_base + 7; /* spurious IRQ15 */
            }
        } else {
            vector = s->chip[0].irq_base + irq;
            s->delivered[irq]++;
        }
    }
    pic_update(s);
    log_mask_printf(LOG_INT, "pic: INTA -> vector 0x%02x\n", vector);
    return vector;
}

static void pic_chip_reset(PIC8259 *p)
{
    uint8_t elcr = p->elcr, elcr_mask = p->elcr_mask;

    memset(p, 0, sizeof(*p));
    p->elcr = elcr;
    p->elcr_mask = elcr_mask;
}

static void pic_write_cmd(PICState *s, PIC8259 *p, uint8_t val)
{
    int irq, prio;

    if (val & 0x10) {
        /* ICW1: IMR, ISR, special mask, priority and ICW4 modes cleared; the edge sense is
         * reset (an input already high must go low and high again), while a level-triggered
         * input that is high is a request at once. */
        uint8_t elcr = p->elcr, mask = p->elcr_mask, base = p->irq_base, inputs = p->last_irr;

        memset(p, 0, sizeof(*p));
        p->elcr = elcr;
        p->elcr_mask = mask;
        p->irq_base = base;
        p->last_irr = inputs;
        p->init_state = 1;
        p->init4 = val & 1;
        p->single_mode = (val & 2) != 0;
        p->ltim = (val & 8) != 0;
        pic_sync_level_irr(p);
        if (val & 4) {
            log_mask_printf(LOG_UNIMP, "pic: ICW1 call address interval 4 ignored\n");
        }
    } else if (val & 0x08) {
        /* OCW3 */
        if (val & 0x04) {
            p->poll = true;
        }
        if (val & 0x02) {
            p->read_isr = val & 1;
        }
        if (val & 0x40) {
            p->special_mask = (val >> 5) & 1;
        }
    } else {
        /* OCW2 */
        switch (val >> 5) {
        case 0: /* rotate in automatic EOI mode: clear */
        case 4: /* ... set */
            p->rotate_on_auto_eoi = (val >> 7) & 1;
            break;
        case 1: /* non-specific EOI */
        case 5: /* rotate on non-specific EOI */
            /* In special mask mode, IS bits masked in the IMR are not cleared by it. */
            prio = pic_get_priority(p, p->special_mask ? (uint8_t)(p->isr & ~p->imr) : p->isr);
            if (prio != 8) {
                irq = (prio + p->priority_add) & 7;
                p->isr &= (uint8_t)~(1u << irq);
                if (val & 0x80) {
                    p->priority_add = (uint8_t)((irq + 1) & 7);
                }
            }
            break;
        case 3: /* specific EOI */
        case 7: /* rotate on specific EOI */
            irq = val & 7;
            p->isr &= (uint8_t)~(1u << irq);
            if (val & 0x80) {
                p->priority_add = (uint8_t)((irq + 1) & 7);
            }
            break;
        case 6: /* set priority: IR (val & 7) becomes the lowest */
            p->priority_add = (uint8_t)((val + 1) & 7);
            break;
        default: /* 2: no operation */
            break;
        }
    }
    pic_update(s);
}

static void pic_write_data(PICState *s, PIC8259 *p, uint8_t val)
{
    switch (p->init_state) {
    case 0: /* OCW1 */
        p->imr = val;
        break;
    case 1: /* ICW2 */
        p->irq_base = val & 0xf8;
        p->init_state = p->single_mode ? (p->init4 ? 3 : 0) : 2;
        break;
    case 2: /* ICW3 */
        p->icw3 = val;
        p->init_state = p->init4 ? 3 : 0;
        break;
    default: /* ICW4 */
        p->special_fully_nested = (val >> 4) & 1;
        p->auto_eoi = (val >> 1) & 1;
        if (!(val & 1)) {
            log_mask_printf(LOG_UNIMP, "pic: ICW4 MCS-80/85 mode not supported\n");
        }
        if (val & 0x08) {
            log_mask_printf(LOG_UNIMP, "pic: ICW4 buffered mode ignored\n");
        }
        p->init_state = 0;
        break;
    }
    pic_update(s);
}

static uint8_t pic_poll_read(PICState *s, PIC8259 *p)
{
    int irq = pic_get_irq(p, p == &s->chip[0]);
    uint8_t v = 0;

    p->poll = false;
    if (irq >= 0) {
        pic_ack(p, irq);
        v = (uint8_t)(0x80 | irq);
    }
    pic_update(s);
    return v;
}

static uint32_t pic_read(void *opaque, uint16_t port, unsigned size)
{
    PICState *s = opaque;
    PIC8259 *p = &s->chip[port >= 0xa0];

    if (p->poll) {
        return pic_poll_read(s, p);
    }
    if ((port & 1) == 0) {
        return p->read_isr ? p->isr : p->irr;
    }
    return p->imr;
}

static void pic_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    PICState *s = opaque;
    PIC8259 *p = &s->chip[port >= 0xa0];

    if ((port & 1) == 0) {
        pic_write_cmd(s, p, (uint8_t)val);
    } else {
        pic_write_data(s, p, (uint8_t)val);
    }
}

static uint32_t elcr_read(void *opaque, uint16_t port, unsigned size)
{
    PICState *s = opaque;

    return s->chip[port & 1].elcr;
}

static void elcr_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    PICState *s = opaque;
    PIC8259 *p = &s->chip[port & 1];

    if (val & ~p->elcr_mask & 0xff) {
        log_mask_printf(LOG_GUEST_ERRORS, "pic: ELCR%d bits %02x cannot be level triggered\n",
                        port & 1, val & ~p->elcr_mask & 0xff);
    }
    p->elcr = (uint8_t)(val & p->elcr_mask);
    pic_sync_level_irr(p);
    pic_update(s);
}

static const IOPortOps pic_ops = {
    .read = pic_read,
    .write = pic_write,
};

static const IOPortOps elcr_ops = {
    .read = elcr_read,
    .write = elcr_write,
};

static void pic_reset(void *opaque)
{
    PICState *s = opaque;

    for (int i = 0; i < 2; i++) {
        s->chip[i].elcr = 0;
        pic_chip_reset(&s->chip[i]);
    }
    s->intr_level = 0;
    irq_lower(&s->cpu_intr);
}

static void *pic_init(Board *b, int instance)
{
    PICState *s = xzalloc(sizeof(*s));

    s->cpu_intr = b->cpu_intr;
    s->chip[0].elcr_mask = 0xf8; /* IRQ0-2 are always edge triggered */
    s->chip[1].elcr_mask = 0xde; /* IRQ8 and IRQ13 too */
    io_register(b->io, 0x20, 2, &pic_ops, s);
    io_register(b->io, 0xa0, 2, &pic_ops, s);
    io_register(b->io, 0x4d0, 2, &elcr_ops, s);
    for (int i = 0; i < 16; i++) {
        b->isa_irq[i] = (IRQ){pic_set_irq, s, i};
    }
    b->pic = s;
    pic_reset(s);
    return s;
}

/* `info irq`: one line per ISA IRQ, in words. */
static void pic_info_irq(PICState *s, FILE *out)
{
    static const char *const usual[16] = {
        "timer (PIT)", "keyboard", "cascade (slave)", "COM2/COM4", "COM1/COM3", "LPT2",
        "floppy", "LPT1", "RTC", "ACPI SCI", "PCI", "PCI", "PS/2 mouse", "FPU error",
        "IDE primary", "IDE secondary",
    };

    fprintf(out, "IRQ  usual use        input  trigger  masked  requested  in-service  vector  "
                 "delivered\n");
    for (int n = 0; n < 16; n++) {
        PIC8259 *p = &s->chip[n >> 3];
        int ir = n & 7;
        uint8_t bit = (uint8_t)(1u << ir);

        fprintf(out, "%3d  %-16s %-6s %-8s %-7s %-10s %-11s 0x%02x    %llu\n", n, usual[n],
                (p->last_irr & bit) ? "high" : "low",
                pic_level_triggered(p, ir) ? "level" : "edge", (p->imr & bit) ? "yes" : "no",
                (p->irr & bit) ? "yes" : "no", (p->isr & bit) ? "yes" : "no",
                (p->irq_base + ir) & 0xff, (unsigned long long)s->delivered[n]);
    }
    fprintf(out, "(8259A PICs; `info pic` shows their registers. An OS in APIC mode routes "
                 "IRQs through the IOAPIC instead: `info ioapic`.)\n");
}

static bool pic_info(void *opaque, const char *what, FILE *out)
{
    PICState *s = opaque;

    if (strcmp(what, "irq") == 0) {
        pic_info_irq(s, out);
        return true;
    }
    if (strcmp(what, "pic") != 0) {
        return false;
    }
    for (int i = 0; i < 2; i++) {
        PIC8259 *p = &s->chip[i];

        fprintf(out, "pic%d: irr=%02x imr=%02x isr=%02x hprio=%d irq_base=%02x rr_sel=%d "
                "elcr=%02x fnm=%d aeoi=%d smm=%d init=%d\n", i, p->irr, p->imr, p->isr,
                p->priority_add, p->irq_base, p->read_isr, p->elcr, p->special_fully_nested,
                p->auto_eoi, p->special_mask, p->init_state);
    }
    fprintf(out, "INTR: %d\n", s->intr_level);
    return true;
}

static const VMStateField pic_chip_fields[] = {
    VMS_U8(PIC8259, irr),
    VMS_U8(PIC8259, imr),
    VMS_U8(PIC8259, isr),
    VMS_U8(PIC8259, last_irr),
    VMS_U8(PIC8259, priority_add),
    VMS_U8(PIC8259, irq_base),
    VMS_U8(PIC8259, icw3),
    VMS_U8(PIC8259, init_state),
    VMS_U8(PIC8259, elcr),
    VMS_BOOL(PIC8259, read_isr),
    VMS_BOOL(PIC8259, poll),
    VMS_BOOL(PIC8259, special_mask),
    VMS_BOOL(PIC8259, auto_eoi),
    VMS_BOOL(PIC8259, rotate_on_auto_eoi),
    VMS_BOOL(PIC8259, special_fully_nested),
    VMS_BOOL(PIC8259, init4),
    VMS_BOOL(PIC8259, single_mode),
    VMS_BOOL(PIC8259, ltim),
    VMS_END,
};

static const VMStateDesc pic_chip_vmsd = {
    .name = "i8259-chip",
    .version = 1,
    .fields = pic_chip_fields,
};

static const VMStateField pic_fields[] = {
    VMS_STRUCT_ARRAY(PICState, chip, PIC8259, pic_chip_vmsd),
    VMS_END,
};

static int pic_post_load(void *opaque)
{
    PICState *s = opaque;

    s->chip[0].elcr &= s->chip[0].elcr_mask;
    s->chip[1].elcr &= s->chip[1].elcr_mask;
    s->intr_level = 0xff;
    pic_update(s);
    return 0;
}

static const VMStateDesc pic_vmsd = {
    .name = "i8259",
    .version = 1,
    .fields = pic_fields,
    .post_load = pic_post_load,
};

const DeviceInfo i8259_device = {
    .name = "i8259",
    .init = pic_init,
    .reset = pic_reset,
    .vmsd = &pic_vmsd,
    .info = pic_info,
};
