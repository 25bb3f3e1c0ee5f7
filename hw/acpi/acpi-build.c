/*
 * ACPI tables of the PC, handed to the firmware through fw_cfg the way QEMU does it:
 *   "etc/acpi/tables"  FACS, DSDT, FADT, MADT, HPET, RSDT, with pointers as offsets
 *                      into this file and checksum bytes left 0;
 *   "etc/acpi/rsdp"    the ACPI 1.0 RSDP (pointing at the RSDT as an offset);
 *   "etc/table-loader" BIOS linker/loader commands: ALLOCATE both files (the tables in
 *                      high memory, the RSDP in the F segment), ADD_POINTER to turn the
 *                      offsets into addresses, then ADD_CHECKSUM for every table.
 *
 * The DSDT is AML bytecode produced by the small builder below (no iasl needed). It holds:
 *   \PICF, \_PIC(mode)    interrupt model chosen by the OS (0 = 8259, 1 = I/O APIC)
 *   \_S5                  soft off: SLP_TYP 0 (PIIX4 encoding)
 *   \_SB.PCI0             the root bridge (PNP0A03) with its resources (_CRS) and _PRT:
 *                         slot/pin -> LNKA-D in PIC mode, -> GSI 16-19 in APIC mode, the
 *                         same swizzle as hw/pci/pci.c (pci_swizzle)
 *   \_SB.PCI0.ISA         the PIIX3 (00:01.0) with its PIRQ route registers as fields
 *   \_SB.LNKA-LNKD        PCI interrupt links (PNP0C0F) reading/writing those registers
 *   \_SB.CPxx             one Processor object per vCPU
 *   ISA devices           keyboard, mouse, RTC, COM1 (PNP IDs for OS drivers)
 * Table revisions: RSDP 0, RSDT 1, FADT 3 (for the reset register), MADT 1, DSDT 1
 * (32-bit integers).
 */
#include <stdlib.h>

#include "hw/nvram/fw_cfg.h"
#include "hw/pci/pci.h"
#include "util/log.h"

#define ACPI_OEM_ID "X86PC "
#define ACPI_CREATOR_ID "X86P"
#define ACPI_TABLES_FILE "etc/acpi/tables"
#define ACPI_RSDP_FILE "etc/acpi/rsdp"
#define ACPI_LOADER_FILE "etc/table-loader"

#define ACPI_HEADER_SIZE 36
#define LAPIC_BASE 0xfee00000u
#define IOAPIC_ADDR 0xfec00000u
#define HPET_ADDR 0xfed00000u
#define SCI_IRQ 9
#define RESET_PORT 0xcf9
#define RESET_VALUE 0x06 /* PIIX3 RCR: SRST | RCPU */

/* ---- byte buffer helpers ---- */

static void put8(ByteBuf *b, uint8_t v)
{
    bytebuf_put(b, &v, 1);
}

static void put16(ByteBuf *b, uint16_t v)
{
    uint8_t x[2];

    stw_le_p(x, v);
    bytebuf_put(b, x, 2);
}

static void put32(ByteBuf *b, uint32_t v)
{
    uint8_t x[4];

    stl_le_p(x, v);
    bytebuf_put(b, x, 4);
}

static void put64(ByteBuf *b, uint64_t v)
{
    uint8_t x[8];

    stq_le_p(x, v);
    bytebuf_put(b, x, 8);
}

static void put_str(ByteBuf *b, const char *s, size_t n)
{
    bytebuf_put(b, s, n);
}

static void put_zeros(ByteBuf *b, size_t n)
{
    while (n-- > 0) {
        put8(b, 0);
    }
}

static void put_buf(ByteBuf *b, ByteBuf *src)
{
    if (src->len) {
        bytebuf_put(b, src->data, src->len);
    }
    bytebuf_free(src);
}

/* ---- AML encoder ---- */

enum {
    AML_ZERO = 0x00, AML_ONE = 0x01, AML_NAME = 0x08, AML_BYTE = 0x0a, AML_WORD = 0x0b,
    AML_DWORD = 0x0c, AML_QWORD = 0x0e, AML_SCOPE = 0x10,
    AML_BUFFER = 0x11, AML_PACKAGE = 0x12, AML_METHOD = 0x14, AML_DUAL_NAME = 0x2e,
    AML_MULTI_NAME = 0x2f, AML_EXT = 0x5b, AML_LOCAL0 = 0x60, AML_ARG0 = 0x68,
    AML_STORE = 0x70, AML_DECREMENT = 0x76, AML_SHIFT_LEFT = 0x79, AML_AND = 0x7b,
    AML_OR = 0x7d, AML_FIND_SET_RIGHT_BIT = 0x82, AML_CREATE_WORD_FIELD = 0x8b,
    AML_LNOT = 0x92, AML_IF = 0xa0, AML_RETURN = 0xa4,
    /* after AML_EXT */
    AML_EXT_OP_REGION = 0x80, AML_EXT_FIELD = 0x81, AML_EXT_DEVICE = 0x82,
    AML_EXT_PROCESSOR = 0x83,
};

