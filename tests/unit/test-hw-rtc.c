/*
 * MC146818 RTC against the virtual clock (in the spirit of QEMU's rtc-test): BCD and
 * binary time registers from the -rtc base, 12/24-hour mode, setting the time with SET,
 * the once-per-second update, UIP, the periodic interrupt rate, the update and alarm
 * interrupts on IRQ8, and the CMOS contents firmware reads.
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
