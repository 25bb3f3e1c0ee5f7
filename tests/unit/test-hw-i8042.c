/*
 * 8042 keyboard controller, PS/2 keyboard and PS/2 mouse, driven through ports 0x60/0x64/0x92
 * and the host input calls (kbd_put_scancodes, kbd_mouse_event), with exact byte sequences:
 *  - controller: command byte (0x20/0x60) and its RAM, 0xA7/0xA8/0xAD/0xAE, 0xAA/0xAB/0xA9,
 *    0xD0/0xD1 (A20, reset), 0xD2/0xD3/0xD4, the 0xF0-0xFF reset pulse, a command abandoning
 *    another's data byte, IRQ1/IRQ12 against the command-byte interrupt enables;
 *  - keyboard: make/break of ordinary, E0 and Pause keys in sets 1, 2 and 3 with translation
 *    off and on, typematic delay and rate on the virtual clock (F3), set-3 key types
 *    (F7-FD), ED LEDs, F0 select/query, F2, EE, F4/F5/F6, FE resend, FF reset;
 *  - mouse: F2 ID and the 200/100/80 IntelliMouse sequence, E6/E7/E8/E9/EA/EB/F0/F4/F5/F6,
 *    wrap mode, stream packets with 2:1 scaling, overflow and the wheel byte, remote mode;
 *  - port 0x92 fast A20 and reset; the save-state round trip.
 * Expected scancodes are those of the IBM/Microsoft scancode tables (set 1 = translated
 * set 2), not values computed by the device.
 */
#include <string.h>

#include "hw-test.h"

static Board b;
static IRQRecorder rec;
static void *kbd;
static int resets, a20_calls;
static bool a20_last;

static void on_reset(void *opaque)
{
    resets++;
}

static void on_a20(void *opaque, bool enabled)
{
    a20_calls++;
    a20_last = enabled;
}

static const char *hex(const uint8_t *p, size_t n, char *buf, size_t size)
{
    size_t off = 0;

    buf[0] = 0;
    for (size_t i = 0; i < n && off + 4 < size; i++) {
        off += (size_t)snprintf(buf + off, size - off, "%s%02x", i ? " " : "", p[i]);
    }
    return buf;
}

/* Read every byte the controller has (status bit 0), checking each against the expected
 * sequence and its source (status bit 5: mouse). */
static void expect_bytes(int line, const char *what, bool aux, const uint8_t *exp, size_t n)
{
    uint8_t got[160];
    size_t k = 0;
    bool src_ok = true;
    char g[512], e[512];

    while (k < sizeof(got) && (inb(&b, 0x64) & 0x01)) {
        if (((inb(&b, 0x64) & 0x20) != 0) != aux) {
            src_ok = false;
        }
        got[k++] = inb(&b, 0x60);
    }
    CHECK(k == n && (n == 0 || memcmp(got, exp, n) == 0) && src_ok,
          "line %d: %s: got [%s]%s, expected [%s]",
          line, what, hex(got, k, g, sizeof(g)), src_ok ? "" : " (wrong source bit)",
          hex(exp, n, e, sizeof(e)));
}

#define BYTES(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})
#define EXPECT_KBD(what, ...) expect_bytes(__LINE__, what, false, BYTES(__VA_ARGS__))
#define EXPECT_AUX(what, ...) expect_bytes(__LINE__, what, true, BYTES(__VA_ARGS__))
#define EXPECT_NONE(what) expect_bytes(__LINE__, what, false, NULL, 0)

#define KEYS(...) kbd_put_scancodes(kbd, BYTES(__VA_ARGS__))

static void cmd(uint8_t v)
{
    outb(&b, 0x64, v);
}

static void data(uint8_t v)
{
    outb(&b, 0x60, v);
}

static uint8_t read_cmd_byte(void)
{
    cmd(0x20);
    return inb(&b, 0x60);
}

static void set_cmd_byte(uint8_t v)
{
    cmd(0x60);
    data(v);
}

static void mouse(uint8_t v)
{
    cmd(0xd4);
    data(v);
}

static void drain(void)
{
    for (int i = 0; i < 200 && (inb(&b, 0x64) & 0x01); i++) {
        (void)inb(&b, 0x60);
    }
}

/* Typematic timing from the F3 byte: delay (bits 5-6 + 1) * 250 ms, period
 * (8 + bits 0-2) * 2^(bits 3-4) * 4.17 ms, as the keyboard specification gives them. */
static int64_t tm_delay(uint8_t t)
{
    return (int64_t)(((t >> 5) & 3) + 1) * 250000000LL;
}

static int64_t tm_period(uint8_t t)
{
    return (int64_t)(8 + (t & 7)) * (1 << ((t >> 3) & 3)) * 4170000LL;
}