#define AML_REGION_PCI_CONFIG 0x02
#define AML_FIELD_BYTE_ACC 0x01

/* PkgLength: the length of what follows the opcode, counting the PkgLength bytes too. */
static void aml_pkglen(ByteBuf *b, size_t content)
{
    size_t total;
    int n;

    if (content + 1 < 0x40) {
        put8(b, (uint8_t)(content + 1));
        return;
    }
    for (n = 1; n < 3 && content + 1 + (size_t)n >= (1u << (4 + 8 * n)); n++) {
    }
    total = content + 1 + (size_t)n;
    put8(b, (uint8_t)((n << 6) | (total & 0x0f)));
    for (int i = 0; i < n; i++) {
        put8(b, (uint8_t)(total >> (4 + 8 * i)));
    }
}

/* A name path: optional '\\' or '^' prefixes, then dot-separated segments of up to four
 * characters, padded with '_'. */
static void aml_name(ByteBuf *b, const char *path)
{
    char segs[8][4];
    int n = 0;

    while (*path == '\\' || *path == '^') {
        put8(b, (uint8_t)*path++);
    }
    while (*path && n < 8) {
        int i = 0;

        memset(segs[n], '_', 4);
        while (*path && *path != '.') {
            if (i < 4) {
                segs[n][i++] = *path;
            }
            path++;
        }
        if (*path == '.') {
            path++;
        }
        n++;
    }
    if (n == 0) {
        put8(b, 0x00); /* NullName */
        return;
    }
    if (n == 2) {
        put8(b, AML_DUAL_NAME);
    } else if (n > 2) {
        put8(b, AML_MULTI_NAME);
        put8(b, (uint8_t)n);
    }
    for (int i = 0; i < n; i++) {
        bytebuf_put(b, segs[i], 4);
    }
}

static void aml_int(ByteBuf *b, uint64_t v)
{
    if (v == 0) {
        put8(b, AML_ZERO);
    } else if (v == 1) {
        put8(b, AML_ONE);
    } else if (v <= 0xff) {
        put8(b, AML_BYTE);
        put8(b, (uint8_t)v);
    } else if (v <= 0xffff) {
        put8(b, AML_WORD);
        put16(b, (uint16_t)v);
    } else if (v <= 0xffffffffu) {
        put8(b, AML_DWORD);
        put32(b, (uint32_t)v);
    } else {
        put8(b, AML_QWORD);
        put64(b, v);
    }
}

/* EISA ID ("PNP0A03") as the compressed 32-bit integer. */
static uint32_t eisa_id(const char *id)
{
    uint32_t v = ((uint32_t)(id[0] - 0x40) << 26) | ((uint32_t)(id[1] - 0x40) << 21) |
                 ((uint32_t)(id[2] - 0x40) << 16) | (uint32_t)strtoul(id + 3, NULL, 16);
    uint8_t be[4];

    stl_be_p(be, v);
    return ldl_le_p(be);
}

static void aml_name_int(ByteBuf *b, const char *name, uint64_t v)
{
    put8(b, AML_NAME);
    aml_name(b, name);
    aml_int(b, v);
}

static void aml_name_eisa(ByteBuf *b, const char *name, const char *id)
{
    put8(b, AML_NAME);
    aml_name(b, name);
    put8(b, AML_DWORD);
    put32(b, eisa_id(id));
}

/* Opcode, PkgLength, name, body (consumed). */
static void aml_block(ByteBuf *b, const uint8_t *op, size_t oplen, const char *name,
                      const uint8_t *extra, size_t extralen, ByteBuf *body)
{
    ByteBuf head = {0};

    if (name) {
        aml_name(&head, name);
    }
    bytebuf_put(&head, extra, extralen);
    bytebuf_put(b, op, oplen);
    aml_pkglen(b, head.len + body->len);
    put_buf(b, &head);
    put_buf(b, body);
}

static void aml_scope(ByteBuf *b, const char *name, ByteBuf *body)
{
    static const uint8_t op[] = {AML_SCOPE};

    aml_block(b, op, sizeof(op), name, NULL, 0, body);
}

