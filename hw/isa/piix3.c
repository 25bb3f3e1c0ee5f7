/*
 * Intel PIIX3 PCI-to-ISA bridge (82371SB function 0, 8086:7000) at 00:01.0.
 *
 * PIRQ routing: config 0x60-0x63 (PIRQRCA-D): bit 7 = routing disabled, bits 3:0 = the
 * ISA IRQ (3-7, 9-12, 14, 15). PCI interrupt lines are level triggered, active low and
 * shared; here a PIRQ is modelled active high and each ISA IRQ input of the 8259 sees
 * the OR of the PIRQs routed to it (the 8259 must have the IRQ level triggered in the
 * ELCR at 0x4D0/0x4D1, which hw/intc/i8259.c implements). Independently of the routing
 * registers, PIRQA-D also drive I/O APIC inputs 16-19 once piix3_set_apic_irqs() wired
 * them (APIC mode: the DSDT's _PRT gives GSIs 16-19 directly).
 *
 * Reset control register at I/O port 0xCF9: RCPU (bit 2) going 0 -> 1 resets the
 * machine; SRST (bit 1) selects a hard reset (both reset the whole board here).
 *
 * Coprocessor error (MS-DOS compatible x87 error reporting, CR0.NE = 0): the CPU's FERR#
 * output (piix3_set_ferr) makes the bridge raise ISA IRQ 13; an I/O write to port 0xF0
 * lowers it. Deviation: the chip also asserts IGNNE# after the 0xF0 write until FERR#
 * goes away; the CPU here does not stop at a pending x87 error in this mode (cpu/fpu.c),
 * so there is nothing for IGNNE# to release.
 *
 * The other registers (IORT, XBCS, TOM, MBIRQ, MBDMA, SMI, ...) are stored with their
 * reset values and have no effect: SeaBIOS and Linux do not rely on them.
 */
#include "hw/devices.h"
#include "hw/isa/piix.h"
#include "hw/pci/pci.h"
#include "util/log.h"

#define PIIX_RCR_SRST 0x02
#define PIIX_RCR_RCPU 0x04
#define PIIX_RCR_FULL 0x08

typedef struct PIIX3State {
    PCIDevice dev;
    Board *board;
    uint8_t rcr;            /* reset control, port 0xCF9 */
    uint8_t pirq_level[4];  /* current PIRQA-D levels from the PCI bus */
    uint16_t isa_out;       /* ISA IRQ levels this bridge drives now */
    bool ferr_irq;          /* IRQ 13 from FERR#, until a write to port 0xF0 */
    IRQ apic_irq[4];        /* I/O APIC pins 16-19, unconnected until wired */
} PIIX3State;

/* 0xDEF8: IRQ 3-7, 9-12, 14, 15 can take a PIRQ. */
#define PIIX_PIRQ_VALID_IRQS 0xdef8u

static int pirq_target(PIIX3State *s, int pirq)
{
    uint8_t r = s->dev.config[PIIX_PIRQRC + pirq];

    if (r & PIIX_PIRQ_DISABLE) {
        return -1;
    }
    r &= 0x0f;
    return (PIIX_PIRQ_VALID_IRQS & (1u << r)) ? r : -1;
}

/* Recompute the 16 ISA outputs and drive the ones that changed. */
static void piix3_update_isa(PIIX3State *s)
{
    uint16_t out = 0;

    for (int p = 0; p < 4; p++) {
        int irq = pirq_target(s, p);

        if (irq >= 0 && s->pirq_level[p]) {
            out |= (uint16_t)(1u << irq);
        }
    }
    if (s->ferr_irq) {
        out |= 1u << 13;
    }
    for (int irq = 0; irq < 16; irq++) {
        if ((out ^ s->isa_out) & (1u << irq)) {
            irq_set(&s->board->isa_irq[irq], (out >> irq) & 1);
        }
    }
    s->isa_out = out;
}

static void piix3_pirq_set(void *opaque, int pirq, int level)
{
    PIIX3State *s = opaque;

    if (pirq < 0 || pirq > 3) {
        return;
    }
    s->pirq_level[pirq] = level != 0;
    irq_set(&s->apic_irq[pirq], level != 0);
    piix3_update_isa(s);
}

void piix3_set_ferr(void *opaque, bool level)
{
    PIIX3State *s = opaque;

    if (level && !s->ferr_irq) {
        s->ferr_irq = true;
        piix3_update_isa(s);
    }
}

static uint32_t ferr_clear_read(void *opaque, uint16_t port, unsigned size)
{
    return 0xff;
}

static void ferr_clear_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    PIIX3State *s = opaque;

    if (s->ferr_irq) {
        s->ferr_irq = false;
        piix3_update_isa(s);
    }
}

static const IOPortOps ferr_ops = {
    .read = ferr_clear_read,
    .write = ferr_clear_write,
};

void piix3_set_apic_irqs(void *opaque, const IRQ gsi16_19[4])
{
    PIIX3State *s = opaque;

    for (int i = 0; i < 4; i++) {
        s->apic_irq[i] = gsi16_19[i];
        irq_set(&s->apic_irq[i], s->pirq_level[i]);
    }
}

static void piix3_config_write(PCIDevice *d, unsigned addr, uint32_t val, unsigned size)
{
    PIIX3State *s = d->opaque;

    if (addr < PIIX_PIRQRC + 4 && addr + size > PIIX_PIRQRC) {
        for (int p = 0; p < 4; p++) {
            uint8_t r = d->config[PIIX_PIRQRC + p];

            if (!(r & PIIX_PIRQ_DISABLE) && !(PIIX_PIRQ_VALID_IRQS & (1u << (r & 0x0f)))) {
                log_mask_printf(LOG_GUEST_ERRORS, "piix3: PIRQ%c routed to reserved IRQ %u "
                                "(ignored)\n", 'A' + p, r & 0x0f);
            }
        }
        piix3_update_isa(s);
    }
}

