/*
 * 8042 keyboard controller (0x60 data, 0x64 status/command) with a PS/2 keyboard and a
 * PS/2 mouse (stream/remote mode, IntelliMouse wheel), plus port 0x92 (fast A20 and
 * INIT). The reset control register 0xCF9 belongs to the PIIX3 (hw/isa/piix3.c).
 *
 * The keyboard speaks scancode set 2 by default; with translation on (command byte bit 6,
 * the BIOS default) the guest reads set 1. Host input arrives as set-1 bytes
 * (machine_send_scancode), so with translation they pass straight through, and are
 * converted to set 2 when the guest turns translation off.
 *
 * Output port: bit 0 = system reset (active low), bit 1 = A20 gate.
 */
#include "hw/devices.h"
#include "util/log.h"

#define KBD_QUEUE_SIZE 64

/* Status register */
#define KBD_STAT_OBF 0x01
#define KBD_STAT_SYS 0x04
#define KBD_STAT_CMD 0x08   /* last write was to 0x64 */
#define KBD_STAT_UNLOCKED 0x10
#define KBD_STAT_AUX_OBF 0x20
/* Command byte */
#define KBD_MODE_KBD_INT 0x01
#define KBD_MODE_AUX_INT 0x02
#define KBD_MODE_SYS 0x04
#define KBD_MODE_DISABLE_KBD 0x10
#define KBD_MODE_DISABLE_AUX 0x20
#define KBD_MODE_XLATE 0x40
/* Output port */
#define KBD_OUT_RESET 0x01 /* active low */
#define KBD_OUT_A20 0x02
#define KBD_OUT_OBF 0x10
#define KBD_OUT_AUX_OBF 0x20

typedef struct ByteQueue {
    uint8_t data[KBD_QUEUE_SIZE];
    uint8_t head, count;
} ByteQueue;

typedef struct KBDState {
    Board *board;
    IRQ irq_kbd, irq_mouse;

    /* controller */
    uint8_t status;
    uint8_t mode;          /* command byte */
    uint8_t outport;
    uint8_t obuf;          /* output buffer contents (valid while OBF) */
    uint8_t pending_cmd;   /* controller command awaiting its data byte, 0 if none */
    uint8_t ram[32];       /* controller RAM 0x20-0x3F (ram[0] mirrors mode) */
    uint8_t port92;

    /* keyboard */
    ByteQueue kq;
    uint8_t kbd_cmd;       /* command awaiting a parameter, 0 if none */
    uint8_t scancode_set;
    uint8_t leds;
    bool kbd_scan;         /* scanning enabled */

    /* mouse */
    ByteQueue mq;
    uint8_t mouse_cmd;
    uint8_t mouse_status;  /* bit 6 remote, bit 5 enabled, bit 4 scaling 2:1 */
    uint8_t mouse_resolution, mouse_rate, mouse_type; /* type: 0 PS/2, 3 IntelliMouse */
    uint8_t rate_seq[3];
    uint8_t mouse_buttons;
    int32_t mouse_dx, mouse_dy, mouse_dz;
    bool mouse_wrap;

    uint8_t irq_kbd_level, irq_mouse_level;
} KBDState;

