/*
 * PCI chipset: configuration mechanism #1 through 0xCF8/0xCFC, header registers and their
 * write masks, BAR sizing and mapping, the i440FX PAM registers as seen through the memory
 * map (reads and writes routed separately to shadow RAM or the BIOS ROM), SMRAM locking,
 * PIIX3 PIRQ routing to the ISA IRQ lines (shared, level) and to the I/O APIC pins, the
 * 0xCF9 reset control, FERR# on IRQ 13 with port 0xF0, and the PIIX4 PM function: PM base decoding, the 3.579545 MHz PM
 * timer, its overflow SCI, the power button and S5 soft off. Last, the firmware-less set-up
 * of direct kernel boots (boot_pci_init) on the reset chipset.
 */
#include "hw-test.h"
#include "hw/boot/boot.h"
#include "hw/pci/pci.h"

#define ROM_BYTE 0xb1
#define PM_BASE 0x600

static Board b;
static IRQRecorder isa, apic;
static int resets, poweroffs, map_changes;
static uint8_t rom[0x20000];

static void on_reset(void *opaque)
{
    resets++;
}

static void on_poweroff(void *opaque)
{
    poweroffs++;
}

static void on_map_changed(void *opaque)
{
    map_changes++;
}

static void outl(uint16_t port, uint32_t v)
{
    io_write(b.io, port, v, 4);
}

static uint32_t inl(uint16_t port)
{
    return io_read(b.io, port, 4);
}

static uint32_t cfg_read(uint8_t devfn, unsigned reg, unsigned size)
{
    outl(0xcf8, 0x80000000u | ((uint32_t)devfn << 8) | (reg & 0xfc));
    return io_read(b.io, (uint16_t)(0xcfc + (reg & 3)), size);
}

static void cfg_write(uint8_t devfn, unsigned reg, uint32_t v, unsigned size)
{
    outl(0xcf8, 0x80000000u | ((uint32_t)devfn << 8) | (reg & 0xfc));
    io_write(b.io, (uint16_t)(0xcfc + (reg & 3)), v, size);
}

/* ---- a test function with BARs and an interrupt pin ---- */

static uint8_t io_regs[16];
static uint32_t mmio_last;

static uint32_t tio_read(void *opaque, uint16_t port, unsigned size)
{
    return io_regs[port & 15];
}

static void tio_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    io_regs[port & 15] = (uint8_t)val;
}

static const IOPortOps tio_ops = {.read = tio_read, .write = tio_write};

static uint64_t tmmio_read(void *opaque, uint64_t off, unsigned size)
{
    return 0xc0de0000u | (uint32_t)off;
}

static void tmmio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    mmio_last = (uint32_t)val;
}

static const MemoryOps tmmio_ops = {.read = tmmio_read, .write = tmmio_write};

static const PCIDeviceInfo test_info_a = {
    .name = "test-a", .vendor_id = 0x1234, .device_id = 0x5678, .class_code = 0x020000,
    .interrupt_pin = 1,
};
static const PCIDeviceInfo test_info_b = {
    .name = "test-b", .vendor_id = 0x1234, .device_id = 0x5679, .class_code = 0x020000,
    .interrupt_pin = 4,
};