static void test_controller(void)
{
    uint8_t v;

    CHECK(inb(&b, 0x64) == 0x10, "status after reset 0x%02x, expected 0x10", inb(&b, 0x64));
    v = read_cmd_byte();
    CHECK(v == 0x45, "command byte after reset 0x%02x, expected 0x45 (xlate, sys, IRQ1)", v);
    CHECK(inb(&b, 0x64) & 0x08, "status bit 3: last write was a command");
    set_cmd_byte(0x45);
    CHECK(!(inb(&b, 0x64) & 0x08), "status bit 3 clear after a data write");

    /* Command byte bit 2 is the status register's system flag. */
    set_cmd_byte(0x41);
    CHECK(!(inb(&b, 0x64) & 0x04), "system flag follows command byte bit 2 (off)");
    CHECK(read_cmd_byte() == 0x41, "command byte reads back 0x41");
    set_cmd_byte(0x45);
    CHECK(inb(&b, 0x64) & 0x04, "system flag follows command byte bit 2 (on)");

    /* Internal RAM 0x21-0x3F through 0x61-0x7F. */
    cmd(0x65);
    data(0x5a);
    cmd(0x7f);
    data(0xc3);
    cmd(0x25);
    EXPECT_KBD("RAM byte 5", 0x5a);
    cmd(0x3f);
    EXPECT_KBD("RAM byte 31", 0xc3);

    /* Self test and interface tests. */
    cmd(0xaa);
    EXPECT_KBD("0xAA self test", 0x55);
    CHECK(inb(&b, 0x64) & 0x04, "system flag set after the self test");
    cmd(0xab);
    EXPECT_KBD("0xAB keyboard interface test", 0x00);
    cmd(0xa9);
    EXPECT_KBD("0xA9 aux interface test", 0x00);

    /* Port enables through command byte bits 4 and 5. */
    cmd(0xa7);
    CHECK(read_cmd_byte() == 0x65, "0xA7 sets command byte bit 5");
    cmd(0xa8);
    CHECK(read_cmd_byte() == 0x45, "0xA8 clears command byte bit 5");
    cmd(0xad);
    CHECK(read_cmd_byte() == 0x55, "0xAD sets command byte bit 4");
    KEYS(0x1e);
    EXPECT_NONE("keyboard interface disabled: no byte");
    cmd(0xae);
    EXPECT_KBD("key held back while disabled arrives after 0xAE", 0x1e);
    CHECK(read_cmd_byte() == 0x45, "0xAE clears command byte bit 4");
    KEYS(0x9e);
    EXPECT_KBD("release", 0x9e);

    /* A command waiting for its data byte is abandoned by the next command: the data byte
     * then goes to the keyboard (ED -> FA), not into the command byte. */
    cmd(0x60);
    cmd(0x20);
    EXPECT_KBD("0x20 after an abandoned 0x60", 0x45);
    data(0xee);
    EXPECT_KBD("the next data byte goes to the keyboard (echo)", 0xee);
    CHECK(read_cmd_byte() == 0x45, "command byte unchanged");

    /* Output port: reset (bit 0, active low) and A20 (bit 1). */
    cmd(0xd0);
    EXPECT_KBD("0xD0 output port", 0x03);
    a20_calls = 0;
    cmd(0xd1);
    data(0x01);
    CHECK(a20_calls == 1 && !a20_last && !b.a20_enabled, "0xD1 bit 1 = 0 disables A20");
    CHECK(!(inb(&b, 0x92) & 0x02), "port 0x92 bit 1 shows A20 off");
    cmd(0xd0);
    EXPECT_KBD("0xD0 after disabling A20", 0x01);
    cmd(0xd1);
    data(0x03);
    CHECK(a20_calls == 2 && a20_last && b.a20_enabled, "0xD1 bit 1 = 1 enables A20");
    CHECK(inb(&b, 0x92) & 0x02, "port 0x92 bit 1 shows A20 on");
    cmd(0xdd);
    CHECK(!b.a20_enabled, "0xDD disables A20");
    cmd(0xdf);
    CHECK(b.a20_enabled, "0xDF enables A20");
    resets = 0;
    cmd(0xd1);
    data(0x02);
    CHECK(resets == 1, "0xD1 with bit 0 clear resets the system (%d)", resets);
    cmd(0xd1);
    data(0x03);
    CHECK(resets == 1, "0xD1 with bit 0 set does not reset");

    /* Pulse output port: 0xFE pulses bit 0 (reset), 0xFF pulses nothing. */
    cmd(0xff);
    CHECK(resets == 1, "0xFF pulses no line");
    cmd(0xfe);
    CHECK(resets == 2, "0xFE resets the system (%d)", resets);
    cmd(0xfc);
    CHECK(resets == 3, "0xFC pulses bit 0 too");
    cmd(0xf1);
    CHECK(resets == 3, "0xF1 leaves bit 0 alone");

    /* 0xD2/0xD3: bytes as if from the keyboard / the mouse, with their IRQ. */
    set_cmd_byte(0x47);
    rec.rises[1] = rec.rises[12] = 0;
    cmd(0xd2);
    data(0x5a);
    CHECK(rec.level[1] == 1 && rec.rises[1] == 1 && rec.level[12] == 0, "0xD2 raises IRQ1");
    CHECK((inb(&b, 0x64) & 0x21) == 0x01, "0xD2 byte is a keyboard byte");
    EXPECT_KBD("0xD2 echo", 0x5a);
    CHECK(rec.level[1] == 0, "IRQ1 drops when the byte is read");
    cmd(0xd3);
    data(0xa5);
    CHECK(rec.level[12] == 1 && rec.rises[12] == 1 && rec.level[1] == 0, "0xD3 raises IRQ12");
    EXPECT_AUX("0xD3 echo", 0xa5);
    CHECK(rec.level[12] == 0, "IRQ12 drops when the byte is read");
    set_cmd_byte(0x44); /* both interrupts off */
    cmd(0xd2);
    data(0x11);
    cmd(0xd3);
    data(0x22);
    CHECK(rec.level[1] == 0 && rec.level[12] == 0, "no IRQ with the enables off");
    EXPECT_AUX("0xD3 overwrote the 0xD2 byte (one output buffer)", 0x22);
    set_cmd_byte(0x45);

    /* 0xD4: to the mouse; the answer is an aux byte. */
    mouse(0xf2);
    EXPECT_AUX("0xD4 F2: mouse ID", 0xfa, 0x00);

    /* Input port and test inputs answer something without hanging. */
    cmd(0xc0);
    CHECK(inb(&b, 0x64) & 0x01, "0xC0 answers");
    drain();
}

