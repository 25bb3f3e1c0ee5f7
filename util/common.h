/*
 * Common definitions for all of x86pc: fixed-width types, branch hints, and the
 * byte-order helpers through which every guest-visible multi-byte value passes.
 *
 * Portability contract (see README, "Portability"): no code outside jit/<host>/ may
 * load or store a guest value through a cast pointer. Guest memory is little-endian;
 * ld*_le_p()/st*_le_p() below are correct on any host byte order and any alignment,
 * and compile to a single move on little-endian hosts that allow unaligned access.
 */
#ifndef X86PC_UTIL_COMMON_H
#define X86PC_UTIL_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define NORETURN __attribute__((noreturn))
#define PRINTF_FMT(f, a) __attribute__((format(printf, f, a)))
#define UNUSED __attribute__((unused))
/* For the few hot helpers whose out-parameters must stay in registers. */
#define ALWAYS_INLINE inline __attribute__((always_inline))
/*
 * Hide the value of an integer variable from the optimiser (it must assume x changed),
 * e.g. to keep a predicted branch that it would otherwise fold into a data dependency.
 * An empty asm statement: no instruction, the same on every GCC/Clang target.
 */
#define OPAQUE(x) __asm__("" : "+r"(x))

/* Little-endian accessors: memcpy lets the compiler pick the widest legal access. */
static inline uint16_t lduw_le_p(const void *p)
{
    const uint8_t *b = p;
    return (uint16_t)(b[0] | (b[1] << 8));
}

static inline uint32_t ldl_le_p(const void *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
#else
    const uint8_t *b = p;
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) |
           ((uint32_t)b[3] << 24);
#endif
}

static inline uint64_t ldq_le_p(const void *p)
{
    const uint8_t *b = p;
    return (uint64_t)ldl_le_p(b) | ((uint64_t)ldl_le_p(b + 4) << 32);
}

static inline void stw_le_p(void *p, uint16_t v)
{
    uint8_t *b = p;
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
}

static inline void stl_le_p(void *p, uint32_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(p, &v, 4);
#else
    uint8_t *b = p;
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
    b[2] = (uint8_t)(v >> 16);
    b[3] = (uint8_t)(v >> 24);
#endif
}

static inline void stq_le_p(void *p, uint64_t v)
{
    uint8_t *b = p;
    stl_le_p(b, (uint32_t)v);
    stl_le_p(b + 4, (uint32_t)(v >> 32));
}

/* Big-endian accessors, for network/disk formats (qcow2, gdb hex is separate). */
static inline uint16_t lduw_be_p(const void *p)
{
    const uint8_t *b = p;
    return (uint16_t)((b[0] << 8) | b[1]);
}

static inline uint32_t ldl_be_p(const void *p)
{
    const uint8_t *b = p;
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

static inline uint64_t ldq_be_p(const void *p)
{
    const uint8_t *b = p;
    return ((uint64_t)ldl_be_p(b) << 32) | ldl_be_p(b + 4);
}

static inline void stw_be_p(void *p, uint16_t v)
{
    uint8_t *b = p;
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}

static inline void stl_be_p(void *p, uint32_t v)
{
    uint8_t *b = p;
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

static inline void stq_be_p(void *p, uint64_t v)
{
    stl_be_p(p, (uint32_t)(v >> 32));
    stl_be_p((uint8_t *)p + 4, (uint32_t)v);
}

/* Sign extension helpers; portable (no reliance on implementation-defined shifts). */
static inline int32_t sext8(uint32_t v)
{
    return (int32_t)(int8_t)(uint8_t)v;
}

static inline int32_t sext16(uint32_t v)
{
    return (int32_t)(int16_t)(uint16_t)v;
}

/* util/osdep.c */
void *xmalloc(size_t n);
void *xzalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
void *xalloc_pages(size_t n); /* page-aligned, zeroed; free with xfree_pages */
void xfree_pages(void *p, size_t n);
/* Host monotonic clock in ns. Only main loop and ui/ may call this: never hw/ or cpu/. */
int64_t host_clock_ns(void);

#endif
