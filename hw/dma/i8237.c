/*
 * Two cascaded 8237A DMA controllers: DMA1 (8-bit channels 0-3) at ports 0x00-0x0F and
 * DMA2 (16-bit channels 4-7, channel 4 = cascade from DMA1) at 0xC0-0xDF (one register per
 * even port; odd ports alias, as the chip ignores A0), and the page registers 0x81-0x8F
 * (0x87 ch0, 0x83 ch1, 0x81 ch2, 0x82 ch3, 0x8F ch4, 0x8B ch5, 0x89 ch6, 0x8A ch7; the
 * others are plain storage). Port 0x80 would be an unused page register, but it is the
 * POST code port and belongs to hw/misc/port80.c.
 *
 * Addresses: channels 0-3 use page << 16 | address (wrapping in 64 KiB), channels 4-7
 * (page & 0xFE) << 16 | address << 1, counting words (wrapping in 128 KiB).
 *
 * Not implemented (logged under unimp): memory-to-memory transfers (command bit 0). The
 * timing/priority bits of the command register are stored only: transfers happen when a
 * device calls dma_transfer().
 */
#include "hw/dma/i8237.h"

#include "hw/devices.h"
#include "util/log.h"

#define DMA_CMD_MEM_TO_MEM 0x01
#define DMA_CMD_DISABLE 0x04

typedef struct DMAChannel {
    uint16_t base_addr, base_count;
    uint16_t cur_addr, cur_count;
    uint8_t mode;
} DMAChannel;

typedef struct DMAController {
    DMAChannel ch[4];
    uint8_t command;
    uint8_t status;  /* bits 0-3 TC reached, 4-7 DREQ */
    uint8_t mask;    /* bits 0-3 */
    uint8_t request; /* software requests, bits 0-3 */
    uint8_t flip_flop;
    uint8_t temp;
} DMAController;

struct I8237State {
    Board *board;
    DMAController dma[2];
    uint8_t page[16];    /* ports 0x80-0x8F (index 0 unused: port 80 is POST) */
};

/* Page register index (port - 0x80) of each channel. */
static const uint8_t page_index[8] = {0x7, 0x3, 0x1, 0x2, 0xf, 0xb, 0x9, 0xa};

I8237State *i8237_find(Board *b)
{
    return board_find_device(b, "i8237", 0);
}

static void dma_master_clear(DMAController *c)
{
    c->command = 0;
    c->status = 0;
    c->request = 0;
    c->flip_flop = 0;
    c->temp = 0;
    c->mask = 0x0f;
}

/* ---- registers ---- */

static uint8_t dma_read_reg(DMAController *c, unsigned reg)
{
    if (reg < 8) {
        DMAChannel *ch = &c->ch[reg >> 1];
        uint16_t v = (reg & 1) ? ch->cur_count : ch->cur_addr;
        uint8_t b = (uint8_t)(c->flip_flop ? v >> 8 : v);

        c->flip_flop ^= 1;
        return b;
    }
    switch (reg) {
    case 8: {
        uint8_t v = c->status;

        c->status &= 0xf0; /* reading clears the TC bits */
        return v;
    }
    case 13:
        return c->temp;
    case 15:
        return (uint8_t)(0xf0 | c->mask);
    default:
        return 0xff;
    }
}

static void dma_write_reg(DMAController *c, unsigned reg, uint8_t v, int first_channel)
{
    if (reg < 8) {
        DMAChannel *ch = &c->ch[reg >> 1];
        uint16_t *base = (reg & 1) ? &ch->base_count : &ch->base_addr;
        uint16_t *cur = (reg & 1) ? &ch->cur_count : &ch->cur_addr;

        if (c->flip_flop) {
            *base = (uint16_t)((*base & 0x00ff) | (v << 8));
        } else {
            *base = (uint16_t)((*base & 0xff00) | v);
        }
        *cur = *base;
        c->flip_flop ^= 1;
        return;
    }
    switch (reg) {
    case 8:
        c->command = v;
        if (v & DMA_CMD_MEM_TO_MEM) {
            log_mask_printf(LOG_UNIMP, "i8237: memory-to-memory DMA not supported\n");
        }
        break;
    case 9:
        if (v & 4) {
            c->request |= (uint8_t)(1u << (v & 3));
        } else {
            c->request &= (uint8_t)~(1u << (v & 3));
        }
        break;
    case 10:
        if (v & 4) {
            c->mask |= (uint8_t)(1u << (v & 3));
        } else {
            c->mask &= (uint8_t)~(1u << (v & 3));
        }
        break;
    case 11:
        c->ch[v & 3].mode = v;
        if ((v & DMA_MODE_XFER_MASK) == DMA_MODE_XFER_MASK) {
            log_mask_printf(LOG_GUEST_ERRORS, "i8237: channel %d: illegal transfer type\n",
                            first_channel + (v & 3));
        }
        break;
    case 12:
        c->flip_flop = 0;
        break;
    case 13:
        dma_master_clear(c);
        break;
    case 14:
        c->mask = 0;
        break;
    case 15:
        c->mask = v & 0x0f;
        break;
    default:
        break;
    }
}

