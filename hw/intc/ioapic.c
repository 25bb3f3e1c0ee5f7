/*
 * 82093AA I/O APIC at 0xFEC00000: IOREGSEL (0x00) selects a register that IOWIN (0x10)
 * reads or writes. Registers: ID (0x00), version (0x01: 0x11, 24 redirection entries),
 * arbitration ID (0x02), and the redirection table (0x10 + 2n low, 0x11 + 2n high).
 *
 * Each pin sends an interrupt message on the APIC bus (apic_bus_deliver) with the entry's
 * vector, delivery mode (fixed, lowest priority, SMI, NMI, INIT, ExtINT), destination mode
 * and destination. Edge-triggered pins send one message per rising edge while unmasked
 * (an edge that arrives while the pin is masked is lost, as on the 82093AA). Level-triggered
 * pins send a message while asserted and unmasked with remote IRR clear, set remote IRR,
 * and send again after the local APIC's EOI broadcast for that vector if still asserted.
 *
 * Polarity: the board's lines carry the logical "asserted" state (hw/core/irq.h); the
 * polarity bit describes the electrical wiring, which the board has already applied, so it
 * is stored and read back but does not invert the input.
 *
 * At init the device splits the board's ISA IRQ lines: each goes to the 8259 (as before) and
 * to pin n of this I/O APIC (IRQ0 to pin 2); see hw/intc/apic.h for the whole wiring.
 */
#include "hw/intc/apic.h"

#include "util/log.h"

#define IOAPIC_VERSION 0x11u

#define IOREDTBL_VECTOR 0xffu
#define IOREDTBL_DM_SHIFT 8
#define IOREDTBL_DEST_LOGICAL (1u << 11)
#define IOREDTBL_DELIVS (1u << 12)
#define IOREDTBL_POLARITY (1u << 13)
#define IOREDTBL_REMOTE_IRR (1u << 14)
#define IOREDTBL_LEVEL (1u << 15)
#define IOREDTBL_MASKED (1u << 16)
/* Writable bits of the low dword: all but delivery status and remote IRR. */
#define IOREDTBL_RW_LO 0x1afffu

typedef struct IOAPICState {
    uint8_t id;
    uint8_t ioregsel;
    uint32_t irr;   /* input levels (bit n = pin n asserted) */
    uint64_t redtbl[IOAPIC_NUM_PINS];
    struct ApicState *apic;
    IRQ isa_pic[16]; /* the 8259's inputs, as the PIC registered them */
    Board *board;
} IOAPICState;

static void ioapic_service(IOAPICState *s, int pin)
{
    uint64_t e = s->redtbl[pin];
    uint32_t lo = (uint32_t)e;
    int dm = (int)((lo >> IOREDTBL_DM_SHIFT) & 7);
    bool level = (lo & IOREDTBL_LEVEL) != 0;

    if (!(s->irr & (1u << pin)) || (lo & IOREDTBL_MASKED)) {
        return;
    }
    if (level) {
        if (lo & IOREDTBL_REMOTE_IRR) {
            return;
        }
        /* Only fixed and lowest-priority messages are acknowledged by an EOI. */
        if (dm == APIC_DM_FIXED || dm == APIC_DM_LOWEST) {
            s->redtbl[pin] |= IOREDTBL_REMOTE_IRR;
        }
    }
    if (dm == 3 || dm == APIC_DM_STARTUP) {
        log_mask_printf(LOG_GUEST_ERRORS, "ioapic: pin %d has reserved delivery mode %d\n", pin,
                        dm);
        return;
    }
    if (s->apic) {
        apic_bus_deliver(s->apic, (uint8_t)(e >> 56), (lo & IOREDTBL_DEST_LOGICAL) != 0, dm,
                         (uint8_t)(lo & IOREDTBL_VECTOR), level);
    }
}

