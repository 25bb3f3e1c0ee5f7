/*
 * fw_cfg: signature and ID through the ports, the sorted file directory, DMA transfers
 * (select+read, skip, reads past the end, errors), the "etc/e820" contents, and the ACPI
 * and SMBIOS tables: the test runs the BIOS linker/loader commands of "etc/table-loader"
 * itself (allocating the files at fixed guest addresses, patching pointers and checksums
 * like SeaBIOS) and then checks the RSDP signature and every table's checksum and links.
 */
#include "hw-test.h"
#include "hw/nvram/fw_cfg.h"

static Board b;
static FWCfgState *fw;

static void outw(uint16_t port, uint16_t v)
{
    io_write(b.io, port, v, 2);
}

static void outl(uint16_t port, uint32_t v)
{
    io_write(b.io, port, v, 4);
}

static void read_item(uint16_t key, void *buf, size_t len)
{
    uint8_t *p = buf;

    outw(FW_CFG_PORT_SEL, key);
    for (size_t i = 0; i < len; i++) {
        p[i] = inb(&b, FW_CFG_PORT_DATA);
    }
}

static uint32_t bswap(uint32_t v)
{
    uint8_t x[4];

    stl_be_p(x, v);
    return ldl_le_p(x);
}

/* Start a DMA with the descriptor at desc (as SeaBIOS: outl(cpu_to_be32(addr), 0x518)). */
static uint32_t dma(uint64_t desc, uint32_t control, uint32_t len, uint64_t addr)
{
    uint8_t d[16];

    stl_be_p(d, control);
    stl_be_p(d + 4, len);
    stq_be_p(d + 8, addr);
    mem_dma_write(b.mem, desc, d, sizeof(d));
    outl(0x514, bswap((uint32_t)(desc >> 32)));
    outl(0x518, bswap((uint32_t)desc));
    mem_dma_read(b.mem, desc, d, 4);
    return ldl_be_p(d);
}

static void test_ports(void)
{
    char sig[5] = {0};
    uint8_t id[4], sig8[8];
    uint8_t ram_size[8];

    read_item(FW_CFG_SIGNATURE, sig, 4);
    CHECK(strcmp(sig, "QEMU") == 0, "signature %s", sig);
    read_item(FW_CFG_ID, id, 4);
    CHECK(ldl_le_p(id) == 3, "ID: traditional + DMA (%u)", ldl_le_p(id));
    read_item(FW_CFG_RAM_SIZE, ram_size, 8);
    CHECK(ldq_le_p(ram_size) == b.ram_size, "RAM size");
    read_item(FW_CFG_NB_CPUS, id, 2);
    CHECK(lduw_le_p(id) == 2, "CPU count");
    read_item(FW_CFG_SIGNATURE, sig, 4);
    CHECK(inb(&b, FW_CFG_PORT_DATA) == 0, "past the end reads 0");
    read_item(0x3fff, id, 1);
    CHECK(id[0] == 0, "unknown key reads 0");
    for (int i = 0; i < 8; i++) {
        sig8[i] = inb(&b, (uint16_t)(0x514 + i));
    }
    CHECK(memcmp(sig8, "QEMU CFG", 8) == 0, "DMA register reads the DMA signature");
}

static void test_dir(void)
{
    uint8_t cnt[4], e[64];
    uint32_t n;
    char prev[57] = "";
    bool sorted = true, sizes = true, seen_e820 = false, seen_loader = false;

    read_item(FW_CFG_FILE_DIR, cnt, 4);
    n = ldl_be_p(cnt);
    CHECK(n >= 9, "at least 9 files (%u)", n);
    for (uint32_t i = 0; i < n; i++) {
        size_t len;

        for (int j = 0; j < 64; j++) {
            e[j] = inb(&b, FW_CFG_PORT_DATA);
        }
        e[63] = 0;
        if (strcmp(prev, (char *)e + 8) >= 0) {
            sorted = false;
        }
        snprintf(prev, sizeof(prev), "%s", (char *)e + 8);
        fw_cfg_get_file(fw, prev, &len);
        if (ldl_be_p(e) != len || lduw_be_p(e + 4) != FW_CFG_FILE_FIRST + i) {
            sizes = false;
        }
        seen_e820 |= strcmp(prev, "etc/e820") == 0;
        seen_loader |= strcmp(prev, "etc/table-loader") == 0;
    }
    CHECK(sorted, "directory sorted by name");
    CHECK(sizes, "big-endian sizes and selectors match");
    CHECK(seen_e820 && seen_loader, "etc/e820 and etc/table-loader listed");
}

