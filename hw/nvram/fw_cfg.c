/*
 * QEMU-compatible fw_cfg device: see fw_cfg.h for the interface.
 *
 * Reads past the end of an item (or of a key that holds nothing) return zero bytes, as
 * QEMU does. Guest writes to items (the data port, DMA WRITE) are not supported: the
 * data port ignores them and a DMA WRITE completes with the error bit. DMA transfers are
 * synchronous: the descriptor's control word is already 0 (or ERROR) when the OUT that
 * started it returns, and they stop at the first byte outside guest RAM.
 */
#include "hw/nvram/fw_cfg.h"

#include <stdlib.h>

#include "hw/devices.h"
#include "util/log.h"

#define FW_CFG_NB_LOCAL (FW_CFG_FILE_FIRST + FW_CFG_MAX_FILES)
#define FW_CFG_NB_ARCH 16
#define FW_CFG_DMA_DESC_SIZE 16
#define FW_CFG_DMA_CHUNK 4096
#define FW_CFG_E820_MAX 32

typedef struct FWCfgEntry {
    uint8_t *data;
    uint32_t len;
} FWCfgEntry;

typedef struct FWCfgFile {
    char name[FW_CFG_FILE_NAME_LEN];
    uint16_t key;
} FWCfgFile;

typedef struct E820Entry {
    uint64_t addr, len;
    uint32_t type;
} E820Entry;

struct FWCfgState {
    Board *board;
    FWCfgEntry local[FW_CFG_NB_LOCAL];
    FWCfgEntry arch[FW_CFG_NB_ARCH];
    FWCfgFile files[FW_CFG_MAX_FILES]; /* sorted by name */
    int nb_files;
    E820Entry e820[FW_CFG_E820_MAX];
    int nb_e820;

    /* guest-visible state */
    uint16_t selector;
    uint32_t offset;
    uint32_t dma_hi, dma_lo;
};

FWCfgState *fw_cfg_find(Board *b)
{
    return board_find_device(b, "fw_cfg", 0);
}

static FWCfgEntry *entry_of(FWCfgState *s, uint16_t key)
{
    uint16_t idx = key & (uint16_t)~(FW_CFG_ARCH_LOCAL | FW_CFG_WRITE_CHANNEL);

    if (key & FW_CFG_ARCH_LOCAL) {
        return idx < FW_CFG_NB_ARCH ? &s->arch[idx] : NULL;
    }
    return idx < FW_CFG_NB_LOCAL ? &s->local[idx] : NULL;
}

static void entry_set(FWCfgEntry *e, const void *data, size_t len)
{
    free(e->data);
    e->data = NULL;
    e->len = 0;
    if (len > 0) {
        e->data = xmalloc(len);
        memcpy(e->data, data, len);
        e->len = (uint32_t)len;
    }
}

void fw_cfg_add_bytes(FWCfgState *s, uint16_t key, const void *data, size_t len)
{
    FWCfgEntry *e = entry_of(s, key);

    if (!e || (!(key & FW_CFG_ARCH_LOCAL) && key >= FW_CFG_FILE_FIRST) || len > UINT32_MAX) {
        fatal("fw_cfg: bad legacy key %#x", key);
    }
    entry_set(e, data, len);
}

void fw_cfg_add_i16(FWCfgState *s, uint16_t key, uint16_t v)
{
    uint8_t b[2];

    stw_le_p(b, v);
    fw_cfg_add_bytes(s, key, b, sizeof(b));
}

void fw_cfg_add_i32(FWCfgState *s, uint16_t key, uint32_t v)
{
    uint8_t b[4];

    stl_le_p(b, v);
    fw_cfg_add_bytes(s, key, b, sizeof(b));
}

void fw_cfg_add_i64(FWCfgState *s, uint16_t key, uint64_t v)
{
    uint8_t b[8];

    stq_le_p(b, v);
    fw_cfg_add_bytes(s, key, b, sizeof(b));
}

const uint8_t *fw_cfg_get_bytes(FWCfgState *s, uint16_t key, size_t *len)
{
    FWCfgEntry *e = entry_of(s, key);

    if (!e || !e->data) {
        *len = 0;
        return NULL;
    }
    *len = e->len;
    return e->data;
}

/* Directory item: u32 count, then per file u32 size, u16 key, u16 0, name[56]; BE. */
static void rebuild_dir(FWCfgState *s)
{
    size_t len = 4 + (size_t)s->nb_files * (8 + FW_CFG_FILE_NAME_LEN);
    uint8_t *dir = xzalloc(len);

    stl_be_p(dir, (uint32_t)s->nb_files);
    for (int i = 0; i < s->nb_files; i++) {
        uint8_t *p = dir + 4 + (size_t)i * (8 + FW_CFG_FILE_NAME_LEN);

        stl_be_p(p, s->local[s->files[i].key].len);
        stw_be_p(p + 4, s->files[i].key);
        memcpy(p + 8, s->files[i].name, FW_CFG_FILE_NAME_LEN);
    }
    entry_set(&s->local[FW_CFG_FILE_DIR], dir, len);
    free(dir);
}

