/*
 * 8254 programmable interval timer at 0x40-0x43 (input clock 1.193182 MHz), plus system
 * control port B at 0x61 (channel 2 gate, speaker enable, the DRAM refresh toggle in bit
 * 4 that BIOSes poll for delays, and channel 2's output in bit 5).
 *
 * Counters are not stepped: each channel remembers the virtual time its count was loaded
 * (or its gate triggered) and derives its counter and OUT from the ticks elapsed since.
 * Channel 0's OUT drives IRQ0; a timer fires at each of its transitions.
 *
 * A count written while counting takes effect as the datasheet says: at once in modes 0
 * and 4; at the next trigger in modes 1 and 5; at the end of the current period in mode
 * 2 and of the current half-cycle in mode 3 (or at a gate trigger before then).
 *
 * Simplifications (documented deviations): the counting element is loaded at once rather
 * than on the next CLK edge (OUT of mode 0 rises N ticks after the count is written, not
 * N + 1); in mode 3 an odd count is seen as counting down from N rather than N - 1.
 * Mode 1/5 counts wait for a gate rising edge (never happens on channels 0/1, whose gates
 * are tied high, as on a real PC).
 */
#include "hw/devices.h"
#include "util/log.h"

#define PIT_FREQ 1193182LL
#define REFRESH_PERIOD_NS 15085 /* port 0x61 bit 4 toggles every 15.085 us */

typedef struct PITChannel {
    uint32_t count;        /* reload value in binary: 1..0x10000 (BCD: 1..10000) */
    int64_t load_time;     /* virtual ns when counting (re)started */
    int64_t frozen_ticks;  /* >= 0: counting suspended by a low gate at this tick */
    uint16_t latched_count;
    uint8_t count_latched; /* 0, or the rw mode the latch is read with */
    uint8_t status;
    bool status_latched;
    uint8_t rw_mode;       /* 1 LSB, 2 MSB, 3 LSB then MSB */
    uint8_t read_state;    /* 1, 2, 3 (word: LSB next), 4 (word: MSB next) */
    uint8_t write_state;
    uint8_t write_latch;
    uint8_t mode;
    bool bcd;
    bool gate;
    bool loaded;           /* a count has been written since the control word */
    bool waiting_trigger;  /* modes 1/5: loaded, waiting for a gate rising edge */
    uint32_t next_count;   /* modes 1/2/3/5: count written while counting, 0 if none */
    int64_t next_tick;     /* modes 2/3: tick (since load_time) where next_count starts */
    bool next_low;         /* mode 3: next_count starts with the low half (at mid-period) */
} PITChannel;

typedef struct PITState {
    PITChannel ch[3];
    uint8_t port61;        /* bits 0-3 as written */
    uint8_t irq_level;
    IRQ irq;
    Timer *timer;          /* next transition of channel 0 OUT */
    int64_t next_transition; /* the timer's deadline */
} PITState;

static int64_t ns_to_ticks(int64_t ns)
{
    if (ns <= 0) {
        return 0;
    }
    return (ns / NS_PER_SEC) * PIT_FREQ + ((ns % NS_PER_SEC) * PIT_FREQ) / NS_PER_SEC;
}

/* Smallest ns with ns_to_ticks(ns) >= ticks. */
static int64_t ticks_to_ns(int64_t ticks)
{
    return (ticks / PIT_FREQ) * NS_PER_SEC +
           ((ticks % PIT_FREQ) * NS_PER_SEC + PIT_FREQ - 1) / PIT_FREQ;
}

static int64_t pit_ticks(PITChannel *c, int64_t now)
{
    if (c->frozen_ticks >= 0) {
        return c->frozen_ticks;
    }
    return ns_to_ticks(now - c->load_time);
}

static bool pit_running(PITChannel *c)
{
    return c->loaded && !c->waiting_trigger;
}

/* Modes 2/3: once the counter reaches the end of the period (or half-cycle) in which a new
 * count was written, continue from the new count as of that tick. */
