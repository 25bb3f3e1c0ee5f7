/*
 * Multiboot v1 kernels (-kernel with the 0x1BADB002 header in its first 8 KiB), always
 * loaded directly, without firmware.
 *
 * Image: with header flag 16 the a.out-kludge addresses (header_addr, load_addr,
 * load_end_addr, bss_end_addr, entry_addr) say what to load where; otherwise the file must
 * be a 32-bit i386 ELF executable whose PT_LOAD segments are loaded at their physical
 * addresses (p_paddr), the rest of p_memsz zeroed, entry e_entry.
 * Modules (-initrd "FILE ARGS,FILE2"): each loaded page aligned after the kernel, with the
 * whole text as its string. The kernel's command line is "KERNEL-PATH APPEND", as GRUB and
 * QEMU pass it.
 * Information structure at BOOT_INFO_ADDR: flags MEMORY | CMDLINE | MODS | MMAP |
 * LOADER_NAME; mem_lower = 640, mem_upper = KiB above 1 MiB; the memory map is the E820 map
 * (pc_e820_table). No boot device, no video mode (header flag 2 is ignored, logged).
 * Entry (spec section 3.2): EAX = 0x2BADB002, EBX = information structure, flat 32-bit
 * protected mode, paging and interrupts off, A20 on.
 */
#include <stdlib.h>

#include "hw/boot/boot.h"
#include "util/log.h"

#define MB_MAGIC 0x1badb002u
#define MB_BOOT_MAGIC 0x2badb002u
#define MB_SEARCH 8192
#define MB_FLAG_PAGE_ALIGN (1u << 0)
#define MB_FLAG_MEMINFO (1u << 1)
#define MB_FLAG_VIDEO (1u << 2)
#define MB_FLAG_AOUT_KLUDGE (1u << 16)

/* multiboot_info flags */
#define MBI_MEMORY (1u << 0)
#define MBI_CMDLINE (1u << 2)
#define MBI_MODS (1u << 3)
#define MBI_MMAP (1u << 6)
#define MBI_LOADER_NAME (1u << 9)
#define MBI_SIZE 88

#define MB_MAX_MODULES 32
#define MB_MAX_SEGMENTS 16

typedef struct MBSegment {
    uint32_t paddr, filesz, memsz, offset;
} MBSegment;

typedef struct MBModule {
    uint8_t *data;
    uint32_t size, addr;
    char *string;
} MBModule;

struct MultibootImage {
    uint8_t *image;
    uint32_t size;
    MBSegment seg[MB_MAX_SEGMENTS];
    int nb_seg;
    uint32_t entry;
    MBModule mod[MB_MAX_MODULES];
    int nb_mod;
    char *cmdline;
    uint64_t ram_size;
};

static int64_t mb_find_header(const uint8_t *image, uint32_t size)
{
    for (uint32_t off = 0; off + 12 <= MIN(size, (uint32_t)MB_SEARCH); off += 4) {
        uint32_t magic = ldl_le_p(image + off), flags = ldl_le_p(image + off + 4);

        if (magic == MB_MAGIC && magic + flags + ldl_le_p(image + off + 8) == 0) {
            return off;
        }
    }
    return -1;
}

bool multiboot_probe(const uint8_t *image, uint32_t size)
{
    return mb_find_header(image, size) >= 0;
}

static void mb_check_range(MultibootImage *mb, uint64_t addr, uint64_t len, const char *what)
{
    if (addr < BOOT_CMDLINE_ADDR + BOOT_CMDLINE_MAX && addr + len > BOOT_GDT_ADDR) {
        fatal("-kernel: Multiboot %s at 0x%llx-0x%llx overlaps low memory used by the loader "
              "(0x%x-0x%x)", what, (unsigned long long)addr, (unsigned long long)(addr + len),
              BOOT_GDT_ADDR, BOOT_CMDLINE_ADDR + BOOT_CMDLINE_MAX);
    }
    if (addr + len > mb->ram_size - BOOT_TABLES_SIZE) {
        fatal("-kernel: Multiboot %s at 0x%llx-0x%llx is outside the %llu MiB of RAM", what,
              (unsigned long long)addr, (unsigned long long)(addr + len),
              (unsigned long long)(mb->ram_size >> 20));
    }
}

