/*
 * x86pc entry point: the QEMU-style command line.
 *
 * Every option is described once in the table below (name, argument, help, handler); -help
 * prints from it and the man page documents the same list. Options whose feature does not
 * exist yet are parsed and validated, then refused with "not supported yet" -- never
 * silently ignored. Any error is one line on stderr and exit status 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "hw/machine.h"
#include "jit/jit.h"
#include "ui/gdbstub.h"
#include "ui/monitor.h"
#include "ui/qmp.h"
#include "util/log.h"
#include "util/options.h"

static MachineConfig cfg;
static const char *log_items_arg;
static const char *log_file_arg;
static const char *unsupported; /* first option given whose feature is not there yet */

static void set_unsupported(const char *what)
{
    if (!unsupported) {
        unsupported = what;
    }
}

static void check_readable(const char *opt, const char *path)
{
    struct stat st;

    if (access(path, R_OK) != 0) {
        fatal("%s: cannot open '%s': %s", opt, path, strerror(errno));
    }
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        fatal("%s: '%s' is a directory", opt, path);
    }
}

/* -initrd FILE, or for Multiboot kernels "FILE ARGS,FILE2 ARGS2,...": check each FILE. */
static void check_initrd(const char *arg)
{
    char *list = xstrdup(arg), *save = NULL;

    for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        tok[strcspn(tok, " ")] = 0;
        check_readable("-initrd", tok);
    }
    free(list);
}

static DriveConfig *new_drive(const char *opt)
{
    if (cfg.nb_drives >= MAX_DRIVES) {
        fatal("%s: too many drives (at most %d)", opt, MAX_DRIVES);
    }
    DriveConfig *d = &cfg.drives[cfg.nb_drives++];
    memset(d, 0, sizeof(*d));
    d->index = -1;
    return d;
}

static void add_simple_drive(const char *opt, const char *file, DriveIf iface, int index,
                             DriveMedia media)
{
    DriveConfig *d;

    check_readable(opt, file);
    for (int i = 0; i < cfg.nb_drives; i++) {
        if (cfg.drives[i].iface == iface && cfg.drives[i].index == index) {
            fatal("%s: drive index %d is already in use", opt, index);
        }
    }
    d = new_drive(opt);
    d->file = xstrdup(file);
    d->iface = iface;
    d->index = index;
    d->media = media;
    d->readonly = media == MEDIA_CDROM;
}

/* -drive file=,format=,if=,index=,media=,readonly= */
static void parse_drive(const char *arg)
{
    KeyVal kv[8];
    int n = kv_parse(arg, kv, ARRAY_SIZE(kv), "file");
    DriveConfig *d;

    if (n < 0) {
        fatal("-drive: cannot parse '%s'", arg);
    }
    d = new_drive("-drive");
    d->iface = IF_IDE;
    for (int i = 0; i < n; i++) {
        const char *k = kv[i].key, *v = kv[i].val;
        if (!strcmp(k, "file")) {
            d->file = xstrdup(v);
        } else if (!strcmp(k, "format")) {
            if (!strcmp(v, "raw")) {
                d->format = FMT_RAW;
            } else if (!strcmp(v, "qcow2")) {
                d->format = FMT_QCOW2;
            } else {
                fatal("-drive: unknown format '%s' (raw, qcow2)", v);
            }
        } else if (!strcmp(k, "if")) {
            if (!strcmp(v, "ide")) {
                d->iface = IF_IDE;
            } else if (!strcmp(v, "floppy")) {
                d->iface = IF_FLOPPY;
            } else if (!strcmp(v, "ahci") || !strcmp(v, "sata")) {
                d->iface = IF_AHCI;
            } else if (!strcmp(v, "none")) {
                d->iface = IF_NONE;
            } else {
                fatal("-drive: unknown interface '%s' (ide, floppy, ahci, none)", v);
            }
        } else if (!strcmp(k, "index")) {
            uint64_t idx;
            if (!parse_uint(v, &idx) || idx > 3) {
                fatal("-drive: bad index '%s' (0..3)", v);
            }
            d->index = (int)idx;
        } else if (!strcmp(k, "media")) {
            if (!strcmp(v, "disk")) {
                d->media = MEDIA_DISK;
            } else if (!strcmp(v, "cdrom")) {
                d->media = MEDIA_CDROM;
            } else {
                fatal("-drive: unknown media '%s' (disk, cdrom)", v);
            }
        } else if (!strcmp(k, "readonly")) {
            bool b;
            if (!parse_bool(v, &b)) {
                fatal("-drive: readonly takes on/off, got '%s'", v);
            }
            d->readonly = b;
        } else {
            fatal("-drive: unknown parameter '%s'", k);
        }
    }
    if (!d->file) {
        fatal("-drive: file= is required");
    }
    check_readable("-drive", d->file);
    if (d->media == MEDIA_CDROM) {
        d->readonly = true;
    }
}

