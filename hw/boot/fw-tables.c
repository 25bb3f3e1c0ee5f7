/*
 * Firmware tables for the direct boots: x86pc plays the firmware's part of the BIOS
 * linker/loader ("etc/table-loader" in fw_cfg, hw/acpi/acpi-build.c), so an OS booted
 * without firmware finds the same ACPI tables (MADT: CPUs, I/O APIC, overrides; HPET;
 * DSDT) as under SeaBIOS.
 *
 * Placement: files for the high zone go to the top BOOT_TABLES_SIZE bytes of RAM (which the
 * direct-boot E820 map reserves); files for the F-segment zone (the RSDP) go to the EBDA at
 * 0x9FC00, whose segment is stored in the BIOS data area at 0x40E, the first place an OS
 * searches for the RSDP (the F segment itself is the firmware ROM here).
 * Commands: ALLOCATE, ADD_POINTER, ADD_CHECKSUM; others are logged and skipped.
 */
#include <stdlib.h>

#include "hw/boot/boot.h"
#include "hw/nvram/fw_cfg.h"
#include "util/log.h"

#define EBDA_ADDR 0x9fc00u
#define EBDA_SIZE 0x400u
#define MAX_BLOBS 8

typedef struct Blob {
    char name[FW_CFG_FILE_NAME_LEN];
    uint8_t *data;
    uint32_t size, addr;
} Blob;

static Blob *find_blob(Blob *b, int n, const uint8_t *name)
{
    for (int i = 0; i < n; i++) {
        if (strncmp(b[i].name, (const char *)name, FW_CFG_FILE_NAME_LEN) == 0) {
            return &b[i];
        }
    }
    log_mask_printf(LOG_GUEST_ERRORS, "boot: table-loader names unknown file %.56s\n",
                    (const char *)name);
    return NULL;
}

uint32_t boot_load_fw_tables(struct FWCfgState *fw, MemoryMap *mem, uint64_t ram_size)
{
    Blob blobs[MAX_BLOBS];
    int nb = 0;
    size_t loader_len, len;
    const uint8_t *loader;
    uint32_t high = (uint32_t)ram_size, high_floor = (uint32_t)ram_size - BOOT_TABLES_SIZE;
    uint32_t fseg = EBDA_ADDR, rsdp = 0;
    uint8_t bda[2];

    if (!fw || !(loader = fw_cfg_get_file(fw, "etc/table-loader", &loader_len))) {
        return 0;
    }
    for (size_t off = 0; off + BIOS_LINKER_ENTRY_SIZE <= loader_len;
         off += BIOS_LINKER_ENTRY_SIZE) {
        const uint8_t *e = loader + off;
        Blob *d, *s;

        switch (ldl_le_p(e)) {
        case BIOS_LINKER_ALLOCATE: {
            uint32_t align = MAX(ldl_le_p(e + 60), 1u);
            const uint8_t *src;

            if (nb == MAX_BLOBS) {
                fatal("firmware tables: too many files in etc/table-loader");
            }
            d = &blobs[nb++];
            snprintf(d->name, sizeof(d->name), "%.55s", (const char *)e + 4);
            src = fw_cfg_get_file(fw, d->name, &len);
            d->size = (uint32_t)len;
            d->data = xzalloc(len ? len : 1);
            if (src) {
                memcpy(d->data, src, len);
            }
            if (e[64] == BIOS_LINKER_ZONE_FSEG) {
                fseg = (fseg + align - 1) & ~(align - 1);
                d->addr = fseg;
                fseg += d->size;
                if (fseg > EBDA_ADDR + EBDA_SIZE) {
                    fatal("firmware tables: %s does not fit in the EBDA", d->name);
                }
            } else {
                if (d->size > high - high_floor) {
                    fatal("firmware tables: %s does not fit in %u KiB", d->name,
                          BOOT_TABLES_SIZE >> 10);
                }
                high = (high - d->size) & ~(align - 1);
                if (high < high_floor) {
                    fatal("firmware tables: %s does not fit in %u KiB", d->name,
                          BOOT_TABLES_SIZE >> 10);
                }
                d->addr = high;
            }
            if (strcmp(d->name, "etc/acpi/rsdp") == 0) {
                rsdp = d->addr;
            }
            break;
        }
        case BIOS_LINKER_ADD_POINTER: {
            uint32_t where = ldl_le_p(e + 116);
            unsigned size = e[120];
            uint64_t v = 0;

            d = find_blob(blobs, nb, e + 4);
            s = find_blob(blobs, nb, e + 60);
            if (!d || !s || (size != 1 && size != 2 && size != 4 && size != 8) ||
                where > d->size || size > d->size - where) {
                break;
            }
            for (unsigned i = 0; i < size; i++) {
                v |= (uint64_t)d->data[where + i] << (8 * i);
            }
            v += s->addr;
            for (unsigned i = 0; i < size; i++) {
                d->data[where + i] = (uint8_t)(v >> (8 * i));
            }
            break;
        }
        case BIOS_LINKER_ADD_CHECKSUM: {
            uint32_t where = ldl_le_p(e + 60), start = ldl_le_p(e + 64), n = ldl_le_p(e + 68);
            uint8_t sum = 0;

            d = find_blob(blobs, nb, e + 4);
            if (!d || where >= d->size || start > d->size || n > d->size - start) {
                break;
            }
            for (uint32_t i = 0; i < n; i++) {
                sum = (uint8_t)(sum + d->data[start + i]);
            }
            d->data[where] = (uint8_t)(d->data[where] - sum);
            break;
        }
        default:
            log_mask_printf(LOG_UNIMP, "boot: table-loader command %u skipped\n", ldl_le_p(e));
            break;
        }
    }
    for (int i = 0; i < nb; i++) {
        boot_write(mem, blobs[i].addr, blobs[i].data, blobs[i].size);
        free(blobs[i].data);
    }
    stw_le_p(bda, EBDA_ADDR >> 4);
    boot_write(mem, 0x40e, bda, sizeof(bda));
    return rsdp;
}
