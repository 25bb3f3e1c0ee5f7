/*
 * The PC's E820 memory map, one function for every consumer: the Linux zero page and the
 * Multiboot memory map of the direct boots, and fw_cfg's etc/e820 for the firmware.
 */
#include "hw/boot/boot.h"
#include "hw/intc/apic.h"

static int e820_add(E820Entry *e, int n, uint64_t addr, uint64_t size, uint32_t type)
{
    if (n < E820_MAX_ENTRIES && size) {
        e[n] = (E820Entry){addr, size, type};
        n++;
    }
    return n;
}

int pc_e820_table(uint64_t ram_size, bool for_firmware, E820Entry *e)
{
    int n = 0;

    if (for_firmware) {
        return e820_add(e, n, 0, ram_size, E820_RAM);
    }
    /* Direct boots need ram_size >= 2 MiB (pc.c); ram_size <= 0xE0000000. */
    if (ram_size < 0x100000 + BOOT_TABLES_SIZE) {
        return e820_add(e, n, 0, MIN(ram_size, 0x9fc00), E820_RAM);
    }
    n = e820_add(e, n, 0, 0x9fc00, E820_RAM);
    n = e820_add(e, n, 0x9fc00, 0x400, E820_RESERVED);
    n = e820_add(e, n, 0xf0000, 0x10000, E820_RESERVED);
    n = e820_add(e, n, 0x100000, ram_size - 0x100000 - BOOT_TABLES_SIZE, E820_RAM);
    n = e820_add(e, n, ram_size - BOOT_TABLES_SIZE, BOOT_TABLES_SIZE, E820_RESERVED);
    n = e820_add(e, n, IOAPIC_BASE, 0x1000, E820_RESERVED);
    n = e820_add(e, n, HPET_BASE, 0x400, E820_RESERVED);
    n = e820_add(e, n, APIC_DEFAULT_BASE, 0x1000, E820_RESERVED);
    n = e820_add(e, n, 0xfffc0000u, 0x40000, E820_RESERVED);
    return n;
}

void e820_entry_pack(const E820Entry *e, uint8_t out[E820_ENTRY_SIZE])
{
    stq_le_p(out, e->addr);
    stq_le_p(out + 8, e->size);
    stl_le_p(out + 16, e->type);
}