/* Set-1 make code -> set-2 make code (0: no such key). */
static const uint8_t set1_to_set2[0x60] = {
    /*00*/ 0x00, 0x76, 0x16, 0x1e, 0x26, 0x25, 0x2e, 0x36,
    /*08*/ 0x3d, 0x3e, 0x46, 0x45, 0x4e, 0x55, 0x66, 0x0d,
    /*10*/ 0x15, 0x1d, 0x24, 0x2d, 0x2c, 0x35, 0x3c, 0x43,
    /*18*/ 0x44, 0x4d, 0x54, 0x5b, 0x5a, 0x14, 0x1c, 0x1b,
    /*20*/ 0x23, 0x2b, 0x34, 0x33, 0x3b, 0x42, 0x4b, 0x4c,
    /*28*/ 0x52, 0x0e, 0x12, 0x5d, 0x1a, 0x22, 0x21, 0x2a,
    /*30*/ 0x32, 0x31, 0x3a, 0x41, 0x49, 0x4a, 0x59, 0x7c,
    /*38*/ 0x11, 0x29, 0x58, 0x05, 0x06, 0x04, 0x0c, 0x03,
    /*40*/ 0x0b, 0x83, 0x0a, 0x01, 0x09, 0x77, 0x7e, 0x6c,
    /*48*/ 0x75, 0x7d, 0x7b, 0x6b, 0x73, 0x74, 0x79, 0x69,
    /*50*/ 0x72, 0x7a, 0x70, 0x71, 0x84, 0x00, 0x61, 0x78,
    /*58*/ 0x07, 0x00, 0x00, 0x1f, 0x27, 0x2f, 0x00, 0x00,
};

static void q_put(ByteQueue *q, uint8_t v)
{
    if (q->count == KBD_QUEUE_SIZE) {
        log_mask_printf(LOG_GUEST_ERRORS, "i8042: queue full, byte %02x dropped\n", v);
        return;
    }
    q->data[(q->head + q->count) % KBD_QUEUE_SIZE] = v;
    q->count++;
}

static uint8_t q_get(ByteQueue *q)
{
    uint8_t v = q->data[q->head];

    q->head = (uint8_t)((q->head + 1) % KBD_QUEUE_SIZE);
    q->count--;
    return v;
}

static void kbd_update_irq(KBDState *s)
{
    uint8_t lk = 0, lm = 0;

    /* Refill the output buffer from the devices: keyboard first. */
    if (!(s->status & KBD_STAT_OBF)) {
        if (s->kq.count && !(s->mode & KBD_MODE_DISABLE_KBD)) {
            s->obuf = q_get(&s->kq);
            s->status = (uint8_t)((s->status | KBD_STAT_OBF) & ~KBD_STAT_AUX_OBF);
        } else if (s->mq.count && !(s->mode & KBD_MODE_DISABLE_AUX)) {
            s->obuf = q_get(&s->mq);
            s->status |= KBD_STAT_OBF | KBD_STAT_AUX_OBF;
        }
    }
    if (s->status & KBD_STAT_OBF) {
        if (s->status & KBD_STAT_AUX_OBF) {
            lm = (s->mode & KBD_MODE_AUX_INT) != 0;
        } else {
            lk = (s->mode & KBD_MODE_KBD_INT) != 0;
        }
    }
    s->outport = (uint8_t)((s->outport & ~(KBD_OUT_OBF | KBD_OUT_AUX_OBF)) |
                           (lk ? KBD_OUT_OBF : 0) | (lm ? KBD_OUT_AUX_OBF : 0));
    if (lk != s->irq_kbd_level) {
        s->irq_kbd_level = lk;
        irq_set(&s->irq_kbd, lk);
    }
    if (lm != s->irq_mouse_level) {
        s->irq_mouse_level = lm;
        irq_set(&s->irq_mouse, lm);
    }
}

/* A byte from the controller itself (command responses) goes straight to the buffer,
 * ahead of device data. */
static void kbd_controller_reply(KBDState *s, uint8_t v, bool aux)
{
    s->obuf = v;
    s->status = (uint8_t)((s->status | KBD_STAT_OBF) & ~KBD_STAT_AUX_OBF);
    if (aux) {
        s->status |= KBD_STAT_AUX_OBF;
    }
    kbd_update_irq(s);
}

static void kbd_set_outport(KBDState *s, uint8_t v)
{
    bool a20 = (v & KBD_OUT_A20) != 0;

    if (a20 != ((s->outport & KBD_OUT_A20) != 0)) {
        board_set_a20(s->board, a20);
    }
    s->outport = v;
    if (!(v & KBD_OUT_RESET)) {
        log_mask_printf(LOG_RESET, "i8042: system reset through the output port\n");
        board_request_reset(s->board);
    }
}

