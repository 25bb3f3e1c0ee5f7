/*
 * Unit tests for the gdbstub framing layer (ui/gdb-packet.c): framing, checksums,
 * escapes, run-length encoding, acks, oversize and truncated packets, random garbage;
 * and the register image of ui/gdbstub.c (byte order, ST(i) numbering, read-only ones).
 */
#include <stdio.h>
#include <stdlib.h>

#include "ui/gdb-packet.h"
#include "ui/gdbstub.h"

static int passed, failed;

#define CHECK(cond)                                                                               \
    do {                                                                                          \
        if (cond) {                                                                               \
            passed++;                                                                             \
        } else {                                                                                  \
            failed++;                                                                             \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                       \
        }                                                                                         \
    } while (0)

static GdbPacketDecoder dec;

/* Feed a string; return the last non-NONE event and count the events seen. */
static GdbPacketEvent feed(const void *s, size_t n, int *nevents)
{
    const uint8_t *p = s;
    GdbPacketEvent last = GDB_EV_NONE;

    if (nevents) {
        *nevents = 0;
    }
    for (size_t i = 0; i < n; i++) {
        GdbPacketEvent ev = gdb_packet_feed(&dec, p[i]);
        if (ev != GDB_EV_NONE) {
            last = ev;
            if (nevents) {
                (*nevents)++;
            }
        }
    }
    return last;
}

static GdbPacketEvent feeds(const char *s)
{
    return feed(s, strlen(s), NULL);
}

static bool data_is(const char *expect)
{
    size_t len;
    const uint8_t *d = gdb_packet_data(&dec, &len);

    return len == strlen(expect) && memcmp(d, expect, len) == 0;
}

static void test_framing(void)
{
    gdb_packet_decoder_init(&dec);
    /* "qSupported" checksum computed by hand: sum of bytes mod 256 = 0x37 */
    CHECK(feeds("$qSupported#37") == GDB_EV_PACKET);
    CHECK(data_is("qSupported"));
    CHECK(feeds("$g#67") == GDB_EV_PACKET);
    CHECK(data_is("g"));
    CHECK(feeds("$#00") == GDB_EV_PACKET); /* empty packet */
    CHECK(data_is(""));
    /* upper-case checksum digits are accepted */
    CHECK(feeds("$m7c00,10#F4") == GDB_EV_PACKET && data_is("m7c00,10"));
    /* acks and interrupt between packets */
    CHECK(feeds("+") == GDB_EV_ACK);
    CHECK(feeds("-") == GDB_EV_NACK);
    CHECK(feeds("\x03") == GDB_EV_INTERRUPT);
    /* noise between packets is ignored */
    CHECK(feeds("xyz\r\n") == GDB_EV_NONE);
    CHECK(feeds("junk$?#3f") == GDB_EV_PACKET && data_is("?"));
}

static void test_checksum(void)
{
    gdb_packet_decoder_init(&dec);
    CHECK(feeds("$g#68") == GDB_EV_BAD_CHECKSUM);
    CHECK(feeds("$g#6") == GDB_EV_NONE); /* incomplete */
    CHECK(feeds("7") == GDB_EV_PACKET);  /* completed by the next byte */
    CHECK(feeds("$g#zz") == GDB_EV_BAD_CHECKSUM);
    CHECK(feeds("$g#-+") == GDB_EV_BAD_CHECKSUM);
    /* '+' inside the data is data, not an ack */
    CHECK(feeds("$a+b#ee") == GDB_EV_PACKET && data_is("a+b"));
    /* after a bad packet the decoder is back in sync */
    CHECK(feeds("$?#3f") == GDB_EV_PACKET);
}

