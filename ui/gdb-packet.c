/*
 * GDB remote protocol framing: decoder state machine and encoder (see gdb-packet.h).
 */
#include "ui/gdb-packet.h"

enum {
    ST_IDLE,  /* between packets */
    ST_DATA,  /* after '$' */
    ST_CSUM1, /* after '#' */
    ST_CSUM2, /* after the first checksum digit */
};

void gdb_packet_decoder_init(GdbPacketDecoder *d)
{
    d->state = ST_IDLE;
    d->overflow = false;
    d->sum = 0;
    d->raw_len = 0;
    d->len = 0;
    d->data[0] = '\0';
}

int gdb_hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

void gdb_tohex(char *out, const uint8_t *bytes, size_t n)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

long gdb_fromhex(uint8_t *out, size_t maxn, const char *hex, size_t hexlen)
{
    size_t n;

    if (hexlen & 1) {
        return -1;
    }
    n = hexlen / 2;
    if (n > maxn) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        int hi = gdb_hexval((uint8_t)hex[2 * i]), lo = gdb_hexval((uint8_t)hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return -1;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return (long)n;
}

/* Undo escapes and run-length encoding of raw DATA into d->data; false if it overflows
 * or is malformed (a dangling '}' or a '*' without a preceding byte or count). */
static bool decode_raw(GdbPacketDecoder *d)
{
    size_t out = 0;
    const size_t cap = sizeof(d->data) - 1;

    for (size_t i = 0; i < d->raw_len; i++) {
        uint8_t c = d->raw[i];

        if (c == '}') {
            if (i + 1 >= d->raw_len || out >= cap) {
                return false;
            }
            d->data[out++] = d->raw[++i] ^ 0x20;
        } else if (c == '*') {
            int n;
            if (out == 0 || i + 1 >= d->raw_len) {
                return false;
            }
            n = d->raw[++i] - 29;
            if (n < 0 || out + (size_t)n > cap) {
                return false;
            }
            memset(d->data + out, d->data[out - 1], (size_t)n);
            out += (size_t)n;
        } else {
            if (out >= cap) {
                return false;
            }
            d->data[out++] = c;
        }
    }
    d->len = out;
    d->data[out] = '\0';
    return true;
}

GdbPacketEvent gdb_packet_feed(GdbPacketDecoder *d, uint8_t c)
{
    switch (d->state) {
    case ST_IDLE:
        if (c == '$') {
            d->state = ST_DATA;
            d->raw_len = 0;
            d->sum = 0;
            d->overflow = false;
        } else if (c == '+') {
            return GDB_EV_ACK;
        } else if (c == '-') {
            return GDB_EV_NACK;
        } else if (c == 0x03) {
            return GDB_EV_INTERRUPT;
        }
        return GDB_EV_NONE;
    case ST_DATA:
        if (c == '$') {
            /* A new packet starts before the old one ended: drop the truncated one. */
            d->raw_len = 0;
            d->sum = 0;
            d->overflow = false;
        } else if (c == '#') {
            d->state = ST_CSUM1;
        } else {
            d->sum += c;
            if (d->raw_len < sizeof(d->raw)) {
                d->raw[d->raw_len++] = c;
            } else {
                d->overflow = true;
            }
        }
        return GDB_EV_NONE;
    case ST_CSUM1:
        d->csum_hi = c;
        d->state = ST_CSUM2;
        return GDB_EV_NONE;
    case ST_CSUM2: {
        int hi = gdb_hexval(d->csum_hi), lo = gdb_hexval(c);

        d->state = ST_IDLE;
        if (hi < 0 || lo < 0 || (uint8_t)(hi << 4 | lo) != d->sum) {
            return GDB_EV_BAD_CHECKSUM;
        }
        if (d->overflow || !decode_raw(d)) {
            d->len = 0;
            d->data[0] = '\0';
            return GDB_EV_OVERSIZE;
        }
        return GDB_EV_PACKET;
    }
    }
    d->state = ST_IDLE;
    return GDB_EV_NONE;
}

const uint8_t *gdb_packet_data(const GdbPacketDecoder *d, size_t *len)
{
    *len = d->len;
    return d->data;
}

size_t gdb_packet_encode(const uint8_t *data, size_t len, bool rle, uint8_t *out, size_t outcap)
{
    size_t o = 0;
    uint8_t sum = 0;
    static const char digits[] = "0123456789abcdef";

#define EMIT(b)                                                                                   \
    do {                                                                                          \
        if (o >= outcap) {                                                                        \
            return 0;                                                                             \
        }                                                                                         \
        out[o++] = (b);                                                                           \
    } while (0)

    EMIT('$');
    for (size_t i = 0; i < len;) {
        uint8_t c = data[i];
        size_t run = 0;

        if (c == '$' || c == '#' || c == '}' || c == '*') {
            EMIT('}');
            sum += '}';
            EMIT(c ^ 0x20);
            sum += c ^ 0x20;
            i++;
            continue;
        }
        EMIT(c);
        sum += c;
        i++;
        if (!rle) {
            continue;
        }
        while (i + run < len && data[i + run] == c && run < 97) {
            run++;
        }
        /* A count byte of '#' (6), '$' (7), '+' (14) or '-' (16) would confuse framing;
         * runs shorter than 3 do not pay off. */
        while (run == 6 || run == 7 || run == 14 || run == 16) {
            run--;
        }
        if (run >= 3) {
            EMIT('*');
            sum += '*';
            EMIT((uint8_t)(run + 29));
            sum += (uint8_t)(run + 29);
            i += run;
        }
    }
    EMIT('#');
    EMIT((uint8_t)digits[sum >> 4]);
    EMIT((uint8_t)digits[sum & 15]);
#undef EMIT
    return o;
}
