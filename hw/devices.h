/*
 * The device descriptors of the PC (one per file under hw/<class>/), and the few
 * cross-device calls the board needs.
 */
#ifndef X86PC_HW_DEVICES_H
#define X86PC_HW_DEVICES_H

#include "hw/core/device.h"

extern const DeviceInfo i8259_device;     /* hw/intc/i8259.c: instance 0 = both PICs */
extern const DeviceInfo i8254_device;     /* hw/timer/i8254.c: PIT + port 0x61 */
extern const DeviceInfo mc146818_device;  /* hw/rtc/mc146818.c */
extern const DeviceInfo i8042_device;     /* hw/input/i8042.c: + port 0x92 */
extern const DeviceInfo serial_device;    /* hw/char/serial.c: instance 0..3 = COM1..COM4 */
extern const DeviceInfo debugexit_device; /* hw/misc/debugexit.c */
extern const DeviceInfo debugcon_device;  /* hw/misc/debugcon.c */
extern const DeviceInfo port80_device;    /* hw/misc/port80.c */
extern const DeviceInfo i440fx_device;    /* hw/pci/i440fx.c: host bridge + PCI bus (00:00.0) */
extern const DeviceInfo piix3_device;     /* hw/isa/piix3.c: ISA bridge (01:0), PIRQ, 0xCF9 */
extern const DeviceInfo piix4_pm_device;  /* hw/acpi/piix4-pm.c: ACPI PM (01.3), SCI IRQ 9 */
extern const DeviceInfo i8237_device;     /* hw/dma/i8237.c: both ISA DMA controllers */
extern const DeviceInfo fw_cfg_device;    /* hw/nvram/fw_cfg.c: QEMU firmware config 0x510 */

/* i8259: INTA cycle (vector of the highest-priority pending IRQ, or the spurious vector). */
int pic_intr_ack(struct PICState *s);
/* i8254: channel 2 gate (port 0x61 bit 0) and output (port 0x61 bit 5). */
void pit_set_gate(struct PITState *s, int channel, bool level);
bool pit_get_out(struct PITState *s, int channel);
/* i8042: feed set-1 scancode bytes to the keyboard (as typed on the host). */
void kbd_put_scancodes(void *i8042, const uint8_t *codes, size_t n);
/* i8042: relative mouse motion (dy > 0 = up), wheel steps dz (IntelliMouse Z) and
 * buttons (bit 0 left, 1 right, 2 middle). */
void kbd_mouse_event(void *i8042, int dx, int dy, int dz, unsigned buttons);
/* piix3: connect PIRQA-D to I/O APIC inputs 16-19 (APIC mode), by the I/O APIC's owner. */
void piix3_set_apic_irqs(void *piix3, const IRQ gsi16_19[4]);
/* piix3: the CPU's FERR# output (x87 error, CR0.NE = 0): IRQ 13 until port 0xF0 is written. */
void piix3_set_ferr(void *piix3, bool level);
/* piix4-pm: the ACPI power button was pressed (sets PWRBTN_STS, raises SCI if enabled). */
void piix4_pm_power_button(void *pm);
/* mc146818: CMOS byte access for the board (firmware setup) and tests. */
uint8_t rtc_cmos_read(void *rtc, unsigned index);
void rtc_cmos_write(void *rtc, unsigned index, uint8_t val);

#endif
