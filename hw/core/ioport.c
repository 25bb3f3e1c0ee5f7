/*
 * Port I/O dispatch table.
 */
#include "hw/core/ioport.h"

#include <stdlib.h>

#include "util/log.h"

typedef struct IOPortEntry {
    const IOPortOps *ops;
    void *opaque;
} IOPortEntry;

struct IOPortTable {
    IOPortEntry ports[65536];
    uint8_t unimp_logged[65536 / 8];
};

IOPortTable *io_new(void)
{
    return xzalloc(sizeof(IOPortTable));
}

void io_free(IOPortTable *io)
{
    free(io);
}

void io_register(IOPortTable *io, uint16_t base, unsigned count, const IOPortOps *ops,
                 void *opaque)
{
    for (unsigned i = 0; i < count && base + i < 65536; i++) {
        io->ports[base + i].ops = ops;
        io->ports[base + i].opaque = opaque;
    }
}

void io_unregister(IOPortTable *io, uint16_t base, unsigned count)
{
    for (unsigned i = 0; i < count && base + i < 65536; i++) {
        io->ports[base + i].ops = NULL;
        io->ports[base + i].opaque = NULL;
    }
}

bool io_port_assigned(IOPortTable *io, uint16_t port)
{
    return io->ports[port].ops != NULL;
}

static uint32_t size_mask(unsigned size)
{
    return size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

static void log_unassigned(IOPortTable *io, uint16_t port, bool write, uint32_t val,
                           unsigned size)
{
    if (!(io->unimp_logged[port >> 3] & (1u << (port & 7)))) {
        io->unimp_logged[port >> 3] |= (uint8_t)(1u << (port & 7));
        if (write) {
            log_mask_printf(LOG_UNIMP, "ioport: unassigned out %04x <- %x (%u) (logged once)\n",
                            port, val, size);
        } else {
            log_mask_printf(LOG_UNIMP, "ioport: unassigned in %04x (%u) (logged once)\n", port,
                            size);
        }
    }
}

static uint32_t dispatch_read(IOPortTable *io, uint16_t port, unsigned size)
{
    const IOPortEntry *e = &io->ports[port];
    unsigned sizes;

    if (!e->ops || !e->ops->read) {
        if (!e->ops) {
            log_unassigned(io, port, false, 0, size);
        }
        if (size == 1 || e->ops) {
            return size_mask(size);
        }
    } else {
        sizes = e->ops->sizes ? e->ops->sizes : IO_SIZE_1;
        if (sizes & size) {
            return e->ops->read(e->opaque, port, size) & size_mask(size);
        }
        if (size == 1) {
            log_mask_printf(LOG_GUEST_ERRORS, "ioport: byte read of wide-only port %04x\n", port);
            return 0xff;
        }
    }
    /* Split into two halves on consecutive ports, low half first. */
    {
        unsigned half = size / 2;
        uint32_t lo = dispatch_read(io, port, half);
        uint32_t hi = dispatch_read(io, (uint16_t)(port + half), half);

        return lo | (hi << (half * 8));
    }
}

static void dispatch_write(IOPortTable *io, uint16_t port, uint32_t val, unsigned size)
{
    const IOPortEntry *e = &io->ports[port];
    unsigned sizes;

    if (!e->ops || !e->ops->write) {
        if (!e->ops) {
            log_unassigned(io, port, true, val, size);
        }
        if (size == 1 || e->ops) {
            return;
        }
    } else {
        sizes = e->ops->sizes ? e->ops->sizes : IO_SIZE_1;
        if (sizes & size) {
            e->ops->write(e->opaque, port, val & size_mask(size), size);
            return;
        }
        if (size == 1) {
            log_mask_printf(LOG_GUEST_ERRORS, "ioport: byte write of wide-only port %04x\n",
                            port);
            return;
        }
    }
    {
        unsigned half = size / 2;

        dispatch_write(io, port, val & size_mask(half), half);
        dispatch_write(io, (uint16_t)(port + half), val >> (half * 8), half);
    }
}

uint32_t io_read(IOPortTable *io, uint16_t port, unsigned size)
{
    uint32_t v;

    if (size != 1 && size != 2 && size != 4) {
        size = 1;
    }
    v = dispatch_read(io, port, size);
    log_mask_printf(LOG_IOPORT, "ioport: in  %04x -> %0*x (%u)\n", port, (int)size * 2, v, size);
    return v;
}

void io_write(IOPortTable *io, uint16_t port, uint32_t val, unsigned size)
{
    if (size != 1 && size != 2 && size != 4) {
        size = 1;
    }
    val &= size_mask(size);
    log_mask_printf(LOG_IOPORT, "ioport: out %04x <- %0*x (%u)\n", port, (int)size * 2, val, size);
    dispatch_write(io, port, val, size);
}