static uint32_t dma1_read(void *opaque, uint16_t port, unsigned size)
{
    I8237State *s = opaque;

    return dma_read_reg(&s->dma[0], port & 0x0f);
}

static void dma1_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    I8237State *s = opaque;

    dma_write_reg(&s->dma[0], port & 0x0f, (uint8_t)val, 0);
}

static uint32_t dma2_read(void *opaque, uint16_t port, unsigned size)
{
    I8237State *s = opaque;

    return dma_read_reg(&s->dma[1], ((port - 0xc0) >> 1) & 0x0f);
}

static void dma2_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    I8237State *s = opaque;

    dma_write_reg(&s->dma[1], ((port - 0xc0) >> 1) & 0x0f, (uint8_t)val, 4);
}

static uint32_t page_read(void *opaque, uint16_t port, unsigned size)
{
    I8237State *s = opaque;

    return s->page[port & 0x0f];
}

static void page_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    I8237State *s = opaque;

    s->page[port & 0x0f] = (uint8_t)val;
}

static const IOPortOps dma1_ops = {.read = dma1_read, .write = dma1_write};
static const IOPortOps dma2_ops = {.read = dma2_read, .write = dma2_write};
static const IOPortOps page_ops = {.read = page_read, .write = page_write};

/* ---- device side ---- */

static bool channel_ok(int channel)
{
    if (channel < 0 || channel > 7) {
        log_mask_printf(LOG_GUEST_ERRORS, "i8237: no DMA channel %d\n", channel);
        return false;
    }
    return true;
}

bool dma_channel_ready(I8237State *s, int channel)
{
    DMAController *c;

    if (!channel_ok(channel)) {
        return false;
    }
    c = &s->dma[channel >> 2];
    if ((c->command & DMA_CMD_DISABLE) || (c->mask & (1u << (channel & 3)))) {
        return false;
    }
    /* DMA1 reaches the bus through DMA2's channel 4 (cascade). */
    if (channel < 4 && ((s->dma[1].command & DMA_CMD_DISABLE) || (s->dma[1].mask & 1))) {
        return false;
    }
    return (c->ch[channel & 3].mode & DMA_MODE_CASCADE) != DMA_MODE_CASCADE;
}

uint8_t dma_channel_mode(I8237State *s, int channel)
{
    return channel_ok(channel) ? s->dma[channel >> 2].ch[channel & 3].mode : 0;
}

uint32_t dma_channel_remaining(I8237State *s, int channel)
{
    if (!channel_ok(channel)) {
        return 0;
    }
    return ((uint32_t)s->dma[channel >> 2].ch[channel & 3].cur_count + 1) << (channel >> 2);
}

void dma_set_dreq(I8237State *s, int channel, bool level)
{
    DMAController *c;

    if (!channel_ok(channel)) {
        return;
    }
    c = &s->dma[channel >> 2];
    if (level) {
        c->status |= (uint8_t)(0x10u << (channel & 3));
    } else {
        c->status &= (uint8_t)~(0x10u << (channel & 3));
    }
}

