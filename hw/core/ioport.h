/*
 * Port I/O dispatch: one handler slot per port of the 64 KiB I/O space.
 *
 * A device registers a range of ports with read/write callbacks and the access sizes it
 * implements (IO_SIZE_* mask). A 16/32-bit access to a port whose handler does not take
 * that size is split into byte accesses to consecutive ports, as the ISA bus does.
 * Unassigned ports read as all ones and ignore writes (logged once per port under
 * LOG_UNIMP). Every access is logged under LOG_IOPORT.
 */
#ifndef X86PC_HW_CORE_IOPORT_H
#define X86PC_HW_CORE_IOPORT_H

#include "util/common.h"

#define IO_SIZE_1 (1u << 0)
#define IO_SIZE_2 (1u << 1)
#define IO_SIZE_4 (1u << 2)

typedef struct IOPortOps {
    /* port is the absolute port number; size is 1, 2 or 4 (one of the sizes declared). */
    uint32_t (*read)(void *opaque, uint16_t port, unsigned size);
    void (*write)(void *opaque, uint16_t port, uint32_t val, unsigned size);
    unsigned sizes; /* IO_SIZE_* mask; 0 means IO_SIZE_1 */
} IOPortOps;

typedef struct IOPortTable IOPortTable;

IOPortTable *io_new(void);
void io_free(IOPortTable *io);
/* Claim ports [base, base + count). Later registrations replace earlier ones. */
void io_register(IOPortTable *io, uint16_t base, unsigned count, const IOPortOps *ops,
                 void *opaque);
void io_unregister(IOPortTable *io, uint16_t base, unsigned count);
bool io_port_assigned(IOPortTable *io, uint16_t port);
uint32_t io_read(IOPortTable *io, uint16_t port, unsigned size);
void io_write(IOPortTable *io, uint16_t port, uint32_t val, unsigned size);

#endif
