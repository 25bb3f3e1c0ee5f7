/*
 * Intel PIIX4 power management function (82371AB function 3, 8086:7113) at 00:01.3: the
 * ACPI fixed hardware of the PC.
 *
 * Configuration: PMBA (0x40, 64 bytes of I/O, enabled by PMREGMISC.PMIOSE at 0x80 bit 0;
 * SeaBIOS programs 0x600), DEVACTB (0x58), SMBBA (0x90) with SMBHSTCFG (0xD2).
 * PM I/O registers (offsets from PMBA):
 *   0x00 PM1 status (write 1 to clear): TMROF, GBL, PWRBTN, RTC, WAK
 *   0x02 PM1 enable
 *   0x04 PM1 control: SCI_EN, SLP_TYP (12:10), SLP_EN (13, write-only)
 *   0x08 PM timer: 24-bit, 3.579545 MHz from the virtual clock
 *   0x0C-0x37 GPE/global/device registers: stored, no effect
 * The SCI is hard-wired to ISA IRQ 9 (level: the guest sets the ELCR) and is asserted
 * while any enabled PM1 status bit is set.
 *
 * Deviations: there is no SMM. SCI_EN reads 1 (the FADT has no SMI command port, so the
 * system is always in ACPI mode), DEVACTB.APMC_EN (bit 25) reads 1 so SeaBIOS does not
 * try to relocate an SMI handler, and GBL_RLS/BIOS_RLS raise nothing. Only SLP_TYP 0
 * (PIIX4: soft off, the DSDT's \_S5) is a supported sleep state; it powers the machine
 * off through the board. The SMBus host controller answers every transaction with "no
 * device" (DEV_ERR): there is nothing on the bus.
 */
#include "hw/devices.h"
#include "hw/isa/piix.h"
#include "hw/pci/pci.h"
#include "util/log.h"

#define PM_FREQ 3579545
#define PM_IO_SIZE 64
#define SMB_IO_SIZE 16

#define PM1_STS 0x00
#define PM1_EN 0x02
#define PM1_CNT 0x04
#define PM_TMR 0x08

#define PM1_TMROF 0x0001
#define PM1_BM 0x0010
#define PM1_GBL 0x0020
#define PM1_PWRBTN 0x0100
#define PM1_RTC 0x0400
#define PM1_PWRBTNOR 0x0800
#define PM1_WAK 0x8000
#define PM1_STS_W1C (PM1_TMROF | PM1_BM | PM1_GBL | PM1_PWRBTN | PM1_RTC | PM1_PWRBTNOR | PM1_WAK)
#define PM1_EN_MASK (PM1_TMROF | PM1_GBL | PM1_PWRBTN | PM1_RTC)
#define PM1_CNT_SCI_EN 0x0001
#define PM1_CNT_SLP_TYP_SHIFT 10
#define PM1_CNT_SLP_EN 0x2000
#define PM1_CNT_WMASK 0x1c06u /* BM_RLD, GBL_RLS, SLP_TYP */


#define SMB_HSTSTS 0x00
#define SMB_HSTCNT 0x02
#define SMB_STS_INTR 0x02
#define SMB_STS_DEV_ERR 0x04
#define SMB_CNT_START 0x40

typedef struct PIIX4PMState {
    PCIDevice dev;
    Board *board;
    Timer *tmr_timer;
    uint16_t pm1_sts, pm1_en, pm1_cnt;
    uint8_t regs[PM_IO_SIZE];  /* 0x0C-0x3F: stored only */
    int64_t tmr_epoch;         /* PM timer bit-23 period index last seen */
    uint8_t sci_level;
    uint32_t pm_base;          /* mapped PM I/O base, 0 if not decoded */
    uint32_t smb_base;
    uint8_t smb[SMB_IO_SIZE];
} PIIX4PMState;

/* ---- PM timer ---- */

static uint64_t pm_ticks(int64_t ns)
{
    uint64_t t = (uint64_t)(ns < 0 ? 0 : ns);

    return t / NS_PER_SEC * PM_FREQ + (t % NS_PER_SEC) * PM_FREQ / NS_PER_SEC;
}

/* First virtual time at which pm_ticks() reaches ticks. */
static int64_t pm_ticks_to_ns(uint64_t ticks)
{
    uint64_t ns = ticks / PM_FREQ * NS_PER_SEC + ((ticks % PM_FREQ) * NS_PER_SEC + PM_FREQ - 1) /
                  PM_FREQ;

    return ns > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)ns;
}

