/*
 * The PCI bus of the PC: configuration mechanism #1 (0xCF8 address, 0xCFC-0xCFF data),
 * 256-byte configuration spaces, base address registers (BARs) that map I/O ports, MMIO
 * or RAM when the guest programs them, and the four interrupt lines PIRQA-D.
 *
 * A PCI function is a PCIDevice embedded in the device's own state (so the device's
 * VMStateDesc saves its configuration space with VMS_STRUCT_ARRAY(..., pci_device_vmsd)
 * and its post_load calls pci_device_post_load()). It is created by pci_device_init()
 * from a const PCIDeviceInfo. The generic code stores guest writes through a per-byte
 * writable mask (wmask) and write-one-to-clear mask (w1cmask), re-evaluates the BARs and
 * then calls the device's config_write hook, if any.
 *
 * Interrupts: a function drives its INTx pin with pci_set_irq(). The bus swizzles
 * (slot, pin) to PIRQ[(slot + pin - 1) & 3] (pin 1 = INTA), the wiring SeaBIOS and our
 * DSDT assume, and reports each PIRQ's wired-OR level to the handler the ISA bridge
 * installed (hw/isa/piix3.c), which routes it to the 8259 and the I/O APIC.
 *
 * The bus lives in the host bridge's state (hw/pci/i440fx.c); devices find it with
 * pci_bus_find(board).
 */
#ifndef X86PC_HW_PCI_PCI_H
#define X86PC_HW_PCI_PCI_H

#include "hw/core/device.h"

/* Configuration space header (type 0). */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION_ID 0x08
#define PCI_CLASS_PROG 0x09
#define PCI_CLASS_DEVICE 0x0a
#define PCI_CACHE_LINE_SIZE 0x0c
#define PCI_LATENCY_TIMER 0x0d
#define PCI_HEADER_TYPE 0x0e
#define PCI_BASE_ADDRESS_0 0x10
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_ROM_ADDRESS 0x30
#define PCI_CAPABILITY_LIST 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d
#define PCI_MIN_GNT 0x3e
#define PCI_MAX_LAT 0x3f

#define PCI_COMMAND_IO 0x0001
#define PCI_COMMAND_MEMORY 0x0002
#define PCI_COMMAND_MASTER 0x0004
#define PCI_COMMAND_SERR 0x0100
#define PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS_INTERRUPT 0x0008
#define PCI_STATUS_DEVSEL_MEDIUM 0x0200
#define PCI_STATUS_W1C 0xf900 /* parity, target/master aborts, SERR, parity error */

#define PCI_HEADER_TYPE_MULTI_FUNCTION 0x80

#define PCI_BAR_SPACE_IO 0x01
#define PCI_BAR_MEM_PREFETCH 0x08
#define PCI_ROM_ADDRESS_ENABLE 0x01

#define PCI_NUM_BARS 6
#define PCI_ROM_SLOT 6 /* the expansion ROM BAR (0x30) as "BAR 6" */
#define PCI_BAR_UNMAPPED UINT64_MAX

#define PCI_CONFIG_SPACE_SIZE 256
#define PCI_DEVFN(slot, fn) ((uint8_t)(((slot) << 3) | (fn)))
#define PCI_SLOT(devfn) (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn) ((devfn) & 7)

/* Subsystem IDs of every function of this machine: SeaBIOS identifies a QEMU-compatible
 * board (and then uses fw_cfg) by these on the host bridge. */
#define PCI_SUBVENDOR_X86PC 0x1af4
#define PCI_SUBDEVICE_X86PC 0x1100

/* Memory map priorities of PCI resources (RAM is 0, the BIOS ROM 1): BARs sit above RAM,
 * the i440FX PAM shadow RAM above everything in 0xC0000-0xFFFFF. */
#define PCI_PRIO_BAR 1
#define PCI_PRIO_PAM 3

typedef struct PCIBus PCIBus;
typedef struct PCIDevice PCIDevice;

/* Called whenever the effective address of a BAR changes; addr is PCI_BAR_UNMAPPED when
 * the BAR is disabled (decode off in COMMAND, address 0 or out of range). */
typedef void PCIBarMapFunc(PCIDevice *d, int bar, uint64_t addr, void *opaque);

typedef enum PCIBarKind {
    PCI_BAR_NONE,
    PCI_BAR_CALLBACK, /* only the map callback */
    PCI_BAR_IO,       /* ports registered/unregistered by the bus */
    PCI_BAR_MMIO,     /* a memory-map MMIO region moved/enabled by the bus */
    PCI_BAR_RAM,      /* a RAM region (framebuffers: dirty tracking works) */
    PCI_BAR_ROM,      /* expansion ROM (BAR 6 only) */
} PCIBarKind;

typedef struct PCIBar {
    PCIBarKind kind;
    uint8_t type;      /* low bits of the BAR: PCI_BAR_SPACE_IO, PCI_BAR_MEM_PREFETCH */
    uint32_t size;     /* power of two */
    uint64_t addr;     /* current mapping or PCI_BAR_UNMAPPED */
    PCIBarMapFunc *map;
    void *map_opaque;
    const IOPortOps *io_ops;
    void *io_opaque;
    MemRegion *region; /* MMIO/RAM/ROM */
} PCIBar;