static const PCIDeviceInfo piix3_pci_info = {
    .name = "piix3",
    .vendor_id = PIIX3_VENDOR_ID,
    .device_id = PIIX3_DEVICE_ID,
    .revision = 0x00,
    .class_code = 0x060100, /* ISA bridge */
    .header_type = PCI_HEADER_TYPE_MULTI_FUNCTION,
    .config_write = piix3_config_write,
};

/* ---- reset control, port 0xCF9 ---- */

static uint32_t rcr_read(void *opaque, uint16_t port, unsigned size)
{
    PIIX3State *s = opaque;

    return s->rcr;
}

static void rcr_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    PIIX3State *s = opaque;
    uint8_t v = (uint8_t)val;

    if ((v & PIIX_RCR_RCPU) && !(s->rcr & PIIX_RCR_RCPU)) {
        log_mask_printf(LOG_RESET, "piix3: port 0xcf9: %s reset\n",
                        (v & PIIX_RCR_SRST) ? "hard" : "soft");
        s->rcr = 0;
        board_request_reset(s->board);
        return;
    }
    s->rcr = v & (PIIX_RCR_SRST | PIIX_RCR_RCPU | PIIX_RCR_FULL);
}

static const IOPortOps rcr_ops = {
    .read = rcr_read,
    .write = rcr_write,
};

static void piix3_reset(void *opaque)
{
    PIIX3State *s = opaque;
    PCIDevice *d = &s->dev;

    pci_device_reset(d);
    pci_set_word(d, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    memset(&d->config[0x40], 0, PCI_CONFIG_SPACE_SIZE - 0x40);
    d->config[0x4c] = 0x4d; /* IORT */
    d->config[0x4e] = 0x03; /* XBCS: RTC, keyboard controller */
    for (int p = 0; p < 4; p++) {
        d->config[PIIX_PIRQRC + p] = PIIX_PIRQ_DISABLE;
    }
    d->config[0x69] = 0x02; /* TOM */
    d->config[0x70] = 0x80; /* MBIRQ0 */
    d->config[0x71] = 0x80; /* MBIRQ1 */
    d->config[0x76] = 0x0c; /* MBDMA0 */
    d->config[0x77] = 0x0c; /* MBDMA1 */
    d->config[0x78] = 0x02; /* PCSC */
    d->config[0xa0] = 0x08; /* SMICNTL */
    d->config[0xa8] = 0x0f; /* FTMR */
    s->rcr = 0;
    s->ferr_irq = false;
    piix3_update_isa(s);
}

static void *piix3_init(Board *b, int instance)
{
    PIIX3State *s = xzalloc(sizeof(*s));
    PCIBus *bus = pci_bus_find(b);
    PCIDevice *d = &s->dev;

    if (!bus) {
        fatal("piix3: the board has no PCI host bridge");
    }
    s->board = b;
    pci_device_init(d, bus, PCI_DEVFN(1, 0), &piix3_pci_info, s);
    pci_set_wmask(d, 0x4c, 4, 0xff);
    pci_set_wmask(d, PIIX_PIRQRC, 4, 0x8f);
    pci_set_wmask(d, 0x69, 2, 0xff);
    pci_set_wmask(d, 0x70, 2, 0xff);
    pci_set_wmask(d, 0x76, 3, 0xff);
    pci_set_wmask(d, 0x80, 3, 0xff);
    pci_set_wmask(d, 0xa0, 16, 0xff);
    pci_bus_set_irq_handler(bus, piix3_pirq_set, s);
    /* Registered after the bus took 0xCF8-0xCFB: 0xCF9 byte accesses land here. */
    io_register(b->io, 0xcf9, 1, &rcr_ops, s);
    io_register(b->io, 0xf0, 1, &ferr_ops, s);
    piix3_reset(s);
    return s;
}

static bool piix3_info(void *opaque, const char *what, FILE *out)
{
    PIIX3State *s = opaque;

    if (strcmp(what, "pirq") != 0) {
        return false;
    }
    for (int p = 0; p < 4; p++) {
        int irq = pirq_target(s, p);

        fprintf(out, "PIRQ%c: %s", 'A' + p, s->pirq_level[p] ? "asserted" : "idle");
        if (irq >= 0) {
            fprintf(out, " -> IRQ %d\n", irq);
        } else {
            fprintf(out, " -> not routed\n");
        }
    }
    return true;
}

static int piix3_post_load(void *opaque)
{
    PIIX3State *s = opaque;

    for (int p = 0; p < 4; p++) {
        s->pirq_level[p] = s->dev.bus->pirq_count[p] > 0;
    }
    pci_device_post_load(&s->dev);
    piix3_update_isa(s);
    return 0;
}

static const VMStateField piix3_fields[] = {
    VMS_STRUCT_ARRAY(PIIX3State, dev, PCIDevice, pci_device_vmsd),
    VMS_U8(PIIX3State, rcr),
    VMS_BOOL(PIIX3State, ferr_irq),
    VMS_END,
};

static const VMStateDesc piix3_vmsd = {
    .name = "piix3",
    .version = 2,
    .fields = piix3_fields,
    .post_load = piix3_post_load,
};

const DeviceInfo piix3_device = {
    .name = "piix3",
    .init = piix3_init,
    .reset = piix3_reset,
    .vmsd = &piix3_vmsd,
    .info = piix3_info,
};