/* ---- keyboard ---- */

static void kbd_reply(KBDState *s, uint8_t v)
{
    q_put(&s->kq, v);
}

void kbd_put_scancodes(void *opaque, const uint8_t *codes, size_t n)
{
    KBDState *s = opaque;
    bool xlate = (s->mode & KBD_MODE_XLATE) != 0;

    if (!s->kbd_scan) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t c = codes[i];

        if (xlate || s->scancode_set == 1 || c == 0xe0 || c == 0xe1) {
            kbd_reply(s, c);
        } else {
            uint8_t make = set1_to_set2[(c & 0x7f) < 0x60 ? (c & 0x7f) : 0];

            if (!make) {
                log_mask_printf(LOG_UNIMP, "i8042: no set-2 code for set-1 %02x\n", c);
                continue;
            }
            if (c & 0x80) {
                kbd_reply(s, 0xf0);
            }
            kbd_reply(s, make);
        }
    }
    kbd_update_irq(s);
}

static void kbd_reset_device(KBDState *s)
{
    s->kq.count = s->kq.head = 0;
    s->kbd_cmd = 0;
    s->scancode_set = 2;
    s->leds = 0;
    s->kbd_scan = true;
}

static void kbd_write_device(KBDState *s, uint8_t v)
{
    bool xlate = (s->mode & KBD_MODE_XLATE) != 0;

    if (s->kbd_cmd) {
        uint8_t cmd = s->kbd_cmd;

        s->kbd_cmd = 0;
        switch (cmd) {
        case 0xed:
            s->leds = v & 7;
            kbd_reply(s, 0xfa);
            return;
        case 0xf3:
            kbd_reply(s, 0xfa);
            return;
        case 0xf0:
            kbd_reply(s, 0xfa);
            if (v == 0) {
                static const uint8_t xlated[4] = {0, 0x43, 0x41, 0x3f};

                kbd_reply(s, xlate ? xlated[s->scancode_set] : s->scancode_set);
            } else if (v <= 3) {
                if (v == 3) {
                    log_mask_printf(LOG_UNIMP, "i8042: scancode set 3 behaves as set 2\n");
                }
                s->scancode_set = v;
            }
            return;
        default:
            break;
        }
    }
    switch (v) {
    case 0xed: /* set LEDs */
    case 0xf3: /* set typematic rate */
    case 0xf0: /* select scancode set */
        s->kbd_cmd = v;
        kbd_reply(s, 0xfa);
        break;
    case 0xee: /* echo */
        kbd_reply(s, 0xee);
        break;
    case 0xf2: /* identify */
        kbd_reply(s, 0xfa);
        kbd_reply(s, 0xab);
        kbd_reply(s, xlate ? 0x41 : 0x83);
        break;
    case 0xf4:
        s->kbd_scan = true;
        kbd_reply(s, 0xfa);
        break;
    case 0xf5: /* disable: also restores defaults */
        s->kbd_scan = false;
        kbd_reply(s, 0xfa);
        break;
    case 0xf6:
        s->kbd_scan = true;
        kbd_reply(s, 0xfa);
        break;
    case 0xf7: case 0xf8: case 0xf9: case 0xfa: case 0xfb: case 0xfc: case 0xfd:
        kbd_reply(s, 0xfa); /* set-3 key types: accepted, no effect */
        break;
    case 0xfe: /* resend: nothing was lost */
        kbd_reply(s, 0xfa);
        break;
    case 0xff:
        kbd_reset_device(s);
        kbd_reply(s, 0xfa);
        kbd_reply(s, 0xaa);
        break;
    default:
        log_mask_printf(LOG_GUEST_ERRORS, "i8042: unknown keyboard command %02x\n", v);
        kbd_reply(s, 0xfe);
        break;
    }
}

