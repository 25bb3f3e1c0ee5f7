/*
 * 8254 PIT against the virtual clock: mode 2 rate generator and mode 3 square wave on IRQ0,
 * mode 0 terminal count (and its stop on the first byte of a new count), modes 1 and 5
 * (gate-triggered, retriggerable), mode 4 strobe, gate effects in modes 2 and 4, counter
 * latch, read-back (count, status, null count), BCD counting, LSB/MSB-only access, mode 6
 * as 2, channel 2 gate and output through port 0x61, and the refresh toggle.
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

    /* Mode 1 on channel 2: OUT high until a gate rising edge, then low for N ticks;
     * retriggerable. Null count (status bit 6) until the trigger. */
    outb(&b, 0x61, 0x00);
    outb(&b, 0x43, 0xb2);
    outb(&b, 0x42, 100);
    outb(&b, 0x42, 0);
    CHECK(inb(&b, 0x61) & 0x20, "mode 1: OUT2 high before the trigger");
    outb(&b, 0x43, 0xe8); /* read-back: status of channel 2 */
    c = inb(&b, 0x42);
    CHECK(c == 0xf2, "mode 1 status before the trigger: OUT, null count, rw 3, mode 1: 0x%02x", c);
    clock_step(ticks_ns(500));
    CHECK(inb(&b, 0x61) & 0x20, "mode 1: no count without a trigger");
    outb(&b, 0x61, 0x01);
    t0 = vclock_ns();
    CHECK(!(inb(&b, 0x61) & 0x20), "mode 1: OUT2 low after the trigger");
    outb(&b, 0x43, 0xe8);
    c = inb(&b, 0x42);
    CHECK(c == 0x32, "mode 1 status after the trigger: 0x%02x", c);
    clock_step(ticks_ns(60));
    outb(&b, 0x61, 0x00);
    clock_step(t0 + ticks_ns(70) - vclock_ns());
    outb(&b, 0x61, 0x01); /* retrigger at tick 70 */
    t0 = vclock_ns();
    clock_step(ticks_ns(99));
    CHECK(!(inb(&b, 0x61) & 0x20), "mode 1 retriggered: still low 99 ticks later");
    clock_step(t0 + ticks_ns(100) - vclock_ns());
    CHECK(inb(&b, 0x61) & 0x20, "mode 1: OUT2 high N ticks after the retrigger");

    /* Mode 5: a gate rising edge starts the count; a one-tick low strobe at its end. */
    outb(&b, 0x61, 0x00);
    outb(&b, 0x43, 0xba);
    outb(&b, 0x42, 50);
    outb(&b, 0x42, 0);
    clock_step(ticks_ns(200));
    CHECK(inb(&b, 0x61) & 0x20, "mode 5: OUT2 high, no strobe without a trigger");
    outb(&b, 0x61, 0x01);
    t0 = vclock_ns();
    clock_step(ticks_ns(49));
    CHECK(inb(&b, 0x61) & 0x20, "mode 5: high while counting");
    clock_step(t0 + ticks_ns(50) - vclock_ns());
    CHECK(!(inb(&b, 0x61) & 0x20), "mode 5: low strobe at terminal count");
    clock_step(t0 + ticks_ns(51) - vclock_ns());
    CHECK(inb(&b, 0x61) & 0x20, "mode 5: high again one tick later");

    /* Mode 4 with the gate high: software-triggered strobe; a low gate suspends counting. */
    outb(&b, 0x43, 0xb8);
    outb(&b, 0x42, 100);
    outb(&b, 0x42, 0);
    t0 = vclock_ns();
    clock_step(ticks_ns(40));
    outb(&b, 0x61, 0x00);
    c = latch_read(2);
    CHECK(c == 60, "mode 4: 60 after 40 ticks, got %u", c);
    clock_step(ticks_ns(1000));
    CHECK(latch_read(2) == 60, "mode 4: a low gate holds the count");
    CHECK(inb(&b, 0x61) & 0x20, "mode 4: OUT high while suspended");
    outb(&b, 0x61, 0x01);
    t0 = vclock_ns();
    clock_step(ticks_ns(59));
    CHECK(inb(&b, 0x61) & 0x20, "mode 4: high before terminal count");
    clock_step(t0 + ticks_ns(60) - vclock_ns());
    CHECK(!(inb(&b, 0x61) & 0x20), "mode 4: strobe when the remaining 60 ticks ran out");
    clock_step(t0 + ticks_ns(61) - vclock_ns());
    CHECK(inb(&b, 0x61) & 0x20, "mode 4: strobe lasts one tick");

    /* Mode 2 gate: low stops the count with OUT high, high reloads it. */
    outb(&b, 0x43, 0xb4);
    outb(&b, 0x42, 100);
    outb(&b, 0x42, 0);
    clock_step(ticks_ns(30));
    c = latch_read(2);
    CHECK(c == 70, "mode 2: 70 after 30 ticks, got %u", c);
    outb(&b, 0x61, 0x00);
    clock_step(ticks_ns(500));
    CHECK(latch_read(2) == 70 && (inb(&b, 0x61) & 0x20), "mode 2: gate low holds, OUT high");
    outb(&b, 0x61, 0x01);
    c = latch_read(2);
    CHECK(c == 100, "mode 2: gate rising edge reloads the count, got %u", c);
    clock_step(ticks_ns(99));
    CHECK(!(inb(&b, 0x61) & 0x20), "mode 2: OUT low for the last tick of the period");
    clock_step(ticks_ns(1));
    CHECK(inb(&b, 0x61) & 0x20, "mode 2: OUT high again at reload");

    /* Mode 0: writing the first byte of a new count stops counting; the second loads it. */
    outb(&b, 0x43, 0x30);
    outb(&b, 0x40, 1000 & 0xff);
    outb(&b, 0x40, 1000 >> 8);
    clock_step(ticks_ns(100));
    outb(&b, 0x40, 0x34);
    clock_step(ticks_ns(300));
    c = latch_read(0);
    CHECK(c == 900, "mode 0: first byte stops the count at 900, got %u", c);
    outb(&b, 0x40, 0x12);
    clock_step(ticks_ns(4));
    c = latch_read(0);
    CHECK(c == 0x1234 - 4, "mode 0: second byte loads 0x1234, got 0x%x", c);

    /* Null count right after the control word; read-back of two channels' status at once. */
    outb(&b, 0x43, 0x34);
    outb(&b, 0x43, 0xea); /* status of channels 0 and 2 */
    c = inb(&b, 0x40);
    CHECK(c == 0xf4, "ch0 status after a control word: OUT high, null count, rw 3, mode 2: "
          "0x%02x", c);
    c = inb(&b, 0x42);
    CHECK(c == 0xb4, "ch2 status: OUT high, rw 3, mode 2: 0x%02x", c);
    outb(&b, 0x40, 1193 & 0xff);
    outb(&b, 0x40, 1193 >> 8);

    /* MSB-only access. */
    outb(&b, 0x43, 0xa4); /* ch2, MSB only, mode 2 */
    outb(&b, 0x42, 0x02);                      /* count 0x200 */
    clock_step(ticks_ns(0x10));
    c = inb(&b, 0x42);
    CHECK(c == 0x01, "MSB-only read of 0x1f0: 0x%02x", c);

    /* Mode 6 is mode 2: 1 kHz interrupts. */
    outb(&b, 0x43, 0x3c);
    outb(&b, 0x40, 1193 & 0xff);
    outb(&b, 0x40, 1193 >> 8);
    rec.rises[0] = 0;
    clock_step(10 * 1000000LL);
    CHECK(rec.rises[0] == 10, "mode 6 acts as mode 2: 10 interrupts in 10 ms, got %d",
          rec.rises[0]);

    /* Mode 2: a count written during a period takes over at the end of that period. */
    outb(&b, 0x43, 0x34);
    outb(&b, 0x40, 1000 & 0xff);
    outb(&b, 0x40, 1000 >> 8);
    t0 = vclock_ns();
    clock_step(ticks_ns(300));
    outb(&b, 0x40, 500 & 0xff);
    outb(&b, 0x40, 500 >> 8);
    outb(&b, 0x43, 0xe2); /* status of channel 0 */
    c = inb(&b, 0x40);
    CHECK(c & 0x40, "mode 2: null count while the new count waits: 0x%02x", c);
    clock_step(t0 + ticks_ns(400) - vclock_ns());
    c = latch_read(0);
    CHECK(c == 600, "mode 2: the current period runs on with the old count: %u", c);
    rec.rises[0] = 0;
    clock_step(t0 + ticks_ns(1000) - vclock_ns());
    CHECK(rec.rises[0] == 1, "mode 2: IRQ0 at the end of the old period, %d", rec.rises[0]);
    clock_step(ticks_ns(100));
    c = latch_read(0);
    CHECK(c == 400, "mode 2: then the new count: %u", c);
    clock_step(t0 + ticks_ns(1499) - vclock_ns());
    CHECK(rec.rises[0] == 1, "mode 2: no IRQ0 before the new period ends");
    clock_step(t0 + ticks_ns(2001) - vclock_ns()); /* the second new period ends at 2000 */
    CHECK(rec.rises[0] == 3, "mode 2: new period of 500 ticks, %d", rec.rises[0]);

    /* Mode 3: a new count starts at the end of the current half-cycle. Written in the high
     * half of a 1000-tick period: OUT goes low at 500 and the new 400-tick wave continues
     * with its own low half. */
    outb(&b, 0x61, 0x01);
    outb(&b, 0x43, 0xb6);
    outb(&b, 0x42, 1000 & 0xff);
    outb(&b, 0x42, 1000 >> 8);
    t0 = vclock_ns();
    clock_step(ticks_ns(200));
    outb(&b, 0x42, 400 & 0xff);
    outb(&b, 0x42, 400 >> 8);
    {
        static const struct {
            int tick;
            int out;
        } wave[] = {{499, 1}, {501, 0}, {699, 0}, {701, 1}, {899, 1}, {901, 0}, {1099, 0},
                    {1101, 1}};

        for (size_t i = 0; i < sizeof(wave) / sizeof(wave[0]); i++) {
            clock_step(t0 + ticks_ns(wave[i].tick) - vclock_ns());
            CHECK(((inb(&b, 0x61) & 0x20) != 0) == wave[i].out,
                  "mode 3 new count in the high half: OUT2 at tick %d should be %d",
                  wave[i].tick, wave[i].out);
        }
    }
    /* Written in the low half: the low half ends as it was, then the new wave starts high. */
    outb(&b, 0x43, 0xb6);
    outb(&b, 0x42, 1000 & 0xff);
    outb(&b, 0x42, 1000 >> 8);
    t0 = vclock_ns();
    clock_step(ticks_ns(600));
    outb(&b, 0x42, 400 & 0xff);
    outb(&b, 0x42, 400 >> 8);
    {
        static const struct {
            int tick;
            int out;
        } wave[] = {{999, 0}, {1001, 1}, {1199, 1}, {1201, 0}, {1399, 0}, {1401, 1}};

        for (size_t i = 0; i < sizeof(wave) / sizeof(wave[0]); i++) {
            clock_step(t0 + ticks_ns(wave[i].tick) - vclock_ns());
            CHECK(((inb(&b, 0x61) & 0x20) != 0) == wave[i].out,
                  "mode 3 new count in the low half: OUT2 at tick %d should be %d",
                  wave[i].tick, wave[i].out);
        }
    }

    /* Mode 1: a count written during the one-shot does not change it; the next trigger
     * uses it. */
    outb(&b, 0x61, 0x00);
    outb(&b, 0x43, 0xb2);
    outb(&b, 0x42, 100);
    outb(&b, 0x42, 0);
    outb(&b, 0x61, 0x01);
    t0 = vclock_ns();
    clock_step(ticks_ns(30));
    outb(&b, 0x42, 300 & 0xff);
    outb(&b, 0x42, 300 >> 8);
    CHECK(!(inb(&b, 0x61) & 0x20), "mode 1: the pulse goes on after a new count");
    clock_step(t0 + ticks_ns(101) - vclock_ns());
    CHECK(inb(&b, 0x61) & 0x20, "mode 1: and ends after the old count");
    outb(&b, 0x61, 0x00);
    outb(&b, 0x61, 0x01);
    t0 = vclock_ns();
    clock_step(ticks_ns(299));
    CHECK(!(inb(&b, 0x61) & 0x20), "mode 1: the next trigger runs the new count");
    clock_step(t0 + ticks_ns(300) - vclock_ns());
    CHECK(inb(&b, 0x61) & 0x20, "mode 1: 300 ticks");

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
