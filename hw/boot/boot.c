/*
 * Helpers shared by the direct kernel boots: reading the user's files, writing guest RAM,
 * and entering flat 32-bit protected mode as the Linux 32-bit boot protocol and the
 * Multiboot specification both require.
 */
#include "hw/boot/boot.h"

#include <errno.h>
#include <stdlib.h>

#include "util/log.h"

uint8_t *boot_read_file(const char *what, const char *path, uint64_t max, uint32_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long len;

    if (!f) {
        fatal("%s: cannot open %s: %s", what, path, strerror(errno));
    }
    if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fatal("%s: cannot read %s", what, path);
    }
    if ((uint64_t)len > max) {
        fatal("%s: %s is too large (%ld bytes, at most %llu fit in RAM)", what, path, len,
              (unsigned long long)max);
    }
    buf = xmalloc(len ? (size_t)len : 1);
    if (len && fread(buf, 1, (size_t)len, f) != (size_t)len) {
        fatal("%s: cannot read %s", what, path);
    }
    fclose(f);
    *size = (uint32_t)len;
    return buf;
}

void boot_write(MemoryMap *mem, uint64_t paddr, const void *buf, size_t len)
{
    if (len && !mem_dma_write(mem, paddr, buf, len)) {
        fatal("-kernel: cannot load %zu bytes at 0x%llx: not RAM", len,
              (unsigned long long)paddr);
    }
}

void boot_zero(MemoryMap *mem, uint64_t paddr, uint64_t len)
{
    static const uint8_t zeros[4096];

    while (len) {
        size_t n = (size_t)MIN(len, sizeof(zeros));

        boot_write(mem, paddr, zeros, n);
        paddr += n;
        len -= n;
    }
}

void boot_enter_flat32(X86CPU *cpu, MemoryMap *mem, uint32_t eip, uint32_t eax, uint32_t ebx,
                       uint32_t esi)
{
    uint8_t gdt[32];
    static const int data_segs[] = {R_DS, R_ES, R_FS, R_GS, R_SS};

    memset(gdt, 0, sizeof(gdt));
    stq_le_p(gdt + BOOT_CS, 0x00cf9b000000ffffull); /* base 0, 4 GiB, 32-bit code, accessed */
    stq_le_p(gdt + BOOT_DS, 0x00cf93000000ffffull); /* base 0, 4 GiB, 32-bit data, accessed */
    boot_write(mem, BOOT_GDT_ADDR, gdt, sizeof(gdt));

    cpu->gdt.base = BOOT_GDT_ADDR;
    cpu->gdt.limit = sizeof(gdt) - 1;
    cpu->idt.base = 0;
    cpu->idt.limit = 0;
    cpu->cr[0] = CR0_PE | CR0_ET;
    cpu_set_eflags(cpu, EF_FIXED1);
    for (size_t i = 0; i < ARRAY_SIZE(data_segs); i++) {
        cpu_set_seg_debug(cpu, data_segs[i], BOOT_DS);
    }
    cpu_set_seg_debug(cpu, R_CS, BOOT_CS); /* last: recomputes the mode bits */
    memset(cpu->regs, 0, sizeof(cpu->regs));
    cpu->regs[R_EAX] = eax;
    cpu->regs[R_EBX] = ebx;
    cpu->regs[R_ESI] = esi;
    cpu->eip = eip;
    cpu->halted = false;
    cpu->wait_for_sipi = false;
    cpu_flush_caches(cpu);
}
