/*
 * 8042 keyboard controller (0x60 data, 0x64 status/command) with a PS/2 keyboard and a
 * PS/2 mouse (stream/remote mode, 2:1 scaling, IntelliMouse wheel), plus port 0x92 (PS/2
 * system control port A: fast A20 and fast reset). The reset control register 0xCF9
 * belongs to the PIIX3 (hw/isa/piix3.c).
 *
 * Keyboard: host input arrives as set-1 bytes (kbd_put_scancodes: the UI and the monitor's
 * sendkey), which the keyboard turns into key presses and releases and sends in its current
 * scancode set (1, 2 or 3; 2 after reset), as a real keyboard does. The 8042 then applies
 * its set 2 -> set 1 translation (command byte bit 6, the BIOS default) to every byte it
 * receives from the keyboard, command replies included ("AB 83" reads "AB 41"; a byte after
 * F0 arrives with bit 7 set), so a guest that selects set 1 or 3 also sees what it would on
 * hardware. The last key pressed repeats (typematic) on the virtual clock at the rate and
 * after the delay set with command F3; host key-repeat events for a key that is already down
 * are ignored (Pause excepted: the host sends no release for it), so only the
 * guest-programmed rate is seen. LEDs (ED) are kept for the monitor.
 *
 * Deviations: the keyboard and mouse answer at once (no 1 ms serial transfer per byte); a
 * mouse packet is sent for every host motion event rather than at most once per sample
 * period; resolution only reads back. A controller reply (0x20, 0xD0, ...) replaces a device
 * byte still unread in the output buffer, as the 8042 documentation warns. In scancode set 3 every key is typematic and
 * make/break after reset (IBM keyboards make some keys make-only by default; Linux switches
 * to all make/break with FA anyway); the key type commands F7-FD work as documented.
 *
 * A20: the gate follows the last write to either the output port (bit 1) or port 0x92 (bit
 * 1), as on QEMU's PC, which Debian's SeaBIOS expects; a PIIX3 board ORs the two sources.
 * Port 0x92 bit 0 (0 -> 1) resets the whole machine here, not only the CPU (INIT).
 *
 * Output port: bit 0 = system reset (active low), bit 1 = A20 gate, bits 4/5 = IRQ1/IRQ12.
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
/* Port 0x92 */
#define PORT92_RESET 0x01
#define PORT92_A20 0x02

/* Keyboard replies */
#define KBD_REPLY_ACK 0xfa
#define KBD_REPLY_RESEND 0xfe
#define KBD_REPLY_BAT_OK 0xaa
#define KBD_REPLY_ECHO 0xee

/* Typematic byte (command F3): bits 0-4 rate, 5-6 delay; default 10.9 cps after 500 ms. */
#define KBD_TYPEMATIC_DEFAULT 0x2b

/* Set-3 key types (bit 0: send a break code, bit 1: repeat while held). */
#define KEYTYPE_BREAK 0x01
#define KEYTYPE_REPEAT 0x02
#define KEYTYPE_ALL (KEYTYPE_BREAK | KEYTYPE_REPEAT)

/* A key as the keyboard knows it: a set-1 make code, KEY_EXT for E0-prefixed keys. */
#define KEY_EXT 0x100
#define KEY_PAUSE 0x200 /* E1 1D 45 in set 1: make only, never repeats */
#define KEY_NONE 0xffff

/* Mouse status byte (command E9) */
#define MOUSE_STAT_REMOTE 0x40
#define MOUSE_STAT_ENABLED 0x20
#define MOUSE_STAT_SCALE21 0x10
#define MOUSE_STAT_LEFT 0x04
#define MOUSE_STAT_MIDDLE 0x02
#define MOUSE_STAT_RIGHT 0x01

typedef struct ByteQueue {
    uint8_t data[KBD_QUEUE_SIZE];
    uint8_t head, count;
} ByteQueue;

