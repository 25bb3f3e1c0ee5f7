/*
 * x86pc entry point: the QEMU-style command line.
 *
 * Every option is described once in the table below (name, argument, help, handler); -help
 * prints from it and the man page documents the same list. Options whose feature does not
 * exist yet are parsed and validated, then refused with "not supported yet" -- never
 * silently ignored. Any error is one line on stderr and exit status 1.
 */
#include <errno.h>
#include <signal.h>
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

/* Highest unit index of an interface: IDE 0..3 (primary/secondary master/slave), floppy
 * A/B, six AHCI ports; if=none drives are not attached and have no index. */
static int drive_index_max(DriveIf iface)
{
    switch (iface) {
    case IF_IDE:
        return 3;
    case IF_FLOPPY:
        return 1;
    case IF_AHCI:
        return 5;
    default:
        return -1;
    }
}

static bool drive_index_used(DriveIf iface, int index)
{
    for (int i = 0; i < cfg.nb_drives; i++) {
        if (cfg.drives[i].iface == iface && cfg.drives[i].index == index) {
            return true;
        }
    }
    return false;
}

static void add_simple_drive(const char *opt, const char *file, DriveIf iface, int index,
                             DriveMedia media)
{
    DriveConfig *d;

    check_readable(opt, file);
    if (drive_index_used(iface, index)) {
        fatal("%s: drive index %d is already in use", opt, index);
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
            if (!parse_uint(v, &idx) || idx > 5) {
                fatal("-drive: bad index '%s'", v);
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
    /* As QEMU: without index= the drive takes the interface's first free unit. The drive
     * being parsed is the last one in cfg.drives, so it is not counted as a user. */
    cfg.nb_drives--;
    if (d->iface == IF_NONE && d->index >= 0) {
        fatal("-drive: index= does not apply to if=none");
    }
    if (d->index > drive_index_max(d->iface)) {
        fatal("-drive: index=%d: this interface has units 0..%d", d->index,
              drive_index_max(d->iface));
    }
    if (d->index >= 0 && drive_index_used(d->iface, d->index)) {
        fatal("-drive: drive index %d is already in use", d->index);
    }
    for (int i = 0; d->index < 0 && i <= drive_index_max(d->iface); i++) {
        if (!drive_index_used(d->iface, i)) {
            d->index = i;
        }
    }
    if (d->index < 0 && d->iface != IF_NONE) {
        fatal("-drive: no free unit left on this interface");
    }
    cfg.nb_drives++;
    if (d->media == MEDIA_CDROM) {
        d->readonly = true;
    }
}

static void parse_chardev(const char *opt, const char *arg, ChardevSpec *spec)
{
    char err[256];

    /* QEMU's "mon:" shares the device with a monitor (C-a c switches); x86pc's monitor
     * needs a device of its own (-monitor), and the rest would work without it. */
    if (!strncmp(arg, "mon:", 4) && strcmp(opt, "-monitor") != 0) {
        set_unsupported("a monitor multiplexed on a device ('mon:'; use -monitor DEV)");
    }

    if (!chr_parse(arg, spec, err, sizeof(err))) {
        fatal("%s: %s", opt, err);
    }
}

/* x86pc has one gdbstub, one monitor, one QMP server and one debug console: a second
 * option would replace the first without a word, so it is an error. */
static void check_once(bool already, const char *opt, const char *what)
{
    if (already) {
        fatal("%s: given twice (x86pc has one %s)", opt, what);
    }
}

static void parse_gdb(const char *opt, const char *arg)
{
    char err[256];

    check_once(cfg.gdb_set, opt, "gdbstub; -s means -gdb tcp::1234");
    cfg.gdb_set = true;
    if (!chr_parse(arg, &cfg.gdb, err, sizeof(err))) {
        fatal("%s: %s", opt, err);
    }
    if (cfg.gdb.kind == CHR_TCP || cfg.gdb.kind == CHR_UNIX) {
        cfg.gdb.server = true; /* gdb connects to us, as with QEMU's -gdb tcp::1234 */
    }
}

#ifdef CONFIG_HOST_X87
#define HOST_X87_AVAILABLE 1
#else
#define HOST_X87_AVAILABLE 0
#endif

/* -accel TYPE[,x87=host|soft] (also accel=TYPE, as QEMU's -machine accel=) */
static void parse_accel(const char *arg)
{
    KeyVal kv[4];
    int n = kv_parse(arg, kv, ARRAY_SIZE(kv), "accel");
    const char *name = NULL;

    if (n < 0) {
        fatal("-accel: cannot parse '%s'", arg);
    }
    for (int i = 0; i < n; i++) {
        if (!strcmp(kv[i].key, "accel")) {
            name = kv[i].val;
        } else if (!strcmp(kv[i].key, "x87") || !strcmp(kv[i].key, "sse")) {
            bool *on = kv[i].key[0] == 'x' ? &fpu_host_x87 : &fpu_host_sse;

            if (!strcmp(kv[i].val, "soft")) {
                *on = false;
            } else if (!strcmp(kv[i].val, "host")) {
                if (!HOST_X87_AVAILABLE) {
                    fatal("-accel: %s=host needs an x86-64 host build (this one runs the "
                          "portable code only)", kv[i].key);
                }
                *on = true;
            } else {
                fatal("-accel: %s takes host or soft, not '%s'", kv[i].key, kv[i].val);
            }
        } else {
            fatal("-accel: unknown property '%s' (x87, sse)", kv[i].key);
        }
    }
    if (!name) {
        fatal("-accel: no accelerator given (interp, jit)");
    }
    if (!strcmp(name, "help")) {
        printf("Accelerators:\ninterp  reference interpreter (all hosts)\n"
               "jit     dynamic translator (%s)\n"
               "Properties:\nx87=host|soft  run the common x87 instructions on the host's x87 "
               "unit (%s)\n               or in portable code\n"
               "sse=host|soft  the same for SSE/SSE2 instructions and the host's SSE unit\n",
               jit_backend_name() ? jit_backend_name() : "no backend for this host",
               HOST_X87_AVAILABLE ? "default on this host" : "not in this build");
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
            /* x86pc's -icount is QEMU's sleep=off,align=off: when every vCPU is halted the
             * virtual clock jumps to the next timer instead of waiting for the host. */
            bool b;
            if (!parse_bool(kv[i].val, &b)) {
                fatal("-icount: %s takes on/off", kv[i].key);
            }
            if (b) {
                set_unsupported(!strcmp(kv[i].key, "sleep")
                                    ? "-icount sleep=on (idle time is skipped: sleep=off)"
                                    : "-icount align=on");
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
            int end = 0;
            if (!strcmp(v, "utc")) {
                cfg.rtc_base = RTC_BASE_DEFAULT;
            } else if (!strcmp(v, "localtime")) {
                cfg.rtc_base = RTC_BASE_LOCALTIME;
            } else if ((sscanf(v, "%d-%d-%dT%d:%d:%d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                               &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &end) == 6 && !v[end]) ||
                       (sscanf(v, "%d-%d-%d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &end) == 3 &&
                        !v[end])) {
                if (tm.tm_year < 1970 || tm.tm_year > 2099 || tm.tm_mon < 1 || tm.tm_mon > 12 ||
                    tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour < 0 || tm.tm_hour > 23 ||
                    tm.tm_min < 0 || tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 59) {
                    fatal("-rtc: date '%s' out of range (1970..2099)", v);
                }
                int mday = tm.tm_mday, mon = tm.tm_mon - 1;
                time_t t;

                tm.tm_year -= 1900;
                tm.tm_mon -= 1;
                t = timegm(&tm);
                /* timegm() normalises Feb 30 to Mar 1 (in tm too): a date that moved does
                 * not exist. */
                if (tm.tm_mday != mday || tm.tm_mon != mon) {
                    fatal("-rtc: no such date '%s'", v);
                }
                cfg.rtc_base = RTC_BASE_DATE;
                cfg.rtc_base_epoch = (int64_t)t;
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
        if (!strcmp(kv[i].key, "order")) {
            size_t len = strlen(v);

            /* The firmware reads the order from CMOS, which has room for three devices. */
            if (len == 0 || len > 3) {
                fatal("-boot: bad order '%s' (one to three of a, c, d, n)", v);
            }
            for (const char *c = v; *c; c++) {
                if (!strchr("acdn", *c)) {
                    fatal("-boot: bad boot device '%c' (a=floppy, c=disk, d=cdrom, n=network)", *c);
                }
                if (strchr(c + 1, *c)) {
                    fatal("-boot: boot device '%c' given twice", *c);
                }
            }
            memcpy(cfg.boot_order, v, len + 1);
        } else if (!strcmp(kv[i].key, "menu") || !strcmp(kv[i].key, "strict")) {
            bool b;
            if (!parse_bool(v, &b)) {
                fatal("-boot: %s takes on/off", kv[i].key);
            }
            if (b) {
                set_unsupported(!strcmp(kv[i].key, "menu") ? "-boot menu=on" : "-boot strict=on");
            }
        } else if (!strcmp(kv[i].key, "once") || !strcmp(kv[i].key, "splash") ||
                   !strcmp(kv[i].key, "splash-time") || !strcmp(kv[i].key, "reboot-timeout")) {
            set_unsupported(!strcmp(kv[i].key, "once") ? "-boot once=" : "-boot splash/reboot-timeout");
        } else {
            fatal("-boot: unknown parameter '%s'", kv[i].key);
        }
    }
}

/*
 * -smp [cpus=]N[,maxcpus=N][,sockets=S][,cores=C][,threads=T]. Every vCPU is a
 * single-core, single-thread package of its own, so a topology is accepted only when it says
 * just that (sockets=N, cores=1, threads=1); others, and CPU hotplug (maxcpus > cpus),
 * are refused as not supported yet.
 */
static void parse_smp(const char *arg)
{
    static const char *const keys[] = {"cpus", "maxcpus", "sockets", "cores", "threads"};
    uint64_t val[ARRAY_SIZE(keys)] = {0};
    bool given[ARRAY_SIZE(keys)] = {false};
    KeyVal kv[8];
    int n = kv_parse(arg, kv, ARRAY_SIZE(kv), "cpus");
    uint64_t cpus;

    if (n < 0) {
        fatal("-smp: cannot parse '%s'", arg);
    }
    for (int i = 0; i < n; i++) {
        size_t k = 0;
        while (k < ARRAY_SIZE(keys) && strcmp(kv[i].key, keys[k]) != 0) {
            k++;
        }
        if (k == ARRAY_SIZE(keys)) {
            fatal("-smp: unknown parameter '%s' (cpus, maxcpus, sockets, cores, threads)",
                  kv[i].key);
        }
        if (!parse_uint(kv[i].val, &val[k]) || val[k] < 1 || val[k] > MAX_CPUS) {
            fatal("-smp: bad %s '%s' (1..%d)", keys[k], kv[i].val, MAX_CPUS);
        }
        given[k] = true;
    }
    /* As QEMU: without cpus=, the count is the product of the topology. */
    cpus = given[0] ? val[0]
                    : (given[2] ? val[2] : 1) * (given[3] ? val[3] : 1) * (given[4] ? val[4] : 1);
    if (cpus < 1 || cpus > MAX_CPUS) {
        fatal("-smp: bad CPU count %llu (1..%d)", (unsigned long long)cpus, MAX_CPUS);
    }
    if (given[1] && val[1] < cpus) {
        fatal("-smp: maxcpus=%llu is below cpus=%llu", (unsigned long long)val[1],
              (unsigned long long)cpus);
    }
    if (given[1] && val[1] > cpus) {
        set_unsupported("-smp maxcpus above cpus (CPU hotplug)");
    }
    if ((given[3] && val[3] > 1) || (given[4] && val[4] > 1)) {
        set_unsupported("-smp cores/threads above 1 (each vCPU is a package of its own)");
    }
    if (given[2] && val[2] * (given[3] ? val[3] : 1) * (given[4] ? val[4] : 1) != cpus) {
        fatal("-smp: sockets*cores*threads is not cpus=%llu", (unsigned long long)cpus);
    }
    cfg.smp = (int)cpus;
}

/*
 * -nic [TYPE][,model=M][,mac=MAC][,...]. There is no network card yet: the type is checked
 * so that a typo is not reported as a missing feature, then any NIC is refused.
 */
static void parse_nic(const char *arg)
{
    static const char *const types[] = {"none", "user", "tap", "bridge", "socket", "vde",
                                        "l2tpv3", "netmap", "vhost-user"};
    KeyVal kv[16];
    int n = kv_parse(arg, kv, ARRAY_SIZE(kv), "type");
    const char *type = n > 0 && !strcmp(kv[0].key, "type") ? kv[0].val : "user";
    size_t t = 0;

    if (n < 0) {
        fatal("-nic: cannot parse '%s'", arg);
    }
    while (t < ARRAY_SIZE(types) && strcmp(type, types[t]) != 0) {
        t++;
    }
    if (t == ARRAY_SIZE(types)) {
        fatal("-nic: unknown network backend '%s' (none, user, tap, ...)", type);
    }
    if (!strcmp(type, "none")) {
        cfg.nic = NULL;
        return;
    }
    cfg.nic = arg;
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

/* One line per entry (docs/mkman.sh builds the man page from these lines). "not supported
 * yet" marks what the parser accepts and then refuses. */
static const OptionDesc options[] = {
    {OPT_HELP, "help", NULL, "print this help and exit"},
    {OPT_HELP, "h", NULL, NULL},
    {OPT_VERSION, "version", NULL, "print the version and exit"},
    {OPT_MACHINE, "machine", "pc[,linuxboot=M]", "i440FX/PIIX3 PC; M=direct|firmware loads -kernel"},
    {OPT_MACHINE, "M", "TYPE", NULL},
    {OPT_M, "m", "SIZE", "guest RAM size, e.g. 128, 256M, 1.5G (default 128M; suffix M if none)"},
    {OPT_SMP, "smp", "N", "vCPUs, 1..8: [cpus=]N[,sockets=N] (cores=, threads=: not supported yet)"},
    {OPT_CPU, "cpu", "MODEL", "CPU model ('-cpu help' lists them)"},
    {OPT_BIOS, "bios", "FILE", "firmware image (default: SeaBIOS from the 'seabios' package)"},
    {OPT_HDA, "hda", "FILE", "IDE primary master disk image (not supported yet: no IDE)"},
    {OPT_HDB, "hdb", "FILE", "IDE primary slave disk image (not supported yet: no IDE)"},
    {OPT_HDC, "hdc", "FILE", "IDE secondary master disk image (not supported yet: no IDE)"},
    {OPT_HDD, "hdd", "FILE", "IDE secondary slave disk image (not supported yet: no IDE)"},
    {OPT_CDROM, "cdrom", "FILE", "CD-ROM image, IDE secondary master (not supported yet: no IDE)"},
    {OPT_FDA, "fda", "FILE", "floppy disk A image (not supported yet: no floppy controller)"},
    {OPT_FDB, "fdb", "FILE", "floppy disk B image (not supported yet: no floppy controller)"},
    {OPT_DRIVE, "drive", "OPTS", "file=F[,format=][,if=][,index=][,media=][,readonly=] (not supported yet)"},
    {OPT_BOOT, "boot", "OPTS", "[order=]DRIVES: up to three of a=floppy c=disk d=cdrom n=network"},
    {OPT_KERNEL, "kernel", "FILE", "boot a Linux bzImage or Multiboot kernel directly"},
    {OPT_INITRD, "initrd", "FILE", "initial ramdisk for -kernel (Multiboot: 'mod1 args,mod2')"},
    {OPT_APPEND, "append", "CMDLINE", "kernel command line for -kernel"},
    {OPT_SERIAL, "serial", "DEV", "next COM port (COM1..4): stdio, null, file:P, tcp:[H]:P[,server], unix:P"},
    {OPT_DISPLAY, "display", "TYPE", "none (sdl, curses: not supported yet, no VGA)"},
    {OPT_NOGRAPHIC, "nographic", NULL, "no display; COM1 on stdio (Ctrl-A x quits, Ctrl-A h lists keys)"},
    {OPT_DEBUGCON, "debugcon", "DEV", "debug console (ports 0xE9/0x402) to DEV, e.g. stdio, file:PATH"},
    {OPT_NIC, "nic", "OPTS", "network card, e.g. user,model=ne2k_pci (not supported yet; none is)"},
    {OPT_GDB, "gdb", "DEV", "gdbstub on DEV, e.g. tcp::1234"},
    {OPT_S_GDB, "s", NULL, "shorthand for -gdb tcp::1234"},
    {OPT_S_PAUSE, "S", NULL, "do not start the CPU (wait for gdb 'continue' or monitor 'cont')"},
    {OPT_SNAPSHOT, "snapshot", NULL, "write disk changes to temporary files (not supported yet: no disks)"},
    {OPT_D, "d", "ITEMS", "enable logging of ITEMS ('-d help' lists them)"},
    {OPT_DFILE, "D", "FILE", "write the -d log to FILE instead of stderr"},
    {OPT_ACCEL, "accel", "TYPE[,x87=|sse=host|soft]", "interp: the interpreter (jit: not supported yet); x87/sse=soft: no host FP unit"},
    {OPT_ICOUNT, "icount", "shift=N", "deterministic clock: 2^N ns per instruction (0..10), idle time skipped"},
    {OPT_RTC, "rtc", "base=B", "RTC start: utc, localtime, YYYY-MM-DD[THH:MM:SS] (-icount: 2020-01-01)"},
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
    bool monitor_given = false;

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
            if (!parse_size(arg, 'M', &u)) {
                fatal("-m: bad size '%s' (e.g. 512, 512M, 1.5G: a fraction needs a K, M, G "
                      "or T suffix)", arg);
            }
            if (u < 1024 * 1024 || u > 3584ull * 1024 * 1024) {
                fatal("-m: bad size '%s' (1M..3584M)", arg);
            }
            cfg.ram_size = u & ~0xfffull;
            break;
        case OPT_SMP:
            parse_smp(arg);
            break;
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
            check_once(cfg.debugcon_set, "-debugcon", "debug console");
            cfg.debugcon_set = true;
            parse_chardev("-debugcon", arg, &cfg.debugcon);
            break;
        case OPT_NIC:
            parse_nic(arg);
            break;
        case OPT_GDB:
            parse_gdb("-gdb", arg);
            break;
        case OPT_S_GDB:
            parse_gdb("-s", "tcp::1234");
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
        case OPT_ACCEL:
            parse_accel(arg);
            break;
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
            check_once(monitor_given, "-monitor", "monitor");
            monitor_given = true;
            if (!strcmp(arg, "none")) {
                break;
            }
            cfg.monitor_set = true;
            parse_chardev("-monitor", arg, &cfg.monitor);
            break;
        case OPT_QMP:
            check_once(cfg.qmp_set, "-qmp", "QMP server");
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

/*
 * SIGINT, SIGTERM and SIGHUP end the run like the monitor's "quit" (as QEMU: a message and
 * exit status 0), so that the -D log, serial files and terminal settings are flushed and
 * restored. The handler only records the signal; the main loop's poll picks it up. A second
 * signal takes the default action, so a wedged main loop can still be killed.
 */
static volatile sig_atomic_t quit_signal;

static void quit_signal_handler(int sig)
{
    quit_signal = sig;
}

static void quit_signal_poll(void *opaque)
{
    static bool done;

    if (quit_signal && !done) {
        done = true;
        fprintf(stderr, "x86pc: terminating on signal %d\n", (int)quit_signal);
        machine_request_shutdown(opaque, 0);
    }
}

static void quit_on_signals(Machine *m)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = quit_signal_handler;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
        struct sigaction old;
        /* A signal ignored by whoever started x86pc (nohup, a shell's &) stays ignored. */
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN) {
            continue;
        }
        sigaction(sigs[i], &sa, NULL);
    }
    machine_add_poll_handler(m, quit_signal_poll, m);
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
    quit_on_signals(m);
    status = machine_run(m);
    machine_destroy(m);
    chr_cleanup_all();
    log_flush();
    return status;
}
