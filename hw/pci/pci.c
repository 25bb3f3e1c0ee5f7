/*
 * PCI bus: configuration mechanism #1, configuration spaces, BAR mapping, INTx -> PIRQ.
 * See pci.h for the contracts.
 *
 * Deviations from real hardware: only bus 0 exists (type 1 addresses to other buses read
 * as all ones); a BAR programmed to address 0, or beyond 64 KiB (I/O) or 4 GiB (memory),
 * is treated as unmapped, which is what keeps the BAR-sizing pattern 0xFFFFFFFF from
 * ever being decoded. An I/O BAR placed over ports another device already decodes is not
 * decoded at all (logged), so moving it again can never unregister someone else's ports;
 * a device that wants to share legacy ports uses a callback BAR.
 */
#include "hw/pci/pci.h"

#include <stdlib.h>

#include "util/log.h"

#define PCI_CONFIG_ADDR_ENABLE 0x80000000u
#define PCI_COMMAND_WMASK                                                                     \
    (PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | 0x0040 | PCI_COMMAND_SERR |  \
     PCI_COMMAND_INTX_DISABLE)

static void *i440fx_of(Board *b)
{
    return board_find_device(b, "i440fx", 0);
}

PCIBus *pci_bus_find(Board *b)
{
    void *s = i440fx_of(b);

    return s ? i440fx_bus(s) : NULL;
}

int pci_swizzle(int slot, int pin)
{
    return (slot + pin - 2) & 3;
}

/* ---- BAR mapping ---- */

bool pci_io_range_free(IOPortTable *io, uint64_t base, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        if (base + i > 0xffff || io_port_assigned(io, (uint16_t)(base + i))) {
            return false;
        }
    }
    return true;
}

static unsigned bar_offset(int bar)
{
    return bar == PCI_ROM_SLOT ? PCI_ROM_ADDRESS : PCI_BASE_ADDRESS_0 + 4u * (unsigned)bar;
}

/* The address a BAR decodes now, from the configuration space. */
static uint64_t bar_effective_address(PCIDevice *d, int bar)
{
    PCIBar *b = &d->bars[bar];
    uint16_t cmd = pci_get_word(d, PCI_COMMAND);
    uint32_t v = pci_get_long(d, bar_offset(bar));
    uint64_t addr;

    if (b->kind == PCI_BAR_NONE) {
        return PCI_BAR_UNMAPPED;
    }
    if (bar == PCI_ROM_SLOT) {
        if (!(cmd & PCI_COMMAND_MEMORY) || !(v & PCI_ROM_ADDRESS_ENABLE)) {
            return PCI_BAR_UNMAPPED;
        }
        addr = v & ~(b->size - 1) & 0xfffff800u;
    } else if (b->type & PCI_BAR_SPACE_IO) {
        if (!(cmd & PCI_COMMAND_IO)) {
            return PCI_BAR_UNMAPPED;
        }
        addr = v & ~(b->size - 1) & ~3u;
        if (addr == 0 || addr + b->size > 0x10000) {
            return PCI_BAR_UNMAPPED;
        }
        return addr;
    } else {
        if (!(cmd & PCI_COMMAND_MEMORY)) {
            return PCI_BAR_UNMAPPED;
        }
        addr = v & ~(b->size - 1) & ~0xfu;
    }
    if (addr == 0 || addr + b->size - 1 >= 0xffffffffull) {
        return PCI_BAR_UNMAPPED;
    }
    return addr;
}

static void bar_update(PCIDevice *d, int bar)
{
    PCIBar *b = &d->bars[bar];
    Board *board = d->bus->board;
    uint64_t addr = bar_effective_address(d, bar);

    if (addr == b->addr) {
        return;
    }
    switch (b->kind) {
    case PCI_BAR_IO:
        if (b->addr != PCI_BAR_UNMAPPED) {
            io_unregister(board->io, (uint16_t)b->addr, b->size);
        }
        if (addr != PCI_BAR_UNMAPPED && !pci_io_range_free(board->io, addr, b->size)) {
            log_mask_printf(LOG_GUEST_ERRORS, "pci: %s BAR %d at %#llx overlaps other ports: "
                            "not decoded\n", d->info->name, bar, (unsigned long long)addr);
            addr = PCI_BAR_UNMAPPED;
        }
        if (addr != PCI_BAR_UNMAPPED) {
            io_register(board->io, (uint16_t)addr, b->size, b->io_ops, b->io_opaque);
        }
        break;
    case PCI_BAR_MMIO:
    case PCI_BAR_RAM:
    case PCI_BAR_ROM:
        if (addr == PCI_BAR_UNMAPPED) {
            mem_region_set_enabled(board->mem, b->region, false);
        } else {
            mem_region_move(board->mem, b->region, addr);
            mem_region_set_enabled(board->mem, b->region, true);
        }
        break;
    default:
        break;
    }
    b->addr = addr;
    if (b->map) {
        b->map(d, bar, addr, b->map_opaque);
    }
}