static void aml_device(ByteBuf *b, const char *name, ByteBuf *body)
{
    static const uint8_t op[] = {AML_EXT, AML_EXT_DEVICE};

    aml_block(b, op, sizeof(op), name, NULL, 0, body);
}

static void aml_method(ByteBuf *b, const char *name, int nargs, ByteBuf *body)
{
    static const uint8_t op[] = {AML_METHOD};
    uint8_t flags = (uint8_t)(nargs & 7);

    aml_block(b, op, sizeof(op), name, &flags, 1, body);
}

static void aml_if(ByteBuf *b, ByteBuf *predicate, ByteBuf *body)
{
    put8(b, AML_IF);
    aml_pkglen(b, predicate->len + body->len);
    put_buf(b, predicate);
    put_buf(b, body);
}

static void aml_package(ByteBuf *b, int count, ByteBuf *elements)
{
    put8(b, AML_PACKAGE);
    aml_pkglen(b, 1 + elements->len);
    put8(b, (uint8_t)count);
    put_buf(b, elements);
}

static void aml_buffer(ByteBuf *b, ByteBuf *bytes)
{
    ByteBuf size = {0};

    aml_int(&size, bytes->len);
    put8(b, AML_BUFFER);
    aml_pkglen(b, size.len + bytes->len);
    put_buf(b, &size);
    put_buf(b, bytes);
}

/* ResourceTemplate: descriptors plus the end tag (checksum 0 = "not computed"). */
static void aml_resource_template(ByteBuf *b, ByteBuf *descs)
{
    put8(descs, 0x79);
    put8(descs, 0x00);
    aml_buffer(b, descs);
}

static void res_io(ByteBuf *d, uint16_t base, uint8_t len)
{
    put8(d, 0x47);
    put8(d, 0x01); /* 16-bit decode */
    put16(d, base);
    put16(d, base);
    put8(d, 1);
    put8(d, len);
}

static void res_irq_noflags(ByteBuf *d, unsigned irq)
{
    put8(d, 0x22);
    put16(d, (uint16_t)(1u << irq));
}

static void res_word_space(ByteBuf *d, uint8_t type, uint8_t tflags, uint16_t min,
                           uint16_t max)
{
    put8(d, 0x88);
    put16(d, 13);
    put8(d, type);
    put8(d, 0x0c); /* producer, MinFixed, MaxFixed */
    put8(d, tflags);
    put16(d, 0);
    put16(d, min);
    put16(d, max);
    put16(d, 0);
    put16(d, (uint16_t)(max - min + 1));
}

static void res_dword_mem(ByteBuf *d, uint32_t min, uint32_t max)
{
    put8(d, 0x87);
    put16(d, 23);
    put8(d, 0x00); /* memory */
    put8(d, 0x0c);
    put8(d, 0x03); /* read/write, cacheable */
    put32(d, 0);
    put32(d, min);
    put32(d, max);
    put32(d, 0);
    put32(d, max - min + 1);
}

/* ---- DSDT contents ---- */

static void dsdt_pci_crs(ByteBuf *b, const AcpiBuildConfig *cfg)
{
    ByteBuf d = {0};
    /* PCI memory: from the end of RAM to the I/O APIC (SeaBIOS starts BARs at 2 GiB,
     * 3 GiB or 3.5 GiB depending on the RAM size: always inside). */
    uint64_t hole = MAX(cfg->ram_size, 0x100000ull);

    res_word_space(&d, 2, 0x00, 0x00, 0xff); /* bus numbers */
    res_io(&d, 0xcf8, 8);
    res_word_space(&d, 1, 0x03, 0x0000, 0x0cf7);
    res_word_space(&d, 1, 0x03, 0x0d00, 0xffff);
    res_dword_mem(&d, 0xa0000, 0xbffff);
    res_dword_mem(&d, 0xc0000, 0xdffff); /* option ROM space (decoded to PCI via PAM) */
    res_dword_mem(&d, (uint32_t)hole, 0xfebfffffu);
    put8(b, AML_NAME);
    aml_name(b, "_CRS");
    aml_resource_template(b, &d);
}

/* Name(PRTP/PRTA, Package { Package { slot << 16 | 0xFFFF, pin, source, index } ... }) */
static void dsdt_prt_package(ByteBuf *b, const char *name, bool apic)
{
    ByteBuf elems = {0};
    int count = 0;

    for (int slot = 1; slot < 32; slot++) {
        for (int pin = 0; pin < 4; pin++) {
            ByteBuf e = {0};
            int pirq = pci_swizzle(slot, pin + 1);

            aml_int(&e, ((uint32_t)slot << 16) | 0xffff);
            aml_int(&e, (uint64_t)pin);
            if (apic) {
                aml_int(&e, 0);
                aml_int(&e, 16 + (uint64_t)pirq);
            } else {
                char link[16];

                snprintf(link, sizeof(link), "\\_SB.LNK%c", 'A' + pirq);
                aml_name(&e, link);
                aml_int(&e, 0);
            }
            aml_package(&elems, 4, &e);
            count++;
        }
    }
    put8(b, AML_NAME);
    aml_name(b, name);
    /* 124 entries: fits the one-byte NumElements of Package. */
    aml_package(b, count, &elems);
}

