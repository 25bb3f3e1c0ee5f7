/*
 * Shared harness of the CPU unit tests that call cpu/helper.h functions directly against a
 * fake bus: check counters, CHECK/CHECK_EQ, TRY (catch a guest exception raised through
 * cpu->jmp_env), little-endian RAM accessors, and the bus callbacks every such test needs
 * in the same form (no ports, no interrupts, a fixed clock).
 *
 * Include once per test program, after defining nothing; the test owns `ram`.
 */
#ifndef X86PC_TESTS_CPU_TEST_H
#define X86PC_TESTS_CPU_TEST_H

#include <setjmp.h>
#include <stdio.h>

#include "cpu/cpu.h"

static uint8_t *ram;
static int passed, failed;

#define CHECK(cond)                                                                               \
    do {                                                                                          \
        if (cond) {                                                                               \
            passed++;                                                                             \
        } else {                                                                                  \
            failed++;                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);              \
        }                                                                                         \
    } while (0)

#define CHECK_EQ(a, b)                                                                            \
    do {                                                                                          \
        uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                                          \
        if (a_ == b_) {                                                                           \
            passed++;                                                                             \
        } else {                                                                                  \
            failed++;                                                                             \
            fprintf(stderr, "%s:%d: %s == %llx, expected %llx\n", __FILE__, __LINE__, #a,         \
                    (unsigned long long)a_, (unsigned long long)b_);                              \
        }                                                                                         \
    } while (0)

/* Run stmt; evaluates to -1 if it completed, else the exception vector it raised. */
#define TRY(cpu, stmt)                                                                            \
    __extension__({                                                                               \
        volatile int v_ = -1;                                                                     \
        if (sigsetjmp((cpu)->jmp_env, 0) == 0) {                                                  \
            stmt;                                                                                 \
        } else {                                                                                  \
            v_ = (cpu)->exc_vector;                                                               \
        }                                                                                         \
        v_;                                                                                       \
    })

static inline uint32_t ram32(uint32_t a)
{
    return ldl_le_p(ram + a);
}

static inline uint16_t ram16(uint32_t a)
{
    return lduw_le_p(ram + a);
}

static inline void set32(uint32_t a, uint32_t v)
{
    stl_le_p(ram + a, v);
}

static inline void set16(uint32_t a, uint16_t v)
{
    stw_le_p(ram + a, v);
}

/* All-ones for unassigned reads of any size. */
static inline uint64_t fb_ones(unsigned size)
{
    return size == 8 ? ~0ull : ((1ull << (8 * size)) - 1);
}

static inline uint32_t fb_io_read(void *opaque, uint16_t port, unsigned size)
{
    return 0xffffffffu;
}

static inline void fb_io_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
}

static inline int fb_intr_ack(void *opaque, int cpu_index)
{
    return 0x20;
}

#endif