static void test_port92(void)
{
    resets = 0;
    a20_calls = 0;
    CHECK((inb(&b, 0x92) & 0x03) == 0x02, "port 0x92 after reset: A20 on, reset bit 0");
    outb(&b, 0x92, 0x00);
    CHECK(a20_calls == 1 && !a20_last && !b.a20_enabled, "port 0x92 bit 1 = 0: A20 off");
    cmd(0xd0);
    EXPECT_KBD("output port follows port 0x92's A20", 0x01);
    outb(&b, 0x92, 0x02);
    CHECK(a20_calls == 2 && a20_last && b.a20_enabled, "port 0x92 bit 1 = 1: A20 on");
    CHECK(resets == 0, "no reset without bit 0");
    outb(&b, 0x92, 0x03);
    CHECK(resets == 1, "bit 0 going 0 -> 1 resets (%d)", resets);
    outb(&b, 0x92, 0x03);
    CHECK(resets == 1, "bit 0 staying 1 does not reset again");
    outb(&b, 0x92, 0x02);
    outb(&b, 0x92, 0x03);
    CHECK(resets == 2, "a new 0 -> 1 edge resets again");
    outb(&b, 0x92, 0x02);
    CHECK(b.a20_enabled, "A20 still on");
}

static void test_keyboard_commands(void)
{
    set_cmd_byte(0x05); /* translation off */
    data(0xff);
    EXPECT_KBD("FF reset: ACK, BAT passed", 0xfa, 0xaa);
    data(0xf2);
    EXPECT_KBD("F2 identify, untranslated", 0xfa, 0xab, 0x83);
    data(0xfe);
    EXPECT_KBD("FE resends the last byte", 0x83);
    data(0xee);
    EXPECT_KBD("EE echo", 0xee);
    data(0xf1);
    EXPECT_KBD("unknown command: resend", 0xfe);
    data(0xf0);
    data(0x00);
    EXPECT_KBD("F0 00: set 2", 0xfa, 0xfa, 0x02);
    data(0xf0);
    data(0x01);
    EXPECT_KBD("F0 01", 0xfa, 0xfa);
    data(0xf0);
    data(0x00);
    EXPECT_KBD("F0 00: set 1", 0xfa, 0xfa, 0x01);
    data(0xf0);
    data(0x03);
    data(0xf0);
    data(0x00);
    EXPECT_KBD("F0 03, F0 00: set 3", 0xfa, 0xfa, 0xfa, 0xfa, 0x03);

    /* The same replies through the translation. */
    set_cmd_byte(0x45);
    data(0xf0);
    data(0x00);
    EXPECT_KBD("set 3 query translated", 0xfa, 0xfa, 0x3f);
    data(0xf0);
    data(0x01);
    data(0xf0);
    data(0x00);
    EXPECT_KBD("set 1 query translated", 0xfa, 0xfa, 0xfa, 0xfa, 0x43);
    data(0xf0);
    data(0x02);
    data(0xf0);
    data(0x00);
    EXPECT_KBD("set 2 query translated", 0xfa, 0xfa, 0xfa, 0xfa, 0x41);
    data(0xf2);
    EXPECT_KBD("F2 identify, translated", 0xfa, 0xab, 0x41);
    data(0xff);
    EXPECT_KBD("FF reset translated", 0xfa, 0xaa);

    /* ED: LEDs, seen through the monitor's info; a command in place of the parameter is
     * executed as a command. */
    data(0xed);
    data(0x05);
    EXPECT_KBD("ED 05", 0xfa, 0xfa);
    {
        FILE *f = tmpfile();
        char line[512] = "";
        size_t n;

        CHECK(f != NULL, "tmpfile");
        if (f) {
            CHECK(i8042_device.info(kbd, "kbd", f), "info kbd answers");
            rewind(f);
            n = fread(line, 1, sizeof(line) - 1, f);
            line[n] = 0;
            fclose(f);
            CHECK(strstr(line, "leds=5 (scroll on, num off, caps on)") != NULL,
                  "LED state in info: %s", line);
        }
    }
    data(0xed);
    data(0xf2);
    EXPECT_KBD("ED then F2: F2 runs", 0xfa, 0xfa, 0xab, 0x41);

    /* F5: disable (and defaults), F4: enable, F6: defaults. */
    set_cmd_byte(0x05);
    data(0xf0);
    data(0x01);
    EXPECT_KBD("select set 1", 0xfa, 0xfa);
    data(0xf5);
    EXPECT_KBD("F5", 0xfa);
    KEYS(0x1e, 0x9e);
    EXPECT_NONE("keys ignored while scanning is disabled");
    data(0xf0);
    data(0x00);
    EXPECT_KBD("F5 restored set 2", 0xfa, 0xfa, 0x02);
    data(0xf4);
    EXPECT_KBD("F4", 0xfa);
    KEYS(0x1e, 0x9e);
    EXPECT_KBD("keys after F4 (set 2)", 0x1c, 0xf0, 0x1c);
    data(0xf0);
    data(0x03);
    data(0xf3);
    data(0x7f);
    EXPECT_KBD("F0 03, F3 7F", 0xfa, 0xfa, 0xfa, 0xfa);
    data(0xf3);
    data(0x7f);
    data(0xf6);
    /* The first ACK of F3 is in the controller's buffer; F6 drops the second, which the
     * keyboard still held, and ACKs. */
    EXPECT_KBD("F6 clears the keyboard's unsent bytes, then ACKs", 0xfa, 0xfa);
    data(0xf0);
    data(0x00);
    EXPECT_KBD("F6 restored set 2", 0xfa, 0xfa, 0x02);
    KEYS(0x1e, 0x9e);
    EXPECT_KBD("F6 leaves scanning on", 0x1c, 0xf0, 0x1c);
    {
        int64_t t0 = vclock_ns();

        KEYS(0x1e);
        EXPECT_KBD("press", 0x1c);
        clock_step(tm_delay(0x2b) - 1);
        EXPECT_NONE("F6 restored the 500 ms delay");
        clock_step(t0 + tm_delay(0x2b) - vclock_ns());
        EXPECT_KBD("first repeat at 500 ms", 0x1c);
        KEYS(0x9e);
        EXPECT_KBD("release", 0xf0, 0x1c);
    }
    set_cmd_byte(0x45);
}