static void dsdt_prt_method(ByteBuf *b, bool have_apic)
{
    ByteBuf body = {0};

    if (have_apic) {
        ByteBuf pred = {0}, then = {0};

        aml_name(&pred, "\\PICF");
        put8(&then, AML_RETURN);
        aml_name(&then, "PRTA");
        aml_if(&body, &pred, &then);
    }
    put8(&body, AML_RETURN);
    aml_name(&body, "PRTP");
    aml_method(b, "_PRT", 0, &body);
}

static void dsdt_isa_bridge(ByteBuf *b)
{
    ByteBuf body = {0};
    ByteBuf fields = {0};
    static const uint8_t field_op[] = {AML_EXT, AML_EXT_FIELD};
    uint8_t flags = AML_FIELD_BYTE_ACC;

    aml_name_int(&body, "_ADR", 0x00010000);
    /* OperationRegion(PIRQ, PCI_Config, 0x60, 4) */
    put8(&body, AML_EXT);
    put8(&body, AML_EXT_OP_REGION);
    aml_name(&body, "PIRQ");
    put8(&body, AML_REGION_PCI_CONFIG);
    aml_int(&body, 0x60);
    aml_int(&body, 4);
    /* Field(PIRQ, ByteAcc, NoLock, Preserve) { PRQ0, 8, ... PRQ3, 8 } */
    for (int i = 0; i < 4; i++) {
        char n[5];

        snprintf(n, sizeof(n), "PRQ%c", '0' + i);
        bytebuf_put(&fields, n, 4);
        put8(&fields, 8);
    }
    aml_block(&body, field_op, sizeof(field_op), "PIRQ", &flags, 1, &fields);
    aml_device(b, "ISA", &body);
}

static void dsdt_link(ByteBuf *b, int i)
{
    ByteBuf body = {0}, m = {0}, d = {0};
    char dev[8], reg[24];

    snprintf(dev, sizeof(dev), "LNK%c", 'A' + i);
    snprintf(reg, sizeof(reg), "\\_SB.PCI0.ISA.PRQ%c", '0' + i);
    aml_name_eisa(&body, "_HID", "PNP0C0F");
    aml_name_int(&body, "_UID", (uint64_t)i + 1);
    /* _PRS: IRQ(Level, ActiveLow, Shared) {5, 10, 11} */
    put8(&d, 0x23);
    put16(&d, (1u << 5) | (1u << 10) | (1u << 11));
    put8(&d, 0x18);
    put8(&body, AML_NAME);
    aml_name(&body, "_PRS");
    aml_resource_template(&body, &d);

    /* _STA: If (And(PRQn, 0x80)) { Return (0x09) } Return (0x0B) */
    {
        ByteBuf pred = {0}, then = {0};

        put8(&pred, AML_AND);
        aml_name(&pred, reg);
        aml_int(&pred, 0x80);
        put8(&pred, 0x00);
        put8(&then, AML_RETURN);
        aml_int(&then, 0x09);
        aml_if(&m, &pred, &then);
        put8(&m, AML_RETURN);
        aml_int(&m, 0x0b);
        aml_method(&body, "_STA", 0, &m);
    }
    /* _DIS: Or(PRQn, 0x80, PRQn) */
    put8(&m, AML_OR);
    aml_name(&m, reg);
    aml_int(&m, 0x80);
    aml_name(&m, reg);
    aml_method(&body, "_DIS", 0, &m);
    /* _CRS: Name(RTPL, IRQ(Level, ActiveLow, Shared){}) CreateWordField(RTPL, 1, IRQM)
     *       If (LNot(And(PRQn, 0x80))) { ShiftLeft(One, And(PRQn, 0x0F), IRQM) }
     *       Return (RTPL) */
    {
        ByteBuf tpl = {0}, pred = {0}, then = {0};

        put8(&tpl, 0x23);
        put16(&tpl, 0);
        put8(&tpl, 0x18);
        put8(&m, AML_NAME);
        aml_name(&m, "RTPL");
        aml_resource_template(&m, &tpl);
        put8(&m, AML_CREATE_WORD_FIELD);
        aml_name(&m, "RTPL");
        aml_int(&m, 1);
        aml_name(&m, "IRQM");
        put8(&pred, AML_LNOT);
        put8(&pred, AML_AND);
        aml_name(&pred, reg);
        aml_int(&pred, 0x80);
        put8(&pred, 0x00);
        put8(&then, AML_SHIFT_LEFT);
        aml_int(&then, 1);
        put8(&then, AML_AND);
        aml_name(&then, reg);
        aml_int(&then, 0x0f);
        put8(&then, 0x00);
        aml_name(&then, "IRQM");
        aml_if(&m, &pred, &then);
        put8(&m, AML_RETURN);
        aml_name(&m, "RTPL");
        aml_method(&body, "_CRS", 0, &m);
    }
    /* _SRS(Arg0): CreateWordField(Arg0, 1, IRQM) FindSetRightBit(IRQM, Local0)
     *             Decrement(Local0) Store(Local0, PRQn) */
    put8(&m, AML_CREATE_WORD_FIELD);
    put8(&m, AML_ARG0);
    aml_int(&m, 1);
    aml_name(&m, "IRQM");
    put8(&m, AML_FIND_SET_RIGHT_BIT);
    aml_name(&m, "IRQM");
    put8(&m, AML_LOCAL0);
    put8(&m, AML_DECREMENT);
    put8(&m, AML_LOCAL0);
    put8(&m, AML_STORE);
    put8(&m, AML_LOCAL0);
    aml_name(&m, reg);
    aml_method(&body, "_SRS", 1, &m);
    aml_device(b, dev, &body);
}

