/*
 * Shared helpers for the device tests (tests/unit/test-hw-*.c): a board without CPUs,
 * IRQ recorders, virtual-clock stepping, and the pass/fail counters every test prints.
 */
#ifndef X86PC_TESTS_UNIT_HW_TEST_H
#define X86PC_TESTS_UNIT_HW_TEST_H

#include <stdio.h>
#include <stdlib.h>

#include "hw/devices.h"

static int tests_passed, tests_failed;

#define CHECK(cond, ...)                                                                       \
    do {                                                                                       \
        if (cond) {                                                                            \
            tests_passed++;                                                                    \
        } else {                                                                               \
            tests_failed++;                                                                    \
            printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                             \
            printf(__VA_ARGS__);                                                               \
            printf("\n");                                                                      \
        }                                                                                      \
    } while (0)

static inline int tests_finish(void)
{
    printf("%d passed, %d failed\n", tests_passed, tests_failed);
    return tests_failed ? 1 : 0;
}

/* End of a test: destroy the board (devices finalized, states and maps freed, so
 * LeakSanitizer sees every leak); no device timer may stay in the queue. */
static inline void board_teardown(Board *b)
{
    board_destroy(b);
    CHECK(timer_next_deadline() == VCLOCK_NEVER, "board_destroy left a timer queued");
}

/* Records the level and the number of rising edges of each line. */
typedef struct IRQRecorder {
    int level[16];
    int rises[16];
    void (*on_rise)(int n); /* optional */
} IRQRecorder;

static inline void irq_recorder_set(void *opaque, int n, int level)
{
    IRQRecorder *r = opaque;

    if (level && !r->level[n]) {
        r->rises[n]++;
        r->level[n] = 1;
        if (r->on_rise) {
            r->on_rise(n);
        }
        return;
    }
    r->level[n] = level != 0;
}

/* Wire all 16 ISA lines of b (before adding devices) to r. */
static inline void board_wire_recorder(Board *b, IRQRecorder *r)
{
    for (int i = 0; i < 16; i++) {
        b->isa_irq[i] = (IRQ){irq_recorder_set, r, i};
    }
}

/* Advance the virtual clock by ns, firing every timer at its own deadline. */
static inline void clock_step(int64_t ns)
{
    int64_t target = vclock_ns() + ns;

    while (timer_next_deadline() <= target) {
        vclock_advance_to(timer_next_deadline());
        timers_run_expired();
    }
    vclock_advance_to(target);
    timers_run_expired();
}

static inline uint8_t inb(Board *b, uint16_t port)
{
    return (uint8_t)io_read(b->io, port, 1);
}

static inline void outb(Board *b, uint16_t port, uint8_t v)
{
    io_write(b->io, port, v, 1);
}

#endif
