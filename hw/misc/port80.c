/*
 * POST code port 0x80. BIOSes write progress codes here; each one is logged under
 * -d ioport as "POST: 0xNN". Also used by OSes as a ~1 us I/O delay. Reads return the
 * last code written (as a POST card latches it; QEMU returns 0xff, nothing relies on it).
 */
#include "hw/devices.h"
#include "util/log.h"

typedef struct Port80State {
    uint8_t code;
} Port80State;

static uint32_t port80_read(void *opaque, uint16_t port, unsigned size)
{
    Port80State *s = opaque;

    return s->code;
}

static void port80_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    Port80State *s = opaque;

    s->code = (uint8_t)val;
    log_mask_printf(LOG_IOPORT, "POST: 0x%02x\n", s->code);
}

static const IOPortOps port80_ops = {
    .read = port80_read,
    .write = port80_write,
};

static void *port80_init(Board *b, int instance)
{
    Port80State *s = xzalloc(sizeof(*s));

    io_register(b->io, 0x80, 1, &port80_ops, s);
    return s;
}

static void port80_reset(void *opaque)
{
    Port80State *s = opaque;

    s->code = 0;
}

static bool port80_info(void *opaque, const char *what, FILE *out)
{
    Port80State *s = opaque;

    if (strcmp(what, "post") != 0) {
        return false;
    }
    fprintf(out, "last POST code: 0x%02x\n", s->code);
    return true;
}

static const VMStateField port80_fields[] = {
    VMS_U8(Port80State, code),
    VMS_END,
};

static const VMStateDesc port80_vmsd = {
    .name = "port80",
    .version = 1,
    .fields = port80_fields,
};

const DeviceInfo port80_device = {
    .name = "port80",
    .init = port80_init,
    .reset = port80_reset,
    .vmsd = &port80_vmsd,
    .info = port80_info,
};