/* A legacy ISA device (under \_SB.PCI0): _HID and fixed resources. */
static void dsdt_isa_device(ByteBuf *b, const char *name, const char *hid, ByteBuf *res)
{
    ByteBuf body = {0};

    aml_name_eisa(&body, "_HID", hid);
    put8(&body, AML_NAME);
    aml_name(&body, "_CRS");
    aml_resource_template(&body, res);
    aml_device(b, name, &body);
}

static void build_dsdt(ByteBuf *t, const AcpiBuildConfig *cfg)
{
    ByteBuf root = {0}, sb = {0}, pci = {0};

    /* \PICF, \_PIC, \_S5 */
    aml_name_int(&root, "PICF", 0);
    {
        ByteBuf m = {0};

        put8(&m, AML_STORE);
        put8(&m, AML_ARG0);
        aml_name(&m, "\\PICF");
        aml_method(&root, "_PIC", 1, &m);
    }
    {
        ByteBuf e = {0};

        for (int i = 0; i < 4; i++) {
            aml_int(&e, 0);
        }
        put8(&root, AML_NAME);
        aml_name(&root, "_S5");
        aml_package(&root, 4, &e);
    }

    /* \_SB.PCI0 */
    aml_name_eisa(&pci, "_HID", "PNP0A03");
    aml_name_int(&pci, "_ADR", 0);
    aml_name_int(&pci, "_UID", 0);
    aml_name_int(&pci, "_BBN", 0);
    dsdt_pci_crs(&pci, cfg);
    dsdt_prt_package(&pci, "PRTP", false);
    if (cfg->ioapic) {
        dsdt_prt_package(&pci, "PRTA", true);
    }
    dsdt_prt_method(&pci, cfg->ioapic);
    dsdt_isa_bridge(&pci);
    {
        ByteBuf r = {0};

        res_io(&r, 0x60, 1);
        res_io(&r, 0x64, 1);
        res_irq_noflags(&r, 1);
        dsdt_isa_device(&pci, "KBD", "PNP0303", &r);
        res_irq_noflags(&r, 12);
        dsdt_isa_device(&pci, "MOU", "PNP0F13", &r);
        res_io(&r, 0x70, 2);
        res_irq_noflags(&r, 8);
        dsdt_isa_device(&pci, "RTC", "PNP0B00", &r);
        res_io(&r, 0x3f8, 8);
        res_irq_noflags(&r, 4);
        dsdt_isa_device(&pci, "COM1", "PNP0501", &r);
    }
    aml_device(&sb, "PCI0", &pci);
    for (int i = 0; i < 4; i++) {
        dsdt_link(&sb, i);
    }
    for (int i = 0; i < cfg->smp; i++) {
        ByteBuf p = {0};
        char name[8];
        static const uint8_t op[] = {AML_EXT, AML_EXT_PROCESSOR};
        uint8_t extra[6] = {(uint8_t)i, 0, 0, 0, 0, 0};

        snprintf(name, sizeof(name), "CP%02X", i & 0xff);
        aml_block(&sb, op, sizeof(op), name, extra, sizeof(extra), &p);
    }
    aml_scope(&root, "\\_SB", &sb);
    bytebuf_put(t, root.data, root.len);
    bytebuf_free(&root);
}