/* One key in every set: host set-1 bytes in, exact bytes out. */
typedef struct KeyCase {
    const char *name;
    uint8_t host_make[6], host_make_len;
    uint8_t host_break[6], host_break_len;
    uint8_t out[3][2][8];  /* [set-1][make/break] */
    uint8_t out_len[3][2];
} KeyCase;

static const KeyCase key_cases[] = {
    {"A", {0x1e}, 1, {0x9e}, 1,
     {{{0x1e}, {0x9e}}, {{0x1c}, {0xf0, 0x1c}}, {{0x1c}, {0xf0, 0x1c}}},
     {{1, 1}, {1, 2}, {1, 2}}},
    {"Esc", {0x01}, 1, {0x81}, 1,
     {{{0x01}, {0x81}}, {{0x76}, {0xf0, 0x76}}, {{0x08}, {0xf0, 0x08}}},
     {{1, 1}, {1, 2}, {1, 2}}},
    {"F7", {0x41}, 1, {0xc1}, 1,
     {{{0x41}, {0xc1}}, {{0x83}, {0xf0, 0x83}}, {{0x37}, {0xf0, 0x37}}},
     {{1, 1}, {1, 2}, {1, 2}}},
    {"Left Ctrl", {0x1d}, 1, {0x9d}, 1,
     {{{0x1d}, {0x9d}}, {{0x14}, {0xf0, 0x14}}, {{0x11}, {0xf0, 0x11}}},
     {{1, 1}, {1, 2}, {1, 2}}},
    {"Right Ctrl", {0xe0, 0x1d}, 2, {0xe0, 0x9d}, 2,
     {{{0xe0, 0x1d}, {0xe0, 0x9d}}, {{0xe0, 0x14}, {0xe0, 0xf0, 0x14}}, {{0x58}, {0xf0, 0x58}}},
     {{2, 2}, {2, 3}, {1, 2}}},
    {"Up", {0xe0, 0x48}, 2, {0xe0, 0xc8}, 2,
     {{{0xe0, 0x48}, {0xe0, 0xc8}}, {{0xe0, 0x75}, {0xe0, 0xf0, 0x75}}, {{0x63}, {0xf0, 0x63}}},
     {{2, 2}, {2, 3}, {1, 2}}},
    {"Keypad /", {0xe0, 0x35}, 2, {0xe0, 0xb5}, 2,
     {{{0xe0, 0x35}, {0xe0, 0xb5}}, {{0xe0, 0x4a}, {0xe0, 0xf0, 0x4a}}, {{0x77}, {0xf0, 0x77}}},
     {{2, 2}, {2, 3}, {1, 2}}},
    {"Left Windows", {0xe0, 0x5b}, 2, {0xe0, 0xdb}, 2,
     {{{0xe0, 0x5b}, {0xe0, 0xdb}}, {{0xe0, 0x1f}, {0xe0, 0xf0, 0x1f}}, {{0x8b}, {0xf0, 0x8b}}},
     {{2, 2}, {2, 3}, {1, 2}}},
    {"Print Screen", {0xe0, 0x2a, 0xe0, 0x37}, 4, {0xe0, 0xb7, 0xe0, 0xaa}, 4,
     {{{0xe0, 0x2a, 0xe0, 0x37}, {0xe0, 0xb7, 0xe0, 0xaa}},
      {{0xe0, 0x12, 0xe0, 0x7c}, {0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12}},
      {{0x57}, {0xf0, 0x57}}},
     {{4, 4}, {4, 6}, {1, 2}}},
    {"Pause", {0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5}, 6, {0}, 0,
     {{{0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5}, {0}},
      {{0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77}, {0}},
      {{0x62}, {0}}},
     {{6, 0}, {8, 0}, {1, 0}}},
    {"Num Lock", {0x45}, 1, {0xc5}, 1,
     {{{0x45}, {0xc5}}, {{0x77}, {0xf0, 0x77}}, {{0x76}, {0xf0, 0x76}}},
     {{1, 1}, {1, 2}, {1, 2}}},
    {"F12", {0x58}, 1, {0xd8}, 1,
     {{{0x58}, {0xd8}}, {{0x07}, {0xf0, 0x07}}, {{0x5e}, {0xf0, 0x5e}}},
     {{1, 1}, {1, 2}, {1, 2}}},
    {"ACPI Power", {0xe0, 0x5e}, 2, {0xe0, 0xde}, 2,
     {{{0xe0, 0x5e}, {0xe0, 0xde}}, {{0xe0, 0x37}, {0xe0, 0xf0, 0x37}}, {{0}, {0}}},
     {{2, 2}, {2, 3}, {0, 0}}},
};

