/*
 * Character device backends (QEMU -chardev style, the subset x86pc's options use):
 *   stdio | null | file:PATH | tcp:[HOST]:PORT[,server][,nowait|,wait=off] | unix:PATH[,server]
 * Used by serial ports, the debug console, the monitor, QMP and the gdbstub.
 *
 * All I/O is non-blocking: chr_read() returns what is available now, chr_write() never
 * blocks the guest (data is dropped with a log line if a peer stops reading for long).
 * The main loop polls chardevs through chr_poll_fds()/chr_service().
 */
#ifndef X86PC_UTIL_CHARDEV_H
#define X86PC_UTIL_CHARDEV_H

#include "util/common.h"

typedef enum ChardevKind {
    CHR_NULL,
    CHR_STDIO,
    CHR_FILE,
    CHR_TCP,
    CHR_UNIX,
} ChardevKind;

typedef struct ChardevSpec {
    ChardevKind kind;
    char *path;  /* FILE, UNIX */
    char *host;  /* TCP; NULL = any/localhost */
    int port;    /* TCP */
    bool server; /* listen instead of connect */
    bool wait;   /* server: block at startup until a client connects */
} ChardevSpec;

typedef struct Chardev Chardev;

/* Parse a spec string; on error returns false with a message in err. */
bool chr_parse(const char *str, ChardevSpec *spec, char *err, size_t errlen);
/* Open; on error returns NULL with a message in err. */
/* NULL on failure, with err saying why; the message starts with label ("serial0: ..."). */
Chardev *chr_open(const ChardevSpec *spec, const char *label, char *err, size_t errlen);
void chr_close(Chardev *chr);
/* Non-blocking read: bytes read (0 if none available). */
size_t chr_read(Chardev *chr, void *buf, size_t len);
/* Non-blocking write of all bytes (buffered if the peer is slow). */
void chr_write(Chardev *chr, const void *buf, size_t len);
bool chr_connected(Chardev *chr);
/* Called when a new client connects / disconnects (TCP/UNIX servers). May be NULL. */
void chr_set_handlers(Chardev *chr, void (*event)(void *opaque, bool connected), void *opaque);
/* Main loop integration: accept pending connections, flush output, detect hang-ups.
 * Returns true if input is available on any chardev. timeout_ms < 0 waits forever. */
bool chr_wait_all(int timeout_ms);
/* Restore the terminal (stdio raw mode) at exit. */
void chr_cleanup_all(void);
/* What the stdio escape C-a x does: call quit(opaque) (the owner then shuts down and tears
 * everything down normally); with no handler (quit NULL) the process exits with status 0. */
void chr_set_quit_handler(void (*quit)(void *opaque), void *opaque);

#endif