static void test_config_mechanism(void)
{
    CHECK(cfg_read(PCI_DEVFN(0, 0), 0, 4) == 0x12378086, "i440FX id %08x",
          cfg_read(PCI_DEVFN(0, 0), 0, 4));
    CHECK(cfg_read(PCI_DEVFN(1, 0), 0, 4) == 0x70008086, "PIIX3 id");
    CHECK(cfg_read(PCI_DEVFN(1, 3), 0, 4) == 0x71138086, "PIIX4 PM id");
    CHECK(cfg_read(PCI_DEVFN(1, 0), 0x0e, 1) == 0x80, "PIIX3 is multi-function");
    CHECK(cfg_read(PCI_DEVFN(1, 0), 0x0a, 2) == 0x0601, "PIIX3 class ISA bridge");
    CHECK(cfg_read(PCI_DEVFN(0, 0), 0x2c, 4) == 0x11001af4, "subsystem ids (SeaBIOS QEMU check)");
    CHECK(cfg_read(PCI_DEVFN(0, 0), 0x02, 2) == 0x1237, "word read at 0xCFE");
    CHECK(cfg_read(PCI_DEVFN(0, 0), 0x03, 1) == 0x12, "byte read at 0xCFF");
    CHECK(cfg_read(PCI_DEVFN(5, 0), 0, 4) == 0xffffffffu, "empty slot reads all ones");
    outl(0xcf8, 0x80010000u);
    CHECK(inl(0xcfc) == 0xffffffffu, "bus 1 reads all ones");
    outl(0xcf8, 0x00000000u);
    CHECK(inl(0xcfc) == 0xffffffffu, "disabled config address reads all ones");
    outl(0xcf8, 0x8000ff07u);
    CHECK(inl(0xcf8) == 0x8000ff04u, "address register keeps bits 31, 23-2: %08x",
          inl(0xcf8));
    /* A byte write to 0xCFB is an ISA cycle (Linux's type-1 probe): the address stays. */
    outb(&b, 0xcfb, 0x01);
    CHECK(inl(0xcf8) == 0x8000ff04u, "byte write to 0xCFB leaves the address");

    cfg_write(PCI_DEVFN(0, 0), 0, 0xdeadbeef, 4);
    CHECK(cfg_read(PCI_DEVFN(0, 0), 0, 4) == 0x12378086, "IDs are read-only");
    cfg_write(PCI_DEVFN(1, 3), 0x04, 0xffff, 2);
    CHECK(cfg_read(PCI_DEVFN(1, 3), 0x04, 2) == 0x0547, "command write mask: %04x",
          cfg_read(PCI_DEVFN(1, 3), 0x04, 2));
    cfg_write(PCI_DEVFN(1, 3), 0x3c, 0x09, 1);
    CHECK(cfg_read(PCI_DEVFN(1, 3), 0x3c, 2) == 0x0109, "interrupt line writable, pin INTA");
}

/* FERR# (x87 error in MS-DOS compatible mode): IRQ 13 until a write to port 0xF0. */
static void test_ferr(void)
{
    void *piix3 = board_find_device(&b, "piix3", 0);

    CHECK(isa.level[13] == 0, "IRQ 13 idle");
    piix3_set_ferr(piix3, true);
    CHECK(isa.level[13] == 1, "FERR# raises IRQ 13");
    piix3_set_ferr(piix3, true);
    CHECK(isa.level[13] == 1, "still raised");
    outb(&b, 0xf0, 0);
    CHECK(isa.level[13] == 0, "a write to port 0xF0 lowers it");
    piix3_set_ferr(piix3, true);
    CHECK(isa.level[13] == 1, "the next error raises it again");
    board_reset(&b);
    CHECK(isa.level[13] == 0, "reset lowers it");
}

static void test_cf9(void)
{
    int before = resets;

    outb(&b, 0xcf9, 0x02);
    CHECK(resets == before && inb(&b, 0xcf9) == 0x02, "SRST alone stores, no reset");
    outb(&b, 0xcf9, 0x06);
    CHECK(resets == before + 1, "RCPU 0->1 resets");
    CHECK(inb(&b, 0xcf9) == 0x00, "RCR cleared by the reset");
    /* A dword write at 0xCF8 must not touch 0xCF9. */
    outl(0xcf8, 0x80000004u);
    CHECK(resets == before + 1, "config address write does not reset");
}

static uint8_t rd8(uint64_t a)
{
    return (uint8_t)mem_read(b.mem, a, 1);
}

static void pam_set(unsigned reg, uint8_t v)
{
    cfg_write(PCI_DEVFN(0, 0), reg, v, 1);
}