void fw_cfg_add_file(FWCfgState *s, const char *name, const void *data, size_t len)
{
    int i;

    if (strlen(name) >= FW_CFG_FILE_NAME_LEN || len > UINT32_MAX) {
        fatal("fw_cfg: file name %s too long", name);
    }
    for (i = 0; i < s->nb_files; i++) {
        int c = strcmp(name, s->files[i].name);

        if (c == 0) {
            entry_set(&s->local[s->files[i].key], data, len);
            rebuild_dir(s);
            return;
        }
        if (c < 0) {
            break;
        }
    }
    if (s->nb_files == FW_CFG_MAX_FILES) {
        fatal("fw_cfg: too many files (adding %s)", name);
    }
    /* Keys follow the sorted order, as in QEMU: renumber the files after the new one. */
    memmove(&s->files[i + 1], &s->files[i], (size_t)(s->nb_files - i) * sizeof(FWCfgFile));
    memmove(&s->local[FW_CFG_FILE_FIRST + i + 1], &s->local[FW_CFG_FILE_FIRST + i],
            (size_t)(s->nb_files - i) * sizeof(FWCfgEntry));
    s->nb_files++;
    memset(&s->files[i], 0, sizeof(FWCfgFile));
    snprintf(s->files[i].name, sizeof(s->files[i].name), "%s", name);
    s->local[FW_CFG_FILE_FIRST + i].data = NULL;
    s->local[FW_CFG_FILE_FIRST + i].len = 0;
    entry_set(&s->local[FW_CFG_FILE_FIRST + i], data, len);
    for (int j = 0; j < s->nb_files; j++) {
        s->files[j].key = (uint16_t)(FW_CFG_FILE_FIRST + j);
    }
    rebuild_dir(s);
}

const uint8_t *fw_cfg_get_file(FWCfgState *s, const char *name, size_t *len)
{
    for (int i = 0; i < s->nb_files; i++) {
        if (strcmp(s->files[i].name, name) == 0) {
            *len = s->local[s->files[i].key].len;
            return s->local[s->files[i].key].data;
        }
    }
    *len = 0;
    return NULL;
}

static void rebuild_e820(FWCfgState *s)
{
    uint8_t buf[FW_CFG_E820_MAX * 20];

    for (int i = 0; i < s->nb_e820; i++) {
        stq_le_p(buf + i * 20, s->e820[i].addr);
        stq_le_p(buf + i * 20 + 8, s->e820[i].len);
        stl_le_p(buf + i * 20 + 16, s->e820[i].type);
    }
    fw_cfg_add_file(s, "etc/e820", buf, (size_t)s->nb_e820 * 20);
}

void fw_cfg_add_e820(FWCfgState *s, uint64_t addr, uint64_t len, uint32_t type)
{
    if (s->nb_e820 == FW_CFG_E820_MAX) {
        fatal("fw_cfg: too many e820 entries");
    }
    s->e820[s->nb_e820++] = (E820Entry){addr, len, type};
    rebuild_e820(s);
}

/* ---- guest interface ---- */

static void fw_cfg_select(FWCfgState *s, uint16_t key)
{
    s->selector = key;
    s->offset = 0;
    if (key & FW_CFG_WRITE_CHANNEL) {
        log_mask_printf(LOG_UNIMP, "fw_cfg: key %#x selected for writing: no writable items\n",
                        key);
    }
}

static uint8_t fw_cfg_read_byte(FWCfgState *s)
{
    FWCfgEntry *e = entry_of(s, s->selector);

    if (!e || s->offset >= e->len) {
        return 0;
    }
    return e->data[s->offset++];
}

static uint32_t ctl_read(void *opaque, uint16_t port, unsigned size)
{
    FWCfgState *s = opaque;
    uint32_t v = 0;

    /* Both ports read the data stream (QEMU behaviour on the combined 0x510 window). */
    for (unsigned i = 0; i < size; i++) {
        v |= (uint32_t)fw_cfg_read_byte(s) << (8 * i);
    }
    return v;
}

static void ctl_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    FWCfgState *s = opaque;

    if (port == FW_CFG_PORT_SEL && size == 2) {
        fw_cfg_select(s, (uint16_t)val);
    } else if (size == 1) {
        log_mask_printf(LOG_UNIMP, "fw_cfg: data port write %#x ignored (items are "
                        "read-only)\n", val);
    } else {
        log_mask_printf(LOG_GUEST_ERRORS, "fw_cfg: %u-byte write to port %#x ignored\n", size,
                        port);
    }
}