/* ---- mouse ---- */

static void mouse_reply(KBDState *s, uint8_t v)
{
    q_put(&s->mq, v);
}

static void mouse_reset_device(KBDState *s)
{
    s->mq.count = s->mq.head = 0;
    s->mouse_cmd = 0;
    s->mouse_status = 0;
    s->mouse_resolution = 2;
    s->mouse_rate = 100;
    s->mouse_type = 0;
    s->mouse_dx = s->mouse_dy = s->mouse_dz = 0;
    s->mouse_wrap = false;
    memset(s->rate_seq, 0, sizeof(s->rate_seq));
}

static int32_t clamp9(int32_t v)
{
    return v > 255 ? 255 : v < -256 ? -256 : v;
}

static void mouse_send_packet(KBDState *s)
{
    int32_t dx = clamp9(s->mouse_dx), dy = clamp9(s->mouse_dy);
    int32_t dz = s->mouse_dz > 7 ? 7 : s->mouse_dz < -8 ? -8 : s->mouse_dz;

    mouse_reply(s, (uint8_t)(0x08 | (s->mouse_buttons & 7) | (dx < 0 ? 0x10 : 0) |
                             (dy < 0 ? 0x20 : 0)));
    mouse_reply(s, (uint8_t)dx);
    mouse_reply(s, (uint8_t)dy);
    if (s->mouse_type == 3) {
        mouse_reply(s, (uint8_t)(dz & 0x0f));
    }
    s->mouse_dx -= dx;
    s->mouse_dy -= dy;
    s->mouse_dz -= dz;
}

void kbd_mouse_event(void *opaque, int dx, int dy, int dz, unsigned buttons)
{
    KBDState *s = opaque;

    s->mouse_dx += dx;
    s->mouse_dy += dy;
    s->mouse_dz += dz;
    s->mouse_buttons = (uint8_t)(buttons & 7);
    /* Stream mode with reporting enabled; keep the queue from overflowing. */
    if ((s->mouse_status & 0x60) == 0x20 && s->mq.count + 4 <= KBD_QUEUE_SIZE) {
        mouse_send_packet(s);
        kbd_update_irq(s);
    }
}

static void mouse_write_device(KBDState *s, uint8_t v)
{
    if (s->mouse_wrap && v != 0xec && v != 0xff) {
        mouse_reply(s, v);
        return;
    }
    if (s->mouse_cmd) {
        uint8_t cmd = s->mouse_cmd;

        s->mouse_cmd = 0;
        mouse_reply(s, 0xfa);
        if (cmd == 0xf3) {
            s->mouse_rate = v;
            s->rate_seq[0] = s->rate_seq[1];
            s->rate_seq[1] = s->rate_seq[2];
            s->rate_seq[2] = v;
            /* Sample rates 200, 100, 80 unlock the IntelliMouse wheel. */
            if (s->rate_seq[0] == 200 && s->rate_seq[1] == 100 && s->rate_seq[2] == 80) {
                s->mouse_type = 3;
            }
        } else {
            s->mouse_resolution = v & 3;
        }
        return;
    }
    switch (v) {
    case 0xe6:
        s->mouse_status &= (uint8_t)~0x10;
        mouse_reply(s, 0xfa);
        break;
    case 0xe7:
        s->mouse_status |= 0x10;
        mouse_reply(s, 0xfa);
        break;
    case 0xe8: /* set resolution */
    case 0xf3: /* set sample rate */
        s->mouse_cmd = v;
        mouse_reply(s, 0xfa);
        break;
    case 0xe9: /* status request */
        mouse_reply(s, 0xfa);
        mouse_reply(s, (uint8_t)(s->mouse_status | (s->mouse_buttons & 7)));
        mouse_reply(s, s->mouse_resolution);
        mouse_reply(s, s->mouse_rate);
        break;
    case 0xea: /* stream mode */
        s->mouse_status &= (uint8_t)~0x40;
        mouse_reply(s, 0xfa);
        break;
    case 0xeb: /* read data (remote mode) */
        mouse_reply(s, 0xfa);
        mouse_send_packet(s);
        break;
    case 0xec:
        s->mouse_wrap = false;
        mouse_reply(s, 0xfa);
        break;
    case 0xee:
        s->mouse_wrap = true;
        mouse_reply(s, 0xfa);
        break;
    case 0xf0: /* remote mode */
        s->mouse_status |= 0x40;
        mouse_reply(s, 0xfa);
        break;
    case 0xf2: /* get device id */
        mouse_reply(s, 0xfa);
        mouse_reply(s, s->mouse_type);
        break;
    case 0xf4:
        s->mouse_status |= 0x20;
        mouse_reply(s, 0xfa);
        break;
    case 0xf5:
        s->mouse_status &= (uint8_t)~0x20;
        mouse_reply(s, 0xfa);
        break;
    case 0xf6:
        s->mouse_status = 0;
        s->mouse_resolution = 2;
        s->mouse_rate = 100;
        mouse_reply(s, 0xfa);
        break;
    case 0xff:
        mouse_reset_device(s);
        mouse_reply(s, 0xfa);
        mouse_reply(s, 0xaa);
        mouse_reply(s, 0x00);
        break;
    default:
        log_mask_printf(LOG_GUEST_ERRORS, "i8042: unknown mouse command %02x\n", v);
        mouse_reply(s, 0xfe);
        break;
    }
}