static void bars_update(PCIDevice *d)
{
    for (int i = 0; i <= PCI_ROM_SLOT; i++) {
        bar_update(d, i);
    }
}

static PCIBar *bar_setup(PCIDevice *d, int bar, uint8_t type, uint32_t size)
{
    PCIBar *b;
    uint32_t mask;
    unsigned off;

    if (bar < 0 || bar > PCI_ROM_SLOT || size == 0 || (size & (size - 1)) ||
        ((type & PCI_BAR_SPACE_IO) ? size < 4 : size < 16) ||
        (bar == PCI_ROM_SLOT && ((type & PCI_BAR_SPACE_IO) || size < 2048))) {
        fatal("pci: %s: bad BAR %d (size %#x)", d->info->name, bar, size);
    }
    b = &d->bars[bar];
    b->type = type;
    b->size = size;
    b->addr = PCI_BAR_UNMAPPED;
    off = bar_offset(bar);
    if (bar == PCI_ROM_SLOT) {
        mask = (~(size - 1) & 0xfffff800u) | PCI_ROM_ADDRESS_ENABLE;
        pci_set_long(d, off, 0);
    } else {
        mask = ~(size - 1) & ((type & PCI_BAR_SPACE_IO) ? ~3u : ~0xfu);
        pci_set_long(d, off, type);
    }
    for (int i = 0; i < 4; i++) {
        d->wmask[off + i] = (uint8_t)(mask >> (8 * i));
    }
    return b;
}

void pci_register_bar(PCIDevice *d, int bar, uint8_t type, uint32_t size, PCIBarMapFunc *map,
                      void *opaque)
{
    PCIBar *b = bar_setup(d, bar, type, size);

    b->kind = PCI_BAR_CALLBACK;
    b->map = map;
    b->map_opaque = opaque;
}

void pci_register_bar_io(PCIDevice *d, int bar, uint32_t size, const IOPortOps *ops,
                         void *opaque)
{
    PCIBar *b = bar_setup(d, bar, PCI_BAR_SPACE_IO, size);

    b->kind = PCI_BAR_IO;
    b->io_ops = ops;
    b->io_opaque = opaque;
}

static void region_name(PCIDevice *d, int bar, char *buf, size_t len)
{
    snprintf(buf, len, "%s-bar%d", d->info->name, bar);
}

MemRegion *pci_register_bar_mmio(PCIDevice *d, int bar, uint32_t size, bool prefetch,
                                 const MemoryOps *ops, void *opaque)
{
    PCIBar *b = bar_setup(d, bar, prefetch ? PCI_BAR_MEM_PREFETCH : 0, size);
    char name[32];

    region_name(d, bar, name, sizeof(name));
    b->kind = PCI_BAR_MMIO;
    b->region = mem_add_mmio(d->bus->board->mem, name, 0, size, ops, opaque, PCI_PRIO_BAR);
    mem_region_set_enabled(d->bus->board->mem, b->region, false);
    return b->region;
}

MemRegion *pci_register_bar_ram(PCIDevice *d, int bar, uint32_t size, uint8_t *host)
{
    PCIBar *b = bar_setup(d, bar, PCI_BAR_MEM_PREFETCH, size);
    char name[32];

    if (size < GUEST_PAGE_SIZE) {
        fatal("pci: %s: RAM BAR %d smaller than a page", d->info->name, bar);
    }
    region_name(d, bar, name, sizeof(name));
    b->kind = PCI_BAR_RAM;
    b->region = mem_add_ram(d->bus->board->mem, name, 0, size, host, PCI_PRIO_BAR);
    mem_region_set_enabled(d->bus->board->mem, b->region, false);
    return b->region;
}

void pci_register_rom(PCIDevice *d, const void *image, uint32_t len)
{
    uint32_t size = GUEST_PAGE_SIZE;
    PCIBar *b;
    char name[32];

    while (size < len && size < (1u << 30)) {
        size <<= 1;
    }
    if (len > size) {
        fatal("pci: %s: option ROM too large", d->info->name);
    }
    b = bar_setup(d, PCI_ROM_SLOT, 0, size);
    region_name(d, PCI_ROM_SLOT, name, sizeof(name));
    b->kind = PCI_BAR_ROM;
    /* The region owns the copy (freed with the memory map). */
    b->region = mem_add_rom(d->bus->board->mem, name, 0, size, NULL, PCI_PRIO_BAR);
    memset(b->region->host, 0xff, size);
    memcpy(b->region->host, image, len);
    mem_region_set_enabled(d->bus->board->mem, b->region, false);
}

