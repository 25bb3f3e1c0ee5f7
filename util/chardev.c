/*
 * Character device backends: stdio, null, file, TCP and Unix sockets (client or server).
 *
 * Everything is non-blocking from the guest's point of view:
 *  - input is read only when poll() says it is there;
 *  - output goes to a per-chardev queue flushed whenever the fd is writable (poll()
 *    first, then at most PIPE_BUF bytes, so even a blocking fd such as a shared terminal
 *    never blocks); past CHR_OUT_MAX queued bytes new output is dropped and logged.
 * stdio puts a terminal into raw mode (restored at exit and on fatal signals) and
 * implements QEMU's -nographic escapes: Ctrl-A x quits, Ctrl-A a sends Ctrl-A,
 * Ctrl-A h prints help. When stdin is not a terminal it is read as is, without escapes.
 */
#include "util/chardev.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "util/log.h"

#define CHR_OUT_MAX (1u << 20)
#define CHR_MAX 16
#define CTRL_A 0x01

struct Chardev {
    ChardevSpec spec;
    char label[32];
    int in_fd;      /* -1: no input */
    int out_fd;     /* -1: output dropped */
    int listen_fd;  /* servers */
    bool in_eof;
    bool escape;    /* stdio: Ctrl-A seen */
    uint8_t *outq;
    size_t outq_len, outq_cap;
    bool drop_logged;
    void (*event)(void *opaque, bool connected);
    void *event_opaque;
};

static Chardev *chardevs[CHR_MAX];
static int nb_chardevs;
static bool stdio_in_use;
static void (*quit_handler)(void *opaque);
static void *quit_opaque;
static bool tty_saved;
static struct termios tty_saved_attr;

/* ---- parsing ---- */

static bool parse_opts(const char *opts, ChardevSpec *spec, char *err, size_t errlen)
{
    while (opts && *opts) {
        const char *end = strchr(opts, ',');
        size_t len = end ? (size_t)(end - opts) : strlen(opts);

        if (len == 6 && strncmp(opts, "server", 6) == 0) {
            spec->server = true;
        } else if ((len == 10 && strncmp(opts, "server=on", 9) == 0) ||
                   (len == 9 && strncmp(opts, "server=on", 9) == 0)) {
            spec->server = true;
        } else if (len == 10 && strncmp(opts, "server=off", 10) == 0) {
            spec->server = false;
        } else if ((len == 6 && strncmp(opts, "nowait", 6) == 0) ||
                   (len == 8 && strncmp(opts, "wait=off", 8) == 0)) {
            spec->wait = false;
        } else if ((len == 4 && strncmp(opts, "wait", 4) == 0) ||
                   (len == 7 && strncmp(opts, "wait=on", 7) == 0)) {
            spec->wait = true;
        } else if (len > 0) {
            snprintf(err, errlen, "unknown chardev option '%.*s'", (int)len, opts);
            return false;
        }
        opts = end ? end + 1 : NULL;
    }
    return true;
}

bool chr_parse(const char *str, ChardevSpec *spec, char *err, size_t errlen)
{
    memset(spec, 0, sizeof(*spec));
    spec->wait = true;
    if (strcmp(str, "stdio") == 0 || strcmp(str, "mon:stdio") == 0) {
        spec->kind = CHR_STDIO;
        return true;
    }
    if (strcmp(str, "null") == 0 || strcmp(str, "none") == 0) {
        spec->kind = CHR_NULL;
        return true;
    }
    if (strncmp(str, "file:", 5) == 0) {
        if (!str[5]) {
            snprintf(err, errlen, "file: needs a path");
            return false;
        }
        spec->kind = CHR_FILE;
        spec->path = xstrdup(str + 5);
        return true;
    }
    if (strncmp(str, "unix:", 5) == 0) {
        const char *comma = strchr(str + 5, ',');
        size_t n = comma ? (size_t)(comma - (str + 5)) : strlen(str + 5);

        if (n == 0) {
            snprintf(err, errlen, "unix: needs a path");
            return false;
        }
        spec->kind = CHR_UNIX;
        spec->path = xmalloc(n + 1);
        memcpy(spec->path, str + 5, n);
        spec->path[n] = 0;
        return parse_opts(comma ? comma + 1 : NULL, spec, err, errlen);
    }
    if (strncmp(str, "tcp:", 4) == 0) {
        const char *hp = str + 4;
        const char *comma = strchr(hp, ',');
        size_t n = comma ? (size_t)(comma - hp) : strlen(hp);
        const char *colon = NULL;
        char *endp;
        long port;

        for (size_t i = 0; i < n; i++) {
            if (hp[i] == ':') {
                colon = hp + i;
            }
        }
        if (!colon) {
            snprintf(err, errlen, "tcp: expected tcp:[HOST]:PORT");
            return false;
        }
        port = strtol(colon + 1, &endp, 10);
        if (endp != hp + n || port <= 0 || port > 65535) {
            snprintf(err, errlen, "tcp: bad port in '%s'", str);
            return false;
        }
        spec->kind = CHR_TCP;
        spec->port = (int)port;
        if (colon > hp) {
            spec->host = xmalloc((size_t)(colon - hp) + 1);
            memcpy(spec->host, hp, (size_t)(colon - hp));
            spec->host[colon - hp] = 0;
        }
        return parse_opts(comma ? comma + 1 : NULL, spec, err, errlen);
    }
    snprintf(err, errlen, "unknown chardev '%s' (stdio, null, file:PATH, tcp:HOST:PORT, "
             "unix:PATH)", str);
    return false;
}