/* ---- controller ---- */

static void kbd_write_command(KBDState *s, uint8_t v)
{
    if (v >= 0xf0) {
        /* Pulse output port bits 0-3 that are 0 in the command: bit 0 is reset. */
        if (!(v & 1)) {
            log_mask_printf(LOG_RESET, "i8042: reset pulse (command %02x)\n", v);
            board_request_reset(s->board);
        }
        return;
    }
    if (v >= 0x20 && v <= 0x3f) {
        kbd_controller_reply(s, v == 0x20 ? s->mode : s->ram[v & 0x1f], false);
        return;
    }
    if (v >= 0x60 && v <= 0x7f) {
        s->pending_cmd = v;
        return;
    }
    switch (v) {
    case 0xa7:
        s->mode |= KBD_MODE_DISABLE_AUX;
        break;
    case 0xa8:
        s->mode &= (uint8_t)~KBD_MODE_DISABLE_AUX;
        break;
    case 0xa9: /* test aux port */
    case 0xab: /* test keyboard port */
        kbd_controller_reply(s, 0x00, false);
        break;
    case 0xaa: /* self test */
        s->status |= KBD_STAT_SYS;
        kbd_controller_reply(s, 0x55, false);
        break;
    case 0xad:
        s->mode |= KBD_MODE_DISABLE_KBD;
        break;
    case 0xae:
        s->mode &= (uint8_t)~KBD_MODE_DISABLE_KBD;
        break;
    case 0xc0: /* read input port: keyboard not inhibited */
        kbd_controller_reply(s, 0x80, false);
        break;
    case 0xd0:
        kbd_controller_reply(s, s->outport, false);
        break;
    case 0xd1: /* write output port */
    case 0xd2: /* write keyboard output buffer */
    case 0xd3: /* write aux output buffer */
    case 0xd4: /* write to aux device */
        s->pending_cmd = v;
        break;
    case 0xdd:
        kbd_set_outport(s, (uint8_t)(s->outport & ~KBD_OUT_A20));
        break;
    case 0xdf:
        kbd_set_outport(s, (uint8_t)(s->outport | KBD_OUT_A20));
        break;
    case 0xe0: /* read test inputs */
        kbd_controller_reply(s, 0x00, false);
        break;
    default:
        log_mask_printf(LOG_UNIMP, "i8042: unsupported controller command %02x\n", v);
        break;
    }
    kbd_update_irq(s);
}

