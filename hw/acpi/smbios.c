/*
 * SMBIOS 2.5 tables for the firmware, through fw_cfg as QEMU provides them:
 *   "etc/smbios/smbios-tables"  the structures, ending with type 127
 *   "etc/smbios/smbios-anchor"  the 31-byte 2.x entry point ("_SM_" ... "_DMI_"), whose
 *                               table address the firmware fills in (it then recomputes
 *                               both checksums; ours are valid for address 0)
 * Structures: BIOS (0), system (1), chassis (3), one processor (4) per vCPU, physical
 * memory array (16), one memory device (17), memory array mapped address (19), system
 * boot information (32) and end of table (127). Minimal but valid: every string index
 * refers to an existing string and each string set ends with a double NUL.
 */
#include "hw/nvram/fw_cfg.h"
#include "util/log.h"

#define SMBIOS_MAJOR 2
#define SMBIOS_MINOR 5
#define SMBIOS_ANCHOR_SIZE 31

typedef struct SmbiosBuilder {
    ByteBuf tables;
    unsigned max_size;
    unsigned count;
    size_t start; /* offset of the structure being built */
} SmbiosBuilder;

static void sm_put8(ByteBuf *b, uint8_t v)
{
    bytebuf_put(b, &v, 1);
}

static void sm_put16(ByteBuf *b, uint16_t v)
{
    uint8_t x[2];

    stw_le_p(x, v);
    bytebuf_put(b, x, 2);
}

static void sm_put32(ByteBuf *b, uint32_t v)
{
    uint8_t x[4];

    stl_le_p(x, v);
    bytebuf_put(b, x, 4);
}

static void sm_begin(SmbiosBuilder *s, uint8_t type, uint8_t len, uint16_t handle)
{
    s->start = s->tables.len;
    sm_put8(&s->tables, type);
    sm_put8(&s->tables, len);
    sm_put16(&s->tables, handle);
}

/* Close the formatted area (checking its declared length) and append the strings. */
static void sm_end(SmbiosBuilder *s, const char *const *strings, int n)
{
    size_t formatted = s->tables.len - s->start;

    if (formatted != s->tables.data[s->start + 1]) {
        fatal("smbios: type %u structure is %zu bytes, declared %u", s->tables.data[s->start],
              formatted, s->tables.data[s->start + 1]);
    }
    for (int i = 0; i < n; i++) {
        bytebuf_put(&s->tables, strings[i], strlen(strings[i]) + 1);
    }
    if (n == 0) {
        sm_put8(&s->tables, 0);
    }
    sm_put8(&s->tables, 0);
    s->max_size = MAX(s->max_size, (unsigned)(s->tables.len - s->start));
    s->count++;
}

static void smbios_type0(SmbiosBuilder *s)
{
    static const char *const str[] = {"x86pc", "x86pc", "01/01/2024"};
    ByteBuf *t = &s->tables;

    sm_begin(s, 0, 0x18, 0x0000);
    sm_put8(t, 1);          /* vendor */
    sm_put8(t, 2);          /* BIOS version */
    sm_put16(t, 0xe800);    /* starting segment */
    sm_put8(t, 3);          /* release date */
    sm_put8(t, 0);          /* ROM size: 64 KiB units - 1 */
    sm_put32(t, 0x08);      /* characteristics: "not supported" */
    sm_put32(t, 0);
    sm_put8(t, 0);          /* extension byte 1 */
    sm_put8(t, 0x04);       /* extension byte 2: targeted content distribution */
    sm_put8(t, 0);          /* system BIOS major/minor release */
    sm_put8(t, 0);
    sm_put8(t, 0xff);       /* embedded controller firmware: none */
    sm_put8(t, 0xff);
    sm_end(s, str, 3);
}

