/*
 * MC146818 RTC against the virtual clock (in the spirit of QEMU's rtc-test): BCD and
 * binary time registers from the -rtc base, 12/24-hour mode, setting the time with SET,
 * the once-per-second update, UIP, the periodic interrupt rate (also while SET), the update
 * and alarm interrupts on IRQ8 (don't-care and exact), flags kept across time writes, the
 * divider reset and release, leap years and the century, 12-hour midnight and noon, reset,
 * save/restore, and the CMOS contents firmware reads.
 */
#include "hw-test.h"

static Board b;
static IRQRecorder rec;
static void *rtc;

static uint8_t cmos(unsigned i)
{
    outb(&b, 0x70, (uint8_t)i);
    return inb(&b, 0x71);
}

static void cmos_set(unsigned i, uint8_t v)
{
    outb(&b, 0x70, (uint8_t)i);
    outb(&b, 0x71, v);
}

static void ack_irq8(int n)
{
    if (n == 8) {
        (void)cmos(0x0c);
    }
}

int main(void)
{
    unsigned sum = 0;
    int rises;

    vclock_init(-1);
    board_init(&b);
    board_wire_recorder(&b, &rec);
    b.ram_size = 32u << 20;
    b.smp = 2;
    snprintf(b.boot_order, sizeof(b.boot_order), "dc");
    b.rtc_base_epoch = 1614834367; /* 2021-03-04 05:06:07 UTC, a Thursday */
    rtc = board_add_device(&b, &mc146818_device, 0);
    board_reset(&b);

    /* BCD (the default). */
    CHECK(cmos(0x00) == 0x07 && cmos(0x02) == 0x06 && cmos(0x04) == 0x05, "BCD time %02x:%02x:%02x",
          cmos(0x04), cmos(0x02), cmos(0x00));
    CHECK(cmos(0x07) == 0x04 && cmos(0x08) == 0x03 && cmos(0x09) == 0x21 && cmos(0x32) == 0x20,
          "BCD date %02x-%02x %02x%02x", cmos(0x07), cmos(0x08), cmos(0x32), cmos(0x09));
    CHECK(cmos(0x06) == 5, "day of week Thursday = 5, got %d", cmos(0x06));
    CHECK(cmos(0x0d) == 0x80, "register D: valid RAM and time");

    /* Time advances with the virtual clock only. */
    clock_step(NS_PER_SEC);
    CHECK(cmos(0x00) == 0x08, "one second later: 08, got %02x", cmos(0x00));
    clock_step(60 * NS_PER_SEC);
    CHECK(cmos(0x00) == 0x08 && cmos(0x02) == 0x07, "one minute later");

    /* Binary mode. */
    cmos_set(0x0b, 0x06);
    CHECK(cmos(0x00) == 8 && cmos(0x02) == 7 && cmos(0x09) == 21, "binary %d:%d year %d",
          cmos(0x02), cmos(0x00), cmos(0x09));

    /* 12-hour mode: set 13:59:58 with SET, read 0x81 (1 PM) in binary. */
    cmos_set(0x0b, 0x80 | 0x04); /* SET, binary, 12h */
    cmos_set(0x04, 0x80 | 1);
    cmos_set(0x02, 59);
    cmos_set(0x00, 58);
    clock_step(5 * NS_PER_SEC);
    CHECK(cmos(0x00) == 58, "the clock is stopped while SET");
    cmos_set(0x0b, 0x04);
    CHECK(cmos(0x04) == 0x81, "12h PM hour 0x81, got %02x", cmos(0x04));
    clock_step(2 * NS_PER_SEC);
    CHECK(cmos(0x04) == 0x82 && cmos(0x02) == 0 && cmos(0x00) == 0, "rolls to 2 PM: %02x:%02x:%02x",
          cmos(0x04), cmos(0x02), cmos(0x00));

    /* 24-hour BCD again; the time survives format changes. */
    cmos_set(0x0b, 0x02);
    CHECK(cmos(0x04) == 0x14, "24h BCD hour 0x14, got %02x", cmos(0x04));

    /* UIP is set in the last 244 us before an update, and the update follows it. */
    {
        int seen = 0;
        uint8_t sec;

        for (int i = 0; i < 20000 && !seen; i++) {
            clock_step(100000);
            seen = (cmos(0x0a) & 0x80) != 0;
        }
        CHECK(seen, "UIP seen within two seconds");
        sec = cmos(0x00);
        clock_step(250000);
        CHECK(!(cmos(0x0a) & 0x80), "UIP clear after the update");
        CHECK(cmos(0x00) != sec, "seconds changed by the update");
    }

    /* Periodic interrupt: 1024 Hz (RS = 6), counted on IRQ8 for one second. */
    rec.on_rise = ack_irq8;
    (void)cmos(0x0c);
    cmos_set(0x0a, 0x26);
    cmos_set(0x0b, 0x02 | 0x40);
    rises = rec.rises[8];
    clock_step(NS_PER_SEC);
    rises = rec.rises[8] - rises;
    CHECK(rises >= 1023 && rises <= 1025, "1024 Hz periodic, got %d", rises);

    /* 2 Hz (RS = 15). */
    cmos_set(0x0a, 0x2f);
    rises = rec.rises[8];
    clock_step(10 * NS_PER_SEC);
    rises = rec.rises[8] - rises;
    CHECK(rises >= 19 && rises <= 21, "2 Hz periodic, got %d", rises);

    /* Flags without the interrupt: PF set, no IRQ. */
    cmos_set(0x0b, 0x02);
    (void)cmos(0x0c);
    rises = rec.rises[8];
    clock_step(NS_PER_SEC);
    CHECK(rec.rises[8] == rises, "no IRQ8 with PIE clear");
    CHECK((cmos(0x0c) & 0xc0) == 0x40, "PF set, IRQF clear");
    CHECK(cmos(0x0c) == 0x00, "register C clears on read");

    /* Update-ended interrupt: one per second. */
    cmos_set(0x0b, 0x02 | 0x10);
    rises = rec.rises[8];
    clock_step(5 * NS_PER_SEC);
    rises = rec.rises[8] - rises;
    CHECK(rises == 5, "update interrupt once per second, got %d", rises);

    /* Alarm: fire at the next xx:xx:30 (hour and minute "don't care"). */
    cmos_set(0x0b, 0x02 | 0x20);
    cmos_set(0x01, 0x30);
    cmos_set(0x03, 0xc0);
    cmos_set(0x05, 0xc0);
    rises = rec.rises[8];
    clock_step(61 * NS_PER_SEC);
    rises = rec.rises[8] - rises;
    CHECK(rises == 1, "alarm once per minute, got %d", rises);
    cmos_set(0x0b, 0x02);
    rec.on_rise = NULL;

    /* The periodic interrupt comes from the divider: it goes on while SET stops updates. */
    rec.on_rise = ack_irq8;
    cmos_set(0x0a, 0x26);
    cmos_set(0x0b, 0x80 | 0x40 | 0x02);
    rises = rec.rises[8];
    clock_step(NS_PER_SEC);
    rises = rec.rises[8] - rises;
    CHECK(rises >= 1023 && rises <= 1025, "1024 Hz periodic while SET, got %d", rises);
    cmos_set(0x0b, 0x02);
    rec.on_rise = NULL;

    /* A flag raised before a time write is still there after it. */
    cmos_set(0x0a, 0x2f); /* 2 Hz */
    (void)cmos(0x0c);
    clock_step(600 * 1000000LL);
    cmos_set(0x00, 0x10);
    CHECK(cmos(0x0c) & 0x40, "PF of an event before a seconds write survives it");

    /* Divider reset (DV = 11x) stops time and the periodic flag; the first update comes
     * 500 ms after the release. */
    cmos_set(0x0a, 0x76);
    {
        uint8_t sec = cmos(0x00);
        int64_t t0;

        (void)cmos(0x0c);
        clock_step(5 * NS_PER_SEC);
        CHECK(cmos(0x00) == sec, "divider in reset: time stopped");
        CHECK(cmos(0x0c) == 0x00, "divider in reset: no flags");
        cmos_set(0x0a, 0x26);
        t0 = vclock_ns();
        clock_step(499 * 1000000LL);
        CHECK(cmos(0x00) == sec, "no update in the first 499 ms after the release");
        clock_step(t0 + 501 * 1000000LL - vclock_ns());
        CHECK(cmos(0x00) == (uint8_t)(((sec >> 4) * 10 + (sec & 15) + 1) % 60 / 10 * 16 +
                                      ((sec >> 4) * 10 + (sec & 15) + 1) % 10),
              "the first update 500 ms after the release: %02x after %02x", cmos(0x00), sec);
    }

    /* Alarm on an exact time, BCD 24 h. */
    cmos_set(0x0b, 0x80 | 0x02);
    cmos_set(0x04, 0x10);
    cmos_set(0x02, 0x00);
    cmos_set(0x00, 0x00);
    cmos_set(0x05, 0x10);
    cmos_set(0x03, 0x00);
    cmos_set(0x01, 0x05);
    (void)cmos(0x0c);
    rec.on_rise = ack_irq8;
    {
        int64_t t0;

        cmos_set(0x0b, 0x20 | 0x02);
        t0 = vclock_ns();
        rises = rec.rises[8];
        clock_step(4 * NS_PER_SEC - 1);
        CHECK(rec.rises[8] == rises, "no alarm before 10:00:05 (%02x)", cmos(0x00));
        clock_step(t0 + 5 * NS_PER_SEC - vclock_ns());
        CHECK(rec.rises[8] == rises + 1, "alarm at 10:00:05");
        clock_step(120 * NS_PER_SEC);
        CHECK(rec.rises[8] == rises + 1, "an exact alarm does not repeat every minute");
    }
    rec.on_rise = NULL;
    cmos_set(0x0b, 0x02);

    /* Calendar: leap days, century rollover, 12-hour midnight and noon. */
    {
        static const struct {
            uint8_t set[7];    /* century, year, month, day, hour, min, sec (BCD) */
            uint8_t expect[5]; /* century, year, month, day, day of week */
            const char *what;
        } cal[] = {
            {{0x20, 0x24, 0x02, 0x28, 0x23, 0x59, 0x59}, {0x20, 0x24, 0x02, 0x29, 5}, "2024 leap"},
            {{0x20, 0x23, 0x02, 0x28, 0x23, 0x59, 0x59}, {0x20, 0x23, 0x03, 0x01, 4}, "2023"},
            {{0x20, 0x99, 0x12, 0x31, 0x23, 0x59, 0x59}, {0x21, 0x00, 0x01, 0x01, 6}, "century"},
            {{0x21, 0x00, 0x02, 0x28, 0x23, 0x59, 0x59}, {0x21, 0x00, 0x03, 0x01, 2}, "2100"},
            {{0x20, 0x00, 0x02, 0x28, 0x23, 0x59, 0x59}, {0x20, 0x00, 0x02, 0x29, 3}, "2000"},
        };

        for (size_t i = 0; i < sizeof(cal) / sizeof(cal[0]); i++) {
            static const uint8_t regs[7] = {0x32, 0x09, 0x08, 0x07, 0x04, 0x02, 0x00};

            cmos_set(0x0b, 0x80 | 0x02);
            for (int r = 0; r < 7; r++) {
                cmos_set(regs[r], cal[i].set[r]);
            }
            cmos_set(0x0b, 0x02);
            clock_step(NS_PER_SEC + 1);
            CHECK(cmos(0x32) == cal[i].expect[0] && cmos(0x09) == cal[i].expect[1] &&
                      cmos(0x08) == cal[i].expect[2] && cmos(0x07) == cal[i].expect[3] &&
                      cmos(0x06) == cal[i].expect[4] && cmos(0x04) == 0x00 && cmos(0x00) == 0x00,
                  "%s: %02x%02x-%02x-%02x dow %u %02x:%02x:%02x", cal[i].what, cmos(0x32),
                  cmos(0x09), cmos(0x08), cmos(0x07), cmos(0x06), cmos(0x04), cmos(0x02),
                  cmos(0x00));
        }
    }
    cmos_set(0x0b, 0x80); /* 12 h BCD: 12:59:59 AM, then 11:59:59 AM */
    cmos_set(0x04, 0x12);
    cmos_set(0x02, 0x59);
    cmos_set(0x00, 0x59);
    cmos_set(0x0b, 0x00);
    clock_step(NS_PER_SEC + 1);
    CHECK(cmos(0x04) == 0x01, "12:59:59 AM -> 1 AM: %02x", cmos(0x04));
    cmos_set(0x0b, 0x80);
    cmos_set(0x04, 0x11);
    cmos_set(0x02, 0x59);
    cmos_set(0x00, 0x59);
    cmos_set(0x0b, 0x00);
    clock_step(NS_PER_SEC + 1);
    CHECK(cmos(0x04) == 0x92, "11:59:59 AM -> 12 PM: %02x", cmos(0x04));
    cmos_set(0x0b, 0x02);
    CHECK(cmos(0x04) == 0x12, "12 PM is 12 in 24 h mode: %02x", cmos(0x04));

    /* Reset clears the interrupt enables and flags, not the time. */
    cmos_set(0x0a, 0x26);
    cmos_set(0x0b, 0x02 | 0x40 | 0x10);
    clock_step(10 * 1000000LL);
    CHECK(rec.level[8] == 1, "IRQ8 asserted before the reset");
    {
        uint8_t min = cmos(0x02);

        board_reset(&b);
        CHECK(cmos(0x0b) == 0x02, "reset clears PIE/AIE/UIE: %02x", cmos(0x0b));
        CHECK(rec.level[8] == 0 && cmos(0x0c) == 0x00, "reset clears IRQF and the flags");
        CHECK(cmos(0x02) == min && cmos(0x04) == 0x12, "reset keeps the time");
    }

    /* Save and restore. */
    {
        ByteBuf buf = {0};

        board_save(&b, &buf);
        cmos_set(0x0b, 0x82);
        cmos_set(0x04, 0x03);
        cmos_set(0x0b, 0x02);
        CHECK(board_load(&b, buf.data, buf.len), "RTC state loads");
        CHECK(cmos(0x04) == 0x12, "hour restored: %02x", cmos(0x04));
        bytebuf_free(&buf);
    }

    /* CMOS contents for the firmware. */
    CHECK(cmos(0x15) == 0x80 && cmos(0x16) == 0x02, "base memory 640 KiB");
    CHECK(cmos(0x17) == (31744 & 0xff) && cmos(0x18) == (31744 >> 8), "extended memory 31 MiB");
    CHECK(cmos(0x30) == cmos(0x17) && cmos(0x31) == cmos(0x18), "0x30/0x31 mirror 0x17/0x18");
    CHECK(cmos(0x34) == 0x00 && cmos(0x35) == 0x01, "64 KiB blocks above 16 MiB: 0x100");
    CHECK(cmos(0x5f) == 1, "CPU count - 1");
    CHECK(cmos(0x3d) == 0x23, "boot order d then c: 0x23, got %02x", cmos(0x3d));
    for (int i = 0x10; i <= 0x2d; i++) {
        sum += cmos((unsigned)i);
    }
    CHECK(cmos(0x2e) == ((sum >> 8) & 0xff) && cmos(0x2f) == (sum & 0xff), "checksum");
    CHECK(rtc_cmos_read(rtc, 0x15) == 0x80, "board-side CMOS access");

    /* General CMOS RAM keeps what is written; the NMI bit of the index is not data. */
    cmos_set(0x40 | 0x80, 0xa5);
    CHECK(cmos(0x40) == 0xa5, "CMOS RAM byte");
    board_teardown(&b);
    return tests_finish();
}
