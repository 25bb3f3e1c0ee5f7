/*
 * Intel 440FX host bridge (82441FX PMC, 8086:1237) at 00:00.0: owns the PCI bus and its
 * configuration mechanism, and decodes the legacy 0xC0000-0xFFFFF area.
 *
 * PAM (programmable attribute map), config 0x59-0x5F: 13 segments (0xF0000-0xFFFFF from
 * PAM0[5:4], then 16 KiB segments 0xC0000-0xEFFFF, two per register, low nibble first).
 * Per segment, bit 0 (RE) sends reads and bit 1 (WE) sends writes to DRAM; otherwise the
 * access goes to PCI, where the BIOS ROM (0xE0000-0xFFFFF, hw/pc.c) or an option ROM may
 * answer, else nothing does (reads all ones, writes dropped: the "legacy hole" region).
 * Each segment is a RAM alias of the board RAM at PCI_PRIO_PAM whose access mask follows
 * RE/WE; the memory map's map_changed hook flushes the CPUs' TLBs and decoded blocks on
 * every change. Limit: the aliases keep their own dirty bits, separate from the main RAM
 * region's.
 *
 * SMRAM (config 0x72): stored with its lock semantics, but there is no SMM: the SMRAM
 * window at 0xA0000 is never opened to ordinary accesses (D_OPEN is logged as unimp).
 */
#include "hw/devices.h"
#include "hw/pci/pci.h"
#include "util/log.h"

#define I440FX_PAM0 0x59
#define I440FX_PAM_NB 13
#define I440FX_SMRAM 0x72
#define SMRAM_D_OPEN 0x40
#define SMRAM_D_CLS 0x20
#define SMRAM_D_LCK 0x10
#define SMRAM_G_SMRAME 0x08
#define SMRAM_C_BASE_SEG 0x02 /* hardwired: 0xA0000-0xBFFFF */
#define PAM_RE 1
#define PAM_WE 2

#define LEGACY_BASE 0xc0000u
#define LEGACY_SIZE 0x40000u

typedef struct I440FXState {
    PCIDevice dev;
    PCIBus bus;
    Board *board;
    MemRegion *pam[I440FX_PAM_NB];
    MemRegion *legacy_hole;
    bool smram_open_logged;
} I440FXState;

static uint32_t pam_base(int seg)
{
    return seg == 0 ? 0xf0000u : LEGACY_BASE + (uint32_t)(seg - 1) * 0x4000u;
}

static uint32_t pam_size(int seg)
{
    return seg == 0 ? 0x10000u : 0x4000u;
}

static unsigned pam_attr(I440FXState *s, int seg)
{
    if (seg == 0) {
        return (s->dev.config[I440FX_PAM0] >> 4) & 3;
    }
    return (s->dev.config[I440FX_PAM0 + 1 + (seg - 1) / 2] >> (((seg - 1) & 1) * 4)) & 3;
}

static void pam_update(I440FXState *s)
{
    MemoryMap *mem = s->board->mem;

    for (int seg = 0; seg < I440FX_PAM_NB; seg++) {
        unsigned attr = pam_attr(s, seg);
        unsigned acc = ((attr & PAM_RE) ? MR_ACC_READ : 0) | ((attr & PAM_WE) ? MR_ACC_WRITE : 0);

        if (!s->pam[seg]) {
            continue;
        }
        mem_region_set_access(mem, s->pam[seg], acc ? acc : MR_ACC_READ | MR_ACC_WRITE);
        mem_region_set_enabled(mem, s->pam[seg], acc != 0);
    }
}

static void i440fx_config_write(PCIDevice *d, unsigned addr, uint32_t val, unsigned size)
{
    I440FXState *s = d->opaque;

    for (unsigned i = 0; i < size; i++) {
        if (addr + i == I440FX_SMRAM) {
            uint8_t old = d->config[I440FX_SMRAM], v = (uint8_t)(val >> (8 * i)), nv;

            if (old & SMRAM_D_LCK) {
                /* Locked: only D_CLS stays writable until the next reset. */
                nv = (uint8_t)((old & ~SMRAM_D_CLS) | (v & SMRAM_D_CLS));
                nv &= (uint8_t)~SMRAM_D_OPEN;
            } else {
                nv = (uint8_t)((v & (SMRAM_D_OPEN | SMRAM_D_CLS | SMRAM_D_LCK | SMRAM_G_SMRAME)) |
                               SMRAM_C_BASE_SEG);
                if (nv & SMRAM_D_LCK) {
                    nv &= (uint8_t)~SMRAM_D_OPEN;
                }
            }
            d->config[I440FX_SMRAM] = nv;
            if ((nv & SMRAM_D_OPEN) && !s->smram_open_logged) {
                s->smram_open_logged = true;
                log_mask_printf(LOG_UNIMP, "i440fx: SMRAM D_OPEN: no SMM, the SMRAM window "
                                "stays closed\n");
            }
        }
    }
    if (addr <= I440FX_PAM0 + 6 && addr + size > I440FX_PAM0) {
        pam_update(s);
    }
}