static void smbios_type1(SmbiosBuilder *s)
{
    static const char *const str[] = {"x86pc", "Standard PC (i440FX + PIIX)", "1.0"};
    ByteBuf *t = &s->tables;

    sm_begin(s, 1, 0x1b, 0x0100);
    sm_put8(t, 1);          /* manufacturer */
    sm_put8(t, 2);          /* product */
    sm_put8(t, 3);          /* version */
    sm_put8(t, 0);          /* serial number: none */
    for (int i = 0; i < 16; i++) {
        sm_put8(t, 0);      /* UUID: not present */
    }
    sm_put8(t, 0x06);       /* wake-up type: power switch */
    sm_put8(t, 0);          /* SKU */
    sm_put8(t, 0);          /* family */
    sm_end(s, str, 3);
}

static void smbios_type3(SmbiosBuilder *s)
{
    static const char *const str[] = {"x86pc", "1.0"};
    ByteBuf *t = &s->tables;

    sm_begin(s, 3, 0x15, 0x0300);
    sm_put8(t, 1);          /* manufacturer */
    sm_put8(t, 0x01);       /* type: other */
    sm_put8(t, 2);          /* version */
    sm_put8(t, 0);          /* serial */
    sm_put8(t, 0);          /* asset tag */
    sm_put8(t, 0x03);       /* boot-up state: safe */
    sm_put8(t, 0x03);       /* power supply state */
    sm_put8(t, 0x03);       /* thermal state */
    sm_put8(t, 0x02);       /* security status: unknown */
    sm_put32(t, 0);         /* OEM defined */
    sm_put8(t, 0);          /* height */
    sm_put8(t, 0);          /* power cords */
    sm_put8(t, 0);          /* contained elements */
    sm_put8(t, 0);          /* element record length */
    sm_end(s, str, 2);
}

static void smbios_type4(SmbiosBuilder *s, int cpu)
{
    char socket[16];
    const char *str[] = {socket, "x86pc", "x86pc CPU"};
    ByteBuf *t = &s->tables;

    snprintf(socket, sizeof(socket), "CPU %d", cpu);
    sm_begin(s, 4, 0x28, (uint16_t)(0x0400 + cpu));
    sm_put8(t, 1);          /* socket designation */
    sm_put8(t, 0x03);       /* central processor */
    sm_put8(t, 0x01);       /* family: other */
    sm_put8(t, 2);          /* manufacturer */
    sm_put32(t, 0);         /* processor ID (CPUID 1 EAX/EDX): not reported */
    sm_put32(t, 0);
    sm_put8(t, 3);          /* version */
    sm_put8(t, 0);          /* voltage */
    sm_put16(t, 0);         /* external clock: unknown */
    sm_put16(t, 2000);      /* max speed, MHz */
    sm_put16(t, 2000);      /* current speed */
    sm_put8(t, 0x41);       /* socket populated, CPU enabled */
    sm_put8(t, 0x01);       /* upgrade: other */
    sm_put16(t, 0xffff);    /* L1/L2/L3 cache handles: none */
    sm_put16(t, 0xffff);
    sm_put16(t, 0xffff);
    sm_put8(t, 0);          /* serial */
    sm_put8(t, 0);          /* asset tag */
    sm_put8(t, 0);          /* part number */
    sm_put8(t, 1);          /* core count */
    sm_put8(t, 1);          /* cores enabled */
    sm_put8(t, 1);          /* thread count */
    sm_put16(t, 0x0002);    /* characteristics: unknown */
    sm_end(s, str, 3);
}