typedef struct PCIDeviceInfo {
    const char *name;
    uint16_t vendor_id, device_id;
    uint8_t revision;
    uint32_t class_code;   /* class << 16 | subclass << 8 | programming interface */
    uint8_t header_type;   /* 0, or PCI_HEADER_TYPE_MULTI_FUNCTION on function 0 */
    uint8_t interrupt_pin; /* 0: none, 1..4: INTA..INTD */
    /* Optional: after the generic code stored a guest write of size bytes at addr. */
    void (*config_write)(PCIDevice *d, unsigned addr, uint32_t val, unsigned size);
    /* Optional: replaces the generic read of the configuration space. */
    uint32_t (*config_read)(PCIDevice *d, unsigned addr, unsigned size);
} PCIDeviceInfo;

struct PCIDevice {
    PCIBus *bus;
    const PCIDeviceInfo *info;
    void *opaque;          /* the owning device's state */
    uint8_t devfn;
    bool registered;
    uint8_t config[PCI_CONFIG_SPACE_SIZE];
    uint8_t wmask[PCI_CONFIG_SPACE_SIZE];   /* bits the guest may write */
    uint8_t w1cmask[PCI_CONFIG_SPACE_SIZE]; /* bits cleared by writing 1 */
    PCIBar bars[PCI_NUM_BARS + 1];
    uint8_t irq_level;     /* INTx pin asserted (before COMMAND.INTX_DISABLE) */
    uint8_t irq_out;       /* what the bus currently counts for this function */
};

typedef void PCIIRQHandler(void *opaque, int pirq, int level);

#define PCI_MAX_DEVFN 256

struct PCIBus {
    Board *board;
    PCIDevice *devices[PCI_MAX_DEVFN];
    uint32_t config_addr;  /* 0xCF8 */
    int pirq_count[4];     /* asserted INTx pins per PIRQ line */
    PCIIRQHandler *irq_handler;
    void *irq_opaque;
};

/* ---- bus (used by the host bridge) ---- */

/* Initialise bus and claim 0xCF8 (dword accesses only; byte/word go to the ISA bus) and
 * 0xCFC-0xCFF. */
void pci_bus_init(PCIBus *bus, Board *b);
PCIBus *pci_bus_find(Board *b); /* NULL if the board has no host bridge */
PCIBus *i440fx_bus(void *i440fx);  /* hw/pci/i440fx.c: the bus of a host bridge state */
void pci_bus_set_irq_handler(PCIBus *bus, PCIIRQHandler *handler, void *opaque);
/* PIRQ line (0..3 = A..D) of pin (1..4) of a function in slot. */
int pci_swizzle(int slot, int pin);
/* Configuration access by bus/device/function address (tests, firmware tables). */
uint32_t pci_config_read(PCIBus *bus, uint8_t devfn, unsigned addr, unsigned size);
void pci_config_write(PCIBus *bus, uint8_t devfn, unsigned addr, uint32_t val, unsigned size);
/* Monitor "info pci". */
void pci_bus_info(PCIBus *bus, FILE *out);

/* ---- functions ---- */

/* Set up d from info and plug it at devfn (-1: first free slot, function 0). Fatal if the
 * devfn is taken (a board construction error, never guest-triggered). */
void pci_device_init(PCIDevice *d, PCIBus *bus, int devfn, const PCIDeviceInfo *info,
                     void *opaque);
/* Power-on values of the standard header; device-specific registers are the device's. */
void pci_device_reset(PCIDevice *d);
/* After loading saved state: re-map BARs and re-assert the interrupt level. */
void pci_device_post_load(PCIDevice *d);
extern const VMStateDesc pci_device_vmsd;

/* BARs. size is a power of two (I/O >= 4, memory >= 16 bytes). */
void pci_register_bar(PCIDevice *d, int bar, uint8_t type, uint32_t size, PCIBarMapFunc *map,
                      void *opaque);
void pci_register_bar_io(PCIDevice *d, int bar, uint32_t size, const IOPortOps *ops,
                         void *opaque);
MemRegion *pci_register_bar_mmio(PCIDevice *d, int bar, uint32_t size, bool prefetch,
                                 const MemoryOps *ops, void *opaque);
/* host must stay valid for the life of the machine (not owned). */
MemRegion *pci_register_bar_ram(PCIDevice *d, int bar, uint32_t size, uint8_t *host);
/* Expansion ROM: image of len bytes, padded to a power of two (copied: the caller keeps
 * its buffer; the copy is freed with the board). */
void pci_register_rom(PCIDevice *d, const void *image, uint32_t len);
uint64_t pci_bar_address(PCIDevice *d, int bar);
/* True if none of the ports [base, base + count) is claimed (and all exist). */
bool pci_io_range_free(IOPortTable *io, uint64_t base, uint32_t count);

/* Drive the function's INTx pin (level triggered). */
void pci_set_irq(PCIDevice *d, int level);

/* Little-endian config helpers for device code. */
static inline void pci_set_byte(PCIDevice *d, unsigned addr, uint8_t v)
{
    d->config[addr] = v;
}

static inline void pci_set_word(PCIDevice *d, unsigned addr, uint16_t v)
{
    stw_le_p(&d->config[addr], v);
}

static inline void pci_set_long(PCIDevice *d, unsigned addr, uint32_t v)
{
    stl_le_p(&d->config[addr], v);
}

static inline uint16_t pci_get_word(const PCIDevice *d, unsigned addr)
{
    return lduw_le_p(&d->config[addr]);
}

static inline uint32_t pci_get_long(const PCIDevice *d, unsigned addr)
{
    return ldl_le_p(&d->config[addr]);
}

/* Make len bytes at addr writable by the guest with mask (each byte). */
static inline void pci_set_wmask(PCIDevice *d, unsigned addr, unsigned len, uint8_t mask)
{
    for (unsigned i = 0; i < len && addr + i < PCI_CONFIG_SPACE_SIZE; i++) {
        d->wmask[addr + i] = mask;
    }
}

#endif