static void parse_chardev(const char *opt, const char *arg, ChardevSpec *spec)
{
    char err[256];

    if (!chr_parse(arg, spec, err, sizeof(err))) {
        fatal("%s: %s", opt, err);
    }
}

static void parse_gdb(const char *arg)
{
    char err[256];

    cfg.gdb_set = true;
    if (!chr_parse(arg, &cfg.gdb, err, sizeof(err))) {
        fatal("-gdb: %s", err);
    }
    if (cfg.gdb.kind == CHR_TCP || cfg.gdb.kind == CHR_UNIX) {
        cfg.gdb.server = true; /* gdb connects to us, as with QEMU's -gdb tcp::1234 */
    }
}

/* -icount shift=N[,...] or -icount N */
static void parse_icount(const char *arg)
{
    KeyVal kv[4];
    int n = kv_parse(arg, kv, ARRAY_SIZE(kv), "shift");
    uint64_t shift;

    if (n < 0) {
        fatal("-icount: cannot parse '%s'", arg);
    }
    cfg.icount_shift = 0;
    for (int i = 0; i < n; i++) {
        if (!strcmp(kv[i].key, "shift")) {
            if (!strcmp(kv[i].val, "auto")) {
                fatal("-icount: shift=auto is not supported yet (give a number 0..10)");
            }
            if (!parse_uint(kv[i].val, &shift) || shift > 10) {
                fatal("-icount: bad shift '%s' (0..10)", kv[i].val);
            }
            cfg.icount_shift = (int)shift;
        } else if (!strcmp(kv[i].key, "sleep") || !strcmp(kv[i].key, "align")) {
            bool b;
            if (!parse_bool(kv[i].val, &b)) {
                fatal("-icount: %s takes on/off", kv[i].key);
            }
        } else {
            fatal("-icount: unknown parameter '%s'", kv[i].key);
        }
    }
}

/* -rtc base=utc|localtime|YYYY-MM-DDTHH:MM:SS[,clock=vm] */
static void parse_rtc(const char *arg)
{
    KeyVal kv[4];
    int n = kv_parse(arg, kv, ARRAY_SIZE(kv), NULL);

    if (n < 0) {
        fatal("-rtc: cannot parse '%s'", arg);
    }
    for (int i = 0; i < n; i++) {
        const char *v = kv[i].val;
        if (!strcmp(kv[i].key, "base")) {
            struct tm tm = {0};
            if (!strcmp(v, "utc")) {
                cfg.rtc_base = RTC_BASE_DEFAULT;
            } else if (!strcmp(v, "localtime")) {
                cfg.rtc_base = RTC_BASE_LOCALTIME;
            } else if (sscanf(v, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                              &tm.tm_hour, &tm.tm_min, &tm.tm_sec) == 6 ||
                       (sscanf(v, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) == 3 &&
                        !strchr(v, 'T'))) {
                if (tm.tm_year < 1970 || tm.tm_year > 2099 || tm.tm_mon < 1 || tm.tm_mon > 12 ||
                    tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
                    tm.tm_sec > 59) {
                    fatal("-rtc: date '%s' out of range (1970..2099)", v);
                }
                tm.tm_year -= 1900;
                tm.tm_mon -= 1;
                cfg.rtc_base = RTC_BASE_DATE;
                cfg.rtc_base_epoch = (int64_t)timegm(&tm);
            } else {
                fatal("-rtc: bad base '%s' (utc, localtime or YYYY-MM-DDTHH:MM:SS)", v);
            }
        } else if (!strcmp(kv[i].key, "clock")) {
            if (strcmp(v, "vm") != 0) {
                fatal("-rtc: clock=%s is not supported (x86pc's RTC always runs on the virtual "
                      "clock: clock=vm)", v);
            }
        } else if (!strcmp(kv[i].key, "driftfix")) {
            if (strcmp(v, "none") != 0) {
                set_unsupported("-rtc driftfix=slew");
            }
        } else {
            fatal("-rtc: unknown parameter '%s'", kv[i].key);
        }
    }
}