static void pit_apply_next_count(PITChannel *c, int64_t now)
{
    int64_t start;

    if (!c->next_count || (c->mode != 2 && c->mode != 3) || !pit_running(c) ||
        c->frozen_ticks >= 0 || pit_ticks(c, now) < c->next_tick) {
        return;
    }
    start = c->load_time + ticks_to_ns(c->next_tick);
    c->count = c->next_count;
    c->next_count = 0;
    /* Starting in the low half: as if the new period had begun its high half before. */
    c->load_time = c->next_low ? start - ticks_to_ns((c->count + 1) >> 1) : start;
}

/* Current counter value (binary). */
static uint32_t pit_get_count(PITChannel *c, int64_t now)
{
    int64_t d;
    uint32_t modulus = c->bcd ? 10000 : 0x10000;

    pit_apply_next_count(c, now);
    if (!pit_running(c)) {
        return c->count % modulus;
    }
    d = pit_ticks(c, now);
    switch (c->mode) {
    case 2:
        return (uint32_t)(c->count - (uint32_t)(d % c->count));
    case 3:
        return (uint32_t)(c->count - (uint32_t)((2 * d) % c->count)) & ~1u;
    default: /* 0, 1, 4, 5: count down and wrap */
        return (uint32_t)(((int64_t)c->count - d % modulus + modulus) % modulus);
    }
}

static bool pit_out_at(PITChannel *c, int64_t now)
{
    int64_t d;

    pit_apply_next_count(c, now);
    if (!c->loaded) {
        return c->mode != 0; /* mode 0 OUT goes low at the control word */
    }
    if (c->waiting_trigger) {
        return true;
    }
    if ((c->mode == 2 || c->mode == 3) && !c->gate) {
        return true;
    }
    d = pit_ticks(c, now);
    switch (c->mode) {
    case 0:
    case 1:
        return d >= c->count;
    case 2:
        return (d % c->count) != c->count - 1;
    case 3:
        return (d % c->count) < (int64_t)((c->count + 1) >> 1);
    default: /* 4, 5: one-tick strobe at terminal count */
        return d != c->count;
    }
}

/* Virtual time of the next OUT transition after now, or VCLOCK_NEVER. */
static int64_t pit_next_transition(PITChannel *c, int64_t now)
{
    int64_t d, base, next;

    pit_apply_next_count(c, now);
    if (!pit_running(c) || c->frozen_ticks >= 0 ||
        ((c->mode == 2 || c->mode == 3) && !c->gate)) {
        return VCLOCK_NEVER;
    }
    d = pit_ticks(c, now);
    switch (c->mode) {
    case 0:
    case 1:
        if (d >= c->count) {
            return VCLOCK_NEVER;
        }
        next = c->count;
        break;
    case 2:
        base = d - d % c->count;
        next = (d - base < c->count - 1) ? base + c->count - 1 : base + c->count;
        break;
    case 3: {
        int64_t half = (c->count + 1) >> 1;

        base = d - d % c->count;
        next = (d - base < half) ? base + half : base + c->count;
        break;
    }
    default:
        if (d < c->count) {
            next = c->count;
        } else if (d == c->count) {
            next = c->count + 1;
        } else {
            return VCLOCK_NEVER;
        }
        break;
    }
    return c->load_time + ticks_to_ns(next);
}

/*
 * Drive IRQ0 from channel 0's OUT as of virtual time t and arm the timer for the next
 * transition. The timer callback passes its own deadline, not the current time: the main
 * loop may run it late, and evaluating OUT "now" would miss the one-tick low pulse of
 * mode 2 (no rising edge, no interrupt). Late transitions are replayed in order instead.
 */
static void pit_update_irq_at(PITState *s, int64_t t)
{
    PITChannel *c = &s->ch[0];
    uint8_t level = pit_out_at(c, t);
    int64_t next = pit_next_transition(c, t);

    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(&s->irq, level);
    }
    if (next == VCLOCK_NEVER) {
        timer_del(s->timer);
    } else {
        s->next_transition = next;
        timer_mod(s->timer, next);
    }
}

static void pit_update_irq(PITState *s)
{
    pit_update_irq_at(s, vclock_ns());
}

static void pit_timer_cb(void *opaque)
{
    PITState *s = opaque;

    pit_update_irq_at(s, s->next_transition);
}

