/*
 * Linux bzImage loading per the x86 boot protocol (Documentation/arch/x86/boot.rst).
 *
 * The file is the real-mode setup ((setup_sects + 1) * 512 bytes, the setup header at
 * 0x1F1 with "HdrS" at 0x202) followed by the protected-mode kernel. Protocol 2.02 or later
 * with LOADED_HIGH (a bzImage) is required: older images and zImages are refused.
 *
 * Direct boot (linux_setup, no firmware): the protected-mode kernel is loaded at 1 MiB,
 * the initrd as high as both RAM and the header's initrd_addr_max allow (4 KiB aligned),
 * the command line at BOOT_CMDLINE_ADDR, and a zero page (struct boot_params) at
 * BOOT_INFO_ADDR holding a copy of the setup header with the loader's fields filled in,
 * the E820 map, the memory sizes and an empty screen_info (no VGA text console: the kernel
 * uses the serial console given with console=ttyS0). The BSP enters the 32-bit boot
 * protocol at code32_start: flat __BOOT_CS/__BOOT_DS, paging and interrupts off,
 * ESI = zero page, EBP = EDI = EBX = 0.
 *
 * Firmware boot (linux_fw_blobs): the same header fields are patched into the setup code
 * for a load at LINUX_FW_SETUP_ADDR; our option ROM (bios/linuxboot.asm) copies the blobs
 * from fw_cfg and enters the 16-bit setup code.
 */
#include <stdlib.h>

#include "hw/boot/boot.h"
#include "util/log.h"

/* Setup header offsets (in the file and in struct boot_params). */
#define HDR_SETUP_SECTS 0x1f1
#define HDR_VID_MODE 0x1fa
#define HDR_JUMP 0x200
#define HDR_MAGIC 0x202
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_CODE32_START 0x214
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21c
#define HDR_HEAP_END_PTR 0x224
#define HDR_CMD_LINE_PTR 0x228
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_CMDLINE_SIZE 0x238
#define HDR_SETUP_DATA 0x250
#define HDR_END_MAX 0x290

/* struct boot_params fields outside the setup header */
#define BP_EXT_MEM_K 0x002      /* screen_info.ext_mem_k */
#define BP_ACPI_RSDP_ADDR 0x070
#define BP_ALT_MEM_K 0x1e0
#define BP_E820_ENTRIES 0x1e8
#define BP_E820_TABLE 0x2d0
#define BP_SIZE 4096

#define LOADED_HIGH 0x01
#define CAN_USE_HEAP 0x80
#define LOADER_TYPE_UNDEFINED 0xff /* boot.rst: a loader without an assigned ID */
#define KERNEL_ADDR 0x100000u
#define RAM_TOP_RESERVE 0x100000u

struct LinuxImage {
    uint8_t *image;
    uint32_t size;
    uint32_t setup_size;     /* real-mode part, including the boot sector */
    uint16_t version;
    uint8_t *initrd;
    uint32_t initrd_size;
    uint32_t initrd_addr;
    char *cmdline;
    uint32_t cmdline_max;    /* bytes including the NUL */
    uint32_t hdr_end;        /* end of the setup header in the file */
    uint64_t ram_size;
    uint8_t *fw_setup;       /* linux_fw_blobs(): patched copy of the setup code */
};

/* Fill in the loader's fields of a setup header (hdr = offset 0 of the boot sector). */
static void linux_fill_header(LinuxImage *li, uint8_t *hdr, uint32_t cmdline_addr)
{
    hdr[HDR_TYPE_OF_LOADER] = LOADER_TYPE_UNDEFINED;
    stl_le_p(hdr + HDR_CMD_LINE_PTR, cmdline_addr);
    stl_le_p(hdr + HDR_RAMDISK_IMAGE, li->initrd_size ? li->initrd_addr : 0);
    stl_le_p(hdr + HDR_RAMDISK_SIZE, li->initrd_size);
    stl_le_p(hdr + HDR_CODE32_START, KERNEL_ADDR);
    stw_le_p(hdr + HDR_VID_MODE, 0xffff); /* "normal" */
    if (li->version >= 0x0209) {
        stq_le_p(hdr + HDR_SETUP_DATA, 0);
    }
}