static void smbios_memory(SmbiosBuilder *s, uint64_t ram_size)
{
    static const char *const str17[] = {"DIMM 0", "x86pc"};
    ByteBuf *t = &s->tables;
    uint64_t kib = ram_size >> 10;
    uint64_t mib = (ram_size + (1u << 20) - 1) >> 20;

    sm_begin(s, 16, 0x0f, 0x1000);
    sm_put8(t, 0x03);       /* location: system board */
    sm_put8(t, 0x03);       /* use: system memory */
    sm_put8(t, 0x03);       /* error correction: none */
    sm_put32(t, (uint32_t)MIN(kib, 0x7fffffffull)); /* maximum capacity, KiB */
    sm_put16(t, 0xfffe);    /* no error information */
    sm_put16(t, 1);         /* memory devices */
    sm_end(s, NULL, 0);

    sm_begin(s, 17, 0x1b, 0x1100);
    sm_put16(t, 0x1000);    /* physical memory array */
    sm_put16(t, 0xfffe);    /* no error information */
    sm_put16(t, 0xffff);    /* total width: unknown */
    sm_put16(t, 0xffff);    /* data width: unknown */
    sm_put16(t, (uint16_t)MIN(mib, 0x7fffull)); /* size, MiB */
    sm_put8(t, 0x09);       /* form factor: DIMM */
    sm_put8(t, 0);          /* device set */
    sm_put8(t, 1);          /* device locator */
    sm_put8(t, 0);          /* bank locator */
    sm_put8(t, 0x07);       /* type: RAM */
    sm_put16(t, 0x0002);    /* type detail: other */
    sm_put16(t, 0);         /* speed: unknown */
    sm_put8(t, 2);          /* manufacturer */
    sm_put8(t, 0);          /* serial */
    sm_put8(t, 0);          /* asset tag */
    sm_put8(t, 0);          /* part number */
    sm_end(s, str17, 2);

    sm_begin(s, 19, 0x0f, 0x1300);
    sm_put32(t, 0);                         /* starting address, KiB */
    sm_put32(t, (uint32_t)(kib - 1));       /* ending address, KiB, inclusive */
    sm_put16(t, 0x1000);                    /* memory array */
    sm_put8(t, 1);                          /* partition width */
    sm_end(s, NULL, 0);
}

static uint8_t checksum8(const uint8_t *p, size_t n)
{
    uint8_t sum = 0;

    for (size_t i = 0; i < n; i++) {
        sum = (uint8_t)(sum + p[i]);
    }
    return (uint8_t)(0x100 - sum);
}

void smbios_build(FWCfgState *fw, const AcpiBuildConfig *cfg)
{
    SmbiosBuilder s = {{0}, 0, 0, 0};
    ByteBuf *t = &s.tables;
    uint8_t a[SMBIOS_ANCHOR_SIZE] = {0};

    smbios_type0(&s);
    smbios_type1(&s);
    smbios_type3(&s);
    for (int i = 0; i < cfg->smp; i++) {
        smbios_type4(&s, i);
    }
    smbios_memory(&s, cfg->ram_size);
    sm_begin(&s, 32, 0x0b, 0x2000);
    for (int i = 0; i < 6; i++) {
        sm_put8(t, 0);      /* reserved */
    }
    sm_put8(t, 0);          /* boot status: no errors */
    sm_end(&s, NULL, 0);
    sm_begin(&s, 127, 4, 0x7f00);
    sm_end(&s, NULL, 0);

    memcpy(a, "_SM_", 4);
    a[5] = SMBIOS_ANCHOR_SIZE;
    a[6] = SMBIOS_MAJOR;
    a[7] = SMBIOS_MINOR;
    stw_le_p(a + 8, (uint16_t)s.max_size);
    a[10] = 0;              /* entry point revision */
    memcpy(a + 16, "_DMI_", 5);
    stw_le_p(a + 22, (uint16_t)t->len);
    stl_le_p(a + 24, 0);    /* table address: set by the firmware */
    stw_le_p(a + 28, (uint16_t)s.count);
    a[30] = (SMBIOS_MAJOR << 4) | SMBIOS_MINOR;
    a[21] = checksum8(a + 16, SMBIOS_ANCHOR_SIZE - 16);
    a[4] = checksum8(a, SMBIOS_ANCHOR_SIZE);
    fw_cfg_add_file(fw, "etc/smbios/smbios-tables", t->data, t->len);
    fw_cfg_add_file(fw, "etc/smbios/smbios-anchor", a, sizeof(a));
    bytebuf_free(t);
}