typedef struct KBDState {
    Board *board;
    IRQ irq_kbd, irq_mouse;
    Timer *typematic_timer;

    /* controller */
    uint8_t status;
    uint8_t mode;          /* command byte */
    uint8_t outport;
    uint8_t obuf;          /* output buffer contents (valid while OBF) */
    uint8_t pending_cmd;   /* controller command awaiting its data byte, 0 if none */
    uint8_t ram[32];       /* controller RAM 0x20-0x3F (ram[0] mirrors mode) */
    uint8_t port92;
    bool xlate_break;      /* translation: an F0 from the keyboard was swallowed */

    /* keyboard */
    ByteQueue kq;          /* bytes sent by the keyboard, untranslated */
    uint8_t kbd_cmd;       /* command awaiting a parameter (or a set-3 key list), 0 if none */
    uint8_t scancode_set;
    uint8_t leds;
    uint8_t typematic;     /* F3 parameter */
    uint8_t last_sent;     /* for the resend command */
    uint8_t host_prefix;   /* host set-1 parser: 0, 0xe0, or 0xe1 + bytes of Pause seen */
    uint16_t repeat_key;   /* the key that repeats, KEY_NONE if none */
    uint8_t keys_down[32]; /* host keys held, to drop the host's own auto-repeat */
    bool kbd_scan;         /* scanning enabled */
    uint8_t keytype[256];  /* set-3 key types by set-3 code */

    /* mouse */
    ByteQueue mq;
    uint8_t mouse_cmd;
    uint8_t mouse_status;  /* MOUSE_STAT_REMOTE / _ENABLED / _SCALE21 */
    uint8_t mouse_resolution, mouse_rate, mouse_type; /* type: 0 PS/2, 3 IntelliMouse */
    uint8_t rate_seq[3];
    uint8_t mouse_buttons; /* bit 0 left, 1 right, 2 middle */
    int32_t mouse_dx, mouse_dy, mouse_dz;
    bool mouse_wrap;

    uint8_t irq_kbd_level, irq_mouse_level;
} KBDState;

/*
 * The 8042's translation of bytes received from the keyboard (command byte bit 6), for
 * bytes 0x00-0x7F; bytes 0x80-0xFF pass unchanged except 0x83 -> 0x41 (F7) and
 * 0x84 -> 0x54 (SysRq), and an F0 prefix is swallowed and sets bit 7 of the next byte.
 * For set-2 key codes this yields set 1.
 */
static const uint8_t xlate_table[0x80] = {
    /*00*/ 0xff, 0x43, 0x41, 0x3f, 0x3d, 0x3b, 0x3c, 0x58,
    /*08*/ 0x64, 0x44, 0x42, 0x40, 0x3e, 0x0f, 0x29, 0x59,
    /*10*/ 0x65, 0x38, 0x2a, 0x70, 0x1d, 0x10, 0x02, 0x5a,
    /*18*/ 0x66, 0x71, 0x2c, 0x1f, 0x1e, 0x11, 0x03, 0x5b,
    /*20*/ 0x67, 0x2e, 0x2d, 0x20, 0x12, 0x05, 0x04, 0x5c,
    /*28*/ 0x68, 0x39, 0x2f, 0x21, 0x14, 0x13, 0x06, 0x5d,
    /*30*/ 0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5e,
    /*38*/ 0x6a, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5f,
    /*40*/ 0x6b, 0x33, 0x25, 0x17, 0x18, 0x0b, 0x0a, 0x60,
    /*48*/ 0x6c, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0c, 0x61,
    /*50*/ 0x6d, 0x73, 0x28, 0x74, 0x1a, 0x0d, 0x62, 0x6e,
    /*58*/ 0x3a, 0x36, 0x1c, 0x1b, 0x75, 0x2b, 0x63, 0x76,
    /*60*/ 0x55, 0x56, 0x77, 0x78, 0x79, 0x7a, 0x0e, 0x7b,
    /*68*/ 0x7c, 0x4f, 0x7d, 0x4b, 0x47, 0x7e, 0x7f, 0x6f,
    /*70*/ 0x52, 0x53, 0x50, 0x4c, 0x4d, 0x48, 0x01, 0x45,
    /*78*/ 0x57, 0x4e, 0x51, 0x4a, 0x37, 0x49, 0x46, 0x54,
};

/*
 * Set-1 make code -> set-2 make code (0: none). Set 1 is by definition what the 8042's
 * translation makes of set 2, so the set-2 code is the byte that xlate_table maps to the
 * set-1 code; E0-prefixed keys use the same mapping after their E0 (E0 1D right Ctrl ->
 * E0 14). Two set-1 codes have two sources: 0x41 (F7) is set-2 0x83, not the unused 0x02,
 * and 0x54 (Alt+SysRq) is set-2 0x84, not the unused 0x7F.
 */
static uint8_t set1_to_set2(uint8_t set1)
{
    if (set1 == 0x41) {
        return 0x83;
    }
    if (set1 == 0x54) {
        return 0x84;
    }
    for (unsigned i = 1; i < ARRAY_SIZE(xlate_table); i++) {
        if (xlate_table[i] == set1) {
            return (uint8_t)i;
        }
    }
    return 0;
}

/* Set 3: one code per key, F0 + code on release. Where a key's set-3 code differs from
 * its set-2 code, this table has it (by set-1 key); every other non-E0 key keeps its
 * set-2 code, and E0 keys not listed have no set-3 code. */