LinuxImage *linux_open(uint8_t *image, uint32_t size, const char *initrd,
                       const char *cmdline, uint64_t ram_size)
{
    LinuxImage *li = xzalloc(sizeof(*li));
    uint32_t setup_sects, addr_max, kernel_size;
    uint64_t top;

    li->image = image;
    li->size = size;
    li->ram_size = ram_size;
    if (size < 0x400 || ldl_le_p(image + HDR_MAGIC) != 0x53726448u /* "HdrS" */) {
        fatal("-kernel: not a Linux bzImage nor a Multiboot kernel (no \"HdrS\" header)");
    }
    li->version = lduw_le_p(image + HDR_VERSION);
    if (li->version < 0x0202 || !(image[HDR_LOADFLAGS] & LOADED_HIGH)) {
        fatal("-kernel: Linux boot protocol %u.%02u %s is not supported (need a bzImage, "
              "protocol 2.02 or later)", li->version >> 8, li->version & 0xff,
              (image[HDR_LOADFLAGS] & LOADED_HIGH) ? "" : "zImage");
    }
    setup_sects = image[HDR_SETUP_SECTS] ? image[HDR_SETUP_SECTS] : 4;
    li->setup_size = (setup_sects + 1) * 512;
    if (li->setup_size >= size) {
        fatal("-kernel: truncated bzImage (setup is %u bytes of %u)", li->setup_size, size);
    }
    kernel_size = size - li->setup_size;
    li->hdr_end = MIN(HDR_JUMP + 2u + image[HDR_JUMP + 1], (uint32_t)HDR_END_MAX);

    li->cmdline_max = li->version >= 0x0206 ? ldl_le_p(image + HDR_CMDLINE_SIZE) + 1 : 256;
    li->cmdline_max = MIN(li->cmdline_max, BOOT_CMDLINE_MAX);
    li->cmdline = xstrdup(cmdline ? cmdline : "");
    if (strlen(li->cmdline) + 1 > li->cmdline_max) {
        warn("-append: command line truncated to %u bytes (the kernel's cmdline_size)",
             li->cmdline_max - 1);
        li->cmdline[li->cmdline_max - 1] = 0;
    }

    if (KERNEL_ADDR + (uint64_t)kernel_size > ram_size) {
        fatal("-kernel: the kernel (%u bytes) does not fit in %llu MiB of RAM", kernel_size,
              (unsigned long long)(ram_size >> 20));
    }
    if (initrd) {
        li->initrd = boot_read_file("-initrd", initrd, ram_size, &li->initrd_size);
        addr_max = li->version >= 0x0203 ? ldl_le_p(image + HDR_INITRD_ADDR_MAX) : 0x37ffffffu;
        /* The top 1 MiB of RAM stays free for firmware tables (SeaBIOS's high zone, ACPI). */
        top = MIN((uint64_t)addr_max + 1, ram_size - MIN(ram_size / 2, RAM_TOP_RESERVE));
        if (li->initrd_size > top ||
            ((top - li->initrd_size) & ~0xfffull) < KERNEL_ADDR + (uint64_t)kernel_size) {
            fatal("-initrd: %u bytes do not fit between the kernel and 0x%llx", li->initrd_size,
                  (unsigned long long)top);
        }
        li->initrd_addr = (uint32_t)((top - li->initrd_size) & ~0xfffull);
    }
    return li;
}

void linux_free(LinuxImage *li)
{
    if (!li) {
        return;
    }
    free(li->image);
    free(li->initrd);
    free(li->cmdline);
    free(li->fw_setup);
    free(li);
}

void linux_setup(LinuxImage *li, MemoryMap *mem, X86CPU *bsp, uint32_t rsdp)
{
    uint8_t *bp = xzalloc(BP_SIZE);
    E820Entry e820[E820_MAX_ENTRIES];
    int n = pc_e820_table(li->ram_size, false, e820);
    uint64_t ext_k = (li->ram_size - 0x100000 - BOOT_TABLES_SIZE) >> 10;

    /* The zero page: the file's setup header, then what the loader fills in. */
    memcpy(bp + HDR_SETUP_SECTS, li->image + HDR_SETUP_SECTS, li->hdr_end - HDR_SETUP_SECTS);
    linux_fill_header(li, bp, BOOT_CMDLINE_ADDR);
    bp[HDR_LOADFLAGS] &= (uint8_t)~CAN_USE_HEAP; /* no real-mode setup code runs */
    stw_le_p(bp + BP_EXT_MEM_K, (uint16_t)MIN(ext_k, 0xfc00));
    stl_le_p(bp + BP_ALT_MEM_K, (uint32_t)ext_k);
    if (li->version >= 0x020e) {
        stq_le_p(bp + BP_ACPI_RSDP_ADDR, rsdp);
    }
    bp[BP_E820_ENTRIES] = (uint8_t)n;
    for (int i = 0; i < n; i++) {
        e820_entry_pack(&e820[i], bp + BP_E820_TABLE + i * E820_ENTRY_SIZE);
    }

    boot_write(mem, KERNEL_ADDR, li->image + li->setup_size, li->size - li->setup_size);
    if (li->initrd_size) {
        boot_write(mem, li->initrd_addr, li->initrd, li->initrd_size);
    }
    boot_write(mem, BOOT_CMDLINE_ADDR, li->cmdline, strlen(li->cmdline) + 1);
    boot_write(mem, BOOT_INFO_ADDR, bp, BP_SIZE);
    free(bp);
    boot_enter_flat32(bsp, mem, KERNEL_ADDR, 0, 0, BOOT_INFO_ADDR);
}

void linux_fw_blobs(LinuxImage *li, const uint8_t **setup, uint32_t *setup_size,
                    const uint8_t **kernel, uint32_t *kernel_size, const uint8_t **initrd,
                    uint32_t *initrd_size, uint32_t *initrd_addr, const char **cmdline)
{
    if (!li->fw_setup) {
        li->fw_setup = xmalloc(li->setup_size);
        memcpy(li->fw_setup, li->image, li->setup_size);
        linux_fill_header(li, li->fw_setup, LINUX_FW_CMDLINE_ADDR);
        /* The 16-bit setup code may use a heap up to 0xFE00 within its 64 KiB segment;
         * the option ROM sets SS:SP to the top of that segment. */
        li->fw_setup[HDR_LOADFLAGS] |= CAN_USE_HEAP;
        stw_le_p(li->fw_setup + HDR_HEAP_END_PTR, 0xfe00 - 0x200);
    }
    *setup = li->fw_setup;
    *setup_size = li->setup_size;
    *kernel = li->image + li->setup_size;
    *kernel_size = li->size - li->setup_size;
    *initrd = li->initrd;
    *initrd_size = li->initrd_size;
    *initrd_addr = li->initrd_addr;
    *cmdline = li->cmdline;
}