uint64_t pci_bar_address(PCIDevice *d, int bar)
{
    if (bar < 0 || bar > PCI_ROM_SLOT) {
        return PCI_BAR_UNMAPPED;
    }
    return d->bars[bar].addr;
}

/* ---- interrupts ---- */

static void pirq_update(PCIBus *bus, int pirq, int delta)
{
    int before = bus->pirq_count[pirq];

    bus->pirq_count[pirq] += delta;
    if ((before > 0) != (bus->pirq_count[pirq] > 0) && bus->irq_handler) {
        bus->irq_handler(bus->irq_opaque, pirq, bus->pirq_count[pirq] > 0);
    }
}

static void irq_update(PCIDevice *d)
{
    uint8_t pin = d->config[PCI_INTERRUPT_PIN];
    uint8_t out = d->irq_level && !(pci_get_word(d, PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE);
    uint16_t status = pci_get_word(d, PCI_STATUS);

    status = (uint16_t)((status & ~PCI_STATUS_INTERRUPT) | (d->irq_level ? PCI_STATUS_INTERRUPT : 0));
    pci_set_word(d, PCI_STATUS, status);
    if (pin < 1 || pin > 4 || out == d->irq_out) {
        return;
    }
    d->irq_out = out;
    pirq_update(d->bus, pci_swizzle(PCI_SLOT(d->devfn), pin), out ? 1 : -1);
}

void pci_set_irq(PCIDevice *d, int level)
{
    d->irq_level = level != 0;
    irq_update(d);
}

void pci_bus_set_irq_handler(PCIBus *bus, PCIIRQHandler *handler, void *opaque)
{
    bus->irq_handler = handler;
    bus->irq_opaque = opaque;
}

/* ---- configuration space ---- */

static uint32_t config_read_generic(PCIDevice *d, unsigned addr, unsigned size)
{
    uint32_t v = 0;

    for (unsigned i = 0; i < size && addr + i < PCI_CONFIG_SPACE_SIZE; i++) {
        v |= (uint32_t)d->config[addr + i] << (8 * i);
    }
    return v;
}

static bool ranges_overlap(unsigned a, unsigned alen, unsigned b, unsigned blen)
{
    return a < b + blen && b < a + alen;
}

static void config_write_generic(PCIDevice *d, unsigned addr, uint32_t val, unsigned size)
{
    uint16_t old_cmd = pci_get_word(d, PCI_COMMAND);

    for (unsigned i = 0; i < size && addr + i < PCI_CONFIG_SPACE_SIZE; i++) {
        unsigned a = addr + i;
        uint8_t v = (uint8_t)(val >> (8 * i));
        uint8_t wm = d->wmask[a], w1c = d->w1cmask[a];

        d->config[a] = (uint8_t)((d->config[a] & ~wm) | (v & wm));
        d->config[a] &= (uint8_t)~(v & w1c);
    }
    if (ranges_overlap(addr, size, PCI_COMMAND, 2) ||
        ranges_overlap(addr, size, PCI_BASE_ADDRESS_0, 24) ||
        ranges_overlap(addr, size, PCI_ROM_ADDRESS, 4)) {
        bars_update(d);
    }
    if ((old_cmd ^ pci_get_word(d, PCI_COMMAND)) & PCI_COMMAND_INTX_DISABLE) {
        irq_update(d);
    }
}

static PCIDevice *device_at(PCIBus *bus, uint8_t devfn)
{
    PCIDevice *d = bus->devices[devfn];

    return d && d->registered ? d : NULL;
}

uint32_t pci_config_read(PCIBus *bus, uint8_t devfn, unsigned addr, unsigned size)
{
    PCIDevice *d = device_at(bus, devfn);

    if (size != 1 && size != 2 && size != 4) {
        size = 1;
    }
    if (!d || addr >= PCI_CONFIG_SPACE_SIZE) {
        return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    }
    if (d->info->config_read) {
        return d->info->config_read(d, addr, size);
    }
    return config_read_generic(d, addr, size);
}

void pci_config_write(PCIBus *bus, uint8_t devfn, unsigned addr, uint32_t val, unsigned size)
{
    PCIDevice *d = device_at(bus, devfn);

    if (size != 1 && size != 2 && size != 4) {
        size = 1;
    }
    if (!d || addr >= PCI_CONFIG_SPACE_SIZE) {
        return;
    }
    if (addr + size > PCI_CONFIG_SPACE_SIZE) {
        size = PCI_CONFIG_SPACE_SIZE - addr;
    }
    config_write_generic(d, addr, val, size);
    if (d->info->config_write) {
        d->info->config_write(d, addr, val, size);
    }
}

/* ---- configuration mechanism #1 ---- */

static bool cfg_target(PCIBus *bus, uint8_t *devfn, unsigned *reg)
{
    uint32_t a = bus->config_addr;

    if (!(a & PCI_CONFIG_ADDR_ENABLE)) {
        return false;
    }
    if ((a >> 16) & 0xff) {
        return false; /* no bus behind bus 0 */
    }
    *devfn = (uint8_t)(a >> 8);
    *reg = a & 0xfc;
    return true;
}

static uint32_t cfg_addr_read(void *opaque, uint16_t port, unsigned size)
{
    PCIBus *bus = opaque;

    if (port == 0xcf8 && size == 4) {
        return bus->config_addr;
    }
    /* Byte/word accesses are ordinary ISA cycles with nothing behind them. */
    return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

static void cfg_addr_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    PCIBus *bus = opaque;

    if (port == 0xcf8 && size == 4) {
        bus->config_addr = val & 0x80fffffcu;
    }
}

static uint32_t cfg_data_read(void *opaque, uint16_t port, unsigned size)
{
    PCIBus *bus = opaque;
    unsigned off = port & 3, reg;
    uint8_t devfn;

    if (off + size > 4) {
        /* Misaligned: the CPU splits it into cycles; the part past 0xCFF is plain I/O. */
        uint32_t v = 0;

        for (unsigned i = 0; i < size; i++) {
            v |= (io_read(bus->board->io, (uint16_t)(port + i), 1) & 0xff) << (8 * i);
        }
        return v;
    }
    if (!cfg_target(bus, &devfn, &reg)) {
        return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    }
    return pci_config_read(bus, devfn, reg + off, size);
}

static void cfg_data_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    PCIBus *bus = opaque;
    unsigned off = port & 3, reg;
    uint8_t devfn;

    if (off + size > 4) {
        for (unsigned i = 0; i < size; i++) {
            io_write(bus->board->io, (uint16_t)(port + i), (val >> (8 * i)) & 0xff, 1);
        }
        return;
    }
    if (!cfg_target(bus, &devfn, &reg)) {
        return;
    }
    pci_config_write(bus, devfn, reg + off, val, size);
}