static const IOPortOps ctl_ops = {
    .read = ctl_read,
    .write = ctl_write,
    .sizes = IO_SIZE_1 | IO_SIZE_2,
};

static void dma_complete(FWCfgState *s, uint64_t desc, uint32_t control)
{
    uint8_t b[4];

    stl_be_p(b, control);
    if (!mem_dma_write(s->board->mem, desc, b, sizeof(b))) {
        log_mask_printf(LOG_GUEST_ERRORS, "fw_cfg: DMA descriptor %#llx not in RAM\n",
                        (unsigned long long)desc);
    }
}

/* Copy len bytes of the selected item (zeros past its end) to guest address addr. */
static bool dma_read_item(FWCfgState *s, uint64_t addr, uint32_t len)
{
    FWCfgEntry *e = entry_of(s, s->selector);
    uint8_t zeros[FW_CFG_DMA_CHUNK];

    memset(zeros, 0, sizeof(zeros));
    while (len > 0) {
        const uint8_t *src = zeros;
        uint32_t n = MIN(len, (uint32_t)FW_CFG_DMA_CHUNK);

        if (e && s->offset < e->len) {
            n = MIN(n, e->len - s->offset);
            src = e->data + s->offset;
        }
        if (!mem_dma_write(s->board->mem, addr, src, n)) {
            return false;
        }
        if (e && s->offset < e->len) {
            s->offset += n;
        }
        addr += n;
        len -= n;
    }
    return true;
}

static void fw_cfg_dma_transfer(FWCfgState *s, uint64_t desc)
{
    uint8_t d[FW_CFG_DMA_DESC_SIZE];
    uint32_t control, length;
    uint64_t addr;
    bool ok = true;

    if (!mem_dma_read(s->board->mem, desc, d, sizeof(d))) {
        log_mask_printf(LOG_GUEST_ERRORS, "fw_cfg: DMA descriptor %#llx not in RAM\n",
                        (unsigned long long)desc);
        return;
    }
    control = ldl_be_p(d);
    length = ldl_be_p(d + 4);
    addr = ldq_be_p(d + 8);
    if (control & FW_CFG_DMA_CTL_SELECT) {
        fw_cfg_select(s, (uint16_t)(control >> 16));
    }
    if (control & FW_CFG_DMA_CTL_READ) {
        ok = dma_read_item(s, addr, length);
        if (!ok) {
            log_mask_printf(LOG_GUEST_ERRORS, "fw_cfg: DMA read to %#llx+%u outside RAM\n",
                            (unsigned long long)addr, length);
        }
    } else if (control & FW_CFG_DMA_CTL_WRITE) {
        log_mask_printf(LOG_UNIMP, "fw_cfg: DMA write to key %#x: items are read-only\n",
                        s->selector);
        ok = false;
    } else if (control & FW_CFG_DMA_CTL_SKIP) {
        FWCfgEntry *e = entry_of(s, s->selector);
        uint32_t left = e && s->offset < e->len ? e->len - s->offset : 0;

        s->offset += MIN(length, left);
    }
    dma_complete(s, desc, ok ? 0 : FW_CFG_DMA_CTL_ERROR);
}

static uint32_t dma_read(void *opaque, uint16_t port, unsigned size)
{
    static const char sig[8] = {'Q', 'E', 'M', 'U', ' ', 'C', 'F', 'G'};
    unsigned off = port - FW_CFG_PORT_DMA;
    uint32_t v = 0;

    for (unsigned i = 0; i < size && off + i < 8; i++) {
        v |= (uint32_t)(uint8_t)sig[off + i] << (8 * i);
    }
    return v;
}

static uint32_t bswap32_u(uint32_t v)
{
    return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}

static void dma_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    FWCfgState *s = opaque;
    unsigned off = port - FW_CFG_PORT_DMA;

    /* The register is big-endian: the byte at the lowest port is the most significant. */
    if (size == 4 && off == 0) {
        s->dma_hi = bswap32_u(val);
    } else if (size == 4 && off == 4) {
        uint64_t desc;

        s->dma_lo = bswap32_u(val);
        desc = ((uint64_t)s->dma_hi << 32) | s->dma_lo;
        s->dma_hi = s->dma_lo = 0;
        fw_cfg_dma_transfer(s, desc);
    } else {
        log_mask_printf(LOG_GUEST_ERRORS, "fw_cfg: %u-byte write to DMA port %#x ignored\n",
                        size, port);
    }
}

static const IOPortOps dma_ops = {
    .read = dma_read,
    .write = dma_write,
    .sizes = IO_SIZE_1 | IO_SIZE_2 | IO_SIZE_4,
};

/* ---- device ---- */