static void pit_load_count(PITState *s, int n, uint32_t val)
{
    PITChannel *c = &s->ch[n];

    if (c->bcd) {
        val = ((val >> 12) & 0xf) * 1000 + ((val >> 8) & 0xf) * 100 + ((val >> 4) & 0xf) * 10 +
              (val & 0xf);
        if (val == 0) {
            val = 10000;
        }
    } else if (val == 0) {
        val = 0x10000;
    }
    if (val == 1 && (c->mode == 2 || c->mode == 3)) {
        log_mask_printf(LOG_GUEST_ERRORS, "pit: count 1 is illegal in mode %d; using 2\n",
                        c->mode);
        val = 2;
    }
    if (pit_running(c) && (c->mode == 1 || c->mode == 5)) {
        c->next_count = val; /* used by the next trigger; this one-shot runs on */
        return;
    }
    if (pit_running(c) && (c->mode == 2 || c->mode == 3) && c->frozen_ticks < 0) {
        int64_t now = vclock_ns(), d, base, half;

        pit_apply_next_count(c, now);
        d = pit_ticks(c, now);
        base = d - d % c->count;
        half = (c->count + 1) >> 1;
        c->next_low = c->mode == 3 && d - base < half;
        c->next_tick = c->next_low ? base + half : base + c->count;
        c->next_count = val;
        if (n == 0) {
            pit_update_irq(s);
        }
        return;
    }
    c->next_count = 0;
    c->count = val;
    c->loaded = true;
    c->frozen_ticks = -1;
    c->load_time = vclock_ns();
    c->waiting_trigger = (c->mode == 1 || c->mode == 5);
    if ((c->mode == 0 || c->mode == 4 || c->mode == 2 || c->mode == 3) && !c->gate) {
        c->frozen_ticks = 0; /* a low gate holds the count */
    }
    if (n == 0) {
        pit_update_irq(s);
    }
}

static uint8_t to_bcd16_byte(uint32_t v, bool high)
{
    uint32_t bcd = ((v / 1000) % 10) << 12 | ((v / 100) % 10) << 8 | ((v / 10) % 10) << 4 |
                   (v % 10);

    return (uint8_t)(high ? bcd >> 8 : bcd);
}

static uint8_t count_byte(PITChannel *c, uint32_t v, bool high)
{
    if (c->bcd) {
        return to_bcd16_byte(v, high);
    }
    return (uint8_t)(high ? v >> 8 : v);
}

static void pit_latch_count(PITChannel *c)
{
    if (!c->count_latched) {
        c->latched_count = (uint16_t)pit_get_count(c, vclock_ns());
        c->count_latched = c->rw_mode;
    }
}

static void pit_latch_status(PITChannel *c)
{
    if (!c->status_latched) {
        bool out = pit_out_at(c, vclock_ns()); /* first: it may take up a pending count */

        /* Null count: a count written has not reached the counting element yet. */
        c->status = (uint8_t)((out ? 0x80 : 0) |
                              (c->loaded && !c->waiting_trigger && !c->next_count ? 0 : 0x40) |
                              (c->rw_mode << 4) | (c->mode << 1) | (c->bcd ? 1 : 0));
        c->status_latched = true;
    }
}

static uint32_t pit_read(void *opaque, uint16_t port, unsigned size)
{
    PITState *s = opaque;
    PITChannel *c;
    uint8_t v;

    if ((port & 3) == 3) {
        return 0xff; /* the control word register is write-only */
    }
    c = &s->ch[port & 3];
    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    if (c->count_latched) {
        switch (c->count_latched) {
        case 1:
            c->count_latched = 0;
            return count_byte(c, c->latched_count, false);
        case 2:
            c->count_latched = 0;
            return count_byte(c, c->latched_count, true);
        case 3:
            c->count_latched = 4; /* MSB next */
            return count_byte(c, c->latched_count, false);
        default:
            c->count_latched = 0;
            return count_byte(c, c->latched_count, true);
        }
    }
    {
        uint32_t count = pit_get_count(c, vclock_ns());

        switch (c->read_state) {
        case 1:
            v = count_byte(c, count, false);
            break;
        case 2:
            v = count_byte(c, count, true);
            break;
        case 3:
            v = count_byte(c, count, false);
            c->read_state = 4;
            break;
        default:
            v = count_byte(c, count, true);
            c->read_state = 3;
            break;
        }
    }
    return v;
}