static void test_dma(void)
{
    uint8_t buf[64];
    uint32_t ctl;
    size_t len;
    const uint8_t *e820 = fw_cfg_get_file(fw, "etc/e820", &len);
    uint16_t key = 0;
    uint8_t cnt[4], ent[64];

    /* Find etc/e820's key through the directory. */
    read_item(FW_CFG_FILE_DIR, cnt, 4);
    for (uint32_t i = 0; i < ldl_be_p(cnt); i++) {
        for (int j = 0; j < 64; j++) {
            ent[j] = inb(&b, FW_CFG_PORT_DATA);
        }
        if (strcmp((char *)ent + 8, "etc/e820") == 0) {
            key = lduw_be_p(ent + 4);
        }
    }
    ctl = dma(0x1000, ((uint32_t)key << 16) | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ,
              (uint32_t)len, 0x2000);
    CHECK(ctl == 0, "DMA completes with control 0 (%08x)", ctl);
    mem_dma_read(b.mem, 0x2000, buf, MIN(len, sizeof(buf)));
    CHECK(memcmp(buf, e820, MIN(len, sizeof(buf))) == 0, "DMA read the e820 file into RAM");

    /* Skip, then read the rest of the signature; past the end: zeros. */
    memset(buf, 0xee, sizeof(buf));
    mem_dma_write(b.mem, 0x3000, buf, sizeof(buf));
    ctl = dma(0x1000, FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_SKIP, 2, 0);
    CHECK(ctl == 0, "skip");
    ctl = dma(0x1000, FW_CFG_DMA_CTL_READ, 4, 0x3000);
    mem_dma_read(b.mem, 0x3000, buf, 5);
    CHECK(ctl == 0 && memcmp(buf, "MU\0\0", 4) == 0 && buf[4] == 0xee,
          "skip 2 + read 4 of \"QEMU\": MU then zeros, nothing more");
    ctl = dma(0x1000, FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_WRITE, 4, 0x3000);
    CHECK(ctl == FW_CFG_DMA_CTL_ERROR, "DMA write: error bit");
    ctl = dma(0x1000, FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ, 4, 0xfff00000u);
    CHECK(ctl == FW_CFG_DMA_CTL_ERROR, "DMA outside RAM: error bit");
    /* The port interface still works after DMA. */
    read_item(FW_CFG_SIGNATURE, buf, 4);
    CHECK(memcmp(buf, "QEMU", 4) == 0, "port read after DMA");
}

/* Select-only DMA, zero-length read, a read running past RAM's end, reset, save/restore. */
static void test_dma_edges(void)
{
    uint8_t buf[8];
    uint32_t ctl;
    FWCfgState *f = fw;
    ByteBuf st = {0};
    size_t pos = 0;

    ctl = dma(0x1000, ((uint32_t)FW_CFG_NB_CPUS << 16) | FW_CFG_DMA_CTL_SELECT, 0, 0);
    CHECK(ctl == 0, "select-only DMA completes");
    CHECK(inb(&b, FW_CFG_PORT_DATA) == 2 && inb(&b, FW_CFG_PORT_DATA) == 0,
          "select-only DMA selected the CPU count");
    ctl = dma(0x1000, ((uint32_t)FW_CFG_SIGNATURE << 16) | FW_CFG_DMA_CTL_SELECT |
                          FW_CFG_DMA_CTL_READ, 0, 0x3000);
    CHECK(ctl == 0 && inb(&b, FW_CFG_PORT_DATA) == 'Q', "zero-length read moves nothing");
    /* RAM ends at 32 MiB: a read straddling the end fails with the error bit. */
    ctl = dma(0x1000, ((uint32_t)FW_CFG_SIGNATURE << 16) | FW_CFG_DMA_CTL_SELECT |
                          FW_CFG_DMA_CTL_READ, 4, b.ram_size - 2);
    CHECK(ctl == FW_CFG_DMA_CTL_ERROR, "read past the end of RAM: error (%08x)", ctl);

    /* Save/restore of the selector and offset; reset selects the signature again. */
    read_item(FW_CFG_SIGNATURE, buf, 1);
    vmstate_save(fw_cfg_device.vmsd, f, &st);
    read_item(FW_CFG_ID, buf, 2);
    CHECK(vmstate_load(fw_cfg_device.vmsd, f, st.data, st.len, &pos), "fw_cfg state loads");
    CHECK(inb(&b, FW_CFG_PORT_DATA) == 'E', "selector and offset restored");
    bytebuf_free(&st);
    outw(FW_CFG_PORT_SEL, FW_CFG_ID);
    board_reset(&b);
    CHECK(inb(&b, FW_CFG_PORT_DATA) == 'Q', "reset: signature selected at offset 0");
}