static void test_escapes_rle(void)
{
    uint8_t out[64];
    size_t n;

    gdb_packet_decoder_init(&dec);
    /* "X0,1:" + '}' escaped byte 0x5d^0x20 = '}' ... build with the encoder and decode */
    {
        const uint8_t bin[] = {'X', '1', ',', '4', ':', '$', '#', '}', '*', 0, 0xff};
        size_t len;
        const uint8_t *d;

        n = gdb_packet_encode(bin, sizeof(bin), false, out, sizeof(out));
        CHECK(n > 0);
        /* none of the special bytes appear unescaped inside the framing */
        for (size_t i = 1; i + 3 < n; i++) {
            CHECK(out[i] != '$' && out[i] != '#');
        }
        CHECK(feed(out, n, NULL) == GDB_EV_PACKET);
        d = gdb_packet_data(&dec, &len);
        CHECK(len == sizeof(bin) && memcmp(d, bin, len) == 0);
    }
    /* Run-length: "0* " = '0' + 3 more (0x20 - 29 = 3) -> "0000" */
    CHECK(feeds("$0* #7a") == GDB_EV_PACKET && data_is("0000"));
    /* RLE at the start or dangling escape -> malformed */
    CHECK(feeds("$* #4a") == GDB_EV_OVERSIZE);
    CHECK(feeds("$a}#de") == GDB_EV_OVERSIZE);

    /* The encoder's RLE round trips for every run length, and avoids forbidden counts */
    for (size_t runlen = 1; runlen < 300; runlen++) {
        uint8_t data[300], pkt[700];
        size_t len;
        const uint8_t *d;
        bool ok = true;

        memset(data, '0', runlen);
        data[runlen] = 'x';
        n = gdb_packet_encode(data, runlen + 1, true, pkt, sizeof(pkt));
        CHECK(n > 0 && n <= runlen + 5);
        for (size_t i = 1; i + 3 < n; i++) {
            if (pkt[i] == '*') {
                uint8_t cnt = pkt[i + 1];
                ok = ok && cnt != '#' && cnt != '$' && cnt != '+' && cnt != '-' && cnt < 127;
            }
        }
        CHECK(ok);
        CHECK(feed(pkt, n, NULL) == GDB_EV_PACKET);
        d = gdb_packet_data(&dec, &len);
        CHECK(len == runlen + 1 && memcmp(d, data, len) == 0);
    }
    /* encoder output that does not fit is refused */
    CHECK(gdb_packet_encode((const uint8_t *)"abcdef", 6, false, out, 8) == 0);
}

static void test_oversize_truncated(void)
{
    static uint8_t big[GDB_PACKET_SIZE * 2 + 16];
    uint8_t sum = 0;
    size_t n = 0;

    gdb_packet_decoder_init(&dec);
    big[n++] = '$';
    for (size_t i = 0; i < GDB_PACKET_SIZE + 100; i++) {
        big[n++] = 'A';
        sum += 'A';
    }
    n += (size_t)sprintf((char *)big + n, "#%02x", sum);
    CHECK(feed(big, n, NULL) == GDB_EV_OVERSIZE);
    /* exactly GDB_PACKET_SIZE raw bytes fit */
    n = 0;
    sum = 0;
    big[n++] = '$';
    for (size_t i = 0; i < GDB_PACKET_SIZE; i++) {
        big[n++] = 'B';
        sum += 'B';
    }
    n += (size_t)sprintf((char *)big + n, "#%02x", sum);
    CHECK(feed(big, n, NULL) == GDB_EV_PACKET);
    {
        size_t len;
        gdb_packet_data(&dec, &len);
        CHECK(len == GDB_PACKET_SIZE);
    }
    /* RLE expansion past the buffer is refused, not overflowed */
    n = 0;
    sum = 0;
    big[n++] = '$';
    for (size_t i = 0; i < 100; i++) {
        big[n++] = 'C';
        big[n++] = '*';
        big[n++] = '~';
        sum += 'C' + '*' + '~';
    }
    n += (size_t)sprintf((char *)big + n, "#%02x", sum);
    CHECK(feed(big, n, NULL) == GDB_EV_OVERSIZE);

    /* A truncated packet followed by a new one: the new one is delivered */
    CHECK(feeds("$m7c00,1") == GDB_EV_NONE);
    CHECK(feeds("$g#67") == GDB_EV_PACKET && data_is("g"));
    /* A packet with its checksum cut off waits; the next '$' is taken as a checksum digit
     * and the result is a bad checksum, after which the decoder is in sync again. */
    CHECK(feeds("$g#") == GDB_EV_NONE);
    CHECK(feeds("$g") == GDB_EV_BAD_CHECKSUM);
    CHECK(feeds("$g#67") == GDB_EV_PACKET);
}

static void test_hex(void)
{
    uint8_t b[4];
    char h[9];

    CHECK(gdb_fromhex(b, sizeof(b), "00ff7C", 6) == 3 && b[0] == 0 && b[1] == 0xff && b[2] == 0x7c);
    CHECK(gdb_fromhex(b, sizeof(b), "0", 1) == -1);
    CHECK(gdb_fromhex(b, sizeof(b), "0g", 2) == -1);
    CHECK(gdb_fromhex(b, sizeof(b), "0011223344", 10) == -1); /* too long for out */
    b[0] = 0xde;
    b[1] = 0xad;
    b[2] = 0x01;
    b[3] = 0x0f;
    gdb_tohex(h, b, 4);
    CHECK(strcmp(h, "dead010f") == 0);
}