void ioapic_set_gsi(IOAPICState *s, int gsi, int level)
{
    uint32_t mask;
    bool was;

    if (gsi < 0 || gsi >= IOAPIC_NUM_PINS) {
        return;
    }
    mask = 1u << gsi;
    was = (s->irr & mask) != 0;
    if (level) {
        s->irr |= mask;
    } else {
        s->irr &= ~mask;
    }
    if (level && (!was || (s->redtbl[gsi] & IOREDTBL_LEVEL))) {
        ioapic_service(s, gsi);
    }
}

static void ioapic_irq_handler(void *opaque, int n, int level)
{
    ioapic_set_gsi(opaque, n, level);
}

IRQ ioapic_gsi_irq(IOAPICState *s, int gsi)
{
    return (IRQ){ioapic_irq_handler, s, gsi};
}

/* ISA IRQ n: both interrupt controllers. */
static void ioapic_isa_irq(void *opaque, int n, int level)
{
    IOAPICState *s = opaque;

    irq_set(&s->isa_pic[n], level);
    if (n != 2) {
        ioapic_set_gsi(s, n == 0 ? 2 : n, level);
    }
}

/* EOI broadcast from a local APIC. */
static void ioapic_eoi(void *opaque, uint8_t vector)
{
    IOAPICState *s = opaque;

    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        uint64_t e = s->redtbl[pin];

        if ((e & IOREDTBL_REMOTE_IRR) && (uint8_t)(e & IOREDTBL_VECTOR) == vector) {
            s->redtbl[pin] &= ~(uint64_t)IOREDTBL_REMOTE_IRR;
            ioapic_service(s, pin);
        }
    }
}

static uint32_t ioapic_reg_read(IOAPICState *s)
{
    unsigned r = s->ioregsel;

    switch (r) {
    case 0x00:
        return (uint32_t)(s->id & 0x0f) << 24;
    case 0x01:
        return IOAPIC_VERSION | ((IOAPIC_NUM_PINS - 1u) << 16);
    case 0x02:
        return (uint32_t)(s->id & 0x0f) << 24; /* arbitration ID */
    default:
        if (r >= 0x10 && r < 0x10 + 2 * IOAPIC_NUM_PINS) {
            uint64_t e = s->redtbl[(r - 0x10) / 2];

            return (r & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
        }
        log_mask_printf(LOG_GUEST_ERRORS, "ioapic: read of register 0x%02x\n", r);
        return 0;
    }
}

static void ioapic_reg_write(IOAPICState *s, uint32_t val)
{
    unsigned r = s->ioregsel;

    switch (r) {
    case 0x00:
        s->id = (uint8_t)((val >> 24) & 0x0f);
        return;
    case 0x01:
    case 0x02:
        return; /* read-only */
    default:
        if (r >= 0x10 && r < 0x10 + 2 * IOAPIC_NUM_PINS) {
            int pin = (int)(r - 0x10) / 2;
            uint64_t e = s->redtbl[pin];

            if (r & 1) {
                e = (e & 0xffffffffull) | ((uint64_t)(val & 0xff000000u) << 32);
            } else {
                e = (e & ~(uint64_t)IOREDTBL_RW_LO) | (val & IOREDTBL_RW_LO);
                if (!(e & IOREDTBL_LEVEL)) {
                    e &= ~(uint64_t)IOREDTBL_REMOTE_IRR;
                }
            }
            s->redtbl[pin] = e;
            /* An unmasked level-triggered pin that is asserted sends its message now. */
            if (e & IOREDTBL_LEVEL) {
                ioapic_service(s, pin);
            }
            return;
        }
        log_mask_printf(LOG_GUEST_ERRORS, "ioapic: write of register 0x%02x\n", r);
        return;
    }
}

static uint64_t ioapic_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    IOAPICState *s = opaque;

    switch (offset & 0xff) {
    case 0x00:
        return s->ioregsel;
    case 0x10:
        return ioapic_reg_read(s);
    default:
        log_mask_printf(LOG_GUEST_ERRORS, "ioapic: %u-byte read at offset 0x%llx\n", size,
                        (unsigned long long)offset);
        return 0;
    }
}