static const IOPortOps cfg_addr_ops = {
    .read = cfg_addr_read,
    .write = cfg_addr_write,
    .sizes = IO_SIZE_1 | IO_SIZE_2 | IO_SIZE_4,
};

static const IOPortOps cfg_data_ops = {
    .read = cfg_data_read,
    .write = cfg_data_write,
    .sizes = IO_SIZE_1 | IO_SIZE_2 | IO_SIZE_4,
};

void pci_bus_init(PCIBus *bus, Board *b)
{
    memset(bus, 0, sizeof(*bus));
    bus->board = b;
    io_register(b->io, 0xcf8, 4, &cfg_addr_ops, bus);
    io_register(b->io, 0xcfc, 4, &cfg_data_ops, bus);
}

/* ---- functions ---- */

void pci_device_init(PCIDevice *d, PCIBus *bus, int devfn, const PCIDeviceInfo *info,
                     void *opaque)
{
    if (devfn < 0) {
        for (int slot = 0; slot < 32 && devfn < 0; slot++) {
            bool used = false;

            for (int fn = 0; fn < 8; fn++) {
                used |= bus->devices[PCI_DEVFN(slot, fn)] != NULL;
            }
            if (!used) {
                devfn = PCI_DEVFN(slot, 0);
            }
        }
        if (devfn < 0) {
            fatal("pci: no free slot for %s", info->name);
        }
    }
    if (devfn >= PCI_MAX_DEVFN || bus->devices[devfn]) {
        fatal("pci: devfn %02x for %s is taken or invalid", devfn, info->name);
    }
    memset(d, 0, sizeof(*d));
    d->bus = bus;
    d->info = info;
    d->opaque = opaque;
    d->devfn = (uint8_t)devfn;
    for (int i = 0; i <= PCI_ROM_SLOT; i++) {
        d->bars[i].addr = PCI_BAR_UNMAPPED;
    }
    pci_set_word(d, PCI_VENDOR_ID, info->vendor_id);
    pci_set_word(d, PCI_DEVICE_ID, info->device_id);
    pci_set_byte(d, PCI_REVISION_ID, info->revision);
    pci_set_byte(d, PCI_CLASS_PROG, (uint8_t)info->class_code);
    pci_set_word(d, PCI_CLASS_DEVICE, (uint16_t)(info->class_code >> 8));
    pci_set_byte(d, PCI_HEADER_TYPE, info->header_type);
    pci_set_word(d, PCI_SUBSYSTEM_VENDOR_ID, PCI_SUBVENDOR_X86PC);
    pci_set_word(d, PCI_SUBSYSTEM_ID, PCI_SUBDEVICE_X86PC);
    pci_set_byte(d, PCI_INTERRUPT_PIN, info->interrupt_pin);
    pci_set_wmask(d, PCI_COMMAND, 1, (uint8_t)PCI_COMMAND_WMASK);
    pci_set_wmask(d, PCI_COMMAND + 1, 1, (uint8_t)(PCI_COMMAND_WMASK >> 8));
    pci_set_wmask(d, PCI_CACHE_LINE_SIZE, 2, 0xff);
    pci_set_wmask(d, PCI_INTERRUPT_LINE, 1, 0xff);
    d->w1cmask[PCI_STATUS] = (uint8_t)PCI_STATUS_W1C;
    d->w1cmask[PCI_STATUS + 1] = (uint8_t)(PCI_STATUS_W1C >> 8);
    bus->devices[devfn] = d;
    d->registered = true;
    pci_device_reset(d);
}

