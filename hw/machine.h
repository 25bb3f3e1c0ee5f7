/*
 * The machine: what the command line asks for (MachineConfig, filled by ui/main.c) and
 * the PC built from it (hw/pc.c). The main loop lives in machine_run().
 */
#ifndef X86PC_HW_MACHINE_H
#define X86PC_HW_MACHINE_H

#include "cpu/cpu.h"
#include "util/chardev.h"

#define MAX_DRIVES 16
#define MAX_SERIAL 4
#define MAX_CPUS 8

typedef enum DriveIf { IF_IDE, IF_FLOPPY, IF_AHCI, IF_NONE } DriveIf;
typedef enum DriveMedia { MEDIA_DISK, MEDIA_CDROM } DriveMedia;
typedef enum DriveFormat { FMT_AUTO, FMT_RAW, FMT_QCOW2 } DriveFormat;

typedef struct DriveConfig {
    char *file;
    DriveFormat format;
    DriveIf iface;
    int index; /* IDE: 0..3 = primary master/slave, secondary master/slave; floppy: 0..1 */
    DriveMedia media;
    bool readonly;
} DriveConfig;

typedef enum DisplayKind { DISPLAY_DEFAULT, DISPLAY_NONE, DISPLAY_SDL, DISPLAY_CURSES } DisplayKind;
/* RTC_BASE_DEFAULT: the host's UTC date, except under -icount, where the RTC starts at
 * RTC_ICOUNT_EPOCH so that nothing the guest sees depends on when it was started. */
typedef enum RtcBase { RTC_BASE_DEFAULT, RTC_BASE_UTC, RTC_BASE_LOCALTIME, RTC_BASE_DATE } RtcBase;
#define RTC_ICOUNT_EPOCH 1577836800 /* 2020-01-01T00:00:00 UTC */
typedef enum AccelKind { ACCEL_INTERP, ACCEL_JIT } AccelKind;

typedef struct MachineConfig {
    uint64_t ram_size;
    int smp;
    const CPUModel *cpu_model;
    const char *bios;           /* NULL: default firmware lookup */
    DriveConfig drives[MAX_DRIVES];
    int nb_drives;
    char boot_order[8];         /* e.g. "cad" */
    const char *kernel, *initrd, *append;
    /* -machine linuxboot=direct: x86pc loads a Linux -kernel itself (boot protocol, no
     * firmware); default (linuxboot=firmware): the firmware boots it through fw_cfg and
     * our own option ROM, as with QEMU. Multiboot kernels are always loaded directly. */
    bool kernel_direct;
    ChardevSpec serial[MAX_SERIAL];
    int nb_serial;
    bool debugcon_set;
    ChardevSpec debugcon;
    DisplayKind display;
    bool nographic;
    const char *nic;            /* -nic spec */
    bool gdb_set;
    ChardevSpec gdb;
    bool start_paused;          /* -S */
    bool snapshot;
    AccelKind accel;
    int icount_shift;           /* -1: real-time virtual clock */
    RtcBase rtc_base;
    int64_t rtc_base_epoch;     /* RTC_BASE_DATE: seconds since 1970 UTC */
    bool no_reboot, no_shutdown;
    bool monitor_set;
    ChardevSpec monitor;
    bool qmp_set;
    ChardevSpec qmp;
} MachineConfig;

typedef struct Machine Machine;

/* Build the PC; on a configuration error prints one line and exits with status 1. */
Machine *machine_create(const MachineConfig *cfg);
/* Run until the guest powers off, -no-reboot triggers, isa-debug-exit is written, or
 * quit is requested. Returns the process exit status. */
int machine_run(Machine *m);
void machine_destroy(Machine *m);

/* Requests from devices, the monitor, QMP or gdb; handled at the next loop iteration. */
void machine_request_reset(Machine *m);
void machine_request_shutdown(Machine *m, int status); /* power off / quit */
void machine_pause(Machine *m);
void machine_resume(Machine *m);
bool machine_is_paused(Machine *m);

/* Access for front ends (gdbstub, monitor, QMP). */
int machine_nb_cpus(Machine *m);
X86CPU *machine_cpu(Machine *m, int index);
/* Called once per main-loop iteration (also while paused): front ends poll their sockets. */
void machine_add_poll_handler(Machine *m, void (*poll)(void *opaque), void *opaque);
/* Called when a vCPU stops for gdb (cpu_exec returned CPU_EXIT_DEBUG); the machine is paused. */
void machine_set_debug_handler(Machine *m, void (*stopped)(void *opaque, X86CPU *cpu), void *opaque);
/* Lifecycle events for QMP (STOP, RESUME, RESET, SHUTDOWN, POWERDOWN). */
typedef enum MachineEvent { MEV_STOP, MEV_RESUME, MEV_RESET, MEV_SHUTDOWN, MEV_POWERDOWN } MachineEvent;
void machine_add_event_handler(Machine *m, void (*event)(void *opaque, MachineEvent ev), void *opaque);
/* ACPI power button (system_powerdown): the guest OS decides to power off. */
void machine_request_powerdown(Machine *m);
/* Monitor "info NAME" for devices (pic, irq, pci, mtree, ...): false if no device answers. */
bool machine_info(Machine *m, const char *name, FILE *out);
/* Guest-physical memory access for monitor xp/gdb (no side effects on RAM/ROM; MMIO skipped:
 * returns -1 if any byte is not RAM/ROM). */
int machine_phys_rw(Machine *m, uint64_t paddr, void *buf, size_t len, bool write);
/* Keyboard input for `sendkey`: PC scancode set 1 make/break bytes. */
void machine_send_scancode(Machine *m, const uint8_t *codes, size_t n);
/* PS/2 mouse input: relative motion (dy > 0 = up) and wheel steps (dz, passed to the guest
 * as the IntelliMouse Z value); buttons bit 0 left, 1 right, 2 middle. */
void machine_send_mouse(Machine *m, int dx, int dy, int dz, unsigned buttons);

#endif