static void test_e820(void)
{
    size_t len;
    const uint8_t *e = fw_cfg_get_file(fw, "etc/e820", &len);
    static const struct {
        uint64_t addr, len;
        uint32_t type;
    } want[] = {
        {0, 0xa0000, E820_RAM},
        {0xa0000, 0x60000, E820_RESERVED},
        {0x100000, (32u << 20) - 0x100000, E820_RAM},
        {0xfec00000ull, 0x1400000ull, E820_RESERVED},
    };
    bool ok = e && len == sizeof(want) / sizeof(want[0]) * 20;

    for (size_t i = 0; ok && i < ARRAY_SIZE(want); i++) {
        ok = ldq_le_p(e + i * 20) == want[i].addr && ldq_le_p(e + i * 20 + 8) == want[i].len &&
             ldl_le_p(e + i * 20 + 16) == want[i].type;
    }
    CHECK(ok, "e820: RAM below 640K, hole reserved, RAM from 1M, 0xFEC00000+ reserved");
}

/* ---- the BIOS linker/loader, as firmware runs it, into a fake guest memory ---- */

#define GUEST_MEM 0x200000
static uint8_t guest[GUEST_MEM];

typedef struct LoadedFile {
    char name[56];
    uint32_t addr, size;
} LoadedFile;

static LoadedFile loaded[8];
static int nb_loaded;
static uint32_t next_high = 0x100000, next_fseg = 0xf0000;

static LoadedFile *find_loaded(const char *name)
{
    for (int i = 0; i < nb_loaded; i++) {
        if (strncmp(loaded[i].name, name, 56) == 0) {
            return &loaded[i];
        }
    }
    return NULL;
}

static uint8_t sum8(const uint8_t *p, size_t n)
{
    uint8_t s = 0;

    for (size_t i = 0; i < n; i++) {
        s = (uint8_t)(s + p[i]);
    }
    return s;
}

static bool run_loader(void)
{
    size_t len;
    const uint8_t *cmds = fw_cfg_get_file(fw, "etc/table-loader", &len);
    bool ok = cmds && len % 128 == 0;

    for (size_t off = 0; ok && off < len; off += 128) {
        const uint8_t *c = cmds + off;
        uint32_t cmd = ldl_le_p(c);

        if (cmd == BIOS_LINKER_ALLOCATE) {
            LoadedFile *f = &loaded[nb_loaded++];
            uint32_t align = ldl_le_p(c + 60);
            size_t flen;
            const uint8_t *data;
            uint32_t *next = c[64] == BIOS_LINKER_ZONE_FSEG ? &next_fseg : &next_high;

            memcpy(f->name, c + 4, 56);
            data = fw_cfg_get_file(fw, f->name, &flen);
            ok = data && align && !(align & (align - 1)) &&
                 (c[64] == BIOS_LINKER_ZONE_FSEG || c[64] == BIOS_LINKER_ZONE_HIGH);
            if (!ok) {
                break;
            }
            *next = (*next + align - 1) & ~(align - 1);
            f->addr = *next;
            f->size = (uint32_t)flen;
            *next += (uint32_t)flen;
            ok = f->addr + flen <= GUEST_MEM;
            if (ok) {
                memcpy(guest + f->addr, data, flen);
            }
        } else if (cmd == BIOS_LINKER_ADD_POINTER) {
            LoadedFile *dst = find_loaded((const char *)c + 4);
            LoadedFile *src = find_loaded((const char *)c + 60);
            uint32_t po = ldl_le_p(c + 116);
            uint8_t size = c[120];

            ok = dst && src && size == 4 && po + 4 <= dst->size;
            if (ok) {
                stl_le_p(guest + dst->addr + po, ldl_le_p(guest + dst->addr + po) + src->addr);
            }
        } else if (cmd == BIOS_LINKER_ADD_CHECKSUM) {
            LoadedFile *f = find_loaded((const char *)c + 4);
            uint32_t co = ldl_le_p(c + 60), start = ldl_le_p(c + 64), n = ldl_le_p(c + 68);

            ok = f && co < f->size && start + n <= f->size;
            if (ok) {
                guest[f->addr + co] = (uint8_t)(guest[f->addr + co] -
                                                sum8(guest + f->addr + start, n));
            }
        } else {
            ok = false;
        }
    }
    return ok;
}