static void parse_boot(const char *arg)
{
    KeyVal kv[4];
    int n = kv_parse(arg, kv, ARRAY_SIZE(kv), "order");

    if (n < 0) {
        fatal("-boot: cannot parse '%s'", arg);
    }
    for (int i = 0; i < n; i++) {
        const char *v = kv[i].val;
        if (!strcmp(kv[i].key, "order") || !strcmp(kv[i].key, "once")) {
            if (strlen(v) == 0 || strlen(v) >= sizeof(cfg.boot_order)) {
                fatal("-boot: bad order '%s'", v);
            }
            for (const char *c = v; *c; c++) {
                if (!strchr("acdn", *c)) {
                    fatal("-boot: bad boot device '%c' (a=floppy, c=disk, d=cdrom, n=network)", *c);
                }
            }
            snprintf(cfg.boot_order, sizeof(cfg.boot_order), "%s", v);
        } else if (!strcmp(kv[i].key, "menu") || !strcmp(kv[i].key, "strict")) {
            bool b;
            if (!parse_bool(v, &b)) {
                fatal("-boot: %s takes on/off", kv[i].key);
            }
        } else {
            fatal("-boot: unknown parameter '%s'", kv[i].key);
        }
    }
}

/* -machine [type=]pc[,linuxboot=direct|firmware] */
static void parse_machine(const char *arg)
{
    KeyVal kv[4];
    int n = kv_parse(arg, kv, ARRAY_SIZE(kv), "type");

    if (n < 0) {
        fatal("-machine: cannot parse '%s'", arg);
    }
    for (int i = 0; i < n; i++) {
        const char *v = kv[i].val;
        if (!strcmp(kv[i].key, "type")) {
            if (strcmp(v, "pc") != 0 && strcmp(v, "pc-i440fx") != 0) {
                fatal("-machine: unknown machine '%s' (only 'pc' exists)", v);
            }
        } else if (!strcmp(kv[i].key, "linuxboot")) {
            if (!strcmp(v, "direct")) {
                cfg.kernel_direct = true;
            } else if (!strcmp(v, "firmware")) {
                cfg.kernel_direct = false;
            } else {
                fatal("-machine: linuxboot=%s: expected direct or firmware", v);
            }
        } else {
            fatal("-machine: unknown parameter '%s'", kv[i].key);
        }
    }
}

/* ---- option table ---- */

enum {
    OPT_HELP, OPT_VERSION, OPT_M, OPT_SMP, OPT_CPU, OPT_BIOS, OPT_HDA, OPT_HDB, OPT_HDC, OPT_HDD,
    OPT_CDROM, OPT_FDA, OPT_FDB, OPT_DRIVE, OPT_BOOT, OPT_KERNEL, OPT_INITRD, OPT_APPEND,
    OPT_SERIAL, OPT_DISPLAY, OPT_NOGRAPHIC, OPT_DEBUGCON, OPT_NIC, OPT_GDB, OPT_S_GDB,
    OPT_S_PAUSE, OPT_SNAPSHOT, OPT_D, OPT_DFILE, OPT_ACCEL, OPT_ICOUNT, OPT_RTC, OPT_NO_REBOOT,
    OPT_NO_SHUTDOWN, OPT_MONITOR, OPT_QMP, OPT_MACHINE,
};