static void select_set(int set)
{
    data(0xf0);
    data((uint8_t)set);
    drain();
}

static void test_scancode_sets(void)
{
    char what[96];

    /* Translation off: each set's own bytes. */
    set_cmd_byte(0x05);
    for (int set = 1; set <= 3; set++) {
        select_set(set);
        for (size_t i = 0; i < ARRAY_SIZE(key_cases); i++) {
            const KeyCase *k = &key_cases[i];

            kbd_put_scancodes(kbd, k->host_make, k->host_make_len);
            snprintf(what, sizeof(what), "set %d %s make", set, k->name);
            expect_bytes(__LINE__, what, false, k->out[set - 1][0], k->out_len[set - 1][0]);
            kbd_put_scancodes(kbd, k->host_break, k->host_break_len);
            snprintf(what, sizeof(what), "set %d %s break", set, k->name);
            expect_bytes(__LINE__, what, false, k->out[set - 1][1], k->out_len[set - 1][1]);
        }
    }

    /* Translation on, set 2 (the PC default): the guest reads set 1 for every key the host
     * can send, make and break, ordinary and E0-prefixed. */
    set_cmd_byte(0x45);
    select_set(2);
    for (unsigned c = 1; c < 0x80; c++) {
        uint8_t got[8], n = 0;

        if (c == 0x60 || c == 0x61) {
            continue; /* their breaks would be E0/E1: no keyboard has these codes */
        }

        for (int ext = 0; ext < 2; ext++) {
            uint8_t make[2] = {0xe0, (uint8_t)c}, brk[2] = {0xe0, (uint8_t)(c | 0x80)};

            n = 0;
            kbd_put_scancodes(kbd, make + !ext, 2 - !ext);
            kbd_put_scancodes(kbd, brk + !ext, 2 - !ext);
            while (n < sizeof(got) && (inb(&b, 0x64) & 0x01)) {
                got[n++] = inb(&b, 0x60);
            }
            CHECK(ext ? (n == 4 && got[0] == 0xe0 && got[1] == c && got[2] == 0xe0 &&
                         got[3] == (c | 0x80))
                      : (n == 2 && got[0] == c && got[1] == (c | 0x80)),
                  "translated set 2, host %s%02x: %u bytes %02x %02x %02x %02x", ext ? "e0 " : "",
                  c, n, got[0], got[1], got[2], got[3]);
        }
    }
    KEYS(0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5);
    EXPECT_KBD("translated set-2 Pause is set-1 Pause", 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5);

    /* Translation on with set 1 selected: set-1 bytes are translated again, as on hardware
     * (A = 1E -> 1E is translated as a set-2 code: 0x1e -> 0x03). */
    select_set(1);
    KEYS(0x1e, 0x9e);
    EXPECT_KBD("set 1 through translation", 0x03, 0x9e);
    select_set(3);
    KEYS(0x1e, 0x9e);
    EXPECT_KBD("set 3 through translation: F0 sets bit 7", 0x1e, 0x9e);
    select_set(2);
}