static void pm_update_sci(PIIX4PMState *s)
{
    uint8_t level = (s->pm1_sts & s->pm1_en & PM1_EN_MASK) != 0;

    if (level != s->sci_level) {
        s->sci_level = level;
        irq_set(&s->board->isa_irq[9], level);
    }
}

/* Latch TMROF_STS if bit 23 toggled since the last look, and arm the overflow timer when
 * an overflow would raise the SCI. */
static void pm_timer_update(PIIX4PMState *s)
{
    uint64_t ticks = pm_ticks(vclock_ns());
    int64_t epoch = (int64_t)(ticks >> 23);

    if (epoch != s->tmr_epoch) {
        s->tmr_epoch = epoch;
        s->pm1_sts |= PM1_TMROF;
    }
    if ((s->pm1_en & PM1_TMROF) && !(s->pm1_sts & PM1_TMROF)) {
        timer_mod(s->tmr_timer, pm_ticks_to_ns(((uint64_t)epoch + 1) << 23));
    } else {
        timer_del(s->tmr_timer);
    }
    pm_update_sci(s);
}

static void pm_timer_cb(void *opaque)
{
    pm_timer_update(opaque);
}

void piix4_pm_power_button(void *opaque)
{
    PIIX4PMState *s = opaque;

    s->pm1_sts |= PM1_PWRBTN;
    pm_update_sci(s);
}

/* ---- PM I/O space ---- */

static void pm_sleep(PIIX4PMState *s, unsigned typ)
{
    if (typ == 0) {
        log_mask_printf(LOG_RESET, "piix4-pm: S5 soft off\n");
        board_request_poweroff(s->board);
    } else {
        log_mask_printf(LOG_UNIMP, "piix4-pm: sleep type %u not supported (ignored)\n", typ);
    }
}

static uint8_t pm_read_byte(PIIX4PMState *s, unsigned off, uint32_t tmr)
{
    switch (off) {
    case PM1_STS:
    case PM1_STS + 1:
        return (uint8_t)(s->pm1_sts >> (8 * (off - PM1_STS)));
    case PM1_EN:
    case PM1_EN + 1:
        return (uint8_t)(s->pm1_en >> (8 * (off - PM1_EN)));
    case PM1_CNT:
    case PM1_CNT + 1:
        return (uint8_t)(s->pm1_cnt >> (8 * (off - PM1_CNT)));
    case PM_TMR:
    case PM_TMR + 1:
    case PM_TMR + 2:
    case PM_TMR + 3:
        return (uint8_t)(tmr >> (8 * (off - PM_TMR)));
    case 0x06:
    case 0x07:
        return 0;
    default:
        return s->regs[off];
    }
}

static uint32_t pm_io_read(void *opaque, uint16_t port, unsigned size)
{
    PIIX4PMState *s = opaque;
    unsigned off = (port - s->pm_base) & (PM_IO_SIZE - 1);
    uint32_t tmr, v = 0;

    pm_timer_update(s);
    tmr = (uint32_t)(pm_ticks(vclock_ns()) & 0xffffff);
    for (unsigned i = 0; i < size && off + i < PM_IO_SIZE; i++) {
        v |= (uint32_t)pm_read_byte(s, off + i, tmr) << (8 * i);
    }
    return v;
}