/* ---- tables ---- */

typedef struct AcpiBuilder {
    ByteBuf tables;
    ByteBuf loader;
} AcpiBuilder;

static void loader_entry(AcpiBuilder *a, uint8_t *e)
{
    bytebuf_put(&a->loader, e, BIOS_LINKER_ENTRY_SIZE);
}

static void loader_allocate(AcpiBuilder *a, const char *file, uint32_t align, uint8_t zone)
{
    uint8_t e[BIOS_LINKER_ENTRY_SIZE] = {0};

    stl_le_p(e, BIOS_LINKER_ALLOCATE);
    snprintf((char *)e + 4, FW_CFG_FILE_NAME_LEN, "%s", file);
    stl_le_p(e + 60, align);
    e[64] = zone;
    loader_entry(a, e);
}

static void loader_add_pointer(AcpiBuilder *a, const char *dest, const char *src,
                               uint32_t offset, uint8_t size)
{
    uint8_t e[BIOS_LINKER_ENTRY_SIZE] = {0};

    stl_le_p(e, BIOS_LINKER_ADD_POINTER);
    snprintf((char *)e + 4, FW_CFG_FILE_NAME_LEN, "%s", dest);
    snprintf((char *)e + 60, FW_CFG_FILE_NAME_LEN, "%s", src);
    stl_le_p(e + 116, offset);
    e[120] = size;
    loader_entry(a, e);
}

static void loader_add_checksum(AcpiBuilder *a, const char *file, uint32_t offset,
                                uint32_t start, uint32_t len)
{
    uint8_t e[BIOS_LINKER_ENTRY_SIZE] = {0};

    stl_le_p(e, BIOS_LINKER_ADD_CHECKSUM);
    snprintf((char *)e + 4, FW_CFG_FILE_NAME_LEN, "%s", file);
    stl_le_p(e + 60, offset);
    stl_le_p(e + 64, start);
    stl_le_p(e + 68, len);
    loader_entry(a, e);
}

/* Start a table: header with length and checksum fixed up by table_end(). */
static uint32_t table_begin(AcpiBuilder *a, const char *sig, uint8_t rev, const char *oem_table)
{
    ByteBuf *t = &a->tables;
    uint32_t off = (uint32_t)t->len;
    char id[9];

    snprintf(id, sizeof(id), "%-8s", oem_table);
    put_str(t, sig, 4);
    put32(t, 0);          /* length */
    put8(t, rev);
    put8(t, 0);           /* checksum */
    put_str(t, ACPI_OEM_ID, 6);
    put_str(t, id, 8);
    put32(t, 1);          /* OEM revision */
    put_str(t, ACPI_CREATOR_ID, 4);
    put32(t, 1);          /* creator revision */
    return off;
}

static void table_end(AcpiBuilder *a, uint32_t off)
{
    uint32_t len = (uint32_t)a->tables.len - off;

    stl_le_p(a->tables.data + off + 4, len);
    loader_add_checksum(a, ACPI_TABLES_FILE, off + 9, off, len);
}

/* A 32-bit pointer field in the tables file to offset target of the same file. */
static void table_pointer32(AcpiBuilder *a, uint32_t target)
{
    loader_add_pointer(a, ACPI_TABLES_FILE, ACPI_TABLES_FILE, (uint32_t)a->tables.len, 4);
    put32(&a->tables, target);
}

static void align_tables(AcpiBuilder *a, uint32_t align)
{
    while (a->tables.len % align) {
        put8(&a->tables, 0);
    }
}

static uint32_t build_facs(AcpiBuilder *a)
{
    ByteBuf *t = &a->tables;
    uint32_t off = (uint32_t)t->len;

    put_str(t, "FACS", 4);
    put32(t, 64);
    put32(t, 0);  /* hardware signature */
    put32(t, 0);  /* firmware waking vector */
    put32(t, 0);  /* global lock */
    put32(t, 0);  /* flags */
    put64(t, 0);  /* X firmware waking vector */
    put8(t, 1);   /* version */
    put_zeros(t, 31);
    return off;
}

static void gas(ByteBuf *t, uint8_t space, uint8_t width, uint8_t access, uint64_t addr)
{
    put8(t, space);
    put8(t, width);
    put8(t, 0);
    put8(t, access);
    put64(t, addr);
}