static void test_pam(uint8_t *ram)
{
    int changes;

    CHECK(rd8(0xf0000) == ROM_BYTE && rd8(0xffff0) == ROM_BYTE, "reset: BIOS reads from ROM");
    CHECK(rd8(0xe0000) == ROM_BYTE, "reset: 0xE0000 from ROM");
    CHECK(rd8(0xc0000) == 0xff, "reset: 0xC0000 decodes nothing (all ones)");
    mem_write(b.mem, 0xf0000, 0x12, 1);
    CHECK(rd8(0xf0000) == ROM_BYTE && ram[0xf0000] == 0, "write with PAM off is dropped");
    CHECK(mem_map_page(b.mem, 0xf0000, false) == rom + 0x10000, "TLB maps the ROM page");
    CHECK(mem_map_page(b.mem, 0xf0000, true) == NULL, "no write mapping of ROM");

    changes = map_changes;
    pam_set(0x59, 0x30);
    CHECK(map_changes > changes, "PAM change reaches the map_changed (TLB flush) hook");
    CHECK(cfg_read(PCI_DEVFN(0, 0), 0x59, 1) == 0x30, "PAM0 reads back");
    CHECK(rd8(0xf0000) == 0x00, "PAM0 RE: reads RAM");
    mem_write(b.mem, 0xf0000, 0x55, 1);
    CHECK(rd8(0xf0000) == 0x55 && ram[0xf0000] == 0x55, "PAM0 WE: writes RAM");
    CHECK(mem_map_page(b.mem, 0xf0000, true) == ram + 0xf0000, "write mapping is the RAM");

    pam_set(0x59, 0x10);
    mem_write(b.mem, 0xf0000, 0x66, 1);
    CHECK(rd8(0xf0000) == 0x55, "read-only shadow: write goes to ROM (dropped)");
    CHECK(mem_map_page(b.mem, 0xf0000, false) == ram + 0xf0000, "read mapping is the RAM");

    pam_set(0x59, 0x20);
    CHECK(rd8(0xf0000) == ROM_BYTE, "write-only shadow: reads come from ROM");
    mem_write(b.mem, 0xf0000, 0x77, 1);
    CHECK(ram[0xf0000] == 0x77, "write-only shadow: writes reach RAM");
    pam_set(0x59, 0x30);
    CHECK(rd8(0xf0000) == 0x77, "the copy is visible once RE is set");
    CHECK(rd8(0xe0000) == ROM_BYTE, "other segments unchanged");

    /* 16 KiB segments, two per register: 0x5A low nibble = 0xC0000, high = 0xC4000. */
    pam_set(0x5a, 0x03);
    mem_write(b.mem, 0xc0000, 0xa5, 1);
    mem_write(b.mem, 0xc4000, 0xa5, 1);
    CHECK(rd8(0xc0000) == 0xa5 && rd8(0xc4000) == 0xff, "PAM1 low nibble: 0xC0000 only");
    pam_set(0x5f, 0x30);
    mem_write(b.mem, 0xec000, 0x5a, 1);
    CHECK(rd8(0xec000) == 0x5a && rd8(0xe8000) == ROM_BYTE, "PAM6 high nibble: 0xEC000");
    pam_set(0x5a, 0xff);
    CHECK(cfg_read(PCI_DEVFN(0, 0), 0x5a, 1) == 0x33, "PAM reserved bits read 0");

    /* SMRAM: D_OPEN is stored but (no SMM) 0xA0000 stays whatever it was; D_LCK locks. */
    cfg_write(PCI_DEVFN(0, 0), 0x72, 0x4a, 1);
    CHECK(cfg_read(PCI_DEVFN(0, 0), 0x72, 1) == 0x4a, "SMRAM D_OPEN|G_SMRAME");
    cfg_write(PCI_DEVFN(0, 0), 0x72, 0x1a, 1);
    cfg_write(PCI_DEVFN(0, 0), 0x72, 0x4a, 1);
    CHECK(cfg_read(PCI_DEVFN(0, 0), 0x72, 1) == 0x1a, "D_LCK: D_OPEN stays 0 (%02x)",
          cfg_read(PCI_DEVFN(0, 0), 0x72, 1));

    board_reset(&b);
    CHECK(cfg_read(PCI_DEVFN(0, 0), 0x72, 1) == 0x02, "reset unlocks SMRAM");
    CHECK(rd8(0xf0000) == ROM_BYTE && rd8(0xc0000) == 0xff, "reset: PAM back to ROM/PCI");
    CHECK(ram[0xf0000] == 0x77, "shadow RAM content survives reset");
}

