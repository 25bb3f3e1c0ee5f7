/*
 * Devices and the board they plug into.
 *
 * A device is a const DeviceInfo descriptor (designated initializers): name, init,
 * reset, a versioned save-state field table (VMStateDesc, the VMState idea: every field
 * of guest-visible state listed with its offset, type and count) with a post-load hook,
 * and an optional "info" callback for the monitor.
 *
 * The Board is everything a device may touch: the port and memory maps, the ISA IRQ
 * lines, the chardevs chosen on the command line, and request hooks towards the machine
 * (reset, shutdown, A20). Devices never see the Machine or the CPUs, so device tests
 * (tests/unit/test-hw-*.c) build a Board without any CPU.
 */
#ifndef X86PC_HW_CORE_DEVICE_H
#define X86PC_HW_CORE_DEVICE_H

#include <stddef.h>
#include <stdio.h>

#include "hw/core/ioport.h"
#include "hw/core/irq.h"
#include "hw/core/memory.h"
#include "hw/core/timer.h"
#include "util/chardev.h"

/* ---- save state ---- */

typedef enum VMSType {
    VMS_TYPE_U8,
    VMS_TYPE_U16,
    VMS_TYPE_U32,
    VMS_TYPE_U64,
    VMS_TYPE_I32,
    VMS_TYPE_I64,
    VMS_TYPE_BOOL,
    VMS_TYPE_TIMER,  /* a Timer * field: its deadline (-1 if idle) is saved */
    VMS_TYPE_STRUCT, /* count elements of stride bytes, each described by sub */
} VMSType;

typedef struct VMStateDesc VMStateDesc;

/*
 * Versions. A device's stream starts with the version of its top-level VMStateDesc; that
 * one number covers the nested descs too (their own version fields are not used). When a
 * field is added, the version goes up and the field says since which version it exists
 * (`since`, 0 = always): a stream of an older version, down to min_version, loads with
 * that field left as it was (the reset value when a machine is loaded after its reset).
 * Removing or changing a field means raising min_version above the versions that had it.
 */
typedef struct VMStateField {
    const char *name;
    size_t offset;
    VMSType type;
    uint32_t count;
    const VMStateDesc *sub; /* VMS_TYPE_STRUCT */
    size_t stride;          /* VMS_TYPE_STRUCT */
    uint32_t since;         /* first stream version with this field (0: all) */
} VMStateField;

struct VMStateDesc {
    const char *name;
    uint32_t version;
    const VMStateField *fields; /* terminated by VMS_END */
    int (*post_load)(void *opaque); /* 0 on success */
    uint32_t min_version;   /* oldest stream version that loads (0: version only) */
};

#define VMS_FIELD_SIZEOF(st, f) sizeof(((st *)0)->f)
/* Host width of a field of type t (0 for VMS_TYPE_STRUCT). */
#define VMS_TYPE_SIZE(t)                                                                       \
    ((t) == VMS_TYPE_U8 ? 1 : (t) == VMS_TYPE_U16 ? 2 : (t) == VMS_TYPE_U32 ? 4               \
     : (t) == VMS_TYPE_U64 ? 8 : (t) == VMS_TYPE_I32 ? 4 : (t) == VMS_TYPE_I64 ? 8            \
     : (t) == VMS_TYPE_BOOL ? sizeof(bool) : (t) == VMS_TYPE_TIMER ? sizeof(Timer *) : 0)
/*
 * Compile-time check (0, or a negative array size) that a field has the width of its
 * type: the serialiser accesses it through a pointer of that type, so a uint16_t field
 * described as VMS_U32 would take a neighbour's bytes on a little-endian host and the
 * wrong half on a big-endian one.
 */
#define VMS_CHECK(cond) (0 * sizeof(char[(cond) ? 1 : -1]))
/* The _V forms: a field added in version v (see `since` above). */
#define VMS_SCALAR_V(st, f, t, v)                                                              \
    {#f, offsetof(st, f) + VMS_CHECK(VMS_FIELD_SIZEOF(st, f) == VMS_TYPE_SIZE(t)), t, 1, NULL, \
     0, v}
#define VMS_SCALAR(st, f, t) VMS_SCALAR_V(st, f, t, 0)
#define VMS_ARRAY_V(st, f, t, elsize, v)                                                       \
    {#f,                                                                                       \
     offsetof(st, f) + VMS_CHECK(sizeof(((st *)0)->f[0]) == VMS_TYPE_SIZE(t) &&                \
                                 (elsize) == VMS_TYPE_SIZE(t)),                                \
     t, (uint32_t)(VMS_FIELD_SIZEOF(st, f) / (elsize)), NULL, 0, v}
#define VMS_ARRAY(st, f, t, elsize) VMS_ARRAY_V(st, f, t, elsize, 0)
#define VMS_U8(st, f) VMS_SCALAR(st, f, VMS_TYPE_U8)
#define VMS_U16(st, f) VMS_SCALAR(st, f, VMS_TYPE_U16)
#define VMS_U32(st, f) VMS_SCALAR(st, f, VMS_TYPE_U32)
#define VMS_U64(st, f) VMS_SCALAR(st, f, VMS_TYPE_U64)
#define VMS_I32(st, f) VMS_SCALAR(st, f, VMS_TYPE_I32)
#define VMS_I64(st, f) VMS_SCALAR(st, f, VMS_TYPE_I64)
#define VMS_BOOL(st, f) VMS_SCALAR(st, f, VMS_TYPE_BOOL)
#define VMS_TIMER(st, f) VMS_SCALAR(st, f, VMS_TYPE_TIMER)
#define VMS_U8_ARRAY(st, f) VMS_ARRAY(st, f, VMS_TYPE_U8, 1)
#define VMS_U16_ARRAY(st, f) VMS_ARRAY(st, f, VMS_TYPE_U16, 2)
#define VMS_U32_ARRAY(st, f) VMS_ARRAY(st, f, VMS_TYPE_U32, 4)
#define VMS_STRUCT_ARRAY_V(st, f, elt, desc, v)                                                \
    {#f, offsetof(st, f) + VMS_CHECK(VMS_FIELD_SIZEOF(st, f) % sizeof(elt) == 0),               \
     VMS_TYPE_STRUCT, (uint32_t)(VMS_FIELD_SIZEOF(st, f) / sizeof(elt)), &(desc), sizeof(elt), \
     v}
