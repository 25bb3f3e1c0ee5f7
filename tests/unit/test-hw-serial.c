/*
 * 16550A UART: register access and divisor latch, loopback (data and modem lines),
 * FIFO order and overrun, THRE interrupt and transmitter timing on the virtual clock,
 * receive trigger level and character timeout, OUT2 gating, and output to a file chardev.
 */
#include "hw-test.h"

#include <unistd.h>

#define COM1 0x3f8
#define CHAR_NS_115200 869 /* 10 bits at 115200 baud on the 100x line, rounded up */

static Board b;
static IRQRecorder rec;

int main(void)
{
    char path[] = "/tmp/x86pc-test-serial-XXXXXX";
    char err[128];
    ChardevSpec spec;
    int fd = mkstemp(path);
    uint8_t v;

    vclock_init(-1);
    board_init(&b);
    board_wire_recorder(&b, &rec);
    CHECK(fd >= 0, "temporary file");
    close(fd);
    spec = (ChardevSpec){.kind = CHR_FILE, .path = path};
    b.serial_chr[0] = chr_open(&spec, "serial0", err, sizeof(err));
    CHECK(b.serial_chr[0] != NULL, "file chardev: %s", err);
    board_add_device(&b, &serial_device, 0);
    board_add_device(&b, &serial_device, 1);

    /* Reset values. */
    CHECK(inb(&b, COM1 + 5) == 0x60, "LSR THRE|TEMT after reset");
    CHECK(inb(&b, COM1 + 2) == 0x01, "IIR: no interrupt");
    outb(&b, COM1 + 7, 0x5a);
    CHECK(inb(&b, COM1 + 7) == 0x5a, "scratch register");
    outb(&b, 0x2f8 + 7, 0xa5);
    CHECK(inb(&b, 0x2f8 + 7) == 0xa5 && inb(&b, COM1 + 7) == 0x5a, "COM2 is separate");

    /* Divisor latch: 115200 baud, 8N1. */
    outb(&b, COM1 + 3, 0x80);
    outb(&b, COM1 + 0, 0x01);
    outb(&b, COM1 + 1, 0x00);
    CHECK(inb(&b, COM1 + 0) == 1 && inb(&b, COM1 + 1) == 0, "DLL/DLM read back");
    outb(&b, COM1 + 3, 0x03);
    CHECK(inb(&b, COM1 + 1) == 0x00, "IER visible again with DLAB clear");

    /* Output reaches the chardev. */
    outb(&b, COM1, 'O');
    clock_step(CHAR_NS_115200);
    outb(&b, COM1, 'K');
    clock_step(CHAR_NS_115200);

    /* Transmitter timing: the first byte goes to the shift register at once, the second
     * waits in THR, so THRE stays clear for one character time. */
    outb(&b, COM1, 'a');
    outb(&b, COM1, 'b');
    CHECK(!(inb(&b, COM1 + 5) & 0x20), "THR full while the first byte shifts out");
    clock_step(CHAR_NS_115200 - 20);
    CHECK(!(inb(&b, COM1 + 5) & 0x20), "still full just before one character time");
    clock_step(20);
    v = inb(&b, COM1 + 5);
    CHECK((v & 0x60) == 0x20, "THRE set, TEMT clear after one character: %02x", v);
    clock_step(CHAR_NS_115200);
    CHECK((inb(&b, COM1 + 5) & 0x60) == 0x60, "TEMT after two characters");

    /* THRE interrupt: enabling it with THR empty raises IRQ4 (OUT2 set). */
    outb(&b, COM1 + 4, 0x08);
    outb(&b, COM1 + 1, 0x02);
    CHECK(rec.level[4] == 1, "THRE interrupt on IRQ4");
    CHECK(inb(&b, COM1 + 2) == 0x02, "IIR = THRE");
    CHECK(rec.level[4] == 0 && inb(&b, COM1 + 2) == 0x01, "reading IIR clears THRE");
    outb(&b, COM1, 'x');
    outb(&b, COM1, 'y');
    CHECK(rec.level[4] == 0, "no THRE while THR holds a byte");
    clock_step(CHAR_NS_115200);
    CHECK(rec.level[4] == 1, "THRE interrupt when THR empties");
    outb(&b, COM1 + 4, 0x00);
    CHECK(rec.level[4] == 0, "OUT2 clear gates the IRQ line");
    outb(&b, COM1 + 1, 0x00);
    clock_step(2 * CHAR_NS_115200);

    /* Loopback, no FIFO: one byte, then overrun. */
    outb(&b, COM1 + 4, 0x10);
    outb(&b, COM1, 0x41);
    CHECK(inb(&b, COM1 + 5) & 0x01, "loopback: data ready");
    CHECK(inb(&b, COM1) == 0x41, "loopback byte");
    CHECK(!(inb(&b, COM1 + 5) & 0x01), "DR clear after read");
    outb(&b, COM1, 1);
    outb(&b, COM1, 2);
    v = inb(&b, COM1 + 5);
    CHECK((v & 0x03) == 0x03, "overrun without FIFO: %02x", v);
    CHECK(!(inb(&b, COM1 + 5) & 0x02), "OE clears on LSR read");
    CHECK(inb(&b, COM1) == 1, "first byte kept on overrun");

    /* Loopback modem lines: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD. */
    outb(&b, COM1 + 4, 0x10 | 0x0f);
    v = inb(&b, COM1 + 6);
    CHECK((v & 0xf0) == 0xf0, "loopback MSR status %02x", v);
    outb(&b, COM1 + 4, 0x10);
    v = inb(&b, COM1 + 6);
    CHECK((v & 0xf0) == 0x00 && (v & 0x0f) != 0, "MSR deltas after dropping lines %02x", v);

    /* FIFO: 16 bytes in order, the 17th overruns. */
    outb(&b, COM1 + 2, 0x07);
    CHECK((inb(&b, COM1 + 2) & 0xc0) == 0xc0, "IIR shows FIFOs enabled");
    for (int i = 0; i < 17; i++) {
        outb(&b, COM1, (uint8_t)(0x30 + i));
        clock_step(CHAR_NS_115200);
    }
    CHECK(inb(&b, COM1 + 5) & 0x02, "17th byte overruns the FIFO");
    {
        int ok = 1;

        for (int i = 0; i < 16; i++) {
            ok &= inb(&b, COM1) == 0x30 + i;
        }
        CHECK(ok, "FIFO order");
        CHECK(!(inb(&b, COM1 + 5) & 0x01), "FIFO empty");
    }

    /* Trigger level 4 and character timeout, with RDA interrupts enabled. */
    outb(&b, COM1 + 2, 0x47); /* trigger 4 */
    outb(&b, COM1 + 4, 0x18);
    outb(&b, COM1 + 1, 0x01);
    outb(&b, COM1, 'p');
    outb(&b, COM1, 'q');
    clock_step(2 * CHAR_NS_115200);
    CHECK(rec.level[4] == 0, "below the trigger level: no interrupt yet");
    clock_step(4 * CHAR_NS_115200);
    CHECK(rec.level[4] == 1 && (inb(&b, COM1 + 2) & 0x0f) == 0x0c, "character timeout");
    (void)inb(&b, COM1);
    (void)inb(&b, COM1);
    CHECK(rec.level[4] == 0, "timeout cleared by reading");
    for (int i = 0; i < 4; i++) {
        outb(&b, COM1, (uint8_t)i);
    }
    CHECK(rec.level[4] == 1 && (inb(&b, COM1 + 2) & 0x0f) == 0x04, "RDA at trigger level");
    outb(&b, COM1 + 2, 0x07);
    CHECK(rec.level[4] == 0 && !(inb(&b, COM1 + 5) & 1), "FIFO reset clears RDA");
    outb(&b, COM1 + 1, 0x00);
    outb(&b, COM1 + 4, 0x00);

    /* Everything sent outside loopback reached the file, in order. */
    chr_close(b.serial_chr[0]);
    {
        FILE *f = fopen(path, "rb");
        char got[16] = {0};
        size_t n = f ? fread(got, 1, sizeof(got) - 1, f) : 0;

        CHECK(n == 6 && memcmp(got, "OKabxy", 6) == 0, "file output '%s' (%zu bytes)", got, n);
        if (f) {
            fclose(f);
        }
    }
    unlink(path);
    board_teardown(&b);
    return tests_finish();
}