static void kbd_write_data(KBDState *s, uint8_t v)
{
    uint8_t cmd = s->pending_cmd;

    s->pending_cmd = 0;
    if (cmd >= 0x60 && cmd <= 0x7f) {
        if (cmd == 0x60) {
            s->mode = v;
            s->status = (uint8_t)((s->status & ~KBD_STAT_SYS) | (v & KBD_MODE_SYS));
        } else {
            s->ram[cmd & 0x1f] = v;
        }
    } else if (cmd == 0xd1) {
        kbd_set_outport(s, v);
    } else if (cmd == 0xd2) {
        kbd_controller_reply(s, v, false);
    } else if (cmd == 0xd3) {
        kbd_controller_reply(s, v, true);
    } else if (cmd == 0xd4) {
        mouse_write_device(s, v);
    } else {
        /* Data for the keyboard also enables its interface, as the 8042 firmware does. */
        s->mode &= (uint8_t)~KBD_MODE_DISABLE_KBD;
        kbd_write_device(s, v);
    }
    kbd_update_irq(s);
}

static uint32_t kbd_read(void *opaque, uint16_t port, unsigned size)
{
    KBDState *s = opaque;
    uint8_t v;

    if (port == 0x64) {
        return s->status;
    }
    /* Port 0x60: reading does not wait; an empty buffer returns the last byte again. */
    v = s->obuf;
    s->status &= (uint8_t)~(KBD_STAT_OBF | KBD_STAT_AUX_OBF);
    kbd_update_irq(s);
    return v;
}

static void kbd_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    KBDState *s = opaque;

    if (port == 0x64) {
        s->status |= KBD_STAT_CMD;
        kbd_write_command(s, (uint8_t)val);
    } else {
        s->status &= (uint8_t)~KBD_STAT_CMD;
        kbd_write_data(s, (uint8_t)val);
    }
}

/* Port 0x92 (PS/2 system control port A): bit 1 = A20, bit 0 = fast reset (0 -> 1). */
static uint32_t port92_read(void *opaque, uint16_t port, unsigned size)
{
    KBDState *s = opaque;

    return (s->port92 & ~2u) | (s->board->a20_enabled ? 2 : 0);
}

static void port92_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    KBDState *s = opaque;
    bool a20 = (val & 2) != 0;

    s->port92 = (uint8_t)(val & ~1u);
    if (a20 != s->board->a20_enabled) {
        board_set_a20(s->board, a20);
        s->outport = (uint8_t)((s->outport & ~KBD_OUT_A20) | (a20 ? KBD_OUT_A20 : 0));
    }
    if (val & 1) {
        log_mask_printf(LOG_RESET, "port 0x92: fast reset\n");
        board_request_reset(s->board);
    }
}

static const IOPortOps kbd_ops = {
    .read = kbd_read,
    .write = kbd_write,
};

static const IOPortOps port92_ops = {
    .read = port92_read,
    .write = port92_write,
};

static void i8042_reset(void *opaque)
{
    KBDState *s = opaque;

    s->status = KBD_STAT_UNLOCKED;
    s->mode = KBD_MODE_KBD_INT | KBD_MODE_SYS | KBD_MODE_XLATE;
    s->outport = KBD_OUT_RESET | KBD_OUT_A20;
    s->pending_cmd = 0;
    s->port92 = 0;
    memset(s->ram, 0, sizeof(s->ram));
    kbd_reset_device(s);
    mouse_reset_device(s);
    s->mouse_buttons = 0;
    s->irq_kbd_level = s->irq_mouse_level = 0;
    irq_lower(&s->irq_kbd);
    irq_lower(&s->irq_mouse);
    board_set_a20(s->board, true);
}