static void pm_io_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    PIIX4PMState *s = opaque;
    unsigned off = (port - s->pm_base) & (PM_IO_SIZE - 1);

    pm_timer_update(s);
    for (unsigned i = 0; i < size && off + i < PM_IO_SIZE; i++) {
        unsigned a = off + i, sh;
        uint8_t v = (uint8_t)(val >> (8 * i));

        switch (a) {
        case PM1_STS:
        case PM1_STS + 1:
            sh = 8 * (a - PM1_STS);
            s->pm1_sts &= (uint16_t)~(((uint16_t)v << sh) & PM1_STS_W1C);
            break;
        case PM1_EN:
        case PM1_EN + 1:
            sh = 8 * (a - PM1_EN);
            s->pm1_en = (uint16_t)((s->pm1_en & ~(0xffu << sh)) | (((uint16_t)v << sh) &
                                                                    PM1_EN_MASK));
            break;
        case PM1_CNT:
        case PM1_CNT + 1:
            sh = 8 * (a - PM1_CNT);
            if (a == PM1_CNT && !(v & PM1_CNT_SCI_EN)) {
                log_mask_printf(LOG_UNIMP, "piix4-pm: SCI_EN cleared: no legacy (SMI) mode\n");
            }
            s->pm1_cnt = (uint16_t)((s->pm1_cnt & ~((0xffu << sh) & PM1_CNT_WMASK)) |
                                    (((uint16_t)v << sh) & PM1_CNT_WMASK));
            if ((((uint16_t)v << sh) & PM1_CNT_SLP_EN)) {
                pm_sleep(s, (s->pm1_cnt >> PM1_CNT_SLP_TYP_SHIFT) & 7);
            }
            break;
        case PM_TMR:
        case PM_TMR + 1:
        case PM_TMR + 2:
        case PM_TMR + 3:
        case 0x06:
        case 0x07:
            break; /* read-only / reserved */
        default:
            s->regs[a] = v;
            break;
        }
    }
    pm_timer_update(s);
}

static const IOPortOps pm_io_ops = {
    .read = pm_io_read,
    .write = pm_io_write,
    .sizes = IO_SIZE_1 | IO_SIZE_2 | IO_SIZE_4,
};

/* ---- SMBus host controller (empty bus) ---- */

static uint32_t smb_io_read(void *opaque, uint16_t port, unsigned size)
{
    PIIX4PMState *s = opaque;

    return s->smb[(port - s->smb_base) & (SMB_IO_SIZE - 1)];
}

static void smb_io_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    PIIX4PMState *s = opaque;
    unsigned off = (port - s->smb_base) & (SMB_IO_SIZE - 1);

    if (off == SMB_HSTSTS) {
        s->smb[off] &= (uint8_t)~val;
    } else if (off == SMB_HSTCNT && (val & SMB_CNT_START)) {
        s->smb[off] = (uint8_t)(val & ~SMB_CNT_START);
        s->smb[SMB_HSTSTS] |= SMB_STS_DEV_ERR; /* nobody acknowledged the address */
    } else {
        s->smb[off] = (uint8_t)val;
    }
}

static const IOPortOps smb_io_ops = {
    .read = smb_io_read,
    .write = smb_io_write,
};

/* ---- configuration ---- */

/* (Re)decode an I/O window: base 0 = off. A window over another device's ports is not
 * decoded (logged) so that moving it never unregisters someone else's handlers. */
static uint32_t io_window_update(PIIX4PMState *s, uint32_t cur, uint32_t want, unsigned len,
                                 const IOPortOps *ops, const char *what)
{
    IOPortTable *io = s->board->io;

    if (want == cur) {
        return cur;
    }
    if (cur) {
        io_unregister(io, (uint16_t)cur, len);
    }
    if (want && !pci_io_range_free(io, want, len)) {
        log_mask_printf(LOG_GUEST_ERRORS, "piix4-pm: %s at %#x overlaps other ports: not "
                        "decoded\n", what, want);
        want = 0;
    }
    if (want) {
        io_register(io, (uint16_t)want, len, ops, s);
    }
    return want;
}

static void pm_map_update(PIIX4PMState *s)
{
    PCIDevice *d = &s->dev;
    uint32_t pm = (d->config[PIIX4_PMREGMISC] & 1) ? pci_get_long(d, PIIX4_PMBA) & 0xffc0u : 0;
    uint32_t smb = (d->config[PIIX4_SMBHSTCFG] & 1) ? pci_get_long(d, PIIX4_SMBBA) & 0xfff0u : 0;

    s->pm_base = io_window_update(s, s->pm_base, pm, PM_IO_SIZE, &pm_io_ops, "PM I/O");
    s->smb_base = io_window_update(s, s->smb_base, smb, SMB_IO_SIZE, &smb_io_ops, "SMBus");
}

static void piix4_pm_config_write(PCIDevice *d, unsigned addr, uint32_t val, unsigned size)
{
    pm_map_update(d->opaque);
}

static const PCIDeviceInfo piix4_pm_pci_info = {
    .name = "piix4-pm",
    .vendor_id = PIIX3_VENDOR_ID,
    .device_id = PIIX4_PM_DEVICE_ID,
    .revision = 0x03,
    .class_code = 0x068000, /* bridge, other */
    .interrupt_pin = 1,
    .config_write = piix4_pm_config_write,
};

