/*
 * isa-debug-exit (QEMU-compatible) on port 0xF4: a write of value V ends x86pc with exit
 * status (V << 1) | 1, so a test can never exit 0 by accident. Accepts 1/2/4-byte writes;
 * reads are unassigned (all ones).
 */
#include "hw/devices.h"
#include "util/log.h"

#define DEBUGEXIT_PORT 0xf4

typedef struct DebugExitState {
    Board *board;
    uint32_t last; /* last value written, for the monitor */
} DebugExitState;

static void debugexit_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    DebugExitState *s = opaque;

    s->last = val;
    board_request_shutdown(s->board, (int)(((val << 1) | 1) & 0xff));
}

static const IOPortOps debugexit_ops = {
    .write = debugexit_write,
    .sizes = IO_SIZE_1 | IO_SIZE_2 | IO_SIZE_4,
};

static void *debugexit_init(Board *b, int instance)
{
    DebugExitState *s = xzalloc(sizeof(*s));

    s->board = b;
    io_register(b->io, DEBUGEXIT_PORT, 1, &debugexit_ops, s);
    return s;
}

static void debugexit_reset(void *opaque)
{
    DebugExitState *s = opaque;

    s->last = 0;
}

static const VMStateField debugexit_fields[] = {
    VMS_U32(DebugExitState, last),
    VMS_END,
};

static const VMStateDesc debugexit_vmsd = {
    .name = "isa-debug-exit",
    .version = 1,
    .fields = debugexit_fields,
};

const DeviceInfo debugexit_device = {
    .name = "isa-debug-exit",
    .init = debugexit_init,
    .reset = debugexit_reset,
    .vmsd = &debugexit_vmsd,
};