static void *i8042_init(Board *b, int instance)
{
    KBDState *s = xzalloc(sizeof(*s));

    s->board = b;
    s->irq_kbd = b->isa_irq[1];
    s->irq_mouse = b->isa_irq[12];
    io_register(b->io, 0x60, 1, &kbd_ops, s);
    io_register(b->io, 0x64, 1, &kbd_ops, s);
    io_register(b->io, 0x92, 1, &port92_ops, s);
    i8042_reset(s);
    return s;
}

static bool i8042_info(void *opaque, const char *what, FILE *out)
{
    KBDState *s = opaque;

    if (strcmp(what, "kbd") != 0 && strcmp(what, "mice") != 0) {
        return false;
    }
    fprintf(out, "i8042: status=%02x mode=%02x outport=%02x kq=%u mq=%u set=%u leds=%u "
            "mouse: status=%02x type=%u rate=%u\n", s->status, s->mode, s->outport, s->kq.count,
            s->mq.count, s->scancode_set, s->leds, s->mouse_status, s->mouse_type,
            s->mouse_rate);
    return true;
}

static const VMStateField queue_fields[] = {
    VMS_U8_ARRAY(ByteQueue, data),
    VMS_U8(ByteQueue, head),
    VMS_U8(ByteQueue, count),
    VMS_END,
};

static const VMStateDesc queue_vmsd = {
    .name = "i8042-queue",
    .version = 1,
    .fields = queue_fields,
};

static const VMStateField i8042_fields[] = {
    VMS_U8(KBDState, status),
    VMS_U8(KBDState, mode),
    VMS_U8(KBDState, outport),
    VMS_U8(KBDState, obuf),
    VMS_U8(KBDState, pending_cmd),
    VMS_U8_ARRAY(KBDState, ram),
    VMS_U8(KBDState, port92),
    VMS_STRUCT_ARRAY(KBDState, kq, ByteQueue, queue_vmsd),
    VMS_U8(KBDState, kbd_cmd),
    VMS_U8(KBDState, scancode_set),
    VMS_U8(KBDState, leds),
    VMS_BOOL(KBDState, kbd_scan),
    VMS_STRUCT_ARRAY(KBDState, mq, ByteQueue, queue_vmsd),
    VMS_U8(KBDState, mouse_cmd),
    VMS_U8(KBDState, mouse_status),
    VMS_U8(KBDState, mouse_resolution),
    VMS_U8(KBDState, mouse_rate),
    VMS_U8(KBDState, mouse_type),
    VMS_U8_ARRAY(KBDState, rate_seq),
    VMS_U8(KBDState, mouse_buttons),
    VMS_I32(KBDState, mouse_dx),
    VMS_I32(KBDState, mouse_dy),
    VMS_I32(KBDState, mouse_dz),
    VMS_BOOL(KBDState, mouse_wrap),
    VMS_END,
};

static int i8042_post_load(void *opaque)
{
    KBDState *s = opaque;

    if (s->kq.head >= KBD_QUEUE_SIZE || s->kq.count > KBD_QUEUE_SIZE ||
        s->mq.head >= KBD_QUEUE_SIZE || s->mq.count > KBD_QUEUE_SIZE || s->scancode_set > 3) {
        return -1;
    }
    s->irq_kbd_level = s->irq_mouse_level = 0xff;
    kbd_update_irq(s);
    board_set_a20(s->board, (s->outport & KBD_OUT_A20) != 0);
    return 0;
}

static const VMStateDesc i8042_vmsd = {
    .name = "i8042",
    .version = 2, /* 2: 0xCF8-0xCFB moved to the PCI host bridge and the PIIX3 */
    .fields = i8042_fields,
    .post_load = i8042_post_load,
};

const DeviceInfo i8042_device = {
    .name = "i8042",
    .init = i8042_init,
    .reset = i8042_reset,
    .vmsd = &i8042_vmsd,
    .info = i8042_info,
};