static void test_bars(PCIBus *bus, PCIDevice *d)
{
    pci_register_bar_io(d, 0, 16, &tio_ops, NULL);
    pci_register_bar_mmio(d, 1, 4096, false, &tmmio_ops, NULL);
    pci_device_reset(d);
    CHECK(cfg_read(d->devfn, 0x10, 4) == 0x00000001, "I/O BAR type bit");
    cfg_write(d->devfn, 0x10, 0xffffffffu, 4);
    cfg_write(d->devfn, 0x14, 0xffffffffu, 4);
    CHECK(cfg_read(d->devfn, 0x10, 4) == 0xfffffff1u, "I/O BAR sizing: %08x",
          cfg_read(d->devfn, 0x10, 4));
    CHECK(cfg_read(d->devfn, 0x14, 4) == 0xfffff000u, "memory BAR sizing");
    CHECK(cfg_read(d->devfn, 0x18, 4) == 0, "unimplemented BAR reads 0");
    cfg_write(d->devfn, 0x10, 0xc000, 4);
    cfg_write(d->devfn, 0x14, 0x80000000u, 4);
    CHECK(!io_port_assigned(b.io, 0xc000), "no decode before COMMAND.IO");
    cfg_write(d->devfn, 0x04, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
    CHECK(pci_bar_address(d, 0) == 0xc000 && pci_bar_address(d, 1) == 0x80000000u,
          "BAR addresses");
    outb(&b, 0xc003, 0x42);
    CHECK(io_regs[3] == 0x42 && inb(&b, 0xc003) == 0x42, "I/O BAR decodes");
    CHECK(mem_read(b.mem, 0x80000010u, 4) == 0xc0de0010u, "memory BAR decodes");
    mem_write(b.mem, 0x80000000u, 0x1234, 4);
    CHECK(mmio_last == 0x1234, "memory BAR write");
    cfg_write(d->devfn, 0x10, 0xc100, 4);
    CHECK(!io_port_assigned(b.io, 0xc000) && io_port_assigned(b.io, 0xc100), "I/O BAR moves");
    cfg_write(d->devfn, 0x04, 0, 2);
    CHECK(!io_port_assigned(b.io, 0xc100) && mem_read(b.mem, 0x80000010u, 4) == 0xffffffffu,
          "COMMAND off unmaps both");
    /* Over another device's ports (the PIC's 0x20): not decoded, PIC untouched. */
    cfg_write(d->devfn, 0x10, 0x20, 4);
    cfg_write(d->devfn, 0x04, PCI_COMMAND_IO, 2);
    CHECK(pci_bar_address(d, 0) == PCI_BAR_UNMAPPED, "conflicting I/O BAR not decoded");
    cfg_write(d->devfn, 0x04, 0, 2);
    CHECK(io_port_assigned(b.io, 0x20), "the conflicting device keeps its ports");
    (void)bus;
}

static void test_pirq(PCIDevice *da, PCIDevice *db)
{
    /* Slot 2 INTA and slot 3 INTD both swizzle to PIRQB. */
    CHECK(pci_swizzle(2, 1) == 1 && pci_swizzle(3, 4) == 1, "swizzle");
    CHECK(pci_swizzle(1, 1) == 0 && pci_swizzle(4, 1) == 3 && pci_swizzle(5, 1) == 0, "swizzle 2");
    cfg_write(PCI_DEVFN(1, 0), 0x61, 10, 1);
    pci_set_irq(da, 1);
    CHECK(isa.level[10] == 1, "PIRQB -> IRQ10 raised");
    CHECK(apic.level[1] == 1, "PIRQB -> I/O APIC pin 17 raised");
    CHECK(cfg_read(da->devfn, 0x06, 2) & PCI_STATUS_INTERRUPT, "status interrupt bit");
    pci_set_irq(db, 1);
    pci_set_irq(da, 0);
    CHECK(isa.level[10] == 1, "shared line stays up while one device asserts");
    CHECK(!(cfg_read(da->devfn, 0x06, 2) & PCI_STATUS_INTERRUPT), "status bit follows pin");
    cfg_write(PCI_DEVFN(1, 0), 0x61, 11, 1);
    CHECK(isa.level[10] == 0 && isa.level[11] == 1, "rerouting moves the level");
    cfg_write(db->devfn, 0x04, PCI_COMMAND_INTX_DISABLE, 2);
    CHECK(isa.level[11] == 0 && apic.level[1] == 0, "INTx disable drops the line");
    cfg_write(db->devfn, 0x04, 0, 2);
    CHECK(isa.level[11] == 1, "INTx enable raises it again");
    cfg_write(PCI_DEVFN(1, 0), 0x61, 0x80, 1);
    CHECK(isa.level[11] == 0, "routing disabled");
    cfg_write(PCI_DEVFN(1, 0), 0x61, 0x0d, 1);
    CHECK(isa.level[13] == 0, "reserved IRQ 13 is never driven");
    cfg_write(PCI_DEVFN(1, 0), 0x61, 11, 1);
    pci_set_irq(db, 0);
    CHECK(isa.level[11] == 0 && apic.level[1] == 0, "all lowered");
}

static uint32_t pm_timer(void)
{
    return inl(PM_BASE + 8);
}

static void test_pm(void)
{
    uint32_t t0, t1;
    uint64_t diff;

    CHECK(!io_port_assigned(b.io, PM_BASE), "PM I/O off at reset");
    CHECK(cfg_read(PCI_DEVFN(1, 3), 0x58, 4) & (1u << 25), "DEVACTB.APMC_EN set (no SMM)");
    cfg_write(PCI_DEVFN(1, 3), 0x40, PM_BASE | 1, 4);
    cfg_write(PCI_DEVFN(1, 3), 0x80, 0x01, 1);
    CHECK(cfg_read(PCI_DEVFN(1, 3), 0x40, 4) == (PM_BASE | 1), "PMBA reads back");
    CHECK(io_port_assigned(b.io, PM_BASE) && io_port_assigned(b.io, PM_BASE + 0x3f),
          "PM I/O decoded");
    CHECK(io_read(b.io, PM_BASE + 4, 2) & 1, "SCI_EN set: ACPI mode");

    t0 = pm_timer();
    clock_step(NS_PER_SEC / 10);
    t1 = pm_timer();
    diff = (t1 - t0) & 0xffffff;
    CHECK(diff >= 357954 - 1 && diff <= 357955 + 1, "PM timer: %llu ticks in 100 ms",
          (unsigned long long)diff);
    CHECK((pm_timer() >> 24) == 0, "24-bit timer");

    /* Overflow: TMROF_STS after bit 23 toggles, SCI once enabled. */
    io_write(b.io, PM_BASE, 0xffff, 2);
    io_write(b.io, PM_BASE + 2, 0x0001, 2);
    CHECK(isa.level[9] == 0, "no SCI yet");
    clock_step(3 * NS_PER_SEC);
    CHECK(isa.level[9] == 1, "timer overflow raises the SCI on IRQ 9");
    CHECK(io_read(b.io, PM_BASE, 2) & 1, "TMROF_STS set");
    io_write(b.io, PM_BASE, 0x0001, 2);
    CHECK(isa.level[9] == 0 && !(io_read(b.io, PM_BASE, 2) & 1), "W1C clears, SCI drops");
    io_write(b.io, PM_BASE + 2, 0x0000, 2);

    /* Power button. */
    piix4_pm_power_button(board_find_device(&b, "piix4-pm", 0));
    CHECK(io_read(b.io, PM_BASE, 2) & 0x100, "PWRBTN_STS");
    CHECK(isa.level[9] == 0, "no SCI while PWRBTN_EN is clear");
    io_write(b.io, PM_BASE + 2, 0x0100, 2);
    CHECK(isa.level[9] == 1, "SCI once enabled");
    io_write(b.io, PM_BASE, 0x0100, 2);
    CHECK(isa.level[9] == 0, "cleared");

    /* S3 is not supported, S5 (SLP_TYP 0) powers off. */
    io_write(b.io, PM_BASE + 4, (1u << 10) | (1u << 13) | 1, 2);
    CHECK(poweroffs == 0, "SLP_TYP 1 ignored");
    io_write(b.io, PM_BASE + 4, (0u << 10) | (1u << 13) | 1, 2);
    CHECK(poweroffs == 1, "S5 soft off calls the board's poweroff hook");
    CHECK(!(io_read(b.io, PM_BASE + 4, 2) & (1u << 13)), "SLP_EN reads 0");

    /* PMBA over the PIT: refused, PIT keeps its ports. */
    cfg_write(PCI_DEVFN(1, 3), 0x40, 0x40 | 1, 4);
    CHECK(!io_port_assigned(b.io, PM_BASE) && io_port_assigned(b.io, 0x40), "no overlap");
    cfg_write(PCI_DEVFN(1, 3), 0x40, PM_BASE | 1, 4);
    CHECK(io_port_assigned(b.io, PM_BASE), "back at 0x600");
}

/* The ELCR ports, recorded (this board has no 8259). */
static uint8_t elcr[2];

static uint32_t elcr_read(void *opaque, uint16_t port, unsigned size)
{
    return elcr[port & 1];
}

static void elcr_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    elcr[port & 1] = (uint8_t)val;
}

