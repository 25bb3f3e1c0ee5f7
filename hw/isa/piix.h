/*
 * Configuration registers of the PIIX3 ISA bridge (00:01.0) and the PIIX4 power
 * management function (00:01.3) that firmware programs, shared by the devices
 * (hw/isa/piix3.c, hw/acpi/piix4-pm.c) and by the firmware-less set-up of direct kernel
 * boots (hw/boot/pci-init.c). Names and offsets as in Intel's 82371SB/82371AB datasheets.
 */
#ifndef X86PC_HW_ISA_PIIX_H
#define X86PC_HW_ISA_PIIX_H

#define PIIX3_VENDOR_ID 0x8086
#define PIIX3_DEVICE_ID 0x7000
#define PIIX4_PM_DEVICE_ID 0x7113

/* PIIX3 function 0 */
#define PIIX_PIRQRC 0x60         /* PIRQRC[A:D], 4 bytes */
#define PIIX_PIRQ_DISABLE 0x80   /* IRQRC: routing disabled */

/* PIIX4 function 3 (power management) */
#define PIIX4_PMBA 0x40          /* PM I/O base, 64 bytes */
#define PIIX4_DEVACTB 0x58
#define PIIX4_PMREGMISC 0x80     /* bit 0: PMIOSE, PM I/O space enable */
#define PIIX4_SMBBA 0x90         /* SMBus I/O base, 16 bytes */
#define PIIX4_SMBHSTCFG 0xd2     /* bit 0: SMBus host interface enable */

/* The ACPI SCI is wired to ISA IRQ 9 (level triggered through the ELCR). */
#define PIIX4_SCI_IRQ 9

/* 8259 edge/level control registers (ELCR1 for IRQ 0-7, ELCR2 for IRQ 8-15). */
#define PIIX_ELCR1 0x4d0
#define PIIX_ELCR2 0x4d1

#endif