static void piix4_pm_reset(void *opaque)
{
    PIIX4PMState *s = opaque;
    PCIDevice *d = &s->dev;

    pci_device_reset(d);
    memset(&d->config[0x40], 0, PCI_CONFIG_SPACE_SIZE - 0x40);
    pci_set_long(d, PIIX4_PMBA, 1);                /* I/O space indicator */
    pci_set_long(d, PIIX4_DEVACTB, 1u << 25);      /* APMC_EN: "SMM already set up" */
    pci_set_long(d, PIIX4_SMBBA, 1);
    s->pm1_sts = 0;
    s->pm1_en = 0;
    s->pm1_cnt = PM1_CNT_SCI_EN;
    memset(s->regs, 0, sizeof(s->regs));
    memset(s->smb, 0, sizeof(s->smb));
    s->tmr_epoch = (int64_t)(pm_ticks(vclock_ns()) >> 23);
    pm_map_update(s);
    pm_timer_update(s);
}

static void *piix4_pm_init(Board *b, int instance)
{
    PIIX4PMState *s = xzalloc(sizeof(*s));
    PCIBus *bus = pci_bus_find(b);
    PCIDevice *d = &s->dev;

    if (!bus) {
        fatal("piix4-pm: the board has no PCI host bridge");
    }
    s->board = b;
    s->tmr_timer = timer_new(pm_timer_cb, s);
    pci_device_init(d, bus, PCI_DEVFN(1, 3), &piix4_pm_pci_info, s);
    d->wmask[PIIX4_PMBA] = 0xc0;
    d->wmask[PIIX4_PMBA + 1] = 0xff;
    pci_set_wmask(d, PIIX4_DEVACTB, 3, 0xff);
    d->wmask[PIIX4_DEVACTB + 3] = 0xfd;
    d->wmask[PIIX4_PMREGMISC] = 0x01;
    d->wmask[PIIX4_SMBBA] = 0xf0;
    d->wmask[PIIX4_SMBBA + 1] = 0xff;
    d->wmask[PIIX4_SMBHSTCFG] = 0x0f;
    piix4_pm_reset(s);
    return s;
}

static void piix4_pm_finalize(void *opaque)
{
    PIIX4PMState *s = opaque;

    timer_free(s->tmr_timer);
}

static bool piix4_pm_info(void *opaque, const char *what, FILE *out)
{
    PIIX4PMState *s = opaque;

    if (strcmp(what, "acpi") != 0) {
        return false;
    }
    pm_timer_update(s);
    fprintf(out, "PIIX4 PM: base %#x%s, PM1 sts=%04x en=%04x cnt=%04x, timer %06x, SCI %s\n",
            s->pm_base, s->pm_base ? "" : " (off)", s->pm1_sts, s->pm1_en, s->pm1_cnt,
            (unsigned)(pm_ticks(vclock_ns()) & 0xffffff), s->sci_level ? "asserted" : "idle");
    return true;
}

static int piix4_pm_post_load(void *opaque)
{
    PIIX4PMState *s = opaque;

    pci_device_post_load(&s->dev);
    s->pm1_cnt |= PM1_CNT_SCI_EN;
    s->sci_level = 0;
    irq_set(&s->board->isa_irq[9], 0);
    pm_map_update(s);
    pm_timer_update(s);
    return 0;
}

static const VMStateField piix4_pm_fields[] = {
    VMS_STRUCT_ARRAY(PIIX4PMState, dev, PCIDevice, pci_device_vmsd),
    VMS_U16(PIIX4PMState, pm1_sts),
    VMS_U16(PIIX4PMState, pm1_en),
    VMS_U16(PIIX4PMState, pm1_cnt),
    VMS_U8_ARRAY(PIIX4PMState, regs),
    VMS_I64(PIIX4PMState, tmr_epoch),
    VMS_U8_ARRAY(PIIX4PMState, smb),
    VMS_END,
};

static const VMStateDesc piix4_pm_vmsd = {
    .name = "piix4-pm",
    .version = 1,
    .fields = piix4_pm_fields,
    .post_load = piix4_pm_post_load,
};

const DeviceInfo piix4_pm_device = {
    .name = "piix4-pm",
    .init = piix4_pm_init,
    .reset = piix4_pm_reset,
    .vmsd = &piix4_pm_vmsd,
    .info = piix4_pm_info,
    .finalize = piix4_pm_finalize,
};