static void test_typematic(void)
{
    int64_t t0;
    static const uint8_t rates[] = {0x00, 0x2b, 0x1f, 0x6a};

    set_cmd_byte(0x05);
    data(0xff);
    drain();
    for (size_t i = 0; i < ARRAY_SIZE(rates); i++) {
        uint8_t r = rates[i];
        char what[64];

        data(0xf3);
        data(r);
        EXPECT_KBD("F3", 0xfa, 0xfa);
        KEYS(0x1e);
        t0 = vclock_ns();
        EXPECT_KBD("make", 0x1c);
        clock_step(tm_delay(r) - 1);
        snprintf(what, sizeof(what), "rate %02x: nothing before the delay", r);
        expect_bytes(__LINE__, what, false, NULL, 0);
        clock_step(1);
        snprintf(what, sizeof(what), "rate %02x: first repeat at the delay", r);
        expect_bytes(__LINE__, what, false, BYTES(0x1c));
        for (int k = 1; k <= 3; k++) {
            clock_step(t0 + tm_delay(r) + k * tm_period(r) - 1 - vclock_ns());
            snprintf(what, sizeof(what), "rate %02x: nothing before repeat %d", r, k + 1);
            expect_bytes(__LINE__, what, false, NULL, 0);
            clock_step(1);
            snprintf(what, sizeof(what), "rate %02x: repeat %d one period later", r, k + 1);
            expect_bytes(__LINE__, what, false, BYTES(0x1c));
        }
        KEYS(0x9e);
        EXPECT_KBD("break stops the repeat", 0xf0, 0x1c);
        clock_step(2 * NS_PER_SEC);
        EXPECT_NONE("no repeat after the release");
    }

    /* Default 0x2B after FF: 500 ms, 10.9 characters per second. */
    data(0xff);
    drain();
    KEYS(0xe0, 0x48);
    EXPECT_KBD("Up make", 0xe0, 0x75);
    KEYS(0xe0, 0x48, 0xe0, 0x48);
    EXPECT_NONE("the host's own auto-repeat of a held key is ignored");
    clock_step(tm_delay(0x2b) + 2 * tm_period(0x2b));
    EXPECT_KBD("E0 key repeats with its prefix", 0xe0, 0x75, 0xe0, 0x75, 0xe0, 0x75);
    /* A second key takes over; releasing it stops all repeat though Up is still held. */
    KEYS(0x1f);
    EXPECT_KBD("S make", 0x1b);
    clock_step(tm_delay(0x2b));
    EXPECT_KBD("S repeats, Up no longer", 0x1b);
    KEYS(0x9f);
    EXPECT_KBD("S break", 0xf0, 0x1b);
    clock_step(NS_PER_SEC);
    EXPECT_NONE("nothing repeats after the newest key's release");
    KEYS(0xe0, 0xc8);
    EXPECT_KBD("Up break", 0xe0, 0xf0, 0x75);

    /* Pause never repeats. */
    KEYS(0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5);
    EXPECT_KBD("Pause", 0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77);
    clock_step(2 * NS_PER_SEC);
    EXPECT_NONE("Pause does not repeat");

    /* Set 3 key types. */
    select_set(3);
    data(0xf8);
    EXPECT_KBD("F8 all make/break", 0xfa);
    KEYS(0x1e);
    clock_step(2 * NS_PER_SEC);
    KEYS(0x1e, 0x1e);
    KEYS(0x9e);
    EXPECT_KBD("make/break key: no repeat, host auto-repeat dropped", 0x1c, 0xf0, 0x1c);
    data(0xf7);
    EXPECT_KBD("F7 all typematic", 0xfa);
    KEYS(0x1e);
    clock_step(tm_delay(0x2b));
    KEYS(0x9e);
    clock_step(NS_PER_SEC);
    EXPECT_KBD("typematic key: repeat, no break", 0x1c, 0x1c);
    data(0xf9);
    EXPECT_KBD("F9 all make only", 0xfa);
    KEYS(0x1e);
    clock_step(2 * NS_PER_SEC);
    KEYS(0x9e);
    EXPECT_KBD("make-only key", 0x1c);
    data(0xfa);
    EXPECT_KBD("FA all typematic make/break", 0xfa);
    data(0xfd);
    data(0x1c);
    data(0x1b);
    EXPECT_KBD("FD A S: one ACK per key", 0xfa, 0xfa, 0xfa);
    data(0xfc);
    EXPECT_KBD("FC ends the FD list", 0xfa);
    data(0x23);
    EXPECT_KBD("FC D", 0xfa);
    data(0xfb);
    data(0x2b);
    EXPECT_KBD("FB F", 0xfa, 0xfa);
    data(0xf4);
    EXPECT_KBD("F4 ends the list", 0xfa);
    KEYS(0x1e);
    clock_step(2 * NS_PER_SEC);
    KEYS(0x9e);
    EXPECT_KBD("A make only", 0x1c);
    KEYS(0x20);
    clock_step(2 * NS_PER_SEC);
    KEYS(0xa0);
    EXPECT_KBD("D make/break", 0x23, 0xf0, 0x23);
    KEYS(0x21);
    clock_step(tm_delay(0x2b));
    KEYS(0xa1);
    EXPECT_KBD("F typematic", 0x2b, 0x2b);
    KEYS(0x22);
    clock_step(tm_delay(0x2b));
    KEYS(0xa2);
    EXPECT_KBD("G untouched: typematic make/break", 0x34, 0x34, 0xf0, 0x34);
    data(0xff);
    drain();
    set_cmd_byte(0x45);
}

static void test_keyboard_irq(void)
{
    rec.rises[1] = 0;
    set_cmd_byte(0x45);
    KEYS(0xe0, 0x1d);
    CHECK(rec.level[1] == 1 && rec.rises[1] == 1, "IRQ1 for the first byte");
    CHECK(inb(&b, 0x60) == 0xe0, "first byte");
    CHECK(rec.level[1] == 1 && rec.rises[1] == 2, "a new IRQ1 edge for the second byte");
    CHECK(inb(&b, 0x60) == 0x1d, "second byte");
    CHECK(rec.level[1] == 0 && rec.rises[1] == 2, "IRQ1 low when empty");
    set_cmd_byte(0x44);
    KEYS(0x1e);
    CHECK(rec.level[1] == 0 && (inb(&b, 0x64) & 0x01), "bit 0 off: byte without IRQ1");
    set_cmd_byte(0x45);
    CHECK(rec.level[1] == 1, "enabling IRQ1 with a byte waiting raises it");
    EXPECT_KBD("the byte", 0x1e);
    KEYS(0x9e);
    drain();
}