static void pit_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    PITState *s = opaque;
    PITChannel *c;
    int n;

    if ((port & 3) == 3) {
        n = (val >> 6) & 3;
        if (n == 3) {
            /* Read-back command: bit 5 = 0 latches counts, bit 4 = 0 latches status. */
            for (int i = 0; i < 3; i++) {
                if (val & (2u << i)) {
                    if (!(val & 0x20)) {
                        pit_latch_count(&s->ch[i]);
                    }
                    if (!(val & 0x10)) {
                        pit_latch_status(&s->ch[i]);
                    }
                }
            }
            return;
        }
        c = &s->ch[n];
        if (((val >> 4) & 3) == 0) {
            pit_latch_count(c); /* counter latch command */
            return;
        }
        c->rw_mode = (val >> 4) & 3;
        c->read_state = c->write_state = c->rw_mode;
        c->mode = (val >> 1) & 7;
        if (c->mode > 5) {
            c->mode -= 4; /* 6 and 7 are aliases of 2 and 3 */
        }
        c->bcd = val & 1;
        c->loaded = false;
        c->waiting_trigger = false;
        c->next_count = 0;
        c->frozen_ticks = -1;
        c->count_latched = 0;
        if (n == 0) {
            pit_update_irq(s);
        }
        return;
    }
    n = port & 3;
    c = &s->ch[n];
    switch (c->write_state) {
    case 1:
        pit_load_count(s, n, val & 0xff);
        break;
    case 2:
        pit_load_count(s, n, (val & 0xff) << 8);
        break;
    case 3:
        c->write_latch = (uint8_t)val;
        c->write_state = 4;
        if (c->mode == 0 && c->loaded) {
            /* Mode 0: writing the first byte stops the count. */
            c->frozen_ticks = pit_ticks(c, vclock_ns());
            if (n == 0) {
                pit_update_irq(s);
            }
        }
        break;
    default:
        c->write_state = 3;
        pit_load_count(s, n, c->write_latch | ((val & 0xff) << 8));
        break;
    }
}

void pit_set_gate(struct PITState *s, int channel, bool level)
{
    PITChannel *c = &s->ch[channel];
    int64_t now = vclock_ns();

    if (level == c->gate) {
        return;
    }
    c->gate = level;
    switch (c->mode) {
    case 0:
    case 4:
        /* A low gate suspends counting. */
        if (!level) {
            c->frozen_ticks = c->loaded ? pit_ticks(c, now) : -1;
        } else if (c->frozen_ticks >= 0) {
            c->load_time = now - ticks_to_ns(c->frozen_ticks);
            c->frozen_ticks = -1;
        }
        break;
    case 2:
    case 3:
        /* A low gate stops counting (OUT high); a rising edge reloads the count. */
        if (!level) {
            c->frozen_ticks = c->loaded ? pit_ticks(c, now) : -1;
        } else if (c->loaded) {
            c->frozen_ticks = -1;
            c->load_time = now;
            if (c->next_count) {
                c->count = c->next_count;
                c->next_count = 0;
            }
        }
        break;
    case 1:
    case 5:
        /* A rising edge (re)starts the count, with a count written since if any. */
        if (level && c->loaded) {
            c->load_time = now;
            c->waiting_trigger = false;
            if (c->next_count) {
                c->count = c->next_count;
                c->next_count = 0;
            }
        }
        break;
    }
    if (channel == 0) {
        pit_update_irq(s);
    }
}

bool pit_get_out(struct PITState *s, int channel)
{
    return pit_out_at(&s->ch[channel], vclock_ns());
}

static uint32_t port61_read(void *opaque, uint16_t port, unsigned size)
{
    PITState *s = opaque;
    int64_t now = vclock_ns();

    return (s->port61 & 0x0f) | (((now / REFRESH_PERIOD_NS) & 1) << 4) |
           (pit_out_at(&s->ch[2], now) ? 0x20 : 0);
}

static void port61_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    PITState *s = opaque;

    if ((val & 3) == 3 && (s->port61 & 3) != 3) {
        log_mask_printf(LOG_UNIMP, "pcspk: PC speaker sound is not emulated\n");
    }
    s->port61 = (uint8_t)(val & 0x0f);
    pit_set_gate(s, 2, val & 1);
}

static const IOPortOps pit_ops = {
    .read = pit_read,
    .write = pit_write,
};

