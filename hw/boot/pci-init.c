/*
 * The chipset and PCI set-up that a PC BIOS's POST does, for kernels that x86pc boots
 * without firmware (-machine linuxboot=direct, Multiboot). Without it the ACPI PM block
 * that the FADT describes is not decoded (so ACPI power-off does nothing), the SCI and
 * PCI interrupts are edge triggered in the 8259, and PCI BARs are unassigned.
 *
 * Everything goes through the guest-visible interfaces -- configuration mechanism #1
 * semantics via pci_config_read/write and the ELCR ports -- exactly as firmware code
 * would, so a device cannot tell this from a BIOS. The choices match what Debian's SeaBIOS
 * does on this machine (and what the DSDT's link devices offer):
 *   - PIIX3 PIRQA-D -> ISA IRQ 10, 10, 11, 11, level triggered in the ELCR;
 *   - PIIX4 PM I/O at 0x600 (the FADT's PM blocks), SMBus at 0x700, SCI (IRQ 9) level;
 *   - I/O BARs from 0xC000 up, memory BARs from just below the I/O APIC (0xFEC00000)
 *     down, largest first, within the DSDT's PCI window; decoding and bus mastering on;
 *   - interrupt line register = the ISA IRQ of the function's PIRQ.
 * Must run after every reset, after board_reset() (which disables all of it).
 */
#include <stdlib.h>

#include "hw/boot/boot.h"
#include "hw/isa/piix.h"
#include "hw/pci/pci.h"
#include "util/log.h"

#define PCI_INIT_IO_BASE 0xc000u
#define PCI_INIT_IO_END 0x10000u
#define PCI_INIT_MEM_TOP 0xfec00000u
#define PCI_INIT_PM_BASE 0x600u
#define PCI_INIT_SMB_BASE 0x700u

static const uint8_t pirq_irqs[4] = {10, 10, 11, 11};

typedef struct BarReq {
    uint8_t devfn;
    uint8_t reg;     /* configuration offset of the BAR (0x10-0x24, 0x30) */
    bool io;
    bool is64;
    uint32_t size;
} BarReq;

static uint32_t cfg_read(PCIBus *bus, uint8_t devfn, unsigned addr, unsigned size)
{
    return pci_config_read(bus, devfn, addr, size);
}

static void cfg_write(PCIBus *bus, uint8_t devfn, unsigned addr, uint32_t val, unsigned size)
{
    pci_config_write(bus, devfn, addr, val, size);
}

/* Size one BAR the way firmware does: write all ones, read back, restore. */
static bool bar_probe(PCIBus *bus, uint8_t devfn, uint8_t reg, BarReq *r)
{
    uint32_t old = cfg_read(bus, devfn, reg, 4), mask, v;

    cfg_write(bus, devfn, reg, reg == PCI_ROM_ADDRESS ? ~1u : ~0u, 4);
    v = cfg_read(bus, devfn, reg, 4);
    cfg_write(bus, devfn, reg, old, 4);
    if (v == 0 || v == ~0u) {
        return false;
    }
    r->devfn = devfn;
    r->reg = reg;
    r->io = reg != PCI_ROM_ADDRESS && (v & PCI_BAR_SPACE_IO);
    r->is64 = !r->io && reg != PCI_ROM_ADDRESS && ((v >> 1) & 3) == 2;
    mask = r->io ? (v & ~3u) | 0xffff0000u : v & ~0xfu;
    if (reg == PCI_ROM_ADDRESS) {
        mask = v & ~0x7ffu;
    }
    r->size = ~mask + 1;
    return r->size != 0;
}

static void bar_assign(PCIBus *bus, const BarReq *r, uint32_t addr)
{
    uint32_t old = cfg_read(bus, r->devfn, r->reg, 4);

    if (r->reg == PCI_ROM_ADDRESS) {
        /* Assigned but left disabled, as firmware does once it has run the ROM. */
        cfg_write(bus, r->devfn, r->reg, addr, 4);
    } else {
        cfg_write(bus, r->devfn, r->reg, addr | (old & (r->io ? 3u : 0xfu)), 4);
    }
    if (r->is64) {
        cfg_write(bus, r->devfn, r->reg + 4u, 0, 4);
    }
    log_mask_printf(LOG_RESET, "pci-init: %02x.%x BAR %#x -> %s %#x (%#x bytes)\n",
                    PCI_SLOT(r->devfn), PCI_FUNC(r->devfn), r->reg, r->io ? "io" : "mem",
                    addr, r->size);
}

/* Assign every BAR of every function on bus 0; ORs the decode enables each function needs
 * into command[devfn]. */