int dma_transfer(I8237State *s, int channel, void *buf, int len, bool *tc)
{
    DMAController *c;
    DMAChannel *ch;
    unsigned shift, units, done = 0;
    uint8_t xfer;
    uint8_t *p = buf;
    uint64_t page;

    if (tc) {
        *tc = false;
    }
    if (len <= 0 || !dma_channel_ready(s, channel)) {
        return 0;
    }
    c = &s->dma[channel >> 2];
    ch = &c->ch[channel & 3];
    shift = channel >> 2;          /* 0: bytes, 1: words */
    xfer = ch->mode & DMA_MODE_XFER_MASK;
    units = (unsigned)len >> shift;
    page = shift ? (uint64_t)(s->page[page_index[channel]] & 0xfe) << 16 :
                   (uint64_t)s->page[page_index[channel]] << 16;
    while (done < units) {
        uint64_t addr = page | ((uint64_t)ch->cur_addr << shift);
        unsigned run = 1;
        size_t nbytes;

        if (!(ch->mode & DMA_MODE_DECREMENT)) {
            /* Contiguous up to the address wrap, terminal count, or the request. */
            run = MIN(units - done, 0x10000u - ch->cur_addr);
            run = MIN(run, (unsigned)ch->cur_count + 1);
        }
        nbytes = (size_t)run << shift;
        if (xfer == DMA_MODE_WRITE) {
            mem_dma_write(s->board->mem, addr, p + ((size_t)done << shift), nbytes);
        } else if (xfer == DMA_MODE_READ) {
            mem_dma_read(s->board->mem, addr, p + ((size_t)done << shift), nbytes);
        }
        done += run;
        if (ch->mode & DMA_MODE_DECREMENT) {
            ch->cur_addr--;
        } else {
            ch->cur_addr = (uint16_t)(ch->cur_addr + run);
        }
        if ((unsigned)ch->cur_count + 1 == run) {
            /* Terminal count: the count went through 0 to 0xFFFF. */
            c->status |= (uint8_t)(1u << (channel & 3));
            c->request &= (uint8_t)~(1u << (channel & 3));
            if (ch->mode & DMA_MODE_AUTOINIT) {
                ch->cur_addr = ch->base_addr;
                ch->cur_count = ch->base_count;
            } else {
                ch->cur_count = 0xffff;
                c->mask |= (uint8_t)(1u << (channel & 3));
            }
            if (tc) {
                *tc = true;
            }
            break;
        }
        ch->cur_count = (uint16_t)(ch->cur_count - run);
    }
    return (int)(done << shift);
}

/* ---- device ---- */

static void i8237_reset(void *opaque)
{
    I8237State *s = opaque;

    for (int i = 0; i < 2; i++) {
        dma_master_clear(&s->dma[i]);
        for (int j = 0; j < 4; j++) {
            s->dma[i].ch[j] = (DMAChannel){0};
        }
    }
    memset(s->page, 0, sizeof(s->page));
}

static void *i8237_init(Board *b, int instance)
{
    I8237State *s = xzalloc(sizeof(*s));

    s->board = b;
    io_register(b->io, 0x00, 16, &dma1_ops, s);
    io_register(b->io, 0xc0, 32, &dma2_ops, s);
    io_register(b->io, 0x81, 15, &page_ops, s);
    i8237_reset(s);
    return s;
}

static bool i8237_info(void *opaque, const char *what, FILE *out)
{
    I8237State *s = opaque;

    if (strcmp(what, "dma") != 0) {
        return false;
    }
    for (int n = 0; n < 8; n++) {
        DMAController *c = &s->dma[n >> 2];
        DMAChannel *ch = &c->ch[n & 3];

        fprintf(out, "DMA%d: page %02x base %04x/%04x cur %04x/%04x mode %02x%s\n", n,
                s->page[page_index[n]], ch->base_addr, ch->base_count, ch->cur_addr,
                ch->cur_count, ch->mode, (c->mask & (1u << (n & 3))) ? " masked" : "");
    }
    return true;
}

static const VMStateField dma_channel_fields[] = {
    VMS_U16(DMAChannel, base_addr),
    VMS_U16(DMAChannel, base_count),
    VMS_U16(DMAChannel, cur_addr),
    VMS_U16(DMAChannel, cur_count),
    VMS_U8(DMAChannel, mode),
    VMS_END,
};

static const VMStateDesc dma_channel_vmsd = {
    .name = "i8237-channel",
    .version = 1,
    .fields = dma_channel_fields,
};

static const VMStateField dma_controller_fields[] = {
    VMS_STRUCT_ARRAY(DMAController, ch, DMAChannel, dma_channel_vmsd),
    VMS_U8(DMAController, command),
    VMS_U8(DMAController, status),
    VMS_U8(DMAController, mask),
    VMS_U8(DMAController, request),
    VMS_U8(DMAController, flip_flop),
    VMS_U8(DMAController, temp),
    VMS_END,
};

static const VMStateDesc dma_controller_vmsd = {
    .name = "i8237-controller",
    .version = 1,
    .fields = dma_controller_fields,
};

static const VMStateField i8237_fields[] = {
    VMS_STRUCT_ARRAY(I8237State, dma, DMAController, dma_controller_vmsd),
    VMS_U8_ARRAY(I8237State, page),
    VMS_END,
};

static const VMStateDesc i8237_vmsd = {
    .name = "i8237",
    .version = 1,
    .fields = i8237_fields,
};

const DeviceInfo i8237_device = {
    .name = "i8237",
    .init = i8237_init,
    .reset = i8237_reset,
    .vmsd = &i8237_vmsd,
    .info = i8237_info,
};