static const IOPortOps elcr_ops = {.read = elcr_read, .write = elcr_write};

/* A direct boot's POST replacement on a freshly reset chipset: what the kernel relies on. */
static void test_boot_pci_init(PCIDevice *da, PCIDevice *db)
{
    int before = poweroffs;
    uint32_t io_bar, mem_bar;

    board_reset(&b);
    pci_device_reset(da);
    pci_device_reset(db);
    elcr[0] = 0x00;
    elcr[1] = 0x00;
    CHECK(!io_port_assigned(b.io, PM_BASE), "reset: PM I/O not decoded");
    boot_pci_init(&b);
    CHECK(cfg_read(PCI_DEVFN(1, 0), 0x60, 4) == 0x0b0b0a0au, "PIRQA-D -> 10, 10, 11, 11: %08x",
          cfg_read(PCI_DEVFN(1, 0), 0x60, 4));
    CHECK(elcr[0] == 0x00 && elcr[1] == 0x0e, "ELCR: IRQ 9, 10, 11 level (%02x %02x)", elcr[0],
          elcr[1]);
    CHECK(cfg_read(PCI_DEVFN(1, 3), 0x40, 4) == (PM_BASE | 1) &&
              (cfg_read(PCI_DEVFN(1, 3), 0x80, 1) & 1),
          "PMBA 0x600 with PMIOSE");
    CHECK(cfg_read(PCI_DEVFN(1, 3), 0x3c, 1) == 9, "SCI interrupt line 9");
    CHECK(io_port_assigned(b.io, PM_BASE + 8), "PM timer decoded");
    io_write(b.io, PM_BASE + 4, 0 << 10, 2);            /* SLP_TYP 0 (S5) */
    io_write(b.io, PM_BASE + 4, (0 << 10) | 0x2000, 2); /* SLP_EN */
    CHECK(poweroffs == before + 1, "S5 soft off through the decoded PM block");

    io_bar = cfg_read(da->devfn, 0x10, 4);
    mem_bar = cfg_read(da->devfn, 0x14, 4);
    CHECK((io_bar & 1) && (io_bar & ~3u) >= 0xc000 && (io_bar & 15u) == 1,
          "I/O BAR assigned from 0xC000: %08x", io_bar);
    CHECK(mem_bar >= 0xe0000000u && mem_bar < 0xfec00000u && (mem_bar & 0xfff) == 0,
          "memory BAR assigned in the PCI window, aligned: %08x", mem_bar);
    CHECK((cfg_read(da->devfn, 0x04, 2) & 7) == 7, "decoding and bus mastering on");
    outb(&b, (uint16_t)((io_bar & ~3u) + 5), 0x5a);
    CHECK(io_regs[5] == 0x5a, "assigned I/O BAR decodes");
    CHECK(mem_read(b.mem, mem_bar + 8, 4) == 0xc0de0008u, "assigned memory BAR decodes");
    CHECK(cfg_read(da->devfn, 0x3c, 1) == 10 && cfg_read(db->devfn, 0x3c, 1) == 10,
          "interrupt lines: slot 2 INTA and slot 3 INTD -> PIRQB -> IRQ 10");
    CHECK(cfg_read(db->devfn, 0x04, 2) == 0, "a function without BARs is left undecoded");
    pci_set_irq(da, 1);
    CHECK(isa.level[10] == 1, "its interrupt reaches IRQ 10");
    pci_set_irq(da, 0);
}