/* ---- terminal ---- */

static void tty_restore(void)
{
    if (tty_saved) {
        tcsetattr(STDIN_FILENO, TCSANOW, &tty_saved_attr);
        tty_saved = false;
    }
}

static void tty_signal(int sig)
{
    tty_restore();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void tty_set_raw(void)
{
    struct termios t;

    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &tty_saved_attr) != 0) {
        return;
    }
    tty_saved = true;
    t = tty_saved_attr;
    /* Raw input (Ctrl-C goes to the guest; Ctrl-A x quits); output post-processing kept. */
    t.c_iflag &= (tcflag_t) ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_oflag |= OPOST;
    t.c_lflag &= (tcflag_t) ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    t.c_cflag &= (tcflag_t) ~(CSIZE | PARENB);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    tcsetattr(STDIN_FILENO, TCSANOW, &t);
    atexit(chr_cleanup_all);
    signal(SIGTERM, tty_signal);
    signal(SIGHUP, tty_signal);
    signal(SIGQUIT, tty_signal);
}

/* ---- sockets ---- */

static void set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);

    if (fl >= 0) {
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    }
}

static int socket_open(const ChardevSpec *spec, char *err, size_t errlen)
{
    int fd = -1;

    if (spec->kind == CHR_UNIX) {
        struct sockaddr_un sa;
        struct stat st;

        if (strlen(spec->path) >= sizeof(sa.sun_path)) {
            snprintf(err, errlen, "unix socket path too long: %.64s...", spec->path);
            return -1;
        }
        memset(&sa, 0, sizeof(sa));
        sa.sun_family = AF_UNIX;
        strcpy(sa.sun_path, spec->path);
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd < 0) {
            snprintf(err, errlen, "socket: %s", strerror(errno));
            return -1;
        }
        if (spec->server) {
            if (stat(spec->path, &st) == 0 && S_ISSOCK(st.st_mode)) {
                unlink(spec->path);
            }
            if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 1) != 0) {
                snprintf(err, errlen, "cannot listen on %s: %s", spec->path, strerror(errno));
                close(fd);
                return -1;
            }
        } else if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
            snprintf(err, errlen, "cannot connect to %s: %s", spec->path, strerror(errno));
            close(fd);
            return -1;
        }
        return fd;
    } else {
        struct addrinfo hints, *res, *ai;
        char portstr[16];
        int rc;

        memset(&hints, 0, sizeof(hints));
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = spec->server ? AI_PASSIVE : 0;
        snprintf(portstr, sizeof(portstr), "%d", spec->port);
        rc = getaddrinfo(spec->host && spec->host[0] ? spec->host : (spec->server ? NULL :
                         "localhost"), portstr, &hints, &res);
        if (rc != 0) {
            snprintf(err, errlen, "tcp: %s: %s", spec->host ? spec->host : "", gai_strerror(rc));
            return -1;
        }
        snprintf(err, errlen, "tcp: no usable address");
        for (ai = res; ai; ai = ai->ai_next) {
            int one = 1;

            fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
            if (fd < 0) {
                continue;
            }
            if (spec->server) {
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
                if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1) == 0) {
                    break;
                }
                snprintf(err, errlen, "cannot listen on tcp port %d: %s", spec->port,
                         strerror(errno));
            } else {
                if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                    break;
                }
                snprintf(err, errlen, "cannot connect to %s:%d: %s",
                         spec->host ? spec->host : "localhost", spec->port, strerror(errno));
            }
            close(fd);
            fd = -1;
        }
        freeaddrinfo(res);
        return fd;
    }
}