static const struct {
    uint16_t key;
    uint8_t code;
} set3_codes[] = {
    {0x01, 0x08}, /* Esc */
    {0x3b, 0x07}, {0x3c, 0x0f}, {0x3d, 0x17}, {0x3e, 0x1f}, /* F1-F4 */
    {0x3f, 0x27}, {0x40, 0x2f}, {0x41, 0x37}, {0x42, 0x3f}, /* F5-F8 */
    {0x43, 0x47}, {0x44, 0x4f}, {0x57, 0x56}, {0x58, 0x5e}, /* F9-F12 */
    {0x1d, 0x11}, /* left Ctrl */
    {0x38, 0x19}, /* left Alt */
    {0x3a, 0x14}, /* Caps Lock */
    {0x2b, 0x5c}, /* backslash */
    {0x45, 0x76}, /* Num Lock */
    {0x46, 0x5f}, /* Scroll Lock */
    {0x37, 0x7e}, /* keypad * */
    {0x4a, 0x84}, /* keypad - */
    {0x4e, 0x7c}, /* keypad + */
    {0x54, 0x57}, /* Alt+SysRq: the Print Screen key */
    {0x56, 0x13}, /* the 102nd key (ISO, left of Z) */
    {KEY_EXT | 0x1c, 0x79}, /* keypad Enter */
    {KEY_EXT | 0x1d, 0x58}, /* right Ctrl */
    {KEY_EXT | 0x35, 0x77}, /* keypad / */
    {KEY_EXT | 0x37, 0x57}, /* Print Screen */
    {KEY_EXT | 0x38, 0x39}, /* right Alt */
    {KEY_EXT | 0x46, 0x62}, /* Ctrl+Break: the Pause key */
    {KEY_EXT | 0x47, 0x6e}, /* Home */
    {KEY_EXT | 0x48, 0x63}, /* Up */
    {KEY_EXT | 0x49, 0x6f}, /* Page Up */
    {KEY_EXT | 0x4b, 0x61}, /* Left */
    {KEY_EXT | 0x4d, 0x6a}, /* Right */
    {KEY_EXT | 0x4f, 0x65}, /* End */
    {KEY_EXT | 0x50, 0x60}, /* Down */
    {KEY_EXT | 0x51, 0x6d}, /* Page Down */
    {KEY_EXT | 0x52, 0x67}, /* Insert */
    {KEY_EXT | 0x53, 0x64}, /* Delete */
    {KEY_EXT | 0x5b, 0x8b}, /* left Windows */
    {KEY_EXT | 0x5c, 0x8c}, /* right Windows */
    {KEY_EXT | 0x5d, 0x8d}, /* Menu */
    {KEY_PAUSE, 0x62},
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

static void q_clear(ByteQueue *q)
{
    q->head = q->count = 0;
}

/* ---- controller ---- */

/* The next keyboard byte as the controller presents it (translated if XLATE is on).
 * Returns false if the queue held only a swallowed F0. */
static bool kbd_next_byte(KBDState *s, uint8_t *out)
{
    while (s->kq.count) {
        uint8_t v = q_get(&s->kq);

        if (!(s->mode & KBD_MODE_XLATE)) {
            *out = v;
            return true;
        }
        if (v == 0xf0) {
            s->xlate_break = true;
            continue;
        }
        if (v < 0x80) {
            v = xlate_table[v];
        } else if (v == 0x83) {
            v = 0x41;
        } else if (v == 0x84) {
            v = 0x54;
        }
        if (s->xlate_break) {
            v |= 0x80;
            s->xlate_break = false;
        }
        *out = v;
        return true;
    }
    return false;
}

static void kbd_update_irq(KBDState *s)
{
    uint8_t lk = 0, lm = 0, v;

    /* Refill the output buffer from the devices: keyboard first. */
    if (!(s->status & KBD_STAT_OBF)) {
        if (s->kq.count && !(s->mode & KBD_MODE_DISABLE_KBD) && kbd_next_byte(s, &v)) {
            s->obuf = v;
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
        s->port92 = (uint8_t)((s->port92 & ~PORT92_A20) | (a20 ? PORT92_A20 : 0));
    }
    s->outport = v;
    if (!(v & KBD_OUT_RESET)) {
        log_mask_printf(LOG_RESET, "i8042: system reset through the output port\n");
        board_request_reset(s->board);
    }
}

/* ---- keyboard ---- */

static void kbd_send(KBDState *s, uint8_t v)
{
    s->last_sent = v;
    q_put(&s->kq, v);
}

static uint8_t key_set3_code(uint16_t key)
{
    for (size_t i = 0; i < ARRAY_SIZE(set3_codes); i++) {
        if (set3_codes[i].key == key) {
            return set3_codes[i].code;
        }
    }
    if (key & (KEY_EXT | KEY_PAUSE)) {
        return 0;
    }
    return set1_to_set2((uint8_t)(key & 0x7f));
}

/* Send the make (or break) code of key in the current set. */
static void kbd_send_key(KBDState *s, uint16_t key, bool release)
{
    uint8_t code;

    switch (s->scancode_set) {
    case 1:
        if (key == KEY_PAUSE) {
            static const uint8_t pause1[] = {0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5};

            for (size_t i = 0; i < sizeof(pause1) && !release; i++) {
                kbd_send(s, pause1[i]);
            }
            return;
        }
        if (key & KEY_EXT) {
            kbd_send(s, 0xe0);
        }
        kbd_send(s, (uint8_t)((key & 0x7f) | (release ? 0x80 : 0)));
        return;
    case 3:
        code = key_set3_code(key);
        if (!code) {
            if (!(key == (KEY_EXT | 0x2a) || key == (KEY_EXT | 0x36))) { /* fake shifts */
                log_mask_printf(LOG_UNIMP, "i8042: key %03x has no set-3 code\n", key);
            }
            return;
        }
        if (release && !(s->keytype[code] & KEYTYPE_BREAK)) {
            return;
        }
        if (release) {
            kbd_send(s, 0xf0);
        }
        kbd_send(s, code);
        return;
    default:
        if (key == KEY_PAUSE) {
            static const uint8_t pause2[] = {0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77};

            for (size_t i = 0; i < sizeof(pause2) && !release; i++) {
                kbd_send(s, pause2[i]);
            }
            return;
        }
        code = set1_to_set2((uint8_t)(key & 0x7f));
        if (!code) {
            log_mask_printf(LOG_UNIMP, "i8042: set-1 key %03x has no set-2 code\n", key);
            return;
        }
        if (key & KEY_EXT) {
            kbd_send(s, 0xe0);
        }
        if (release) {
            kbd_send(s, 0xf0);
        }
        kbd_send(s, code);
        return;
    }
}

/* Typematic delay (bits 5-6: 250 ms steps from 250 ms) and period (bits 0-4: period =
 * (8 + A) * 2^B * 4.17 ms, A = bits 0-2, B = bits 3-4), from the keyboard specification. */
static int64_t kbd_typematic_delay_ns(const KBDState *s)
{
    return (int64_t)(((s->typematic >> 5) & 3) + 1) * 250 * 1000000LL;
}

static int64_t kbd_typematic_period_ns(const KBDState *s)
{
    unsigned a = s->typematic & 7, b = (s->typematic >> 3) & 3;

    return (int64_t)(8 + a) * (1 << b) * 4170000LL;
}

static bool kbd_key_repeats(KBDState *s, uint16_t key)
{
    uint8_t code;

    if (key == KEY_PAUSE || key == (KEY_EXT | 0x46) || key == (KEY_EXT | 0x2a) ||
        key == (KEY_EXT | 0x36)) {
        return false; /* Pause/Break and the E0 fake shifts never repeat */
    }
    if (s->scancode_set != 3) {
        return true;
    }
    code = key_set3_code(key);
    return code && (s->keytype[code] & KEYTYPE_REPEAT);
}

static void kbd_stop_repeat(KBDState *s)
{
    s->repeat_key = KEY_NONE;
    timer_del(s->typematic_timer);
}

static void kbd_typematic_cb(void *opaque)
{
    KBDState *s = opaque;

    if (s->repeat_key == KEY_NONE || !s->kbd_scan) {
        return;
    }
    kbd_send_key(s, s->repeat_key, false);
    timer_mod(s->typematic_timer, vclock_ns() + kbd_typematic_period_ns(s));
    kbd_update_irq(s);
}

static void kbd_key_event(KBDState *s, uint16_t key, bool release)
{
    /* Keys held down, by set-1 code (bit 7: E0 prefix). Pause has no release to track. */
    unsigned idx = ((key & KEY_EXT) ? 0x80 : 0) | (key & 0x7f);
    uint8_t bit = (uint8_t)(1u << (idx & 7));

    if (key != KEY_PAUSE) {
        if (!release && (s->keys_down[idx >> 3] & bit)) {
            return; /* host auto-repeat: the keyboard repeats by itself, if at all */
        }
        s->keys_down[idx >> 3] = (uint8_t)(release ? s->keys_down[idx >> 3] & ~bit
                                                   : s->keys_down[idx >> 3] | bit);
    }
    kbd_send_key(s, key, release);
    if (release) {
        if (key == s->repeat_key) {
            kbd_stop_repeat(s);
        }
    } else if (kbd_key_repeats(s, key)) {
        s->repeat_key = key;
        timer_mod(s->typematic_timer, vclock_ns() + kbd_typematic_delay_ns(s));
    } else {
        kbd_stop_repeat(s);
    }
}

void kbd_put_scancodes(void *opaque, const uint8_t *codes, size_t n)
{
    KBDState *s = opaque;

    for (size_t i = 0; i < n; i++) {
        uint8_t c = codes[i];

        if (s->host_prefix >= 0xe1) {
            /* Pause: E1 1D 45 E1 9D C5, one key press without a release. */
            s->host_prefix++;
            if (s->host_prefix == 0xe1 + 5) {
                s->host_prefix = 0;
                if (s->kbd_scan) {
                    kbd_key_event(s, KEY_PAUSE, false);
                }
            }
            continue;
        }
        if (c == 0xe0 || c == 0xe1) {
            s->host_prefix = c;
            continue;
        }
        if (s->kbd_scan) {
            kbd_key_event(s, (uint16_t)((s->host_prefix == 0xe0 ? KEY_EXT : 0) | (c & 0x7f)),
                          (c & 0x80) != 0);
        }
        s->host_prefix = 0;
    }
    kbd_update_irq(s);
}

/* Power-on defaults (BAT, F5, F6): typematic rate, set-3 key types, LEDs off. */
static void kbd_set_defaults(KBDState *s)
{
    s->scancode_set = 2;
    s->typematic = KBD_TYPEMATIC_DEFAULT;
    s->leds = 0;
    memset(s->keytype, KEYTYPE_ALL, sizeof(s->keytype));
    kbd_stop_repeat(s);
}

static void kbd_reset_device(KBDState *s)
{
    q_clear(&s->kq);
    s->kbd_cmd = 0;
    s->host_prefix = 0;
    s->last_sent = 0;
    memset(s->keys_down, 0, sizeof(s->keys_down));
    kbd_set_defaults(s);
    s->kbd_scan = true;
}

/* Bytes 0xED-0xFF are commands; while a command waits for its parameter, a command byte
 * with bit 7 set starts a new command instead (parameters of ED, F0 and F3 are < 0x80). */
static bool kbd_is_command(uint8_t v)
{
    return v >= 0xed;
}

static void kbd_write_device(KBDState *s, uint8_t v)
{
    if (s->kbd_cmd && !(s->kbd_cmd >= 0xfb && s->kbd_cmd <= 0xfd && kbd_is_command(v)) &&
        !(s->kbd_cmd < 0xfb && kbd_is_command(v) && (v & 0x80))) {
        uint8_t cmd = s->kbd_cmd;

        switch (cmd) {
        case 0xed:
            s->kbd_cmd = 0;
            s->leds = v & 7;
            kbd_send(s, KBD_REPLY_ACK);
            return;
        case 0xf3:
            s->kbd_cmd = 0;
            s->typematic = v & 0x7f;
            kbd_send(s, KBD_REPLY_ACK);
            return;
        case 0xf0:
            s->kbd_cmd = 0;
            kbd_send(s, KBD_REPLY_ACK);
            if (v == 0) {
                kbd_send(s, s->scancode_set);
            } else if (v <= 3) {
                s->scancode_set = v;
                kbd_stop_repeat(s);
            } else {
                log_mask_printf(LOG_GUEST_ERRORS, "i8042: no scancode set %u\n", v);
            }
            return;
        default: /* FB, FC, FD: a list of set-3 codes, until the next command */
            s->keytype[v] = cmd == 0xfb ? KEYTYPE_REPEAT : cmd == 0xfc ? KEYTYPE_BREAK : 0;
            kbd_send(s, KBD_REPLY_ACK);
            return;
        }
    }
    s->kbd_cmd = 0;
    switch (v) {
    case 0xed: /* set LEDs */
    case 0xf3: /* set typematic rate and delay */
    case 0xf0: /* select or read the scancode set */
    case 0xfb: /* set-3 key list: typematic */
    case 0xfc: /* ... make/break */
    case 0xfd: /* ... make only */
        s->kbd_cmd = v;
        kbd_send(s, KBD_REPLY_ACK);
        break;
    case 0xee: /* echo */
        kbd_send(s, KBD_REPLY_ECHO);
        break;
    case 0xf2: /* identify: MF2 keyboard */
        kbd_send(s, KBD_REPLY_ACK);
        kbd_send(s, 0xab);
        kbd_send(s, 0x83);
        break;
    case 0xf4: /* enable: clears the buffer and the typematic key */
        q_clear(&s->kq);
        kbd_stop_repeat(s);
        s->kbd_scan = true;
        kbd_send(s, KBD_REPLY_ACK);
        break;
    case 0xf5: /* default disable */
        q_clear(&s->kq);
        kbd_set_defaults(s);
        s->kbd_scan = false;
        kbd_send(s, KBD_REPLY_ACK);
        break;
    case 0xf6: /* set defaults */
        q_clear(&s->kq);
        kbd_set_defaults(s);
        s->kbd_scan = true;
        kbd_send(s, KBD_REPLY_ACK);
        break;
    case 0xf7: /* all keys typematic (set 3) */
    case 0xf8: /* ... make/break */
    case 0xf9: /* ... make only */
    case 0xfa: /* ... typematic and make/break */
        memset(s->keytype, v == 0xf7 ? KEYTYPE_REPEAT : v == 0xf8 ? KEYTYPE_BREAK :
                           v == 0xf9 ? 0 : KEYTYPE_ALL, sizeof(s->keytype));
        kbd_send(s, KBD_REPLY_ACK);
        break;
    case 0xfe: /* resend the last byte */
        q_put(&s->kq, s->last_sent);
        break;
    case 0xff:
        kbd_reset_device(s);
        kbd_send(s, KBD_REPLY_ACK);
        kbd_send(s, KBD_REPLY_BAT_OK);
        break;
    default:
        log_mask_printf(LOG_GUEST_ERRORS, "i8042: unknown keyboard command %02x\n", v);
        kbd_send(s, KBD_REPLY_RESEND);
        break;
    }
}

/* ---- mouse ---- */

static void mouse_reply(KBDState *s, uint8_t v)
{
    q_put(&s->mq, v);
}

static void mouse_set_defaults(KBDState *s)
{
    s->mouse_status = 0; /* stream mode, reporting disabled, 1:1 scaling */
    s->mouse_resolution = 2;
    s->mouse_rate = 100;
    s->mouse_dx = s->mouse_dy = s->mouse_dz = 0;
}

static void mouse_reset_device(KBDState *s)
{
    q_clear(&s->mq);
    s->mouse_cmd = 0;
    s->mouse_type = 0;
    s->mouse_wrap = false;
    memset(s->rate_seq, 0, sizeof(s->rate_seq));
    mouse_set_defaults(s);
}

/* 2:1 scaling of one packet's movement (stream mode only). */
static int32_t mouse_scale21(int32_t v)
{
    static const int8_t small[6] = {0, 1, 1, 3, 6, 9};
    int32_t a = v < 0 ? -v : v;

    a = a < 6 ? small[a] : 2 * a;
    return v < 0 ? -a : a;
}

/* Send the accumulated movement as one packet; scale: 2:1 scaling applies (stream). */
static void mouse_send_packet(KBDState *s, bool scale)
{
    int32_t dx = s->mouse_dx, dy = s->mouse_dy;
    int32_t dz = s->mouse_dz > 7 ? 7 : s->mouse_dz < -8 ? -8 : s->mouse_dz;
    uint8_t b0 = (uint8_t)(0x08 | (s->mouse_buttons & 7));

    if (scale && (s->mouse_status & MOUSE_STAT_SCALE21)) {
        dx = mouse_scale21(dx);
        dy = mouse_scale21(dy);
    }
    /* 9-bit two's complement counters; the overflow bits report a clipped value. */
    if (dx > 255 || dx < -256) {
        b0 |= 0x40;
        dx = dx > 0 ? 255 : -256;
    }
    if (dy > 255 || dy < -256) {
        b0 |= 0x80;
        dy = dy > 0 ? 255 : -256;
    }
    b0 |= (uint8_t)((dx < 0 ? 0x10 : 0) | (dy < 0 ? 0x20 : 0));
    mouse_reply(s, b0);
    mouse_reply(s, (uint8_t)dx);
    mouse_reply(s, (uint8_t)dy);
    if (s->mouse_type == 3) {
        mouse_reply(s, (uint8_t)dz); /* the whole byte is Z, sign-extended (-8..7) */
    }
    /* The counters restart after every packet (the host's excess motion is dropped). */
    s->mouse_dx = s->mouse_dy = 0;
    s->mouse_dz -= dz;
}

void kbd_mouse_event(void *opaque, int dx, int dy, int dz, unsigned buttons)
{
    KBDState *s = opaque;

    s->mouse_dx += MAX(MIN(dx, 4096), -4096);
    s->mouse_dy += MAX(MIN(dy, 4096), -4096);
    s->mouse_dz += MAX(MIN(dz, 64), -64);
    s->mouse_dx = MAX(MIN(s->mouse_dx, 65536), -65536);
    s->mouse_dy = MAX(MIN(s->mouse_dy, 65536), -65536);
    s->mouse_dz = MAX(MIN(s->mouse_dz, 64), -64);
    s->mouse_buttons = (uint8_t)(buttons & 7);
    /* Stream mode with reporting enabled; keep the queue from overflowing. */
    if ((s->mouse_status & (MOUSE_STAT_REMOTE | MOUSE_STAT_ENABLED)) == MOUSE_STAT_ENABLED &&
        !s->mouse_wrap && s->mq.count + 4 <= KBD_QUEUE_SIZE) {
        mouse_send_packet(s, true);
        kbd_update_irq(s);
    }
}

/* Status byte (E9): mode bits, then the buttons as left (bit 2), middle (1), right (0). */
static uint8_t mouse_status_byte(KBDState *s)
{
    return (uint8_t)(s->mouse_status | ((s->mouse_buttons & 1) ? MOUSE_STAT_LEFT : 0) |
                     ((s->mouse_buttons & 2) ? MOUSE_STAT_RIGHT : 0) |
                     ((s->mouse_buttons & 4) ? MOUSE_STAT_MIDDLE : 0));
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
            /* Sample rates 200, 100, 80 in a row unlock the IntelliMouse wheel. */
            if (s->rate_seq[0] == 200 && s->rate_seq[1] == 100 && s->rate_seq[2] == 80) {
                s->mouse_type = 3;
            }
        } else {
            s->mouse_resolution = v & 3;
        }
        return;
    }
    switch (v) {
    case 0xe6: /* scaling 1:1 */
        s->mouse_status &= (uint8_t)~MOUSE_STAT_SCALE21;
        mouse_reply(s, 0xfa);
        break;
    case 0xe7: /* scaling 2:1 */
        s->mouse_status |= MOUSE_STAT_SCALE21;
        mouse_reply(s, 0xfa);
        break;
    case 0xe8: /* set resolution */
    case 0xf3: /* set sample rate */
        s->mouse_cmd = v;
        mouse_reply(s, 0xfa);
        break;
    case 0xe9: /* status request */
        mouse_reply(s, 0xfa);
        mouse_reply(s, mouse_status_byte(s));
        mouse_reply(s, s->mouse_resolution);
        mouse_reply(s, s->mouse_rate);
        break;
    case 0xea: /* stream mode */
        s->mouse_status &= (uint8_t)~MOUSE_STAT_REMOTE;
        s->mouse_dx = s->mouse_dy = s->mouse_dz = 0;
        mouse_reply(s, 0xfa);
        break;
    case 0xeb: /* read data (remote mode): no 2:1 scaling */
        mouse_reply(s, 0xfa);
        mouse_send_packet(s, false);
        break;
    case 0xec: /* reset wrap mode */
        s->mouse_wrap = false;
        s->mouse_dx = s->mouse_dy = s->mouse_dz = 0;
        mouse_reply(s, 0xfa);
        break;
    case 0xee: /* wrap (echo) mode */
        s->mouse_wrap = true;
        s->mouse_dx = s->mouse_dy = s->mouse_dz = 0;
        mouse_reply(s, 0xfa);
        break;
    case 0xf0: /* remote mode */
        s->mouse_status |= MOUSE_STAT_REMOTE;
        s->mouse_dx = s->mouse_dy = s->mouse_dz = 0;
        mouse_reply(s, 0xfa);
        break;
    case 0xf2: /* get device id */
        mouse_reply(s, 0xfa);
        mouse_reply(s, s->mouse_type);
        break;
    case 0xf4: /* enable data reporting */
        s->mouse_status |= MOUSE_STAT_ENABLED;
        s->mouse_dx = s->mouse_dy = s->mouse_dz = 0;
        mouse_reply(s, 0xfa);
        break;
    case 0xf5: /* disable data reporting */
        s->mouse_status &= (uint8_t)~MOUSE_STAT_ENABLED;
        s->mouse_dx = s->mouse_dy = s->mouse_dz = 0;
        mouse_reply(s, 0xfa);
        break;
    case 0xf6: /* set defaults */
        mouse_set_defaults(s);
        mouse_reply(s, 0xfa);
        break;
    case 0xfe: /* resend: the last packet is not kept, send a fresh one */
        mouse_send_packet(s, false);
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

/* ---- controller commands ---- */

static void kbd_write_command(KBDState *s, uint8_t v)
{
    /* A new command abandons one still waiting for its data byte. */
    s->pending_cmd = 0;
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
    case 0xa4: /* password installed? */
        kbd_controller_reply(s, 0xf1, false); /* no */
        break;
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
    /* The read empties the buffer: IRQ1/IRQ12 drop before the 8042 refills it, so a
     * following byte is a new edge for the (edge-triggered) interrupt controller. */
    if (s->irq_kbd_level) {
        s->irq_kbd_level = 0;
        irq_lower(&s->irq_kbd);
    }
    if (s->irq_mouse_level) {
        s->irq_mouse_level = 0;
        irq_lower(&s->irq_mouse);
    }
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

    return (s->port92 & ~(uint32_t)PORT92_A20) | (s->board->a20_enabled ? PORT92_A20 : 0);
}

static void port92_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    KBDState *s = opaque;
    bool a20 = (val & PORT92_A20) != 0;
    bool reset = (val & PORT92_RESET) && !(s->port92 & PORT92_RESET);

    s->port92 = (uint8_t)val;
    if (a20 != s->board->a20_enabled) {
        board_set_a20(s->board, a20);
        s->outport = (uint8_t)((s->outport & ~KBD_OUT_A20) | (a20 ? KBD_OUT_A20 : 0));
    }
    if (reset) {
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
    s->port92 = PORT92_A20;
    s->xlate_break = false;
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
    s->typematic_timer = timer_new(kbd_typematic_cb, s);
    io_register(b->io, 0x60, 1, &kbd_ops, s);
    io_register(b->io, 0x64, 1, &kbd_ops, s);
    io_register(b->io, 0x92, 1, &port92_ops, s);
    i8042_reset(s);
    return s;
}

static void i8042_finalize(void *opaque)
{
    KBDState *s = opaque;

    timer_free(s->typematic_timer);
}

static bool i8042_info(void *opaque, const char *what, FILE *out)
{
    KBDState *s = opaque;

    if (strcmp(what, "kbd") != 0 && strcmp(what, "mice") != 0) {
        return false;
    }
    fprintf(out, "i8042: status=%02x mode=%02x outport=%02x kq=%u mq=%u set=%u leds=%u "
            "(scroll %s, num %s, caps %s) typematic=%02x repeat=%03x\n", s->status, s->mode,
            s->outport, s->kq.count, s->mq.count, s->scancode_set, s->leds,
            (s->leds & 1) ? "on" : "off", (s->leds & 2) ? "on" : "off",
            (s->leds & 4) ? "on" : "off", s->typematic, s->repeat_key);
    fprintf(out, "mouse: status=%02x type=%u rate=%u resolution=%u\n", s->mouse_status,
            s->mouse_type, s->mouse_rate, s->mouse_resolution);
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

/* One ByteQueue (a single struct, not an array of them). */
#define I8042_QUEUE_FIELD(f)                                                                   \
    {#f, offsetof(KBDState, f), VMS_TYPE_STRUCT, 1, &queue_vmsd, sizeof(ByteQueue)}

static const VMStateField i8042_fields[] = {
    VMS_U8(KBDState, status),
    VMS_U8(KBDState, mode),
    VMS_U8(KBDState, outport),
    VMS_U8(KBDState, obuf),
    VMS_U8(KBDState, pending_cmd),
    VMS_U8_ARRAY(KBDState, ram),
    VMS_U8(KBDState, port92),
    VMS_BOOL(KBDState, xlate_break),
    I8042_QUEUE_FIELD(kq),
    VMS_U8(KBDState, kbd_cmd),
    VMS_U8(KBDState, scancode_set),
    VMS_U8(KBDState, leds),
    VMS_U8(KBDState, typematic),
    VMS_U8(KBDState, last_sent),
    VMS_U8(KBDState, host_prefix),
    VMS_U16(KBDState, repeat_key),
    VMS_U8_ARRAY(KBDState, keys_down),
    VMS_BOOL(KBDState, kbd_scan),
    VMS_U8_ARRAY(KBDState, keytype),
    VMS_TIMER(KBDState, typematic_timer),
    I8042_QUEUE_FIELD(mq),
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
        s->mq.head >= KBD_QUEUE_SIZE || s->mq.count > KBD_QUEUE_SIZE ||
        s->scancode_set < 1 || s->scancode_set > 3) {
        return -1;
    }
    s->irq_kbd_level = s->irq_mouse_level = 0xff;
    kbd_update_irq(s);
    board_set_a20(s->board, (s->outport & KBD_OUT_A20) != 0);
    return 0;
}

static const VMStateDesc i8042_vmsd = {
    .name = "i8042",
    /* 2: 0xCF8-0xCFB moved to the PCI host bridge and the PIIX3; 3: typematic, set 3 */
    .version = 3,
    .fields = i8042_fields,
    .post_load = i8042_post_load,
};

const DeviceInfo i8042_device = {
    .name = "i8042",
    .init = i8042_init,
    .reset = i8042_reset,
    .vmsd = &i8042_vmsd,
    .info = i8042_info,
    .finalize = i8042_finalize,
};