static bool table_ok(uint32_t addr, const char *sig)
{
    uint32_t len;

    if (addr < 0x1000 || addr + 36 > GUEST_MEM || memcmp(guest + addr, sig, 4) != 0) {
        return false;
    }
    len = ldl_le_p(guest + addr + 4);
    return len >= 36 && addr + len <= GUEST_MEM && sum8(guest + addr, len) == 0;
}

static bool dsdt_has(uint32_t dsdt, const char *name)
{
    uint32_t len = ldl_le_p(guest + dsdt + 4);

    for (uint32_t i = 36; i + 4 <= len; i++) {
        if (memcmp(guest + dsdt + i, name, 4) == 0) {
            return true;
        }
    }
    return false;
}

static void test_acpi(void)
{
    LoadedFile *rsdp_f, *tables_f;
    uint32_t rsdp, rsdt, n, fadt = 0, madt = 0, hpet = 0, dsdt, facs;
    bool all_ok = true;

    CHECK(run_loader(), "linker/loader commands are well formed");
    rsdp_f = find_loaded("etc/acpi/rsdp");
    tables_f = find_loaded("etc/acpi/tables");
    CHECK(rsdp_f && tables_f, "both files allocated");
    if (!rsdp_f || !tables_f) {
        return;
    }
    rsdp = rsdp_f->addr;
    CHECK(rsdp >= 0xe0000 && rsdp < 0x100000 && rsdp % 16 == 0, "RSDP in the F segment");
    CHECK(memcmp(guest + rsdp, "RSD PTR ", 8) == 0, "RSDP signature");
    CHECK(sum8(guest + rsdp, 20) == 0, "RSDP checksum");
    rsdt = ldl_le_p(guest + rsdp + 16);
    CHECK(table_ok(rsdt, "RSDT"), "RSDT at %#x: signature and checksum", rsdt);
    n = (ldl_le_p(guest + rsdt + 4) - 36) / 4;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t t = ldl_le_p(guest + rsdt + 36 + 4 * i);

        if (table_ok(t, "FACP")) {
            fadt = t;
        } else if (table_ok(t, "APIC")) {
            madt = t;
        } else if (table_ok(t, "HPET")) {
            hpet = t;
        } else {
            all_ok = false;
        }
    }
    CHECK(all_ok && fadt && madt && hpet, "RSDT lists FADT, MADT, HPET with valid checksums");
    if (!fadt || !madt) {
        return;
    }
    facs = ldl_le_p(guest + fadt + 36);
    dsdt = ldl_le_p(guest + fadt + 40);
    CHECK(memcmp(guest + facs, "FACS", 4) == 0 && facs % 64 == 0, "FACS, 64-byte aligned");
    CHECK(table_ok(dsdt, "DSDT"), "DSDT checksum");
    CHECK(lduw_le_p(guest + fadt + 46) == 9, "SCI IRQ 9");
    CHECK(ldl_le_p(guest + fadt + 56) == 0x600 && ldl_le_p(guest + fadt + 64) == 0x604 &&
          ldl_le_p(guest + fadt + 76) == 0x608, "PM1a event/control and PM timer blocks");
    CHECK(guest[fadt + 116] == 1 && ldq_le_p(guest + fadt + 120) == 0xcf9 &&
          guest[fadt + 128] == 0x06, "reset register: 0x06 to I/O 0xCF9");
    CHECK(ldl_le_p(guest + madt + 36) == 0xfee00000u, "MADT local APIC address");
    {
        uint32_t len = ldl_le_p(guest + madt + 4), lapics = 0, ioapics = 0, isos = 0;

        for (uint32_t o = 44; o + 2 <= len && guest[madt + o + 1] >= 2;
             o += guest[madt + o + 1]) {
            uint8_t type = guest[madt + o];

            lapics += type == 0;
            ioapics += type == 1 && ldl_le_p(guest + madt + o + 4) == 0xfec00000u;
            isos += type == 2;
        }
        CHECK(lapics == 2 && ioapics == 1 && isos == 2, "MADT: %u LAPIC, %u IOAPIC, %u ISO",
              lapics, ioapics, isos);
    }
    CHECK(ldq_le_p(guest + hpet + 44) == 0xfed00000u, "HPET base");
    CHECK(dsdt_has(dsdt, "PCI0") && dsdt_has(dsdt, "_PRT") && dsdt_has(dsdt, "_S5_") &&
          dsdt_has(dsdt, "_PIC") && dsdt_has(dsdt, "LNKD"), "DSDT names");
}