static const PCIDeviceInfo i440fx_pci_info = {
    .name = "i440fx",
    .vendor_id = 0x8086,
    .device_id = 0x1237,
    .revision = 0x02,
    .class_code = 0x060000, /* host bridge */
    .config_write = i440fx_config_write,
};

PCIBus *i440fx_bus(void *opaque)
{
    I440FXState *s = opaque;

    return &s->bus;
}

/* PCI space below 1 MiB that nothing decodes. */
static uint64_t hole_read(void *opaque, uint64_t offset, unsigned size)
{
    return UINT64_MAX;
}

static void hole_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
}

static const MemoryOps hole_ops = {
    .read = hole_read,
    .write = hole_write,
};

static void i440fx_reset(void *opaque)
{
    I440FXState *s = opaque;
    PCIDevice *d = &s->dev;

    pci_device_reset(d);
    pci_set_word(d, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    pci_set_word(d, PCI_STATUS, 0x0280); /* fast back-to-back, medium DEVSEL */
    memset(&d->config[0x40], 0, PCI_CONFIG_SPACE_SIZE - 0x40);
    d->config[I440FX_SMRAM] = SMRAM_C_BASE_SEG;
    /* DRAM row boundaries (8 MiB units, all RAM in row 0) as a BIOS would program them. */
    for (int i = 0; i < 8; i++) {
        uint64_t units = (s->board->ram_size + (8u << 20) - 1) >> 23;

        d->config[0x60 + i] = (uint8_t)MIN(units, 0xffu);
    }
    s->bus.config_addr = 0;
    s->smram_open_logged = false;
    pam_update(s);
}

static void *i440fx_init(Board *b, int instance)
{
    I440FXState *s = xzalloc(sizeof(*s));
    PCIDevice *d = &s->dev;

    s->board = b;
    pci_bus_init(&s->bus, b);
    pci_device_init(d, &s->bus, PCI_DEVFN(0, 0), &i440fx_pci_info, s);
    pci_set_wmask(d, 0x50, 9, 0xff);         /* PMCCFG .. DRAMT */
    pci_set_wmask(d, I440FX_PAM0, 1, 0x30);
    pci_set_wmask(d, I440FX_PAM0 + 1, 6, 0x33);
    pci_set_wmask(d, 0x60, 9, 0xff);         /* DRB0-7, FDHC */
    pci_set_wmask(d, 0x70, 2, 0xff);         /* MTT, CLT */
    pci_set_wmask(d, 0x90, 1, 0xff);         /* ERRCMD */
    d->w1cmask[0x91] = 0xff;                 /* ERRSTS */
    /* Created after the RAM at the same priority, so it wins over it (see memory.h). */
    s->legacy_hole = mem_add_mmio(b->mem, "pci-legacy", LEGACY_BASE, LEGACY_SIZE, &hole_ops, s,
                                  0);
    for (int seg = 0; seg < I440FX_PAM_NB; seg++) {
        uint8_t *host = mem_ram_host(b->mem, pam_base(seg), pam_size(seg));
        char name[32];

        if (!host) {
            log_mask_printf(LOG_UNIMP, "i440fx: no RAM behind PAM segment %#x\n", pam_base(seg));
            continue;
        }
        snprintf(name, sizeof(name), "pam-%05x", pam_base(seg));
        s->pam[seg] = mem_add_ram(b->mem, name, pam_base(seg), pam_size(seg), host, PCI_PRIO_PAM);
    }
    i440fx_reset(s);
    return s;
}

static bool i440fx_info(void *opaque, const char *what, FILE *out)
{
    I440FXState *s = opaque;
    static const char *const attr_name[] = {"PCI", "read DRAM", "write DRAM", "DRAM"};

    if (strcmp(what, "pci") == 0) {
        pci_bus_info(&s->bus, out);
        return true;
    }
    if (strcmp(what, "pam") == 0) {
        for (int seg = 0; seg < I440FX_PAM_NB; seg++) {
            fprintf(out, "  %05x-%05x: %s\n", pam_base(seg), pam_base(seg) + pam_size(seg) - 1,
                    attr_name[pam_attr(s, seg)]);
        }
        fprintf(out, "  SMRAM %02x\n", s->dev.config[I440FX_SMRAM]);
        return true;
    }
    return false;
}

static int i440fx_post_load(void *opaque)
{
    I440FXState *s = opaque;

    pci_device_post_load(&s->dev);
    pam_update(s);
    return 0;
}

static const VMStateField i440fx_fields[] = {
    VMS_STRUCT_ARRAY(I440FXState, dev, PCIDevice, pci_device_vmsd),
    VMS_U32(I440FXState, bus.config_addr),
    VMS_END,
};

static const VMStateDesc i440fx_vmsd = {
    .name = "i440fx",
    .version = 1,
    .fields = i440fx_fields,
    .post_load = i440fx_post_load,
};

const DeviceInfo i440fx_device = {
    .name = "i440fx",
    .init = i440fx_init,
    .reset = i440fx_reset,
    .vmsd = &i440fx_vmsd,
    .info = i440fx_info,
};