static const IOPortOps port61_ops = {
    .read = port61_read,
    .write = port61_write,
};

static void pit_reset(void *opaque)
{
    PITState *s = opaque;

    for (int i = 0; i < 3; i++) {
        PITChannel *c = &s->ch[i];

        memset(c, 0, sizeof(*c));
        c->mode = 3;
        c->rw_mode = c->read_state = c->write_state = 3;
        c->count = 0x10000;
        c->frozen_ticks = -1;
        c->gate = (i != 2);
    }
    s->port61 = 0;
    s->irq_level = 0;
    irq_lower(&s->irq);
    timer_del(s->timer);
}

static void *pit_init(Board *b, int instance)
{
    PITState *s = xzalloc(sizeof(*s));

    s->irq = b->isa_irq[0];
    s->timer = timer_new(pit_timer_cb, s);
    io_register(b->io, 0x40, 4, &pit_ops, s);
    io_register(b->io, 0x61, 1, &port61_ops, s);
    b->pit = s;
    pit_reset(s);
    return s;
}

static void pit_finalize(void *opaque)
{
    PITState *s = opaque;

    timer_free(s->timer);
}

static bool pit_info(void *opaque, const char *what, FILE *out)
{
    PITState *s = opaque;
    int64_t now = vclock_ns();

    if (strcmp(what, "pit") != 0) {
        return false;
    }
    for (int i = 0; i < 3; i++) {
        PITChannel *c = &s->ch[i];

        fprintf(out, "pit ch%d: mode %d%s rw %d count %u current %u gate %d out %d%s\n", i,
                c->mode, c->bcd ? " bcd" : "", c->rw_mode, c->count, pit_get_count(c, now),
                c->gate, pit_out_at(c, now), c->loaded ? "" : " (no count)");
    }
    return true;
}

static const VMStateField pit_channel_fields[] = {
    VMS_U32(PITChannel, count),
    VMS_I64(PITChannel, load_time),
    VMS_I64(PITChannel, frozen_ticks),
    VMS_U16(PITChannel, latched_count),
    VMS_U8(PITChannel, count_latched),
    VMS_U8(PITChannel, status),
    VMS_BOOL(PITChannel, status_latched),
    VMS_U8(PITChannel, rw_mode),
    VMS_U8(PITChannel, read_state),
    VMS_U8(PITChannel, write_state),
    VMS_U8(PITChannel, write_latch),
    VMS_U8(PITChannel, mode),
    VMS_BOOL(PITChannel, bcd),
    VMS_BOOL(PITChannel, gate),
    VMS_BOOL(PITChannel, loaded),
    VMS_BOOL(PITChannel, waiting_trigger),
    VMS_U32(PITChannel, next_count),
    VMS_I64(PITChannel, next_tick),
    VMS_BOOL(PITChannel, next_low),
    VMS_END,
};

static const VMStateDesc pit_channel_vmsd = {
    .name = "i8254-channel",
    .version = 1,
    .fields = pit_channel_fields,
};

static const VMStateField pit_fields[] = {
    VMS_STRUCT_ARRAY(PITState, ch, PITChannel, pit_channel_vmsd),
    VMS_U8(PITState, port61),
    VMS_I64(PITState, next_transition),
    VMS_TIMER(PITState, timer),
    VMS_END,
};

static int pit_post_load(void *opaque)
{
    PITState *s = opaque;

    for (int i = 0; i < 3; i++) {
        PITChannel *c = &s->ch[i];

        if (c->count == 0 || c->count > 0x10000 || c->next_count > 0x10000 || c->mode > 5 ||
            c->rw_mode > 3 ||
            ((c->mode == 2 || c->mode == 3) && (c->count < 2 || c->next_count == 1))) {
            return -1;
        }
    }
    s->irq_level = 0xff;
    pit_update_irq(s);
    return 0;
}

static const VMStateDesc pit_vmsd = {
    .name = "i8254",
    .version = 2, /* 2: counts written while counting (next_count) */
    .fields = pit_fields,
    .post_load = pit_post_load,
};

const DeviceInfo i8254_device = {
    .name = "i8254",
    .init = pit_init,
    .reset = pit_reset,
    .vmsd = &pit_vmsd,
    .info = pit_info,
    .finalize = pit_finalize,
};