static void ioapic_mmio_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    IOAPICState *s = opaque;

    switch (offset & 0xff) {
    case 0x00:
        s->ioregsel = (uint8_t)val;
        break;
    case 0x10:
        if (size < 4) {
            log_mask_printf(LOG_GUEST_ERRORS, "ioapic: %u-byte write to IOWIN ignored\n", size);
            break;
        }
        ioapic_reg_write(s, (uint32_t)val);
        break;
    default:
        log_mask_printf(LOG_GUEST_ERRORS, "ioapic: write at offset 0x%llx ignored\n",
                        (unsigned long long)offset);
        break;
    }
}

static const MemoryOps ioapic_mmio_ops = {
    .read = ioapic_mmio_read,
    .write = ioapic_mmio_write,
};

static void ioapic_reset(void *opaque)
{
    IOAPICState *s = opaque;

    s->id = (uint8_t)IOAPIC_ID(s->board->smp);
    s->ioregsel = 0;
    for (int i = 0; i < IOAPIC_NUM_PINS; i++) {
        s->redtbl[i] = IOREDTBL_MASKED;
    }
}

static void *ioapic_init(Board *b, int instance)
{
    IOAPICState *s = xzalloc(sizeof(*s));

    (void)instance;
    s->board = b;
    s->apic = board_find_device(b, apic_device.name, 0);
    if (s->apic) {
        apic_set_eoi_listener(s->apic, ioapic_eoi, s);
    }
    for (int i = 0; i < 16; i++) {
        s->isa_pic[i] = b->isa_irq[i];
        b->isa_irq[i] = (IRQ){ioapic_isa_irq, s, i};
    }
    mem_add_mmio(b->mem, "ioapic", IOAPIC_BASE, 0x1000, &ioapic_mmio_ops, s, 10);
    ioapic_reset(s);
    return s;
}

static bool ioapic_info(void *opaque, const char *what, FILE *out)
{
    IOAPICState *s = opaque;
    static const char *const dm_names[8] = {"fixed", "lowest", "smi", "res3",
                                            "nmi", "init", "res6", "extint"};

    if (strcmp(what, "ioapic") != 0) {
        return false;
    }
    fprintf(out, "ioapic: id=%u ioregsel=0x%02x inputs=%06x\n", s->id, s->ioregsel, s->irr);
    for (int i = 0; i < IOAPIC_NUM_PINS; i++) {
        uint64_t e = s->redtbl[i];
        uint32_t lo = (uint32_t)e;

        fprintf(out, "  pin %2d: %016llx vec=%02x %-6s %s %s %s%s%s dest=%02x\n", i,
                (unsigned long long)e, lo & 0xff, dm_names[(lo >> 8) & 7],
                (lo & IOREDTBL_DEST_LOGICAL) ? "logical " : "physical",
                (lo & IOREDTBL_LEVEL) ? "level" : "edge ",
                (lo & IOREDTBL_POLARITY) ? "active-low " : "active-high",
                (lo & IOREDTBL_MASKED) ? " masked" : "",
                (lo & IOREDTBL_REMOTE_IRR) ? " remote-irr" : "", (unsigned)(e >> 56));
    }
    return true;
}

static const VMStateField ioapic_fields[] = {
    VMS_U8(IOAPICState, id),
    VMS_U8(IOAPICState, ioregsel),
    VMS_U32(IOAPICState, irr),
    VMS_ARRAY(IOAPICState, redtbl, VMS_TYPE_U64, 8),
    VMS_END,
};

static const VMStateDesc ioapic_vmsd = {
    .name = "ioapic",
    .version = 1,
    .fields = ioapic_fields,
};

const DeviceInfo ioapic_device = {
    .name = "ioapic",
    .init = ioapic_init,
    .reset = ioapic_reset,
    .vmsd = &ioapic_vmsd,
    .info = ioapic_info,
};