static void test_mouse(void)
{
    set_cmd_byte(0x47); /* IRQ1 + IRQ12 */
    mouse(0xff);
    EXPECT_AUX("mouse FF reset", 0xfa, 0xaa, 0x00);
    mouse(0xf2);
    EXPECT_AUX("F2: standard PS/2 mouse", 0xfa, 0x00);
    mouse(0xe9);
    EXPECT_AUX("E9 defaults: stream, off, 1:1, 4/mm, 100/s", 0xfa, 0x00, 0x02, 100);

    /* Not the magic sequence: still ID 0. */
    mouse(0xf3);
    mouse(200);
    mouse(0xf3);
    mouse(100);
    mouse(0xf3);
    mouse(60);
    mouse(0xf2);
    EXPECT_AUX("200/100/60: ID 0", 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0x00);
    mouse(0xf3);
    mouse(200);
    mouse(0xf3);
    mouse(100);
    mouse(0xf3);
    mouse(80);
    mouse(0xf2);
    EXPECT_AUX("200/100/80: IntelliMouse ID 3", 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0x03);
    mouse(0xe8);
    mouse(0x03);
    mouse(0xe9);
    EXPECT_AUX("E8 03 then E9", 0xfa, 0xfa, 0xfa, 0x00, 0x03, 80);

    /* No packets before F4. */
    kbd_mouse_event(kbd, 5, 5, 0, 0);
    EXPECT_NONE("reporting disabled: no packet");
    mouse(0xf4);
    EXPECT_AUX("F4", 0xfa);
    kbd_mouse_event(kbd, 0, 0, 0, 0);
    EXPECT_AUX("F4 dropped the motion counted before", 0x08, 0x00, 0x00, 0x00);

    rec.rises[12] = 0;
    kbd_mouse_event(kbd, 10, -5, -1, 1);
    CHECK(rec.level[12] == 1 && rec.level[1] == 0, "packet raises IRQ12");
    EXPECT_AUX("packet: left, dx 10, dy -5, wheel -1", 0x29, 0x0a, 0xfb, 0xff);
    CHECK(rec.rises[12] == 4, "one IRQ12 edge per byte, got %d", rec.rises[12]);
    kbd_mouse_event(kbd, -3, 7, 2, 6);
    EXPECT_AUX("right+middle, dx -3, dy 7, wheel +2", 0x1e, 0xfd, 0x07, 0x02);
    kbd_mouse_event(kbd, 0, 0, -20, 0);
    kbd_mouse_event(kbd, 0, 0, 0, 0);
    kbd_mouse_event(kbd, 0, 0, 0, 0);
    EXPECT_AUX("wheel -20 sent as -8, -8, -4", 0x08, 0, 0, 0xf8, 0x08, 0, 0, 0xf8, 0x08, 0, 0,
               0xfc);
    kbd_mouse_event(kbd, 300, -400, 0, 0);
    EXPECT_AUX("overflow: both bits, clipped to 255 and -256", 0xe8, 0xff, 0x00, 0x00);

    /* 2:1 scaling: 1->1, 2->1, 3->3, 4->6, 5->9, n->2n. */
    mouse(0xe7);
    EXPECT_AUX("E7", 0xfa);
    {
        static const int in[] = {1, 2, 3, 4, 5, 6, 40, -4, -10};
        static const int out[] = {1, 1, 3, 6, 9, 12, 80, -6, -20};

        for (size_t i = 0; i < ARRAY_SIZE(in); i++) {
            char what[64];

            kbd_mouse_event(kbd, in[i], 0, 0, 0);
            snprintf(what, sizeof(what), "2:1 scaling of %d", in[i]);
            expect_bytes(__LINE__, what, true,
                         BYTES((uint8_t)(0x08 | (out[i] < 0 ? 0x10 : 0)), (uint8_t)out[i], 0, 0));
        }
    }
    mouse(0xe9);
    EXPECT_AUX("E9: stream, enabled, 2:1", 0xfa, 0x30, 0x03, 80);
    mouse(0xe6);
    EXPECT_AUX("E6", 0xfa);
    kbd_mouse_event(kbd, 4, 0, 0, 0);
    EXPECT_AUX("1:1 again", 0x08, 0x04, 0x00, 0x00);

    /* Remote mode: motion accumulates, EB reads it (unscaled even with E7). */
    mouse(0xe7);
    mouse(0xf0);
    EXPECT_AUX("E7, F0", 0xfa, 0xfa);
    kbd_mouse_event(kbd, 2, 1, 0, 1);
    kbd_mouse_event(kbd, 2, 1, 1, 1);
    EXPECT_NONE("remote mode: no packets");
    mouse(0xe9);
    EXPECT_AUX("E9: remote, enabled, 2:1, left down", 0xfa, 0x74, 0x03, 80);
    mouse(0xeb);
    EXPECT_AUX("EB: accumulated motion, unscaled", 0xfa, 0x09, 0x04, 0x02, 0x01);
    mouse(0xeb);
    EXPECT_AUX("EB again: counters were reset", 0xfa, 0x09, 0x00, 0x00, 0x00);
    mouse(0xea);
    mouse(0xe6);
    EXPECT_AUX("EA, E6", 0xfa, 0xfa);
    kbd_mouse_event(kbd, 1, 0, 0, 0);
    EXPECT_AUX("stream again", 0x08, 0x01, 0x00, 0x00);

    /* F5 stops reporting; F6 restores defaults (reporting off) but keeps the ID. */
    mouse(0xf5);
    EXPECT_AUX("F5", 0xfa);
    kbd_mouse_event(kbd, 1, 1, 0, 0);
    EXPECT_NONE("F5: no packets");
    mouse(0xf4);
    mouse(0xe7);
    mouse(0xf6);
    mouse(0xe9);
    EXPECT_AUX("F4 E7 F6 E9: defaults", 0xfa, 0xfa, 0xfa, 0xfa, 0x00, 0x02, 100);
    mouse(0xf2);
    EXPECT_AUX("F6 keeps the IntelliMouse ID", 0xfa, 0x03);

    /* Wrap mode echoes everything but EC and FF. */
    mouse(0xee);
    mouse(0x12);
    mouse(0xf2);
    mouse(0xec);
    mouse(0xf2);
    EXPECT_AUX("EE 12 F2 EC F2", 0xfa, 0x12, 0xf2, 0xfa, 0xfa, 0x03);
    mouse(0xe1);
    EXPECT_AUX("unknown command", 0xfe);

    /* Aux port disabled by A7: bytes wait; reset brings ID 0 back. */
    mouse(0xf4);
    EXPECT_AUX("F4", 0xfa);
    cmd(0xa7);
    kbd_mouse_event(kbd, 1, 0, 0, 0);
    EXPECT_NONE("aux port disabled");
    CHECK(rec.level[12] == 0, "no IRQ12 while disabled");
    cmd(0xa8);
    EXPECT_AUX("delivered after A8", 0x08, 0x01, 0x00, 0x00);
    set_cmd_byte(0x45);
    kbd_mouse_event(kbd, 1, 0, 0, 0);
    CHECK(rec.level[12] == 0 && (inb(&b, 0x64) & 0x21) == 0x21, "IRQ12 off: byte, no IRQ");
    drain();
    mouse(0xff);
    mouse(0xf2);
    EXPECT_AUX("FF: back to ID 0", 0xfa, 0xaa, 0x00, 0xfa, 0x00);
    kbd_mouse_event(kbd, 1, 0, 0, 0);
    EXPECT_NONE("FF disables reporting");

    /* Keyboard bytes come before waiting mouse bytes. */
    mouse(0xf4);
    drain();
    kbd_mouse_event(kbd, 1, 0, 0, 0);
    KEYS(0x1e);
    CHECK((inb(&b, 0x64) & 0x21) == 0x21, "mouse byte in the buffer first");
    CHECK(inb(&b, 0x60) == 0x08, "mouse byte 0");
    CHECK((inb(&b, 0x64) & 0x21) == 0x01, "then a keyboard byte");
    CHECK(inb(&b, 0x60) == 0x1e, "the keyboard byte");
    EXPECT_AUX("then the rest of the (3-byte) packet", 0x01, 0x00);
    KEYS(0x9e);
    drain();
    mouse(0xf5);
    drain();
}

