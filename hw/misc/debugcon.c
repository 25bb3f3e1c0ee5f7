/*
 * Debug console (Bochs/QEMU "port E9 hack") on ports 0xE9 and 0x402 (the port Debian's
 * SeaBIOS build prints to). Every byte written goes to -debugcon's chardev; a read returns
 * 0xE9 so software can detect the port. No guest-visible state, so no reset: the byte
 * count (monitor statistics) runs on across machine resets.
 */
#include "hw/devices.h"
#include "util/log.h"

typedef struct DebugconState {
    Board *board;
    uint64_t bytes; /* bytes written, for the monitor */
} DebugconState;

static uint32_t debugcon_read(void *opaque, uint16_t port, unsigned size)
{
    return 0xe9;
}

static void debugcon_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    DebugconState *s = opaque;
    uint8_t c = (uint8_t)val;

    s->bytes++;
    if (s->board->debugcon_chr) {
        chr_write(s->board->debugcon_chr, &c, 1);
    }
}

static const IOPortOps debugcon_ops = {
    .read = debugcon_read,
    .write = debugcon_write,
};

static void *debugcon_init(Board *b, int instance)
{
    DebugconState *s = xzalloc(sizeof(*s));

    s->board = b;
    io_register(b->io, 0xe9, 1, &debugcon_ops, s);
    io_register(b->io, 0x402, 1, &debugcon_ops, s);
    return s;
}

static bool debugcon_info(void *opaque, const char *what, FILE *out)
{
    DebugconState *s = opaque;

    if (strcmp(what, "debugcon") != 0) {
        return false;
    }
    fprintf(out, "debugcon: ports 0xe9, 0x402; %llu bytes written; %s\n",
            (unsigned long long)s->bytes, s->board->debugcon_chr ? "connected" : "no backend");
    return true;
}

static const VMStateField debugcon_fields[] = {
    VMS_U64(DebugconState, bytes),
    VMS_END,
};

static const VMStateDesc debugcon_vmsd = {
    .name = "debugcon",
    .version = 1,
    .fields = debugcon_fields,
};

const DeviceInfo debugcon_device = {
    .name = "debugcon",
    .init = debugcon_init,
    .vmsd = &debugcon_vmsd,
    .info = debugcon_info,
};