static void mb_parse_aout(MultibootImage *mb, uint32_t hdr_off)
{
    const uint8_t *h = mb->image + hdr_off;
    uint32_t header_addr, load_addr, load_end, bss_end, file_off, filesz;

    if (hdr_off + 32 > mb->size) {
        fatal("-kernel: truncated Multiboot header");
    }
    header_addr = ldl_le_p(h + 12);
    load_addr = ldl_le_p(h + 16);
    load_end = ldl_le_p(h + 20);
    bss_end = ldl_le_p(h + 24);
    mb->entry = ldl_le_p(h + 28);
    if (load_addr > header_addr || header_addr - load_addr > hdr_off) {
        fatal("-kernel: Multiboot load_addr 0x%x / header_addr 0x%x do not match the file",
              load_addr, header_addr);
    }
    file_off = hdr_off - (header_addr - load_addr);
    filesz = load_end ? load_end - load_addr : mb->size - file_off;
    if (load_end && load_end < load_addr) {
        fatal("-kernel: Multiboot load_end_addr below load_addr");
    }
    if ((uint64_t)file_off + filesz > mb->size) {
        fatal("-kernel: Multiboot image is shorter than load_end_addr says");
    }
    mb->seg[0] = (MBSegment){load_addr, filesz, filesz, file_off};
    if (bss_end) {
        if (bss_end < load_addr + filesz) {
            fatal("-kernel: Multiboot bss_end_addr below the end of the loaded image");
        }
        mb->seg[0].memsz = bss_end - load_addr;
    }
    mb->nb_seg = 1;
}

static void mb_parse_elf(MultibootImage *mb)
{
    const uint8_t *e = mb->image;
    uint32_t phoff, phentsize, phnum;

    if (mb->size < 52 || memcmp(e, "\177ELF", 4) != 0) {
        fatal("-kernel: Multiboot kernel is not ELF and has no a.out-kludge addresses (flag 16)");
    }
    if (e[4] != 1 || e[5] != 1 || lduw_le_p(e + 18) != 3 /* EM_386 */) {
        fatal("-kernel: Multiboot ELF kernel must be 32-bit little-endian i386");
    }
    mb->entry = ldl_le_p(e + 24);
    phoff = ldl_le_p(e + 28);
    phentsize = lduw_le_p(e + 42);
    phnum = lduw_le_p(e + 44);
    if (phentsize < 32 || (uint64_t)phoff + (uint64_t)phnum * phentsize > mb->size) {
        fatal("-kernel: Multiboot ELF program headers are truncated");
    }
    for (uint32_t i = 0; i < phnum; i++) {
        const uint8_t *ph = e + phoff + i * phentsize;
        MBSegment s;

        if (ldl_le_p(ph) != 1 /* PT_LOAD */) {
            continue;
        }
        s.offset = ldl_le_p(ph + 4);
        s.paddr = ldl_le_p(ph + 12);
        s.filesz = ldl_le_p(ph + 16);
        s.memsz = ldl_le_p(ph + 20);
        if (s.filesz > s.memsz || (uint64_t)s.offset + s.filesz > mb->size) {
            fatal("-kernel: Multiboot ELF segment %u is truncated", i);
        }
        if (mb->nb_seg == MB_MAX_SEGMENTS) {
            fatal("-kernel: Multiboot ELF has more than %d PT_LOAD segments", MB_MAX_SEGMENTS);
        }
        mb->seg[mb->nb_seg++] = s;
    }
    if (mb->nb_seg == 0) {
        fatal("-kernel: Multiboot ELF has no PT_LOAD segment");
    }
}

MultibootImage *multiboot_open(const char *kernel, uint8_t *image, uint32_t size,
                               const char *initrd, const char *cmdline, uint64_t ram_size)
{
    MultibootImage *mb = xzalloc(sizeof(*mb));
    int64_t hdr_off = mb_find_header(image, size);
    uint32_t flags;
    uint64_t end = 0;
    size_t len;

    mb->image = image;
    mb->size = size;
    mb->ram_size = ram_size;
    if (hdr_off < 0) {
        fatal("-kernel: no Multiboot header");
    }
    flags = ldl_le_p(image + hdr_off + 4);
    if (flags & 0xfff8u) {
        fatal("-kernel: Multiboot header requires unknown features (flags 0x%x)", flags);
    }
    if (flags & MB_FLAG_VIDEO) {
        log_mask_printf(LOG_UNIMP, "multiboot: video mode request ignored\n");
    }
    if (flags & MB_FLAG_AOUT_KLUDGE) {
        mb_parse_aout(mb, (uint32_t)hdr_off);
    } else {
        mb_parse_elf(mb);
    }
    for (int i = 0; i < mb->nb_seg; i++) {
        mb_check_range(mb, mb->seg[i].paddr, mb->seg[i].memsz, "segment");
        end = MAX(end, (uint64_t)mb->seg[i].paddr + mb->seg[i].memsz);
    }

    len = strlen(kernel) + 1 + (cmdline ? strlen(cmdline) : 0) + 1;
    mb->cmdline = xmalloc(len);
    snprintf(mb->cmdline, len, "%s%s%s", kernel, cmdline && *cmdline ? " " : "",
             cmdline ? cmdline : "");

    /* Modules: "FILE ARGS,FILE2 ARGS2"; each page aligned after the kernel. */
    if (initrd && *initrd) {
        char *list = xstrdup(initrd), *save = NULL;

        for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            MBModule *m;
            char *path;
            size_t plen = strcspn(tok, " ");

            if (mb->nb_mod == MB_MAX_MODULES) {
                fatal("-initrd: more than %d Multiboot modules", MB_MAX_MODULES);
            }
            m = &mb->mod[mb->nb_mod++];
            path = xmalloc(plen + 1);
            memcpy(path, tok, plen);
            path[plen] = 0;
            m->data = boot_read_file("-initrd", path, ram_size, &m->size);
            free(path);
            m->string = xstrdup(tok);
            end = (end + 0xfff) & ~0xfffull;
            m->addr = (uint32_t)end;
            mb_check_range(mb, end, m->size, "module");
            end += m->size;
        }
        free(list);
    }
    return mb;
}

