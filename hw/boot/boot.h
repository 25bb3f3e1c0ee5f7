/*
 * Booting a -kernel without firmware (hw/boot/): Linux bzImage through the 32-bit boot
 * protocol (linux.c) and Multiboot v1 images (multiboot.c), plus the PC's E820 memory map
 * (e820.c), which the firmware's fw_cfg file etc/e820 shares.
 *
 * Contract: *_open() reads and checks the files once at machine creation (a bad or missing
 * file is a configuration error: one line on stderr, exit status 1); *_setup() writes the
 * images and boot structures into guest RAM and puts the BSP at the kernel's entry, and is
 * called after every machine reset (the guest may have overwritten everything).
 *
 * Low-memory layout used by the direct boots (all below 640 KiB, never over the kernel):
 *   0x01000  GDT (null, null, __BOOT_CS 0x10 flat code, __BOOT_DS 0x18 flat data)
 *   0x10000  Linux zero page (struct boot_params) / Multiboot information and strings
 *   0x20000  Linux command line
 */
#ifndef X86PC_HW_BOOT_BOOT_H
#define X86PC_HW_BOOT_BOOT_H

#include "cpu/cpu.h"
#include "hw/core/memory.h"

#define BOOT_GDT_ADDR 0x1000u
#define BOOT_CS 0x10
#define BOOT_DS 0x18
#define BOOT_INFO_ADDR 0x10000u
#define BOOT_INFO_MAX 0x10000u
#define BOOT_CMDLINE_ADDR 0x20000u
#define BOOT_CMDLINE_MAX 0x10000u

/* ---- E820 (e820.c) ---- */

#ifndef E820_RAM /* also in hw/nvram/fw_cfg.h */
#define E820_RAM 1
#define E820_RESERVED 2
#endif
#define E820_MAX_ENTRIES 9
#define E820_ENTRY_SIZE 20 /* packed: u64 address, u64 length, u32 type (little-endian) */

typedef struct E820Entry {
    uint64_t addr, size;
    uint32_t type;
} E820Entry;

/*
 * The PC's memory map for ram_size bytes of RAM at 0. for_firmware: only the RAM, as the
 * firmware expects in fw_cfg etc/e820 (it reserves its own areas); else the full map an OS
 * gets from a boot loader: RAM 0-0x9FC00, reserved 0x9FC00-0xA0000 and 0xF0000-0x100000,
 * RAM from 1 MiB to ram_size - BOOT_TABLES_SIZE, reserved from there to ram_size (ACPI
 * tables, fw-tables.c), reserved 0xFEC00000-0xFEC01000 (I/O APIC), 0xFED00000-
 * 0xFED00400 (HPET), 0xFEE00000-0xFEE01000 (local APIC), 0xFFFC0000-4 GiB (BIOS ROM).
 * Returns the number of entries (at most E820_MAX_ENTRIES).
 */
int pc_e820_table(uint64_t ram_size, bool for_firmware, E820Entry *e);
void e820_entry_pack(const E820Entry *e, uint8_t out[E820_ENTRY_SIZE]);

/* ---- common (boot.c) ---- */

/* Whole file into a malloc'd buffer; fatal error (naming what) if unreadable or > max. */
uint8_t *boot_read_file(const char *what, const char *path, uint64_t max, uint32_t *size);
/* Copy into guest RAM (marks pages dirty, drops decoded code); fatal if not RAM. */
void boot_write(MemoryMap *mem, uint64_t paddr, const void *buf, size_t len);
void boot_zero(MemoryMap *mem, uint64_t paddr, uint64_t len);
/* Flat 32-bit protected mode at eip: the GDT at BOOT_GDT_ADDR, CS = BOOT_CS, DS/ES/FS/GS/SS
 * = BOOT_DS, CR0 = PE|ET (paging off), EFLAGS = 2 (interrupts off), the given EAX/EBX/ESI,
 * every other general register 0. */
void boot_enter_flat32(X86CPU *cpu, MemoryMap *mem, uint32_t eip, uint32_t eax, uint32_t ebx,
                       uint32_t esi);

/* ---- chipset and PCI set-up without firmware (pci-init.c) ---- */

struct Board;
/* What POST would do: PIRQ routing, PM/SMBus I/O, ELCR, BARs, interrupt lines, decoding.
 * After every reset of a directly booted machine; a board without PCI is left alone. */
void boot_pci_init(struct Board *b);

/* ---- firmware tables (fw-tables.c) ---- */

#define BOOT_TABLES_SIZE 0x20000u /* top of RAM reserved for ACPI tables in direct boots */

struct FWCfgState;
/* Run fw_cfg's "etc/table-loader" as the firmware would (ACPI tables at the top of RAM, the
 * RSDP in the EBDA); returns the RSDP's address, 0 if there are no tables. */
uint32_t boot_load_fw_tables(struct FWCfgState *fw, MemoryMap *mem, uint64_t ram_size);

/* ---- Multiboot v1 (multiboot.c) ---- */

typedef struct MultibootImage MultibootImage;

/* True if the file has a valid Multiboot header in its first 8 KiB. */
bool multiboot_probe(const uint8_t *image, uint32_t size);
/* Takes ownership of image (from boot_read_file()). initrd: comma-separated modules, each
 * "FILE[ ARGS]" (the whole text is its string). */
MultibootImage *multiboot_open(const char *kernel, uint8_t *image, uint32_t size,
                               const char *initrd, const char *cmdline, uint64_t ram_size);
void multiboot_setup(MultibootImage *mb, MemoryMap *mem, X86CPU *bsp);
/* Free the image, the modules and everything multiboot_open() allocated (NULL: no-op). */
void multiboot_free(MultibootImage *mb);

/* ---- Linux (linux.c) ---- */

typedef struct LinuxImage LinuxImage;

/* Takes ownership of image (a bzImage from boot_read_file(), boot protocol >= 2.02). */
LinuxImage *linux_open(uint8_t *image, uint32_t size, const char *initrd,
                       const char *cmdline, uint64_t ram_size);
/* Free the image, the initrd and everything linux_open() allocated (NULL: no-op). */
void linux_free(LinuxImage *li);
/* rsdp: the ACPI RSDP's address for boot_params.acpi_rsdp_addr (protocol 2.14+), or 0. */
void linux_setup(LinuxImage *li, MemoryMap *mem, X86CPU *bsp, uint32_t rsdp);

/*
 * For the firmware path (fw_cfg + bios/linuxboot.asm): the real-mode setup code with its
 * header filled in for loading at LINUX_FW_SETUP_ADDR (command line at
 * LINUX_FW_CMDLINE_ADDR, initrd at *initrd_addr), the protected-mode kernel (for 1 MiB) and
 * the initrd. Pointers stay owned by li.
 */
#define LINUX_FW_SETUP_ADDR 0x10000u
#define LINUX_FW_CMDLINE_ADDR 0x20000u
#define LINUX_FW_KERNEL_ADDR 0x100000u
void linux_fw_blobs(LinuxImage *li, const uint8_t **setup, uint32_t *setup_size,
                    const uint8_t **kernel, uint32_t *kernel_size, const uint8_t **initrd,
                    uint32_t *initrd_size, uint32_t *initrd_addr, const char **cmdline);

#endif