static void test_smbios(void)
{
    size_t alen, tlen;
    const uint8_t *a = fw_cfg_get_file(fw, "etc/smbios/smbios-anchor", &alen);
    const uint8_t *t = fw_cfg_get_file(fw, "etc/smbios/smbios-tables", &tlen);
    size_t off = 0;
    unsigned count = 0, maxlen = 0;
    uint64_t types = 0;
    bool ended = false;

    CHECK(a && alen == 31 && memcmp(a, "_SM_", 4) == 0 && memcmp(a + 16, "_DMI_", 5) == 0,
          "SMBIOS 2.x anchor");
    if (!a || !t) {
        return;
    }
    CHECK(sum8(a, 31) == 0 && sum8(a + 16, 15) == 0, "anchor checksums");
    CHECK(lduw_le_p(a + 22) == tlen, "table length");
    while (off + 4 <= tlen && !ended) {
        size_t start = off;

        if (t[off] < 64) {
            types |= 1ull << t[off];
        }
        ended = t[off] == 127;
        off += t[off + 1];
        while (off + 1 < tlen && !(t[off] == 0 && t[off + 1] == 0)) {
            off++;
        }
        off += 2;
        maxlen = MAX(maxlen, (unsigned)(off - start));
        count++;
    }
    CHECK(ended && off == tlen, "structures end with type 127 at the end of the table");
    CHECK(count == lduw_le_p(a + 28) && maxlen == lduw_le_p(a + 8), "count %u, max size %u",
          count, maxlen);
    CHECK(types == ((1ull << 0) | (1ull << 1) | (1ull << 3) | (1ull << 4) | (1ull << 16) |
                    (1ull << 17) | (1ull << 19) | (1ull << 32)),
          "types 0 1 3 4 16 17 19 32 present (%llx)", (unsigned long long)types);
}

int main(void)
{
    AcpiBuildConfig cfg = {
        .smp = 2, .ram_size = 32u << 20, .pm_base = 0x600, .ioapic = true, .ioapic_id = 2,
        .hpet = true,
    };

    vclock_init(-1);
    board_init(&b);
    b.ram_size = 32u << 20;
    b.smp = 2;
    mem_add_ram(b.mem, "ram", 0, b.ram_size, NULL, 0);
    board_add_device(&b, &fw_cfg_device, 0);
    fw = fw_cfg_find(&b);
    CHECK(fw != NULL, "fw_cfg found");
    acpi_build(fw, &cfg);
    smbios_build(fw, &cfg);
    board_reset(&b);

    test_ports();
    test_dir();
    test_dma();
    test_dma_edges();
    test_e820();
    test_acpi();
    test_smbios();
    board_teardown(&b);
    return tests_finish();
}