static uint32_t rng_state = 0xc0ffee11u;

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static void test_garbage(void)
{
    static const uint8_t alphabet[] = "$#}*+-\x03" "0123456789abcdefgqm,:";
    int packets = 0, events = 0;

    gdb_packet_decoder_init(&dec);
    for (int iter = 0; iter < 200000; iter++) {
        uint32_t r = rng();
        uint8_t c = (r & 1) ? (uint8_t)(r >> 8) : alphabet[(r >> 8) % (sizeof(alphabet) - 1)];
        GdbPacketEvent ev = gdb_packet_feed(&dec, c);

        if (ev == GDB_EV_PACKET) {
            size_t len;
            const uint8_t *d = gdb_packet_data(&dec, &len);
            packets++;
            /* decoded data always NUL-terminated within bounds */
            if (len > GDB_PACKET_SIZE || d[len] != '\0') {
                failed++;
                fprintf(stderr, "FAIL: garbage produced a bad packet (len %zu)\n", len);
                return;
            }
        }
        if (ev != GDB_EV_NONE) {
            events++;
        }
    }
    CHECK(events > 0);
    /* after all that garbage, a valid packet still gets through (after a resync '#xx') */
    feeds("#00");
    CHECK(feeds("$qC#b4") == GDB_EV_PACKET && data_is("qC"));
    (void)packets;
}

/* The register image gdb sees: target (little-endian) byte order on every host, ST(i)
 * relative to TOP, sizes as in the target description. Only fields, no CPU calls. */
static void test_registers(void)
{
    static X86CPU cpu;
    uint8_t b[16];
    int total = 0;

    for (int n = 0; n < GDB_NUM_REGS; n++) {
        total += gdb_register_size(n);
    }
    CHECK(total == 404); /* the 'g' image is 808 hex digits */
    CHECK(gdb_register_size(GDB_NUM_REGS) == 0 && gdb_register_size(-1) == 0);

    cpu.regs[R_EBX] = 0x11223344;
    CHECK(gdb_read_register(&cpu, 3, b) == 4 && b[0] == 0x44 && b[3] == 0x11);
    cpu.eip = 0x7c00;
    CHECK(gdb_read_register(&cpu, 8, b) == 4 && ldl_le_p(b) == 0x7c00);
    cpu.seg[R_SS].selector = 0x10;
    CHECK(gdb_read_register(&cpu, 11, b) == 4 && ldl_le_p(b) == 0x10);

    /* TOP = 3: st0 is physical register 3, st1 is 4 */
    cpu.fpu.fsw = 3 << 11;
    cpu.fpu.mant[3] = 0x8000000000000000ull;
    cpu.fpu.exp[3] = 0x3fff; /* 1.0 */
    CHECK(gdb_read_register(&cpu, 16, b) == 10 && b[7] == 0x80 && b[8] == 0xff && b[9] == 0x3f);
    memset(b, 0, sizeof(b));
    b[0] = 0x5a;
    b[9] = 0xc0;
    CHECK(gdb_write_register(&cpu, 17, b) == 10);
    CHECK(cpu.fpu.mant[4] == 0x5a && cpu.fpu.exp[4] == 0xc000);

    for (int i = 0; i < 16; i++) {
        b[i] = (uint8_t)(i + 1);
    }
    CHECK(gdb_write_register(&cpu, 33, b) == 16 && cpu.fpu.xmm[1][0] == 1 &&
          cpu.fpu.xmm[1][15] == 16);
    cpu.efer = 0x0000000100000800ull;
    CHECK(gdb_read_register(&cpu, 47, b) == 8 && b[1] == 0x08 && b[4] == 0x01);
    cpu.cr[3] = 0x12345000;
    CHECK(gdb_read_register(&cpu, 45, b) == 4 && ldl_le_p(b) == 0x12345000);
    cpu.seg[R_CS].base = 0xffff0000;
    CHECK(gdb_read_register(&cpu, 49, b) == 4 && ldl_le_p(b) == 0xffff0000);
    /* read-only registers refuse writes and keep their value */
    stl_le_p(b, 0);
    CHECK(gdb_write_register(&cpu, 43, b) == 0);
    CHECK(gdb_write_register(&cpu, 49, b) == 0 && cpu.seg[R_CS].base == 0xffff0000);
    /* debug registers are writable */
    stl_le_p(b, 0x00000401);
    CHECK(gdb_write_register(&cpu, 63, b) == 4 && cpu.dr[7] == 0x401);
    CHECK(gdb_write_register(&cpu, 64, b) == 0);
}

int main(void)
{
    test_registers();
    test_framing();
    test_checksum();
    test_escapes_rle();
    test_oversize_truncated();
    test_hex();
    test_garbage();
    printf("test-gdb-packet: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