static void chr_accept(Chardev *chr, bool block)
{
    int fd;

    if (chr->listen_fd < 0 || chr->in_fd >= 0) {
        return;
    }
    if (!block) {
        struct pollfd p = {.fd = chr->listen_fd, .events = POLLIN};

        if (poll(&p, 1, 0) <= 0) {
            return;
        }
    }
    fd = accept(chr->listen_fd, NULL, NULL);
    if (fd < 0) {
        return;
    }
    set_nonblock(fd);
    chr->in_fd = chr->out_fd = fd;
    chr->in_eof = false;
    chr->outq_len = 0; /* output queued while nobody listened is stale */
    if (chr->event) {
        chr->event(chr->event_opaque, true);
    }
}

static void chr_hangup(Chardev *chr)
{
    if (chr->spec.kind == CHR_TCP || chr->spec.kind == CHR_UNIX) {
        if (chr->in_fd >= 0) {
            close(chr->in_fd);
        }
        chr->in_fd = chr->out_fd = -1;
        chr->outq_len = 0;
        if (chr->event) {
            chr->event(chr->event_opaque, false);
        }
    } else {
        chr->in_eof = true;
    }
}

/* ---- open / close ---- */

/* A chardev whose backend failed to open: nothing but its memory to release. */
static void chr_free_unopened(Chardev *chr)
{
    free(chr->spec.path);
    free(chr->spec.host);
    free(chr);
}