static void fw_cfg_reset(void *opaque)
{
    FWCfgState *s = opaque;

    s->selector = 0;
    s->offset = 0;
    s->dma_hi = s->dma_lo = 0;
}

static void fw_cfg_init_items(FWCfgState *s, Board *b)
{
    static const uint8_t uuid[16];
    uint64_t below_4g = MIN(b->ram_size, 0xe0000000ull);
    uint8_t empty = 0;

    fw_cfg_add_bytes(s, FW_CFG_SIGNATURE, "QEMU", 4);
    fw_cfg_add_i32(s, FW_CFG_ID, FW_CFG_VERSION | FW_CFG_VERSION_DMA);
    fw_cfg_add_bytes(s, FW_CFG_UUID, uuid, sizeof(uuid));
    fw_cfg_add_i64(s, FW_CFG_RAM_SIZE, b->ram_size);
    fw_cfg_add_i16(s, FW_CFG_NOGRAPHIC, 0);
    fw_cfg_add_i16(s, FW_CFG_NB_CPUS, (uint16_t)b->smp);
    fw_cfg_add_i16(s, FW_CFG_MAX_CPUS, (uint16_t)b->smp);
    fw_cfg_add_i16(s, FW_CFG_BOOT_MENU, 0);
    fw_cfg_add_i64(s, FW_CFG_NUMA, 0);
    fw_cfg_add_i32(s, FW_CFG_IRQ0_OVERRIDE, 1); /* the I/O APIC gets IRQ0 on pin 2 */
    {
        uint8_t v[2];

        stw_le_p(v, (uint16_t)b->smp);
        fw_cfg_add_file(s, "etc/max-cpus", v, sizeof(v));
    }
    {
        uint8_t v[4];

        /* Milliseconds before SeaBIOS retries booting; all ones: never (QEMU default). */
        stl_le_p(v, 0xffffffffu);
        fw_cfg_add_file(s, "etc/boot-fail-wait", v, sizeof(v));
    }
    /* Device paths by boot priority, one per line; none: SeaBIOS uses CMOS 0x3D/0x38. */
    fw_cfg_add_file(s, "bootorder", &empty, 0);
    /* The PC memory map as a real board reports it. */
    fw_cfg_add_e820(s, 0, 0xa0000, E820_RAM);
    fw_cfg_add_e820(s, 0xa0000, 0x60000, E820_RESERVED);
    if (below_4g > 0x100000) {
        fw_cfg_add_e820(s, 0x100000, below_4g - 0x100000, E820_RAM);
    }
    fw_cfg_add_e820(s, 0xfec00000ull, 0x100000000ull - 0xfec00000ull, E820_RESERVED);
}

static void *fw_cfg_init(Board *b, int instance)
{
    FWCfgState *s = xzalloc(sizeof(*s));

    s->board = b;
    io_register(b->io, FW_CFG_PORT_SEL, 2, &ctl_ops, s);
    io_register(b->io, FW_CFG_PORT_DMA, 8, &dma_ops, s);
    fw_cfg_init_items(s, b);
    fw_cfg_reset(s);
    return s;
}

/* Every item holds its own copy of the data (entry_set). */
static void fw_cfg_finalize(void *opaque)
{
    FWCfgState *s = opaque;

    for (size_t i = 0; i < ARRAY_SIZE(s->local); i++) {
        free(s->local[i].data);
    }
    for (size_t i = 0; i < ARRAY_SIZE(s->arch); i++) {
        free(s->arch[i].data);
    }
}

static bool fw_cfg_info(void *opaque, const char *what, FILE *out)
{
    FWCfgState *s = opaque;

    if (strcmp(what, "fw_cfg") != 0) {
        return false;
    }
    fprintf(out, "fw_cfg: selector %#06x offset %u\n", s->selector, s->offset);
    for (int i = 0; i < s->nb_files; i++) {
        fprintf(out, "  %#06x %8u %s\n", s->files[i].key, s->local[s->files[i].key].len,
                s->files[i].name);
    }
    return true;
}

static const VMStateField fw_cfg_fields[] = {
    VMS_U16(FWCfgState, selector),
    VMS_U32(FWCfgState, offset),
    VMS_U32(FWCfgState, dma_hi),
    VMS_U32(FWCfgState, dma_lo),
    VMS_END,
};

static const VMStateDesc fw_cfg_vmsd = {
    .name = "fw_cfg",
    .version = 1,
    .fields = fw_cfg_fields,
};

const DeviceInfo fw_cfg_device = {
    .name = "fw_cfg",
    .init = fw_cfg_init,
    .reset = fw_cfg_reset,
    .vmsd = &fw_cfg_vmsd,
    .info = fw_cfg_info,
    .finalize = fw_cfg_finalize,
};