static uint32_t build_fadt(AcpiBuilder *a, const AcpiBuildConfig *cfg, uint32_t facs,
                           uint32_t dsdt)
{
    ByteBuf *t = &a->tables;
    uint32_t off = table_begin(a, "FACP", 3, "X86PCFCP");

    table_pointer32(a, facs);         /* 36 FIRMWARE_CTRL */
    table_pointer32(a, dsdt);         /* 40 DSDT */
    put8(t, 0);                       /* 44 reserved */
    put8(t, 0);                       /* 45 preferred PM profile: unspecified */
    put16(t, SCI_IRQ);                /* 46 SCI_INT */
    put32(t, 0);                      /* 48 SMI_CMD: none, always in ACPI mode */
    put8(t, 0);                       /* 52 ACPI_ENABLE */
    put8(t, 0);                       /* 53 ACPI_DISABLE */
    put8(t, 0);                       /* 54 S4BIOS_REQ */
    put8(t, 0);                       /* 55 PSTATE_CNT */
    put32(t, cfg->pm_base);           /* 56 PM1a_EVT_BLK */
    put32(t, 0);                      /* 60 PM1b_EVT_BLK */
    put32(t, cfg->pm_base + 4u);      /* 64 PM1a_CNT_BLK */
    put32(t, 0);                      /* 68 PM1b_CNT_BLK */
    put32(t, 0);                      /* 72 PM2_CNT_BLK */
    put32(t, cfg->pm_base + 8u);      /* 76 PM_TMR_BLK */
    put32(t, 0);                      /* 80 GPE0_BLK */
    put32(t, 0);                      /* 84 GPE1_BLK */
    put8(t, 4);                       /* 88 PM1_EVT_LEN */
    put8(t, 2);                       /* 89 PM1_CNT_LEN */
    put8(t, 0);                       /* 90 PM2_CNT_LEN */
    put8(t, 4);                       /* 91 PM_TMR_LEN */
    put8(t, 0);                       /* 92 GPE0_BLK_LEN */
    put8(t, 0);                       /* 93 GPE1_BLK_LEN */
    put8(t, 0);                       /* 94 GPE1_BASE */
    put8(t, 0);                       /* 95 CST_CNT */
    put16(t, 0x0fff);                 /* 96 P_LVL2_LAT: C2 not supported */
    put16(t, 0x0fff);                 /* 98 P_LVL3_LAT: C3 not supported */
    put16(t, 0);                      /* 100 FLUSH_SIZE */
    put16(t, 0);                      /* 102 FLUSH_STRIDE */
    put8(t, 0);                       /* 104 DUTY_OFFSET */
    put8(t, 0);                       /* 105 DUTY_WIDTH */
    put8(t, 0);                       /* 106 DAY_ALRM */
    put8(t, 0);                       /* 107 MON_ALRM */
    put8(t, 0x32);                    /* 108 CENTURY: CMOS index */
    put16(t, 0x0003);                 /* 109 IAPC_BOOT_ARCH: legacy devices, 8042 */
    put8(t, 0);                       /* 111 reserved */
    /* 112 flags: WBINVD, PROC_C1, SLP_BUTTON (none), FIX_RTC, RTC_S4, RESET_REG_SUP */
    put32(t, (1u << 0) | (1u << 2) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 10));
    gas(t, 1, 8, 1, RESET_PORT);      /* 116 RESET_REG */
    put8(t, RESET_VALUE);             /* 128 RESET_VALUE */
    put_zeros(t, 3);                  /* 129 reserved */
    put64(t, 0);                      /* 132 X_FIRMWARE_CTRL: FIRMWARE_CTRL is used */
    put64(t, 0);                      /* 140 X_DSDT: DSDT is used */
    gas(t, 1, 32, 2, cfg->pm_base);   /* 148 X_PM1a_EVT_BLK */
    gas(t, 0, 0, 0, 0);               /* 160 X_PM1b_EVT_BLK */
    gas(t, 1, 16, 2, cfg->pm_base + 4u); /* 172 X_PM1a_CNT_BLK */
    gas(t, 0, 0, 0, 0);               /* 184 X_PM1b_CNT_BLK */
    gas(t, 0, 0, 0, 0);               /* 196 X_PM2_CNT_BLK */
    gas(t, 1, 32, 3, cfg->pm_base + 8u); /* 208 X_PM_TMR_BLK */
    gas(t, 0, 0, 0, 0);               /* 220 X_GPE0_BLK */
    gas(t, 0, 0, 0, 0);               /* 232 X_GPE1_BLK */
    table_end(a, off);
    return off;
}