static void test_savestate(void)
{
    ByteBuf buf = {0};
    size_t pos = 0;
    int64_t t0;

    set_cmd_byte(0x45);
    data(0xf3);
    data(0x00);
    drain();
    KEYS(0x1e, 0x1f);
    t0 = vclock_ns();
    vmstate_save(i8042_device.vmsd, kbd, &buf);
    EXPECT_KBD("before save", 0x1e, 0x1f);
    data(0xf0);
    data(0x03);
    drain();
    CHECK(vmstate_load(i8042_device.vmsd, kbd, buf.data, buf.len, &pos), "load");
    CHECK(pos == buf.len, "load consumed all");
    EXPECT_KBD("queued bytes restored", 0x1e, 0x1f);
    clock_step(t0 + tm_delay(0) - vclock_ns());
    EXPECT_KBD("typematic timer and set 2 restored", 0x1f);
    KEYS(0x9f, 0x9e);
    drain();
    pos = 0;
    CHECK(!vmstate_load(i8042_device.vmsd, kbd, buf.data, buf.len / 2, &pos),
          "truncated state refused");
    bytebuf_free(&buf);
    board_reset(&b);
    KEYS(0x9e);
    drain();
}

int main(void)
{
    vclock_init(-1);
    board_init(&b);
    board_wire_recorder(&b, &rec);
    b.request_reset = on_reset;
    b.set_a20 = on_a20;
    kbd = board_add_device(&b, &i8042_device, 0);

    test_controller();
    test_port92();
    test_keyboard_commands();
    test_scancode_sets();
    test_typematic();
    test_keyboard_irq();
    test_mouse();
    test_savestate();

    board_teardown(&b);
    return tests_finish();
}
