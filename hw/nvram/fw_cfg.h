/*
 * QEMU-compatible firmware configuration device (fw_cfg) on the PC's I/O ports:
 *   0x510 selector (16-bit write), 0x511 data (8-bit read, advances through the item),
 *   0x514-0x51B DMA address (64-bit big-endian; a 32-bit write of the low half at 0x518
 *   starts the transfer; reads return the signature "QEMU CFG").
 * Items are numbered by a 16-bit key: the legacy keys below, and named files from
 * FW_CFG_FILE_FIRST on, listed (sorted by name) in the directory item FW_CFG_FILE_DIR.
 * All multi-byte values of legacy items are little-endian; the directory and the DMA
 * descriptor are big-endian, as QEMU defines them.
 *
 * The board fills the items before the guest runs (machine creation). Ownership: every
 * fw_cfg_add_* copies its data (the caller keeps, and frees, its own buffer); the device
 * frees its copies when the board is destroyed.
 */
#ifndef X86PC_HW_NVRAM_FW_CFG_H
#define X86PC_HW_NVRAM_FW_CFG_H

#include "hw/core/device.h"

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_PORT_DMA 0x514

/* Legacy keys. */
#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_ID 0x01
#define FW_CFG_UUID 0x02
#define FW_CFG_RAM_SIZE 0x03
#define FW_CFG_NOGRAPHIC 0x04
#define FW_CFG_NB_CPUS 0x05
#define FW_CFG_MACHINE_ID 0x06
#define FW_CFG_KERNEL_ADDR 0x07
#define FW_CFG_KERNEL_SIZE 0x08
#define FW_CFG_KERNEL_CMDLINE 0x09
#define FW_CFG_INITRD_ADDR 0x0a
#define FW_CFG_INITRD_SIZE 0x0b
#define FW_CFG_BOOT_DEVICE 0x0c
#define FW_CFG_NUMA 0x0d
#define FW_CFG_BOOT_MENU 0x0e
#define FW_CFG_MAX_CPUS 0x0f
#define FW_CFG_KERNEL_ENTRY 0x10
#define FW_CFG_KERNEL_DATA 0x11
#define FW_CFG_INITRD_DATA 0x12
#define FW_CFG_CMDLINE_ADDR 0x13
#define FW_CFG_CMDLINE_SIZE 0x14
#define FW_CFG_CMDLINE_DATA 0x15
#define FW_CFG_SETUP_ADDR 0x16
#define FW_CFG_SETUP_SIZE 0x17
#define FW_CFG_SETUP_DATA 0x18
#define FW_CFG_FILE_DIR 0x19
#define FW_CFG_FILE_FIRST 0x20
#define FW_CFG_WRITE_CHANNEL 0x4000
#define FW_CFG_ARCH_LOCAL 0x8000
#define FW_CFG_ACPI_TABLES (FW_CFG_ARCH_LOCAL + 0)
#define FW_CFG_SMBIOS_ENTRIES (FW_CFG_ARCH_LOCAL + 1)
#define FW_CFG_IRQ0_OVERRIDE (FW_CFG_ARCH_LOCAL + 2)
#define FW_CFG_E820_TABLE (FW_CFG_ARCH_LOCAL + 3)
#define FW_CFG_HPET (FW_CFG_ARCH_LOCAL + 4)

#define FW_CFG_VERSION 0x01     /* FW_CFG_ID: traditional interface */
#define FW_CFG_VERSION_DMA 0x02 /* FW_CFG_ID: DMA interface */

/* DMA descriptor control bits (big-endian u32 at the descriptor's start). */
#define FW_CFG_DMA_CTL_ERROR 0x01
#define FW_CFG_DMA_CTL_READ 0x02
#define FW_CFG_DMA_CTL_SKIP 0x04
#define FW_CFG_DMA_CTL_SELECT 0x08
#define FW_CFG_DMA_CTL_WRITE 0x10

#define FW_CFG_MAX_FILES 128
#define FW_CFG_FILE_NAME_LEN 56

/* E820 types, as in "etc/e820" (entries: u64 address, u64 length, u32 type, LE). */
#define E820_RAM 1
#define E820_RESERVED 2

typedef struct FWCfgState FWCfgState;

FWCfgState *fw_cfg_find(Board *b); /* NULL if the board has no fw_cfg device */

/* Set (or replace) a legacy item. */
void fw_cfg_add_bytes(FWCfgState *s, uint16_t key, const void *data, size_t len);
void fw_cfg_add_i16(FWCfgState *s, uint16_t key, uint16_t v);
void fw_cfg_add_i32(FWCfgState *s, uint16_t key, uint32_t v);
void fw_cfg_add_i64(FWCfgState *s, uint16_t key, uint64_t v);
/* Add (or replace, keeping its key) a named file; names are at most 55 characters. */
void fw_cfg_add_file(FWCfgState *s, const char *name, const void *data, size_t len);
/* Contents of an item or file (for tests and table builders); NULL if absent. Owned by
 * the device: valid until the item is replaced or the board destroyed. */
const uint8_t *fw_cfg_get_bytes(FWCfgState *s, uint16_t key, size_t *len);
const uint8_t *fw_cfg_get_file(FWCfgState *s, const char *name, size_t *len);
/* Add a range to "etc/e820" (the RAM below 4 GiB and the standard PC holes are there
 * from the start). */
void fw_cfg_add_e820(FWCfgState *s, uint64_t addr, uint64_t len, uint32_t type);

/* hw/acpi/acpi-build.c: what the ACPI tables describe. */
typedef struct AcpiBuildConfig {
    int smp;
    uint64_t ram_size;
    uint16_t pm_base;     /* PIIX4 PM I/O base the firmware programs (SeaBIOS: 0x600) */
    bool ioapic;          /* an I/O APIC at 0xFEC00000 (MADT entry, APIC-mode _PRT) */
    uint8_t ioapic_id;
    bool hpet;            /* an HPET at 0xFED00000 (HPET table) */
} AcpiBuildConfig;

/* Build the ACPI tables ("etc/acpi/tables", "etc/acpi/rsdp", "etc/table-loader") and the
 * SMBIOS tables ("etc/smbios/smbios-tables", "etc/smbios/smbios-anchor") into s. */
void acpi_build(FWCfgState *s, const AcpiBuildConfig *cfg);
void smbios_build(FWCfgState *s, const AcpiBuildConfig *cfg);

/* BIOS linker/loader command layout ("etc/table-loader": 128-byte little-endian entries). */
#define BIOS_LINKER_ENTRY_SIZE 128
#define BIOS_LINKER_ALLOCATE 1
#define BIOS_LINKER_ADD_POINTER 2
#define BIOS_LINKER_ADD_CHECKSUM 3
#define BIOS_LINKER_ZONE_HIGH 1
#define BIOS_LINKER_ZONE_FSEG 2

#endif