int main(void)
{
    MemoryHooks hooks = {.map_changed = on_map_changed};
    MemRegion *ram;
    PCIBus *bus;
    PCIDevice da, db;
    IRQ gsi[4];

    vclock_init(-1);
    board_init(&b);
    b.ram_size = 16u << 20;
    b.smp = 1;
    b.request_reset = on_reset;
    b.request_poweroff = on_poweroff;
    mem_set_hooks(b.mem, &hooks);
    board_wire_recorder(&b, &isa);
    ram = mem_add_ram(b.mem, "ram", 0, b.ram_size, NULL, 0);
    memset(rom, ROM_BYTE, sizeof(rom));
    mem_add_rom(b.mem, "isa-bios", 0xe0000, sizeof(rom), rom, 1);
    board_add_device(&b, &i8254_device, 0); /* owns 0x40-0x43: an overlap victim */
    io_register(b.io, 0x20, 2, &tio_ops, NULL);
    io_register(b.io, 0x4d0, 2, &elcr_ops, NULL);
    board_add_device(&b, &i440fx_device, 0);
    board_add_device(&b, &piix3_device, 0);
    board_add_device(&b, &piix4_pm_device, 0);
    for (int i = 0; i < 4; i++) {
        gsi[i] = (IRQ){irq_recorder_set, &apic, i};
    }
    piix3_set_apic_irqs(board_find_device(&b, "piix3", 0), gsi);
    board_reset(&b);
    bus = pci_bus_find(&b);
    CHECK(bus != NULL, "bus found from the board");
    pci_device_init(&da, bus, PCI_DEVFN(2, 0), &test_info_a, NULL);
    pci_device_init(&db, bus, PCI_DEVFN(3, 0), &test_info_b, NULL);

    test_config_mechanism();
    test_cf9();
    test_ferr();
    test_pam(ram->host);
    test_bars(bus, &da);
    test_pirq(&da, &db);
    test_pm();
    test_boot_pci_init(&da, &db);
    board_teardown(&b);
    return tests_finish();
}
