/*
 * The framing layer of the GDB remote serial protocol, without sockets or a machine, so
 * it is unit-tested on its own (tests/unit/test-gdb-packet.c).
 *
 *   packet:  '$' DATA '#' HH     HH = sum of the raw DATA bytes mod 256, two hex digits
 *   DATA:    '}' X means X ^ 0x20 (escapes '$', '#', '}', '*');
 *            C '*' N means C repeated N - 29 more times (run-length encoding)
 *   acks:    '+' (received fine) and '-' (resend), unless QStartNoAckMode switched them off
 *   0x03:    interrupt request (Ctrl-C), outside packets
 *
 * The decoder is a byte-at-a-time state machine. It never reads or writes out of bounds
 * whatever the input: a raw packet longer than GDB_PACKET_SIZE, or one whose run-length
 * expansion would not fit, is reported as GDB_EV_OVERSIZE; a '$' in the middle of a packet
 * drops the truncated one and starts anew; bytes outside packets other than '+', '-', 0x03
 * and '$' are ignored.
 */
#ifndef X86PC_UI_GDB_PACKET_H
#define X86PC_UI_GDB_PACKET_H

#include "util/common.h"

/* PacketSize announced in qSupported: the largest raw DATA gdb may send us. */
#define GDB_PACKET_SIZE 4096

typedef enum GdbPacketEvent {
    GDB_EV_NONE,         /* byte consumed, nothing complete yet */
    GDB_EV_PACKET,       /* a packet with a valid checksum: gdb_packet_data() */
    GDB_EV_BAD_CHECKSUM, /* complete packet, wrong or non-hex checksum: reply '-' */
    GDB_EV_OVERSIZE,     /* complete packet that did not fit: reply with an error */
    GDB_EV_ACK,          /* '+' */
    GDB_EV_NACK,         /* '-': resend the last packet */
    GDB_EV_INTERRUPT,    /* 0x03 */
} GdbPacketEvent;

typedef struct GdbPacketDecoder {
    int state;
    bool overflow;
    uint8_t sum;      /* running checksum of raw DATA */
    uint8_t csum_hi;  /* first checksum digit (raw) */
    size_t raw_len;
    uint8_t raw[GDB_PACKET_SIZE];
    size_t len;       /* decoded length */
    uint8_t data[GDB_PACKET_SIZE + 1]; /* decoded DATA, NUL-terminated */
} GdbPacketDecoder;

void gdb_packet_decoder_init(GdbPacketDecoder *d);
GdbPacketEvent gdb_packet_feed(GdbPacketDecoder *d, uint8_t byte);
/* Valid after GDB_EV_PACKET until the next gdb_packet_feed(): decoded DATA, NUL-terminated
 * (DATA itself may contain NUL bytes in binary packets such as X; use *len). */
const uint8_t *gdb_packet_data(const GdbPacketDecoder *d, size_t *len);

/*
 * Encode DATA into a complete "$...#HH" packet in out (capacity outcap). '$', '#', '}' and
 * '*' are always escaped (binary replies such as qXfer need it; text replies never contain
 * them); rle compresses runs (never producing '$', '#', '+' or '-' as a count). Returns the
 * packet length, or 0 if it does not fit in outcap.
 */
size_t gdb_packet_encode(const uint8_t *data, size_t len, bool rle, uint8_t *out, size_t outcap);

/* Hex helpers shared by the stub and its tests. */
int gdb_hexval(int c); /* -1 if not a hex digit */
void gdb_tohex(char *out, const uint8_t *bytes, size_t n); /* 2n chars + NUL */
/* Decodes up to maxn bytes from hex text of exactly 2n digits; -1 on a bad digit/odd length. */
long gdb_fromhex(uint8_t *out, size_t maxn, const char *hex, size_t hexlen);

#endif