#define VMS_STRUCT_ARRAY(st, f, elt, desc) VMS_STRUCT_ARRAY_V(st, f, elt, desc, 0)
#define VMS_END {NULL, 0, VMS_TYPE_U8, 0, NULL, 0, 0}

/* A growable byte buffer for serialised state. */
typedef struct ByteBuf {
    uint8_t *data;
    size_t len, cap;
} ByteBuf;

void bytebuf_put(ByteBuf *b, const void *p, size_t n);
void bytebuf_free(ByteBuf *b);

/* Serialise s (little-endian, byte-order neutral): version, then every field. */
void vmstate_save(const VMStateDesc *d, const void *s, ByteBuf *out);
/* Load from buf at *pos (advanced). Rejects a version newer than d->version or older
 * than d->min_version; fields added after the stream's version keep their values. Runs
 * post_load. false on error (truncated, version) with s possibly partially loaded. */
bool vmstate_load(const VMStateDesc *d, void *s, const uint8_t *buf, size_t len, size_t *pos);

/* ---- devices ---- */

typedef struct Board Board;

typedef struct DeviceInfo {
    const char *name;
    /* Create the device, register its ports/regions/IRQs on the board; instance selects
     * which one (COM1..COM4). Returns its state, allocated with xzalloc(): board_destroy()
     * frees it. */
    void *(*init)(Board *board, int instance);
    void (*reset)(void *s);
    const VMStateDesc *vmsd;
    /* Monitor "info WHAT" (pic, serial...): print and return true if it answers WHAT. */
    bool (*info)(void *s, const char *what, FILE *out);
    /* Optional: release what init allocated besides the state itself (timers, buffers,
     * fw_cfg items). Called by board_destroy() just before it frees the state; devices
     * created later are already gone, earlier ones are still there. Ports, memory
     * regions, IRQ lines and polls need no undoing: they go with the board. */
    void (*finalize)(void *s);
} DeviceInfo;

#define BOARD_MAX_DEVICES 64
#define BOARD_MAX_POLLS 16

typedef struct BoardDevice {
    const DeviceInfo *info;
    void *state;
    int instance;
} BoardDevice;

struct PICState;
struct PITState;

struct Board {
    MemoryMap *mem;
    IOPortTable *io;

    /* Wiring filled by devices at init. */
    IRQ isa_irq[16];         /* by the interrupt controller (i8259) */
    IRQ cpu_intr;            /* the INTR pin, set by the board creator before the PIC */
    struct PICState *pic;
    struct PITState *pit;

    /* Machine description the devices need (CMOS, firmware tables). */
    uint64_t ram_size;
    int smp;
    char boot_order[8];
    int nb_floppies;
    uint8_t hd_present;      /* bit 0/1: IDE primary master/slave hard disk */
    int64_t rtc_base_epoch;  /* wall-clock seconds at virtual time 0 */
    /* Chardevs are owned by the board's creator (closed after board_destroy()). */
    Chardev *serial_chr[4];  /* NULL: not connected */
    Chardev *debugcon_chr;   /* NULL: debug console output dropped */

    /* Requests towards the machine (no-ops if NULL). */
    void (*request_reset)(void *opaque);
    void (*request_shutdown)(void *opaque, int status);
    void (*set_a20)(void *opaque, bool enabled);
    /* The guest powered the machine off (ACPI S5): exit, or pause under -no-shutdown.
     * NULL: request_shutdown(opaque, 0). */
    void (*request_poweroff)(void *opaque);
    void *machine;
    bool a20_enabled;

    BoardDevice devs[BOARD_MAX_DEVICES];
    int nb_devs;
    struct {
        void (*poll)(void *opaque);
        void *opaque;
    } polls[BOARD_MAX_POLLS];
    int nb_polls;
};

/* Empty board with fresh port and memory maps (no RAM). */
void board_init(Board *b);
/* Finalize every device in reverse order of creation and free its state, then free the
 * port and memory maps (and the RAM/ROM the regions own). The chardevs in serial_chr and
 * debugcon_chr belong to whoever set them and stay open. No device may be used afterwards;
 * board_init() makes b usable again. */
void board_destroy(Board *b);
void *board_add_device(Board *b, const DeviceInfo *info, int instance);
void *board_find_device(Board *b, const char *name, int instance);
void board_reset(Board *b);
/* Device polls (chardev input): run once per main-loop iteration. */
void board_add_poll(Board *b, void (*poll)(void *opaque), void *opaque);
void board_poll(Board *b);
bool board_info(Board *b, const char *what, FILE *out);
/* Save/restore every device's state. */
void board_save(Board *b, ByteBuf *out);
bool board_load(Board *b, const uint8_t *buf, size_t len);

void board_request_reset(Board *b);
void board_request_shutdown(Board *b, int status);
void board_request_poweroff(Board *b);
void board_set_a20(Board *b, bool enabled);

#endif