static const OptionDesc options[] = {
    {OPT_HELP, "help", NULL, "print this help and exit"},
    {OPT_HELP, "h", NULL, NULL},
    {OPT_VERSION, "version", NULL, "print the version and exit"},
    {OPT_MACHINE, "machine", "pc[,linuxboot=M]", "i440FX/PIIX3 PC; M=direct|firmware loads -kernel"},
    {OPT_MACHINE, "M", "TYPE", NULL},
    {OPT_M, "m", "SIZE", "guest RAM size, e.g. 128, 256M, 1G (default 128M; suffix M if none)"},
    {OPT_SMP, "smp", "N", "number of vCPUs (1..8)"},
    {OPT_CPU, "cpu", "MODEL", "CPU model ('-cpu help' lists them)"},
    {OPT_BIOS, "bios", "FILE", "firmware image (default: SeaBIOS from the 'seabios' package)"},
    {OPT_HDA, "hda", "FILE", "IDE primary master disk image"},
    {OPT_HDB, "hdb", "FILE", "IDE primary slave disk image"},
    {OPT_HDC, "hdc", "FILE", "IDE secondary master disk image"},
    {OPT_HDD, "hdd", "FILE", "IDE secondary slave disk image"},
    {OPT_CDROM, "cdrom", "FILE", "CD-ROM image (IDE secondary master)"},
    {OPT_FDA, "fda", "FILE", "floppy disk A image"},
    {OPT_FDB, "fdb", "FILE", "floppy disk B image"},
    {OPT_DRIVE, "drive", "OPTS", "file=F[,format=raw|qcow2][,if=ide|floppy|ahci][,index=N],..."},
    {OPT_BOOT, "boot", "OPTS", "[order=]DRIVES: a=floppy c=disk d=cdrom n=network"},
    {OPT_KERNEL, "kernel", "FILE", "boot a Linux bzImage or Multiboot kernel directly"},
    {OPT_INITRD, "initrd", "FILE", "initial ramdisk for -kernel"},
    {OPT_APPEND, "append", "CMDLINE", "kernel command line for -kernel"},
    {OPT_SERIAL, "serial", "DEV", "next COM port: stdio|null|file:P|tcp:H:PORT[,server]|unix:P"},
    {OPT_DISPLAY, "display", "TYPE", "sdl|curses|none"},
    {OPT_NOGRAPHIC, "nographic", NULL, "no display; COM1 on stdio (Ctrl-A x quits)"},
    {OPT_DEBUGCON, "debugcon", "DEV", "debug console (ports 0xE9/0x402) to DEV, e.g. stdio, file:PATH"},
    {OPT_NIC, "nic", "OPTS", "network card, e.g. user,model=ne2k_pci"},
    {OPT_GDB, "gdb", "DEV", "gdbstub on DEV, e.g. tcp::1234"},
    {OPT_S_GDB, "s", NULL, "shorthand for -gdb tcp::1234"},
    {OPT_S_PAUSE, "S", NULL, "do not start the CPU (wait for gdb 'continue' or monitor 'cont')"},
    {OPT_SNAPSHOT, "snapshot", NULL, "write disk changes to temporary files, not the images"},
    {OPT_D, "d", "ITEMS", "enable logging of ITEMS ('-d help' lists them)"},
    {OPT_DFILE, "D", "FILE", "write the -d log to FILE instead of stderr"},
    {OPT_ACCEL, "accel", "TYPE", "interp (the reference interpreter) or jit"},
    {OPT_ICOUNT, "icount", "shift=N", "deterministic virtual clock: 2^N ns per instruction"},
    {OPT_RTC, "rtc", "base=B", "RTC start: utc (default), localtime, YYYY-MM-DDTHH:MM:SS; -icount: 2020-01-01"},
    {OPT_NO_REBOOT, "no-reboot", NULL, "exit instead of rebooting (triple fault, reset)"},
    {OPT_NO_SHUTDOWN, "no-shutdown", NULL, "stop instead of exiting when the guest powers off"},
    {OPT_MONITOR, "monitor", "DEV", "human monitor on DEV, e.g. stdio, tcp::4444,server"},
    {OPT_QMP, "qmp", "DEV", "QMP on DEV, e.g. unix:/tmp/qmp.sock,server or tcp::4445,server"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: x86pc [options]\n"
                 "x86pc %s: a portable x86 PC emulator (i440FX/PIIX3 PC, P6-class CPU)\n\n",
            X86PC_VERSION);
    opt_print_help(out, options, ARRAY_SIZE(options));
    fprintf(out, "\nWith no options x86pc boots the default firmware with no disks.\n"
                 "See 'man x86pc' and the README for examples.\n");
}

