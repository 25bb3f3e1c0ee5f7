/*
 * 8254 PIT against the virtual clock: mode 2 rate generator and mode 3 square wave on IRQ0,
 * mode 0 terminal count, counter latch, read-back (count and status), BCD counting,
 * channel 2 gate and output through port 0x61, and the refresh toggle.
 */
#include "hw-test.h"

#define PIT_HZ 1193182LL

static Board b;
static IRQRecorder rec;

/* ns at which `ticks` PIT input clocks have elapsed since a count was loaded at t0. */
static int64_t ticks_ns(int64_t ticks)
{
    return (ticks * NS_PER_SEC + PIT_HZ - 1) / PIT_HZ;
}

static unsigned latch_read(int ch)
{
    unsigned lo, hi;

    outb(&b, 0x43, (uint8_t)(ch << 6)); /* counter latch */
    lo = inb(&b, 0x40 + ch);
    hi = inb(&b, 0x40 + ch);
    return lo | (hi << 8);
}

int main(void)
{
    unsigned c;
    int64_t t0;

    vclock_init(-1);
    board_init(&b);
    board_wire_recorder(&b, &rec);
    board_add_device(&b, &i8254_device, 0);

    /* Mode 2, count 1193 (~1 kHz): one IRQ0 rising edge per period. */
    outb(&b, 0x43, 0x34);
    outb(&b, 0x40, 1193 & 0xff);
    outb(&b, 0x40, 1193 >> 8);
    rec.rises[0] = 0;
    clock_step(100 * 1000000LL); /* 100 ms */
    CHECK(rec.rises[0] == 100, "mode 2: 100 interrupts in 100 ms, got %d", rec.rises[0]);

    /* Mode 3 square wave, count 11932 (100 Hz). */
    outb(&b, 0x43, 0x36);
    outb(&b, 0x40, 11932 & 0xff);
    outb(&b, 0x40, 11932 >> 8);
    rec.rises[0] = 0;
    clock_step(NS_PER_SEC);
    CHECK(rec.rises[0] >= 99 && rec.rises[0] <= 100, "mode 3: ~100 Hz, got %d", rec.rises[0]);

    /* Mode 0: OUT low after programming, high at terminal count; counter counts down. */
    outb(&b, 0x43, 0x30);
    CHECK(rec.level[0] == 0, "mode 0: OUT low after the control word");
    outb(&b, 0x40, 1000 & 0xff);
    outb(&b, 0x40, 1000 >> 8);
    t0 = vclock_ns();
    clock_step(ticks_ns(100));
    c = latch_read(0);
    CHECK(c == 900, "mode 0: 900 after 100 ticks, got %u", c);
    CHECK(rec.level[0] == 0, "mode 0: OUT still low");
    clock_step(t0 + ticks_ns(1000) - vclock_ns());
    CHECK(rec.level[0] == 1, "mode 0: OUT high at terminal count");
    rec.rises[0] = 0;
    clock_step(ticks_ns(70000));
    CHECK(rec.rises[0] == 0, "mode 0: one-shot, no further edges");

    /* Latch holds the value while the counter moves on. */
    outb(&b, 0x43, 0x30);
    outb(&b, 0x40, 0x00);
    outb(&b, 0x40, 0x80); /* 0x8000 */
    clock_step(ticks_ns(10));
    outb(&b, 0x43, 0x00);
    clock_step(ticks_ns(500));
    c = inb(&b, 0x40);
    c |= (unsigned)inb(&b, 0x40) << 8;
    CHECK(c == 0x8000 - 10, "latched value 0x%x, expected 0x%x", c, 0x8000 - 10);
    c = latch_read(0);
    CHECK(c == 0x8000 - 510, "new latch 0x%x, expected 0x%x", c, 0x8000 - 510);

    /* Read-back: status of channel 0 (OUT low, rw 3, mode 0, binary), then its count. */
    outb(&b, 0x43, 0xc2); /* latch count and status of channel 0 */
    c = inb(&b, 0x40);
    CHECK(c == 0x30, "read-back status 0x%02x, expected 0x30", c);
    c = inb(&b, 0x40);
    c |= (unsigned)inb(&b, 0x40) << 8;
    CHECK(c == 0x8000 - 510, "read-back count 0x%x", c);

    /* LSB-only access mode. */
    outb(&b, 0x43, 0x10); /* channel 0, LSB only, mode 0 */
    outb(&b, 0x40, 200);
    clock_step(ticks_ns(50));
    c = inb(&b, 0x40);
    CHECK(c == 150, "LSB mode reads 150, got %u", c);

    /* BCD: count 0x0100 = 100 decimal; after 1 tick, 99 (0x0099). */
    outb(&b, 0x43, 0x31);
    outb(&b, 0x40, 0x00);
    outb(&b, 0x40, 0x01);
    clock_step(ticks_ns(1));
    c = latch_read(0);
    CHECK(c == 0x0099, "BCD count 0x%04x, expected 0x0099", c);

    /* Channel 2 with its gate in port 0x61 bit 0 and OUT in bit 5 (mode 3, count 100). */
    outb(&b, 0x61, 0x00);
    outb(&b, 0x43, 0xb6);
    outb(&b, 0x42, 100);
    outb(&b, 0x42, 0);
    c = latch_read(2);
    clock_step(ticks_ns(20));
    CHECK(latch_read(2) == c, "channel 2 does not count with the gate low");
    outb(&b, 0x61, 0x01);
    t0 = vclock_ns();
    CHECK(inb(&b, 0x61) & 0x20, "OUT2 high at the start of the square wave");
    clock_step(ticks_ns(50) + 1);
    CHECK(!(inb(&b, 0x61) & 0x20), "OUT2 low in the second half");
    clock_step(t0 + ticks_ns(100) + 1 - vclock_ns());
    CHECK(inb(&b, 0x61) & 0x20, "OUT2 high again after a full period");
    CHECK((inb(&b, 0x61) & 0x03) == 0x01, "port 0x61 bits 0-1 read back");

    /* Mode 0 on channel 2 (the Linux TSC calibration pattern): OUT2 rises after count. */
    outb(&b, 0x43, 0xb0);
    outb(&b, 0x42, 0xff);
    outb(&b, 0x42, 0x0f);
    CHECK(!(inb(&b, 0x61) & 0x20), "mode 0 OUT2 low while counting");
    clock_step(ticks_ns(0x0fff) + 1);
    CHECK(inb(&b, 0x61) & 0x20, "mode 0 OUT2 high at terminal count");

    /* Refresh toggle: bit 4 flips every 15.085 us. */
    {
        uint8_t r1 = inb(&b, 0x61) & 0x10, r2;

        clock_step(15085);
        r2 = inb(&b, 0x61) & 0x10;
        CHECK(r1 != r2, "refresh bit toggles");
    }
    board_teardown(&b);
    return tests_finish();
}