void pci_device_reset(PCIDevice *d)
{
    pci_set_word(d, PCI_COMMAND, 0);
    pci_set_word(d, PCI_STATUS, PCI_STATUS_DEVSEL_MEDIUM);
    pci_set_byte(d, PCI_CACHE_LINE_SIZE, 0);
    pci_set_byte(d, PCI_LATENCY_TIMER, 0);
    pci_set_byte(d, PCI_INTERRUPT_LINE, 0);
    for (int i = 0; i <= PCI_ROM_SLOT; i++) {
        if (d->bars[i].kind != PCI_BAR_NONE) {
            pci_set_long(d, bar_offset(i), i == PCI_ROM_SLOT ? 0 : d->bars[i].type);
        }
    }
    bars_update(d);
    pci_set_irq(d, 0);
}

void pci_device_post_load(PCIDevice *d)
{
    uint8_t level = d->irq_level;

    /* The bus counts are not saved: rebuild them from this function's pin. */
    d->irq_level = 0;
    irq_update(d);
    d->irq_level = level;
    irq_update(d);
    bars_update(d);
}

static const VMStateField pci_device_fields[] = {
    VMS_U8_ARRAY(PCIDevice, config),
    VMS_U8(PCIDevice, irq_level),
    VMS_END,
};

const VMStateDesc pci_device_vmsd = {
    .name = "pci-device",
    .version = 1,
    .fields = pci_device_fields,
};

/* ---- monitor ---- */

void pci_bus_info(PCIBus *bus, FILE *out)
{
    for (int devfn = 0; devfn < PCI_MAX_DEVFN; devfn++) {
        PCIDevice *d = device_at(bus, (uint8_t)devfn);

        if (!d) {
            continue;
        }
        fprintf(out, "  Bus 0, device %2d, function %d: %s %04x:%04x class %06x cmd %04x",
                PCI_SLOT(devfn), PCI_FUNC(devfn), d->info->name, d->info->vendor_id,
                d->info->device_id, d->info->class_code, pci_get_word(d, PCI_COMMAND));
        if (d->config[PCI_INTERRUPT_PIN]) {
            fprintf(out, " INT%c# line %u (PIRQ%c)%s", 'A' + d->config[PCI_INTERRUPT_PIN] - 1,
                    d->config[PCI_INTERRUPT_LINE],
                    'A' + pci_swizzle(PCI_SLOT(devfn), d->config[PCI_INTERRUPT_PIN]),
                    d->irq_level ? " asserted" : "");
        }
        fprintf(out, "\n");
        for (int i = 0; i <= PCI_ROM_SLOT; i++) {
            PCIBar *b = &d->bars[i];

            if (b->kind == PCI_BAR_NONE) {
                continue;
            }
            fprintf(out, "    %s %d: %s", i == PCI_ROM_SLOT ? "ROM" : "BAR", i,
                    (b->type & PCI_BAR_SPACE_IO) ? "I/O" : "memory");
            if (b->addr == PCI_BAR_UNMAPPED) {
                fprintf(out, " unmapped, size %#x\n", b->size);
            } else {
                fprintf(out, " at %#llx [%#llx]\n", (unsigned long long)b->addr,
                        (unsigned long long)(b->addr + b->size - 1));
            }
        }
    }
}