Chardev *chr_open(const ChardevSpec *spec, const char *label, char *err, size_t errlen)
{
    Chardev *chr;

    if (nb_chardevs == CHR_MAX) {
        snprintf(err, errlen, "%s: too many character devices", label ? label : "chardev");
        return NULL;
    }
    if (spec->kind == CHR_STDIO && stdio_in_use) {
        snprintf(err, errlen, "%s: stdio is already used by another device", label);
        return NULL;
    }
    /* A peer that hangs up must never kill x86pc: writes then fail with EPIPE, which the
     * output path handles as a disconnect. */
    signal(SIGPIPE, SIG_IGN);
    chr = xzalloc(sizeof(*chr));
    chr->spec = *spec;
    chr->spec.path = spec->path ? xstrdup(spec->path) : NULL;
    chr->spec.host = spec->host ? xstrdup(spec->host) : NULL;
    snprintf(chr->label, sizeof(chr->label), "%s", label ? label : "chardev");
    chr->in_fd = chr->out_fd = chr->listen_fd = -1;

    switch (spec->kind) {
    case CHR_NULL:
        break;
    case CHR_STDIO:
        stdio_in_use = true;
        chr->in_fd = STDIN_FILENO;
        chr->out_fd = STDOUT_FILENO;
        tty_set_raw();
        break;
    case CHR_FILE:
        chr->out_fd = open(spec->path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (chr->out_fd < 0) {
            snprintf(err, errlen, "%s: cannot open %s: %s", chr->label, spec->path,
                     strerror(errno));
            chr_free_unopened(chr);
            return NULL;
        }
        break;
    case CHR_TCP:
    case CHR_UNIX: {
        char e[200];
        int fd = socket_open(spec, e, sizeof(e));

        if (fd < 0) {
            snprintf(err, errlen, "%s: %s", chr->label, e);
            chr_free_unopened(chr);
            return NULL;
        }
        if (spec->server) {
            chr->listen_fd = fd;
            if (spec->wait) {
                if (spec->kind == CHR_TCP) {
                    fprintf(stderr, "x86pc: %s: waiting for connection on tcp:%s:%d\n",
                            chr->label, spec->host ? spec->host : "", spec->port);
                } else {
                    fprintf(stderr, "x86pc: %s: waiting for connection on unix:%s\n",
                            chr->label, spec->path);
                }
                chr_accept(chr, true);
            }
            set_nonblock(fd);
        } else {
            set_nonblock(fd);
            chr->in_fd = chr->out_fd = fd;
        }
        break;
    }
    }
    chardevs[nb_chardevs++] = chr;
    return chr;
}

void chr_set_quit_handler(void (*quit)(void *opaque), void *opaque)
{
    quit_handler = quit;
    quit_opaque = opaque;
}

void chr_close(Chardev *chr)
{
    int i;

    if (!chr) {
        return;
    }
    for (i = 0; i < nb_chardevs && chardevs[i] != chr; i++) {
    }
    if (i < nb_chardevs) {
        chardevs[i] = chardevs[--nb_chardevs];
    }
    if (chr->spec.kind == CHR_STDIO) {
        tty_restore();
        stdio_in_use = false;
    } else {
        if (chr->in_fd >= 0) {
            close(chr->in_fd);
        }
        if (chr->out_fd >= 0 && chr->out_fd != chr->in_fd) {
            close(chr->out_fd);
        }
        if (chr->listen_fd >= 0) {
            close(chr->listen_fd);
        }
    }
    free(chr->spec.path);
    free(chr->spec.host);
    free(chr->outq);
    free(chr);
}

/* ---- I/O ---- */

static void stdio_escape_help(void)
{
    static const char help[] = "\r\nC-a h    print this help\r\nC-a x    exit emulator\r\n"
                               "C-a a    send C-a\r\n";
    ssize_t unused = write(STDOUT_FILENO, help, sizeof(help) - 1);

    (void)unused;
}

/* Filter Ctrl-A escapes out of terminal input; returns the new length. */
static size_t stdio_filter(Chardev *chr, uint8_t *buf, size_t n)
{
    size_t out = 0;

    for (size_t i = 0; i < n; i++) {
        uint8_t c = buf[i];

        if (chr->escape) {
            chr->escape = false;
            switch (c) {
            case 'x':
            case 'X':
                if (quit_handler) {
                    fprintf(stderr, "x86pc: terminated\n");
                    quit_handler(quit_opaque);
                    break;
                }
                chr_cleanup_all();
                fprintf(stderr, "x86pc: terminated\n");
                exit(0);
            case 'h':
            case '?':
                stdio_escape_help();
                break;
            case CTRL_A:
            case 'a':
                buf[out++] = CTRL_A;
                break;
            case 'c':
                log_mask_printf(LOG_UNIMP, "chardev: monitor multiplexing on stdio (C-a c) "
                                "is not supported\n");
                break;
            default:
                break;
            }
        } else if (c == CTRL_A) {
            chr->escape = true;
        } else {
            buf[out++] = c;
        }
    }
    return out;
}

size_t chr_read(Chardev *chr, void *buf, size_t len)
{
    struct pollfd p;
    ssize_t n;

    if (!chr || len == 0) {
        return 0;
    }
    chr_accept(chr, false);
    if (chr->in_fd < 0 || chr->in_eof) {
        return 0;
    }
    for (;;) {
        p.fd = chr->in_fd;
        p.events = POLLIN;
        p.revents = 0;
        if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR))) {
            return 0;
        }
        n = read(chr->in_fd, buf, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                return 0;
            }
            chr_hangup(chr);
            return 0;
        }
        if (n == 0) {
            chr_hangup(chr);
            return 0;
        }
        if (chr->spec.kind == CHR_STDIO && tty_saved) {
            size_t m = stdio_filter(chr, buf, (size_t)n);

            if (m == 0) {
                continue; /* only escape bytes: look for more */
            }
            return m;
        }
        return (size_t)n;
    }
}

/* Write as much of the queue as the fd takes without blocking. */
static void chr_flush(Chardev *chr)
{
    while (chr->outq_len > 0 && chr->out_fd >= 0) {
        struct pollfd p = {.fd = chr->out_fd, .events = POLLOUT};
        size_t chunk = MIN(chr->outq_len, (size_t)PIPE_BUF);
        ssize_t n;

        if (chr->spec.kind != CHR_FILE && (poll(&p, 1, 0) <= 0 || !(p.revents & POLLOUT))) {
            if (p.revents & (POLLHUP | POLLERR)) {
                chr_hangup(chr);
            }
            return;
        }
        n = write(chr->out_fd, chr->outq, chunk);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                chr_hangup(chr);
                chr->outq_len = 0;
            }
            return;
        }
        memmove(chr->outq, chr->outq + n, chr->outq_len - (size_t)n);
        chr->outq_len -= (size_t)n;
    }
}