static void assign_bars(PCIBus *bus, uint16_t *command)
{
    BarReq *reqs = xzalloc(sizeof(*reqs) * PCI_MAX_DEVFN * (PCI_NUM_BARS + 1));
    int n = 0;
    uint32_t io = PCI_INIT_IO_BASE, mem = PCI_INIT_MEM_TOP;

    for (int devfn = 0; devfn < PCI_MAX_DEVFN; devfn++) {
        if (!bus->devices[devfn] || devfn == PCI_DEVFN(0, 0)) {
            continue; /* the host bridge has no BARs */
        }
        for (int bar = 0; bar <= PCI_NUM_BARS; bar++) {
            uint8_t reg = bar == PCI_NUM_BARS ? PCI_ROM_ADDRESS
                                              : (uint8_t)(PCI_BASE_ADDRESS_0 + 4 * bar);

            if (bar_probe(bus, (uint8_t)devfn, reg, &reqs[n])) {
                n++;
                if (reqs[n - 1].is64) {
                    bar++; /* the upper half is part of this BAR */
                }
            }
        }
    }
    /* Largest first keeps natural alignment without holes piling up. */
    for (int i = 1; i < n; i++) {
        BarReq t = reqs[i];
        int j = i;

        for (; j > 0 && reqs[j - 1].size < t.size; j--) {
            reqs[j] = reqs[j - 1];
        }
        reqs[j] = t;
    }
    for (int i = 0; i < n; i++) {
        BarReq *r = &reqs[i];

        if (r->io) {
            uint32_t a = (io + r->size - 1) & ~(r->size - 1);

            if (a + r->size > PCI_INIT_IO_END) {
                log_mask_printf(LOG_UNIMP, "pci-init: no I/O space left for %02x.%x BAR %#x\n",
                                PCI_SLOT(r->devfn), PCI_FUNC(r->devfn), r->reg);
                continue;
            }
            bar_assign(bus, r, a);
            io = a + r->size;
            command[r->devfn] |= PCI_COMMAND_IO;
        } else {
            uint32_t a = (mem - r->size) & ~(r->size - 1);

            if (r->size > mem || a < 0xe0000000u) {
                log_mask_printf(LOG_UNIMP, "pci-init: no memory space left for %02x.%x BAR "
                                "%#x\n", PCI_SLOT(r->devfn), PCI_FUNC(r->devfn), r->reg);
                continue;
            }
            bar_assign(bus, r, a);
            mem = a;
            if (r->reg != PCI_ROM_ADDRESS) {
                command[r->devfn] |= PCI_COMMAND_MEMORY;
            }
        }
    }
    free(reqs);
}

static void elcr_set_level(Board *b, uint16_t *elcr, int irq)
{
    *elcr |= (uint16_t)(1u << irq);
    io_write(b->io, PIIX_ELCR1, *elcr & 0xff, 1);
    io_write(b->io, PIIX_ELCR2, *elcr >> 8, 1);
}

void boot_pci_init(Board *b)
{
    PCIBus *bus = pci_bus_find(b);
    uint16_t command[PCI_MAX_DEVFN] = {0};
    uint16_t elcr;
    int isa = -1;

    if (!bus) {
        return;
    }
    elcr = (uint16_t)(io_read(b->io, PIIX_ELCR1, 1) | io_read(b->io, PIIX_ELCR2, 1) << 8);

    for (int devfn = 0; devfn < PCI_MAX_DEVFN; devfn++) {
        uint32_t id;

        if (!bus->devices[devfn]) {
            continue;
        }
        id = cfg_read(bus, (uint8_t)devfn, PCI_VENDOR_ID, 4);
        if (id == (PIIX3_VENDOR_ID | (uint32_t)PIIX3_DEVICE_ID << 16)) {
            isa = devfn;
            for (int p = 0; p < 4; p++) {
                cfg_write(bus, (uint8_t)devfn, PIIX_PIRQRC + p, pirq_irqs[p], 1);
                elcr_set_level(b, &elcr, pirq_irqs[p]);
            }
        } else if (id == (PIIX3_VENDOR_ID | (uint32_t)PIIX4_PM_DEVICE_ID << 16)) {
            cfg_write(bus, (uint8_t)devfn, PIIX4_PMBA, PCI_INIT_PM_BASE | 1, 4);
            cfg_write(bus, (uint8_t)devfn, PIIX4_PMREGMISC, 1, 1);
            cfg_write(bus, (uint8_t)devfn, PIIX4_SMBBA, PCI_INIT_SMB_BASE | 1, 4);
            cfg_write(bus, (uint8_t)devfn, PIIX4_SMBHSTCFG, 1, 1);
            cfg_write(bus, (uint8_t)devfn, PCI_INTERRUPT_LINE, PIIX4_SCI_IRQ, 1);
            elcr_set_level(b, &elcr, PIIX4_SCI_IRQ);
        }
    }
    if (isa < 0) {
        log_mask_printf(LOG_UNIMP, "pci-init: no PIIX3 ISA bridge: PCI interrupts not routed\n");
    }

    assign_bars(bus, command);
    for (int devfn = 0; devfn < PCI_MAX_DEVFN; devfn++) {
        unsigned pin;

        if (!bus->devices[devfn] || devfn == PCI_DEVFN(0, 0)) {
            continue;
        }
        pin = cfg_read(bus, (uint8_t)devfn, PCI_INTERRUPT_PIN, 1);
        if (pin >= 1 && pin <= 4 && isa >= 0 &&
            cfg_read(bus, (uint8_t)devfn, PCI_VENDOR_ID, 4) !=
                (PIIX3_VENDOR_ID | (uint32_t)PIIX4_PM_DEVICE_ID << 16)) {
            cfg_write(bus, (uint8_t)devfn, PCI_INTERRUPT_LINE,
                      pirq_irqs[pci_swizzle(PCI_SLOT(devfn), (int)pin)], 1);
        }
        if (command[devfn]) {
            uint32_t c = cfg_read(bus, (uint8_t)devfn, PCI_COMMAND, 2);

            cfg_write(bus, (uint8_t)devfn, PCI_COMMAND,
                      c | command[devfn] | PCI_COMMAND_MASTER, 2);
        }
    }
}