void multiboot_free(MultibootImage *mb)
{
    if (!mb) {
        return;
    }
    for (int i = 0; i < mb->nb_mod; i++) {
        free(mb->mod[i].data);
        free(mb->mod[i].string);
    }
    free(mb->image);
    free(mb->cmdline);
    free(mb);
}

/* Append a string to the information area; returns its guest address. */
static uint32_t mbi_put_string(uint8_t *info, uint32_t *used, const char *str)
{
    size_t len = strlen(str) + 1;
    uint32_t addr = BOOT_INFO_ADDR + *used;

    if (*used + len > BOOT_INFO_MAX) {
        fatal("-kernel: Multiboot command lines do not fit in %u KiB", BOOT_INFO_MAX >> 10);
    }
    memcpy(info + *used, str, len);
    *used += (uint32_t)len;
    return addr;
}

void multiboot_setup(MultibootImage *mb, MemoryMap *mem, X86CPU *bsp)
{
    uint8_t *info = xzalloc(BOOT_INFO_MAX);
    uint32_t used = MBI_SIZE, mods_addr, mmap_addr;
    E820Entry e820[E820_MAX_ENTRIES];
    int n = pc_e820_table(mb->ram_size, false, e820);

    for (int i = 0; i < mb->nb_seg; i++) {
        const MBSegment *s = &mb->seg[i];

        boot_write(mem, s->paddr, mb->image + s->offset, s->filesz);
        boot_zero(mem, (uint64_t)s->paddr + s->filesz, s->memsz - s->filesz);
    }
    /* Memory map: entries of {u32 size = 20, u64 base, u64 length, u32 type}. */
    mmap_addr = BOOT_INFO_ADDR + used;
    for (int i = 0; i < n; i++) {
        stl_le_p(info + used, E820_ENTRY_SIZE);
        e820_entry_pack(&e820[i], info + used + 4);
        used += 4 + E820_ENTRY_SIZE;
    }
    stl_le_p(info + 44, (uint32_t)n * (4 + E820_ENTRY_SIZE)); /* mmap_length */
    stl_le_p(info + 48, mmap_addr);
    /* Modules: {u32 mod_start, mod_end, string, reserved}. */
    mods_addr = BOOT_INFO_ADDR + used;
    used += (uint32_t)mb->nb_mod * 16;
    for (int i = 0; i < mb->nb_mod; i++) {
        MBModule *m = &mb->mod[i];
        uint8_t *d = info + (mods_addr - BOOT_INFO_ADDR) + i * 16;

        boot_write(mem, m->addr, m->data, m->size);
        stl_le_p(d, m->addr);
        stl_le_p(d + 4, m->addr + m->size);
        stl_le_p(d + 8, mbi_put_string(info, &used, m->string));
        stl_le_p(d + 12, 0);
    }
    stl_le_p(info + 20, (uint32_t)mb->nb_mod);
    stl_le_p(info + 24, mods_addr);
    stl_le_p(info + 0, MBI_MEMORY | MBI_CMDLINE | MBI_MODS | MBI_MMAP | MBI_LOADER_NAME);
    stl_le_p(info + 4, 640);                                           /* mem_lower */
    stl_le_p(info + 8, (uint32_t)((mb->ram_size - 0x100000 - BOOT_TABLES_SIZE) >> 10));
    stl_le_p(info + 16, mbi_put_string(info, &used, mb->cmdline));
    stl_le_p(info + 64, mbi_put_string(info, &used, "x86pc"));        /* boot_loader_name */
    boot_write(mem, BOOT_INFO_ADDR, info, used);
    free(info);
    boot_enter_flat32(bsp, mem, mb->entry, MB_BOOT_MAGIC, BOOT_INFO_ADDR, 0);
}