void chr_write(Chardev *chr, const void *buf, size_t len)
{
    if (!chr || len == 0) {
        return;
    }
    chr_accept(chr, false);
    if (chr->out_fd < 0) {
        return; /* null, or a server nobody is connected to */
    }
    if (chr->outq_len + len > CHR_OUT_MAX) {
        if (!chr->drop_logged) {
            chr->drop_logged = true;
            warn("%s: output is not being read; dropping output", chr->label);
        }
        chr_flush(chr);
        if (chr->outq_len + len > CHR_OUT_MAX) {
            return;
        }
    }
    if (chr->outq_len + len > chr->outq_cap) {
        size_t cap = chr->outq_cap ? chr->outq_cap : 4096;

        while (cap < chr->outq_len + len) {
            cap *= 2;
        }
        chr->outq = xrealloc(chr->outq, cap);
        chr->outq_cap = cap;
    }
    memcpy(chr->outq + chr->outq_len, buf, len);
    chr->outq_len += len;
    if (chr->out_fd == STDOUT_FILENO) {
        fflush(stdout); /* keep order with anything printed through stdio */
    }
    chr_flush(chr);
}

bool chr_connected(Chardev *chr)
{
    if (!chr) {
        return false;
    }
    chr_accept(chr, false);
    return chr->out_fd >= 0 || chr->in_fd >= 0;
}

void chr_set_handlers(Chardev *chr, void (*event)(void *opaque, bool connected), void *opaque)
{
    chr->event = event;
    chr->event_opaque = opaque;
    if (event && (chr->spec.kind == CHR_TCP || chr->spec.kind == CHR_UNIX) && chr->in_fd >= 0) {
        event(opaque, true); /* already connected (client, or server with wait) */
    }
}

bool chr_wait_all(int timeout_ms)
{
    struct pollfd fds[CHR_MAX * 2];
    Chardev *owner[CHR_MAX * 2];
    int nfds = 0, rc;
    bool input = false;

    for (int i = 0; i < nb_chardevs; i++) {
        Chardev *chr = chardevs[i];

        chr_accept(chr, false);
        chr_flush(chr);
        if (chr->listen_fd >= 0 && chr->in_fd < 0) {
            fds[nfds] = (struct pollfd){.fd = chr->listen_fd, .events = POLLIN};
            owner[nfds++] = chr;
        }
        if ((chr->in_fd >= 0 && !chr->in_eof) || (chr->out_fd >= 0 && chr->outq_len > 0)) {
            short ev = 0;
            int fd = chr->in_fd >= 0 && !chr->in_eof ? chr->in_fd : chr->out_fd;

            if (chr->in_fd >= 0 && !chr->in_eof) {
                ev |= POLLIN;
            }
            if (chr->outq_len > 0 && chr->out_fd == fd) {
                ev |= POLLOUT;
            } else if (chr->outq_len > 0 && chr->out_fd >= 0) {
                fds[nfds] = (struct pollfd){.fd = chr->out_fd, .events = POLLOUT};
                owner[nfds++] = chr;
            }
            fds[nfds] = (struct pollfd){.fd = fd, .events = ev};
            owner[nfds++] = chr;
        }
    }
    if (nfds == 0) {
        if (timeout_ms > 0) {
            poll(NULL, 0, timeout_ms);
        }
        return false;
    }
    rc = poll(fds, (nfds_t)nfds, timeout_ms);
    if (rc <= 0) {
        return false;
    }
    for (int i = 0; i < nfds; i++) {
        Chardev *chr = owner[i];

        if (!fds[i].revents) {
            continue;
        }
        if (fds[i].fd == chr->listen_fd) {
            chr_accept(chr, false);
            continue;
        }
        if (fds[i].revents & POLLOUT) {
            chr_flush(chr);
        }
        if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
            if (fds[i].fd == chr->in_fd) {
                input = true;
            }
        }
    }
    return input;
}

void chr_cleanup_all(void)
{
    /* Give pending output a bounded chance to drain (e.g. a pipe reader at exit). */
    for (int i = 0; i < nb_chardevs; i++) {
        Chardev *chr = chardevs[i];

        for (int tries = 0; chr->outq_len > 0 && chr->out_fd >= 0 && tries < 100; tries++) {
            struct pollfd p = {.fd = chr->out_fd, .events = POLLOUT};

            if (poll(&p, 1, 20) < 0 && errno != EINTR) {
                break;
            }
            chr_flush(chr);
        }
    }
    tty_restore();
}