static void parse_options(int argc, char **argv)
{
    OptionParser p;
    int id;
    const char *arg;
    bool nographic = false;

    opt_init(&p, argc, argv, options, ARRAY_SIZE(options));
    while ((id = opt_next(&p, &arg)) >= 0) {
        uint64_t u;
        switch (id) {
        case OPT_HELP:
            usage(stdout);
            exit(0);
        case OPT_VERSION:
            printf("x86pc version %s\n", X86PC_VERSION);
            exit(0);
        case OPT_MACHINE:
            if (!strcmp(arg, "help")) {
                printf("Supported machines:\npc    Standard PC (i440FX + PIIX3) (default)\n");
                exit(0);
            }
            parse_machine(arg);
            break;
        case OPT_M:
            if (!parse_size(arg, 'M', &u) || u < 1024 * 1024 || u > 3584ull * 1024 * 1024) {
                fatal("-m: bad size '%s' (1M..3584M)", arg);
            }
            cfg.ram_size = u & ~0xfffull;
            break;
        case OPT_SMP: {
            KeyVal kv[4];
            int n = kv_parse(arg, kv, ARRAY_SIZE(kv), "cpus");
            if (n < 1 || strcmp(kv[0].key, "cpus") != 0 || !parse_uint(kv[0].val, &u) || u < 1 ||
                u > MAX_CPUS) {
                fatal("-smp: bad CPU count '%s' (1..%d)", arg, MAX_CPUS);
            }
            cfg.smp = (int)u;
            break;
        }
        case OPT_CPU:
            if (!strcmp(arg, "help")) {
                cpu_model_list(stdout);
                exit(0);
            }
            cfg.cpu_model = cpu_model_find(arg);
            if (!cfg.cpu_model) {
                fatal("-cpu: unknown CPU model '%s' (try -cpu help)", arg);
            }
            break;
        case OPT_BIOS:
            check_readable("-bios", arg);
            cfg.bios = arg;
            break;
        case OPT_HDA:
        case OPT_HDB:
        case OPT_HDC:
        case OPT_HDD:
            add_simple_drive(p.name, arg, IF_IDE, id - OPT_HDA, MEDIA_DISK);
            break;
        case OPT_CDROM:
            add_simple_drive("-cdrom", arg, IF_IDE, 2, MEDIA_CDROM);
            break;
        case OPT_FDA:
        case OPT_FDB:
            add_simple_drive(p.name, arg, IF_FLOPPY, id - OPT_FDA, MEDIA_DISK);
            break;
        case OPT_DRIVE:
            parse_drive(arg);
            break;
        case OPT_BOOT:
            parse_boot(arg);
            break;
        case OPT_KERNEL:
            check_readable("-kernel", arg);
            cfg.kernel = arg;
            break;
        case OPT_INITRD:
            check_initrd(arg);
            cfg.initrd = arg;
            break;
        case OPT_APPEND:
            cfg.append = arg;
            break;
        case OPT_SERIAL:
            if (cfg.nb_serial >= MAX_SERIAL) {
                fatal("-serial: at most %d serial ports", MAX_SERIAL);
            }
            if (!strcmp(arg, "none")) {
                cfg.serial[cfg.nb_serial++].kind = CHR_NULL;
                break;
            }
            parse_chardev("-serial", arg, &cfg.serial[cfg.nb_serial++]);
            break;
        case OPT_DISPLAY:
            if (!strcmp(arg, "none")) {
                cfg.display = DISPLAY_NONE;
            } else if (!strcmp(arg, "sdl") || !strncmp(arg, "sdl,", 4)) {
                cfg.display = DISPLAY_SDL;
            } else if (!strcmp(arg, "curses") || !strncmp(arg, "curses,", 7)) {
                cfg.display = DISPLAY_CURSES;
            } else if (!strcmp(arg, "help")) {
                printf("Available display types:\nnone\nsdl\ncurses\n");
                exit(0);
            } else {
                fatal("-display: unknown display '%s' (sdl, curses, none)", arg);
            }
            break;
        case OPT_NOGRAPHIC:
            nographic = true;
            break;
        case OPT_DEBUGCON:
            cfg.debugcon_set = true;
            parse_chardev("-debugcon", arg, &cfg.debugcon);
            break;
        case OPT_NIC:
            if (strcmp(arg, "none") != 0) {
                cfg.nic = arg;
            }
            break;
        case OPT_GDB:
            parse_gdb(arg);
            break;
        case OPT_S_GDB:
            parse_gdb("tcp::1234");
            break;
        case OPT_S_PAUSE:
            cfg.start_paused = true;
            break;
        case OPT_SNAPSHOT:
            cfg.snapshot = true;
            break;
        case OPT_D:
            log_items_arg = arg;
            break;
        case OPT_DFILE:
            log_file_arg = arg;
            break;
        case OPT_ACCEL: {
            const char *name = arg;
            if (!strncmp(name, "accel=", 6)) {
                name += 6;
            }
            if (!strcmp(name, "help")) {
                printf("Accelerators:\ninterp  reference interpreter (all hosts)\n"
                       "jit     dynamic translator (%s)\n",
                       jit_backend_name() ? jit_backend_name() : "no backend for this host");
                exit(0);
            } else if (!strcmp(name, "interp") || !strcmp(name, "tcg")) {
                cfg.accel = ACCEL_INTERP;
            } else if (!strcmp(name, "jit")) {
                cfg.accel = ACCEL_JIT;
            } else if (!strcmp(name, "kvm")) {
                fatal("-accel: kvm is not available in x86pc (use interp or jit)");
            } else {
                fatal("-accel: unknown accelerator '%s' (interp, jit)", name);
            }
            break;
        }
        case OPT_ICOUNT:
            parse_icount(arg);
            break;
        case OPT_RTC:
            parse_rtc(arg);
            break;
        case OPT_NO_REBOOT:
            cfg.no_reboot = true;
            break;
        case OPT_NO_SHUTDOWN:
            cfg.no_shutdown = true;
            break;
        case OPT_MONITOR:
            if (!strcmp(arg, "none")) {
                break;
            }
            cfg.monitor_set = true;
            parse_chardev("-monitor", arg, &cfg.monitor);
            break;
        case OPT_QMP:
            cfg.qmp_set = true;
            parse_chardev("-qmp", arg, &cfg.qmp);
            break;
        }
    }
    if (p.error[0]) {
        fatal("%s", p.error);
    }

    if (nographic) {
        cfg.nographic = true;
        if (cfg.display == DISPLAY_SDL || cfg.display == DISPLAY_CURSES) {
            fatal("-nographic cannot be used with -display sdl/curses");
        }
        cfg.display = DISPLAY_NONE;
        if (cfg.nb_serial == 0) {
            cfg.serial[0].kind = CHR_STDIO;
            cfg.nb_serial = 1;
        }
    }
    if ((cfg.initrd || cfg.append) && !cfg.kernel) {
        fatal("%s requires -kernel", cfg.initrd ? "-initrd" : "-append");
    }
}

