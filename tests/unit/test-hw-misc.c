/*
 * The small ISA devices: port 0x80 POST codes (read-back, reset, save/restore), the debug
 * console on 0xE9 and 0x402 (every byte reaches the -debugcon chardev, reads return 0xE9)
 * and isa-debug-exit on 0xF4 (exit status (value << 1) | 1 for 1-, 2- and 4-byte writes).
 */
#include <string.h>
#include <unistd.h>

#include "hw-test.h"

static Board b;
static int shutdowns, last_status;

static void on_shutdown(void *opaque, int status)
{
    shutdowns++;
    last_status = status;
}

int main(void)
{
    char path[] = "/tmp/x86pc-test-debugcon-XXXXXX";
    char err[256], text[64] = "";
    ChardevSpec spec;
    FILE *f;
    int fd;
    void *port80;

    vclock_init(-1);
    board_init(&b);
    b.request_shutdown = on_shutdown;
    fd = mkstemp(path);
    CHECK(fd >= 0, "temporary file");
    if (fd >= 0) {
        close(fd);
    }
    snprintf(text, sizeof(text), "file:%s", path);
    CHECK(chr_parse(text, &spec, err, sizeof(err)), "chardev spec: %s", err);
    b.debugcon_chr = chr_open(&spec, "debugcon", err, sizeof(err));
    CHECK(b.debugcon_chr != NULL, "chardev open: %s", err);
    free(spec.path); /* chr_parse's copies belong to the caller */
    free(spec.host);
    port80 = board_add_device(&b, &port80_device, 0);
    board_add_device(&b, &debugcon_device, 0);
    board_add_device(&b, &debugexit_device, 0);

    /* Port 0x80 latches the last code. */
    outb(&b, 0x80, 0x5a);
    CHECK(inb(&b, 0x80) == 0x5a, "POST code reads back, got %02x", inb(&b, 0x80));
    {
        ByteBuf st = {0};
        size_t pos = 0;

        vmstate_save(port80_device.vmsd, port80, &st);
        outb(&b, 0x80, 0x11);
        CHECK(vmstate_load(port80_device.vmsd, port80, st.data, st.len, &pos) &&
                  inb(&b, 0x80) == 0x5a,
              "POST code restored");
        bytebuf_free(&st);
    }
    board_reset(&b);
    CHECK(inb(&b, 0x80) == 0x00, "reset clears the POST code");

    /* Debug console: both ports, one byte per write whatever the access size. */
    CHECK(inb(&b, 0xe9) == 0xe9 && inb(&b, 0x402) == 0xe9, "debugcon reads 0xE9");
    outb(&b, 0xe9, 'o');
    outb(&b, 0xe9, 'k');
    outb(&b, 0x402, '!');
    outb(&b, 0x402, '\n');
    chr_close(b.debugcon_chr);
    b.debugcon_chr = NULL;
    outb(&b, 0xe9, 'x'); /* no backend: dropped */
    memset(text, 0, sizeof(text));
    f = fopen(path, "rb");
    CHECK(f != NULL, "debugcon file");
    if (f) {
        size_t n = fread(text, 1, sizeof(text) - 1, f);

        fclose(f);
        CHECK(n == 4 && memcmp(text, "ok!\n", 4) == 0, "debugcon captured '%s' (%zu bytes)", text,
              n);
    }
    unlink(path);

    /* isa-debug-exit. */
    CHECK(shutdowns == 0, "nothing exits before a write");
    outb(&b, 0xf4, 0x00);
    CHECK(shutdowns == 1 && last_status == 1, "0 -> status 1, got %d", last_status);
    outb(&b, 0xf4, 0x10);
    CHECK(shutdowns == 2 && last_status == 0x21, "0x10 -> status 0x21, got %#x", last_status);
    io_write(b.io, 0xf4, 0x0021, 2);
    CHECK(shutdowns == 3 && last_status == 0x43, "16-bit 0x21 -> 0x43, got %#x", last_status);
    io_write(b.io, 0xf4, 0x7f, 4);
    CHECK(shutdowns == 4 && last_status == 0xff, "32-bit 0x7f -> 0xff, got %#x", last_status);
    CHECK(inb(&b, 0xf4) == 0xff, "isa-debug-exit is write-only");

    board_teardown(&b);
    return tests_finish();
}