static uint32_t build_madt(AcpiBuilder *a, const AcpiBuildConfig *cfg)
{
    ByteBuf *t = &a->tables;
    uint32_t off = table_begin(a, "APIC", 1, "X86PCAPC");

    put32(t, LAPIC_BASE);
    put32(t, 1); /* PCAT_COMPAT: 8259s present */
    for (int i = 0; i < cfg->smp; i++) {
        put8(t, 0);             /* processor local APIC */
        put8(t, 8);
        put8(t, (uint8_t)i);    /* ACPI processor ID (the Processor objects' IDs) */
        put8(t, (uint8_t)i);    /* APIC ID */
        put32(t, 1);            /* enabled */
    }
    if (cfg->ioapic) {
        put8(t, 1);             /* I/O APIC */
        put8(t, 12);
        put8(t, cfg->ioapic_id);
        put8(t, 0);
        put32(t, IOAPIC_ADDR);
        put32(t, 0);            /* GSI base */
        /* ISA IRQ0 (PIT) is wired to pin 2. */
        put8(t, 2);
        put8(t, 10);
        put8(t, 0);
        put8(t, 0);
        put32(t, 2);
        put16(t, 0);            /* conforms to the bus */
        /* The SCI: level triggered, active high (PIIX4 inverts it). */
        put8(t, 2);
        put8(t, 10);
        put8(t, 0);
        put8(t, SCI_IRQ);
        put32(t, SCI_IRQ);
        put16(t, 0x000d);
    }
    /* LINT1 of every processor is NMI. */
    put8(t, 4);
    put8(t, 6);
    put8(t, 0xff);
    put16(t, 0);
    put8(t, 1);
    table_end(a, off);
    return off;
}

static uint32_t build_hpet(AcpiBuilder *a)
{
    ByteBuf *t = &a->tables;
    uint32_t off = table_begin(a, "HPET", 1, "X86PCHPT");

    /* Event timer block ID: vendor 8086, legacy replacement capable, 64-bit counter,
     * 3 comparators (field = count - 1), hardware revision 1. */
    put32(t, 0x8086a201u);
    gas(t, 0, 64, 0, HPET_ADDR);
    put8(t, 0);      /* HPET number */
    put16(t, 0x80);  /* minimum clock tick in periodic mode */
    put8(t, 0);      /* page protection */
    table_end(a, off);
    return off;
}

void acpi_build(FWCfgState *s, const AcpiBuildConfig *cfg)
{
    AcpiBuilder a = {{0}, {0}};
    ByteBuf rsdp = {0};
    uint32_t facs, dsdt, fadt, madt, hpet = 0, rsdt;
    uint8_t zero_sum = 0;

    loader_allocate(&a, ACPI_TABLES_FILE, 64, BIOS_LINKER_ZONE_HIGH);
    loader_allocate(&a, ACPI_RSDP_FILE, 16, BIOS_LINKER_ZONE_FSEG);

    facs = build_facs(&a);
    dsdt = table_begin(&a, "DSDT", 1, "X86PCDSD");
    build_dsdt(&a.tables, cfg);
    table_end(&a, dsdt);
    align_tables(&a, 4);
    fadt = build_fadt(&a, cfg, facs, dsdt);
    align_tables(&a, 4);
    madt = build_madt(&a, cfg);
    if (cfg->hpet) {
        align_tables(&a, 4);
        hpet = build_hpet(&a);
    }
    align_tables(&a, 4);
    rsdt = table_begin(&a, "RSDT", 1, "X86PCRST");
    table_pointer32(&a, fadt);
    table_pointer32(&a, madt);
    if (cfg->hpet) {
        table_pointer32(&a, hpet);
    }
    table_end(&a, rsdt);

    /* RSDP (ACPI 1.0): signature, checksum, OEM ID, revision 0, RSDT address. */
    put_str(&rsdp, "RSD PTR ", 8);
    put8(&rsdp, zero_sum);
    put_str(&rsdp, ACPI_OEM_ID, 6);
    put8(&rsdp, 0);
    loader_add_pointer(&a, ACPI_RSDP_FILE, ACPI_TABLES_FILE, (uint32_t)rsdp.len, 4);
    put32(&rsdp, rsdt);
    loader_add_checksum(&a, ACPI_RSDP_FILE, 8, 0, (uint32_t)rsdp.len);

    fw_cfg_add_file(s, ACPI_TABLES_FILE, a.tables.data, a.tables.len);
    fw_cfg_add_file(s, ACPI_RSDP_FILE, rsdp.data, rsdp.len);
    fw_cfg_add_file(s, ACPI_LOADER_FILE, a.loader.data, a.loader.len);
    bytebuf_free(&a.tables);
    bytebuf_free(&a.loader);
    bytebuf_free(&rsdp);
}