/* Refuse, with one clear line, what the machine cannot do yet (see README "Supported"). */
static void check_supported(void)
{
    if (cfg.display == DISPLAY_SDL || cfg.display == DISPLAY_CURSES) {
        set_unsupported(cfg.display == DISPLAY_SDL ? "-display sdl (no VGA device yet)"
                                                   : "-display curses (no VGA device yet)");
    }
    for (int i = 0; i < cfg.nb_drives; i++) {
        const DriveConfig *d = &cfg.drives[i];
        set_unsupported(d->iface == IF_FLOPPY ? "floppy drives (-fda/-fdb, if=floppy)"
                        : d->media == MEDIA_CDROM ? "CD-ROM drives (-cdrom, media=cdrom)"
                                                  : "disk drives (-hda..-hdd, -drive)");
    }
    if (cfg.nic) {
        set_unsupported("-nic (no network card yet)");
    }
    if (cfg.snapshot) {
        set_unsupported("-snapshot (no disk drives yet)");
    }
    if (cfg.accel == ACCEL_JIT && !jit_available()) {
        set_unsupported("-accel jit (the JIT is not written yet: use -accel interp)");
    }
    if (unsupported) {
        fatal("%s: not supported yet", unsupported);
    }
}

int main(int argc, char **argv)
{
    Machine *m;
    int status;

    cfg.ram_size = 128ull * 1024 * 1024;
    cfg.smp = 1;
    cfg.icount_shift = -1;
    cfg.rtc_base = RTC_BASE_DEFAULT;
    snprintf(cfg.boot_order, sizeof(cfg.boot_order), "cad");
    cfg.display = DISPLAY_DEFAULT;

    parse_options(argc, argv);

    if (log_items_arg) {
        char bad[64];
        uint32_t mask;
        if (!strcmp(log_items_arg, "help")) {
            log_print_help(stdout);
            exit(0);
        }
        if (!log_parse_items(log_items_arg, &mask, bad, sizeof(bad))) {
            fatal("-d: unknown log item '%s' (try -d help)", bad);
        }
        log_mask = mask;
    }
    if (log_file_arg) {
        int err = log_set_file(log_file_arg);
        if (err < 0) {
            fatal("-D: cannot open '%s': %s", log_file_arg, strerror(-err));
        }
    }
    if (!cfg.cpu_model) {
        cfg.cpu_model = cpu_model_find("pentium2");
    }
    if (cfg.display == DISPLAY_DEFAULT) {
        /* No display device exists yet: the default front end is headless. */
        cfg.display = DISPLAY_NONE;
    }
    check_supported();

    m = machine_create(&cfg);
    if (cfg.gdb_set) {
        gdbstub_init(m, &cfg.gdb);
    }
    if (cfg.monitor_set) {
        monitor_init(m, &cfg.monitor);
    }
    if (cfg.qmp_set) {
        qmp_init(m, &cfg.qmp);
    }
    if (cfg.start_paused) {
        machine_pause(m);
    }
    status = machine_run(m);
    machine_destroy(m);
    chr_cleanup_all();
    log_flush();
    return status;
}
